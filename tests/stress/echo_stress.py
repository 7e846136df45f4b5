#!/usr/bin/env python3
"""Drives an echo server written with interop through the faults real servers meet.

    echo_stress.py --server build/werror/bin/interop-echo-server-libuv --phases fd-limit
    echo_stress.py --server ... --phases connections,churn --churn-seconds 20

Phases (each starts its own server process):

  fd-limit     The server runs with RLIMIT_NOFILE lowered to --fd-limit. More clients
               connect than it has descriptors for; while it is out of descriptors its
               CPU use must stay under --max-cpu; then every client must get its bytes
               back (none dropped by the server), and the server's descriptors return to
               their baseline. The server must report the accept errors on stderr.
  connections  --connections clients at once, each echoing --message-bytes.
  churn        --churn-seconds of connections opened and closed by --workers clients:
               a plain round trip, a half-close (shutdown, then read to end of stream)
               or a reset (RST, with echoes still in flight). Every byte of the first
               two must come back. Afterwards the server's descriptor count returns to
               its baseline and its resident memory to within a margin of it.

Exit status 0 when every check of every phase held, 1 otherwise; each check failure
is printed.
"""

import argparse
import asyncio
import os
import random
import re
import resource
import signal
import socket
import struct
import subprocess
import sys
import time

failures = []


def check(condition, what):
    status = "ok  " if condition else "FAIL"
    print(f"  {status} {what}", flush=True)
    if not condition:
        failures.append(what)


