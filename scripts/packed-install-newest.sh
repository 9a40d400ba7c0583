#!/usr/bin/env bash
# The packed-app test (test/packed-install.test.ts) on the newest versions npm resolves today for
# the package's declared ranges (onnxruntime-web, playcanvas, esbuild): what a user following the
# README gets. Installs from the registry; slow (minutes). CI runs the lockfile's versions.
set -euo pipefail
cd "$(dirname "$0")/.."
LATENT_LIQUID_INSTALL=newest exec npx vitest run test/packed-install.test.ts "$@"
