// Model sets (docs/contracts.md "Model set"): manifest fields, and the ONNX graphs run by
// onnxruntime-web reproduce the golden input/output pairs that PyTorch wrote at export.
//
// Checked: test/fixtures/tiny-model, test/fixtures/tiny-coarse-model and
// test/fixtures/tiny-state-model (tiny models trained on SYNTHETIC data, for tests only; the
// second with a half-resolution decoder, the third conditioned on the state: a state encoder and
// an LSTM with the inputs history and state) and every models/<name>/ that has a manifest.json.
// Bound: max |onnxruntime - torch| <= tol * max(1, max |torch|), tol = the manifest's
// golden.tolerance.maxAbsOverMaxRef, never looser than 1e-4 (measured: about 1e-7 on wasm).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { readFloat32File } from './helpers/files';

const root = path.resolve(__dirname, '..');
const FIXTURES = ['test/fixtures/tiny-model', 'test/fixtures/tiny-coarse-model', 'test/fixtures/tiny-state-model'];
const MAX_TOLERANCE = 1e-4;
const REQUIRED = ['format', 'version', 'mode', 'window', 'outputs', 'latent', 'inputChannels', 'levelSetClamp',
  'resolutions', 'normalization', 'files', 'training', 'evaluation', 'golden'] as const;

type TensorSpec = { file: string; dims: number[] };
type GoldenCase = { net: 'encoder' | 'lstm' | 'decoder' | 'stateEncoder'; name: string; inputs: Record<string, TensorSpec>; outputs: Record<string, TensorSpec> };

function modelDirs(): string[] {
  const dirs = FIXTURES.map((f) => path.join(root, f));
  const models = path.join(root, 'models');
  if (existsSync(models)) {
    for (const d of readdirSync(models).sort()) {
      if (existsSync(path.join(models, d, 'manifest.json'))) dirs.push(path.join(models, d));
    }
  }
  return dirs;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>) {
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < b.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
    maxRef = Math.max(maxRef, Math.abs(b[i]));
  }
  return { maxAbs, maxRef };
}

ort.env.wasm.numThreads = 1;

for (const dir of modelDirs()) {
  const rel = path.relative(root, dir);
  describe(`model set ${rel}`, () => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const golden = JSON.parse(readFileSync(path.join(dir, manifest.golden?.index ?? 'golden/golden.json'), 'utf8'));
    const tol = Math.min(MAX_TOLERANCE, manifest.golden?.tolerance?.maxAbsOverMaxRef ?? MAX_TOLERANCE);

    it('has a complete manifest (docs/contracts.md)', () => {
      for (const key of REQUIRED) expect(manifest, `manifest.${key}`).toHaveProperty(key);
      expect(manifest.format).toBe('latent-liquid-model');
      expect(manifest.version).toBe(1);
      expect(['split', 'total']).toContain(manifest.mode);
      expect(Number.isInteger(manifest.window) && manifest.window > 0).toBe(true);
      expect(Number.isInteger(manifest.outputs) && manifest.outputs > 0).toBe(true);
      expect(manifest.latent.downsample).toBe(8);
      // Absent = 1 (a full-resolution decoder).
      expect([undefined, 1, 2, 4]).toContain(manifest.latent.decoderDownsample);
      expect(manifest.latent.channels).toBeGreaterThan(0);
      expect(manifest.inputChannels[0]).toBe('pressure');
      expect([['pressure'], ['pressure', 'levelset']]).toContainEqual(manifest.inputChannels);
      expect(manifest.levelSetClamp).toBeGreaterThan(0);
      expect(manifest.normalization.pressureScale).toBeGreaterThan(0);
      const r = manifest.resolutions;
      if (r.kind === 'fixed') {
        expect(r.resolution).toHaveLength(3);
      } else {
        expect(r.kind).toBe('multiple-of');
        expect(r.multiple % 8).toBe(0);
        expect(r.min).toHaveLength(3);
        expect(r.max).toHaveLength(3);
      }
      // A state-conditioned model (docs/contracts.md "State conditioning") also has a state encoder.
      if (manifest.state !== undefined) {
        expect(manifest.state.inputChannels[0]).toBe('residual');
        expect([['residual'], ['residual', 'levelset'], ['residual', 'solid'], ['residual', 'levelset', 'solid']]).toContainEqual(manifest.state.inputChannels);
        expect(manifest.state.residualScale).toBeGreaterThan(0);
        expect(manifest.outputs).toBe(1);
      } else {
        expect(manifest.files.stateEncoder).toBeUndefined();
      }
      for (const net of ['encoder', 'lstm', 'decoder', ...(manifest.state ? ['stateEncoder'] : [])]) {
        expect(existsSync(path.join(dir, manifest.files[net])), `${net} file`).toBe(true);
        expect(golden.cases.some((c: GoldenCase) => c.net === net), `a golden case of ${net}`).toBe(true);
      }
      for (const key of ['1step', '4step']) expect(Number.isFinite(manifest.evaluation.lstm[key].relL2)).toBe(true);
      expect(Number.isFinite(manifest.evaluation.autoencoder.relL2)).toBe(true);
      expect(golden.cases.length).toBeGreaterThanOrEqual(3);
    });

    const sessions = new Map<string, Promise<ort.InferenceSession>>();
    const session = (net: string) => {
      if (!sessions.has(net)) {
        sessions.set(net, ort.InferenceSession.create(readFileSync(path.join(dir, manifest.files[net])), {
          executionProviders: ['wasm'],
        }));
      }
      return sessions.get(net)!;
    };

    for (const c of golden.cases as GoldenCase[]) {
      it(`golden ${c.name}: onnxruntime-web (wasm) matches PyTorch within ${tol}`, async () => {
        const s = await session(c.net);
        const feeds: Record<string, ort.Tensor> = {};
        for (const [name, t] of Object.entries(c.inputs)) {
          feeds[name] = new ort.Tensor('float32', readFloat32File(path.join(dir, 'golden', t.file)), t.dims);
        }
        const out = await s.run(feeds);
        for (const [name, t] of Object.entries(c.outputs)) {
          expect(out[name].dims).toEqual(t.dims);
          const { maxAbs, maxRef } = maxAbsDiff(out[name].data as Float32Array, readFloat32File(path.join(dir, 'golden', t.file)));
          expect(maxAbs, `${c.name}.${name} max abs error (max |ref| ${maxRef})`).toBeLessThanOrEqual(tol * Math.max(1, maxRef));
        }
        // Shapes promised by the contract.
        const C = manifest.latent.channels;
        if (c.net === 'encoder' || c.net === 'stateEncoder') {
          const [, , nz, ny, nx] = Object.values(c.inputs)[0].dims;
          expect(Object.values(c.outputs)[0].dims).toEqual([1, C, nz / 8, ny / 8, nx / 8]);
          expect(Object.values(c.inputs)[0].dims[1]).toBe(c.net === 'encoder' ? manifest.inputChannels.length : manifest.state.inputChannels.length);
        } else if (c.net === 'lstm') {
          // history [w, C, N], and for a state model state [C, N] (the state code).
          expect(Object.keys(c.inputs)).toEqual(manifest.state ? ['history', 'state'] : ['history']);
          const [w, c2, n] = c.inputs.history.dims;
          expect([w, c2]).toEqual([manifest.window, C]);
          if (manifest.state) expect(c.inputs.state.dims).toEqual([C, n]);
          expect(Object.values(c.outputs)[0].dims).toEqual([manifest.outputs, C, n]);
        } else {
          // The grid / latent.decoderDownsample: a coarse decoder's output is upsampled at run time.
          const [, , lz, ly, lx] = Object.values(c.inputs)[0].dims;
          const up = 8 / (manifest.latent.decoderDownsample ?? 1);
          expect(Object.values(c.outputs)[0].dims).toEqual([1, 1, lz * up, ly * up, lx * up]);
        }
      });
    }
  });
}

