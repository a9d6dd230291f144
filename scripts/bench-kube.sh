#!/usr/bin/env bash
# Benchmark: `regvault apply` of one registry's pull secret to 50 namespaces
# vs a shell loop of `kubectl create secret docker-registry … --dry-run=client
# -o yaml | kubectl apply -f -` against the same API server (a private
# control plane on 127.0.0.1 started here and stopped by PID at the end).
# Usage: ./scripts/bench-kube.sh [NAMESPACES]   (binary: $REGVAULT_BIN or a debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-50}"
./scripts/setup-kube.sh >/dev/null
target="${CARGO_TARGET_DIR:-target}"
if [[ -n "${REGVAULT_BIN:-}" ]]; then
    bin="$REGVAULT_BIN"
else
    cargo build --locked -q --bin regvault
    bin="$target/debug/regvault"
fi

work=$(mktemp -d -t regvault-bench-kube.XXXXXX)
trap './scripts/kube-down.sh "$work/kube"; rm -rf "$work"' EXIT
./scripts/kube-up.sh "$work/kube" >/dev/null
export KUBECONFIG="$work/kube/kubeconfig"
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/config" XDG_DATA_HOME="$work/home/data" REGVAULT_USER=bench
mkdir -p "$HOME"
token="ghp_$(openssl rand -hex 18)"
"$bin" init >/dev/null
printf '{"name":"bench","type":"GHCR","credentials":{"username":"octo","token":"%s"}}' "$token" >"$work/reg.json"
"$bin" registry add --from-file "$work/reg.json" >/dev/null

envs=()
manifest=""
for i in $(seq -w 1 "$N"); do
    envs+=("bench-$i")
    manifest+="apiVersion: v1
kind: Namespace
metadata: {name: env-bench-$i}
---
"
done
printf '%s' "$manifest" | kubectl apply -f - >/dev/null
env_list=$(IFS=,; echo "${envs[*]}")

now() { date +%s.%N; }
t0=$(now)
"$bin" apply bench --environment "$env_list" >/dev/null
t1=$(now)
for e in "${envs[@]}"; do
    kubectl create secret docker-registry bench-kubectl-creds --docker-server=ghcr.io \
        --docker-username=octo --docker-password="$token" -n "env-$e" \
        --dry-run=client -o yaml | kubectl apply -f - >/dev/null
done
t2=$(now)
count=$(kubectl get secrets -A -l app.kubernetes.io/managed-by=regvault --no-headers | wc -l)
python3 - "$t0" "$t1" "$t2" "$N" "$count" "$bin" <<'PY'
import sys
t0, t1, t2 = map(float, sys.argv[1:4]); n, count, binary = sys.argv[4], sys.argv[5], sys.argv[6]
rv, kc = t1 - t0, t2 - t1
print(f"namespaces: {n} (regvault secrets found: {count}); binary: {binary}")
print(f"regvault apply (one process, whole command): {rv:.2f} s")
print(f"kubectl create --dry-run=client | kubectl apply loop: {kc:.2f} s")
print(f"ratio kubectl loop / regvault: {kc / rv:.1f}x")
PY
