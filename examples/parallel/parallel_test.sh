#!/usr/bin/env bash
# Drives interop-parallel as a user would, from the shell: the output of every run, the
# -j bound, failures and their exit status, stdin from a file and from a pipe, a
# reader that goes away early, and SIGINT, after which no child may be left running.
set -euo pipefail
bin=$1
work=$(mktemp -d)
marker=$((800000 + RANDOM))
pid=
cleanup() {
    # Whatever a failed check left behind must not outlive the test.
    if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
    pkill -KILL -f "^sleep $marker " 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "parallel_test: $*" >&2; exit 1; }

# Every line runs once; {} is replaced; the runs' outputs arrive whole.
got=$(printf 'a\nb\n\nc\n' | "$bin" -j 2 echo item {} | sort)
[ "$got" = $'item a\nitem b\nitem c' ] || fail "echo runs printed: $got"

# Without {} the line is the last argument, spaces and all.
got=$(printf 'x  y\n' | "$bin" printf '<%s>')
[ "$got" = "<x  y>" ] || fail "appended argument: $got"

# stdin from a regular file.
printf 'one\ntwo\n' >"$work/lines"
got=$("$bin" -j 1 echo {} <"$work/lines")
[ "$got" = $'one\ntwo' ] || fail "stdin from a file: $got"

# A run that exits with a code other than 0, and a program that does not exist: 123,
# and stderr says which.
status=0
printf '0\n3\n' | "$bin" sh -c 'exit $0' {} 2>"$work/err" || status=$?
[ "$status" = 123 ] || fail "a failing run: exit status $status"
grep -q "exited with code 3" "$work/err" || fail "stderr: $(cat "$work/err")"
status=0
echo a | "$bin" /nonexistent/program 2>"$work/err" || status=$?
[ "$status" = 123 ] || fail "a missing program: exit status $status"
grep -q "cannot run /nonexistent/program" "$work/err" || fail "stderr: $(cat "$work/err")"

# At most -j runs at once: each run marks itself, looks how many are marked, unmarks.
mkdir "$work/running"
counts=$(seq 9 | "$bin" -j 3 sh -c 'touch "$0/$1"; sleep 0.3; ls "$0" | wc -l; rm "$0/$1"' "$work/running" {})
most=$(printf '%s\n' "$counts" | sort -n | tail -1)
[ "$(printf '%s\n' "$counts" | wc -l)" = 9 ] || fail "runs: $counts"
[ "$most" -le 3 ] || fail "more than 3 runs at once: $most"
[ "$most" -ge 2 ] || fail "the runs did not overlap: $most"

# A reader that goes away early: the program is not killed by SIGPIPE and ends.
set +o pipefail
seq 200 | timeout 60 "$bin" -j 4 echo {} | head -1 >/dev/null
statuses=("${PIPESTATUS[@]}")
set -o pipefail
[ "${statuses[1]}" = 0 ] || fail "with stdout closed early: exit status ${statuses[1]}"

# SIGINT stops every run: exit status 130, and no child is left running. The runs are
# `sleep <marker> <line>`.
running() { pgrep -c -f "^sleep $marker [0-9]+\$" || true; }
seq 4 | "$bin" -j 4 sleep "$marker" >/dev/null 2>"$work/err" &
pid=$!
for _ in $(seq 200); do
    [ "$(running)" = 4 ] && break
    sleep 0.05
done
[ "$(running)" = 4 ] || fail "the four runs did not start"
kill -INT "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 130 ] || fail "after SIGINT: exit status $status"
for _ in $(seq 100); do
    [ "$(running)" = 0 ] && break
    sleep 0.05
done
[ "$(running)" = 0 ] || fail "runs still alive after SIGINT"
grep -q "stopped by signal 2" "$work/err" || fail "stderr after SIGINT: $(cat "$work/err")"
pid=
echo "parallel_test: ok"
