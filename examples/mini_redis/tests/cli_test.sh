#!/usr/bin/env bash
# cli_test.sh <interop-mini-redis binary>: runs the redis-cli scenario of scenario.sh
# against the example and compares what redis-cli printed with what it printed for
# redis-server 7 (commands.expected and pubsub.expected, from record_expected.sh).
set -euo pipefail
server=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
. "$here/scenario.sh"
command -v redis-cli >/dev/null || fail "redis-cli is not installed (scripts/install-deps)"
start_server
run_scenario "$port" "$work"
for name in commands pubsub; do
    if ! diff -u "$here/$name.expected" "$work/$name.out"; then
        fail "redis-cli printed something else for $name than for redis-server (diff above)"
    fi
    echo "ok: $name: $(wc -l <"$work/$name.out") lines as redis-server printed them"
done
kill -TERM "$pid"
wait "$pid" || fail "the server did not exit 0 after SIGTERM"
pid=""
echo "ok: the server exits 0 on SIGTERM"
