#!/usr/bin/env bash
# run_script.sh <port> <commands file>: sends the commands to redis-cli as a script,
# piece by piece: a line "#! sleep N" ends a piece and waits N seconds before the next.
# Prints what redis-cli prints.
set -euo pipefail
port=$1
file=$2
piece=$(mktemp)
trap 'rm -f "$piece"' EXIT
: >"$piece"
while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line == "#! sleep "* ]]; then
        redis-cli -p "$port" <"$piece"
        : >"$piece"
        sleep "${line#\#! sleep }"
    else
        printf '%s\n' "$line" >>"$piece"
    fi
done <"$file"
redis-cli -p "$port" <"$piece"
