# What the shell tests of the Redis example share; sourced after `server` is set.
# Makes $work (removed on exit, with the server killed), and defines fail and
# start_server.
work=$(mktemp -d)
pid=""
trap 'if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# start_server [option...]: starts $server on a free port with those options; sets
# pid and port.
start_server() {
    # Emptied here, not only by the server's redirection, which the child process does
    # after the fork: the loop below could otherwise read the port of a server started
    # earlier.
    : >"$work/out"
    : >"$work/err"
    "$server" --port 0 "$@" >"$work/out" 2>"$work/err" &
    pid=$!
    for _ in $(seq 200); do
        grep -qs '^listening on' "$work/out" && break
        sleep 0.05
    done
    port=$(sed -nE 's/^listening on .*:([0-9]+)$/\1/p' "$work/out")
    [ -n "$port" ] || fail "the server did not report its port: $(cat "$work/out" "$work/err")"
}
