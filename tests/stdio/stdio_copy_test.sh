#!/usr/bin/env bash
# interop-stdio-copy on each runtime named, with its standard streams made a regular file,
# a pipe, /dev/null, and a pipe whose reader leaves early: every byte is copied in order,
# and a write to the abandoned pipe is reported as broken pipe with exit status 1, the
# program never killed by SIGPIPE.
#
#   stdio_copy_test.sh <interop-stdio-copy> <runtime>...
set -u
program=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
    echo "FAIL [$runtime]: $*" >&2
    failures=$((failures + 1))
}

# 3 MB of varied bytes: more than any pipe holds.
head -c 3000000 /dev/urandom > "$work/input"

for runtime in "$@"; do
    rm -f "$work/output" "$work/errors"

    # Standard input and output regular files (the blocking pool).
    if ! "$program" "$runtime" < "$work/input" > "$work/output" 2> "$work/errors"; then
        fail "file to file exited with $?: $(cat "$work/errors")"
    elif ! cmp -s "$work/input" "$work/output"; then
        fail "file to file: the output differs from the input"
    fi

    # Output appended to a file opened with >>.
    printf 'head\n' > "$work/output"
    printf 'tail\n' | "$program" "$runtime" >> "$work/output" 2> "$work/errors" ||
        fail "appending exited with $?"
    [ "$(cat "$work/output")" = "$(printf 'head\ntail')" ] || fail "appending: got '$(cat "$work/output")'"

    # Pipes on both sides (readiness).
    cat "$work/input" | "$program" "$runtime" 2> "$work/errors" | cat > "$work/output"
    status=${PIPESTATUS[1]}
    [ "$status" -eq 0 ] || fail "pipe to pipe exited with $status: $(cat "$work/errors")"
    cmp -s "$work/input" "$work/output" || fail "pipe to pipe: the output differs from the input"

    # /dev/null as input: end of input at once.
    "$program" "$runtime" < /dev/null > "$work/output" 2> "$work/errors" ||
        fail "/dev/null input exited with $?"
    [ -s "$work/output" ] && fail "/dev/null input: the output is not empty"

    # /dev/null as output.
    "$program" "$runtime" < "$work/input" > /dev/null 2> "$work/errors" ||
        fail "/dev/null output exited with $?"

    # A reader that leaves after 10 bytes: the next write fails with broken pipe.
    "$program" "$runtime" < "$work/input" 2> "$work/errors" | head -c 10 > "$work/output"
    status=${PIPESTATUS[0]}
    if [ "$status" -ne 1 ]; then
        fail "abandoned pipe: exit status $status, not 1 (141 is a SIGPIPE death)"
    elif ! grep -qi "writing standard output: broken pipe" "$work/errors"; then
        fail "abandoned pipe: standard error says '$(cat "$work/errors")'"
    fi
    [ "$(wc -c < "$work/output")" -eq 10 ] || fail "abandoned pipe: the reader got no 10 bytes"

    [ "$failures" -eq 0 ] && echo "ok [$runtime]"
done
exit $((failures > 0))
