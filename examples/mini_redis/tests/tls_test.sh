#!/usr/bin/env bash
# interop-mini-redis over TLS (--tls-cert-file, --tls-key-file) against redis-cli --tls
# and redis-benchmark --tls, with certificates the openssl command makes here.
#
#   tls_test.sh <interop-mini-redis binary>
set -euo pipefail
# shellcheck disable=SC2034  # used by common.sh
server=$1
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

check() {
    if [ "$2" != "$3" ]; then
        printf 'FAIL: %s\n  expected: %q\n  got:      %q\n' "$1" "$2" "$3" >&2
        exit 1
    fi
    echo "ok: $1"
}

# shellcheck source=SCRIPTDIR/certificates.sh
source "$(dirname "${BASH_SOURCE[0]}")/certificates.sh"
make_certificates "$work"

start_server --tls-cert-file "$work/server.pem" --tls-key-file "$work/server.key"
cli=(timeout 20 redis-cli --tls --cacert "$work/ca.pem" -h 127.0.0.1 -p "$port")

check "redis-cli --tls: PING" "PONG" "$("${cli[@]}" ping)"
check "redis-cli --tls: SET" "OK" "$("${cli[@]}" set greeting "hello over TLS")"
check "redis-cli --tls: GET" "hello over TLS" "$("${cli[@]}" get greeting)"
value=$(head -c 200000 /dev/urandom | base64 -w0)
check "redis-cli --tls: SET of 266 KB" "OK" "$("${cli[@]}" -x set big <<<"$value")"
check "redis-cli --tls: GET of 266 KB comes back whole" "$value" "$("${cli[@]}" get big)"
check "redis-cli --tls: a script on one connection" "$(printf '1\n2\n3')" \
    "$(printf 'incr n\nincr n\nincr n\n' | "${cli[@]}")"

# redis-benchmark over TLS, with and without pipelining.
for pipeline in 1 16; do
    out=$(timeout 60 redis-benchmark --tls --cacert "$work/ca.pem" -h 127.0.0.1 -p "$port" \
        -t set,get -n 2000 -c 10 -P "$pipeline" -q 2>&1 | tr '\r' '\n' | grep -v 'rps=')
    grep -qE '^ *SET: [0-9.]+ requests per second' <<<"$out" || fail "redis-benchmark -P $pipeline over TLS: $out"
    grep -qE '^ *GET: [0-9.]+ requests per second' <<<"$out" || fail "redis-benchmark -P $pipeline over TLS: $out"
    if grep -qi 'error' <<<"$out"; then fail "redis-benchmark -P $pipeline over TLS: $out"; fi
    echo "ok: redis-benchmark --tls -P $pipeline: $(tr '\n' ' ' <<<"$out")"
done

# Refusals: a client that does not trust the authority, a client without TLS; the
# server serves on.
set +e
untrusted=$(timeout 20 redis-cli --tls -h 127.0.0.1 -p "$port" ping 2>&1)
plain=$(timeout 20 redis-cli -h 127.0.0.1 -p "$port" ping 2>&1)
set -e
grep -qi 'certificate verify failed' <<<"$untrusted" ||
    fail "redis-cli without the authority: $untrusted"
echo "ok: redis-cli without the authority refuses the certificate"
[ "$plain" != "PONG" ] || fail "a plain-text client got an answer on the TLS port"
echo "ok: a plain-text client gets no answer on the TLS port ($plain)"
check "the server serves on" "PONG" "$("${cli[@]}" ping)"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
check "SIGTERM: the TLS server exits 0" "0" "$status"
