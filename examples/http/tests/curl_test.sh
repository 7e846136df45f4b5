#!/usr/bin/env bash
# interop-http-serve against curl: GET, HEAD, POST with a body, a chunked upload, an
# expectation of 100-continue, keep-alive across requests, HTTP/1.0, a streamed
# (chunked) answer, files, limits, and a graceful shutdown with a request under way.
#
#   curl_test.sh <interop-http-serve binary>
set -euo pipefail
# shellcheck disable=SC2034  # used by common.sh
server=$1
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

mkdir -p "$work/root/sub"
printf 'a file\n' >"$work/root/file.txt"
printf '<p>index</p>\n' >"$work/root/sub/index.html"
head -c 300000 /dev/urandom >"$work/upload.bin"
printf 'outside\n' >"$work/secret.txt"

c=(curl --silent --show-error --max-time 20)

start_server --root "$work/root" --max-body 1048576

check "GET /hello" "Hello, world!" "$("${c[@]}" "$base/hello")"
check "GET /hello status" "200" "$("${c[@]}" -o /dev/null -w '%{http_code}' "$base/hello")"

head_out=$("${c[@]}" -I "$base/hello" | tr -d '\r')
grep -qx 'HTTP/1.1 200 OK' <<<"$head_out" || fail "HEAD status line: $head_out"
grep -qix 'content-length: 14' <<<"$head_out" || fail "HEAD Content-Length: $head_out"
grep -qiE '^date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$' <<<"$head_out" ||
    fail "no Date field: $head_out"
echo "ok: HEAD /hello has the fields of a GET (Date among them) and no body"

check "POST /echo" "posted bytes" "$("${c[@]}" --data-binary 'posted bytes' "$base/echo")"
check "POST /echo keeps the Content-Type" "text/x-test" \
    "$("${c[@]}" -o /dev/null -w '%{content_type}' -H 'Content-Type: text/x-test' --data-binary x "$base/echo")"

"${c[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$work/upload.bin" "$base/echo" >"$work/echoed.bin"
cmp -s "$work/upload.bin" "$work/echoed.bin" || fail "a chunked upload of 300000 bytes came back different"
echo "ok: chunked upload of 300000 bytes echoed byte for byte"

"${c[@]}" -H 'Expect: 100-continue' --data-binary @"$work/upload.bin" "$base/echo" >"$work/echoed.bin"
cmp -s "$work/upload.bin" "$work/echoed.bin" || fail "an upload after 100-continue came back different"
echo "ok: Expect: 100-continue upload echoed"

# Three transfers on one connection: curl connects once.
connects=$("${c[@]}" -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects} ' \
    "$base/hello" "$base/file.txt" "$base/hello" | tr -d ' ')
check "keep-alive: three requests, one connection" "100" "$connects"

http10=$("${c[@]}" --http1.0 -i "$base/hello" | tr -d '\r')
grep -q '^Hello, world!$' <<<"$http10" || fail "HTTP/1.0 body: $http10"
grep -qix 'connection: close' <<<"$http10" || fail "HTTP/1.0 without keep-alive must close: $http10"
echo "ok: HTTP/1.0 request answered and closed"
http10ka=$("${c[@]}" --http1.0 -H 'Connection: keep-alive' -o /dev/null -o /dev/null -w '%{num_connects} ' \
    "$base/hello" "$base/hello" | tr -d ' ')
check "HTTP/1.0 keep-alive: two requests, one connection" "10" "$http10ka"

stream_headers=$("${c[@]}" -D - -o "$work/stream.txt" "$base/stream?n=3" | tr -d '\r')
grep -qix 'transfer-encoding: chunked' <<<"$stream_headers" || fail "stream not chunked: $stream_headers"
check "streamed body" $'line 1\nline 2\nline 3' "$(cat "$work/stream.txt")"
check "streamed body to HTTP/1.0, until close" $'line 1\nline 2' "$("${c[@]}" --http1.0 "$base/stream?n=2")"

check "a file" "a file" "$("${c[@]}" "$base/file.txt")"
check "a directory's index.html" "<p>index</p>" "$("${c[@]}" "$base/sub/")"
check "a missing file" "404" "$("${c[@]}" -o /dev/null -w '%{http_code}' "$base/nothing.txt")"
check "no way out of the root" "404" \
    "$("${c[@]}" --path-as-is -o /dev/null -w '%{http_code}' "$base/../secret.txt")"
check "no way out of the root, percent-encoded" "404" \
    "$("${c[@]}" --path-as-is -o /dev/null -w '%{http_code}' "$base/%2e%2e/secret.txt")"
check "a method a route does not take" "405" "$("${c[@]}" -o /dev/null -w '%{http_code}' -X DELETE "$base/hello")"

head -c 2000000 /dev/zero >"$work/big.bin"
check "a body over --max-body" "413" \
    "$("${c[@]}" -o /dev/null -w '%{http_code}' --data-binary @"$work/big.bin" "$base/echo")"
check "a chunked body over --max-body" "413" \
    "$("${c[@]}" -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @"$work/big.bin" "$base/echo")"
check "the server still serves" "Hello, world!" "$("${c[@]}" "$base/hello")"

# Graceful shutdown: a request under way is answered, with Connection: close; the
# server then exits 0 and accepts nothing more.
"${c[@]}" -i "$base/slow?ms=1500" >"$work/slow.txt" &
slow=$!
sleep 0.5
kill -TERM "$pid"
wait "$slow" || fail "the request under way failed during the shutdown"
tr -d '\r' <"$work/slow.txt" | grep -q '^slept 1500 ms$' || fail "slow answer: $(cat "$work/slow.txt")"
tr -d '\r' <"$work/slow.txt" | grep -qix 'connection: close' || fail "no Connection: close: $(cat "$work/slow.txt")"
status=0
wait "$pid" || status=$?
pid=""
check "exit status after a graceful shutdown" "0" "$status"
if "${c[@]}" -o /dev/null "$base/hello" 2>/dev/null; then fail "served after the shutdown"; fi
echo "ok: graceful shutdown answered the request under way, then stopped"

# A handler slower than --handler-timeout gets 503 (the timeouts of connections are
# checked by malformed.py, with raw sockets).
start_server --root "$work/root" --max-body 1048576 --handler-timeout 0.2
check "a handler over its timeout" "503" "$("${c[@]}" -o /dev/null -w '%{http_code}' "$base/slow?ms=3000")"
kill -TERM "$pid"
wait "$pid" || true
pid=""
echo "all curl checks passed"
