#!/usr/bin/env python3
"""The Python `eventsourcing` library (PyPI) on SQLite doing what ledger-bench does.

    python3 Tools/peers/eventsourcing_bench.py [--runs 3] [--dir /tmp]

Appends in transactions of 1, 10 and 100 events (one `save` each, SQLite in
WAL mode with its default synchronous=FULL, like the ledger's `full`), and
the replay of a 50-event aggregate (`repository.get`, no cache, no snapshot).
Prints one JSON object: medians of the runs.
"""
import argparse
import json
import os
import shutil
import sqlite3
import statistics
import tempfile
import time

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Job(Aggregate):
    """A job as the ledger sees it: registered, then its status reports."""

    @event("Registered")
    def __init__(self, account, cost):
        self.account = account
        self.cost = cost
        self.status = "registered"
        self.reports = 0

    @event("Reported")
    def report(self, status, delivery_id):
        self.status = status
        self.reports += 1


def application(path):
    return Application(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path,
                            "SQLITE_LOCK_TIMEOUT": "10"})


def appends_per_second(app, batch, total):
    """Events per second when each save commits `batch` events."""
    jobs = []
    start = time.perf_counter()
    written = 0
    while written < total:
        job = Job(account="acct_1", cost=10)  # the Registered event counts as one of the batch
        for index in range(batch - 1):
            job.report(status="processing", delivery_id=f"d_{written}_{index}")
        app.save(job)
        jobs.append(job.id)
        written += batch
    return written / (time.perf_counter() - start)


def replay_microseconds(app, events=50, count=2000):
    job = Job(account="acct_1", cost=10)
    for index in range(events - 1):
        job.report(status="processing", delivery_id=f"r_{index}")
    app.save(job)
    app.repository.get(job.id)  # warm
    samples = []
    for _ in range(count):
        start = time.perf_counter_ns()
        replayed = app.repository.get(job.id)
        samples.append((time.perf_counter_ns() - start) / 1000)
        assert replayed.reports == events - 1
    samples.sort()
    return samples[len(samples) // 2], samples[int(len(samples) * 0.99) - 1]


def one_run(folder):
    path = os.path.join(folder, f"es-{time.time_ns()}.sqlite")
    app = application(path)
    result = {f"appends_per_s_batch_{batch}": appends_per_second(app, batch, total)
              for batch, total in [(1, 3000), (10, 20000), (100, 50000)]}
    result["replay_50_p50_us"], result["replay_50_p99_us"] = replay_microseconds(app)
    app.close()
    with sqlite3.connect(path) as check:  # what the library ran with (it sets no synchronous level itself)
        result["journal_mode"] = check.execute("PRAGMA journal_mode").fetchone()[0]
        result["synchronous"] = check.execute("PRAGMA synchronous").fetchone()[0]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="eventsourcing-bench-", dir=options.dir)
    try:
        runs = [one_run(folder) for _ in range(options.runs)]
    finally:
        shutil.rmtree(folder)
    medians = {key: statistics.median(run[key] for run in runs) for key in runs[0] if key.endswith(("_s", "_us"))
               or key.startswith("appends")}
    medians.update(journal_mode=runs[0]["journal_mode"], synchronous=runs[0]["synchronous"])
    print(json.dumps(medians))


if __name__ == "__main__":
    main()
