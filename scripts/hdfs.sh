#!/usr/bin/env bash
# A single-node HDFS on loopback: Hadoop's MiniDFSCluster (one NameNode, one
# DataNode, WebHDFS on) run by org.apache.hadoop.test.MiniDFSClusterManager from
# the jars on Maven Central (hadoop-client-minicluster). For tests only.
#
#   scripts/hdfs.sh install                  resolve the Hadoop jars into the cache
#   scripts/hdfs.sh start | stop | status    run the cluster (data in $DOCPIPE_STACK_DIR/hdfs)
#   scripts/hdfs.sh clean                    stop and delete the cluster's data
#   scripts/hdfs.sh env                      export lines: HDFS_URL, WEBHDFS_URL, HDFS_USER, HDFS_CLASSPATH
#                                            (HDFS_CLASSPATH: a client conf dir + the jars, for `java -cp`)
#   scripts/hdfs.sh classpath                the Hadoop client classpath (FsShell, ...)
#   scripts/hdfs.sh dfs ARGS...              `hdfs dfs` against this cluster, e.g. dfs -ls -R /topics
#
# Environment: HADOOP_VERSION (default 3.4.2, the Hadoop of Amazon EMR 7.13.0),
# HDFS_NN_PORT (18020), HDFS_HTTP_PORT (19870), HDFS_HEAP (512m),
# HDFS_START_TIMEOUT (180 s), HDFS_STOP_TIMEOUT (30 s).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HADOOP_VERSION="${HADOOP_VERSION:-3.4.2}"
HDFS_NN_PORT="${HDFS_NN_PORT:-18020}"
HDFS_HTTP_PORT="${HDFS_HTTP_PORT:-19870}"
HDFS_HEAP="${HDFS_HEAP:-512m}"
HDFS_START_TIMEOUT="${HDFS_START_TIMEOUT:-180}"
HDFS_STOP_TIMEOUT="${HDFS_STOP_TIMEOUT:-30}"
# The cluster runs as this user, which makes it the HDFS superuser; clients
# (WebHDFS user.name, FsShell) use the same name so they may write under /.
HDFS_USER="${HDFS_USER:-$(id -un)}"

HADOOP_HOME="$DOCPIPE_CACHE/hadoop/$HADOOP_VERSION"
HADOOP_LIB="$HADOOP_HOME/lib"
HDFS_STATE="$DOCPIPE_STACK_DIR/hdfs"
HDFS_URL="hdfs://$DOCPIPE_HOST:$HDFS_NN_PORT"
WEBHDFS_URL="http://$DOCPIPE_HOST:$HDFS_HTTP_PORT/webhdfs/v1"
# Versions the shaded minicluster expects beside it (its POM marks them optional
# or provided): the test harness classes reference JUnit 4 and Mockito, and
# WebHDFS's Jersey needs JAXB, which Java 11+ no longer ships.
JUNIT_VERSION="${JUNIT_VERSION:-4.13.2}"
MOCKITO_VERSION="${MOCKITO_VERSION:-4.11.0}"
RELOAD4J_VERSION="${RELOAD4J_VERSION:-1.7.36}"
JAXB_VERSION="${JAXB_VERSION:-2.3.1}"

# Java 17 closes the JDK internals Hadoop 3.4 still reflects into.
JAVA_OPENS=(
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED
)

