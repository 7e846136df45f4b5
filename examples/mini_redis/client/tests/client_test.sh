#!/bin/sh
# The client library and interop-redis-client against a real redis-server on a free
# loopback port.
#
#   client_test.sh REDIS_SERVER REDIS_CLI CLIENT_TEST CLIENT
#
# CLIENT_TEST is the library's test program (it exits non-zero on a failed check);
# CLIENT's output is compared byte for byte with redis-cli's for the same commands.
set -eu
server=$1 cli=$2 client_test=$3 client=$4
dir=$(mktemp -d)
pid= test_pid= sub=
cleanup() {
    for p in $test_pid $sub $pid; do kill "$p" 2>/dev/null || true; done
    [ -n "$pid" ] && wait "$pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts redis-server on $port; true once it answers.
start_server() {
    "$server" --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
        --dir "$dir" --logfile "$dir/server.log" &
    pid=$!
    for _ in $(seq 1 100); do
        if "$cli" -p "$port" ping 2>/dev/null | grep -q PONG; then return 0; fi
        running || break
        sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
    return 1
}
# Whether the server process is still there (a zombie is not).
running() {
    state=$(ps -o stat= -p "$pid" 2>/dev/null || true)
    [ -n "$state" ] && [ "${state#Z}" = "$state" ]
}

# Another process may take the port between free_port and the server's bind: retry.
for attempt in 1 2 3 4 5; do
    port=$(free_port)
    start_server && break
done
if [ -z "$pid" ]; then
    echo "FAIL: redis-server did not start"; cat "$dir/server.log" 2>/dev/null; exit 1
fi
echo "redis-server on port $port"

fail() { echo "FAIL: $*"; exit 1; }

# The library's tests. The last one shuts the server down: start it again on the same
# port, as an administrator restarting it would, while the client retries.
"$client_test" "$port" --restart &
test_pid=$!
restarted=
while kill -0 "$test_pid" 2>/dev/null; do
    if [ -z "$restarted" ] && ! running; then
        wait "$pid" 2>/dev/null || true
        sleep 0.3  # a moment of refused connections for the retry layer
        start_server || fail "redis-server did not start again on port $port"
        restarted=1
    fi
    sleep 0.05
done
wait "$test_pid" || fail "the client library's tests failed"
[ -n "$restarted" ] || fail "the test did not shut the server down"

fail() { echo "FAIL: $*"; exit 1; }

# The program prints what redis-cli prints, for every reply type. Each command runs
# twice, on the same data: once with redis-cli, once with the program.
reset() {
    "$cli" -p "$port" flushall >/dev/null
    "$cli" -p "$port" set greeting hello >/dev/null
    "$cli" -p "$port" rpush list a b c >/dev/null
}
compare() {
    reset
    "$cli" -p "$port" "$@" >"$dir/expected" 2>&1 </dev/null || true
    reset
    "$client" -p "$port" "$@" >"$dir/got" 2>&1 || fail "interop-redis-client $* exited with $?"
    cmp -s "$dir/expected" "$dir/got" || {
        echo "expected:"; od -c "$dir/expected"; echo "got:"; od -c "$dir/got"
        fail "interop-redis-client $* prints otherwise than redis-cli"
    }
}
compare ping
compare echo "two words"
compare set key value
compare get greeting
compare get nothing
compare rpush list d e
compare lrange list 0 -1
compare lrange nolist 0 -1
compare incr greeting
compare incr counter
compare nosuchcommand x
compare set n -1
compare eval "return {1, {2, 'x', {}}, false, 'y'}" 0
compare exists greeting nothing greeting
compare keys "*"
compare expire greeting 100
compare ttl greeting

# Commands on stdin go out as one pipeline, replies in order.
printf 'SET p 10\nINCR p\nINCRBY p 5\nGET p\n' | "$client" -p "$port" >"$dir/got"
printf 'OK\n11\n16\n16\n' | cmp -s - "$dir/got" || { cat "$dir/got"; fail "the pipeline from stdin"; }

# --subscribe prints each message as redis-cli does.
"$client" -p "$port" --subscribe ch --count 2 >"$dir/sub" 2>&1 &
sub=$!
for _ in $(seq 1 100); do
    [ "$("$cli" -p "$port" pubsub numsub ch | tail -1)" = 1 ] && break
    sleep 0.1
done
"$cli" -p "$port" publish ch first >/dev/null
"$cli" -p "$port" publish ch second >/dev/null
wait "$sub" || fail "interop-redis-client --subscribe exited with $?"
printf 'subscribe\nch\n1\nmessage\nch\nfirst\nmessage\nch\nsecond\n' | cmp -s - "$dir/sub" || {
    cat "$dir/sub"; fail "--subscribe's output"
}

# A server that is not there: an error, status 1.
if "$client" -p "$(free_port)" ping >"$dir/out" 2>&1; then fail "ping without a server succeeded"; fi
grep -q "refused" "$dir/out" || { cat "$dir/out"; fail "the error says why"; }

echo "PASS"
