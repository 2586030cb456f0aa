#!/usr/bin/env bash
# An S3-compatible server on loopback: moto server (PyPI moto[server], Apache-2.0)
# in its own virtualenv in the cache. It creates no bucket: tests create theirs.
# Clients must use path-style addressing.
#
#   scripts/s3.sh install                  create the virtualenv and install moto[server]
#   scripts/s3.sh start | stop | status    run moto_server on $DOCPIPE_HOST:$S3_PORT
#   scripts/s3.sh reset                    POST /moto-api/reset: forget every bucket and object
#   scripts/s3.sh endpoint                 print the endpoint URL
#
# Environment: S3_PORT (default 15000), MOTO_VERSION (5.2.5), DOCPIPE_PYTHON (python3),
# S3_START_TIMEOUT (60 s).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
DOCPIPE_PYTHON="${DOCPIPE_PYTHON:-python3}"
S3_START_TIMEOUT="${S3_START_TIMEOUT:-60}"
MOTO_VENV="$DOCPIPE_CACHE/moto-$MOTO_VERSION"
S3_STATE="$DOCPIPE_STACK_DIR/s3"
S3_ENDPOINT="http://$DOCPIPE_HOST:$S3_PORT"

cmd_install() {
  if is_installed "$MOTO_VENV" && [[ -x "$MOTO_VENV/bin/moto_server" ]]; then
    log "moto $MOTO_VERSION already installed in $MOTO_VENV"
    return 0
  fi
  require_cmd "$DOCPIPE_PYTHON"
  local t0
  t0="$(now)"
  log "creating virtualenv $MOTO_VENV and installing moto[server]==$MOTO_VERSION"
  rm -rf "$MOTO_VENV"
  "$DOCPIPE_PYTHON" -m venv "$MOTO_VENV"
  "$MOTO_VENV/bin/python" -m pip install -q --disable-pip-version-check \
    "moto[server]==$MOTO_VERSION" >"$DOCPIPE_CACHE/moto-install.log" 2>&1 \
    || { cat "$DOCPIPE_CACHE/moto-install.log" >&2; die "pip install moto[server] failed"; }
  [[ -x "$MOTO_VENV/bin/moto_server" ]] || die "moto_server missing after install"
  mark_installed "$MOTO_VENV"
  log "installed moto $MOTO_VERSION in $(elapsed_since "$t0")s"
}

http_ok() { # http_ok URL -> 0 when the server answers with any HTTP status
  curl -s -o /dev/null --max-time 2 "$1"
}

cmd_start() {
  local t0 pid
  if pid="$(read_pid s3)"; then
    log "moto already running (pid $pid) at $S3_ENDPOINT"
    return 0
  fi
  cmd_install
  require_cmd curl
  ensure_port_free "$S3_PORT" "moto server"
  t0="$(now)"
  mkdir -p "$S3_STATE"
  pid="$(start_bg s3 "$S3_STATE/moto.log" "$MOTO_VENV/bin/moto_server" -H "$DOCPIPE_HOST" -p "$S3_PORT")"
  log "moto starting (pid $pid), log $S3_STATE/moto.log"
  if ! wait_for_port "$DOCPIPE_HOST" "$S3_PORT" "$S3_START_TIMEOUT" "$pid"; then
    tail -n 20 "$S3_STATE/moto.log" >&2 || true
    stop_pid s3 5
    die "moto did not start"
  fi
  local deadline=$(( $(date +%s) + S3_START_TIMEOUT ))
  until http_ok "$S3_ENDPOINT/moto-api/"; do
    (( $(date +%s) < deadline )) || { stop_pid s3 5; die "moto does not answer HTTP"; }
    sleep 0.2
  done
  log "moto ready at $S3_ENDPOINT in $(elapsed_since "$t0")s"
}

cmd_stop() {
  if ! is_running s3; then
    clear_pid s3
    log "moto not running"
    return 0
  fi
  stop_pid s3 15
  log "moto stopped"
}

cmd_status() {
  local pid
  if pid="$(read_pid s3)"; then
    if http_ok "$S3_ENDPOINT/moto-api/"; then
      echo "s3: running (pid $pid, moto $MOTO_VERSION) at $S3_ENDPOINT"
    else
      echo "s3: not answering (pid $pid) at $S3_ENDPOINT"
      return 1
    fi
  else
    echo "s3: stopped"
    return 3
  fi
}

cmd_reset() {
  is_running s3 || die "moto is not running"
  curl -sf -X POST "$S3_ENDPOINT/moto-api/reset" >/dev/null || die "reset failed"
  log "moto state reset"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  clean) cmd_stop; rm -rf "$S3_STATE" ;;
  endpoint) echo "$S3_ENDPOINT" ;;
  *) usage_die "s3.sh {install|start|stop|status|reset|clean|endpoint}" ;;
esac
