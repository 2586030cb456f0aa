# shellcheck shell=bash
# Shared helpers for the scripts that run the real stack on loopback.
# Source it; do not execute it.
#
#   DOCPIPE_CACHE      downloads and installs, outside the repo   (default ~/.cache/docpipe)
#   DOCPIPE_STACK_DIR  data, logs and PID files of running parts  (default <repo>/.stack)
#
# Every component records the PID of what it started in $DOCPIPE_STACK_DIR/<name>.pid
# (PID and process start time, so a recycled PID is never mistaken for ours) and
# stops only that process.

set -euo pipefail

DOCPIPE_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DOCPIPE_CACHE="${DOCPIPE_CACHE:-${HOME:-/root}/.cache/docpipe}"
# Maven's local repository, under the cache unless shared (DOCPIPE_M2_REPO=~/.m2/repository).
M2_REPO="${DOCPIPE_M2_REPO:-$DOCPIPE_CACHE/m2}"
DOCPIPE_STACK_DIR="${DOCPIPE_STACK_DIR:-$DOCPIPE_REPO_ROOT/.stack}"
export DOCPIPE_CACHE DOCPIPE_STACK_DIR

# Loopback ports, away from the defaults; override with the environment.
DOCPIPE_HOST="${DOCPIPE_HOST:-127.0.0.1}"
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
PG_PORT="${PG_PORT:-15432}"
S3_PORT="${S3_PORT:-15000}"

_log_name="${DOCPIPE_LOG_NAME:-$(basename "$0" .sh)}"

log() { printf '[%s %s] %s\n' "$(date +%H:%M:%S)" "$_log_name" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Seconds since the epoch, with fractions, for timings.
now() { date +%s.%N; }
elapsed_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

cache_dir() { # cache_dir SUBDIR... -> creates and prints $DOCPIPE_CACHE/SUBDIR
  local d="$DOCPIPE_CACHE${1:+/$1}"
  mkdir -p "$d"
  printf '%s\n' "$d"
}

state_dir() { # state_dir SUBDIR -> creates and prints $DOCPIPE_STACK_DIR/SUBDIR
  local d="$DOCPIPE_STACK_DIR${1:+/$1}"
  mkdir -p "$d"
  printf '%s\n' "$d"
}

require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || die "'$c' is required but not on PATH"
  done
}

# --- ports -------------------------------------------------------------------

port_open() { # port_open HOST PORT -> 0 when something accepts a TCP connection
  (exec 3<>"/dev/tcp/$1/$2") >/dev/null 2>&1
}

# wait_for_port HOST PORT TIMEOUT_S [PID]: waits until the port accepts
# connections; fails early when PID (the process expected to open it) is gone.
wait_for_port() {
  local host="$1" port="$2" timeout="$3" pid="${4:-}" deadline
  deadline=$(( $(date +%s) + timeout ))
  while ! port_open "$host" "$port"; do
    if [[ -n "$pid" ]] && ! alive "$pid"; then
      log "process $pid exited before $host:$port opened"
      return 1
    fi
    if (( $(date +%s) >= deadline )); then
      log "timed out after ${timeout}s waiting for $host:$port"
      return 1
    fi
    sleep 0.2
  done
}

# wait_for_log FILE PATTERN TIMEOUT_S [PID]: waits for an extended regex in a log file.
wait_for_log() {
  local file="$1" pattern="$2" timeout="$3" pid="${4:-}" deadline
  deadline=$(( $(date +%s) + timeout ))
  until [[ -f "$file" ]] && grep -Eq -- "$pattern" "$file"; do
    if [[ -n "$pid" ]] && ! alive "$pid"; then
      log "process $pid exited before '$pattern' appeared in $file"
      return 1
    fi
    if (( $(date +%s) >= deadline )); then
      log "timed out after ${timeout}s waiting for '$pattern' in $file"
      return 1
    fi
    sleep 0.2
  done
}

# Refuse to start when a port is already taken by something that is not ours.
ensure_port_free() { # ensure_port_free PORT WHAT
  if port_open "$DOCPIPE_HOST" "$1"; then
    die "$DOCPIPE_HOST:$1 ($2) is already in use by a process this script did not start; set another port"
  fi
}

# --- PID files ---------------------------------------------------------------

pid_file() { printf '%s/%s.pid\n' "$DOCPIPE_STACK_DIR" "$1"; }

