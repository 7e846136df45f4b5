#!/usr/bin/env bash
# interop-http-get against interop-http-serve (each on the runtime it was built for):
# bodies both ways, chunked both ways, HEAD, HTTP/1.0, keep-alive, statuses, errors.
#
#   client_test.sh <interop-http-serve binary> <interop-http-get binary>
set -euo pipefail
# shellcheck disable=SC2034  # used by common.sh
server=$1
get=$2
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

start_server
g=(timeout 20 "$get")

check "GET" "Hello, world!" "$("${g[@]}" "$base/hello")"
check "POST a body" "some data" "$("${g[@]}" -d 'some data' "$base/echo")"
head -c 200000 /dev/urandom >"$work/up.bin"
"${g[@]}" --chunked --data-file "$work/up.bin" "$base/echo" >"$work/down.bin"
cmp -s "$work/up.bin" "$work/down.bin" || fail "a chunked upload came back different"
echo "ok: chunked upload of 200000 bytes"
check "a chunked response" $'line 1\nline 2\nline 3\nline 4' "$("${g[@]}" "$base/stream?n=4")"
check "HTTP/1.0, streamed until close" $'line 1' "$("${g[@]}" --http1.0 "$base/stream?n=1")"

head_out=$("${g[@]}" -I "$base/hello" | tr -d '\r')
grep -qx 'HTTP/1.1 200 OK' <<<"$head_out" || fail "HEAD: $head_out"
grep -qix 'content-length: 14' <<<"$head_out" || fail "HEAD Content-Length: $head_out"
grep -q 'Hello' <<<"$head_out" && fail "HEAD printed a body: $head_out"
echo "ok: HEAD"

"${g[@]}" -v "$base/hello" "$base/hello" "$base/stream?n=1" >"$work/three.txt" 2>"$work/three.err"
check "three requests' bodies" "Hello, world!Hello, world!line 1" "$(tr -d '\n' <"$work/three.txt")"
check "one connection for three requests" "1 2" \
    "$(grep -c '^\* connected' "$work/three.err") $(grep -c '^\* reusing' "$work/three.err")"

"${g[@]}" -v --http1.0 "$base/hello" "$base/hello" >/dev/null 2>"$work/ten.err"
check "HTTP/1.0 keep-alive" "1 1" \
    "$(grep -c '^\* connected' "$work/ten.err") $(grep -c '^\* reusing' "$work/ten.err")"

status=0
"${g[@]}" --fail "$base/missing" >/dev/null || status=$?
check "--fail on a 404" "22" "$status"
status=0
"${g[@]}" -i "$base/missing" >"$work/404.txt" || status=$?
check "a 404 without --fail" "0" "$status"
grep -q '^HTTP/1.1 404 Not Found' "$work/404.txt" || fail "404 head: $(cat "$work/404.txt")"

status=0
"${g[@]}" "ftp://127.0.0.1/" 2>"$work/url.err" || status=$?
check "a URL that is not http://" "1" "$status"
status=0
"${g[@]}" -H 'Bad Header' "$base/hello" 2>/dev/null || status=$?
check "a header without a colon" "1" "$status"
status=0
"${g[@]}" -H $'X-Injected: a\r\nEvil: b' "$base/hello" 2>"$work/inject.err" || status=$?
check "a header with a line break is refused" "1" "$status"

kill -TERM "$pid"
wait "$pid" || true
pid=""
status=0
"${g[@]}" "$base/hello" 2>"$work/refused.err" || status=$?
check "a server that is gone" "1" "$status"
grep -qi 'refused' "$work/refused.err" || fail "no 'refused' in: $(cat "$work/refused.err")"
echo "all client checks passed"
