#!/usr/bin/env python3
"""Slow clients against `ledger serve` while wrk measures everyone else's latency.

    Tools/fault-harness/slowloris.py [--slow 1000] [--runs 3] [--seconds 10]

Builds `ledger` in release mode and serves a fresh database (durability full,
1,000 registered jobs). Each run measures durable ingest with wrk (c=16,
pre-signed deliveries) alone, then again while --slow connections trickle a
request one header byte per second (slowloris) and --slow/10 more trickle a
declared 1 MiB body one byte per second (half to a webhook route, half to an
action refused without a key). Prints medians and ratios (the median of the
per-run ratios), and how
many slow connections the server closed (idle timeout 30 s, body read timeout
30 s). Loopback only, bounded in time.
"""
import argparse
import importlib.util
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_ingest_bench():
    spec = importlib.util.spec_from_file_location("ingest_bench", os.path.join(ROOT, "Tools", "ingest-bench", "run.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class SlowClients:
    """Connections that send a little every second until stopped; counts those the server closed."""

    def __init__(self, port, headers, bodies):
        self.port, self.stop, self.closed, self.opened = port, threading.Event(), 0, 0
        self.sockets = []
        for index in range(headers + bodies):
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            connection.setblocking(False)
            if index >= headers:  # a complete header announcing a big body, then the body byte by byte
                # Half to a webhook route (the body is read first), half to a route refused without a key.
                path = b"/v1/webhooks/replicate" if index % 2 else b"/v1/jobs/j1/actions"
                connection.send(b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                b"Content-Length: 1048576\r\n\r\n")
            else:
                connection.send(b"POST /v1/webhooks/replicate HTTP/1.1\r\nHost: x\r\n")
            self.sockets.append(connection)
        self.opened = len(self.sockets)
        self.thread = threading.Thread(target=self.trickle, daemon=True)
        self.thread.start()

    def trickle(self):
        while not self.stop.wait(1.0):
            for connection in list(self.sockets):
                try:
                    connection.send(b"x")
                except OSError:  # reset or closed by the server
                    self.sockets.remove(connection)
                    self.closed += 1

    def close(self):
        self.stop.set()
        self.thread.join()
        for connection in self.sockets:
            connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slow", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    options = parser.parse_args()
    options.threads = 1
    bench = load_ingest_bench()
    subprocess.run(["swift", "build", "-c", "release", "--product", "ledger"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    folder = tempfile.mkdtemp(prefix="slowloris-")
    port = 18_500 + os.getpid() % 400
    server = bench.start_server(os.path.join(ROOT, ".build", "release", "ledger"), folder, port, "info")
    script = os.path.join(ROOT, "Tools", "ingest-bench", "signed-webhooks.lua")
    results, slow_seen = [], []
    started = time.time()
    try:
        bench.register_jobs(port)
        for run in range(options.runs):
            figures = {}
            for phase in ("alone", "with slow clients"):
                slow = SlowClients(port, options.slow, options.slow // 10) if phase != "alone" else None
                requests = os.path.join(folder, f"requests-{run}-{len(figures)}.tsv")
                bench.write_requests(requests, 60_000 * options.seconds // 10 * 2, f"slow_{run}_{len(figures)}")
                figures[phase] = bench.wrk(options, port, 16, "/v1/webhooks/replicate", script,
                                           {"LEDGER_BENCH_REQUESTS": requests, "LEDGER_BENCH_THREADS": "1"})
                os.remove(requests)
                if slow:
                    slow_seen.append((slow.opened, slow.closed))
                    slow.close()
            results.append(figures)
            print(f"  run {run + 1}: " + "; ".join(f"{k}: {v['rate']:.0f} req/s p99 {v['p99_ms']:.1f} ms"
                                                 for k, v in figures.items()), file=sys.stderr)
        # The idle and read timeouts (30 s) must close connections that never finish.
        lingering = SlowClients(port, 50, 5)
        time.sleep(40)
        slow_seen.append((lingering.opened, lingering.closed))
        lingering.close()
        alive = server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=30)

    def median(phase, key):
        return statistics.median(r[phase][key] for r in results)

    print(f"\n| ingest c=16 | req/s | p99 ms | non-2xx |\n|---|---|---|---|")
    for phase in ("alone", "with slow clients"):
        print(f"| {phase} | {median(phase, 'rate'):,.0f} | {median(phase, 'p99_ms'):.1f} | "
              f"{sum(r[phase]['non2xx'] for r in results)} |")
    rate_ratio = statistics.median(r["with slow clients"]["rate"] / r["alone"]["rate"] for r in results)
    p99_ratio = statistics.median(r["with slow clients"]["p99_ms"] / r["alone"]["p99_ms"] for r in results)
    print(f"\nwith {options.slow} header-trickling and {options.slow // 10} body-trickling connections: "
          f"throughput ratio {rate_ratio:.2f}, p99 ratio {p99_ratio:.2f} (medians of {options.runs} runs of "
          f"{options.seconds} s). Slow connections closed by the server during the measured runs: "
          f"{sum(c for _, c in slow_seen[:-1])} of {sum(o for o, _ in slow_seen[:-1])}; after 40 s of trickling: "
          f"{slow_seen[-1][1]} of {slow_seen[-1][0]}. Server alive at the end: {alive}. "
          f"({time.time() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
