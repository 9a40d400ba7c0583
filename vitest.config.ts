import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// WGSL files are imported as text, like esbuild's `text` loader does for the bundles.
const wgslText = {
  name: 'wgsl-text',
  transform(_code: string, id: string) {
    if (!id.endsWith('.wgsl')) return null;
    return { code: `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`, map: null };
  },
};

export default defineConfig({
  plugins: [wgslText],
  test: {
    pool: 'forks',
    // onnxruntime-web's 27 MB wasm: without this V8 spends about a minute of CPU optimizing it
    // in the background (the workers' WebGPU provider only orchestrates; Liftoff is enough).
    execArgv: ['--liftoff-only'],
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    env: {
      VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? '/usr/lib/chromium/vk_swiftshader_icd.json',
      XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp',
    },
  },
});