cmd_install() {
  if is_installed "$HADOOP_HOME"; then
    log "hadoop $HADOOP_VERSION already installed in $HADOOP_HOME"
    return 0
  fi
  require_cmd mvn java
  mkdir -p "$HADOOP_HOME"
  local t0
  t0="$(now)"
  log "resolving hadoop-client-minicluster $HADOOP_VERSION from Maven Central"
  maven_copy_deps "$HADOOP_LIB" hdfs-minicluster "$(
    maven_dep org.apache.hadoop hadoop-client-minicluster "$HADOOP_VERSION"
    maven_dep org.apache.hadoop hadoop-client-api "$HADOOP_VERSION"
    maven_dep org.apache.hadoop hadoop-client-runtime "$HADOOP_VERSION"
    maven_dep junit junit "$JUNIT_VERSION"
    maven_dep org.mockito mockito-core "$MOCKITO_VERSION"
    maven_dep javax.xml.bind jaxb-api "$JAXB_VERSION"
    maven_dep org.slf4j slf4j-reload4j "$RELOAD4J_VERSION"
  )"
  write_log_config
  mark_installed "$HADOOP_HOME"
  log "installed hadoop $HADOOP_VERSION in $(elapsed_since "$t0")s: $(ls "$HADOOP_LIB" | wc -l) jars, $(du -sh "$HADOOP_LIB" | cut -f1)"
}

write_log_config() {
  cat >"$HADOOP_HOME/log4j.properties" <<EOF
log4j.rootLogger=\${hdfs.root.level}, out
hdfs.root.level=INFO
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.Target=System.err
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.hadoop.hdfs.StateChange=WARN
log4j.logger.org.apache.hadoop.hdfs.server.namenode.FSNamesystem.audit=WARN
log4j.logger.org.apache.hadoop.hdfs.server.datanode.DataNode.clienttrace=WARN
log4j.logger.org.apache.hadoop.util.NativeCodeLoader=ERROR
log4j.logger.http.requests.namenode=WARN
log4j.logger.http.requests.datanode=WARN
EOF
}

classpath() { printf '%s/*\n' "$HADOOP_LIB"; }

# A client's classpath: the jars plus a core-site.xml naming this cluster
# (Hadoop's Configuration fails without one on the shaded minicluster's classpath).
client_classpath() {
  local conf="$HDFS_STATE/conf"
  mkdir -p "$conf"
  cat >"$conf/core-site.xml" <<EOF
<?xml version="1.0"?>
<configuration>
  <property><name>fs.defaultFS</name><value>$HDFS_URL</value></property>
</configuration>
EOF
  printf '%s:%s\n' "$conf" "$(classpath)"
}

# java_opts HEAP ROOT_LEVEL: the flags every Hadoop JVM here gets.
java_opts() {
  printf '%s\n' "-Xmx$1" -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$HADOOP_HOME/log4j.properties" "-Dhdfs.root.level=$2" \
    "${JAVA_OPENS[@]}"
}

webhdfs_ok() { # the NameNode answers WebHDFS (and has left safe mode enough to list /)
  curl -sf -o /dev/null --max-time 3 "$WEBHDFS_URL/?op=GETFILESTATUS&user.name=$HDFS_USER"
}

wait_for_webhdfs() { # wait_for_webhdfs PID
  local deadline=$(( $(date +%s) + HDFS_START_TIMEOUT ))
  until webhdfs_ok; do
    alive "$1" || return 1
    (( $(date +%s) < deadline )) || return 1
    sleep 0.3
  done
}

