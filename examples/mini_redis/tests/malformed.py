#!/usr/bin/env python3
"""interop-mini-redis against malformed, hostile and stalled input.

Each case opens a connection, sends raw bytes and expects Redis's exact reply, and
for a protocol error the close that follows it; never a crash or a hang (every wait
is bounded). The server's memory must not follow announced sizes, idle clients are
closed under --timeout, and one client too many is refused under --max-clients.

    malformed.py <interop-mini-redis binary>
    malformed.py --redis-server    # the same replies from redis-server 7 itself
"""
import os
import re
import socket
import subprocess
import sys
import time

HANG = 10.0  # seconds a wait may take before it counts as a hang

# name, bytes sent, reply expected, whether the server then closes
CASES = [
    ("a multibulk count that is not a number", b"*abc\r\n",
     b"-ERR Protocol error: invalid multibulk length\r\n", True),
    ("a multibulk count with a sign", b"*+1\r\n$4\r\nPING\r\n",
     b"-ERR Protocol error: invalid multibulk length\r\n", True),
    ("a multibulk count over INT_MAX", b"*3000000000\r\n",
     b"-ERR Protocol error: invalid multibulk length\r\n", True),
    ("a bulk length that is not a number", b"*1\r\n$abc\r\n",
     b"-ERR Protocol error: invalid bulk length\r\n", True),
    ("a negative bulk length", b"*1\r\n$-1\r\n",
     b"-ERR Protocol error: invalid bulk length\r\n", True),
    ("a bulk length over 512 MB", b"*1\r\n$536870913\r\n",
     b"-ERR Protocol error: invalid bulk length\r\n", True),
    ("something else than a bulk", b"*1\r\nx3\r\nfoo\r\n",
     b"-ERR Protocol error: expected '$', got 'x'\r\n", True),
    ("a multibulk request without its bulk header", b"*1\r\n\r\n",
     b"-ERR Protocol error: expected '$', got ' '\r\n", True),
    ("unbalanced quotes inline", b"SET \"k v\r\n",
     b"-ERR Protocol error: unbalanced quotes in request\r\n", True),
    ("text after a closing quote", b"SET \"k\"v x\r\n",
     b"-ERR Protocol error: unbalanced quotes in request\r\n", True),
    ("an inline request over 64 KB", b"a" * 70000,
     b"-ERR Protocol error: too big inline request\r\n", True),
    ("a bulk count line over 64 KB", b"*1\r\n$" + b"1" * 70000,
     b"-ERR Protocol error: too big bulk count string\r\n", True),
    ("a multibulk count line over 64 KB", b"*" + b"1" * 70000,
     b"-ERR Protocol error: too big mbulk count string\r\n", True),
    ("requests before a protocol error are answered", b"PING\r\n*1\r\n$2\r\nhi\r\n*x\r\n",
     b"+PONG\r\n-ERR unknown command 'hi', with args beginning with: \r\n"
     b"-ERR Protocol error: invalid multibulk length\r\n", True),
    ("binary garbage inline", b"\x01\x02garbage\xff here\r\n",
     b"-ERR unknown command '\x01\x02garbage\xff', with args beginning with: 'here' \r\n", False),
    ("an empty command name", b"*1\r\n$0\r\n\r\n",
     b"-ERR unknown command '', with args beginning with: \r\n", False),
    ("CR and LF inside an unknown command's arguments",
     b"*3\r\n$3\r\nfoo\r\n$3\r\na\rb\r\n$3\r\nc\nd\r\n",
     b"-ERR unknown command 'foo', with args beginning with: 'a b' 'c d' \r\n", False),
    ("the argument excerpt stops after 128 bytes",
     b"foo " + b"x" * 100 + b" " + b"y" * 100 + b" zzz\r\n",
     b"-ERR unknown command 'foo', with args beginning with: '" + b"x" * 100 + b"' '" +
     b"y" * 25 + b"' \r\n", False),
    ("empty requests are skipped", b"*0\r\n*-1\r\n\r\nPING\r\n", b"+PONG\r\n", False),
    ("the two bytes after a bulk are not checked", b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n",
     b"+PONG\r\n+PONG\r\n", False),
    ("wrong number of arguments", b"GET\r\nGET a b\r\n",
     b"-ERR wrong number of arguments for 'get' command\r\n"
     b"-ERR wrong number of arguments for 'get' command\r\n", False),
    ("QUIT answers and closes", b"QUIT\r\nPING\r\n", b"+OK\r\n", True),
    ("PING in subscribe mode, and other commands refused there",
     b"SUBSCRIBE ch\r\nPING\r\nPING hi\r\nGET k\r\nUNSUBSCRIBE\r\nPING\r\n",
     b"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
     b"*2\r\n$4\r\npong\r\n$0\r\n\r\n*2\r\n$4\r\npong\r\n$2\r\nhi\r\n"
     b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
     b"RESET are allowed in this context\r\n"
     b"*3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:0\r\n+PONG\r\n", False),
    ("COMMAND DOCS, which redis-cli sends first, answers an array", b"COMMAND DOCS GET\r\n",
     None, False),
]


