#!/usr/bin/env bash
# benchmark_test.sh <interop-mini-redis binary>: redis-benchmark's SET, GET and INCR
# against the example, one request at a time and 16 pipelined, with no error; then
# what they stored, read back with redis-cli.
set -euo pipefail
server=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
command -v redis-benchmark >/dev/null || fail "redis-benchmark is not installed (scripts/install-deps)"
start_server

for pipeline in 1 16; do
    redis-benchmark -p "$port" -t set,get,incr -n 2000 -c 10 -q -P "$pipeline" \
        >"$work/bench" 2>"$work/bench.err" || fail "redis-benchmark -P $pipeline failed: $(cat "$work/bench.err")"
    # -q prints progress lines ending in CR, then one line per test.
    tr '\r' '\n' <"$work/bench" >"$work/lines"
    for test in SET GET INCR; do
        grep -Eq "^$test: [0-9.]+ requests per second" "$work/lines" ||
            fail "no $test result with -P $pipeline: $(cat "$work/lines")"
    done
    if grep -Eiq "error|could not" "$work/lines" "$work/bench.err"; then
        fail "redis-benchmark -P $pipeline reported an error: $(cat "$work/lines" "$work/bench.err")"
    fi
    echo "ok: redis-benchmark -P $pipeline: $(grep -E '^(SET|GET|INCR): [0-9.]+ requests' "$work/lines" | cut -d, -f1 | tr '\n' ' ')"
done

# What the benchmark stored: SET writes 3 bytes to key:__rand_int__, INCR counts on
# counter:__rand_int__, 2000 times in each of the two runs.
value=$(redis-cli -p "$port" get key:__rand_int__)
[ "${#value}" = 3 ] || fail "GET key:__rand_int__ after the benchmark: '$value'"
count=$(redis-cli -p "$port" get counter:__rand_int__)
[ "$count" = "4000" ] || fail "the INCR counter after two runs of 2000: '$count'"
echo "ok: the values redis-benchmark stored read back with redis-cli (counter $count)"
kill -TERM "$pid"
wait "$pid" || fail "the server did not exit 0 after SIGTERM"
pid=""
