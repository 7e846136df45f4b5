#!/usr/bin/env bash
# shutdown_test.sh <interop-mini-redis binary>: SIGTERM, and then SIGINT, with an idle
# client, a subscriber and a client in the middle of a request connected: the server
# closes them all and exits with 0.
set -euo pipefail
server=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

for signal in TERM INT; do
    start_server
    : >"$work/sub"
    redis-cli -p "$port" subscribe news >>"$work/sub" 2>/dev/null &
    sub=$!
    exec 3<>"/dev/tcp/127.0.0.1/$port"   # an idle client
    exec 4<>"/dev/tcp/127.0.0.1/$port"
    printf '*2\r\n$3\r\nGET\r\n' >&4     # a request cut short
    for _ in $(seq 200); do
        [ "$(wc -l <"$work/sub")" -ge 3 ] && break
        sleep 0.05
    done
    [ "$(redis-cli -p "$port" publish news hi)" = 1 ] || fail "the subscriber is not there"
    kill -"$signal" "$pid"
    status=0
    timeout 10 tail --pid="$pid" -f /dev/null || fail "the server still runs 10 s after SIG$signal"
    wait "$pid" || status=$?
    pid=""
    [ "$status" = 0 ] || fail "the server exited with $status after SIG$signal"
    # The clients see the end of their connections.
    timeout 10 cat <&3 >/dev/null || fail "an idle client's connection stayed open"
    wait "$sub" 2>/dev/null || true
    exec 3<&- 4<&-
    echo "ok: SIG$signal with three clients connected: the server closed them and exited 0"
done
