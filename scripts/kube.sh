#!/usr/bin/env bash
# A real Kubernetes control plane on loopback, envtest-style: etcd, kube-apiserver and
# kube-controller-manager (garbage collection, namespace deletion, Deployments ->
# ReplicaSets), plus kubectl and helm. No kubelet: pods stay Pending.
# Everything is built from the Go module proxy with wrapper modules (scripts/kube/);
# setup-envtest downloads release binaries from GitHub, which cannot work here.
#
#   scripts/kube.sh install                 build the binaries into the cache (10-20 min cold on 2 cores)
#   scripts/kube.sh start | stop | status   run etcd, kube-apiserver, kube-controller-manager
#   scripts/kube.sh clean                   stop and delete data, certificates and kubeconfig
#   scripts/kube.sh env                     export lines: KUBECONFIG, KUBECTL, HELM, LUA, KUBE_BIN_DIR
#   scripts/kube.sh kubectl ARGS... | helm ARGS...   run them against this cluster
#   scripts/kube.sh bin NAME                print the path of a built binary
#
# Environment: KUBE_VERSION (1.34.4), ETCD_VERSION (3.6.16), HELM_VERSION (3.19.5),
# KUBE_API_PORT (16443), KUBE_ETCD_PORT (12379), KUBE_ETCD_PEER_PORT (12380),
# KUBE_CM_PORT (16257), KUBE_START_TIMEOUT (120 s), KUBE_APISERVER_MEMLIMIT (1GiB),
# KUBE_BUILD_JOBS (go build -p, default nproc).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KUBE_VERSION="${KUBE_VERSION:-1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
HELM_VERSION="${HELM_VERSION:-3.19.5}"
KUBE_API_PORT="${KUBE_API_PORT:-16443}"
KUBE_ETCD_PORT="${KUBE_ETCD_PORT:-12379}"
KUBE_ETCD_PEER_PORT="${KUBE_ETCD_PEER_PORT:-12380}"
KUBE_CM_PORT="${KUBE_CM_PORT:-16257}"
KUBE_START_TIMEOUT="${KUBE_START_TIMEOUT:-120}"
KUBE_APISERVER_MEMLIMIT="${KUBE_APISERVER_MEMLIMIT:-1GiB}"
KUBE_BUILD_JOBS="${KUBE_BUILD_JOBS:-$(nproc)}"
# 65534 Service IPs: each pipeline takes 2 (gateway, ingest) and the benchmark makes 200+ at once.
# The `kubernetes` Service gets 10.0.0.1 (the apiserver certificate's SAN, ensure_pki).
KUBE_SERVICE_CIDR="10.0.0.0/16"
KUBE_LUA="${KUBE_LUA:-lua5.4}"

KUBE_CACHE="$DOCPIPE_CACHE/kube"
K8S_DIR="$KUBE_CACHE/kubernetes-v$KUBE_VERSION"
ETCD_DIR="$KUBE_CACHE/etcd-v$ETCD_VERSION"
HELM_DIR="$KUBE_CACHE/helm-v$HELM_VERSION"
KUBE_TEMPLATES="$DOCPIPE_REPO_ROOT/scripts/kube"
KUBE_STATE="$DOCPIPE_STACK_DIR/kube"
PKI="$KUBE_STATE/pki"
KUBECONFIG_FILE="$KUBE_STATE/kubeconfig"
KUBE_URL="https://$DOCPIPE_HOST:$KUBE_API_PORT"

# --- install -------------------------------------------------------------------

# The Go toolchain of this machine, never a downloaded one; module and build caches
# in the docpipe cache so a second install (or another version) reuses them.
go_env() {
  env GOTOOLCHAIN=local GOWORK=off GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 \
    GOMODCACHE="$KUBE_CACHE/go/mod" GOCACHE="$KUBE_CACHE/go/build" \
    GOPROXY="${GOPROXY:-https://proxy.golang.org,direct}" "$@"
}

