#!/usr/bin/env bash
# interop-http-serve over TLS (--tls-cert, --tls-key) against curl and openssl s_client,
# with certificates the openssl command makes here: an authority, a certificate for
# localhost and 127.0.0.1 it issues, and one it did not issue. Then interop-http-get
# over https:// against the same server.
#
#   tls_test.sh <interop-http-serve binary> <interop-http-get binary>
set -euo pipefail
# shellcheck disable=SC2034  # used by common.sh
server=$1
get=$2
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# An authority, and a server certificate it issues (EC P-256 keys: fast to make).
ossl() { openssl "$@" 2>>"$work/openssl.log"; }
issue() { # issue <name> <subjectAltName> <ca> <ca key>
    ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/$1.key" \
        -out "$work/$1.csr" -subj "/CN=$1"
    printf 'subjectAltName=%s\n' "$2" >"$work/$1.ext"
    ossl x509 -req -in "$work/$1.csr" -CA "$3" -CAkey "$4" -CAcreateserial -days 2 \
        -extfile "$work/$1.ext" -out "$work/$1.pem"
}
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
    -out "$work/ca.pem" -days 2 -subj "/CN=interop test CA"
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/other.key" \
    -out "$work/other.pem" -days 2 -subj "/CN=another CA"
issue localhost "DNS:localhost,IP:127.0.0.1" "$work/ca.pem" "$work/ca.key"
head -c 300000 /dev/urandom >"$work/upload.bin"

c=(curl --silent --show-error --max-time 20 --cacert "$work/ca.pem")

start_server --tls-cert "$work/localhost.pem" --tls-key "$work/localhost.key" --request-timeout 1
https="https://localhost:$port"
resolve=(--resolve "localhost:$port:127.0.0.1")

check "curl GET /hello over TLS" "Hello, world!" "$("${c[@]}" "${resolve[@]}" "$https/hello")"
check "curl GET by address (the certificate names 127.0.0.1)" "Hello, world!" \
    "$("${c[@]}" "https://127.0.0.1:$port/hello")"
"${c[@]}" "${resolve[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$work/upload.bin" \
    "$https/echo" >"$work/echoed.bin"
cmp -s "$work/upload.bin" "$work/echoed.bin" || fail "a chunked upload of 300000 bytes over TLS came back different"
echo "ok: chunked upload of 300000 bytes echoed byte for byte over TLS"
connects=$("${c[@]}" "${resolve[@]}" -o /dev/null -o /dev/null -o /dev/null \
    -w '%{num_connects}' "$https/hello" "$https/hello" "$https/hello")
check "keep-alive over TLS: three requests, one connection (one handshake)" "100" "$connects"
check "ALPN: curl asked for http/1.1 and got it" "1.1" \
    "$("${c[@]}" "${resolve[@]}" -o /dev/null -w '%{http_version}' "$https/hello")"

# curl refuses what it must refuse: an authority it was not given, a wrong name.
set +e
curl --silent --max-time 20 --resolve "localhost:$port:127.0.0.1" "$https/hello" >/dev/null
untrusted=$?
curl --silent --max-time 20 --cacert "$work/other.pem" --resolve "localhost:$port:127.0.0.1" \
    "$https/hello" >/dev/null
other_ca=$?
curl --silent --max-time 20 --cacert "$work/ca.pem" --resolve "wrong.example:$port:127.0.0.1" \
    "https://wrong.example:$port/hello" >/dev/null
wrong_name=$?
set -e
check "curl without the authority refuses the certificate (exit 60)" "60" "$untrusted"
check "curl trusting another authority refuses it (exit 60)" "60" "$other_ca"
check "curl refuses the certificate for another name (exit 60)" "60" "$wrong_name"

# openssl s_client: the handshake, what it verified, ALPN, and a request over it.
s_client=(timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost
    -CAfile "$work/ca.pem" -verify_return_error -alpn http/1.1)
printf 'GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
    "${s_client[@]}" -ign_eof >"$work/s_client.out" 2>&1 || true
grep -q 'Verify return code: 0 (ok)' "$work/s_client.out" || fail "s_client did not verify: $(cat "$work/s_client.out")"
grep -q 'ALPN protocol: http/1.1' "$work/s_client.out" || fail "s_client got no ALPN: $(cat "$work/s_client.out")"
grep -qE '^(New|Reused), TLSv1\.3' "$work/s_client.out" || fail "not TLS 1.3: $(cat "$work/s_client.out")"
grep -q '^HTTP/1.1 200 OK' "$work/s_client.out" || fail "no answer over s_client: $(cat "$work/s_client.out")"
grep -q '^Hello, world!' "$work/s_client.out" || fail "no body over s_client"
echo "ok: openssl s_client verifies the server, settles on http/1.1 and gets /hello"
printf 'GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
    timeout 20 openssl s_client -connect "127.0.0.1:$port" -tls1_2 -CAfile "$work/ca.pem" \
        -verify_return_error -ign_eof >"$work/s_client12.out" 2>&1 || true
grep -qE 'TLSv1\.2' "$work/s_client12.out" || fail "no TLS 1.2: $(cat "$work/s_client12.out")"
grep -q '^Hello, world!' "$work/s_client12.out" || fail "no body over TLS 1.2"
echo "ok: TLS 1.2 works too"

# Plain HTTP to the TLS port, and a client that connects and says nothing: closed, and
# the server serves on.
plain=$(curl --silent --max-time 10 "http://127.0.0.1:$port/hello" || true)
check "plain HTTP to the TLS port gets no HTTP answer" "" "$plain"
start=$SECONDS
python3 - "$port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(15)
assert s.recv(1) == b"", "the server sent something to a silent client"
PY
[ $((SECONDS - start)) -lt 10 ] || fail "a silent client was kept $((SECONDS - start)) s"
echo "ok: a client that says nothing is closed after the request timeout"
check "the server serves on" "Hello, world!" "$("${c[@]}" "${resolve[@]}" "$https/hello")"

# interop's own client over https://, on the same runtime.
check "interop-http-get over https" "Hello, world!" \
    "$("$get" --cacert "$work/ca.pem" "https://127.0.0.1:$port/hello")"
check "interop-http-get: two URLs over one TLS connection" "$(printf 'Hello, world!\nHello, world!')" \
    "$("$get" --cacert "$work/ca.pem" "https://127.0.0.1:$port/hello" "https://127.0.0.1:$port/hello")"
"$get" -v --cacert "$work/ca.pem" "https://localhost:$port/hello" "https://localhost:$port/hello" \
    2>&1 >/dev/null | grep -q 'reusing the connection' || fail "interop-http-get did not reuse its TLS connection"
echo "ok: interop-http-get reuses its TLS connection"
set +e
"$get" "https://127.0.0.1:$port/hello" >/dev/null 2>"$work/get.err"
refused=$?
set -e
[ "$refused" -ne 0 ] || fail "interop-http-get accepted a certificate from an authority it was not given"
grep -q "not issued by a trusted authority" "$work/get.err" || fail "interop-http-get said: $(cat "$work/get.err")"
echo "ok: interop-http-get refuses an untrusted certificate: $(cat "$work/get.err")"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
check "SIGTERM: the TLS server exits 0" "0" "$status"
