#!/usr/bin/env bash
# Flink for the streaming job (jobs/flink/job.py): PyPI `apache-flink` in its own
# virtualenv in the cache, plus the Kafka connector (flink-connector-kafka and its
# runtime jars) from Maven Central. Nothing runs in the background: PyFlink starts
# a mini-cluster inside the job's own process, so `start` only makes sure it is
# installed.
#
#   scripts/flink.sh install          create the virtualenv, fetch the connector jars
#   scripts/flink.sh start | stop     start = install check; stop = nothing to stop
#   scripts/flink.sh status           exit 0 when installed, 3 when not
#   scripts/flink.sh clean            delete the local jobs' logs (the cache stays)
#   scripts/flink.sh env              export FLINK_PYTHON, FLINK_KAFKA_CONNECTOR_JAR (the
#                                     connector's jars as ';'-separated file:// URLs), ...
#   scripts/flink.sh python ARGS...   run the venv's python (e.g. jobs/flink/job.py --help)
#
# Versions follow the current Amazon EMR 7.x release (EMR 7.13.0 ships Flink
# 1.20.0-amzn-7): see jobs/flink/README.md. Environment: FLINK_VERSION (1.20.0),
# FLINK_KAFKA_CONNECTOR_VERSION (3.4.0-1.20), FLINK_PYTHON_BIN (python3.11: PyFlink
# 1.20 supports 3.8-3.11), DOCPIPE_M2_REPO (Maven's local repository).
# Measured on 2 shared cores: a first install took 133 s (pip 127 s, jars 6 s) at
# load ~5, and 386 s with empty pip and Maven caches at load ~10 (pip 339 s,
# Maven 47 s); an installed one is a no-op.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FLINK_VERSION="${FLINK_VERSION:-1.20.0}"
FLINK_KAFKA_CONNECTOR_VERSION="${FLINK_KAFKA_CONNECTOR_VERSION:-3.4.0-1.20}"
FLINK_PYTHON_BIN="${FLINK_PYTHON_BIN:-python3.11}"
FLINK_HOME="$DOCPIPE_CACHE/flink-$FLINK_VERSION"
FLINK_VENV="$FLINK_HOME/venv"
FLINK_CONNECTOR_DIR="$FLINK_HOME/kafka-connector-$FLINK_KAFKA_CONNECTOR_VERSION"
FLINK_CONNECTOR_JAR="$FLINK_CONNECTOR_DIR/flink-connector-kafka-$FLINK_KAFKA_CONNECTOR_VERSION.jar"
FLINK_REQUIREMENTS="$DOCPIPE_REPO_ROOT/jobs/flink/requirements.txt"
FLINK_STATE="$DOCPIPE_STACK_DIR/flink"

installed() {
  is_installed "$FLINK_HOME" && venv_current && [[ -f "$FLINK_CONNECTOR_JAR" ]]
}

# The venv was made from the requirements.txt of this checkout (a changed pin reinstalls it).
requirements_hash() { sha256sum "$FLINK_REQUIREMENTS" | cut -d' ' -f1; }
venv_current() {
  [[ -x "$FLINK_VENV/bin/python" && -f "$FLINK_VENV/.requirements.sha256" ]] &&
    [[ "$(cat "$FLINK_VENV/.requirements.sha256")" == "$(requirements_hash)" ]]
}

install_venv() {
  local log="$FLINK_HOME/pip-install.log"
  log "creating virtualenv $FLINK_VENV ($FLINK_PYTHON_BIN) and installing apache-flink==$FLINK_VERSION"
  rm -rf "$FLINK_VENV"
  "$FLINK_PYTHON_BIN" -m venv "$FLINK_VENV"
  # requirements.txt pins apache-flink and every transitive dependency; the
  # version check below catches a requirements file that drifted from FLINK_VERSION.
  "$FLINK_VENV/bin/python" -m pip install -q --disable-pip-version-check --no-input \
    -r "$FLINK_REQUIREMENTS" >"$log" 2>&1 \
    || { tail -n 40 "$log" >&2; die "pip install apache-flink failed (log: $log)"; }
  local got
  got="$("$FLINK_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("apache-flink"))')"
  [[ "$got" == "$FLINK_VERSION" ]] || die "installed apache-flink $got, expected $FLINK_VERSION (fix $FLINK_REQUIREMENTS)"
  requirements_hash >"$FLINK_VENV/.requirements.sha256"
}

