# What the redis-cli test runs, against redis-server when recording the expected
# output (record_expected.sh) and against the example when testing (cli_test.sh).
# Sourced; defines run_scenario <port> <output directory>, which writes commands.out
# and pubsub.out there.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# wait_lines <file> <count>: waits (10 s at most) until the file has that many lines.
wait_lines() {
    for _ in $(seq 200); do
        [ "$(wc -l <"$1")" -ge "$2" ] && return 0
        sleep 0.05
    done
    echo "FAIL: $1 never reached $2 lines: $(cat "$1")" >&2
    return 1
}

run_scenario() {
    local port=$1 out=$2
    "$here/run_script.sh" "$port" "$here/commands.txt" >"$out/commands.out"
    # KEYS answers in no particular order: sorted here.
    {
        echo "== keys *"
        redis-cli -p "$port" keys '*' | LC_ALL=C sort
        echo "== keys user:*:name"
        redis-cli -p "$port" keys 'user:*:name' | LC_ALL=C sort
    } >>"$out/commands.out"

    # Two subscribers, then messages on their channels and on one nobody listens to.
    redis-cli -p "$port" subscribe news sport >"$out/subscriber1" &
    local sub1=$!
    redis-cli -p "$port" subscribe news >"$out/subscriber2" &
    local sub2=$!
    wait_lines "$out/subscriber1" 6
    wait_lines "$out/subscriber2" 3
    {
        redis-cli -p "$port" publish news "hello there"
        redis-cli -p "$port" publish sport goal
        redis-cli -p "$port" publish weather rain
    } >"$out/publisher"
    wait_lines "$out/subscriber1" 12
    wait_lines "$out/subscriber2" 6
    kill "$sub1" "$sub2"
    wait "$sub1" "$sub2" 2>/dev/null || true
    {
        echo "== subscriber 1"
        cat "$out/subscriber1"
        echo "== subscriber 2"
        cat "$out/subscriber2"
        echo "== publisher"
        cat "$out/publisher"
        # Once the subscribers are gone, nobody receives.
        echo "== after"
        for _ in $(seq 100); do
            [ "$(redis-cli -p "$port" publish news late)" = 0 ] && break
            sleep 0.05
        done
        redis-cli -p "$port" publish news late
    } >"$out/pubsub.out"
}