install_etcd() {
  local src="$ETCD_DIR/src" t0
  if is_installed "$ETCD_DIR" && [[ -x "$ETCD_DIR/bin/etcd" ]]; then return 0; fi
  t0="$(now)"
  log "building etcd v$ETCD_VERSION (wrapper module calling etcdmain.Main)"
  rm -rf "$src" && mkdir -p "$src" "$ETCD_DIR/bin"
  sed "s/@ETCD_VERSION@/v$ETCD_VERSION/" "$KUBE_TEMPLATES/etcd/go.mod.tmpl" >"$src/go.mod"
  cp "$KUBE_TEMPLATES/etcd/main.go" "$src/main.go"
  (cd "$src" && go_env go build -p "$KUBE_BUILD_JOBS" -trimpath -ldflags '-s -w' \
    -o "$ETCD_DIR/bin/etcd" .) || die "etcd build failed"
  mark_installed "$ETCD_DIR"
  log "built etcd v$ETCD_VERSION in $(elapsed_since "$t0")s"
}

# k8s_go_mod: the wrapper go.mod, generated from k8s.io/kubernetes's own go.mod
k8s_go_mod() {
  local upstream go_lines replaces
  upstream="$(cd "$K8S_DIR" && go_env go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" \
    | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
  [[ -f "$upstream" ]] || die "could not download k8s.io/kubernetes@v$KUBE_VERSION's go.mod"
  go_lines="$(grep -E '^(go|godebug) ' "$upstream")"
  # Staging modules: required at v0.0.0 and replaced by ./staging/src/... upstream.
  replaces="$( { awk '$2 == "v0.0.0" { print $1 }' "$upstream"
                 awk '$2 == "=>" && $3 ~ /^\.\/staging\// { print $1 }' "$upstream"; } \
    | grep '^k8s\.io/' | sort -u \
    | awk -v v="v0.${KUBE_VERSION#1.}" '{ printf "\t%s => %s %s\n", $1, $1, v }')"
  [[ -n "$replaces" ]] || die "no staging modules found in $upstream"
  awk -v kv="v$KUBE_VERSION" -v gl="$go_lines" -v rp="$replaces" '
    /^\/\// { next }
    { gsub(/@KUBE_VERSION@/, kv) }
    /^@GO_LINES@$/ { print gl; next }
    /^@REPLACES@$/ { print rp; next }
    { print }' "$KUBE_TEMPLATES/kubernetes/go.mod.tmpl"
}

# Version stamps as hack/lib/version.sh sets them, so /version and `kubectl version`
# report the real release instead of v0.0.0-master.
k8s_ldflags() {
  local minor="${KUBE_VERSION#1.}" pkg key val flags="-s -w"
  minor="${minor%%.*}"
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    for key in gitVersion=v$KUBE_VERSION gitMajor=1 gitMinor=$minor gitCommit= \
      gitTreeState=clean buildDate=1970-01-01T00:00:00Z; do
      val="${key#*=}"
      flags+=" -X $pkg.${key%%=*}=$val"
    done
  done
  printf '%s\n' "$flags"
}

install_kubernetes() {
  local src="$K8S_DIR/src" t0 cmd
  if is_installed "$K8S_DIR" && [[ -x "$K8S_DIR/bin/kubectl" ]]; then return 0; fi
  t0="$(now)"
  rm -rf "$src" && mkdir -p "$src" "$K8S_DIR/bin"
  k8s_go_mod >"$src/go.mod.new" && mv "$src/go.mod.new" "$src/go.mod"
  for cmd in kube-apiserver kube-controller-manager kubectl; do
    log "building $cmd v$KUBE_VERSION"
    (cd "$src" && go_env go build -p "$KUBE_BUILD_JOBS" -trimpath -ldflags "$(k8s_ldflags)" \
      -o "$K8S_DIR/bin/$cmd" "k8s.io/kubernetes/cmd/$cmd") || die "$cmd build failed"
    log "built $cmd ($(elapsed_since "$t0")s so far)"
  done
  mark_installed "$K8S_DIR"
  log "built kubernetes v$KUBE_VERSION in $(elapsed_since "$t0")s"
}

