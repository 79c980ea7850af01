#!/usr/bin/env bash
# Local Apache Kafka 4.x (KRaft, single combined broker+controller node, loopback only) for
# development and CI. No Docker: the broker jars come from Maven Central through pom.xml.
#
#   deploy/kafka/kafka.sh install   resolve the jars into $CURRICULUM_KAFKA_HOME/libs (skipped when present)
#   deploy/kafka/kafka.sh start     format storage on first start (fresh cluster id), start, wait until ready
#   deploy/kafka/kafka.sh stop      graceful stop (SIGTERM, then SIGKILL after 30 s)
#   deploy/kafka/kafka.sh kill      SIGKILL the broker (fault tests)
#   deploy/kafka/kafka.sh restart   stop + start, keeping the data dir (fault tests restart mid-run)
#   deploy/kafka/kafka.sh status    exit 0 when running
#   deploy/kafka/kafka.sh reset     stop and delete the data dir (next start formats a new cluster)
#   deploy/kafka/kafka.sh brokers   print the bootstrap address
#   deploy/kafka/kafka.sh sasl-brokers  the SASL/PLAIN listener (user curriculum, password curriculum-test-secret)
#
# Environment: CURRICULUM_KAFKA_HOME (default <repo>/.tools/kafka), CURRICULUM_KAFKA_PORT
# (default 19092; the controller listens on the next port, a SASL/PLAIN listener on the one after), CURRICULUM_KAFKA_HEAP (default 512m).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
home="${CURRICULUM_KAFKA_HOME:-$repo/.tools/kafka}"
port="${CURRICULUM_KAFKA_PORT:-19092}"
controller_port="$((port + 1))"
sasl_port="$((port + 2))"
heap="${CURRICULUM_KAFKA_HEAP:-512m}"
libs="$home/libs"
data="$home/data"
props="$home/server.properties"
pidfile="$home/kafka.pid"
logfile="$home/kafka.log"

say() { echo "kafka: $*" >&2; }
# shellcheck source=../lib/daemon.sh
source "$here/../lib/daemon.sh"

install() {
  if compgen -G "$libs/kafka_2.13-*.jar" >/dev/null; then return 0; fi
  command -v mvn >/dev/null || { say "mvn not found (apt-get install -y maven)"; exit 1; }
  say "resolving broker jars into $libs"
  mkdir -p "$libs"
  mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$libs" -DincludeScope=runtime
}

running_pid() { pid_matching "kafka.Kafka $props"; }

write_config() {
  mkdir -p "$home" "$data"
  sed -e "s|@PORT@|$port|g" -e "s|@CONTROLLER_PORT@|$controller_port|g" -e "s|@SASL_PORT@|$sasl_port|g" -e "s|@DATA_DIR@|$data|g" \
    "$here/server.properties.template" >"$props"
}

java_opts=(-Xms256m "-Xmx$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
  "-Dlog4j2.configurationFile=$here/log4j2.properties" "-Dkafka.logs.dir=$home")

format_once() {
  if [[ -f "$data/meta.properties" ]]; then return 0; fi
  # A fresh cluster id: 16 random bytes, URL-safe base64 without padding (Kafka's Uuid format).
  # Like Kafka's Uuid.randomUuid, never one that starts with '-': StorageTool would read it as an
  # option ("argument --cluster-id/-t: expected one argument"), one fresh format in 64.
  local id="-"
  while [[ "$id" == -* ]]; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  say "formatting $data (cluster id $id)"
  java "${java_opts[@]}" -cp "$libs/*" kafka.tools.StorageTool format -t "$id" -c "$props" >>"$logfile" 2>&1
}

start() {
  if pid="$(running_pid)"; then say "already running (pid $pid)"; return 0; fi
  for p in "$port" "$controller_port" "$sasl_port"; do
    if port_busy "$p"; then say "port $p is taken by another process; set CURRICULUM_KAFKA_PORT"; exit 1; fi
  done
  install
  write_config
  format_once
  local from
  from=$(($(wc -l <"$logfile" 2>/dev/null || echo 0) + 1))
  # setsid + nohup: the broker outlives the shell (or test) that started it.
  setsid nohup java "${java_opts[@]}" -cp "$libs/*" kafka.Kafka "$props" >>"$logfile" 2>&1 </dev/null &
  local launched=$!
  echo "$launched" >"$pidfile"
  local deadline=$((SECONDS + 90))
  # Not `grep -q`: it exits at the first match, tail dies of SIGPIPE (141) and pipefail turns a
  # started broker into a failed check once the start-up log outgrows the pipe buffer.
  until tail -n "+$from" "$logfile" | grep "Kafka Server started" >/dev/null; do
    # kill -0, not running_pid: until setsid and nohup have exec'd java, the child's command line
    # is still this script's, and a fast first check would call a starting broker dead.
    if ! kill -0 "$launched" 2>/dev/null; then
      say "broker exited during start; last log lines:"
      tail -n 30 "$logfile" >&2
      exit 1
    fi
    if ((SECONDS > deadline)); then say "not ready after 90 s; see $logfile"; exit 1; fi
    sleep 0.2
  done
  say "ready on 127.0.0.1:$port (pid $(cat "$pidfile"))"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then rm -f "$pidfile"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  wait_exit "$pid" 30
  say "stopped"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  kill) kill_hard "$(running_pid || true)" ;;
  restart) stop; start ;;
  status) report_status ;;
  reset) stop; rm -rf "$data" ;;
  brokers) echo "127.0.0.1:$port" ;;
  sasl-brokers) echo "127.0.0.1:$sasl_port" ;;
  *) echo "usage: $0 install|start|stop|kill|restart|status|reset|brokers|sasl-brokers" >&2; exit 2 ;;
esac
