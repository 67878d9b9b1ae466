#!/usr/bin/env python3
"""Durable ingest over loopback, next to a trivial route of the same server.

    Tools/ingest-bench/run.py [--runs 3] [--seconds 10] [--connections 16,64] [--log-level info]

Also prints the server's peak resident memory (VmHWM) over the whole run. In either
form, --binary PATH measures that build instead of this checkout's release build (a
copy built at an earlier commit, to alternate the two in one sitting).

    Tools/ingest-bench/run.py --engines [--engine-list sqlite,pg1,pg2,pg1-proxy,pg2-proxy] [--runs 3] [--seconds 8]
                                        [--connections 64]

compares engines in one run: durable ingest on SQLite, on PostgreSQL with one
node, and with two nodes on the same database (the load split between them),
then both again through Tools/fault-proxy delaying every chunk 1 ms each way (a
database on another host), each as a ratio to the first engine and to the trivial
route of one node measured alongside, with the CPU each stored webhook cost the
servers and the database (user and system time from /proc), and the SQL
statements PostgreSQL ran per stored webhook (pg_stat_statements, created in
another database than the ledger's). PostgreSQL is a throwaway server in the temporary folder (unix socket,
fsync and synchronous_commit on), installed from Debian's packages by .ci/run.

Builds `ledger` in release mode, starts `ledger serve` on a fresh database in
a temporary folder (durability full), registers 1,000 jobs, then alternates
wrk runs against GET /healthz (trivial: no storage, no body) and against
POST /v1/webhooks/replicate with pre-signed Standard Webhooks deliveries (each
a new delivery id for a registered job: verified, decided and appended with
fsync before its 200). Prints medians of the runs, ratios first. Loopback only;
every run is bounded in time. Needs wrk (apt-get install wrk).
"""
import argparse
import base64
import glob
import hashlib
import hmac
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECRET = "whsec_" + base64.b64encode(b"ingest-benchmark-secret-0123").decode()
KEYS = "app:bench-app-key-0123456789,admin:bench-admin-key-0123456789,auditor:bench-auditor-key-012345"
JOBS = 1000


def main():
    options = parse_options()
    if options.engines:
        return compare_engines(options)
    if shutil.which("wrk") is None:
        sys.exit("ingest-bench: wrk is not installed (apt-get install wrk)")
    binary = ledger_binary(options)
    folder = tempfile.mkdtemp(prefix="ingest-bench-")
    port = 18_000 + os.getpid() % 1000
    server = start_server(binary, folder, port, options.log_level)
    try:
        register_jobs(port)
        results = measure(options, folder, port)
        report(options, results, folder)
        print(f"server: peak resident memory {peak_resident_mebibytes(server.pid):.0f} MiB (VmHWM); "
              f"{os.path.getsize(os.path.join(folder, 'ledger.sqlite'))} database bytes; "
              f"log {os.path.join(folder, 'serve.log')}")
    finally:
        server.terminate()
        server.wait(timeout=30)


def parse_options():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", default="16,64")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (the machine has 2 cores to share)")
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--engines", action="store_true", help="durable ingest engine by engine (--engine-list)")
    parser.add_argument("--engine-list", default="sqlite,pg1,pg2,pg1-proxy,pg2-proxy",
                        help="of " + ", ".join(ENGINES) + " (-proxy: through Tools/fault-proxy, 1 ms each way)")
    parser.add_argument("--binary", help="measure this ledger binary instead of building this checkout in release mode")
    return parser.parse_args()


