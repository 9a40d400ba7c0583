#!/usr/bin/env bash
# The long test runs (test/long/: the 32^3 shipped-model closed loop, the 600-frame 32^3 paddle
# wheel) on a machine with a real GPU, where they take minutes instead of hours:
#   bash scripts/device-long-tests.sh
# (after `npm ci`; Node's Dawn uses the machine's Vulkan driver). Writes long-tests.log and
# long-tests.json (vitest's JSON report, per-test durations) to $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-/tmp/device-long-tests}"
mkdir -p "$OUT"
export LIQUID_TEST_REAL_GPU=1 # not SwiftShader (vitest.config.ts)
if [ -f .gpu/setup.sh ] && ! command -v node >/dev/null; then . .gpu/setup.sh; fi
node node_modules/vitest/vitest.mjs run --project=long --reporter=verbose --reporter=json \
  --outputFile.json="$OUT/long-tests.json" 2>&1 | tee "$OUT/long-tests.log"
exit "${PIPESTATUS[0]}"
