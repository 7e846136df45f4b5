#!/usr/bin/env bash
# Serves one echo server and talks to it with the example client and with nc:
# the bytes that come back must be the bytes that were sent.
set -euo pipefail
server=$1
client=$2
out=$(mktemp)
err=$(mktemp)
trace=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out" "$err" "$trace"' EXIT

# With a trace recorded, written when the server exits.
"$server" --port 0 --connections 3 --trace "$trace" >"$out" &
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

# The trace: JSON whose every event is on a named task's track, with the accepts and
# the reads that waited.
if command -v python3 >/dev/null; then
    python3 - "$trace" <<'CHECK' || { echo "bad trace:"; head -c 2000 "$trace"; exit 1; }
import json, sys
events = json.load(open(sys.argv[1]))["traceEvents"]
names = {e["tid"]: e["args"]["name"] for e in events
         if e["ph"] == "M" and e["name"] == "thread_name"}
assert any('"task dumps"' in n for n in names.values()), names
assert all(e["tid"] in names for e in events if e["ph"] != "M" and "tid" in e)
spans = [e["name"] for e in events if e["ph"] == "X"]
assert "accept" in spans and "read" in spans and "run" in spans, sorted(set(spans))
CHECK
else
    grep -q '"name":"read"' "$trace" || { echo "no read in the trace"; exit 1; }
fi

# Graceful shutdown: a server without a connection limit stops on SIGINT with status 0.
# Before that, SIGUSR1 prints a task dump on stderr: its own task among the rest.
# "$out" still holds the first server's lines until the new server's redirection, done
# after the fork, empties it: empty it first, or the wait below could end at once and
# the signal arrive before the server handles it.
: >"$out"
"$server" --port 0 >"$out" 2>"$err" &
pid=$!
for _ in $(seq 100); do
    grep -q '^listening on' "$out" && break
    sleep 0.05
done
kill -USR1 "$pid"
for _ in $(seq 100); do
    grep -q '"task dumps" dump_on_signal' "$err" && break
    sleep 0.05
done
grep -q '^runtime ' "$err" || { echo "no task dump after SIGUSR1:"; cat "$err"; exit 1; }
grep -q '"task dumps" dump_on_signal.*: running' "$err" ||
    { echo "the dump does not show the dumping task:"; cat "$err"; exit 1; }
grep -q 'task [0-9]* root .*waiting on' "$err" ||
    { echo "the dump does not show the root task waiting:"; cat "$err"; exit 1; }
kill -INT "$pid"
status=0
timeout 10 tail --pid="$pid" -f /dev/null || { echo "server ignored SIGINT"; exit 1; }
wait "$pid" || status=$?
[ "$status" -eq 0 ] || { echo "server exited with $status after SIGINT"; exit 1; }
echo "echo example: ok on port $port, wrote a trace, dumped its tasks on SIGUSR1, stopped cleanly on SIGINT"
