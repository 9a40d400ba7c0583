import { readFile } from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { latentDims, loadModelFiles, ModelError, validateManifest, type ModelFiles } from '../latent/model-manifest';

/** Loads a model set (manifest.json + three .onnx files, and the state encoder of a state-conditioned model) from a directory. */
export async function loadModelFromDirectory(dir: string): Promise<ModelFiles> {
  const full = resolve(dir);
  if (!existsSync(full)) throw new ModelError(`model directory ${dir} does not exist`);
  return loadModelFiles(dir, async (name) => new Uint8Array(await readFile(join(full, name))));
}

/** The package's root folder (where models/ lives), from this bundle's location. */
export function packageRoot(): string {
  // Walk up from this file (dist/cli.js in the bundle, src/node/ in tests) to our package.json.
  let dir = typeof __dirname !== 'undefined' ? __dirname : new URL('.', import.meta.url).pathname;
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'latent-liquid') return dir;
      } catch { /* keep looking */ }
    }
    dir = resolve(dir, '..');
  }
  return process.cwd();
}

/**
 * Why no shipped model serves a grid: one line per model folder under `modelsDir`, naming the
 * grids it accepts (from its manifest), e.g. "models/latent-liquid: this model serves grids
 * whose sides are multiples of 8 within ...".
 */
export function shippedModelsProblems(dims: [number, number, number], modelsDir = join(packageRoot(), 'models')): string[] {
  if (!existsSync(modelsDir)) return [`no models folder at ${modelsDir}`];
  const lines: string[] = [];
  for (const name of readdirSync(modelsDir).sort()) {
    const manifestPath = join(modelsDir, name, 'manifest.json');
    if (!existsSync(manifestPath)) continue;
    try {
      latentDims(validateManifest(JSON.parse(readFileSync(manifestPath, 'utf8'))), dims);
    } catch (e) {
      lines.push(`models/${name}: ${(e as Error).message}`);
    }
  }
  return lines;
}

/**
 * The shipped model (models/<name>/) that serves a grid: among those whose manifest accepts
 * it, total-mode models first (in the closed loop they keep more predictions than split-mode
 * ones, BENCHMARKS.md), then the one trained closest to the grid. Null if none does.
 */
export function findShippedModel(dims: [number, number, number], modelsDir = join(packageRoot(), 'models')): string | null {
  if (!existsSync(modelsDir)) return null;
  let best: { dir: string; distance: number } | null = null;
  for (const name of readdirSync(modelsDir)) {
    const dir = join(modelsDir, name);
    const manifestPath = join(dir, 'manifest.json');
    if (!existsSync(manifestPath)) continue;
    try {
      const manifest = validateManifest(JSON.parse(readFileSync(manifestPath, 'utf8')));
      latentDims(manifest, dims);
      const trained = (manifest.resolutions as { trained?: number[] }).trained ?? dims;
      const distance = Math.abs(Math.log((trained[0] * trained[1] * trained[2]) / (dims[0] * dims[1] * dims[2])))
        + (manifest.mode === 'total' ? 0 : 100);
      if (!best || distance < best.distance) best = { dir, distance };
    } catch {
      // not a usable model for this grid
    }
  }
  return best?.dir ?? null;
}
