#!/usr/bin/env bash
# Starts a private Kubernetes control plane on 127.0.0.1 in DIR: etcd, the
# kube-apiserver and kube-controller-manager built by setup-kube.sh.
# Writes DIR/kubeconfig (contexts `admin`, a system:masters token, and
# `dev`, a user with RBAC rights in namespace env-staging only), DIR/pids and
# DIR/ready. Stop it with scripts/kube-down.sh DIR (by PID).
#   scripts/kube-up.sh DIR
#   scripts/kube-up.sh DIR --shared-etcd DIR0
# The second form starts another cluster (its own apiserver and
# controller-manager) on the etcd of the cluster in DIR0, under its own
# --etcd-prefix: several clusters for the price of one etcd. It may be
# started together with DIR0's (it waits for that etcd); stop it before
# DIR0's.
set -euo pipefail

DIR="${1:?usage: kube-up.sh DIR [--shared-etcd DIR0]}"
SHARED=""
if [[ "${2:-}" == "--shared-etcd" ]]; then
    SHARED="${3:?usage: kube-up.sh DIR --shared-etcd DIR0}"
fi
CACHE="${REGVAULT_KUBE_CACHE:-$HOME/.cache/regvault-kube}"
BIN="$CACHE/bin"
for b in kube-apiserver kube-controller-manager; do
    if [[ ! -x "$BIN/$b" ]]; then
        echo "kube-up: $BIN/$b is missing; build it with: ./scripts/setup-kube.sh (~10 min)" >&2
        exit 2
    fi
done
for b in etcd kubectl openssl python3; do
    command -v "$b" >/dev/null || { echo "kube-up: $b is missing; run ./scripts/setup-kube.sh" >&2; exit 2; }
done

mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
rm -f "$DIR/ready" "$DIR/pids"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ETCD_PORT=$(free_port); PEER_PORT=$(free_port); API_PORT=$(free_port)
ETCD_PREFIX=/registry

# Certificates: a CA, a serving cert for 127.0.0.1, a service-account key.
pki="$DIR/pki"; mkdir -p "$pki"
openssl req -x509 -newkey rsa:2048 -nodes -days 3 -subj "/CN=regvault-test-kube-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
    -keyout "$pki/apiserver.key" -out "$pki/apiserver.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$pki/ext.cnf"
openssl x509 -req -days 3 -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -in "$pki/apiserver.csr" -extfile "$pki/ext.cnf" -out "$pki/apiserver.crt" 2>/dev/null
openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null

ADMIN_TOKEN=$(openssl rand -hex 24); DEV_TOKEN=$(openssl rand -hex 24)
umask 077
printf '%s,admin,uid-admin,"system:masters"\n%s,dev,uid-dev\n' "$ADMIN_TOKEN" "$DEV_TOKEN" >"$pki/tokens.csv"
umask 022

: >"$DIR/pids"
if [[ -n "$SHARED" ]]; then
    # Another cluster's etcd, our own key prefix.
    ETCD_PREFIX="/registry-$(basename "$DIR")-$API_PORT"
    etcd_url=""
    for _ in $(seq 1 150); do
        if [[ -s "$SHARED/etcd-url" ]]; then
            etcd_url=$(cat "$SHARED/etcd-url")
            python3 -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1]+"/health", timeout=1)' "$etcd_url" 2>/dev/null && break
        fi
        etcd_url=""
        sleep 0.2
    done
    [[ -n "$etcd_url" ]] || { echo "kube-up: no etcd in $SHARED (start it with scripts/kube-up.sh $SHARED)" >&2; exit 1; }
else
    rm -f "$DIR/etcd-url"
    etcd --name regvault-test --data-dir "$DIR/etcd" --unsafe-no-fsync \
        --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
        --listen-peer-urls "http://127.0.0.1:$PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT" \
        --initial-cluster "regvault-test=http://127.0.0.1:$PEER_PORT" \
        </dev/null >"$DIR/etcd.log" 2>&1 &
    echo $! >>"$DIR/pids"
    etcd_url="http://127.0.0.1:$ETCD_PORT"
    echo "$etcd_url" >"$DIR/etcd-url"
fi

"$BIN/kube-apiserver" --etcd-servers="$etcd_url" --etcd-prefix="$ETCD_PREFIX" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" --insecure-port=0 \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" --token-auth-file="$pki/tokens.csv" --authorization-mode=RBAC \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range=10.0.0.0/24 --cert-dir="$DIR/apiserver-certs" \
    --profiling=false --logtostderr=true --v=0 \
    </dev/null >"$DIR/apiserver.log" 2>&1 &
echo $! >>"$DIR/pids"

ca_data=$(base64 -w0 <"$pki/ca.crt")
umask 077
cat >"$DIR/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: regvault-test
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $ca_data
users:
- name: admin
  user:
    token: $ADMIN_TOKEN
- name: dev
  user:
    token: $DEV_TOKEN
contexts:
- name: admin
  context: {cluster: regvault-test, user: admin}
- name: dev
  context: {cluster: regvault-test, user: dev}
current-context: admin
KC
umask 022
k() { kubectl --kubeconfig "$DIR/kubeconfig" --context admin "$@"; }

ready=0
for _ in $(seq 1 300); do
    if k get --raw /readyz >/dev/null 2>&1; then ready=1; break; fi
    if ! kill -0 "$(tail -1 "$DIR/pids")" 2>/dev/null; then break; fi
    sleep 0.2
done
if ((ready == 0)); then
    echo "kube-up: the apiserver did not become ready; log tail:" >&2
    tail -20 "$DIR/apiserver.log" >&2
    "$(dirname "$0")/kube-down.sh" "$DIR"
    exit 1
fi

"$BIN/kube-controller-manager" --kubeconfig="$DIR/kubeconfig" \
    --controllers=namespace,serviceaccount,serviceaccount-token,garbagecollector \
    --leader-elect=false --port=0 --secure-port=0 \
    --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
    --logtostderr=true --v=0 \
    </dev/null >"$DIR/controller-manager.log" 2>&1 &
echo $! >>"$DIR/pids"

# The restricted user: everything on secrets, service accounts and
# deployments in env-staging; nothing anywhere else.
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Namespace
metadata: {name: env-staging}
---
apiVersion: v1
kind: Namespace
metadata: {name: env-production}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: regvault-dev, namespace: env-staging}
rules:
- apiGroups: ["", "apps"]
  resources: [secrets, serviceaccounts, deployments]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: regvault-dev, namespace: env-staging}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: regvault-dev}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: dev}
YAML

# Ready when the namespaces' default service accounts exist.
for _ in $(seq 1 100); do
    if k -n env-staging get serviceaccount default >/dev/null 2>&1 &&
        k -n env-production get serviceaccount default >/dev/null 2>&1; then
        echo "https://127.0.0.1:$API_PORT" >"$DIR/ready"
        echo "kube-up: ready at https://127.0.0.1:$API_PORT (KUBECONFIG=$DIR/kubeconfig)"
        exit 0
    fi
    sleep 0.2
done
echo "kube-up: the default service accounts never appeared; controller-manager log tail:" >&2
tail -20 "$DIR/controller-manager.log" >&2
"$(dirname "$0")/kube-down.sh" "$DIR"
exit 1
