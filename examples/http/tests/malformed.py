#!/usr/bin/env python3
"""interop-http-serve against malformed and hostile requests.

Each case opens a connection, sends raw bytes (some in pieces, some never finished)
and expects either a given status followed by the server closing the connection, or
a close without any answer; never a crash, and never a hang (every wait is bounded).
After the corpus the server must still answer GET /hello.

    malformed.py <interop-http-serve binary>
"""
import re
import socket
import subprocess
import sys
import time

HANG = 10.0  # seconds a case may take before it counts as a hang

BIG_HEADER = b"X-Big: " + b"a" * (1024 * 1024) + b"\r\n"
MANY_HEADERS = b"".join(b"X-H%d: v\r\n" % i for i in range(150))


def req(head, body=b""):
    return head.replace(b"\n", b"\r\n") + b"\r\n" + body


# name, bytes (or a list of (delay, bytes) pieces), expected statuses (None: a close
# without an answer)
CASES = [
    ("Content-Length and Transfer-Encoding together",
     req(b"POST /echo HTTP/1.1\nHost: x\nContent-Length: 5\nTransfer-Encoding: chunked\n", b"0\r\n\r\n"), {400}),
    ("Transfer-Encoding and Content-Length together, TE last",
     req(b"POST /echo HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\nContent-Length: 5\n", b"0\r\n\r\n"), {400}),
    ("two different Content-Length fields",
     req(b"POST /echo HTTP/1.1\nHost: x\nContent-Length: 5\nContent-Length: 6\n", b"hello!"), {400}),
    ("a Content-Length list of different values",
     req(b"POST /echo HTTP/1.1\nHost: x\nContent-Length: 5, 6\n", b"hello!"), {400}),
    ("a negative Content-Length", req(b"POST /echo HTTP/1.1\nHost: x\nContent-Length: -5\n"), {400}),
    ("a Content-Length with a sign", req(b"POST /echo HTTP/1.1\nHost: x\nContent-Length: +5\n", b"hello"), {400}),
    ("a Content-Length that overflows",
     req(b"POST /echo HTTP/1.1\nHost: x\nContent-Length: 99999999999999999999999\n"), {400, 413}),
    ("obs-fold: a field continued on the next line", req(b"GET /hello HTTP/1.1\nHost: x\nX-A: a\n b\n"), {400}),
    ("bare LF line ends", b"GET /hello HTTP/1.1\nHost: x\n\n", {400}),
    ("a bare LF inside the fields", b"GET /hello HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", {400}),
    ("a bare CR", b"GET /hello HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n", {400}),
    ("a chunk size that overflows",
     req(b"POST /echo HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n", b"fffffffffffffffffffff\r\nhello\r\n0\r\n\r\n"), {400, 413}),
    ("a chunk larger than the body limit",
     req(b"POST /echo HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n", b"7fffffff\r\nhello"), {413}),
    ("a chunk size that is not hex",
     req(b"POST /echo HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n", b"zz\r\nhello\r\n0\r\n\r\n"), {400}),
    ("chunk data without its CRLF",
     req(b"POST /echo HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n", b"5\r\nhelloXX0\r\n\r\n"), {400}),
    ("a chunk extension longer than the limit",
     req(b"POST /echo HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n", b"5;" + b"e" * 5000 + b"\r\nhello\r\n0\r\n\r\n"), {400}),
    ("a 1 MB field", req(b"GET /hello HTTP/1.1\nHost: x\n" + BIG_HEADER.replace(b"\r\n", b"\n")), {431}),
    ("150 fields", req(b"GET /hello HTTP/1.1\nHost: x\n" + MANY_HEADERS.replace(b"\r\n", b"\n")), {431}),
    ("a 10 KB request target", req(b"GET /" + b"a" * 10240 + b" HTTP/1.1\nHost: x\n"), {414}),
    ("HTTP/2.0 in the request line", req(b"GET /hello HTTP/2.0\nHost: x\n"), {505}),
    ("HTTP/3.0 in the request line", req(b"GET /hello HTTP/3.0\nHost: x\n"), {505}),
    ("a version in lower case", req(b"GET /hello http/1.1\nHost: x\n"), {400}),
    ("two spaces in the request line", req(b"GET  /hello HTTP/1.1\nHost: x\n"), {400}),
    ("a method that is not a token", req(b"G(T /hello HTTP/1.1\nHost: x\n"), {400}),
    ("HTTP/1.1 without Host", req(b"GET /hello HTTP/1.1\n"), {400}),
    ("two Host fields", req(b"GET /hello HTTP/1.1\nHost: x\nHost: y\n"), {400}),
    ("a space before the colon", req(b"GET /hello HTTP/1.1\nHost : x\n"), {400}),
    ("a NUL in a field value", req(b"GET /hello HTTP/1.1\nHost: x\nX-A: a\x00b\n"), {400}),
    ("a field name that is not a token", req(b"GET /hello HTTP/1.1\nHost: x\nX(A): b\n"), {400}),
    ("an expectation the server cannot meet",
     req(b"POST /echo HTTP/1.1\nHost: x\nExpect: 200-ok\nContent-Length: 5\n", b"hello"), {417}),
    ("a transfer coding other than chunked",
     req(b"POST /echo HTTP/1.1\nHost: x\nTransfer-Encoding: gzip, chunked\n", b"0\r\n\r\n"), {501}),
    ("chunked not the last transfer coding",
     req(b"POST /echo HTTP/1.1\nHost: x\nTransfer-Encoding: chunked, gzip\n", b"0\r\n\r\n"), {400, 501}),
    ("an unknown transfer coding", req(b"POST /echo HTTP/1.1\nHost: x\nTransfer-Encoding: xchunked\n", b"0\r\n\r\n"), {400, 501}),
    ("Transfer-Encoding in an HTTP/1.0 request",
     req(b"POST /echo HTTP/1.0\nTransfer-Encoding: chunked\n", b"5\r\nhello\r\n0\r\n\r\n"), {400}),
    ("binary garbage", bytes(range(256)) * 4 + b"\r\n\r\n", {400}),
    ("a valid request, then garbage on the same connection",
     req(b"GET /hello HTTP/1.1\nHost: x\n") + b"\x00\x01garbage\r\n\r\n", {200}),
    ("an absolute-form target, which a server must accept",
     req(b"GET http://x/hello HTTP/1.1\nHost: x\nConnection: close\n"), {200}),
    ("a body over the limit", req(b"POST /echo HTTP/1.1\nHost: x\nContent-Length: 2000000\n"), {413}),
    # Never finished: the request timeout answers 408.
    ("a head that never ends", [(0, b"GET /hello HTTP/1.1\r\nHost: x\r\n")], {408}),
    ("a body that never ends", [(0, req(b"POST /echo HTTP/1.1\nHost: x\nContent-Length: 100\n", b"0123456789"))], {408}),
    ("a head sent a byte every 0.2 s", [(0.2, bytes([b])) for b in b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: yes\r\n\r\n"], {408}),
    # Nothing at all: the idle timeout closes without an answer.
    ("a connection that sends nothing", [], None),
]


def status_of(data):
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", data)
    return int(m.group(1)) if m else None


def exchange(port, payload):
    """Sends the payload, returns (everything received, whether the server closed)."""
    deadline = time.monotonic() + HANG
    s = socket.create_connection(("127.0.0.1", port), timeout=HANG)
    got = b""
    try:
        pieces = payload if isinstance(payload, list) else [(0, payload)]
        for delay, piece in pieces:
            if delay:
                time.sleep(delay)
            try:
                s.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server answered and closed already
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return got, False
            except ConnectionResetError:
                return got, True
            if not chunk:
                return got, True
            got += chunk
        return got, False
    finally:
        s.close()


def main():
    server = sys.argv[1]
    proc = subprocess.Popen([server, "--port", "0", "--max-body", "1048576", "--request-timeout", "1",
                             "--idle-timeout", "2"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        port = int(re.search(r":(\d+)$", line.strip()).group(1))
        failures = []
        for name, payload, expected in CASES:
            start = time.monotonic()
            got, closed = exchange(port, payload)
            took = time.monotonic() - start
            status = status_of(got)
            if proc.poll() is not None:
                failures.append(f"{name}: the server exited with {proc.returncode}")
                break
            if not closed:
                failures.append(f"{name}: not closed within {HANG} s (got {got[:80]!r})")
            elif expected is None and got:
                failures.append(f"{name}: expected a close without an answer, got {got[:80]!r}")
            elif expected is not None and status not in expected:
                failures.append(f"{name}: expected {sorted(expected)}, got {got[:120]!r}")
            else:
                print(f"ok: {name}: {status if status else 'closed'} ({took:.2f} s)")
        # Pipelined requests are answered in order, in full.
        three = b"".join(req(b"GET /stream?n=%d HTTP/1.1\nHost: x\n" % n) for n in (1, 2))
        three += req(b"POST /echo HTTP/1.1\nHost: x\nContent-Length: 4\nConnection: close\n", b"last")
        got, closed = exchange(port, three)
        bodies = re.findall(rb"HTTP/1\.1 200 OK\r\n", got)
        if len(bodies) != 3 or not closed or b"line 1\n\r\n" not in got or not got.endswith(b"last"):
            failures.append(f"three pipelined requests: got {got!r}")
        else:
            print("ok: three pipelined requests answered in order")
        # The server lives on and serves.
        got, _ = exchange(port, b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        if status_of(got) != 200 or not got.endswith(b"Hello, world!\n"):
            failures.append(f"after the corpus: GET /hello got {got[:120]!r}")
        if failures:
            print("FAILED:\n  " + "\n  ".join(failures))
            return 1
        print(f"all {len(CASES)} malformed requests answered or closed; the server still serves")
        return 0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    sys.exit(main())
