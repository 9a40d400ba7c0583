#!/usr/bin/env bash
# Runs `npm run bench` on a Linux machine with an NVIDIA GPU: Node's WebGPU (Dawn, the `webgpu`
# npm package) over the NVIDIA Vulkan driver. Writes bench-results/nvidia-<date>.{json,md,png}
# for BENCHMARKS.md. Usage: scripts/run-nvidia-bench.sh [extra bench options, e.g. --res 32,64,128]
set -euo pipefail
cd "$(dirname "$0")/.."

# The NVIDIA Vulkan ICD lives in different places depending on how the driver was installed.
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -z "${VK_DRIVER_FILES:-}" ]; then
  for icd in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
             /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.x86_64.json; do
    if [ -e "$icd" ]; then export VK_ICD_FILENAMES="$icd"; break; fi
  done
fi
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]; then
  echo "run-nvidia-bench: no NVIDIA Vulkan ICD found (looked in /usr/share/vulkan/icd.d, /etc/vulkan/icd.d, /usr/local/nvidia/...)." >&2
  echo "Install the NVIDIA driver with its Vulkan ICD and libvulkan1, or set VK_ICD_FILENAMES." >&2
  exit 1
fi
ldconfig -p | grep -q libvulkan.so.1 || { echo "run-nvidia-bench: libvulkan.so.1 (the Vulkan loader) is missing: apt-get install libvulkan1" >&2; exit 1; }
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

[ -d node_modules ] || npm ci --no-audit --no-fund
node esbuild.config.mjs --quiet

stamp="$(date -u +%Y-%m-%d)"
out="bench-results/nvidia-${stamp}"
mkdir -p bench-results
node bin/bench.mjs --res 32,64,128 --repeats 20 --warmup 24 "$@" \
  --json "${out}.json" --markdown "${out}.md" --plot "${out}.png"
if grep -qi swiftshader "${out}.json"; then
  echo "run-nvidia-bench: the adapter is SwiftShader, not the NVIDIA GPU: check VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}" >&2
  exit 1
fi
echo "wrote ${out}.json, ${out}.md and ${out}.png; paste ${out}.md into BENCHMARKS.md with the date and adapter."
