#!/usr/bin/env bash
# interop-console against the echo server on one runtime: the server serves a live view
# on a Unix socket (--console); with a client connected, one view (--once) shows the
# runtime's line of metrics and the tasks waiting on the accept and on the client's
# read; the JSON and metrics answers parse; then the redrawing view runs in a terminal
# (tmux), shows the same, and quits on q.
#
#   console_test.sh SERVER CONSOLE RUNTIME
set -euo pipefail
server=$1
console=$2
runtime=$3
work=$(mktemp -d)
socket="$work/console.sock"
session="interop-console-$$"
# A tmux server of its own, without the user's configuration.
tmux_() { tmux -L "$session" -f /dev/null "$@"; }
pids=()
cleanup() {
    tmux_ kill-server 2>/dev/null || true
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

"$server" --port 0 --console "$socket" >"$work/out" 2>"$work/err" &
server_pid=$!
pids+=("$server_pid")
for _ in $(seq 100); do
    grep -q '^listening on' "$work/out" && [ -S "$socket" ] && break
    sleep 0.05
done
port=$(sed -nE 's/^listening on .*:([0-9]+)$/\1/p' "$work/out")
[ -n "$port" ] && [ -S "$socket" ] || { echo "the server did not start"; cat "$work/out" "$work/err"; exit 1; }

# A client that stays connected (and sends nothing): its connection's task waits on a read.
python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
time.sleep(60)
' "$port" &
pids+=("$!")

view=""
for _ in $(seq 100); do
    view=$("$console" --socket "$socket" --once) || true
    grep -q 'waiting on read' <<<"$view" && break
    sleep 0.05
done
check() {
    grep -qE "$1" <<<"$2" || { echo "expected /$1/ in:"; echo "$2"; exit 1; }
}
check "^runtime $runtime: [0-9]+ tasks \\([0-9]+ running, [0-9]+ ready, [0-9]+ waiting\\), [0-9]+ pending timers, [1-9][0-9]* open sockets" "$view"
check 'waiting on accept' "$view"
check 'waiting on read' "$view"
check '"console": waiting on accept .* \| serve_console' "$view"

"$console" --socket "$socket" --once --request json | python3 -c '
import json, sys
doc = json.load(sys.stdin)
assert any(t["name"] == "console" for rt in doc["runtimes"] for t in rt["tasks"]), doc'
metrics=$("$console" --socket "$socket" --once --request metrics)
check "^interop_open_sockets\\{runtime=\"$runtime\"\\} [1-9]" "$metrics"
check "^interop_tasks_started_total\\{runtime=\"$runtime\"\\} [1-9]" "$metrics"
# Anything else is answered with an error line, and the server goes on.
unknown=$(python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"nonsense\n")
print(s.makefile().read())' "$socket")
check '^error: unknown request' "$unknown"

if command -v tmux >/dev/null; then
    tmux_ new-session -d -s "$session" -x 160 -y 40 \
        "$(printf '%q --socket %q --interval 100' "$console" "$socket")"
    screen=""
    for _ in $(seq 100); do
        screen=$(tmux_ capture-pane -p -t "$session" 2>/dev/null || true)
        grep -q 'waiting on read' <<<"$screen" && break
        sleep 0.05
    done
    check "^interop-console  $socket  [0-9:]+  \\(q: quit\\)" "$screen"
    check "^runtime $runtime: " "$screen"
    check 'waiting on accept' "$screen"
    tmux_ send-keys -t "$session" q
    for _ in $(seq 100); do
        tmux_ has-session -t "$session" 2>/dev/null || break
        sleep 0.05
    done
    ! tmux_ has-session -t "$session" 2>/dev/null || { echo "interop-console did not quit on q"; exit 1; }
    in_terminal="; in tmux it redrew and quit on q"
else
    in_terminal="; tmux not installed, the terminal view was not run"
fi

# The program gone, the console says so instead of failing.
kill -INT "$server_pid"
timeout 10 tail --pid="$server_pid" -f /dev/null || { echo "the server ignored SIGINT"; exit 1; }
wait "$server_pid" || true
pids=("${pids[@]:1}")  # reaped: not to be killed again
[ ! -e "$socket" ] || { echo "the socket file is left behind"; exit 1; }
if "$console" --socket "$socket" --once 2>"$work/gone"; then
    echo "--once succeeded with no program"; exit 1
fi
check 'cannot connect' "$(cat "$work/gone")"
echo "console on $runtime: ok$in_terminal"
