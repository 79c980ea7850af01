# Pid-file handling shared by the local service scripts (deploy/kafka/kafka.sh, deploy/redis/redis.sh).
# Sourced, not run. The caller sets `pidfile` and defines `say` before sourcing.

# True when something accepts connections on the port (bash's /dev/tcp, no extra tools).
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints the pid from $pidfile when that process is alive and its command line contains $1.
# The command-line check matters: a recycled pid must never be signalled.
pid_matching() {
  [[ -f "$pidfile" ]] || return 1
  local pid
  pid="$(cat "$pidfile")"
  [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -F -- "$1" >/dev/null || return 1
  echo "$pid"
}

# Waits for $1 to exit; after $2 seconds (0: never) it is sent SIGKILL. Removes $pidfile.
wait_exit() {
  local pid="$1" grace="${2:-0}"
  local deadline=$((SECONDS + grace))
  while kill -0 "$pid" 2>/dev/null; do
    if ((grace > 0 && SECONDS > deadline)); then say "no exit after $grace s, killing"; kill -KILL "$pid" 2>/dev/null || true; grace=0; fi
    sleep 0.05
  done
  rm -f "$pidfile"
}

# SIGKILL (fault tests): $1 is the running pid, or empty when nothing runs.
kill_hard() {
  [[ -n "$1" ]] || return 0
  kill -KILL "$1" 2>/dev/null || true
  wait_exit "$1"
  say "killed"
}

# The `status` verb: exit 0 when running.
report_status() {
  local pid
  if pid="$(running_pid)"; then say "running (pid $pid)"; else say "not running"; return 1; fi
}
