#!/usr/bin/env python3
"""A TCP/unix-socket proxy on this machine standing for the network between ledger nodes and their database.

    Tools/fault-proxy/proxy.py --listen unix:/tmp/p/.s.PGSQL.6000 --target unix:/tmp/pg/.s.PGSQL.5432 \
        --delay-ms 1 [--control /tmp/p/control]

Every chunk read from either side is written to the other side `delay` later, in order (a fixed one-way
latency: a database on another host in the same region is 1 ms each way). Listening on a unix socket
named `.s.PGSQL.N` lets a PostgreSQL URL reach it as `postgres://USER@/DB?host=/tmp/p&port=N`; `tcp:HOST:PORT`
listens or connects over TCP (loopback only).

Faults, for the fault campaign, are asked for on the control socket, one command a line, answered `ok`:

    delay MS          the one-way delay from now on
    stall MS          nothing is forwarded for MS (then everything held is sent, in order)
    drop              every open connection is closed (FIN) on both sides
    reset             every open connection is reset (RST) on both sides
    refuse on|off     new connections are closed at once while on
    blackhole on|off  while on, bytes are read and thrown away: the peers wait for answers that never come
    count             answers `connections N chunks M bytes B`

Bounded: it serves until killed (tests and benchmarks stop it); it never connects anywhere but --target.
"""
import argparse
import asyncio
import os
import socket
import struct
import sys


class Proxy:
    def __init__(self, target, delay_ms):
        self.target = target
        self.delay = delay_ms / 1000
        self.stall_until = 0.0
        self.refusing = False
        self.blackhole = False
        self.links = set()
        self.chunks = 0
        self.bytes = 0

    async def accept(self, reader, writer):
        if self.refusing:
            writer.close()
            return
        try:
            upstream_reader, upstream_writer = await open_endpoint(self.target)
        except OSError:
            writer.close()
            return
        link = (writer, upstream_writer)
        self.links.add(link)
        try:
            await asyncio.gather(self.pump(reader, upstream_writer), self.pump(upstream_reader, writer))
        finally:
            self.links.discard(link)
            for side in link:
                side.close()

    async def pump(self, reader, writer):
        """Reads chunks and writes each at its due time, in order; ends when either side closes."""
        queue = asyncio.Queue()
        sender = asyncio.ensure_future(self.send(queue, writer))
        loop = asyncio.get_running_loop()
        try:
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                if self.blackhole:
                    continue
                self.chunks += 1
                self.bytes += len(chunk)
                queue.put_nowait((loop.time() + self.delay, chunk))
        except (ConnectionError, OSError):
            pass
        finally:
            queue.put_nowait((0.0, None))
            await sender

    async def send(self, queue, writer):
        loop = asyncio.get_running_loop()
        try:
            while True:
                due, chunk = await queue.get()
                if chunk is None:
                    break
                wait = max(due, self.stall_until) - loop.time()
                while wait > 0:
                    await asyncio.sleep(wait)
                    wait = max(due, self.stall_until) - loop.time()
                writer.write(chunk)
                await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError):
            pass

    def close_all(self, reset):
        for link in list(self.links):
            for side in link:
                if reset:
                    sock = side.get_extra_info("socket")
                    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    side.transport.abort()
                else:
                    side.close()

    async def control(self, reader, writer):
        loop = asyncio.get_running_loop()
        while line := (await reader.readline()).decode().strip():
            words = line.split()
            answer = "ok"
            if words[0] == "delay":
                self.delay = float(words[1]) / 1000
            elif words[0] == "stall":
                self.stall_until = loop.time() + float(words[1]) / 1000
            elif words[0] in ("drop", "reset"):
                self.close_all(reset=words[0] == "reset")
            elif words[0] == "refuse":
                self.refusing = words[1] == "on"
            elif words[0] == "blackhole":
                self.blackhole = words[1] == "on"
            elif words[0] == "count":
                answer = f"connections {len(self.links)} chunks {self.chunks} bytes {self.bytes}"
            else:
                answer = f"unknown command {words[0]}"
            writer.write((answer + "\n").encode())
            await writer.drain()
        writer.close()


async def open_endpoint(endpoint):
    kind, _, where = endpoint.partition(":")
    if kind == "unix":
        return await asyncio.open_unix_connection(where)
    host, _, port = where.rpartition(":")
    return await asyncio.open_connection(host, int(port))


async def serve(endpoint, handler):
    kind, _, where = endpoint.partition(":")
    if kind == "unix":
        if os.path.exists(where):
            os.unlink(where)
        server = await asyncio.start_unix_server(handler, where)
        os.chmod(where, 0o777)
        return server
    host, _, port = where.rpartition(":")
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("fault-proxy: listens on loopback only")
    return await asyncio.start_server(handler, host, int(port))


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", required=True, help="unix:PATH or tcp:127.0.0.1:PORT")
    parser.add_argument("--target", required=True, help="unix:PATH or tcp:HOST:PORT")
    parser.add_argument("--delay-ms", type=float, default=1.0, help="one-way delay per chunk")
    parser.add_argument("--control", help="a unix socket path taking fault commands")
    options = parser.parse_args()
    proxy = Proxy(options.target, options.delay_ms)
    servers = [await serve(options.listen, proxy.accept)]
    if options.control:
        servers.append(await serve("unix:" + options.control, proxy.control))
    print("fault-proxy: ready", flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
