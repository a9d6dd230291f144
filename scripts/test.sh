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
if ! cargo nextest --version >/dev/null 2>&1; then
    echo "installing cargo-nextest"
    cargo install --locked cargo-nextest
fi

cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo nextest run --all-targets --locked --no-fail-fast