install_helm() {
  local t0 minor ldflags
  if is_installed "$HELM_DIR" && [[ -x "$HELM_DIR/bin/helm" ]]; then return 0; fi
  t0="$(now)"
  log "building helm v$HELM_VERSION"
  mkdir -p "$HELM_DIR/bin"
  # The Kubernetes version helm assumes without --kube-version, as its Makefile sets it.
  minor="${KUBE_VERSION#1.}"
  minor="${minor%%.*}"
  ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION"
  ldflags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  ldflags+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$minor"
  ldflags+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor"
  # helm has no replace directives: `go install pkg@version` works without a wrapper.
  (cd "$HELM_DIR" && go_env env GOBIN="$HELM_DIR/bin" \
    go install -p "$KUBE_BUILD_JOBS" -trimpath -ldflags "$ldflags" \
    "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION") || die "helm build failed"
  mark_installed "$HELM_DIR"
  log "built helm v$HELM_VERSION in $(elapsed_since "$t0")s"
}

# Lua for the Argo CD health-check tests: Debian's interpreter is enough.
install_lua() {
  command -v "$KUBE_LUA" >/dev/null 2>&1 && return 0
  [[ "$KUBE_LUA" == lua5.4 ]] || die "$KUBE_LUA not found"
  [[ "$(id -u)" == 0 ]] || die "lua5.4 is missing: apt-get install lua5.4 (needs root)"
  log "installing lua5.4 with apt"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends lua5.4 >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends lua5.4 >/dev/null; } \
    || die "apt-get install lua5.4 failed"
}

all_installed() {
  command -v "$KUBE_LUA" >/dev/null 2>&1 && is_installed "$ETCD_DIR" && is_installed "$HELM_DIR" \
    && is_installed "$K8S_DIR" && [[ -L "$KUBE_CACHE/bin/kubectl" ]] \
    && [[ "$(readlink "$KUBE_CACHE/bin/kubectl")" == "$K8S_DIR/bin/kubectl" ]]
}

cmd_install() {
  local t0
  all_installed && return 0
  t0="$(now)"
  require_cmd go
  mkdir -p "$KUBE_CACHE"
  install_lua
  install_etcd
  install_helm
  install_kubernetes
  link_bins
  log "etcd v$ETCD_VERSION, kubernetes v$KUBE_VERSION, helm v$HELM_VERSION ready ($(elapsed_since "$t0")s)"
}

kube_bin() { # kube_bin NAME -> path of a built binary
  case "$1" in
    etcd) printf '%s\n' "$ETCD_DIR/bin/etcd" ;;
    helm) printf '%s\n' "$HELM_DIR/bin/helm" ;;
    kube-apiserver | kube-controller-manager | kubectl) printf '%s\n' "$K8S_DIR/bin/$1" ;;
    *) die "unknown binary '$1'" ;;
  esac
}

# A stable directory of links to the installed versions, for PATH in tests.
link_bins() {
  local d="$KUBE_CACHE/bin" b
  mkdir -p "$d"
  for b in etcd kube-apiserver kube-controller-manager kubectl helm; do
    ln -sfn "$(kube_bin "$b")" "$d/$b"
  done
}

# --- certificates and kubeconfigs ----------------------------------------------

openssl_quiet() { openssl "$@" 2>/dev/null || die "openssl $1 failed"; }

new_key() { openssl_quiet genrsa -out "$PKI/$1.key" 2048; chmod 600 "$PKI/$1.key"; }

# sign NAME SUBJECT SECTION [SAN]: a key and a certificate signed by the test CA
sign() {
  local name="$1" subject="$2" section="$3"
  new_key "$name"
  openssl_quiet req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr"
  KUBE_SAN="${4:-DNS:localhost}" openssl_quiet x509 -req -in "$PKI/$name.csr" \
    -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -days 3650 -extfile "$KUBE_TEMPLATES/pki.cnf" -extensions "$section" -out "$PKI/$name.crt"
  rm -f "$PKI/$name.csr"
}