def ledger_binary(options):
    """--binary as given (another build to compare with, e.g. a copy made at an earlier commit), else a release
    build of this checkout."""
    if options.binary:
        return os.path.abspath(options.binary)
    subprocess.run(["swift", "build", "-c", "release", "--product", "ledger"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.join(ROOT, ".build", "release", "ledger")


def start_server(binary, folder, port, log_level, db=None):
    environment = dict(os.environ, LEDGER_KEYS=KEYS, LEDGER_PORT=str(port), LEDGER_PROVIDER_REPLICATE_SECRET=SECRET,
                       LEDGER_LOG_LEVEL=log_level, LEDGER_DB=db or os.path.join(folder, "ledger.sqlite"))
    log = open(os.path.join(folder, f"serve-{port}.log"), "w")
    server = subprocess.Popen([binary, "serve"], env=environment, stdout=log, stderr=log)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("ingest-bench: the server did not start")


def register_jobs(port):
    for index in range(JOBS):
        body = json.dumps({"job_id": f"job_{index}", "account": f"acct_{index % 50}", "provider": "replicate",
                           "operation": "video", "cost": 10, "external_id": f"ext_{index}"}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/jobs", data=body, method="POST", headers={
            "authorization": "Bearer bench-app-key-0123456789", "content-type": "application/json"})
        urllib.request.urlopen(request, timeout=10)


def write_requests(path, count, prefix):
    """Signed deliveries, each a new webhook-id reporting progress for a registered job."""
    key = base64.b64decode(SECRET[len("whsec_"):])
    timestamp = str(int(time.time()))
    with open(path, "w") as out:
        for index in range(count):
            body = json.dumps({"id": f"ext_{index % JOBS}", "status": "processing",
                               "logs": f"step {index}", "output": None}, separators=(",", ":"))
            delivery = f"msg_{prefix}_{index}"
            digest = hmac.new(key, f"{delivery}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
            out.write(f"{delivery}\t{timestamp}\tv1,{base64.b64encode(digest).decode()}\t{body}\n")


def wrk(options, port, connections, path, script=None, environment=None):
    return parse_wrk(start_wrk(options, port, connections, path, script, environment).communicate(timeout=options.seconds + 60)[0])


def start_wrk(options, port, connections, path, script=None, environment=None):
    command = ["wrk", "-t", str(options.threads), "-c", str(connections), "-d", f"{options.seconds}s", "--latency",
               "--timeout", "10s"]
    if script:
        command += ["-s", script]
    return subprocess.Popen(command + [f"http://127.0.0.1:{port}{path}"], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, **(environment or {})))


def parse_wrk(output):
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = parse_latency(re.search(r"99%\s+([\d.]+\w+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rate": rate, "p99_ms": p99, "non2xx": int(errors.group(1)) if errors else 0}


def peak_resident_mebibytes(pid):
    """The server's peak resident set since it started, read before it is stopped."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def parse_latency(text):
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def measure(options, folder, port):
    script = os.path.join(ROOT, "Tools", "ingest-bench", "signed-webhooks.lua")
    results = {}
    for connections in [int(c) for c in options.connections.split(",")]:
        for run in range(options.runs):
            # Alternate, so machine noise falls on both alike.
            trivial = wrk(options, port, connections, "/healthz")
            requests = os.path.join(folder, f"requests-{connections}-{run}.tsv")
            # More deliveries than any run can send: each is a new, durable append.
            write_requests(requests, 60_000 * options.seconds // 10 * 2, f"{connections}_{run}")
            ingest = wrk(options, port, connections, "/v1/webhooks/replicate", script,
                         {"LEDGER_BENCH_REQUESTS": requests, "LEDGER_BENCH_THREADS": str(options.threads)})
            os.remove(requests)
            results.setdefault(connections, []).append((trivial, ingest))
            print(f"  c={connections} run {run + 1}: trivial {trivial['rate']:.0f} req/s p99 {trivial['p99_ms']:.2f} ms; "
                  f"ingest {ingest['rate']:.0f} req/s p99 {ingest['p99_ms']:.2f} ms (non-2xx {ingest['non2xx']})",
                  file=sys.stderr)
    return results


def report(options, results, folder):
    print(f"\n| connections | durable ingest req/s | trivial GET /healthz req/s | ratio | ingest p99 ms | trivial p99 ms | non-2xx |")
    print("|---|---|---|---|---|---|---|")
    for connections, runs in results.items():
        ingest_rate = statistics.median(r[1]["rate"] for r in runs)
        trivial_rate = statistics.median(r[0]["rate"] for r in runs)
        ratio = statistics.median(r[1]["rate"] / r[0]["rate"] for r in runs)
        print(f"| {connections} | {ingest_rate:,.0f} | {trivial_rate:,.0f} | {ratio:.2f} | "
              f"{statistics.median(r[1]['p99_ms'] for r in runs):.2f} | {statistics.median(r[0]['p99_ms'] for r in runs):.2f} | "
              f"{sum(r[1]['non2xx'] for r in runs)} |")
    print(f"\nmedians of {options.runs} runs of {options.seconds} s, wrk -t{options.threads}, log level {options.log_level}, "
          f"durability full, {JOBS} registered jobs, 2 cores shared by wrk and the server")


def start_postgres(folder):
    """A throwaway PostgreSQL in `folder` (unix socket only, fsync and synchronous_commit on, pg_stat_statements
    loaded and created in the `postgres` database, not the ledger's); returns (its URL, a stop function, a
    function counting the ledger database's statements since the last call)."""
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if not binaries:
        sys.exit("ingest-bench: PostgreSQL is not installed (apt-get install postgresql)")
    bin_dir, data, port = binaries[-1], os.path.join(folder, "pg"), 50_000 + os.getpid() % 10_000
    as_server = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    subprocess.run(as_server + [f"{bin_dir}/initdb", "-D", data, "-U", "ledger", "--auth=trust", "-E", "UTF8",
                                "--locale=C.UTF-8", "-N"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(as_server + [f"{bin_dir}/pg_ctl", "-D", data, "-l", os.path.join(folder, "pg.log"), "-w", "-o",
                                f"-c listen_addresses='' -c unix_socket_directories={folder} -c port={port} "
                                "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all "
                                "-c max_connections=200", "start"],
                   check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)

    def psql(sql, database="postgres"):
        return subprocess.run(["psql", "-h", folder, "-p", str(port), "-U", "ledger", "-d", database, "-qAtc", sql],
                              check=True, capture_output=True, text=True).stdout.strip()
    psql("CREATE DATABASE bench")
    psql("CREATE EXTENSION pg_stat_statements")

    def statements():
        """Statements the ledger's database ran since the last call (top-level calls, each counted once)."""
        count = psql("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
                     "WHERE d.datname = 'bench' AND s.toplevel")
        psql("SELECT pg_stat_statements_reset()")
        return int(count)

    def stop():
        subprocess.run(as_server + [f"{bin_dir}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"], stdout=subprocess.DEVNULL)

    def cpu_seconds():
        """CPU the whole server used so far: the postmaster, its live processes and those it reaped."""
        with open(os.path.join(data, "postmaster.pid")) as pid_file:
            postmaster = int(pid_file.readline())
        return process_cpu_seconds([postmaster] + children(postmaster), with_reaped=[postmaster])
    return (folder, port), stop, statements, cpu_seconds


def children(pid):
    """The processes whose parent is `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return found


def process_cpu_seconds(pids, with_reaped=()):
    """User and system CPU of `pids` (and of the children reaped by those in `with_reaped`), in seconds."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if pid in with_reaped:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total / ticks


def start_proxy(folder, socket_folder, port, delay_ms):
    """Tools/fault-proxy in front of the server's socket, delaying every chunk `delay_ms` each way; returns
    the socket folder and port the ledger connects to, and the proxy's process."""
    os.makedirs(folder, exist_ok=True)
    os.chmod(folder, 0o777)
    proxy_port = port + 1
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, "Tools", "fault-proxy", "proxy.py"),
                                "--listen", f"unix:{folder}/.s.PGSQL.{proxy_port}",
                                "--target", f"unix:{socket_folder}/.s.PGSQL.{port}", "--delay-ms", str(delay_ms)],
                               stdout=subprocess.PIPE, text=True)
    process.stdout.readline()
    return (folder, proxy_port), process


ENGINES = {
    "sqlite": ("SQLite", 1, None),
    "pg1": ("PostgreSQL, 1 node", 1, None),
    "pg2": ("PostgreSQL, 2 nodes", 2, None),
    "pg1-proxy": ("PostgreSQL, 1 node, 1 ms each way", 1, 1.0),
    "pg2-proxy": ("PostgreSQL, 2 nodes, 1 ms each way", 2, 1.0),
}


def compare_engines(options, quiet=False):
    """Durable ingest on each engine of --engine-list (SQLite; PostgreSQL with one node and with two; the same
    through a proxy delaying each chunk 1 ms each way, standing for a database on another host), each against
    one node's trivial route measured alongside; on PostgreSQL also the statements the database ran per stored
    webhook (pg_stat_statements). Prints the table, or with `quiet` returns its lines."""
    binary = ledger_binary(options)
    script = os.path.join(ROOT, "Tools", "ingest-bench", "signed-webhooks.lua")
    results = {}
    for key in options.engine_list.split(","):
        engine, nodes, delay_ms = ENGINES[key]
        folder = tempfile.mkdtemp(prefix="ingest-engines-")
        stop_postgres, proxy, db, count_statements, database_cpu = None, None, None, None, None
        if key.startswith("pg"):
            (socket_folder, port), stop_postgres, count_statements, database_cpu = start_postgres(folder)
            if delay_ms is not None:
                (socket_folder, port), proxy = start_proxy(os.path.join(folder, "proxy"), socket_folder, port, delay_ms)
            db = f"postgres://ledger@/bench?host={socket_folder}&port={port}"
        ports = [18_000 + (os.getpid() + index) % 1000 for index in range(nodes)]
        servers = [start_server(binary, folder, port, options.log_level, db) for port in ports]
        try:
            register_jobs(ports[0])
            for connections in [int(c) for c in options.connections.split(",")]:
                for run in range(options.runs):
                    trivial = wrk(options, ports[0], connections, "/healthz")
                    runs = []
                    if count_statements:
                        count_statements()
                    cpu_before = (process_cpu_seconds([s.pid for s in servers]), database_cpu() if database_cpu else 0)
                    for index, port in enumerate(ports):
                        requests = os.path.join(folder, f"requests-{connections}-{run}-{index}.tsv")
                        write_requests(requests, 60_000 * options.seconds // 10 * 2, f"{connections}_{run}_{index}")
                        runs.append(start_wrk(options, port, connections // nodes, "/v1/webhooks/replicate", script,
                                              {"LEDGER_BENCH_REQUESTS": requests, "LEDGER_BENCH_THREADS": str(options.threads)}))
                    parts = [parse_wrk(process.communicate(timeout=options.seconds + 60)[0]) for process in runs]
                    ingest = {"rate": sum(p["rate"] for p in parts), "p99_ms": max(p["p99_ms"] for p in parts),
                              "non2xx": sum(p["non2xx"] for p in parts)}
                    stored = max(1.0, ingest["rate"] * options.seconds)
                    ingest["server_us"] = (process_cpu_seconds([s.pid for s in servers]) - cpu_before[0]) / stored * 1e6
                    if database_cpu:
                        ingest["database_us"] = (database_cpu() - cpu_before[1]) / stored * 1e6
                    if count_statements:
                        ingest["statements"] = count_statements() / stored
                    results.setdefault((engine, connections), []).append((trivial, ingest))
                    print(f"  {engine} c={connections} run {run + 1}: trivial {trivial['rate']:.0f} req/s; ingest "
                          f"{ingest['rate']:.0f} req/s p99 {ingest['p99_ms']:.2f} ms (non-2xx {ingest['non2xx']})"
                          + f"; CPU per webhook: server {ingest['server_us']:.0f} µs"
                          + (f", database {ingest['database_us']:.0f} µs" if "database_us" in ingest else "")
                          + (f"; {ingest['statements']:.2f} statements per webhook" if "statements" in ingest else ""),
                          file=sys.stderr)
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
            if proxy:
                proxy.terminate()
                proxy.wait(timeout=10)
            if stop_postgres:
                stop_postgres()
    if quiet:
        return engines_table(options, results)
    for line in engines_table(options, results):
        print(line)


def engines_table(options, results):
    """The engines' figures as a Markdown table with its note: each engine's rate also as a share of the first
    engine's (SQLite when it ran)."""
    lines = ["| engine | connections | durable ingest req/s | against the first engine | trivial GET /healthz req/s | "
             "ratio to trivial | ingest p99 ms | server CPU µs per webhook | database CPU µs per webhook | "
             "SQL statements per webhook | non-2xx |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    first = {}
    for (engine, connections), runs in results.items():
        rate = statistics.median(r[1]["rate"] for r in runs)
        first.setdefault(connections, rate)
        statements = [r[1]["statements"] for r in runs if "statements" in r[1]]
        database_us = [r[1]["database_us"] for r in runs if "database_us" in r[1]]
        cells = [engine, str(connections), f"{rate:,.0f}", f"{rate / first[connections]:.2f}",
                 f"{statistics.median(r[0]['rate'] for r in runs):,.0f}",
                 f"{statistics.median(r[1]['rate'] / r[0]['rate'] for r in runs):.2f}",
                 f"{statistics.median(r[1]['p99_ms'] for r in runs):.2f}",
                 f"{statistics.median(r[1]['server_us'] for r in runs):.0f}",
                 f"{statistics.median(database_us):.0f}" if database_us else "-",
                 f"{statistics.median(statements):.2f}" if statements else "-",
                 str(sum(r[1]['non2xx'] for r in runs))]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"medians of {options.runs} runs of {options.seconds} s, wrk -t{options.threads}; with two nodes the "
              "connections are split between them and the rates summed; every server, PostgreSQL, the proxy and wrk "
              "share this machine's cores; the trivial route is one node's; CPU is user and system time over the ingest "
              "run (every server process summed; the database is its postmaster and every process under it, its "
              "checkpointer and autovacuum included) over the webhooks stored; statements are pg_stat_statements' calls "
              "in the ledger's database over the webhooks stored in the run"]
    return lines


if __name__ == "__main__":
    main()
