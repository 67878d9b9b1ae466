#!/usr/bin/env python3
"""Fault campaign: seeded random schedules of faults under realistic traffic, checked from the database alone.

Each schedule starts `ledger serve` nodes on a fresh ledger (SQLite: one file, two nodes; PostgreSQL: two
nodes on one database, reached through Tools/fault-proxy), a flaky fake provider (its status API) and a
flaky fake app (the notification endpoint), and sends traffic: registrations, signed deliveries with
redeliveries, reordering (processing after the outcome) and contradictions (failed after completed),
webhooks that are lost (the poller must find those outcomes). Meanwhile it draws faults from the seed:

    kill        SIGKILL a node mid-storm, start it again
    pg-restart  PostgreSQL stopped with -m immediate and started again (PostgreSQL only)
    delay       the proxy delays every chunk by 1-30 ms (PostgreSQL only)
    stall       the proxy forwards nothing for 0.2-2 s (PostgreSQL only)
    drop, reset every connection to the database closed or reset, mid-commit or not (PostgreSQL only)
    app-down    the app answers 503 for a while; provider-down: the status API answers 500
    disk-full   a file-size limit on a node's process for 0.3-1.5 s: writes fail as on a full disk (SQLite)
    eio         every fsync and fdatasync of a node fails with EIO for 0.3-1.5 s (strace; SQLite)
    slow-fsync  every fsync and fdatasync of a node takes 20-200 ms longer for 0.3-1.5 s (strace; SQLite)
                (the three storage faults need root, strace and prlimit; without them they are not drawn)

Then the faults stop, the nodes settle (polls, the watchdog and the notifier finish their work), and a
checker reads the database directly (never the ledger's read models) and holds:

    - every delivery answered 2xx is stored, and applied at most once per job (the rest are duplicates);
    - at most one refund per job, only for a failed or cancelled one; one terminal outcome per job
      (a late completion besides);
    - positions gap-free; `ledger verify` and `ledger rebuild --check` clean;
    - every notification recorded delivered at most once, and at the end none still open; the app saw
      only webhook-ids the log queued, each one notification's;
    - a delivery whose answer was lost (the commit happened, the connection died before the answer) and
      that was sent again is recorded as a duplicate, never a second decision (the first two rules).

A failing schedule prints the command that replays it (the same seed draws the same schedule; timing on a
loaded machine still varies). Bounded: every schedule lasts --seconds plus a settle of at most 90 s.

    swift build --product ledger
    python3 Tools/fault-campaign/campaign.py --schedules 4 --seconds 15            # CI's short set
    python3 Tools/fault-campaign/campaign.py --schedules 200 --seconds 20 --first-seed 1000
    python3 Tools/fault-campaign/campaign.py --seed 1234 --engine postgres         # replay one
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KEYS = "app:app-key-0123456789abcdef,admin:admin-key-0123456789abcdef,auditor:auditor-key-0123456789abcd"
APP_KEY = "app-key-0123456789abcdef"
SECRET_BYTES = b"fault-campaign-provider-secret!!"
SECRET = "whsec_" + base64.b64encode(SECRET_BYTES).decode()
NOTIFY_SECRET = "whsec_" + base64.b64encode(b"fault-campaign-notify-secret!!!!").decode()


def clean_environment():
    """This process's environment without LEDGER_ settings (each run says its own)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ----------------------------------------------------------------- fake peers


class Peers:
    """The provider's status API and the app's notification endpoint, flaky on demand."""

    def __init__(self):
        self.truth = {}            # external id -> "succeeded" | "failed" | "processing"
        self.provider_down = False
        self.app_down = False
        self.flaky = True          # one status answer in ten is a 500 while faults run
        self.seen = {}             # webhook-id -> set of sha256(body)
        self.lock = threading.Lock()
        peers = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                external_id = self.path.rsplit("/", 1)[-1]
                with peers.lock:
                    down, status = peers.provider_down, peers.truth.get(external_id)
                if down or status is None or (peers.flaky and random.random() < 0.1):
                    self.answer(500 if down or status is not None else 404, b'{"detail":"flaky"}', retry_after=True)
                    return
                output = ["https://cdn.example/%s.mp4" % external_id] if status == "succeeded" else None
                body = {"id": external_id, "status": status, "output": output,
                        "error": "provider error" if status == "failed" else None}
                self.answer(200, json.dumps(body).encode())

            def do_POST(self):
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                webhook_id = self.headers.get("webhook-id", "")
                with peers.lock:
                    down = peers.app_down
                    if not down:
                        peers.seen.setdefault(webhook_id, set()).add(hashlib.sha256(body).hexdigest())
                self.answer(503 if down else 204, b"", retry_after=True)

            def answer(self, status, body, retry_after=False):
                self.send_response(status)
                if retry_after and status >= 500:
                    self.send_header("retry-after", "1")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# ----------------------------------------------------------------- PostgreSQL and its proxy