# Made once per state dir, so kubeconfigs and tokens stay valid across restarts;
# remade when this script's set of files (PKI_LAYOUT) changes.
PKI_LAYOUT=2
ensure_pki() {
  [[ "$(cat "$PKI/.complete" 2>/dev/null)" == "$PKI_LAYOUT" ]] && return 0
  require_cmd openssl
  log "creating certificates and keys in $PKI"
  rm -rf "$PKI" && mkdir -p "$PKI" && chmod 700 "$PKI"
  new_key ca
  openssl_quiet req -new -key "$PKI/ca.key" -subj "/CN=docpipe-test-ca" -out "$PKI/ca.csr"
  KUBE_SAN=DNS:localhost openssl_quiet x509 -req -in "$PKI/ca.csr" -signkey "$PKI/ca.key" \
    -days 3650 -extfile "$KUBE_TEMPLATES/pki.cnf" -extensions v3_ca -out "$PKI/ca.crt"
  rm -f "$PKI/ca.csr"
  local svc_ip="${KUBE_SERVICE_CIDR%.*}.1"
  sign apiserver "/CN=kube-apiserver" v3_server \
    "IP:$DOCPIPE_HOST,DNS:localhost,IP:$svc_ip,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  sign controller-manager-serving "/CN=kube-controller-manager" v3_server "IP:$DOCPIPE_HOST,DNS:localhost"
  sign admin "/O=system:masters/CN=docpipe-admin" v3_client
  sign controller-manager "/CN=system:kube-controller-manager" v3_client
  # The aggregation layer's client: lets the controller-manager (and any extension
  # server) authenticate delegated requests, as in a real cluster.
  sign front-proxy-client "/CN=front-proxy-client" v3_client
  new_key sa
  openssl_quiet rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub"
  # A static bearer token for the same admin, for clients that prefer a token.
  openssl rand -hex 32 >"$PKI/admin.token"
  printf '%s,docpipe-admin,docpipe-admin,"system:masters"\n' "$(cat "$PKI/admin.token")" >"$PKI/tokens.csv"
  chmod 600 "$PKI/admin.token" "$PKI/tokens.csv"
  echo "$PKI_LAYOUT" >"$PKI/.complete"
}

b64() { base64 -w0 <"$1"; }

# write_kubeconfig FILE USER: the explicit CA, never insecure-skip-tls-verify
write_kubeconfig() {
  local file="$1" user="$2"
  (umask 077 && : >"$file.tmp")
  cat >"$file.tmp" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: docpipe
    cluster:
      server: $KUBE_URL
      certificate-authority-data: $(b64 "$PKI/ca.crt")
users:
  - name: $user
    user:
      client-certificate-data: $(b64 "$PKI/$user.crt")
      client-key-data: $(b64 "$PKI/$user.key")
contexts:
  - name: docpipe
    context:
      cluster: docpipe
      user: $user
      namespace: default
current-context: docpipe
KUBECONFIG
  mv "$file.tmp" "$file"
}

# --- processes -----------------------------------------------------------------

etcd_url() { printf 'http://%s:%s\n' "$DOCPIPE_HOST" "$KUBE_ETCD_PORT"; }
etcd_healthy() { curl -sf --max-time 2 "$(etcd_url)/health" 2>/dev/null | grep -q '"health":"true"'; }
apiserver_ready() { curl -sf --max-time 3 --cacert "$PKI/ca.crt" "$KUBE_URL/readyz" >/dev/null 2>&1; }
cm_healthy() {
  curl -sf --max-time 2 --cacert "$PKI/ca.crt" "https://$DOCPIPE_HOST:$KUBE_CM_PORT/healthz" >/dev/null 2>&1
}

