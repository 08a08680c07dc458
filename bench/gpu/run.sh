#!/bin/bash
# The GPU check, run once on a lent device machine from the repo root with carry [".devkit"]
# (prepared here by bench/gpu/build.sh):
#   bash bench/gpu/run.sh
# writes gpu-check.json, gpu-check.md and gpu-check.log into $OUT. Here, on lavapipe and the
# system's node, the same bundle runs with: GPU_CHECK_LOCAL=1 OUT=/tmp/gpu-out bash bench/gpu/run.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
[ -f .devkit/gpu-check.mjs ] || { echo "run.sh: .devkit/gpu-check.mjs missing: run bench/gpu/build.sh first and carry .devkit" >&2; exit 2; }
if [ "${GPU_CHECK_LOCAL:-0}" != 1 ]; then source .devkit/prelude.sh; fi
out=${OUT:-$PWD/gpu-out}
mkdir -p "$out"
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"; node --version; } > "$out/gpu-check.log"
# The bootstrap's worker threads run from the bundled worker (build.sh), as there is no tsx here.
[ -f .devkit/replicate-worker.mjs ] && export SYSGMM_WORKER=$PWD/.devkit/replicate-worker.mjs
# 9 minutes at most (the device tool allows 10 per command); the check itself keeps to GPU_CHECK_BUDGET_S.
GPU_CHECK_BUDGET_S=${GPU_CHECK_BUDGET_S:-420} timeout 540 node .devkit/gpu-check.mjs --out "$out" 2>>"$out/gpu-check.log"
rc=$?
tail -n 40 "$out/gpu-check.log" >&2
exit $rc
