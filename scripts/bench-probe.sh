#!/usr/bin/env bash
# Benchmark: live Test Connection vs `docker login` through a dockerd that the
# bench starts on a private socket (127.0.0.1 registry only). Installs the
# servers it needs on a fresh machine. Usage: ./scripts/bench-probe.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v docker-registry >/dev/null || need_apt+=(docker-registry)
command -v htpasswd >/dev/null || need_apt+=(apache2-utils)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v dockerd >/dev/null || need_apt+=(docker.io)
if ((${#need_apt[@]})); then
    echo "installing: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

PROBE_BENCH_RUNS="${1:-21}" cargo bench --locked --bench probe
