#!/usr/bin/env bash
# Builds kube-apiserver and kube-controller-manager v1.20.2 from Debian
# bookworm's `kubernetes` source package (see /work/shared/REAL-COMPONENTS.md)
# and caches them in $REGVAULT_KUBE_CACHE (default ~/.cache/regvault-kube/bin).
# Also installs etcd, openssl and kubectl. Idempotent: reuses cached binaries.
#   ~9 min and ~1.3 GB peak on 2 cores when the cache is cold.
set -euo pipefail

CACHE="${REGVAULT_KUBE_CACHE:-$HOME/.cache/regvault-kube}"
BIN="$CACHE/bin"
VERSION='1.20.5+really1.20.2-1.1+deb12u1'
GIT_VERSION='v1.20.2'

need_apt=()
command -v go >/dev/null || need_apt+=(golang-go)
command -v etcd >/dev/null || need_apt+=(etcd-server)
command -v etcdctl >/dev/null || need_apt+=(etcd-client)
command -v rsync >/dev/null || need_apt+=(rsync)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v kubectl >/dev/null || need_apt+=(kubernetes-client)
command -v dpkg-source >/dev/null || need_apt+=(dpkg-dev)
if ((${#need_apt[@]})); then
    echo "setup-kube: installing ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [[ -x "$BIN/kube-apiserver" && -x "$BIN/kube-controller-manager" ]]; then
    echo "setup-kube: cached binaries in $BIN"
    exit 0
fi

mkdir -p "$CACHE" "$BIN"
exec 9>"$CACHE/.build.lock"
flock 9
if [[ -x "$BIN/kube-apiserver" && -x "$BIN/kube-controller-manager" ]]; then
    echo "setup-kube: built concurrently; cached binaries in $BIN"
    exit 0
fi

# The Debian mirror this machine already uses (deb822 or one-line format).
mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    m=$(awk '/^URIs:/ {print $2; exit}' "$f")
    if [[ -n "$m" && "$m" != *security* ]]; then mirror="$m"; break; fi
done
if [[ -z "$mirror" ]]; then
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$f" ]] || continue
        m=$(awk '$1=="deb" && $0 !~ /security/ { for (i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit} }' "$f")
        if [[ -n "$m" ]]; then mirror="$m"; break; fi
    done
fi
mirror="${mirror:-http://deb.debian.org/debian}"
security="${mirror%/debian}/debian-security"
echo "setup-kube: mirror $mirror"

work="$CACHE/work"
rm -rf "$work"
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/src"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$work/apt/sources.list" <<LIST
deb-src [signed-by=$keyring] $mirror bookworm main
deb-src [signed-by=$keyring] $mirror bookworm-updates main
deb-src [signed-by=$keyring] $security bookworm-security main
LIST
aptopts=(-o "Dir::Etc::SourceList=$work/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache")
apt-get "${aptopts[@]}" update -qq
(cd "$work/src" && apt-get "${aptopts[@]}" source --download-only "kubernetes=$VERSION")
dsc=$(ls "$work"/src/kubernetes_*.dsc | head -1)
(cd "$work/src" && dpkg-source --no-check -x "$dsc" tree >/dev/null)
tree="$work/src/tree"

export GOPATH="$work/gopath"
mkdir -p "$GOPATH/src/k8s.io"
ln -sfn "$tree" "$GOPATH/src/k8s.io/kubernetes"
export GOCACHE="$work/gocache"
export GOFLAGS= GOPROXY=off

echo "setup-kube: make gen_openapi"
(cd "$GOPATH/src/k8s.io/kubernetes" && make gen_openapi)

pkg=k8s.io/kubernetes/vendor/k8s.io/component-base/version
ldflags="-s -w -X $pkg.gitVersion=$GIT_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=20"
ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=2021-01-13T13:20:00Z"
ldflags+=" -X $pkg.gitCommit=faecb196815e248d3ecfb03c680a4507229c2a56"
export GO111MODULE=off CGO_ENABLED=0
cd "$GOPATH/src/k8s.io/kubernetes"
for cmd in kube-apiserver kube-controller-manager; do
    echo "setup-kube: go build $cmd"
    go build -ldflags "$ldflags" -o "$BIN/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
    mv "$BIN/$cmd.tmp" "$BIN/$cmd"
done
cd /
"$BIN/kube-apiserver" --version
rm -rf "$work"
echo "setup-kube: built into $BIN"
