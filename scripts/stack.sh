#!/usr/bin/env bash
# The real stack on loopback, for `npm run test:stack` and benchmarks.
#
#   scripts/stack.sh start   [components...]   start them one after another (default: kafka postgres s3)
#   scripts/stack.sh stop    [components...]   stop them in reverse order (default: every component)
#   scripts/stack.sh status  [components...]   exit 0 only when every one runs
#   scripts/stack.sh install [components...]   install without starting
#   scripts/stack.sh clean   [components...]   stop and delete their data
#   scripts/stack.sh env                       print export lines for tests: eval "$(scripts/stack.sh env)"
#
# Optional components, started only when named: kube (etcd + kube-apiserver +
# kube-controller-manager, built from source on first install: 10-20 min), hdfs
# (a single-node HDFS with WebHDFS), flink and spark (PyFlink / PySpark virtualenvs;
# nothing runs until a job does), e.g. `scripts/stack.sh start kube hdfs`.
#
# Each component is scripts/<name>.sh; see lib.sh for DOCPIPE_CACHE, DOCPIPE_STACK_DIR
# and the port variables.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SCRIPTS="$DOCPIPE_REPO_ROOT/scripts"
DEFAULT_COMPONENTS=(kafka postgres s3)
OPTIONAL_COMPONENTS=(kube hdfs flink spark)

valid_component() {
  [[ "$1" =~ ^[a-z0-9-]+$ && "$1" != stack && "$1" != lib && -x "$SCRIPTS/$1.sh" ]]
}

cmd_env() {
  cat <<EOF
export DOCPIPE_STACK_DIR='$DOCPIPE_STACK_DIR'
export KAFKA_BROKERS='$DOCPIPE_HOST:$KAFKA_PORT'
export DATABASE_URL='postgres://postgres@$DOCPIPE_HOST:$PG_PORT/${PG_DATABASE:-docpipe}'
export S3_ENDPOINT='http://$DOCPIPE_HOST:$S3_PORT'
export S3_FORCE_PATH_STYLE='true'
export AWS_ACCESS_KEY_ID='test'
export AWS_SECRET_ACCESS_KEY='test'
export AWS_REGION='us-east-1'
export AWS_DEFAULT_REGION='us-east-1'
EOF
  # The optional components' own variables (KUBECONFIG, HELM, WEBHDFS_URL, FLINK_PYTHON, ...).
  local c
  for c in "${OPTIONAL_COMPONENTS[@]}"; do
    if [[ -x "$SCRIPTS/$c.sh" ]]; then "$SCRIPTS/$c.sh" env; fi
  done
}

main() {
  local action="${1:-}" c i rc=0 list=()
  [[ $# -gt 0 ]] && shift
  case "$action" in
    env) cmd_env; return 0 ;;
    start | stop | status | install | clean) ;;
    *) usage_die "stack.sh {start|stop|status|install|clean} [kafka|postgres|s3|kube ...] | stack.sh env" ;;
  esac
  if [[ $# -eq 0 ]]; then
    # stop with no names stops whatever runs, optional parts too (CI's exit trap relies on it).
    if [[ "$action" == stop ]]; then set -- "${DEFAULT_COMPONENTS[@]}" "${OPTIONAL_COMPONENTS[@]}"; else set -- "${DEFAULT_COMPONENTS[@]}"; fi
  fi
  for c in "$@"; do
    valid_component "$c" || die "unknown component '$c' (known: ${DEFAULT_COMPONENTS[*]} ${OPTIONAL_COMPONENTS[*]})"
    list+=("$c")
  done
  case "$action" in
    start)
      local t0
      t0="$(now)"
      # One after another: 2 cores, and each start waits until its part is ready.
      for c in "${list[@]}"; do
        "$SCRIPTS/$c.sh" start >/dev/null || die "$c failed to start"
      done
      log "started ${list[*]} in $(elapsed_since "$t0")s"
      cmd_env
      ;;
    stop | clean)
      for (( i = ${#list[@]} - 1; i >= 0; i-- )); do
        "$SCRIPTS/${list[i]}.sh" "$action" || rc=1
      done
      return "$rc"
      ;;
    status)
      for c in "${list[@]}"; do
        "$SCRIPTS/$c.sh" status || rc=1
      done
      return "$rc"
      ;;
    install)
      for c in "${list[@]}"; do
        "$SCRIPTS/$c.sh" install || die "$c failed to install"
      done
      ;;
  esac
}

main "$@"