# wait_until NAME PID CHECK...: polls CHECK until it passes, the process dies or time runs out
wait_until() {
  local name="$1" pid="$2" deadline
  shift 2
  deadline=$(( $(date +%s) + KUBE_START_TIMEOUT ))
  until "$@"; do
    if ! alive "$pid" || (( $(date +%s) >= deadline )); then
      log "$name did not become ready; last lines of $KUBE_STATE/$name.log:"
      tail -n 25 "$KUBE_STATE/$name.log" >&2 || true
      stop_pid "kube-$name" 10
      return 1
    fi
    sleep 0.3
  done
}

start_etcd() {
  local pid
  is_running kube-etcd && return 0
  ensure_port_free "$KUBE_ETCD_PORT" "etcd client"
  ensure_port_free "$KUBE_ETCD_PEER_PORT" "etcd peer"
  # No fsync: a throwaway test store on loopback, like postgres.sh's fsync=off.
  pid="$(start_bg kube-etcd "$KUBE_STATE/etcd.log" "$(kube_bin etcd)" \
    --name=docpipe --data-dir="$KUBE_STATE/etcd" \
    --listen-client-urls="$(etcd_url)" --advertise-client-urls="$(etcd_url)" \
    --listen-peer-urls="http://$DOCPIPE_HOST:$KUBE_ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://$DOCPIPE_HOST:$KUBE_ETCD_PEER_PORT" \
    --initial-cluster="docpipe=http://$DOCPIPE_HOST:$KUBE_ETCD_PEER_PORT" \
    --unsafe-no-fsync=true --log-level=warn)"
  log "etcd starting (pid $pid), log $KUBE_STATE/etcd.log"
  wait_until etcd "$pid" etcd_healthy
}

start_apiserver() {
  local pid
  is_running kube-apiserver && return 0
  ensure_port_free "$KUBE_API_PORT" "kube-apiserver"
  # As envtest: no ServiceAccount admission (no kubelet mounts tokens). No endpoint
  # reconciler: the `kubernetes` Service's Endpoints may not hold a loopback address,
  # and it would log that error every 10 s. GOMEMLIMIT keeps the heap modest.
  pid="$(start_bg kube-apiserver "$KUBE_STATE/apiserver.log" \
    env GOMEMLIMIT="$KUBE_APISERVER_MEMLIMIT" "$(kube_bin kube-apiserver)" \
    --etcd-servers="$(etcd_url)" \
    --bind-address="$DOCPIPE_HOST" --advertise-address="$DOCPIPE_HOST" \
    --secure-port="$KUBE_API_PORT" --cert-dir="$KUBE_STATE/apiserver-certs" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" --token-auth-file="$PKI/tokens.csv" \
    --requestheader-client-ca-file="$PKI/ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" \
    --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --authorization-mode=RBAC --service-cluster-ip-range="$KUBE_SERVICE_CIDR" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --disable-admission-plugins=ServiceAccount --allow-privileged=true \
    --endpoint-reconciler-type=none --profiling=false --event-ttl=1h)"
  log "kube-apiserver starting (pid $pid), log $KUBE_STATE/apiserver.log"
  wait_until apiserver "$pid" apiserver_ready
}

start_controller_manager() {
  local pid kc="$KUBE_STATE/controller-manager.kubeconfig"
  is_running kube-controller-manager && return 0
  ensure_port_free "$KUBE_CM_PORT" "kube-controller-manager"
  # Each controller runs as its own service account, with the RBAC roles a real
  # cluster gives it; the garbage collector is the one the tests rely on.
  pid="$(start_bg kube-controller-manager "$KUBE_STATE/controller-manager.log" \
    "$(kube_bin kube-controller-manager)" \
    --kubeconfig="$kc" --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" \
    --bind-address="$DOCPIPE_HOST" --secure-port="$KUBE_CM_PORT" \
    --tls-cert-file="$PKI/controller-manager-serving.crt" \
    --tls-private-key-file="$PKI/controller-manager-serving.key" \
    --leader-elect=false --controllers='*' --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-name=docpipe --service-cluster-ip-range="$KUBE_SERVICE_CIDR" --profiling=false)"
  log "kube-controller-manager starting (pid $pid), log $KUBE_STATE/controller-manager.log"
  wait_until controller-manager "$pid" cm_healthy
}

