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

# True when something accepts connections on the port (bash's /dev/tcp, no extra tools).
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

say() { echo "redis: $*" >&2; }

cli() {
  if [[ -n "$password" ]]; then REDISCLI_AUTH="$password" redis-cli -h 127.0.0.1 -p "$port" "$@"
  else redis-cli -h 127.0.0.1 -p "$port" "$@"; fi
}

running_pid() {
  [[ -f "$pidfile" ]] || return 1
  local pid
  pid="$(cat "$pidfile")"
  [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep "redis-server 127.0.0.1:$port" >/dev/null || return 1
  echo "$pid"
}

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

wait_exit() {
  local pid="$1"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  rm -f "$pidfile"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then rm -f "$pidfile"; return 0; fi
  cli shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  wait_exit "$pid"
  say "stopped"
}

hard_kill() {
  local pid
  if ! pid="$(running_pid)"; then return 0; fi
  kill -KILL "$pid" 2>/dev/null || true
  wait_exit "$pid"
  say "killed"
}

url() {
  if [[ -n "$password" ]]; then echo "redis://:$password@127.0.0.1:$port"; else echo "redis://127.0.0.1:$port"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  kill) hard_kill ;;
  restart) stop; start ;;
  status) if pid="$(running_pid)"; then say "running (pid $pid)"; else say "not running"; exit 1; fi ;;
  reset) stop; rm -rf "$data" ;;
  url) url ;;
  *) echo "usage: $0 start|stop|kill|restart|status|reset|url" >&2; exit 2 ;;
esac
