#!/usr/bin/env python3
"""Soak: one `ledger serve` at a steady load for a long time, its resources sampled.

Starts serve on a fresh SQLite file with notifications to a fake app and polls against a
fake provider (both from campaign.py), sends registrations and their signed webhooks at a
fixed rate (a redelivery now and then), and every --every seconds records the server's
resident memory (VmRSS), open descriptors, the WAL's and the database's size, the
events stored, the database's bytes per event and the series `/metrics` serves (a label
carrying a job or an account would grow it). Writes the samples as CSV and an SVG chart
of each series against time, then stops the server and checks the ledger (verify,
rebuild --check).

    swift build -c release --product ledger
    python3 Tools/fault-campaign/soak.py --minutes 30 --rate 40 --ledger .build/release/ledger \\
        --csv docs/soak.csv --svg docs/soak.svg

"Flat" is judged over the second half (the first minutes warm caches and grow the WAL
to its checkpoint size): the script prints each series' value at the middle and at the
end and their ratio.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from campaign import APP_KEY, KEYS, NOTIFY_SECRET, SECRET, Node, Peers, clean_environment, post, signed  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def resident_mib(pid, field="VmRSS"):
    """VmRSS, or its parts: RssAnon (the heap: what a leak grows) and RssFile
    (the database's pages mapped by SQLite's mmap, which the kernel may drop)."""
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def size_mib(path):
    return os.path.getsize(path) / 2**20 if os.path.exists(path) else 0.0


def metric_series(port):
    """How many series `/metrics` serves (lines that are not comments): a label per job would grow it."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as answer:
            return sum(1 for line in answer.read().decode().splitlines() if line and not line.startswith("#"))
    except (urllib.error.URLError, ConnectionError, OSError):
        return 0


def traffic(node, peers, rate, stop, counters):
    """`rate` jobs a second, each registered, then processing and its outcome, one in ten redelivered."""
    index, started = 0, time.time()
    while not stop.is_set():
        wait = started + index / rate - time.time()
        if wait > 0:
            time.sleep(wait)
        job, external = "s%d" % index, "sx%d" % index
        outcome = "failed" if index % 4 == 0 else "succeeded"
        with peers.lock:
            peers.truth[external] = outcome
        registration = json.dumps({"job_id": job, "account": "acct_%d" % (index % 50), "provider": "replicate",
                                   "operation": "video", "cost": 5, "external_id": external}).encode()
        post(node.port, "/v1/jobs", registration, {"authorization": "Bearer " + APP_KEY, "content-type": "application/json"})
        for status, suffix in (("processing", "p"), (outcome, "t")):
            body = json.dumps({"id": external, "status": status, "error": "provider error" if status == "failed" else None,
                               "output": ["https://cdn.example/%s.mp4" % external] if status == "succeeded" else None}).encode()
            for _ in range(2 if index % 10 == 0 else 1):
                answer, _ = post(node.port, "/v1/webhooks/replicate", body, signed("msg_%s_%s" % (job, suffix), body))
                counters["sent"] += 1
                if answer is not None and 200 <= answer < 300:
                    counters["acknowledged"] += 1
        index += 1


