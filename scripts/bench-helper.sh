#!/usr/bin/env bash
# Benchmark: `docker-credential-regvault get` as a whole process at 1,000
# registries, interleaved with `docker-credential-pass get` at 1,000 entries
# (Debian's golang-docker-credential-helpers, pass, a passphrase-less gpg key
# under a private GNUPGHOME). Installs what it needs on a fresh machine.
# Usage: ./scripts/bench-helper.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v docker-credential-pass >/dev/null || need_apt+=(golang-docker-credential-helpers)
command -v pass >/dev/null || need_apt+=(pass)
command -v gpg >/dev/null || need_apt+=(gnupg)
if ((${#need_apt[@]})); then
    echo "installing: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

HELPER_BENCH_RUNS="${1:-41}" cargo bench --locked --bench helper
