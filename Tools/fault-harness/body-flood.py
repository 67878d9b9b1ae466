#!/usr/bin/env python3
"""Peak memory of `ledger serve` under a flood of large forged bodies.

Starts `serve` (the binary given, release by default) twice on a fresh database:
with the default body budget (LEDGER_MAX_BODY_BYTES_HELD=64MiB) and with it
raised to 4GiB (no ceiling in practice). Each time, N clients on loopback send
a 1 MiB webhook body with a wrong token at once (all refused 401 after the body
is read, or 503 when the budget is full), and the server's peak resident memory
(VmHWM) is read from /proc. Prints one line per run and the ratio.

    swift build -c release --product ledger
    python3 Tools/fault-harness/body-flood.py --clients 300
"""
import argparse
import os
import socket
import subprocess
import tempfile
import threading
import time

KEYS = "app:app-key-0123456789abcdef,admin:admin-key-0123456789abcdef,auditor:auditor-key-0123456789abcd"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def send(port, body, answers, barrier):
    """Sends all of the body but its last byte, waits until every client has, then ends it:
    every body is held by the server at the same time."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
            head = (f"POST /v1/webhooks/nca?token=wrong-token-0123456789 HTTP/1.1\r\nHost: x\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
            connection.sendall(head + body[:-1])
            try:
                barrier.wait(timeout=60)
            except threading.BrokenBarrierError:
                pass
            try:
                connection.sendall(body[-1:])
            except OSError:
                pass  # refused (503) before the end: the answer is waiting
            answers.append(connection.recv(64).split(b"\r\n")[0].decode())
    except OSError as error:
        answers.append(f"error {error}")


def run(binary, clients, budget):
    folder = tempfile.mkdtemp(prefix="body-flood-")
    port = free_port()
    environment = dict(os.environ, LEDGER_KEYS=KEYS, LEDGER_PROVIDER_NCA_SECRET="nca-token-abcdefghijklmnop",
                       LEDGER_MAX_BODY_BYTES_HELD=budget, LEDGER_LOG_LEVEL="error")
    server = subprocess.Popen([binary, "serve", "--db", f"{folder}/ledger.sqlite", "--port", str(port)],
                              env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        before = peak_rss_mib(server.pid)
        body = b" " * (1 << 20)
        answers = []
        barrier = threading.Barrier(clients)
        threads = [threading.Thread(target=send, args=(port, body, answers, barrier)) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        peak = peak_rss_mib(server.pid)
        counts = {answer: answers.count(answer) for answer in set(answers)}
        print(f"budget {budget:>6}: peak RSS {before:.0f} MiB before, {peak:.0f} MiB after {clients} bodies; answers {counts}")
        return peak
    finally:
        server.terminate()
        server.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/release/ledger")
    parser.add_argument("--clients", type=int, default=300)
    arguments = parser.parse_args()
    bounded = run(arguments.binary, arguments.clients, "64MiB")
    unbounded = run(arguments.binary, arguments.clients, "4GiB")
    print(f"peak RSS ratio bounded/unbounded: {bounded / unbounded:.2f}")


if __name__ == "__main__":
    main()
