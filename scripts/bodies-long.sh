#!/usr/bin/env bash
# The long rigid-body runs of issue 21 (Archimedes at 32^3 over 600 frames, still water, no
# energy from nowhere over 1000 frames): test/bodies-long.test.ts with LONG_PHYSICS=1. Takes
# tens of minutes on SwiftShader; CI skips them.
set -euo pipefail
cd "$(dirname "$0")/.."
LONG_PHYSICS=1 npx vitest run test/bodies-long.test.ts "$@"
