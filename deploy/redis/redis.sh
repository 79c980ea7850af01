#!/usr/bin/env bash
# Local Redis (Debian's redis-server) for development and CI, with the AOF on and fsync on
# every write, so a restart or a SIGKILL loses no acknowledged write (the store's restart tests
# rely on that).
#
#   deploy/redis/redis.sh start     start (daemonized) and wait for PING
#   deploy/redis/redis.sh stop      SHUTDOWN (flushes the AOF), wait for exit
#   deploy/redis/redis.sh kill      SIGKILL the server (fault tests)
#   deploy/redis/redis.sh restart   stop + start, keeping the data dir
#   deploy/redis/redis.sh status    exit 0 when running
#   deploy/redis/redis.sh reset     stop and delete the data dir
#   deploy/redis/redis.sh url       print the redis:// URL
#
# Environment: CURRICULUM_REDIS_HOME (default <repo>/.tools/redis), CURRICULUM_REDIS_PORT
# (default 16379), CURRICULUM_REDIS_PASSWORD (optional: requirepass).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
home="${CURRICULUM_REDIS_HOME:-$repo/.tools/redis}"
port="${CURRICULUM_REDIS_PORT:-16379}"
password="${CURRICULUM_REDIS_PASSWORD:-}"
data="$home/data"
pidfile="$home/redis.pid"
logfile="$home/redis.log"

say() { echo "redis: $*" >&2; }
# shellcheck source=../lib/daemon.sh
source "$here/../lib/daemon.sh"

cli() {
  if [[ -n "$password" ]]; then REDISCLI_AUTH="$password" redis-cli -h 127.0.0.1 -p "$port" "$@"
  else redis-cli -h 127.0.0.1 -p "$port" "$@"; fi
}

running_pid() { pid_matching "redis-server 127.0.0.1:$port"; }

start() {
  if pid="$(running_pid)"; then say "already running (pid $pid)"; return 0; fi
  command -v redis-server >/dev/null || { say "redis-server not found (apt-get install -y redis-server)"; exit 1; }
  if port_busy "$port"; then say "port $port is taken by another process; set CURRICULUM_REDIS_PORT"; exit 1; fi
  mkdir -p "$data"
  local args=(--bind 127.0.0.1 --port "$port" --dir "$data" --daemonize yes
    --pidfile "$pidfile" --logfile "$logfile"
    --appendonly yes --appendfsync always --save ''
    --protected-mode yes)
  if [[ -n "$password" ]]; then args+=(--requirepass "$password"); fi
  redis-server "${args[@]}"
  local deadline=$((SECONDS + 30))
  # PING answers LOADING while the AOF is replayed; wait for PONG.
  until [[ "$(cli ping 2>/dev/null || true)" == "PONG" ]]; do
    if ((SECONDS > deadline)); then say "not ready after 30 s; see $logfile"; tail -n 20 "$logfile" >&2; exit 1; fi
    sleep 0.05
  done
  say "ready on 127.0.0.1:$port (pid $(cat "$pidfile"))"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then rm -f "$pidfile"; return 0; fi
  cli shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  wait_exit "$pid"
  say "stopped"
}

url() {
  if [[ -n "$password" ]]; then echo "redis://:$password@127.0.0.1:$port"; else echo "redis://127.0.0.1:$port"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  kill) kill_hard "$(running_pid || true)" ;;
  restart) stop; start ;;
  status) report_status ;;
  reset) stop; rm -rf "$data" ;;
  url) url ;;
  *) echo "usage: $0 start|stop|kill|restart|status|reset|url" >&2; exit 2 ;;
esac