cmd_start() {
  local t0 pid logfile opts format=()
  if pid="$(read_pid hdfs)"; then
    log "hdfs already running (pid $pid) at $HDFS_URL"
    return 0
  fi
  cmd_install
  require_cmd curl
  ensure_port_free "$HDFS_NN_PORT" "hdfs namenode rpc"
  ensure_port_free "$HDFS_HTTP_PORT" "hdfs namenode http"
  t0="$(now)"
  mkdir -p "$HDFS_STATE/logs"
  # Format once; later starts keep the namespace and the blocks.
  # The DataNode's WebHDFS writes close their file through an in-process DFS
  # client, which polls the NameNode until the block is complete, first after
  # 400 ms by default: 20 ms takes that wait off most small-file writes.
  [[ -f "$HDFS_STATE/formatted" ]] || format=(-format)
  logfile="$HDFS_STATE/logs/hdfs.log"
  [[ -f "$logfile" ]] && mv -f "$logfile" "$logfile.1"
  mapfile -t opts < <(java_opts "$HDFS_HEAP" INFO)
  client_classpath >/dev/null # HDFS_CLASSPATH's core-site.xml
  pid="$(start_bg hdfs "$logfile" java "${opts[@]}" -cp "$(classpath)" \
    org.apache.hadoop.test.MiniDFSClusterManager "${format[@]}" -datanodes 1 \
    -nnport "$HDFS_NN_PORT" -httpport "$HDFS_HTTP_PORT" \
    -D "hdfs.minidfs.basedir=$HDFS_STATE/data" \
    -D "dfs.webhdfs.enabled=true" \
    -D "dfs.namenode.rpc-bind-host=$DOCPIPE_HOST" \
    -D "dfs.namenode.http-bind-host=$DOCPIPE_HOST" \
    -D "dfs.datanode.hostname=$DOCPIPE_HOST" \
    -D "dfs.replication=1" \
    -D "dfs.namenode.safemode.extension=0" \
    -D "dfs.client.block.write.locateFollowingBlock.initial.delay.ms=20" \
    -D "dfs.permissions.superusergroup=$(id -gn)")"
  log "hdfs $HADOOP_VERSION starting (pid $pid), log $logfile"
  if ! wait_for_port "$DOCPIPE_HOST" "$HDFS_HTTP_PORT" "$HDFS_START_TIMEOUT" "$pid" ||
     ! wait_for_log "$logfile" 'Started MiniDFSCluster' "$HDFS_START_TIMEOUT" "$pid"; then
    tail -n 40 "$logfile" >&2 || true
    stop_pid hdfs 10
    die "hdfs did not start"
  fi
  if ! wait_for_webhdfs "$pid"; then
    tail -n 40 "$logfile" >&2 || true
    stop_pid hdfs 10
    die "hdfs started but WebHDFS does not answer (see $logfile)"
  fi
  touch "$HDFS_STATE/formatted"
  log "hdfs ready at $HDFS_URL, WebHDFS $WEBHDFS_URL, in $(elapsed_since "$t0")s"
}

cmd_stop() {
  if ! is_running hdfs; then
    clear_pid hdfs
    log "hdfs not running"
    return 0
  fi
  stop_pid hdfs "$HDFS_STOP_TIMEOUT"
  log "hdfs stopped"
}

cmd_status() {
  local pid
  if pid="$(read_pid hdfs)"; then
    if webhdfs_ok; then
      echo "hdfs: running (pid $pid, hadoop $HADOOP_VERSION) at $HDFS_URL, WebHDFS $WEBHDFS_URL"
    else
      echo "hdfs: starting or unhealthy (pid $pid), WebHDFS $WEBHDFS_URL not answering"
      return 1
    fi
  else
    echo "hdfs: stopped"
    return 3
  fi
}

cmd_clean() {
  cmd_stop
  rm -rf "$HDFS_STATE"
  log "removed $HDFS_STATE"
}

cmd_env() {
  cat <<EOF
export HDFS_URL='$HDFS_URL'
export WEBHDFS_URL='$WEBHDFS_URL'
export HDFS_USER='$HDFS_USER'
export HDFS_CLASSPATH='$HDFS_STATE/conf:$(classpath)'
EOF
}

# A short-lived Hadoop client (FsShell), as HDFS_USER, warnings only.
cmd_dfs() {
  cmd_install
  local opts
  mapfile -t opts < <(java_opts "${HDFS_TOOL_HEAP:-256m}" WARN)
  HADOOP_USER_NAME="$HDFS_USER" java "${opts[@]}" -cp "$(client_classpath)" \
    org.apache.hadoop.fs.FsShell "$@"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  clean) cmd_clean ;;
  env) cmd_env ;;
  classpath) cmd_install >/dev/null; client_classpath ;;
  dfs) shift; cmd_dfs "$@" ;;
  *) usage_die "hdfs.sh {install|start|stop|status|clean|env|classpath|dfs ARGS...}" ;;
esac
