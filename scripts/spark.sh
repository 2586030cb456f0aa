#!/usr/bin/env bash
# PySpark (local mode) for the daily Spark job (jobs/spark/job.py): a virtualenv
# in the cache with pyspark pinned to the Spark of the current Amazon EMR release
# (see jobs/spark/README.md). Nothing runs in the background: a job starts its own
# local[N] JVM and stops it when it ends, so `start` only makes sure it is installed.
#
#   scripts/spark.sh install            create the virtualenv and install jobs/spark/requirements.txt
#   scripts/spark.sh start              = install (nothing to run)
#   scripts/spark.sh stop               a no-op
#   scripts/spark.sh status             exit 0 when installed, 3 when not
#   scripts/spark.sh clean              delete the virtualenv
#   scripts/spark.sh env                export SPARK_PYTHON, SPARK_HOME, SPARK_JAVA_HOME
#   scripts/spark.sh submit ARGS...     spark-submit with the venv's Spark and Java 17
#
# Environment: SPARK_VERSION (3.5.6, must match requirements.txt), DOCPIPE_PYTHON
# (python3.11 when on PATH, else python3), SPARK_JAVA_HOME (a Java 17 under /usr/lib/jvm).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SPARK_VERSION="${SPARK_VERSION:-3.5.6}"
SPARK_REQUIREMENTS="$DOCPIPE_REPO_ROOT/jobs/spark/requirements.txt"
SPARK_VENV="$DOCPIPE_CACHE/pyspark-$SPARK_VERSION"
SPARK_VENV_PYTHON="$SPARK_VENV/bin/python"
SPARK_VENV_HOME="$SPARK_VENV/lib/python3.11/site-packages/pyspark"

if [[ -z "${DOCPIPE_PYTHON:-}" ]]; then
  if command -v python3.11 >/dev/null 2>&1; then DOCPIPE_PYTHON=python3.11; else DOCPIPE_PYTHON=python3; fi
fi

# Spark 3.5 supports Java 8/11/17; the machine may also carry a newer default JDK
# (Spark 3.5 fails on 21+ in places), so the job always runs on 17.
java17_home() {
  local d
  if [[ -n "${SPARK_JAVA_HOME:-}" ]]; then printf '%s\n' "$SPARK_JAVA_HOME"; return 0; fi
  for d in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64 /usr/lib/jvm/java-17-openjdk /usr/lib/jvm/temurin-17-jdk-amd64 /usr/lib/jvm/*17*; do
    if [[ -x "$d/bin/java" ]]; then printf '%s\n' "$d"; return 0; fi
  done
  return 1
}

installed() { is_installed "$SPARK_VENV" && [[ -x "$SPARK_VENV_PYTHON" ]]; }

cmd_install() {
  if installed; then
    log "pyspark $SPARK_VERSION already installed in $SPARK_VENV"
    return 0
  fi
  require_cmd "$DOCPIPE_PYTHON"
  java17_home >/dev/null || die "no Java 17 found under /usr/lib/jvm; set SPARK_JAVA_HOME"
  local t0 pyver
  pyver="$("$DOCPIPE_PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  [[ "$pyver" == 3.11 ]] || die "$DOCPIPE_PYTHON is Python $pyver; EMR 7 runs PySpark on 3.11: set DOCPIPE_PYTHON"
  t0="$(now)"
  log "creating virtualenv $SPARK_VENV and installing $SPARK_REQUIREMENTS"
  rm -rf "$SPARK_VENV"
  "$DOCPIPE_PYTHON" -m venv "$SPARK_VENV"
  "$SPARK_VENV_PYTHON" -m pip install -q --disable-pip-version-check -r "$SPARK_REQUIREMENTS" \
    >"$DOCPIPE_CACHE/pyspark-install.log" 2>&1 \
    || { cat "$DOCPIPE_CACHE/pyspark-install.log" >&2; die "pip install pyspark failed"; }
  "$SPARK_VENV_PYTHON" -c "import pyspark, sys; sys.exit(pyspark.__version__ != '$SPARK_VERSION')" \
    || die "the venv's pyspark is not $SPARK_VERSION (requirements.txt and SPARK_VERSION disagree)"
  mark_installed "$SPARK_VENV"
  log "installed pyspark $SPARK_VERSION in $(elapsed_since "$t0")s"
}

cmd_status() {
  if installed; then
    echo "spark: installed (pyspark $SPARK_VERSION, local mode) in $SPARK_VENV"
  else
    echo "spark: not installed"
    return 3
  fi
}

cmd_env() {
  cat <<ENV
export SPARK_PYTHON='$SPARK_VENV_PYTHON'
export SPARK_HOME='$SPARK_VENV_HOME'
export SPARK_JAVA_HOME='$(java17_home || true)'
ENV
}

# spark-submit needs JAVA_HOME and PYSPARK_PYTHON pointing at the venv, or the
# driver would pick the machine's default JDK and python.
cmd_submit() {
  installed || die "pyspark is not installed: scripts/spark.sh install"
  JAVA_HOME="$(java17_home)" PYSPARK_PYTHON="$SPARK_VENV_PYTHON" SPARK_HOME="$SPARK_VENV_HOME" \
    exec "$SPARK_VENV/bin/spark-submit" "$@"
}

case "${1:-}" in
  install | start) cmd_install ;;
  stop) log "nothing runs in the background" ;;
  status) cmd_status ;;
  clean) rm -rf "$SPARK_VENV"; log "removed $SPARK_VENV" ;;
  env) cmd_env ;;
  submit) shift; cmd_submit "$@" ;;
  *) usage_die "spark.sh {install|start|stop|status|clean|env|submit ARGS...}" ;;
esac
