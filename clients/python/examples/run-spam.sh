#!/usr/bin/env bash
# The Python transformers example end to end: Kafka and Redis (scripts/services.sh), the
# controller (node bin/curriculum.mjs controller), then spam_hf.py (trainer + evaluator + run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
python="$(bash clients/python/setup-env.sh)"
scripts/services.sh start
eval "$(scripts/services.sh env)"
export SPAM_OUT="${SPAM_OUT:-$root/runs/python-spam}"
export CURRICULUM_CHECKPOINT_ROOT="${CURRICULUM_CHECKPOINT_ROOT:-$SPAM_OUT/checkpoints}"
export CURRICULUM_API_TOKEN="${CURRICULUM_API_TOKEN:-python-example-token-0123456789}"
export CURRICULUM_PORT="${CURRICULUM_PORT:-9411}"
export CURRICULUM_KAFKA_BROKERS CURRICULUM_REDIS_URL
mkdir -p "$SPAM_OUT"
node bin/curriculum.mjs controller >"$SPAM_OUT/controller.log" 2>&1 &
controller=$!
trap 'kill "$controller" 2>/dev/null || true; wait "$controller" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q '"controller started"' "$SPAM_OUT/controller.log" && break; sleep 0.5; done
"$python" clients/python/examples/spam_hf.py
