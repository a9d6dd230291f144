#!/usr/bin/env bash
# Stops what scripts/kube-up.sh DIR started, by the PIDs it recorded.
set -uo pipefail
DIR="${1:?usage: kube-down.sh DIR}"
[[ -f "$DIR/pids" ]] || exit 0
pids=$(tac "$DIR/pids")
for pid in $pids; do kill -TERM "$pid" 2>/dev/null; done
for _ in $(seq 1 50); do
    alive=0
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
done
for pid in $pids; do kill -KILL "$pid" 2>/dev/null; done
rm -f "$DIR/pids" "$DIR/ready"
exit 0
