#!/usr/bin/env bash
# Runs the libFuzzer build of the request fuzz target for a while, on a copy of the
# corpus, so that what it finds on the way never grows the checked-in corpus.
#
#   run_fuzz.sh <fuzzer-binary> <seconds> <corpus-dir>
#
# Fails when the fuzzer finds a crash, a timeout or a leak. The input that caused it is
# written to the current directory (crash-*, timeout-*, leak-*); once the bug is fixed,
# copy it into the corpus so that the replay test keeps checking it.
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 <fuzzer-binary> <seconds> <corpus-dir>" >&2
    exit 2
fi
fuzzer=$1
seconds=$2
corpus=$3

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$corpus/." "$work/"

# -max_len: room for a head at the default limits and a body behind it.
# -timeout: an input that takes ten seconds is a hang, not a slow parse.
"$fuzzer" \
    -max_total_time="$seconds" \
    -max_len=65536 \
    -timeout=10 \
    -print_final_stats=1 \
    -artifact_prefix="$PWD/" \
    "$work"
