#!/usr/bin/env bash
# Local Kafka + Redis for development: the same scripts .ci/run uses.
#
#   scripts/services.sh start     start both (installing the Kafka jars on first use) and print the exports
#   scripts/services.sh stop      stop both
#   scripts/services.sh restart   restart both, keeping their data
#   scripts/services.sh status    show whether each runs
#   scripts/services.sh env       print the exports the integration tests read:
#                                 eval "$(scripts/services.sh env)"
#   scripts/services.sh reset     stop both and delete their data
#
# Ports: CURRICULUM_KAFKA_PORT (default 19092; controller and SASL/PLAIN listeners on the next two), CURRICULUM_REDIS_PORT (default 16379).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kafka="$root/deploy/kafka/kafka.sh"
redis="$root/deploy/redis/redis.sh"

print_env() {
  cat <<EOT
export CURRICULUM_KAFKA_BROKERS=$("$kafka" brokers)
export CURRICULUM_KAFKA_SASL_BROKERS=$("$kafka" sasl-brokers)
export CURRICULUM_KAFKA_CTL=$kafka
export CURRICULUM_KAFKA_HOME=${CURRICULUM_KAFKA_HOME:-$root/.tools/kafka}
export CURRICULUM_REDIS_URL=$("$redis" url)
export CURRICULUM_REDIS_CTL=$redis
export CURRICULUM_REDIS_HOME=${CURRICULUM_REDIS_HOME:-$root/.tools/redis}
EOT
}

case "${1:-}" in
  start)
    "$kafka" start
    "$redis" start
    print_env
    ;;
  stop)
    "$kafka" stop
    "$redis" stop
    ;;
  restart)
    "$kafka" restart
    "$redis" restart
    ;;
  status)
    rc=0
    "$kafka" status || rc=1
    "$redis" status || rc=1
    exit "$rc"
    ;;
  env) print_env ;;
  reset)
    "$kafka" reset
    "$redis" reset
    ;;
  *)
    echo "usage: $0 start|stop|restart|status|env|reset" >&2
    exit 2
    ;;
esac
