#!/usr/bin/env bash
# Benchmark: `regvault watch` — a namespace `env-<e>` created → its pull
# Secret present, as an independent `kubectl get secrets --watch` sees it.
# A private control plane on 127.0.0.1 is started here and stopped by PID at
# the end; the watch runs for all rounds, each round creates one namespace.
# Usage: ./scripts/bench-watch.sh [ROUNDS]   (binary: $REGVAULT_BIN or a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-15}"
./scripts/setup-kube.sh >/dev/null
target="${CARGO_TARGET_DIR:-target}"
if [[ -n "${REGVAULT_BIN:-}" ]]; then
    bin="$REGVAULT_BIN"
else
    cargo build --release --locked -q --bin regvault
    bin="$target/release/regvault"
fi

work=$(mktemp -d -t regvault-bench-watch.XXXXXX)
watch_pid=""
cleanup() {
    [[ -n "$watch_pid" ]] && kill "$watch_pid" 2>/dev/null || true
    ./scripts/kube-down.sh "$work/kube" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
./scripts/kube-up.sh "$work/kube" >/dev/null
export KUBECONFIG="$work/kube/kubeconfig"
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/config" XDG_DATA_HOME="$work/home/data" \
    XDG_RUNTIME_DIR="$work/run" REGVAULT_USER=bench
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
token="ghp_$(openssl rand -hex 18)"
"$bin" init >/dev/null
printf '{"name":"bench","type":"GHCR","credentials":{"username":"octo","token":"%s"}}' "$token" >"$work/reg.json"
id=$("$bin" registry add --from-file "$work/reg.json" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for i in $(seq 1 "$N"); do
    "$bin" container add --name web --environment "bw$i" --image web --tag 1 --registry "$id" >/dev/null
done

"$bin" watch >"$work/watch.out" 2>&1 &
watch_pid=$!
for _ in $(seq 1 100); do grep -q connected "$work/watch.out" && break; sleep 0.1; done

python3 - "$N" "$bin" <<'PY'
import statistics, subprocess, sys, threading, time
n, binary = int(sys.argv[1]), sys.argv[2]
seen, cond = {}, threading.Condition()
w = subprocess.Popen(["kubectl", "get", "secrets", "-A", "--watch-only", "-o",
                      "custom-columns=NS:.metadata.namespace,NAME:.metadata.name", "--no-headers"],
                     stdout=subprocess.PIPE, text=True)
def read():
    for line in w.stdout:
        parts = line.split()
        if len(parts) == 2 and parts[1] == "bench-creds":
            with cond:
                seen.setdefault(parts[0], time.monotonic())
                cond.notify_all()
threading.Thread(target=read, daemon=True).start()
time.sleep(1.0)  # the kubectl watch is open
lat = []
for i in range(1, n + 1):
    ns = f"env-bw{i}"
    t0 = time.monotonic()
    subprocess.run(["kubectl", "create", "namespace", ns], check=True, stdout=subprocess.DEVNULL)
    with cond:
        if not cond.wait_for(lambda: ns in seen, timeout=30):
            sys.exit(f"{ns}: no secret after 30 s")
    lat.append(seen[ns] - t0)
w.kill()
lat_ms = sorted(x * 1000 for x in lat)
print(f"rounds: {n}; binary: {binary}")
print(f"namespace created -> secret present: median {statistics.median(lat_ms):.0f} ms, "
      f"min {lat_ms[0]:.0f} ms, max {lat_ms[-1]:.0f} ms")
print("(includes the `kubectl create namespace` process itself)")
PY
