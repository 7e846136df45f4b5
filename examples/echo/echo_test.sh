#!/usr/bin/env bash
# Serves one echo server and talks to it with the example client and with nc:
# the bytes that come back must be the bytes that were sent.
set -euo pipefail
server=$1
client=$2
out=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT

"$server" --port 0 --connections 3 >"$out" &
pid=$!
for _ in $(seq 100); do
    grep -q '^listening on' "$out" && break
    sleep 0.05
done
port=$(sed -nE 's/^listening on .*:([0-9]+)$/\1/p' "$out")
[ -n "$port" ] || { echo "server did not report its port"; cat "$out"; exit 1; }

reply=$("$client" --port "$port" --message "interop echo" --count 2)
[ "$reply" = $'interop echo\ninterop echo' ] || { echo "client got: $reply"; exit 1; }

if command -v nc >/dev/null; then
    from_nc=$(printf 'bytes via nc\n' | timeout 10 nc -N 127.0.0.1 "$port")
    [ "$from_nc" = "bytes via nc" ] || { echo "nc got: $from_nc"; exit 1; }
else
    # No nc here: make the third connection with the client so the server exits.
    "$client" --port "$port" >/dev/null
fi
wait "$pid"

# Graceful shutdown: a server without a connection limit stops on SIGINT with status 0.
"$server" --port 0 >"$out" &
pid=$!
for _ in $(seq 100); do
    grep -q '^listening on' "$out" && break
    sleep 0.05
done
kill -INT "$pid"
status=0
timeout 10 tail --pid="$pid" -f /dev/null || { echo "server ignored SIGINT"; exit 1; }
wait "$pid" || status=$?
[ "$status" -eq 0 ] || { echo "server exited with $status after SIGINT"; exit 1; }
echo "echo example: ok on port $port, and stopped cleanly on SIGINT"
