#!/usr/bin/env node
// Entry of the `latent-liquid` command: runs the built CLI bundle (dist/cli.js), building it
// first when this is a source checkout that was not built yet.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import v8 from 'node:v8';

// onnxruntime-web's 27 MB wasm only orchestrates the WebGPU provider: keep V8 from spending a
// minute of CPU optimizing it in the background (which also delays the process's exit).
v8.setFlagsFromString('--liftoff-only');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli)) {
  if (!existsSync(join(root, 'esbuild.config.mjs'))) {
    console.error('latent-liquid: dist/cli.js is missing and this is not a source checkout; reinstall the package.');
    process.exit(1);
  }
  execFileSync(process.execPath, [join(root, 'esbuild.config.mjs'), '--quiet'], { stdio: 'inherit', cwd: root });
}
// Quiet Dawn's Vulkan loader warnings about XDG_RUNTIME_DIR on headless machines.
if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
