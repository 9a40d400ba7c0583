#!/usr/bin/env bash
# One prepared run for a machine with a real GPU (../shared/device/README.md): after
# `../shared/device/pack.sh` here, the device tool runs
#   bash scripts/device-check.sh
# with carry [".gpu"]; everything it measures lands in $OUT (at most 8 files come back).
# Steps run in order of value, each under its own time limit, so a slow step cannot cost the rest.
set -uo pipefail
cd "$(dirname "$0")/.."
# Locally (SwiftShader), a dry run: RES=16 PROFILE=16 bash scripts/device-check.sh
if [ -f .gpu/setup.sh ]; then . .gpu/setup.sh; fi
OUT="${OUT:-/tmp/device-check}"
RES="${RES:-32,64,128}"
PROFILE="${PROFILE:-64,128}"
mkdir -p "$OUT"
step() { # step NAME SECONDS COMMAND...
  local name=$1 limit=$2; shift 2
  echo "== $name (limit ${limit}s)"
  local t0=$SECONDS
  timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
  echo "   exit $? after $((SECONDS - t0)) s"
  tail -n 4 "$OUT/$name.log"
}
# 1. Every pressure method side by side, the V-cycle smoothings, and the latent path on both
#    runtimes (onnxruntime-web and our WGSL networks, from the same state).
step bench 300 node bin/bench.mjs --res "$RES" --repeats 7 --warmup 24 --smoothings red-black:1,red-black:2,jacobi:2 \
  --json "$OUT/bench.json" --markdown "$OUT/bench.md"
# 2. Per-kernel MGPCG cost with the Jacobi and the red-black smoother.
step profile-jacobi 60 node bin/bench.mjs --profile-mgpcg "$PROFILE" --json "$OUT/profile-jacobi.json"
step profile-red-black 60 node bin/bench.mjs --profile-mgpcg "$PROFILE" --smoothings red-black:1 --json "$OUT/profile-red-black.json"
cat "$OUT"/*.log > "$OUT/all.log"
rm -f "$OUT"/bench.log "$OUT"/profile-*.log
ls -la "$OUT"
