#!/usr/bin/env bash
# The client library's connection over TLS against redis-server with --tls-port and
# against interop-mini-redis with --tls-cert-file, on free loopback ports, with
# certificates the openssl command makes here.
#
#   tls_client_test.sh REDIS_SERVER REDIS_CLI MINI_REDIS TLS_CLIENT_TEST
set -euo pipefail
server=$1 cli=$2 mini=$3 client_test=$4
dir=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# shellcheck source=SCRIPTDIR/../../tests/certificates.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../tests/certificates.sh"
make_certificates "$dir"

# redis-server with TLS only (port 0 turns plain TCP off); another process may take
# the port between free_port and the bind: try again.
started=""
for _ in 1 2 3 4 5; do
    port=$(free_port)
    "$server" --port 0 --tls-port "$port" --bind 127.0.0.1 --save "" --appendonly no \
        --tls-cert-file "$dir/server.pem" --tls-key-file "$dir/server.key" \
        --tls-ca-cert-file "$dir/ca.pem" --tls-auth-clients no >"$dir/server.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do
        if "$cli" --tls --cacert "$dir/ca.pem" -p "$port" ping 2>/dev/null | grep -q PONG; then
            started=yes
            break
        fi
        sleep 0.05
    done
    [ -n "$started" ] && break
done
[ -n "$started" ] || fail "redis-server --tls-port did not start: $(cat "$dir/server.log")"
echo "redis-server over TLS on port $port"
timeout 60 "$client_test" "$port" "$dir/ca.pem" || fail "the client over TLS against redis-server"
echo "ok: the client over TLS against redis-server"

"$mini" --port 0 --tls-cert-file "$dir/server.pem" --tls-key-file "$dir/server.key" \
    >"$dir/mini.out" 2>"$dir/mini.err" &
pids+=($!)
for _ in $(seq 200); do
    grep -qs '^listening on' "$dir/mini.out" && break
    sleep 0.05
done
mini_port=$(sed -nE 's/^listening on .*:([0-9]+)$/\1/p' "$dir/mini.out")
[ -n "$mini_port" ] || fail "interop-mini-redis did not start: $(cat "$dir/mini.err")"
echo "interop-mini-redis over TLS on port $mini_port"
timeout 60 "$client_test" "$mini_port" "$dir/ca.pem" || fail "the client over TLS against interop-mini-redis"
echo "ok: the client over TLS against interop-mini-redis"
