#!/usr/bin/env bash
# One prepared run for a machine with a real GPU (../shared/device/README.md): after
# `../shared/device/pack.sh` here, the device tool runs
#   bash scripts/device-check.sh
# with carry [".gpu"]; everything it measures lands in $OUT (at most 8 files come back).
# Steps run in order of value, each under its own time limit, so a slow step cannot cost the rest.
set -uo pipefail
cd "$(dirname "$0")/.."
# Locally (SwiftShader), a dry run: RES=16 PROFILE=16 LIMIT_SCALE=10 bash scripts/device-check.sh.
OUT="${OUT:-/tmp/device-check}"
RES="${RES:-32,64,128}"
PROFILE="${PROFILE:-64,128}"
. scripts/device-lib.sh
# 1. Every pressure method side by side, the MGPCG variants, and the latent path on both
#    runtimes (onnxruntime-web and our WGSL networks, from the same state). MGPCG to the
#    tolerance with Jacobi x1, red-black x1 and x2, each with the coarse cycle on (cc512, the
#    default) and off (cc0: one dispatch per operation and level), and Jacobi x2 (cc512); the
#    scene's jacobi:1:cc512 row is always measured, listed for the reader. Six rows besides the
#    scene's where there were three: medians of 5 runs instead of 7 keep the step count (about
#    311 steps a resolution against 322 before) and so the time under the same limit. Each
#    smoothing row is in bench.log (all.log) as it is measured, should the limit cut the run.
step bench 300 node bin/bench.mjs --res "$RES" --repeats 5 --warmup 24 \
  --smoothings jacobi:1:cc512,jacobi:1:cc0,red-black:1:cc512,red-black:1:cc0,red-black:2:cc512,red-black:2:cc0,jacobi:2 \
  --json "$OUT/bench.json" --markdown "$OUT/bench.md"
# 2. Per-kernel MGPCG cost with the Jacobi and the red-black smoother, coarse cycle on and off
#    (coarseCycle@L against the per-level kernels it replaces), each resolution in turn.
step profile-jacobi 60 node bin/bench.mjs --profile-mgpcg "$PROFILE" --smoothings jacobi:1:cc512,jacobi:1:cc0 --json "$OUT/profile-jacobi.json"
step profile-red-black 60 node bin/bench.mjs --profile-mgpcg "$PROFILE" --smoothings red-black:1:cc512,red-black:1:cc0 --json "$OUT/profile-red-black.json"
cat "$OUT"/*.log > "$OUT/all.log"
rm -f "$OUT"/bench.log "$OUT"/profile-*.log
ls -la "$OUT"
