#!/usr/bin/env bash
# bench/gpu-check.sh — the native GPU backend on a machine with an NVIDIA GPU, end to end.
#
# For a fresh machine that reaches nothing but the package registries (npm, PyPI): installs the
# project (npm ci), the GPU build of the native backend (`npm run setup:native -- --gpu`: the
# tensorflow==2.18.1 wheel's libtensorflow_cc + the nvidia-*-cu12 wheels it pins, tfjs-node-gpu
# 4.22.0 built from source; the same steps deploy/docker/Dockerfile.gpu runs), checks that
# TensorFlow reports the GPU, runs the trainer and evaluator tests on it, then bench:trainer on
# tensorflow-gpu vs wasm. Every step runs even when an earlier one failed (except where it needs
# that one); what happened is written to $OUT (or bench/results/gpu-check/):
#
#   summary.txt        one line per step: ok / FAILED (exit code) / skipped, seconds
#   gpu-check.log      everything printed
#   nvidia-smi.txt     the GPU, driver and CUDA version the driver offers
#   backend.json       what trainer/backend.ts selected for tensorflow-gpu (backend, device)
#   trainer-tests.txt  the trainer and evaluator tests on CURRICULUM_TEST_BACKEND=tensorflow-gpu
#   trainer-gpu.json   bench:trainer's results (and .svg), bench-trainer.txt its output
#
# Usage: bash bench/gpu-check.sh [--quick]   (--quick: the bench's short variant; exit 1 if any step failed)
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
root="$PWD"
out="${OUT:-$root/bench/results/gpu-check}"
mkdir -p "$out"
exec > >(tee "$out/gpu-check.log") 2>&1
quick=()
[[ "${1:-}" == --quick ]] && quick=(--quick)

: >"$out/summary.txt"
failed=0
step() { # name command...: runs it, records ok/FAILED and seconds
  local name="$1" start=$SECONDS rc
  shift
  echo "==== $name: $*"
  "$@"
  rc=$?
  if ((rc == 0)); then
    echo "$name: ok ($((SECONDS - start)) s)" >>"$out/summary.txt"
  else
    echo "$name: FAILED (exit $rc, $((SECONDS - start)) s)" >>"$out/summary.txt"
    failed=1
  fi
  return "$rc"
}
skip() { echo "$1: skipped ($2)" >>"$out/summary.txt"; }

{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)"
  echo "node: $(node --version 2>/dev/null || echo missing)"
  echo "python: $(python3 --version 2>/dev/null || echo missing)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-) x $(nproc)"
} | tee "$out/machine.txt"

if command -v nvidia-smi >/dev/null; then
  step nvidia-smi bash -c "nvidia-smi >'$out/nvidia-smi.txt' && nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv >>'$out/nvidia-smi.txt'"
  cat "$out/nvidia-smi.txt"
else
  skip nvidia-smi "not on PATH"
fi
[[ -e /dev/nvidia0 ]] || echo "warning: /dev/nvidia0 is absent: trainer/backend.ts will report no GPU"

# The project's own dependencies (a fresh machine has no node_modules).
if [[ -d node_modules/@tensorflow/tfjs && -d node_modules/tsx ]]; then
  skip "npm ci" "node_modules present"
else
  step "npm ci" npm ci --no-audit --no-fund --loglevel=error || { echo "npm ci failed: nothing else can run"; exit 1; }
fi

# The GPU build: about 0.6 GB of TensorFlow wheel and 1.6 GB of CUDA wheels, cached under .tools/native.
if ! step "setup:native --gpu" bash scripts/setup-native.sh --gpu; then
  tail -n 40 .native/gpu/build.log 2>/dev/null
  echo "the GPU build failed: the tests and the bench would not run on the GPU"
  exit 1
fi

# Which device TensorFlow reports, through the same code the trainer uses.
step "select tensorflow-gpu" node --import tsx -e "
  import('./trainer/backend.ts').then(async ({ selectBackend }) => {
    const { pino } = await import('pino');
    const selected = await selectBackend('tensorflow-gpu', pino({ level: 'info' }));
    require('node:fs').writeFileSync('$out/backend.json', JSON.stringify(selected, null, 2) + '\n');
    console.log(selected);
  });
"
gpu_ok=$?

if ((gpu_ok == 0)); then
  # The native CPU pass of the runner is for .native/cpu; here the whole pass is on the GPU.
  step "trainer and evaluator tests on tensorflow-gpu" bash -c \
    "set -o pipefail; CURRICULUM_TEST_BACKEND=tensorflow-gpu CURRICULUM_TEST_NATIVE=0 node scripts/run-tests.mjs test/trainer test/evaluator 2>&1 | tee '$out/trainer-tests.txt'"
  step "bench:trainer tensorflow-gpu vs wasm" bash -c \
    "set -o pipefail; npx tsx bench/trainer.ts ${quick[*]} --backends tensorflow-gpu,wasm --out '$out/trainer-gpu' 2>&1 | tee '$out/bench-trainer.txt'"
else
  skip "trainer and evaluator tests on tensorflow-gpu" "TensorFlow reported no GPU"
  skip "bench:trainer tensorflow-gpu vs wasm" "TensorFlow reported no GPU"
fi

echo "==== summary ($out)"
cat "$out/summary.txt"
exit "$failed"
