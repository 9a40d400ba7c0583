#!/usr/bin/env bash
# Data at scale, training and export in ONE run on a machine with an NVIDIA GPU (data made there
# cannot come back; only the trained model set and the reports do). After
# `../shared/device/pack.sh` here, the device tool runs
#   bash scripts/device-train.sh
# with carry [".gpu"]. What comes back in $OUT (at most 8 files): model.tar.gz (the model set:
# ONNX files, manifest, REPORT.md, images), REPORT.md, bench.json/bench.md (the new model's
# latent rows beside the classical solvers at BENCH_RES), dataset.log, train.log, all.log.
# Every step has its own time limit, and the steps' outputs are written as they finish, so a
# run cut short still returns what was done.
#
# Settings (environment): RES (grid of the data, 32), SCENES (120), FRAMES (96), SHARDS (dataset
# processes sharing the GPU, 8), LABELS (auto: mgpcg on the GPU), NAME (model set, latent-liquid-gpu),
# EPOCHS (12), LSTM_EPOCHS (30), TRAIN_ARGS (more training.pipeline options; default
# "--decoder-downsample 2 --workers 6": the coarse decoder measured as accurate as the full one on
# 16^3 solver data, BENCHMARKS.md; the pipeline's default --mode total, measured better than split;
# add --state for a state-conditioned model), BENCH_RES (64,128), and the limits in seconds DATA_S (150),
# TRAIN_S (240; the pipeline gets --time-limit TRAIN_S - 30 and stops its epochs in time to
# export), BENCH_S (120): 510 s in all, under the device's 600 s a command; LIMIT_SCALE (1)
# multiplies them for slow local dry runs.
# Locally (CPU, SwiftShader), a dry run of every step:
#   RES=16 SCENES=4 FRAMES=24 SHARDS=2 EPOCHS=1 LSTM_EPOCHS=1 BENCH_RES=16 BENCH_S=900 bash scripts/device-train.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-/tmp/device-train}"
RES="${RES:-32}" SCENES="${SCENES:-120}" FRAMES="${FRAMES:-96}" SHARDS="${SHARDS:-8}" LABELS="${LABELS:-auto}"
NAME="${NAME:-latent-liquid-gpu}" EPOCHS="${EPOCHS:-12}" LSTM_EPOCHS="${LSTM_EPOCHS:-30}"
TRAIN_ARGS="${TRAIN_ARGS:---decoder-downsample 2 --workers 6}"
BENCH_RES="${BENCH_RES:-64,128}"
DATA_S="${DATA_S:-150}" TRAIN_S="${TRAIN_S:-240}" BENCH_S="${BENCH_S:-120}"
# The GPU machine's python3 has torch with CUDA; Debian's torch is /usr/bin/python3's.
PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import torch, onnx' 2>/dev/null || PYTHON=/usr/bin/python3
WORK="${WORK:-$(mktemp -d /tmp/device-train.XXXXXX)}"
DATA="$WORK/data" MODEL="$WORK/models/$NAME"
mkdir -p "$DATA"
. scripts/device-lib.sh
dataset() { # SHARDS processes, one shard each, then one merged index
  local pids=() i rc=0
  for ((i = 0; i < SHARDS; i++)); do
    node bin/latent-liquid.mjs dataset --out "$DATA" --scenes "$SCENES" --frames "$FRAMES" --res "$RES" \
      --seed 11 --labels "$LABELS" --shard "$i/$SHARDS" $([ "$i" -gt 0 ] && echo --quiet) &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=$?; done
  [ "$rc" -eq 0 ] && node bin/latent-liquid.mjs dataset --merge "$DATA"
}
echo "device-train: data ${SCENES}x${FRAMES} at ${RES}^3 ($LABELS labels, $SHARDS processes), $PYTHON, work $WORK"
export RES SCENES FRAMES SHARDS LABELS DATA
export -f dataset  # `timeout` runs programs, not functions
step dataset "$DATA_S" bash -c dataset || { cat "$OUT"/*.log > "$OUT/all.log"; exit 1; }
du -sh "$DATA" | tee -a "$OUT/dataset.log"
# The pipeline picks CUDA when it is there.
step train "$TRAIN_S" "$PYTHON" -m training.pipeline --data "$DATA" --out "$MODEL" --epochs "$EPOCHS" \
  --lstm-epochs "$LSTM_EPOCHS" --seed 0 --time-limit "$((TRAIN_S - 30))" $TRAIN_ARGS
if [ -f "$MODEL/manifest.json" ]; then
  tar -czf "$OUT/model.tar.gz" -C "$WORK/models" "$NAME"
  cp "$MODEL/REPORT.md" "$OUT/REPORT.md"
  step bench "$BENCH_S" node bin/bench.mjs --res "$BENCH_RES" --repeats 3 --warmup 12 --model "$MODEL" \
    --json "$OUT/bench.json" --markdown "$OUT/bench.md"
fi
cat "$OUT"/dataset.log "$OUT"/train.log "$OUT"/bench.log > "$OUT/all.log" 2>/dev/null
rm -f "$OUT/bench.log"
ls -la "$OUT"
