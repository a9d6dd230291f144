#!/usr/bin/env bash
# Benchmarks of `regvault apply` against private control planes on
# 127.0.0.1 (three clusters on one etcd, started here and stopped by PID at
# the end). Release build; each figure is the median of interleaved runs,
# every run writing new Secrets (a new registry for regvault, a new Secret
# name for kubectl), so all of them create.
#   1. one cluster, NS1 namespaces (default 50): `regvault apply` vs one
#      `kubectl apply --server-side -f` of the same NS1 Secrets;
#   2. three clusters x NS3 namespaces (default 100): `regvault apply
#      --all-contexts` vs the shell loop `kubectl create secret
#      docker-registry … --dry-run=client -o yaml | kubectl apply -f -` per
#      (cluster, namespace).
# Usage: ./scripts/bench-kube.sh   (env: NS1, NS3, RUNS=5, LOOP_RUNS=3,
#        REGVAULT_BIN: a binary instead of building the release one)
set -euo pipefail
cd "$(dirname "$0")/.."
NS1="${NS1:-50}"; NS3="${NS3:-100}"; RUNS="${RUNS:-5}"; LOOP_RUNS="${LOOP_RUNS:-3}"
./scripts/setup-kube.sh >/dev/null
target="${CARGO_TARGET_DIR:-target}"
if [[ -n "${REGVAULT_BIN:-}" ]]; then
    bin="$REGVAULT_BIN"
else
    cargo build --release --locked -q --bin regvault
    bin="$target/release/regvault"
fi

work=$(mktemp -d -t regvault-bench-kube.XXXXXX)
trap './scripts/kube-down.sh "$work/k3"; ./scripts/kube-down.sh "$work/k2"; ./scripts/kube-down.sh "$work/k1"; rm -rf "$work"' EXIT
./scripts/kube-up.sh "$work/k1" >/dev/null & u1=$!
./scripts/kube-up.sh "$work/k2" --shared-etcd "$work/k1" >/dev/null & u2=$!
./scripts/kube-up.sh "$work/k3" --shared-etcd "$work/k1" >/dev/null & u3=$!
wait "$u1"; wait "$u2"; wait "$u3"

# One kubeconfig, contexts c1 c2 c3 (admin on each cluster).
kc="$work/kubeconfig"
{
    echo "apiVersion: v1"; echo "kind: Config"; echo "clusters:"
    for i in 1 2 3; do
        f="$work/k$i/kubeconfig"
        echo "- name: c$i"; echo "  cluster:"
        grep -m1 'server:' "$f"; grep -m1 'certificate-authority-data:' "$f"
    done
    echo "users:"
    for i in 1 2 3; do
        echo "- name: c$i"; echo "  user:"
        awk '/- name: admin/{a=1} a&&/token:/{print; exit}' "$work/k$i/kubeconfig"
    done
    echo "contexts:"
    for i in 1 2 3; do echo "- name: c$i"; echo "  context: {cluster: c$i, user: c$i}"; done
    echo "current-context: c1"
} >"$kc"
chmod 600 "$kc"
export KUBECONFIG="$kc"
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/config" XDG_DATA_HOME="$work/home/data" REGVAULT_USER=bench
mkdir -p "$HOME"
token="ghp_$(openssl rand -hex 18)"
"$bin" init >/dev/null
auth=$(printf 'octo:%s' "$token" | base64 -w0)
dockercfg=$(printf '{"auths":{"ghcr.io":{"username":"octo","password":"%s","auth":"%s"}}}' "$token" "$auth" | base64 -w0)

ns_list() { for i in $(seq 1 "$1"); do printf 'bench-%03d\n' "$i"; done; }
max=$((NS1 > NS3 ? NS1 : NS3))
manifest=""
for e in $(ns_list "$max"); do
    manifest+="apiVersion: v1