class Postgres:
    """A throwaway cluster on a unix socket, and the fault proxy the nodes reach it through."""

    def __init__(self, folder):
        self.bin = sorted(d for d in (os.path.join("/usr/lib/postgresql", v, "bin") for v in os.listdir("/usr/lib/postgresql"))
                          if os.path.exists(os.path.join(d, "initdb")))[-1]
        self.folder = os.path.join(folder, "pg")
        self.proxy_folder = os.path.join(folder, "proxy")
        os.makedirs(self.folder)
        os.makedirs(self.proxy_folder)
        self.port = free_port()
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if os.getuid() == 0:
            shutil.chown(self.folder, "postgres")
        self.run(["initdb", "-D", self.folder + "/data", "-U", "ledger", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N"])
        self.start()
        self.control = os.path.join(self.proxy_folder, "control")
        self.proxy = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "Tools/fault-proxy/proxy.py"),
             "--listen", "unix:%s/.s.PGSQL.%d" % (self.proxy_folder, self.port),
             "--target", "unix:%s/.s.PGSQL.%d" % (self.folder, self.port), "--delay-ms", "0", "--control", self.control],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if os.path.exists(self.control):
                break
            time.sleep(0.05)

    def run(self, arguments):
        subprocess.run(self.as_pg + [os.path.join(self.bin, arguments[0])] + arguments[1:], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self):
        self.run(["pg_ctl", "-D", self.folder + "/data", "-l", self.folder + "/log", "-w", "-o",
                  "-c listen_addresses='' -c unix_socket_directories=%s -c port=%d -c max_connections=200 -c fsync=on"
                  % (self.folder, self.port), "start"])

    def restart_immediately(self):
        self.run(["pg_ctl", "-D", self.folder + "/data", "-m", "immediate", "-w", "stop"])
        self.start()

    def stop(self):
        self.proxy.kill()
        try:
            self.run(["pg_ctl", "-D", self.folder + "/data", "-m", "fast", "-w", "stop"])
        except subprocess.CalledProcessError:
            pass

    def psql(self, database, sql):
        result = subprocess.run(["psql", "-h", self.folder, "-p", str(self.port), "-U", "ledger", "-d", database,
                                 "-XAtq", "-F", "\t", "-c", sql], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError("psql: " + result.stderr)
        return [line.split("\t") for line in result.stdout.splitlines() if line]

    def new_database(self, name):
        self.psql("postgres", "CREATE DATABASE %s" % name)
        return "postgres://ledger@/%s?host=%s&port=%d" % (name, self.proxy_folder, self.port)

    def fault(self, command):
        with socket.socket(socket.AF_UNIX) as control:
            control.settimeout(5)
            control.connect(self.control)
            control.sendall((command + "\n").encode())
            control.recv(64)


# ----------------------------------------------------------------- the ledger's nodes


class Node:
    def __init__(self, ledger, database, environment, log):
        self.ledger, self.database, self.environment, self.log = ledger, database, environment, log
        self.port = free_port()
        self.process = None

    def start(self):
        """Starts serve and waits for /healthz; a start that exits (the database restarting) is tried again."""
        self.spawn()
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % self.port, timeout=1):
                    return
            except (urllib.error.URLError, ConnectionError, OSError):
                if self.process.poll() is not None:
                    time.sleep(0.5)
                    self.spawn()
                time.sleep(0.1)
        raise RuntimeError("node on port %d did not start (see %s)" % (self.port, self.log))

    def spawn(self):
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([self.ledger, "serve", "--db", self.database, "--port", str(self.port)],
                                            env=self.environment, stdout=log, stderr=log)

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def post(port, path, body, headers, timeout=5):
    request = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, ConnectionError, OSError, TimeoutError):
        return None, b""


