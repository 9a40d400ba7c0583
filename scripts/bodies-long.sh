#!/usr/bin/env bash
# The long rigid-body runs of issue 21 (Archimedes at 32^3 over 600 frames, still water, no
# energy from nowhere over 1000 frames): test/long/bodies-long.test.ts (the long project). Takes
# tens of minutes on SwiftShader; CI skips them.
set -euo pipefail
cd "$(dirname "$0")/.."
npx vitest run --project long test/long/bodies-long.test.ts "$@"