class Server:
    def __init__(self, binary, *options, redis_server=False):
        self.redis_server = redis_server
        if redis_server:
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
            probe.close()
            args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no"]
            for o in options:
                args += [o[0].replace("--max-clients", "--maxclients"), o[1]]
            self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
            deadline = time.time() + HANG
            while time.time() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    time.sleep(0.2)  # until the probe no longer counts as a client
                    break
                except OSError:
                    time.sleep(0.05)
        else:
            args = [binary, "--port", "0"]
            for o in options:
                args += list(o)
            self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
            line = self.proc.stdout.readline()
            m = re.match(r"listening on .*:(\d+)$", line.strip())
            if not m:
                fail("the server did not report its port: %r" % line)
            self.port = int(m.group(1))

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=HANG)
        s.settimeout(HANG)
        return s

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        self.proc.terminate()
        try:
            code = self.proc.wait(HANG)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("the server did not exit after SIGTERM")
        return code


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def read_exactly(s, n):
    """Reads n bytes, or what came before the server closed."""
    got = b""
    while len(got) < n:
        try:
            chunk = s.recv(n - len(got))
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        got += chunk
    return got


def closed_soon(s):
    """True if the server closes the connection (within HANG), dropping extra bytes."""
    s.settimeout(HANG)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def quiet_for(s, seconds):
    """True if nothing arrives, and no close, for that long."""
    s.settimeout(seconds)
    try:
        chunk = s.recv(1)
        return False if chunk else False
    except socket.timeout:
        return True
    finally:
        s.settimeout(HANG)


def serves_on(server):
    s = server.connect()
    s.sendall(b"PING\r\n")
    got = read_exactly(s, 7)
    s.close()
    if got != b"+PONG\r\n":
        fail("the server no longer answers PING: %r" % got)


def run_cases(server):
    for name, data, expected, closes in CASES:
        s = server.connect()
        s.sendall(data)
        if expected is None:
            s.settimeout(HANG)
            first = s.recv(1)
            if first != b"*":
                fail("%s: expected an array, got %r" % (name, first))
            s.close()
        else:
            got = read_exactly(s, len(expected))
            if got != expected:
                fail("%s:\n  expected %r\n  got      %r" % (name, expected, got))
            if closes and not closed_soon(s):
                fail("%s: the connection stayed open after the error" % name)
            if not closes and not quiet_for(s, 0.2):
                fail("%s: more bytes, or a close, after the reply" % name)
            s.close()
        print("ok: %s" % name)
    serves_on(server)