def chart(samples, columns, path):
    """One small line chart per series, stacked, against minutes; y from zero."""
    width, height, left, gap = 640, 120, 70, 40
    total = len(columns) * (height + gap) + 20
    end = max(sample["seconds"] for sample in samples) / 60 or 1
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">'
             % (width + left + 20, total)]
    for row, (key, label) in enumerate(columns):
        top = 20 + row * (height + gap)
        top_value = max(sample[key] for sample in samples) * 1.15 or 1
        points = " ".join("%.1f,%.1f" % (left + sample["seconds"] / 60 / end * width, top + height - sample[key] / top_value * height)
                          for sample in samples)
        parts.append('<text x="%d" y="%d" font-weight="bold">%s</text>' % (left, top - 6, label))
        parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>' % (left, top + height, left + width, top + height))
        parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>' % (left, top, left, top + height))
        for fraction in (0, 0.5, 1):
            y = top + height - fraction * height
            parts.append('<text x="%d" y="%.1f" text-anchor="end">%.3g</text>' % (left - 6, y + 4, fraction * top_value))
        for minute in range(0, int(end) + 1, max(1, int(end) // 6)):
            x = left + minute / end * width
            parts.append('<text x="%.1f" y="%d" text-anchor="middle">%d min</text>' % (x, top + height + 14, minute))
        parts.append('<polyline fill="none" stroke="#0b57d0" stroke-width="1.5" points="%s"/>' % points)
    parts.append("</svg>")
    with open(path, "w") as out:
        out.write("\n".join(parts) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=40, help="jobs a second (each two webhooks)")
    parser.add_argument("--every", type=float, default=15, help="seconds between samples")
    parser.add_argument("--ledger", default=os.path.join(ROOT, ".build/release/ledger"))
    parser.add_argument("--csv", default="soak.csv")
    parser.add_argument("--svg", default="soak.svg")
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="ledger-soak-")
    database = os.path.join(folder, "soak.sqlite")
    peers = Peers()
    peers.flaky = False
    environment = clean_environment()
    environment.update({
        "LEDGER_KEYS": KEYS, "LEDGER_PROVIDER_REPLICATE_SECRET": SECRET,
        "LEDGER_PROVIDER_REPLICATE_BASE_URL": "http://127.0.0.1:%d" % peers.port, "LEDGER_PROVIDER_REPLICATE_API_KEY": "r8",
        "LEDGER_NOTIFY_URL": "http://127.0.0.1:%d/hooks" % peers.port, "LEDGER_NOTIFY_SECRET": NOTIFY_SECRET,
        "LEDGER_ALLOW_PRIVATE_TARGETS": "true", "LEDGER_LOG_LEVEL": "warning",
    })
    node = Node(options.ledger, database, environment, os.path.join(folder, "serve.log"))
    node.start()
    stop, counters = threading.Event(), {"sent": 0, "acknowledged": 0}
    sender = threading.Thread(target=traffic, args=(node, peers, options.rate, stop, counters))
    sender.start()
    samples, began = [], time.time()
    try:
        while time.time() - began < options.minutes * 60:
            time.sleep(options.every)
            pid = node.process.pid
            events = subprocess.run(["sqlite3", "file:%s?mode=ro" % database, "SELECT max(position) FROM events"],
                                    capture_output=True, text=True).stdout.strip() or "0"
            samples.append({"seconds": time.time() - began, "rss_mib": resident_mib(pid),
                            "anon_mib": resident_mib(pid, "RssAnon"), "file_mib": resident_mib(pid, "RssFile"),
                            "descriptors": len(os.listdir("/proc/%d/fd" % pid)), "wal_mib": size_mib(database + "-wal"),
                            "database_mib": size_mib(database), "events": int(events), "acknowledged": counters["acknowledged"],
                            "series": metric_series(node.port)})
            samples[-1]["bytes_per_event"] = samples[-1]["database_mib"] * 2**20 / max(samples[-1]["events"], 1)
            print("%6.0f s  rss %6.1f MiB (anon %6.1f, file %6.1f)  fds %4d  wal %6.1f MiB  db %7.1f MiB  events %8d  %5.0f B/event  %4d series" % (
                samples[-1]["seconds"], samples[-1]["rss_mib"], samples[-1]["anon_mib"], samples[-1]["file_mib"], samples[-1]["descriptors"], samples[-1]["wal_mib"],
                samples[-1]["database_mib"], samples[-1]["events"], samples[-1]["bytes_per_event"], samples[-1]["series"]), flush=True)
    finally:
        stop.set()
        sender.join()
        node.stop()
        peers.stop()
    columns = [("rss_mib", "resident memory (MiB)"), ("anon_mib", "of which anonymous: the heap (MiB)"),
               ("file_mib", "of which file pages: the database mapped (MiB)"), ("descriptors", "open descriptors"), ("wal_mib", "WAL (MiB)"),
               ("database_mib", "database file (MiB)"), ("events", "events stored"),
               ("bytes_per_event", "database bytes per event"), ("series", "metric series served")]
    with open(options.csv, "w") as out:
        out.write(",".join(["seconds"] + [key for key, _ in columns]) + "\n")
        for sample in samples:
            out.write(",".join("%.1f" % sample[key] for key in ["seconds"] + [key for key, _ in columns]) + "\n")
    chart(samples, columns, options.svg)
    middle = samples[len(samples) // 2]
    for key, label in columns:
        ratio = samples[-1][key] / middle[key] if middle[key] else float("nan")
        print("%-24s middle %9.1f  end %9.1f  end/middle %.2f" % (label, middle[key], samples[-1][key], ratio))
    checks = [subprocess.run([options.ledger] + command + ["--db", database], capture_output=True, text=True, env=environment)
              for command in (["verify"], ["rebuild", "--check"])]
    print("sent %d webhooks, %d acknowledged; verify %s, rebuild --check %s" % (
        counters["sent"], counters["acknowledged"], "clean" if checks[0].returncode == 0 else "FAILED",
        "clean" if checks[1].returncode == 0 else "FAILED"))
    sys.exit(0 if all(check.returncode == 0 for check in checks) else 1)


if __name__ == "__main__":
    main()