// Every node of every graph must run on onnxruntime-web's native WebGPU provider (no CPU
// fallback), and give the golden outputs there too. Runs the fixture on Dawn + SwiftShader in a
// child process: ORT's placement log comes from its wasm module, so it is read from the child's
// output. `--liftoff-only`: without it V8 spends about a minute of CPU optimizing ORT's 27 MB
// wasm module in the background, and the child only exits after that (measured here: 67 s vs 1 s).
const swiftshader = process.env.VK_ICD_FILENAMES ?? '/usr/lib/chromium/vk_swiftshader_icd.json';
const webgpuRun = process.env.LL_WEBGPU_RUN ?? 'all'; // all | lstm | none
describe.skipIf(!existsSync(swiftshader))('WebGPU provider (Dawn + SwiftShader)', () => {
  it.each(FIXTURES)(`places every node of %s on WebGpuExecutionProvider, golden pairs match (runs: ${webgpuRun})`, (fixture) => {
    const dir = path.join(root, fixture);
    const r = spawnSync(process.execPath, ['--liftoff-only', path.join(root, 'training/webgpu_check.mjs'), dir, '--run', webgpuRun], {
      cwd: root, encoding: 'utf8', timeout: 540_000, maxBuffer: 64 << 20,
      env: { ...process.env, VK_ICD_FILENAMES: swiftshader, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
    });
    const output = `${r.stdout}\n${r.stderr}`;
    expect(output, 'no WebGPU adapter').not.toContain('NO_ADAPTER');
    expect(r.status, output.slice(-2000)).toBe(0);
    const blocks = output.split(/^SESSION /m).slice(1);
    const golden = JSON.parse(readFileSync(path.join(dir, 'golden/golden.json'), 'utf8'));
    expect(blocks).toHaveLength(golden.cases.length);
    for (const b of blocks) {
      const name = b.split('\n')[0].trim();
      expect(b, `${name}: node placement`).toMatch(/All nodes placed on \[WebGpuExecutionProvider\]/);
      const result = b.split('\n').find((l) => l.startsWith('RESULT '));
      if (!result) {
        expect(b, `${name}: session created`).toContain(`CREATED ${name}`);
        continue;
      }
      const res = JSON.parse(result.slice(7));
      expect(res.dims).toEqual(res.expectedDims);
      expect(res.maxAbs, `${name} max abs error`).toBeLessThanOrEqual(MAX_TOLERANCE * Math.max(1, res.maxRef));
    }
  });
});