def memory_cases(server):
    base = server.rss_kb()
    # 400 MB announced, a few bytes sent: nothing is held for the announcement, and a
    # request that stops in the middle of a bulk leaves the server serving.
    conns = []
    for _ in range(20):
        s = server.connect()
        s.sendall(b"*2\r\n$4\r\nECHO\r\n$400000000\r\n" + b"x" * 1000)
        conns.append(s)
    time.sleep(0.5)
    grown = server.rss_kb() - base
    if grown > 30 * 1024:
        fail("20 clients announcing 400 MB bulks grew the server by %d kB" % grown)
    print("ok: 20 clients announcing 400 MB bulks: the server grew %d kB" % grown)
    # One of them sends 8 MB of its bulk: the server holds about what arrived.
    chunk = b"y" * (1024 * 1024)
    for _ in range(8):
        conns[0].sendall(chunk)
    time.sleep(0.5)
    grown = server.rss_kb() - base
    if grown > 60 * 1024:
        fail("8 MB of a 400 MB bulk grew the server by %d kB" % grown)
    print("ok: 8 MB of a 400 MB bulk: the server grew %d kB" % grown)
    for s in conns:
        s.close()  # disconnects in the middle of a bulk
    serves_on(server)
    print("ok: the server serves on after clients left in the middle of their bulks")

    # A bulk that does arrive whole is executed.
    s = server.connect()
    big = b"z" * (3 * 1024 * 1024)
    s.sendall(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % len(big) + big + b"\r\nSTRLEN big\r\n")
    s.sendall(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n")
    got = read_exactly(s, 5)
    if got != b"+OK\r\n":
        fail("a 3 MB SET: %r" % got)
    rest = read_exactly(s, len(b"-ERR unknown command 'STRLEN', with args beginning with: 'big' \r\n"))
    header = b"$%d\r\n" % len(big)
    value = read_exactly(s, len(header) + len(big) + 2)
    if value != header + big + b"\r\n":
        fail("a 3 MB GET returned %d bytes" % len(value))
    s.close()
    print("ok: a 3 MB value is stored and read back")

    # Disconnects in the middle of a command, at every kind of place.
    for part in [b"*3\r\n$3\r\nSET\r\n$1\r\nq\r\n$5\r\nab", b"*3\r\n$3", b"*", b"SET q v"]:
        s = server.connect()
        s.sendall(part)
        s.close()
    s = server.connect()
    s.sendall(b"EXISTS q\r\n")
    got = read_exactly(s, 4)
    s.close()
    if got != b":0\r\n":
        fail("a command cut off by a disconnect was executed: %r" % got)
    print("ok: commands cut off by a disconnect are dropped")

    # A request sent one byte at a time, with pauses.
    s = server.connect()
    for b in b"*3\r\n$3\r\nSET\r\n$4\r\nslow\r\n$5\r\nvalue\r\n":
        s.sendall(bytes([b]))
        time.sleep(0.002)
    got = read_exactly(s, 5)
    if got != b"+OK\r\n":
        fail("a request sent byte by byte: %r" % got)
    # 5000 pipelined requests in one send.
    s.sendall(b"*1\r\n$4\r\nPING\r\n" * 5000)
    got = read_exactly(s, 7 * 5000)
    if got != b"+PONG\r\n" * 5000:
        fail("5000 pipelined PINGs: %d bytes back" % len(got))
    s.close()
    print("ok: a request byte by byte, and 5000 pipelined ones")

    # A subscriber receives what another connection publishes.
    sub = server.connect()
    sub.sendall(b"SUBSCRIBE news\r\n")
    read_exactly(sub, len(b"*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n"))
    pub = server.connect()
    pub.sendall(b"PUBLISH news hello\r\n")
    if read_exactly(pub, 4) != b":1\r\n":
        fail("PUBLISH did not count its subscriber")
    want = b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n"
    if read_exactly(sub, len(want)) != want:
        fail("the subscriber did not receive the message")
    sub.close()
    for _ in range(100):
        pub.sendall(b"PUBLISH news again\r\n")
        if read_exactly(pub, 4) == b":0\r\n":
            break
        time.sleep(0.05)
    else:
        fail("a closed subscriber still counts")
    pub.close()
    print("ok: PUBLISH reaches a subscriber on another connection, and not once it left")


def timeout_case(binary, redis_server):
    server = Server(binary, ("--timeout", "1"), redis_server=redis_server)
    try:
        idle = server.connect()
        busy = server.connect()
        sub = server.connect()
        sub.sendall(b"SUBSCRIBE ch\r\n")
        start = time.time()
        while time.time() - start < 2.5:
            busy.sendall(b"PING\r\n")
            if read_exactly(busy, 7) != b"+PONG\r\n":
                fail("a busy client was closed under --timeout 1")
            time.sleep(0.2)
        if not closed_soon(idle):
            fail("an idle client was not closed under --timeout 1")
        print("ok: --timeout 1 closes an idle client after %.1f s, and not a busy one"
              % (time.time() - start))
        sub.sendall(b"PING\r\n")
        want = b"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n"
        if read_exactly(sub, len(want)) != want:
            fail("a subscriber was closed under --timeout")
        print("ok: subscribers are not idle clients")
    finally:
        server.stop()


def max_clients_case(binary, redis_server):
    server = Server(binary, ("--max-clients", "2"), redis_server=redis_server)
    try:
        first = server.connect()
        second = server.connect()
        for s in (first, second):
            s.sendall(b"PING\r\n")
            if read_exactly(s, 7) != b"+PONG\r\n":
                fail("a client under the limit was not served")
        third = server.connect()
        want = b"-ERR max number of clients reached\r\n"
        got = read_exactly(third, len(want))
        if got != want or not closed_soon(third):
            fail("one client too many got %r" % got)
        first.close()
        for _ in range(100):
            s = server.connect()
            s.sendall(b"PING\r\n")
            got = read_exactly(s, 7)
            s.close()
            if got == b"+PONG\r\n":
                break
            time.sleep(0.05)
        else:
            fail("a client is refused after another left")
        print("ok: --max-clients 2 refuses the third client with Redis's error, then serves again")
    finally:
        server.stop()


def main():
    redis_server = sys.argv[1] == "--redis-server"
    binary = None if redis_server else sys.argv[1]
    server = Server(binary, redis_server=redis_server)
    try:
        run_cases(server)
        if not redis_server:
            memory_cases(server)
        if not server.alive():
            fail("the server died")
    finally:
        code = server.stop()
    if not redis_server and code != 0:
        fail("the server exited with %d after SIGTERM" % code)
    timeout_case(binary, redis_server)
    max_clients_case(binary, redis_server)
    print("all malformed-input cases passed")


if __name__ == "__main__":
    main()