kind: Namespace
metadata: {name: env-$e}
---
"
done
for c in c1 c2 c3; do printf '%s' "$manifest" | kubectl --context "$c" apply -f - >/dev/null; done
envs1=$(ns_list "$NS1" | paste -sd,)
envs3=$(ns_list "$NS3" | paste -sd,)

# A registry of its own per run (every apply creates): new_registry NAME.
new_registry() {
    printf '{"name":"%s","type":"GHCR","credentials":{"username":"octo","token":"%s"}}' "$1" "$token" >"$work/reg.json"
    "$bin" registry add --from-file "$work/reg.json" >/dev/null
}
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }
median() { python3 -c "import sys, statistics; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }

# 1. One cluster, NS1 namespaces: regvault vs one server-side kubectl apply.
rv1=(); ss1=()
for run in $(seq 1 "$RUNS"); do
    name="bench-one-$run"; new_registry "$name"
    t0=$(now); "$bin" apply "$name" --context c1 --environment "$envs1" >"$work/out" || { cat "$work/out"; exit 1; }; t1=$(now)
    rv1+=("$(elapsed "$t0" "$t1")")
    for e in $(ns_list "$NS1"); do
        printf 'apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\nmetadata: {name: ssa-%s-creds, namespace: env-%s}\ndata: {.dockerconfigjson: %s}\n---\n' \
            "$run" "$e" "$dockercfg"
    done >"$work/ssa.yaml"
    t0=$(now); kubectl --context c1 apply --server-side -f "$work/ssa.yaml" >/dev/null; t1=$(now)
    ss1+=("$(elapsed "$t0" "$t1")")
    rm -f "$work/ssa.yaml"
done

# 2. Three clusters x NS3 namespaces: regvault --all-contexts vs the loop.
rv3=(); loop3=()
for run in $(seq 1 "$RUNS"); do
    name="bench-all-$run"; new_registry "$name"
    t0=$(now); "$bin" apply "$name" --all-contexts --environment "$envs3" >"$work/out" || { cat "$work/out"; exit 1; }; t1=$(now)
    rv3+=("$(elapsed "$t0" "$t1")")
    if ((run <= LOOP_RUNS)); then
        t0=$(now)
        for c in c1 c2 c3; do
            for e in $(ns_list "$NS3"); do
                kubectl create secret docker-registry "loop-$run-creds" --docker-server=ghcr.io \
                    --docker-username=octo --docker-password="$token" -n "env-$e" \
                    --dry-run=client -o yaml | kubectl --context "$c" apply -f - >/dev/null
            done
        done
        t1=$(now)
        loop3+=("$(elapsed "$t0" "$t1")")
    fi
done

count=$(kubectl --context c2 get secrets -A -l app.kubernetes.io/managed-by=regvault --no-headers | wc -l)
m_rv1=$(median "${rv1[@]}"); m_ss1=$(median "${ss1[@]}")
m_rv3=$(median "${rv3[@]}"); m_loop3=$(median "${loop3[@]}")
echo "binary: $bin; runs: $RUNS (kubectl loop: $LOOP_RUNS); regvault secrets on c2: $count"
echo "1 cluster x $NS1 namespaces: regvault apply ${m_rv1} s (runs: ${rv1[*]})"
echo "  one kubectl apply --server-side -f of $NS1 secrets: ${m_ss1} s (runs: ${ss1[*]})"
python3 -c "import sys; print(f'  regvault / kubectl apply --server-side: {float(sys.argv[1]) / float(sys.argv[2]):.2f}x')" "$m_rv1" "$m_ss1"
echo "3 clusters x $NS3 namespaces: regvault apply --all-contexts ${m_rv3} s (runs: ${rv3[*]})"
echo "  kubectl create | kubectl apply loop: ${m_loop3} s (runs: ${loop3[*]})"
python3 -c "import sys; print(f'  kubectl loop / regvault: {float(sys.argv[1]) / float(sys.argv[2]):.1f}x')" "$m_loop3" "$m_rv3"