class Server:
    """The echo server in a child process, with an optional descriptor limit."""

    def __init__(self, path, fd_limit=None):
        def lower_limit():
            if fd_limit is not None:
                _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
                resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, hard))

        self.proc = subprocess.Popen([path, "--address", "127.0.0.1", "--port", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     preexec_fn=lower_limit, text=True)
        line = self.proc.stdout.readline()
        match = re.search(r":(\d+)$", line.strip())
        if not match:
            raise RuntimeError(f"the server did not report its port: {line!r}")
        self.port = int(match.group(1))
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def descriptors(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kib(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        """SIGTERM; returns (exit status, stderr)."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        try:
            _, err = self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
            return None, err
        return self.proc.returncode, err


async def round_trip(port, payload, timeout=30):
    """Connects, sends `payload`, reads it back whole, closes; True when it all came back."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        writer.write(payload)
        await writer.drain()
        back = await asyncio.wait_for(reader.readexactly(len(payload)), timeout)
        return back == payload
    finally:
        writer.close()


async def wait_for_descriptors(server, at_most, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.descriptors() <= at_most:
            return True
        await asyncio.sleep(0.05)
    return server.descriptors() <= at_most


async def fd_limit_phase(args):
    print(f"fd-limit: the server may open {args.fd_limit} descriptors; "
          f"{args.fd_clients} clients connect at once", flush=True)
    server = Server(args.server, fd_limit=args.fd_limit)
    try:
        await asyncio.sleep(0.2)
        baseline = server.descriptors()
        opened = []
        for i in range(args.fd_clients):
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            payload = (f"client {i:05d} " * 8).encode()
            writer.write(payload)
            opened.append((reader, writer, payload))
        await asyncio.sleep(0.5)
        # Out of descriptors now, with connections waiting in the backlog.
        cpu_before = server.cpu_seconds()
        started = time.monotonic()
        await asyncio.sleep(args.measure_seconds)
        cpu = (server.cpu_seconds() - cpu_before) / (time.monotonic() - started)
        check(server.alive(), "the server is still running while out of descriptors")
        check(cpu < args.max_cpu, f"CPU while out of descriptors: {cpu * 100:.1f}% (limit {args.max_cpu * 100:.0f}%)")

        async def finish(reader, writer, payload):
            try:
                back = await asyncio.wait_for(reader.readexactly(len(payload)), 60)
                return back == payload
            except (asyncio.IncompleteReadError, ConnectionError, asyncio.TimeoutError):
                return False
            finally:
                writer.close()

        # Each client that has its echo closes, which frees a descriptor of the server
        # for the next connection waiting in the backlog.
        results = await asyncio.gather(*(finish(*o) for o in opened))
        check(all(results), f"every client got its bytes back: {sum(results)}/{len(results)}")
        check(await round_trip(server.port, b"after the episode\n"), "a new client is served after the episode")
        check(await wait_for_descriptors(server, baseline), f"descriptors back to the baseline of {baseline}")
    finally:
        status, err = server.stop()
    check(status == 0, f"the server stops on SIGTERM with status 0 (got {status})")
    check("Too many open files" in err, "the server saw the accept errors (reported on stderr)")


async def connections_phase(args, server):
    print(f"connections: {args.connections} clients at once, {args.message_bytes} bytes each", flush=True)
    payload = os.urandom(args.message_bytes)
    pending = [round_trip(server.port, payload, timeout=60) for _ in range(args.connections)]
    results = await asyncio.gather(*pending, return_exceptions=True)
    ok = sum(1 for r in results if r is True)
    check(ok == args.connections, f"every connection echoed every byte: {ok}/{args.connections}")


async def churn_phase(args, server):
    print(f"churn: {args.churn_seconds} s, {args.workers} clients opening and closing connections", flush=True)
    deadline = time.monotonic() + args.churn_seconds
    counts = {"plain": 0, "half-close": 0, "reset": 0, "bad": 0}

    async def worker(seed):
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            kind = rng.choice(["plain", "plain", "half-close", "reset"])
            payload = rng.randbytes(rng.randint(1, 64 * 1024))
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            except OSError:
                counts["bad"] += 1
                continue
            try:
                writer.write(payload)
                if kind == "reset":
                    await asyncio.sleep(0)
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                    counts["reset"] += 1
                    continue
                if kind == "half-close":
                    await writer.drain()
                    writer.write_eof()
                    back = await asyncio.wait_for(reader.read(), 30)  # to end of stream
                else:
                    back = await asyncio.wait_for(reader.readexactly(len(payload)), 30)
                counts[kind if back == payload else "bad"] += 1
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
                counts["bad"] += 1
            finally:
                if kind != "reset":
                    writer.close()

    await asyncio.gather(*(worker(i) for i in range(args.workers)))
    total = counts["plain"] + counts["half-close"] + counts["reset"]
    print(f"  {total} connections: {counts}", flush=True)
    check(counts["bad"] == 0, f"every plain and half-closed connection echoed every byte ({counts['bad']} did not)")
    check(counts["half-close"] > 0 and counts["reset"] > 0, "half-closes and resets happened")


async def load_phases(args):
    server = Server(args.server)
    try:
        await asyncio.sleep(0.2)
        # The baseline is taken after a first round, so that caches the server keeps on
        # purpose (its frame caches, the allocator's arenas) are already full.
        await asyncio.gather(*(round_trip(server.port, b"warm up " * 128) for _ in range(200)))
        await asyncio.sleep(0.3)
        baseline_fds = server.descriptors()
        if "connections" in args.phases:
            await connections_phase(args, server)
            await asyncio.sleep(0.5)
        baseline_rss = server.rss_kib()
        if "churn" in args.phases:
            await churn_phase(args, server)
        check(server.alive(), "the server is still running")
        check(await wait_for_descriptors(server, baseline_fds), f"descriptors back to the baseline of {baseline_fds}")
        rss = server.rss_kib()
        allowed = int(baseline_rss * 1.25) + 4096
        check(rss <= allowed, f"resident memory {rss} KiB after the load, baseline {baseline_rss} KiB (at most {allowed})")
    finally:
        status, _ = server.stop()
    check(status == 0, f"the server stops on SIGTERM with status 0 (got {status})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True, help="the echo server executable")
    parser.add_argument("--phases", default="fd-limit,connections,churn")
    parser.add_argument("--fd-limit", type=int, default=64)
    parser.add_argument("--fd-clients", type=int, default=300)
    parser.add_argument("--measure-seconds", type=float, default=2.0)
    parser.add_argument("--max-cpu", type=float, default=0.05)
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--message-bytes", type=int, default=4096)
    parser.add_argument("--churn-seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=32)
    args = parser.parse_args()
    args.phases = set(args.phases.split(","))

    # This process holds every client connection at once.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    needed = max(args.connections, args.fd_clients) + 64
    if hard < needed:
        print(f"echo_stress: needs {needed} descriptors, the hard limit is {hard}", file=sys.stderr)
        return 2

    print(f"echo_stress: {args.server}", flush=True)
    if "fd-limit" in args.phases:
        asyncio.run(fd_limit_phase(args))
    if args.phases & {"connections", "churn"}:
        asyncio.run(load_phases(args))
    if failures:
        print(f"echo_stress: {len(failures)} check(s) failed", flush=True)
        return 1
    print("echo_stress: every check held", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
