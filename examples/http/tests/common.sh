# What the shell tests of the HTTP example share; sourced after `server` is set.
# Makes $work (removed on exit, with the server killed), and defines fail, check and
# start_server.
work=$(mktemp -d)
pid=""
trap 'if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# check <what> <expected> <actual>
check() {
    if [ "$2" != "$3" ]; then
        printf 'FAIL: %s\n  expected: %q\n  got:      %q\n' "$1" "$2" "$3" >&2
        exit 1
    fi
    echo "ok: $1"
}

# start_server [option...]: starts $server on a free port with those options; sets
# pid, port and base (http://127.0.0.1:PORT).
start_server() {
    # Emptied here, not only by the server's redirection, which the child process does
    # after the fork: the loop below could otherwise read the port of a server started
    # earlier.
    : >"$work/out"
    : >"$work/err"
    "$server" --port 0 "$@" >"$work/out" 2>"$work/err" &
    pid=$!
    for _ in $(seq 200); do
        grep -q '^listening on' "$work/out" && break
        sleep 0.05
    done
    port=$(sed -nE 's/^listening on .*:([0-9]+)$/\1/p' "$work/out")
    [ -n "$port" ] || fail "the server did not report its port: $(cat "$work/out" "$work/err")"
    base="http://127.0.0.1:$port"
}
