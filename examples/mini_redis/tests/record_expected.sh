#!/usr/bin/env bash
# Records commands.expected and pubsub.expected from a real redis-server (7.0 here),
# which cli_test.sh then compares the example with, byte for byte.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/scenario.sh"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
work=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no >"$work/log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis-server --version
run_scenario "$port" "$work"
cp "$work/commands.out" "$here/commands.expected"
cp "$work/pubsub.out" "$here/pubsub.expected"
echo "recorded $here/commands.expected and $here/pubsub.expected"