def prlimit(pid, fsize):
    """Sets a running process's file-size limit (nothing when it has exited)."""
    subprocess.run(["prlimit", "--pid", str(pid), "--fsize=" + fsize], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# Storage faults need ptrace and prlimit on another process: root, strace and util-linux.
STORAGE_FAULTS = os.geteuid() == 0 and shutil.which("strace") is not None and shutil.which("prlimit") is not None


def signed(delivery_id, body):
    timestamp = str(int(time.time()))
    mac = hmac.new(SECRET_BYTES, ("%s.%s." % (delivery_id, timestamp)).encode() + body, hashlib.sha256).digest()
    return {"content-type": "application/json", "webhook-id": delivery_id, "webhook-timestamp": timestamp,
            "webhook-signature": "v1," + base64.b64encode(mac).decode()}


# ----------------------------------------------------------------- one schedule


class Schedule:
    def __init__(self, seed, engine, seconds, ledger, folder, postgres):
        self.seed, self.engine, self.seconds, self.ledger = seed, engine, seconds, ledger
        self.random = random.Random(seed)
        self.folder = folder
        self.postgres = postgres
        self.acknowledged = []     # (job, delivery id) answered 2xx
        self.faults = []
        self.lock = threading.Lock()
        self.sabotage = False

    def run(self):
        peers = Peers()
        if self.engine == "postgres":
            database = self.postgres.new_database("c%d" % self.seed)
        else:
            database = os.path.join(self.folder, "ledger-%d.sqlite" % self.seed)
        environment = clean_environment()
        environment.update({
            "LEDGER_KEYS": KEYS, "LEDGER_PROVIDER_REPLICATE_SECRET": SECRET,
            "LEDGER_PROVIDER_REPLICATE_BASE_URL": "http://127.0.0.1:%d" % peers.port,
            "LEDGER_PROVIDER_REPLICATE_API_KEY": "r8_campaign",
            "LEDGER_NOTIFY_URL": "http://127.0.0.1:%d/hooks" % peers.port, "LEDGER_NOTIFY_SECRET": NOTIFY_SECRET,
            "LEDGER_NOTIFY_SCHEDULE": "1s,1s,1s,1s,1s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s",
            "LEDGER_POLL_SCHEDULE": "first:2s,1s", "LEDGER_WATCHDOG_INTERVAL": "1s",
            "LEDGER_ALLOW_PRIVATE_TARGETS": "true", "LEDGER_LOG_LEVEL": "warning",
        })
        # PostgreSQL: two nodes on one database; SQLite: one serve per file, as documented.
        nodes = [Node(self.ledger, database, environment, os.path.join(self.folder, "node-%d-%d.log" % (self.seed, n)))
                 for n in range(2 if self.engine == "postgres" else 1)]
        for node in nodes:
            node.start()
        stop = threading.Event()
        workers = [threading.Thread(target=self.traffic, args=(nodes, peers, worker, stop)) for worker in range(4)]
        for worker in workers:
            worker.start()
        try:
            self.inject(nodes, peers, stop)
        finally:
            stop.set()
            for worker in workers:
                worker.join()
        # Settle: every fault healed, every node up, the background work finishes.
        peers.app_down = peers.provider_down = peers.flaky = False
        if self.postgres:
            self.postgres.fault("delay 0")
        for node in nodes:
            if node.process.poll() is not None:
                node.start()
        settled = self.settle(database)
        for node in nodes:
            node.stop()
        if self.sabotage:
            self.break_the_ledger(database)
        violations = self.check(database, peers, settled)
        peers.stop()
        return violations

    def traffic(self, nodes, peers, worker, stop):
        """Jobs registered, then their provider's webhooks, redelivered, reordered, contradicted or lost."""
        rng = random.Random(self.seed * 100 + worker)
        index = 0
        while not stop.is_set():
            job, external = "j%d_%d" % (worker, index), "x%d_%d_%d" % (self.seed, worker, index)
            index += 1
            node = rng.choice(nodes)
            outcome = rng.choice(["succeeded", "succeeded", "failed"])
            with peers.lock:
                peers.truth[external] = outcome
            registration = json.dumps({"job_id": job, "account": "acct_%d" % (index % 3), "provider": "replicate",
                                       "operation": "video", "cost": 10, "external_id": external}).encode()
            for _ in range(5):
                status, _ = post(node.port, "/v1/jobs", registration,
                                 {"authorization": "Bearer " + APP_KEY, "content-type": "application/json"})
                if status in (200, 201):
                    break
                node = rng.choice(nodes)
                time.sleep(0.2)
            else:
                continue
            if rng.random() < 0.15:
                continue  # the webhook is lost: a poll must find the outcome
            sends = [("processing", "p"), (outcome, "t")]
            if rng.random() < 0.2:
                sends.reverse()  # reordered: the outcome first
            if rng.random() < 0.15:
                sends.append(("failed" if outcome == "succeeded" else "succeeded", "c"))  # a contradiction
            for status_word, suffix in sends:
                delivery = "msg_%s_%s" % (job, suffix)
                output = ["https://cdn.example/%s.mp4" % external] if status_word == "succeeded" else None
                body = json.dumps({"id": external, "status": status_word, "output": output,
                                   "error": "provider error" if status_word == "failed" else None}).encode()
                # The provider retries until it gets a 2xx, sometimes twice anyway (a redelivery).
                times = 2 if rng.random() < 0.2 else 1
                for _ in range(times):
                    for _attempt in range(20):
                        if stop.is_set() and _attempt > 3:
                            break
                        answer, _ = post(rng.choice(nodes).port, "/v1/webhooks/replicate", body, signed(delivery, body))
                        if answer is not None and 200 <= answer < 300:
                            with self.lock:
                                self.acknowledged.append((job, delivery))
                            break
                        time.sleep(0.1)

    def inject(self, nodes, peers, stop):
        kinds = ["kill", "app-down", "provider-down"]
        if self.engine == "postgres":
            kinds += ["pg-restart", "delay", "stall", "drop", "reset"]
        elif STORAGE_FAULTS:
            kinds += ["disk-full", "eio", "slow-fsync"]
        deadline = time.time() + self.seconds
        while time.time() < deadline:
            time.sleep(self.random.uniform(0.5, 2.5))
            kind = self.random.choice(kinds)
            self.faults.append(kind)
            if kind == "kill":
                node = self.random.choice(nodes)
                node.kill()
                time.sleep(self.random.uniform(0.1, 1.0))
                node.start()
            elif kind == "pg-restart":
                self.postgres.restart_immediately()
            elif kind == "delay":
                self.postgres.fault("delay %d" % self.random.randint(1, 30))
            elif kind == "stall":
                self.postgres.fault("stall %d" % self.random.randint(200, 2000))
            elif kind in ("drop", "reset"):
                self.postgres.fault(kind)
            elif kind in ("disk-full", "eio", "slow-fsync"):
                self.storage_fault(self.random.choice(nodes), kind)
            elif kind == "app-down":
                peers.app_down = not peers.app_down
            elif kind == "provider-down":
                peers.provider_down = not peers.provider_down

    def storage_fault(self, node, kind):
        """SQLite's storage failing under the node for 0.3-1.5 s: the disk full (a file-size
        limit on the process: writes past it fail with EFBIG, answered as a full disk), every
        fsync failing with EIO, or every fsync slowed by 20-200 ms (strace on the process)."""
        pid = node.process.pid
        hold = self.random.uniform(0.3, 1.5)
        if kind == "disk-full":
            largest = max(os.path.getsize(path) for path in (node.database, node.database + "-wal") if os.path.exists(path))
            prlimit(pid, "%d:unlimited" % (largest + 64 * 1024))
            time.sleep(hold)
            prlimit(pid, "unlimited:unlimited")
            return
        inject = "error=EIO" if kind == "eio" else "delay_enter=%d" % self.random.randint(20000, 200000)
        tracer = subprocess.Popen(["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=fsync,fdatasync",
                                   "-e", "inject=fsync,fdatasync:" + inject, "-p", str(pid)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(hold)
        # strace killed: the kernel detaches every traced thread and syncs work again.
        tracer.kill()
        tracer.wait()

    def break_the_ledger(self, database):
        """--self-test: what the checker must catch, done to the file as an attacker with it would
        (SQLite): a refund paid twice, and an acknowledged delivery removed."""
        with sqlite3.connect(database) as connection:
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'").fetchall():
                connection.execute('DROP TRIGGER "%s"' % name)
            position, stream = connection.execute(
                "SELECT position, stream FROM events WHERE type = 'credit.refunded' ORDER BY position LIMIT 1").fetchone()
            connection.execute("""INSERT INTO events SELECT (SELECT max(position) + 1 FROM events), stream,
                (SELECT max(version) + 1 FROM events WHERE stream = ?), type, schema_version, recorded_at, data, data_sha256,
                metadata, NULL, prev_hash, hash FROM events WHERE position = ?""", (stream, position))
            job, delivery = self.acknowledged[0]
            connection.execute("DELETE FROM events WHERE stream = ? AND json_extract(data, '$.delivery_id') = ?",
                               ("job-" + job, delivery))

    # ------------------------------------------------------------- reading the database directly

    def rows(self, database, sqlite_sql, postgres_sql):
        if self.engine == "postgres":
            name = database.split("/")[3].split("?")[0]
            return self.postgres.psql(name, postgres_sql)
        with sqlite3.connect("file:%s?mode=ro" % database, uri=True, timeout=30) as connection:
            return [[None if v is None else str(v) for v in row] for row in connection.execute(sqlite_sql)]

    def open_notifications(self, database):
        return int(self.rows(database, """
            SELECT count(*) FROM events q WHERE q.type = 'notification.queued' AND NOT EXISTS (
              SELECT 1 FROM events d WHERE d.stream = q.stream AND d.version > q.version
                AND d.type IN ('notification.delivered', 'notification.dead_lettered', 'notification.queued')
                AND json_extract(d.data, '$.notification_id') = json_extract(q.data, '$.notification_id'))""", """
            SELECT count(*) FROM events q WHERE q.type = 'notification.queued' AND NOT EXISTS (
              SELECT 1 FROM events d WHERE d.stream = q.stream AND d.version > q.version
                AND d.type IN ('notification.delivered', 'notification.dead_lettered', 'notification.queued')
                AND d.data->>'notification_id' = q.data->>'notification_id')""")[0][0])

    def open_jobs(self, database):
        return int(self.rows(database, "SELECT count(*) FROM projection_jobs WHERE status IN ('registered', 'processing')",
                             "SELECT count(*) FROM projection_jobs WHERE status IN ('registered', 'processing')")[0][0])

    def settle(self, database):
        # A 5xx ends a poll round for its provider and rounds are 10 s apart: a backlog needs a few rounds.
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if self.open_jobs(database) == 0 and self.open_notifications(database) == 0:
                    return True
            except (RuntimeError, sqlite3.Error):
                pass
            time.sleep(1)
        return False

    def check(self, database, peers, settled):
        violations = []
        events = self.rows(database, """
            SELECT position, stream, type, coalesce(json_extract(data, '$.delivery_id'), ''),
                   coalesce(json_extract(data, '$.duplicate'), 0), coalesce(json_extract(data, '$.notification_id'), '')
            FROM events ORDER BY position""", """
            SELECT position, stream, type, coalesce(data->>'delivery_id', ''),
                   CASE WHEN (data->>'duplicate')::boolean THEN 1 ELSE 0 END, coalesce(data->>'notification_id', '')
            FROM events ORDER BY position""")
        positions = [int(row[0]) for row in events]
        if positions != list(range(1, len(positions) + 1)):
            violations.append("positions are not 1..%d without gaps" % len(positions))
        stored = {(row[1][4:], row[3]) for row in events if row[2] == "webhook.received"}
        lost = [pair for pair in set(self.acknowledged) if pair not in stored]
        if lost:
            violations.append("%d deliveries answered 2xx are not stored, e.g. %s" % (len(lost), lost[:3]))
        streams = {}
        for _, stream, kind, delivery, duplicate, notification in events:
            streams.setdefault(stream, []).append((kind, delivery, duplicate, notification))
        for stream, history in streams.items():
            if not stream.startswith("job-"):
                continue
            applied = [delivery for kind, delivery, duplicate, _ in history if kind == "webhook.received" and duplicate in ("0", "false", "f")]
            if len(applied) != len(set(applied)):
                violations.append("%s: a delivery applied twice" % stream)
            kinds = [kind for kind, _, _, _ in history]
            terminal = sum(kinds.count(k) for k in ("job.completed", "job.failed", "job.cancelled"))
            if terminal > 1:
                violations.append("%s: %d terminal outcomes" % (stream, terminal))
            if kinds.count("credit.refunded") > 1:
                violations.append("%s: refunded %d times" % (stream, kinds.count("credit.refunded")))
            if "credit.refunded" in kinds and "job.failed" not in kinds and "job.cancelled" not in kinds:
                violations.append("%s: refunded but neither failed nor cancelled" % stream)
            if kinds.count("job.late_completion") > 1:
                violations.append("%s: %d late completions" % (stream, kinds.count("job.late_completion")))
            delivered = [n for kind, _, _, n in history if kind == "notification.delivered"]
            if len(delivered) != len(set(delivered)):
                violations.append("%s: a notification recorded delivered twice" % stream)
        queued = {row[5] for row in events if row[2] == "notification.queued"}
        strays = [webhook_id for webhook_id in peers.seen if webhook_id not in queued]
        if strays:
            violations.append("the app saw webhook-ids the log never queued: %s" % strays[:3])
        if not settled:
            violations.append("did not settle in 90 s: %d open jobs, %d open notifications"
                              % (self.open_jobs(database), self.open_notifications(database)))
        for command in (["verify"], ["rebuild", "--check"]):
            result = subprocess.run([self.ledger] + command + ["--db", database], capture_output=True, text=True,
                                    env=clean_environment())
            if result.returncode != 0:
                violations.append("ledger %s: %s" % (" ".join(command), (result.stdout + result.stderr).strip()[-400:]))
        return violations


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schedules", type=int, default=1)
    parser.add_argument("--first-seed", type=int, default=None)
    parser.add_argument("--seed", type=int, help="replay one schedule")
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=15, help="faults and traffic per schedule")
    parser.add_argument("--ledger", default=os.path.join(ROOT, ".build/debug/ledger"))
    parser.add_argument("--keep", action="store_true", help="keep the logs and databases")
    parser.add_argument("--self-test", action="store_true",
                        help="one SQLite schedule whose database is then broken: the checker must name each break")
    options = parser.parse_args()
    if options.self_test:
        options.engine, options.schedules = "sqlite", 1
    first = options.seed if options.seed is not None else (options.first_seed if options.first_seed is not None
                                                            else random.randrange(1, 10**6))
    seeds = [first] if options.seed is not None else list(range(first, first + options.schedules))
    folder = tempfile.mkdtemp(prefix="ledger-campaign-")
    if os.getuid() == 0:
        shutil.chown(folder, "postgres")
        os.chmod(folder, 0o777)
    postgres = Postgres(folder) if options.engine in ("postgres", "both") else None
    failures, started = 0, time.time()
    try:
        for seed in seeds:
            engine = options.engine if options.engine != "both" else ("postgres" if seed % 2 else "sqlite")
            schedule = Schedule(seed, engine, options.seconds, options.ledger, folder, postgres if engine == "postgres" else None)
            schedule.sabotage = options.self_test
            began = time.time()
            violations = schedule.run()
            if options.self_test:
                caught = [any(word in v for v in violations) for word in ("refunded 2 times", "not stored", "gaps", "ledger verify")]
                print("self-test: the checker named %d of 4 breaks: %s" % (sum(caught), violations))
                sys.exit(0 if all(caught) else 1)
            faults = " ".join("%s×%d" % (k, schedule.faults.count(k)) for k in sorted(set(schedule.faults)))
            print("seed %d %-8s %3.0f s  %4d deliveries acknowledged  faults: %s  %s" % (
                seed, engine, time.time() - began, len(schedule.acknowledged), faults or "none",
                "ok" if not violations else "VIOLATED"), flush=True)
            for violation in violations:
                print("    " + violation, flush=True)
            if violations:
                failures += 1
                print("    replay: python3 Tools/fault-campaign/campaign.py --seed %d --engine %s --seconds %g"
                      % (seed, engine, options.seconds), flush=True)
    finally:
        if postgres:
            postgres.stop()
        if options.keep or failures:
            print("logs and databases kept in %s" % folder)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print("%d schedules, %d with violations, %.0f s" % (len(seeds), failures, time.time() - started))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
