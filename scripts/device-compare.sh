#!/usr/bin/env bash
# The closed-loop numbers of the predictor issue on a machine with a real GPU: `latent-liquid
# compare` of every shipped model on dam-break, drop and pour at 32^3 and 64^3, interval 4, WGSL
# runtime, (1) with Jacobi corrections and the adaptive check (predictions kept, divergence on
# predicted frames, surface difference at the end) and (2) with --correction solve against MGPCG to
# 1e-4 (CG iterations a prediction saves as a warm start). After `../shared/device/pack.sh` here,
# the device tool runs
#   bash scripts/device-compare.sh
# with carry [".gpu"]. What comes back in $OUT: compare.md (every summary table, one run after
# another, each headed by its command), compare.jsonl (the per-frame rows), all.log.
# Settings (environment): RES (32,64), PRESETS (dam-break,drop,pour), MODELS (every models/*/ with
# a manifest), FRAMES (48), INTERVAL (4), COMPARE_S (the time limit of one compare, 60 s),
# TOTAL_S (540: no compare starts after that many seconds, under the device's 600 s a command; the
# skipped ones are listed in compare.md), LIMIT_SCALE (1) for slow local dry runs:
#   RES=16 PRESETS=dam-break FRAMES=8 LIMIT_SCALE=10 bash scripts/device-compare.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-/tmp/device-compare}"
RES="${RES:-32,64}" PRESETS="${PRESETS:-dam-break,drop,pour}" FRAMES="${FRAMES:-48}" INTERVAL="${INTERVAL:-4}"
COMPARE_S="${COMPARE_S:-60}" TOTAL_S="${TOTAL_S:-540}"
MODELS="${MODELS:-$(for m in models/*/manifest.json; do dirname "$m"; done | paste -sd, -)}"
. scripts/device-lib.sh
: > "$OUT/compare.md"
: > "$OUT/compare.jsonl"
n=0
for res in ${RES//,/ }; do
  for preset in ${PRESETS//,/ }; do
    for model in ${MODELS//,/ }; do
      for mode in jacobi solve; do
        n=$((n + 1))
        extra=()
        [ "$mode" = solve ] && extra=(--pressure mgpcg --tolerance 1e-4 --correction solve)
        args=(compare "$preset" --res "$res" --frames "$FRAMES" --interval "$INTERVAL" --latent-runtime wgsl
          --model "$model" "${extra[@]}" --quiet --summary "$OUT/summary.md" --metrics "$OUT/rows.jsonl")
        if [ "$SECONDS" -gt $((TOTAL_S * LIMIT_SCALE)) ]; then
          printf '### skipped (time budget TOTAL_S spent): `latent-liquid %s`\n\n' "${args[*]}" >> "$OUT/compare.md"
          continue
        fi
        rm -f "$OUT/summary.md" "$OUT/rows.jsonl"
        step "compare$n" "$COMPARE_S" node bin/latent-liquid.mjs "${args[@]}"
        { echo "### \`latent-liquid ${args[*]}\`"; echo; cat "$OUT/summary.md" 2>/dev/null || echo "(no summary: see all.log, compare$n)"; echo; } >> "$OUT/compare.md"
        [ -f "$OUT/rows.jsonl" ] && sed "s|^{|{\"run\":\"$preset $res $(basename "$model") $mode\",|" "$OUT/rows.jsonl" >> "$OUT/compare.jsonl"
      done
    done
  done
done
rm -f "$OUT/summary.md" "$OUT/rows.jsonl"
cat "$OUT"/compare*.log > "$OUT/all.log" 2>/dev/null
rm -f "$OUT"/compare[0-9]*.log
ls -la "$OUT"