kubectl_admin() { "$(kube_bin kubectl)" --kubeconfig="$KUBECONFIG_FILE" "$@"; }

install_crds() {
  kubectl_admin apply --server-side --field-manager=docpipe-kube-sh \
    -f "$KUBE_TEMPLATES/crds/keda.yaml" >/dev/null || die "could not install the KEDA CRDs"
  kubectl_admin wait --for=condition=Established --timeout=60s \
    crd/scaledobjects.keda.sh crd/triggerauthentications.keda.sh >/dev/null \
    || die "KEDA CRDs not established"
}

all_running() {
  is_running kube-etcd && is_running kube-apiserver && is_running kube-controller-manager
}

cmd_start() {
  local t0
  if all_running && apiserver_ready; then
    log "already running at $KUBE_URL (KUBECONFIG=$KUBECONFIG_FILE)"
    return 0
  fi
  cmd_install
  require_cmd curl openssl base64
  t0="$(now)"
  mkdir -p "$KUBE_STATE"
  ensure_pki
  write_kubeconfig "$KUBECONFIG_FILE" admin
  write_kubeconfig "$KUBE_STATE/controller-manager.kubeconfig" controller-manager
  start_etcd || die "etcd failed to start"
  start_apiserver || die "kube-apiserver failed to start"
  install_crds
  start_controller_manager || die "kube-controller-manager failed to start"
  log "ready at $KUBE_URL in $(elapsed_since "$t0")s (KUBECONFIG=$KUBECONFIG_FILE)"
}

cmd_stop() {
  local any=0 name
  for name in kube-controller-manager kube-apiserver kube-etcd; do
    if is_running "$name"; then any=1; fi
    stop_pid "$name" 30
  done
  if (( any )); then log "stopped"; else log "not running"; fi
}

cmd_status() {
  local name pid up=0 down=0 line=""
  for name in kube-etcd kube-apiserver kube-controller-manager; do
    if pid="$(read_pid "$name")"; then
      up=$((up + 1)); line+="${line:+ }${name#kube-}=$pid"
    else
      down=$((down + 1)); line+="${line:+ }${name#kube-}=stopped"
    fi
  done
  if (( up == 0 )); then
    echo "kube: stopped"
    return 3
  fi
  if (( down == 0 )) && apiserver_ready && cm_healthy; then
    echo "kube: running (kubernetes v$KUBE_VERSION, etcd v$ETCD_VERSION; $line) at $KUBE_URL, /readyz ok"
    return 0
  fi
  echo "kube: degraded ($line) at $KUBE_URL"
  return 1
}

cmd_env() {
  cat <<ENV
export KUBECONFIG='$KUBECONFIG_FILE'
export KUBE_API_URL='$KUBE_URL'
export KUBE_BIN_DIR='$KUBE_CACHE/bin'
export KUBECTL='$(kube_bin kubectl)'
export HELM='$(kube_bin helm)'
export HELM_CACHE_HOME='$KUBE_STATE/helm/cache'
export HELM_CONFIG_HOME='$KUBE_STATE/helm/config'
export HELM_DATA_HOME='$KUBE_STATE/helm/data'
export LUA='$KUBE_LUA'
ENV
}

cmd_clean() {
  cmd_stop
  rm -rf "$KUBE_STATE"
  log "deleted $KUBE_STATE"
}

run_tool() { # run_tool kubectl|helm ARGS...: against this cluster
  local tool="$1"
  shift
  eval "$(cmd_env)"
  exec "$(kube_bin "$tool")" "$@"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  clean) cmd_clean ;;
  env) cmd_env ;;
  kubectl | helm) run_tool "$@" ;;
  bin) kube_bin "${2:-}" ;;
  *) usage_die "kube.sh {install|start|stop|status|clean|env|kubectl ...|helm ...|bin NAME}" ;;
esac