proc_start_time() { # field 22 of /proc/PID/stat: start time in clock ticks since boot
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }" # the command name may contain spaces; cut after it
  # shellcheck disable=SC2086
  set -- $stat
  [[ "$1" != Z && "$1" != X ]] || return 1 # exited, not yet reaped
  printf '%s\n' "${20}"
}

alive() { proc_start_time "$1" >/dev/null; } # running, not a zombie

write_pid() { # write_pid NAME PID
  mkdir -p "$DOCPIPE_STACK_DIR"
  printf '%s %s\n' "$2" "$(proc_start_time "$2" || echo 0)" >"$(pid_file "$1")"
}

# read_pid NAME -> prints the recorded PID when that very process still runs
read_pid() {
  local f pid start now_start
  f="$(pid_file "$1")"
  [[ -f "$f" ]] || return 1
  read -r pid start <"$f" || return 1
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  now_start="$(proc_start_time "$pid")" || return 1
  if [[ -n "$start" && "$start" != 0 && "$start" != "$now_start" ]]; then
    return 1 # PID reused by another process
  fi
  printf '%s\n' "$pid"
}

is_running() { read_pid "$1" >/dev/null; }

clear_pid() { rm -f "$(pid_file "$1")"; }

# start_bg NAME LOGFILE CMD...: starts CMD detached (own session, stdin closed,
# output to LOGFILE), records its PID, prints it.
start_bg() {
  local name="$1" logfile="$2" pid
  shift 2
  mkdir -p "$(dirname "$logfile")"
  setsid "$@" </dev/null >>"$logfile" 2>&1 &
  pid=$!
  write_pid "$name" "$pid"
  printf '%s\n' "$pid"
}

# stop_pid NAME [TIMEOUT_S]: SIGTERM to what NAME started (its process group
# when it leads one), waits, then SIGKILL. A no-op when it is not running.
stop_pid() {
  local name="$1" timeout="${2:-30}" pid target deadline
  if ! pid="$(read_pid "$name")"; then
    clear_pid "$name"
    return 0
  fi
  target="$pid"
  if [[ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" == "$pid" ]]; then
    target="-$pid" # started with setsid: signal its whole group, nothing else
  fi
  log "stopping $name (pid $pid)"
  kill -TERM -- "$target" 2>/dev/null || true
  deadline=$(( $(date +%s) + timeout ))
  while alive "$pid"; do
    if (( $(date +%s) >= deadline )); then
      log "$name did not stop within ${timeout}s: SIGKILL"
      kill -KILL -- "$target" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  clear_pid "$name"
}

# --- misc --------------------------------------------------------------------

# Marker files make installs idempotent: a step completes once per cache.
done_marker() { printf '%s/.installed\n' "$1"; }
is_installed() { [[ -f "$(done_marker "$1")" ]]; }
mark_installed() { date -u +%FT%TZ >"$(done_marker "$1")"; }

usage_die() { printf 'usage: %s\n' "$*" >&2; exit 2; }

# --- Maven Central ----------------------------------------------------------

# maven_copy_deps OUT NAME DEPENDENCIES_XML [MVN_ARG...]: resolves the
# <dependency> elements through a throwaway POM (packaging pom) and copies them
# with their runtime dependencies into OUT, replacing it only once all arrived.
# Maven's local repository is $M2_REPO (under the cache). Dies with mvn's log.
maven_copy_deps() {
  local out="$1" name="$2" deps="$3" work
  shift 3
  require_cmd mvn
  mkdir -p "$(dirname "$out")"
  work="$(mktemp -d "$(dirname "$out")/pom.XXXXXX")"
  cat >"$work/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>docpipe.local</groupId>
  <artifactId>$name</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
$deps
  </dependencies>
</project>
POM
  rm -rf "$out.tmp"
  if ! (cd "$work" && mvn -q -B -Dstyle.color=never -Dmaven.repo.local="$M2_REPO" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$out.tmp" "$@") \
      >"$work/mvn.log" 2>&1; then
    cat "$work/mvn.log" >&2
    rm -rf "$work" "$out.tmp"
    die "mvn could not resolve $name"
  fi
  rm -rf "$work" "$out"
  mv "$out.tmp" "$out"
}

# maven_dep GROUP ARTIFACT VERSION: one <dependency> element.
maven_dep() { printf '    <dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version></dependency>\n' "$1" "$2" "$3"; }