# The Kafka connector and its runtime dependencies (kafka-clients, compression
# codecs, guava, jackson), copied from Maven Central through a throwaway POM.
# Maven Central serves `flink-connector-kafka` for 1.20 but not the shaded
# `flink-sql-connector-kafka` uber jar; the unshaded jars are also what MSK IAM
# needs (aws-msk-iam-auth implements the unrelocated Kafka interfaces).
# slf4j is Flink's own, so it is left out.
install_connector() {
  log "resolving org.apache.flink:flink-connector-kafka:$FLINK_KAFKA_CONNECTOR_VERSION and its runtime jars"
  maven_copy_deps "$FLINK_CONNECTOR_DIR" flink-kafka-connector \
    "$(maven_dep org.apache.flink flink-connector-kafka "$FLINK_KAFKA_CONNECTOR_VERSION")" -DexcludeGroupIds=org.slf4j
  [[ -f "$FLINK_CONNECTOR_JAR" ]] || die "connector jar missing after mvn: $FLINK_CONNECTOR_JAR"
}

# The jars as pipeline.jars wants them: file:// URLs separated by ';'.
connector_urls() {
  local jar urls=()
  shopt -s nullglob
  for jar in "$FLINK_CONNECTOR_DIR"/*.jar; do urls+=("file://$jar"); done
  shopt -u nullglob
  (IFS=';'; printf '%s\n' "${urls[*]}")
}

cmd_install() {
  if installed; then
    log "flink $FLINK_VERSION already installed in $FLINK_HOME"
    return 0
  fi
  require_cmd "$FLINK_PYTHON_BIN" java mvn
  [[ -f "$FLINK_REQUIREMENTS" ]] || die "missing $FLINK_REQUIREMENTS"
  mkdir -p "$FLINK_HOME"
  local t0 t1
  t0="$(now)"
  if ! venv_current; then install_venv; fi
  log "virtualenv ready after $(elapsed_since "$t0")s"
  t1="$(now)"
  [[ -f "$FLINK_CONNECTOR_JAR" ]] || install_connector
  log "connector jar ready after $(elapsed_since "$t1")s"
  mark_installed "$FLINK_HOME"
  log "installed flink $FLINK_VERSION (PyFlink venv + kafka connector $FLINK_KAFKA_CONNECTOR_VERSION) in $(elapsed_since "$t0")s"
}

cmd_status() {
  if installed; then
    echo "flink: installed (apache-flink $FLINK_VERSION, connector $FLINK_KAFKA_CONNECTOR_VERSION) in $FLINK_HOME; runs inside each job"
  else
    echo "flink: not installed (scripts/flink.sh install)"
    return 3
  fi
}

cmd_env() {
  cat <<EOF
export FLINK_VERSION='$FLINK_VERSION'
export FLINK_PYTHON='$FLINK_VENV/bin/python'
export FLINK_KAFKA_CONNECTOR_JAR='$(connector_urls)'
export FLINK_JOB='$DOCPIPE_REPO_ROOT/jobs/flink/job.py'
export FLINK_LOG_DIR='$FLINK_STATE/log'
EOF
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_install; mkdir -p "$FLINK_STATE" ;;
  stop) log "flink: nothing runs in the background" ;;
  status) cmd_status ;;
  clean) rm -rf "$FLINK_STATE"; log "removed $FLINK_STATE" ;;
  env) cmd_env ;;
  python) shift; installed || die "flink is not installed (scripts/flink.sh install)"; exec "$FLINK_VENV/bin/python" "$@" ;;
  *) usage_die "flink.sh {install|start|stop|status|clean|env|python ARGS...}" ;;
esac
