#!/usr/bin/env bash
# Renders real screens of `regvault demo` to screenshots/*.png: the binary
# runs in a private tmux server at 100×30, each screen is captured with its
# colours (`capture-pane -e`), drawn as an SVG by scripts/ansi2svg.py and
# rasterised by rsvg-convert. Only the demo vault's fake credentials exist
# here, and the script fails if any of them shows unmasked.
#
# Usage: scripts/screenshots.sh   (installs tmux, librsvg2-bin and
# fonts-dejavu-core with apt-get when they are missing)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
COLS=100
ROWS=30

need_apt=()
command -v tmux >/dev/null || need_apt+=(tmux)
command -v rsvg-convert >/dev/null || need_apt+=(librsvg2-bin)
command -v python3 >/dev/null || need_apt+=(python3)
[[ -e /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ]] || need_apt+=(fonts-dejavu-core)
if ((${#need_apt[@]})); then
    echo "installing: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# REGVAULT_BIN: an already built binary to use instead of building one.
BIN=${REGVAULT_BIN:-}
if [[ -z $BIN ]]; then
    cargo build --quiet --bin regvault
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/regvault"
fi

WORK=$(mktemp -d)
SOCK="$WORK/tmux.sock"
tmux_() { tmux -S "$SOCK" -f /dev/null "$@"; }
cleanup() {
    tmux_ kill-server 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# Waits (up to 10 s) until TEXT is on screen.
see() {
    local text=$1 i
    for ((i = 0; i < 200; i++)); do
        if tmux_ capture-pane -p -t rv | grep -qF -- "$text"; then
            return 0
        fi
        sleep 0.05
    done
    echo "timed out waiting for: $text; screen:" >&2
    tmux_ capture-pane -p -t rv >&2
    exit 1
}

keys() { tmux_ send-keys -t rv "$@"; }
type_text() { tmux_ send-keys -t rv -l "$1"; }

# Secrets of assets/demo.toml (and the one typed below): none may show.
SECRETS=(ghp_DEMO dckr_pat_DEMO DEMOfakeSecret DEMO-fake DEMOFAKEQUAY PRIVATE dckr_pat_SHOT SHOTfakeImport ghp_SHOTrotated)

shot() {
    local name=$1 ans="$WORK/$1.ans"
    sleep 0.3 # let the frame settle after the awaited text appeared
    tmux_ capture-pane -e -p -t rv >"$ans"
    local s
    for s in "${SECRETS[@]}"; do
        if grep -qF -- "$s" "$ans"; then
            echo "secret '$s' visible in $name" >&2
            exit 1
        fi
    done
    python3 scripts/ansi2svg.py "$COLS" "$ROWS" <"$ans" >"$WORK/$name.svg"
    rsvg-convert "$WORK/$name.svg" -o "screenshots/$name.png"
    echo "screenshots/$name.png"
}

mkdir -p screenshots "$WORK/home" "$WORK/home/.docker"
# A docker config.json with plaintext logins (fake) for the import screen.
b64() { printf '%s' "$1" | base64 -w0; }
cat >"$WORK/home/.docker/config.json" <<JSON
{"auths": {
  "registry.internal:5000": {"auth": "$(b64 'ci-bot:SHOTfakeImport-pass-0')"},
  "europe-docker.example.net": {"auth": "$(b64 'deploy:SHOTfakeImport-pass-1')"},
  "ghcr.io": {"auth": "$(b64 'octo-cat:ghp_SHOTfakeImport00000000000000000000000')"},
  "myreg.azurecr.io": {"identitytoken": "SHOTfakeImport-refresh"}
}}
JSON
cat >"$WORK/pane.sh" <<EOF
export HOME='$WORK/home' XDG_CONFIG_HOME='$WORK/home/.config' XDG_DATA_HOME='$WORK/home/.local/share'
export REGVAULT_USER='ops@laptop' TMPDIR=/tmp TERM=xterm-256color DOCKER_CONFIG='$WORK/home/.docker'
unset NO_COLOR REGVAULT_VAULT REGVAULT_IDENTITY
exec '$BIN' demo
EOF
tmux_ new-session -d -s rv -x "$COLS" -y "$ROWS" "sh '$WORK/pane.sh'"

see "Container Registries (9)"
shot registries

# The add form, type dropdown open.
keys a
see "Add registry"
keys Enter
see "Public (no auth)"
shot add-form-type-dropdown

# Docker Hub, filled in with a fake token, then Test Connection.
keys Down Enter
see "Docker ID"
keys Tab
type_text "dockerhub-ci"
keys Tab
type_text "acmeci"
keys Tab
type_text "dckr_pat_SHOTfakeSHOTfakeSHOTfake0"
keys C-t
see "structure ok"
shot form-test-connection

# Leave the form without saving.
keys Escape
see "Discard changes?"
keys y
see "Container Registries (9)"

# ghcr-acme is used by two containers: deleting it is refused.
keys g j j j j j
see "▸ ghcr-acme"
keys d
see "Cannot delete 'ghcr-acme'"
shot delete-refused
keys Escape
sleep 0.6 # tmux's escape-time
see "a add"

# The Apply dialog on ghcr-acme: targets, environments and the CLI's
# options (the demo contacts no cluster, and says so at the plan).
keys A
see "Options (Space toggles)"
shot apply-dialog
# The demo cluster's full plan (planned from the vault; nothing is sent).
keys Enter
see "Type the context name"
shot apply-demo-plan
keys Escape
sleep 0.6
see "a add"

# `t`: Test Connection's step list for the selected registry.
keys t
see "Offline check (demo)"
shot test-panel
keys Escape
sleep 0.6
see "a add"

# Rotation tells the truth: a new token for ghcr-acme (applied to two
# namespaces, per the demo's records) says where its secrets are now stale
# and offers the sync; `y` plans it where the demo has a cluster planner.
keys e
see "Edit registry"
keys Tab Tab End
for ((i = 0; i < 60; i++)); do keys BSpace; done
type_text "ghp_SHOTrotatedSHOTrotatedSHOTrotated000"
keys C-s
see "Secrets now stale"
shot rotation-stale
keys y
sleep 1
if tmux_ capture-pane -p -t rv | grep -qF "to apply:"; then
    shot rotation-sync-plan
    keys Escape
    sleep 0.6
else
    keys n
fi
see "press A to sync"
shot rotation-stale-detail
sleep 0.6

keys 2
see "Containers (4)"
shot containers

# Moving in: docker's config.json as a checklist, then imported.
keys 1
see "Container Registries (9)"
keys I
see "registry.internal:5000"
shot import-checklist
keys Enter
see "Container Registries (1"
# The History tab: what this session did, from the audit log.
keys 3
see "History"
sleep 0.5
shot history
keys 1
see "Container Registries (1"

# The message log (`:` with Tab completion): this session's messages.
keys :
type_text "mes"
keys Tab
see ":messages"
keys Enter
see "Messages ("
shot messages
keys Escape
sleep 0.6
# Undo of a delete: the question (Enter is No), then put back.
keys /
type_text "dockerhub-acme"
keys Enter d
see "Type its name"
type_text "dockerhub-acme"
keys Enter
see "deleted registry 'dockerhub-acme'"
keys Escape
sleep 0.6
keys u
see "Undo delete"
shot undo-question
keys y
see "put back registry 'dockerhub-acme'"

keys '?'
see "Keys — ? or Esc closes"
shot help

keys Escape
sleep 0.6
# The undo step left a filter on: Esc clears it, every row is back.
keys Escape
sleep 0.6

# The same list at 120×40: the list takes the rows it needs, columns share
# the width by content, the detail pane the rest. Back to 100×30 after.
COLS=120 ROWS=40
tmux_ resize-window -t rv -x "$COLS" -y "$ROWS"
see "Container Registries (11)"
shot registries-120x40
COLS=100 ROWS=30
tmux_ resize-window -t rv -x "$COLS" -y "$ROWS"
see "Container Registries (1"

keys q
