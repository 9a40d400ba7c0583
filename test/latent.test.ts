// The latent runtime on real WebGPU (Dawn + SwiftShader, onnxruntime-web's WebGPU provider on
// the solver's own device): golden outputs, the schedule, and every fallback path.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiquidSolver } from '../src/solver/liquid-solver';
import { JacobiPressureStage } from '../src/solver/pressure/jacobi-pressure-stage';
import { presetScene } from '../src/scene/presets';
import { LatentPressurePredictor } from '../src/latent/latent-pressure-predictor';
import { LatentScheduler } from '../src/latent/latent-scheduler';
import { attachLatent, attachLatentPredictor, describeLatentFailure } from '../src/latent/attach-latent';
import { decodedDims, decoderDownsample, ModelCompatibilityError, ModelError, validateManifest, latentDims } from '../src/latent/model-manifest';
import { referenceUpsampleTrilinear } from '../src/reference/reference-upsample';
import { gpuTensor } from '../src/latent/ort-session';
import { loadModelFromDirectory } from '../src/node/model-directory';
import { maxDiff, read, testGpu, upload } from './helpers/gpu';
import type { LatentPressureStage } from '../src/latent/latent-pressure-stage';
import { readFloat32File } from './helpers/files';

const TINY = join(__dirname, 'fixtures', 'tiny-model');
/** The same tiny model with a decoder at half resolution (latent.decoderDownsample 2). */
const TINY_COARSE = join(__dirname, 'fixtures', 'tiny-coarse-model');
let device: GPUDevice;
const owned: LiquidSolver[] = [];

beforeAll(async () => {
  device = (await testGpu()).device;
});

afterAll(() => {
  for (const s of owned) s.destroy();
});

/** One case of a model set's golden/golden.json. */
interface GoldenCase {
  name: string;
  net: 'encoder' | 'lstm' | 'decoder';
  inputs: Record<string, { file: string; dims: number[] }>;
  outputs: Record<string, { file: string; dims: number[] }>;
}

/** Runs a golden case of the model set in `dir` through the predictor's network on the GPU; the largest difference from the golden output and that output's scale. */
async function runGoldenCase(predictor: LatentPressurePredictor, dir: string, c: GoldenCase): Promise<{ abs: number; scale: number }> {
  const [inName, input] = Object.entries(c.inputs)[0];
  const [outName, output] = Object.entries(c.outputs)[0];
  const x = readFloat32File(join(dir, 'golden', input.file));
  const want = readFloat32File(join(dir, 'golden', output.file));
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const inBuf = device.createBuffer({ size: x.byteLength, usage });
  const outBuf = device.createBuffer({ size: want.byteLength, usage });
  try {
    upload(device, inBuf, x);
    await predictor.runNetwork(c.net, { [inName]: gpuTensor(inBuf, input.dims) }, { [outName]: gpuTensor(outBuf, output.dims) });
    return maxDiff(await read(device, outBuf, want.length), want);
  } finally {
    inBuf.destroy();
    outBuf.destroy();
  }
}

async function solverFor(preset: string, res: number): Promise<LiquidSolver> {
  const s = await LiquidSolver.create(device, presetScene(preset, res), { timing: true });
  owned.push(s);
  return s;
}

/**
 * What the history and the anchor must hold after a step: the encoder input computed on the CPU
 * from the pressure the step used (normalized dynamic pressure in liquid cells, clamped level
 * set), and the encoder's code of it, from a separate encoder run. Returns the newest history
 * code and the anchor read from the GPU alongside.
 */
async function usedPressureEncoding(solver: LiquidSolver, stage: LatentPressureStage) {
  const p = stage.predictor;
  const m = p.manifest;
  const n = solver.grid.cellCount;
  const [pressure, phi, solid, hydro] = [await solver.readField('pressure'), await solver.readField('levelset'),
    await solver.readField('solid'), await solver.readField('hydrostatic')];
  const split = m.mode === 'split' ? 1 : 0;
  const input = new Float32Array(m.inputChannels.length * n);
  const k = m.levelSetClamp;
  const inv = Math.fround(1 / solver.scene.cellSize);
  for (let i = 0; i < n; i++) {
    const liquid = phi[i] < 0 && solid[i] >= 0;
    input[i] = liquid ? (pressure[i] - split * hydro[i]) / m.normalization.pressureScale : 0;
    if (m.inputChannels.length > 1) input[n + i] = Math.min(k, Math.max(-k, phi[i] * inv)) / k;
  }
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const inBuf = device.createBuffer({ size: input.byteLength, usage });
  const outBuf = device.createBuffer({ size: p.codeCount * 4, usage });
  upload(device, inBuf, input);
  const g = solver.grid;
  const [lx, ly, lz] = p.latentGrid;
  await p.runNetwork('encoder', { pressure: gpuTensor(inBuf, [1, m.inputChannels.length, g.nz, g.ny, g.nx]) },
    { code: gpuTensor(outBuf, [1, m.latent.channels, lz, ly, lx]) });
  const code = await read(device, outBuf, p.codeCount);
  inBuf.destroy();
  outBuf.destroy();
  const history = await read(device, p.historyBuffer, m.window * p.codeCount);
  const newest = history.slice((m.window - 1) * p.codeCount);
  const anchor = await read(device, p.gpuBuffers.anchor, 2 * n);
  const prediction = await read(device, p.gpuBuffers.prediction, p.codeCount);
  return { input: input.slice(0, n), code, newest, anchor, prediction };
}

describe('the scheduler', () => {
  it('solves during warm-up, then one solve every N steps', () => {
    const s = new LatentScheduler(6, { warmupFrames: 6, interval: 4, correctionIterations: 4 });
    const modes: string[] = [];
    for (let i = 0; i < 18; i++) {
      const m = s.next();
      modes.push(m);
      s.record(m, true);
    }
    expect(modes.slice(0, 6)).toEqual(Array(6).fill('solve'));
    expect(modes.slice(6).join(' ')).toBe('predict predict predict solve predict predict predict solve predict predict predict solve');
  });

  it('interval 1 never predicts, warm-up is never shorter than the window, reset starts over', () => {
    const once = new LatentScheduler(6, { warmupFrames: 0, interval: 1, correctionIterations: 0 });
    for (let i = 0; i < 20; i++) { expect(once.next()).toBe('solve'); once.record('solve', false); }
    const s = new LatentScheduler(6, { warmupFrames: 2, interval: 2, correctionIterations: 0 });
    expect(s.effectiveWarmup).toBe(6);
    const modes: string[] = [];
    for (let i = 0; i < 10; i++) { const m = s.next(); modes.push(m); s.record(m, true); }
    expect(modes.join(' ')).toBe('solve solve solve solve solve solve predict solve predict solve');
    s.reset();
    expect(s.next()).toBe('solve');
  });

  it('rejects bad settings with the setting named', () => {
    expect(() => new LatentScheduler(6, { warmupFrames: 6, interval: 0, correctionIterations: 4 })).toThrow(/interval must be an integer >= 1 \(got 0\)/);
    expect(() => new LatentScheduler(6, { warmupFrames: 6, interval: 2, correctionIterations: -1 })).toThrow(/correctionIterations/);
    expect(() => new LatentScheduler(6, { warmupFrames: 6, interval: 2, correctionIterations: 1, adaptiveThreshold: -1 })).toThrow(/adaptive threshold must be >= 0, 0 = off/);
    const base = { warmupFrames: 6, interval: 2, correctionIterations: 1 };
    expect(() => new LatentScheduler(6, { ...base, fallback: 'later' as 'next-step' })).toThrow(/fallback must be 'same-step' or 'next-step' \(got later\)/);
    for (const n of [0, 3, 1.5]) expect(() => new LatentScheduler(6, { ...base, fallback: 'next-step', fallbackJacobiIterations: n })).toThrow(`fallbackJacobiIterations must be an even integer in [2, 10000] (got ${n})`);
    expect(new LatentScheduler(6, { ...base, fallback: 'next-step', fallbackJacobiIterations: 8 }).settings.fallback).toBe('next-step');
  });
});

describe('model files', () => {
  it('a manifest missing fields names every one of them', () => {
    const good = JSON.parse(readFileSync(join(TINY, 'manifest.json'), 'utf8'));
    expect(validateManifest(good).window).toBe(6);
    const bad = { ...good, window: 0, normalization: {}, files: { encoder: 'enc.onnx' } };
    delete bad.mode;
    expect(() => validateManifest(bad)).toThrow(ModelError);
    try { validateManifest(bad); } catch (e) {
      const m = (e as Error).message;
      expect(m).toMatch(/mode must be "total" or "split"/);
      expect(m).toMatch(/window must be an integer in \[1, 64\] \(got 0\)/);
      expect(m).toMatch(/normalization\.pressureScale must be a finite number > 0/);
      expect(m).toMatch(/files\.lstm must name an \.onnx file/);
    }
  });

  it('latent.decoderDownsample: absent means 1, only 1, 2 and 4 are accepted (the field and the values named), the decoder output extent is the grid / s', () => {
    const tiny = validateManifest(JSON.parse(readFileSync(join(TINY, 'manifest.json'), 'utf8')));
    expect(tiny.latent.decoderDownsample).toBeUndefined();
    expect(decoderDownsample(tiny)).toBe(1);
    expect(decodedDims(tiny, [32, 16, 24])).toEqual([32, 16, 24]);
    const coarse = validateManifest(JSON.parse(readFileSync(join(TINY_COARSE, 'manifest.json'), 'utf8')));
    expect(decoderDownsample(coarse)).toBe(2);
    expect(decodedDims(coarse, [32, 16, 24])).toEqual([16, 8, 12]);
    expect(decodedDims({ ...coarse, latent: { ...coarse.latent, decoderDownsample: 4 } }, [32, 16, 24])).toEqual([8, 4, 6]);
    // The grid rule is unchanged: multiples of 8.
    expect(() => decodedDims(coarse, [20, 16, 16])).toThrow(/multiples of 8 .* the scene's grid is \[20, 16, 16\]/);
    for (const bad of [3, 8, 0, '2', null]) {
      expect(() => validateManifest({ ...coarse, latent: { ...coarse.latent, decoderDownsample: bad } }))
        .toThrow(new RegExp(`latent\\.decoderDownsample must be one of 1, 2, 4 \\(got ${JSON.stringify(bad)}\\)`));
    }
    expect(() => validateManifest({ ...coarse, latent: { channels: 8, downsample: 2, decoderDownsample: 4 } }))
      .toThrow(/latent\.decoderDownsample \(4\) must divide latent\.downsample \(2\)/);
  });

  it('state: optional; the channels (residual first, then levelset, then solid), residualScale, outputs 1 and files.stateEncoder are checked, each named', () => {
    const tiny = JSON.parse(readFileSync(join(TINY, 'manifest.json'), 'utf8'));
    expect(validateManifest(tiny).state).toBeUndefined();
    const files = { ...tiny.files, stateEncoder: 'state-encoder.onnx' };
    for (const inputChannels of [['residual'], ['residual', 'levelset'], ['residual', 'solid'], ['residual', 'levelset', 'solid']]) {
      expect(validateManifest({ ...tiny, state: { inputChannels, residualScale: 2.5 }, files }).state!.inputChannels).toEqual(inputChannels);
    }
    const bad = (patch: Record<string, unknown>) => () => validateManifest({ ...tiny, files, state: { inputChannels: ['residual'], residualScale: 1 }, ...patch });
    for (const inputChannels of [[], ['levelset'], ['levelset', 'residual'], ['residual', 'solid', 'levelset'], ['residual', 'residual'], ['residual', 'pressure'], 'residual']) {
      expect(bad({ state: { inputChannels, residualScale: 1 } })).toThrow(ModelError);
      expect(bad({ state: { inputChannels, residualScale: 1 } }))
        .toThrow(`state.inputChannels must be a subsequence of ["residual", "levelset", "solid"] that starts with "residual" (e.g. ["residual"], ["residual", "solid"]) (got ${JSON.stringify(inputChannels)})`);
    }
    for (const residualScale of [0, -1, Infinity, '1', null]) {
      expect(bad({ state: { inputChannels: ['residual'], residualScale } })).toThrow(`state.residualScale must be a finite number > 0 (got ${typeof residualScale === 'number' ? String(residualScale) : JSON.stringify(residualScale)})`);
    }
    expect(bad({ outputs: 2 })).toThrow(/state is only allowed with outputs 1 \(got outputs 2\)/);
    expect(bad({ files: tiny.files })).toThrow(/files\.stateEncoder must name an \.onnx file when the manifest has state \(got undefined\)/);
    expect(bad({ state: [] })).toThrow(/state must be an object \{ inputChannels, residualScale \}/);
    expect(() => validateManifest({ ...tiny, files })).toThrow(/files\.stateEncoder is given but the manifest has no state/);
  });

  it('a state model set loads state-encoder.onnx; a missing one is named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-manifest-'));
    cpSync(TINY, dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(TINY, 'manifest.json'), 'utf8'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, state: { inputChannels: ['residual', 'levelset'], residualScale: 3 }, files: { ...manifest.files, stateEncoder: 'state-encoder.onnx' } }));
    await expect(loadModelFromDirectory(dir)).rejects.toThrow(/cannot read .*\/state-encoder\.onnx/);
    cpSync(join(TINY, 'encoder.onnx'), join(dir, 'state-encoder.onnx'));
    const files = await loadModelFromDirectory(dir);
    expect(files.stateEncoder).toEqual(new Uint8Array(readFileSync(join(TINY, 'encoder.onnx'))));
    expect((await loadModelFromDirectory(TINY)).stateEncoder).toBeUndefined();
  });

  it('a grid the model cannot serve is refused, naming both', () => {
    const m = validateManifest(JSON.parse(readFileSync(join(TINY, 'manifest.json'), 'utf8')));
    expect(latentDims(m, [32, 16, 24])).toEqual([4, 2, 3]);
    expect(() => latentDims(m, [20, 16, 16])).toThrow(ModelCompatibilityError);
    expect(() => latentDims(m, [20, 16, 16])).toThrow(/multiples of 8 .* the scene's grid is \[20, 16, 16\]/);
    const fixed = validateManifest({ ...m, resolutions: { kind: 'fixed', resolution: [16, 16, 16] } });
    expect(() => latentDims(fixed, [32, 32, 32])).toThrow(/only the grid \[16, 16, 16\]; the scene's grid is \[32, 32, 32\]/);
  });
});

describe('the predictor on WebGPU', () => {
  it('matches the golden outputs of all three networks (onnxruntime-web WebGPU provider on the solver device)', async () => {
    const solver = await solverFor('dam-break', 16);
    const files = await loadModelFromDirectory(TINY);
    const predictor = await LatentPressurePredictor.create(solver, files, { runtime: 'ort' });
    try {
      const golden = JSON.parse(readFileSync(join(TINY, 'golden', 'golden.json'), 'utf8'));
      let checked = 0;
      for (const c of golden.cases) {
        const d = await runGoldenCase(predictor, TINY, c);
        expect(d.abs, `${c.name}: max |webgpu - torch| ${d.abs}, scale ${d.scale}`).toBeLessThanOrEqual(1e-4 * d.scale + 1e-5);
        checked++;
      }
      expect(checked).toBe(golden.cases.length);
    } finally {
      predictor.destroy();
    }
  });

  it('runs the schedule in a simulation: encodes solved steps, predicts the rest, writes finite pressure', async () => {
    const solver = await solverFor('dam-break', 16);
    const stage = await attachLatentPredictor(solver, loadModelFromDirectory(TINY), { schedule: { interval: 3, correctionIterations: 2, adaptiveThreshold: undefined }, onWarning: (m) => { throw new Error(m); } });
    expect(stage).not.toBeNull();
    solver.collectMetrics = true;
    const modes: string[] = [];
    for (let f = 0; f < 12; f++) {
      await solver.step();
      const m = await solver.readMetrics();
      modes.push(m.mode);
      expect(Number.isFinite(m.divergenceL2)).toBe(true);
      expect(Math.abs(m.volumeDrift)).toBeLessThan(1e-3);
      if (m.mode === 'predict') expect(m.ms).toHaveProperty('lstm');
      if (m.mode === 'solve' && f < 6) expect(m.ms).toHaveProperty('encode');
    }
    expect(modes.join(',')).toBe('solve,solve,solve,solve,solve,solve,predict,predict,solve,predict,predict,solve');
    const counters = await stage!.predictor.readCounters();
    expect(counters).toEqual({ predictions: 4, rejected: 0, repairedCodes: 0, adaptiveFallbacks: 0 });
    const p = await solver.readField('pressure');
    expect(p.every(Number.isFinite)).toBe(true);
  });
});

describe('fallbacks', () => {
  it('adaptive mode: a prediction above the threshold is discarded for a full solve from the warm start, exactly what Jacobi computes', async () => {
    // Threshold 1e-9 1/s discards every prediction: the run must equal a Jacobi-only run bit
    // for bit (the K corrections are thrown away with the prediction). 1e9 discards none.
    const reference = await solverFor('dam-break', 16);
    const strict = await solverFor('dam-break', 16);
    const lax = await solverFor('dam-break', 16);
    const fail = (m: string) => { throw new Error(m); };
    const s1 = (await attachLatentPredictor(strict, loadModelFromDirectory(TINY), { schedule: { interval: 4, correctionIterations: 2, adaptiveThreshold: 1e-9 }, onWarning: fail }))!;
    const s2 = (await attachLatentPredictor(lax, loadModelFromDirectory(TINY), { schedule: { interval: 4, correctionIterations: 2, adaptiveThreshold: 1e9 }, onWarning: fail }))!;
    for (const s of [reference, strict, lax]) s.collectMetrics = true;
    let predicted = 0;
    for (let f = 0; f < 10; f++) {
      await reference.step(); await strict.step(); await lax.step();
      await reference.readMetrics(); await lax.readMetrics();
      const m = await strict.readMetrics();
      if (m.mode === 'predict') {
        predicted++;
        expect(m.extra).toMatchObject({ adaptiveFallbacks: predicted, predictionDiscarded: true });
        expect(m.pressureIterations).toBe(2 + 100); // the corrections, then the full solve from the warm start
      }
    }
    expect(predicted).toBe(3);
    expect((await s1.predictor.readCounters()).adaptiveFallbacks).toBe(3);
    expect((await s2.predictor.readCounters()).adaptiveFallbacks).toBe(0);
    const [pRef, pStrict, pLax] = [await reference.readField('pressure'), await strict.readField('pressure'), await lax.readField('pressure')];
    expect(pStrict).toEqual(pRef);
    expect(pLax).not.toEqual(pRef);
    expect(await strict.readField('levelset')).toEqual(await reference.readField('levelset'));
  });

  it('a discarded prediction leaves the state of a solved step: history, delta anchor and pressure equal those of a run that solves and encodes every step', async () => {
    // Threshold 1e-9 1/s discards every prediction. Each of those steps must end exactly as a
    // solved, encoded step: before the fix the LSTM's rejected code stayed in the history and
    // the anchor stayed on the previous solve, so later predictions built on rejected ones.
    const strict = await solverFor('dam-break', 16);
    const solved = await solverFor('dam-break', 16);
    const fail = (m: string) => { throw new Error(m); };
    const schedule = { interval: 4, correctionIterations: 2, adaptiveThreshold: 1e-9 };
    const s1 = (await attachLatentPredictor(strict, loadModelFromDirectory(TINY), { schedule, onWarning: fail }))!;
    const s2 = (await attachLatentPredictor(solved, loadModelFromDirectory(TINY), { schedule, onWarning: fail }))!;
    const w = s1.predictor.manifest.window;
    const codes = w * s1.predictor.codeCount;
    const cells = strict.grid.cellCount;
    let compared = 0;
    for (let f = 0; f < 11; f++) {
      s2.forceNextMode = 'solve';
      await strict.step();
      await solved.step();
      expect(s2.lastMode).toBe('solve');
      if (s1.lastMode !== 'predict') continue;
      compared++;
      expect((await s1.predictor.readCounters()).adaptiveFallbacks).toBe(compared);
      expect(await read(device, s1.predictor.historyBuffer, codes)).toEqual(await read(device, s2.predictor.historyBuffer, codes));
      expect(await read(device, s1.predictor.gpuBuffers.anchor, 2 * cells)).toEqual(await read(device, s2.predictor.gpuBuffers.anchor, 2 * cells));
      expect(await strict.readField('pressure')).toEqual(await solved.readField('pressure'));
    }
    expect(compared).toBe(4);
    expect(s1.stats.predictions).toBe(4);
    expect(s2.stats.predictions).toBe(0);
  });

  it('an accepted prediction pushes the code of its corrected pressure into the history and keeps the anchor on the last solve', async () => {
    const solver = await solverFor('dam-break', 16);
    const fail = (m: string) => { throw new Error(m); };
    const stage = (await attachLatentPredictor(solver, loadModelFromDirectory(TINY), { schedule: { interval: 4, correctionIterations: 2, adaptiveThreshold: 1e9 }, onWarning: fail }))!;
    for (let f = 0; f < 6; f++) await solver.step();
    const n = solver.grid.cellCount;
    for (let f = 0; f < 2; f++) {
      const anchorBefore = await read(device, stage.predictor.gpuBuffers.anchor, 2 * n);
      await solver.step();
      expect(stage.lastMode).toBe('predict');
      const e = await usedPressureEncoding(solver, stage);
      // The GPU's encoder input is the CPU's normalization of the used pressure (float32 rounding).
      const gpuInput = await read(device, stage.predictor.gpuBuffers.encoderInput, n);
      const inputDiff = maxDiff(gpuInput, e.input);
      expect(inputDiff.abs).toBeLessThanOrEqual(1e-6 * inputDiff.scale);
      const codeDiff = maxDiff(e.newest, e.code);
      expect(codeDiff.abs, `newest history code vs encoder(used pressure): ${codeDiff.abs}`).toBeLessThanOrEqual(1e-5 * codeDiff.scale);
      // ...and not the LSTM's raw prediction (what the history held before).
      expect(maxDiff(e.newest, e.prediction).abs).toBeGreaterThan(1e-3 * codeDiff.scale);
      expect(e.anchor).toEqual(anchorBefore);
    }
    expect(await stage.predictor.readCounters()).toMatchObject({ predictions: 2, rejected: 0, adaptiveFallbacks: 0 });
  });

  it('a broken .onnx file: warns once, keeps solving with Jacobi', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'broken-model-'));
    cpSync(TINY, dir, { recursive: true });
    writeFileSync(join(dir, 'lstm.onnx'), Buffer.from('this is not an onnx file, just text that fills some bytes'));
    const solver = await solverFor('dam-break', 16);
    const warnings: string[] = [];
    const stage = await attachLatentPredictor(solver, loadModelFromDirectory(dir), { onWarning: (m) => warnings.push(m) });
    expect(stage).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/latent model cannot be used, solving with the classical solver only: lstm\.onnx could not be loaded/);
    expect(solver.pressureStage).toBeInstanceOf(JacobiPressureStage);
    solver.collectMetrics = true;
    await solver.step();
    const m = await solver.readMetrics();
    expect(m.mode).toBe('solve');
    expect(m.divergenceL2).toBeLessThan(0.5);
  });

  it('a missing model folder and a wrong resolution: clear warnings, Jacobi only', async () => {
    const solver = await solverFor('dam-break', 20);
    const warnings: string[] = [];
    expect(await attachLatentPredictor(solver, loadModelFromDirectory('/nonexistent/model'), { onWarning: (m) => warnings.push(m) })).toBeNull();
    expect(await attachLatentPredictor(solver, loadModelFromDirectory(TINY), { onWarning: (m) => warnings.push(m) })).toBeNull();
    expect(warnings[0]).toMatch(/model directory \/nonexistent\/model does not exist/);
    expect(warnings[1]).toMatch(/the scene's grid is \[20, 20, 20\]/);
    expect(warnings).toHaveLength(2);
    // Jacobi only: the classical stage is the solver's pressure stage and the steps solve.
    expect(solver.pressureStage).toBe(solver.classicalStage);
    expect(solver.pressureStage).toBeInstanceOf(JacobiPressureStage);
    for (let f = 0; f < 3; f++) {
      await solver.step();
      expect(solver.lastPressureMode).toBe('solve');
    }
  });

  it('attachLatent says why as a reason code and the detail, not as a sentence', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'broken-model-'));
    cpSync(TINY, broken, { recursive: true });
    writeFileSync(join(broken, 'decoder.onnx'), Buffer.from('this is not an onnx file, just text that fills some bytes'));
    const solver20 = await solverFor('dam-break', 20);
    const solver16 = await solverFor('dam-break', 16);
    const results = [
      await attachLatent(solver20, loadModelFromDirectory('/nonexistent/model')),
      await attachLatent(solver20, loadModelFromDirectory(TINY)),
      await attachLatent(solver16, loadModelFromDirectory(broken)),
    ];
    expect(results.map((r) => r.stage)).toEqual([null, null, null]);
    expect(results.map((r) => r.failure?.reason)).toEqual(['model-unreadable', 'model-incompatible', 'model-invalid']);
    expect(results[0].failure?.detail).toMatch(/^model directory \/nonexistent\/model does not exist/);
    expect(results[1].failure?.detail).toMatch(/the scene's grid is \[20, 20, 20\]/);
    expect(results[2].failure?.detail).toMatch(/^decoder\.onnx could not be loaded/);
    expect(describeLatentFailure(results[2].failure!)).toBe(`latent-liquid: the latent model cannot be used, solving with the classical solver only: ${results[2].failure!.detail}`);
    expect(solver16.pressureStage).toBe(solver16.classicalStage);
  });

  it('NaN in a prediction: rejected on the GPU, a full solve runs instead, the liquid stays finite, reported once', async () => {
    const solver = await solverFor('dam-break', 16);
    const warnings: string[] = [];
    const stage = (await attachLatentPredictor(solver, loadModelFromDirectory(TINY), { schedule: { interval: 8, correctionIterations: 2 }, onWarning: (m) => warnings.push(m) }))!;
    solver.collectMetrics = true;
    for (let f = 0; f < 6; f++) { await solver.step(); await solver.readMetrics(); }
    // Poison the whole history: the LSTM then predicts NaN.
    const history = stage.predictor.historyBuffer;
    upload(device, history, new Float32Array(history.size / 4).fill(NaN));
    await solver.step();
    const m = await solver.readMetrics();
    expect(m.mode).toBe('predict');
    const counters = await stage.predictor.readCounters();
    expect(counters.rejected).toBe(1);
    // The fallback solve leaves the divergence of a solved step, not of a 2-iteration correction.
    expect(m.divergenceL2).toBeLessThan(0.1);
    expect(m.repairedValues).toBe(0);
    const p = await solver.readField('pressure');
    expect(p.every(Number.isFinite)).toBe(true);
    expect(Math.max(...p)).toBeGreaterThan(100);
    // The rejected (NaN) code is not in the history: the newest code is the encoding of the
    // fallback solve, and that solve became the delta anchor.
    const e = await usedPressureEncoding(solver, stage);
    const codeDiff = maxDiff(e.newest, e.code);
    expect(e.newest.every(Number.isFinite)).toBe(true);
    expect(codeDiff.abs).toBeLessThanOrEqual(1e-5 * codeDiff.scale);
    const anchorDiff = maxDiff(e.anchor.subarray(0, solver.grid.cellCount), e.input);
    expect(anchorDiff.abs).toBeLessThanOrEqual(1e-6 * anchorDiff.scale);
    expect(warnings.filter((w) => /held NaN\/Inf and were replaced by full solves/.test(w))).toHaveLength(1);
    await solver.step();
    await solver.readMetrics();
    expect(warnings.filter((w) => /held NaN/.test(w))).toHaveLength(1);
  });

  it('a network that throws: that step is solved, and after three in a row the model is disabled', async () => {
    const solver = await solverFor('dam-break', 16);
    const warnings: string[] = [];
    const stage = (await attachLatentPredictor(solver, loadModelFromDirectory(TINY), { schedule: { interval: 16, correctionIterations: 2 }, ort: { runtime: 'ort' }, onWarning: (m) => warnings.push(m) }))!;
    for (let f = 0; f < 6; f++) await solver.step();
    (stage.predictor as unknown as { networks: { sessions: { lstm: { run: () => Promise<never> } } } }).networks.sessions.lstm.run = () => Promise.reject(new Error('simulated device error'));
    solver.collectMetrics = true;
    const codes = stage.predictor.manifest.window * stage.predictor.codeCount;
    for (let f = 0; f < 4; f++) {
      const before = await read(device, stage.predictor.historyBuffer, codes);
      const wasDisabled = stage.stats.disabled;
      await solver.step();
      const m = await solver.readMetrics();
      expect(m.mode).toBe('solve');
      // The solve that replaced a failed prediction was encoded (the history has no gap); once
      // the model is disabled, nothing is encoded any more.
      const after = await read(device, stage.predictor.historyBuffer, codes);
      if (wasDisabled) expect(after).toEqual(before);
      else expect(after).not.toEqual(before);
      expect(m.divergenceL2).toBeLessThan(0.5);
    }
    expect(stage.stats.failedPredictions).toBe(3);
    expect(stage.stats.disabled).toBe(true);
    expect(warnings.some((w) => /a prediction failed, that step was solved with jacobi instead: simulated device error/.test(w))).toBe(true);
    expect(warnings.some((w) => /latent predictions disabled \(three predictions in a row failed: simulated device error\)/.test(w))).toBe(true);
  });
});

describe('a coarse-output decoder (test/fixtures/tiny-coarse-model, latent.decoderDownsample 2)', () => {
  /** decoded (what the anchor and apply kernels read) against the CPU upsampling of the decoder's coarse output, both read from the GPU. */
  async function expectDecodedIsUpsampledCoarse(stage: LatentPressureStage, what: string): Promise<void> {
    const p = stage.predictor;
    const b = p.gpuBuffers;
    expect(b.coarse).not.toBeNull();
    const [cx, cy, cz] = p.decodedGrid;
    const coarse = await read(device, b.coarse!, cx * cy * cz);
    const decoded = await read(device, b.decoded, cx * cy * cz * 8);
    const d = maxDiff(decoded, referenceUpsampleTrilinear(coarse, p.decodedGrid, 2));
    // The float32 kernel vs the correctly rounded reference (test/latent-upsample.test.ts).
    expect(d.scale, what).toBeGreaterThan(0);
    expect(d.abs, `${what}: max |diff| ${d.abs}, scale ${d.scale}`).toBeLessThanOrEqual(d.scale * 2 ** -22);
  }

  for (const runtime of ['ort', 'wgsl'] as const) {
    it(`${runtime}: golden outputs of the three networks through the predictor (the decoder's coarse output)`, async () => {
      const solver = await solverFor('dam-break', 16);
      const predictor = await LatentPressurePredictor.create(solver, await loadModelFromDirectory(TINY_COARSE), { runtime });
      try {
        expect(predictor.runtime).toBe(runtime);
        expect(predictor.decoderDownsample).toBe(2);
        expect(predictor.decodedGrid).toEqual([8, 8, 8]);
        const golden = JSON.parse(readFileSync(join(TINY_COARSE, 'golden', 'golden.json'), 'utf8'));
        let checked = 0;
        // The WGSL networks are built for the predictor's grid: the *_main cases (16^3).
        for (const c of (golden.cases as GoldenCase[]).filter((x) => runtime === 'ort' || x.name.endsWith('_main'))) {
          if (c.net === 'decoder') {
            const [input, output] = [Object.values(c.inputs)[0], Object.values(c.outputs)[0]];
            expect(output.dims.slice(2)).toEqual(input.dims.slice(2).map((d) => d * 4));
          }
          const d = await runGoldenCase(predictor, TINY_COARSE, c);
          expect(d.abs, `${c.name}: max |webgpu - torch| ${d.abs}, scale ${d.scale}`).toBeLessThanOrEqual(1e-4 * d.scale + 1e-5);
          checked++;
        }
        expect(checked).toBe(runtime === 'ort' ? 6 : 3);
      } finally {
        predictor.destroy();
      }
    });
  }

  it('closed loop at 16^3 on onnxruntime-web and on the WGSL runtime: predicts frames, the same modes and pressure on both, the anchor and the prediction read the upsampled decoder output', async () => {
    const fail = (m: string) => { throw new Error(m); };
    const schedule = { interval: 3, correctionIterations: 2, adaptiveThreshold: undefined };
    const stages: Record<'ort' | 'wgsl', { solver: LiquidSolver; stage: LatentPressureStage }> = {} as never;
    for (const runtime of ['ort', 'wgsl'] as const) {
      const solver = await solverFor('dam-break', 16);
      const stage = (await attachLatentPredictor(solver, loadModelFromDirectory(TINY_COARSE), { schedule, ort: { runtime }, onWarning: fail }))!;
      expect(stage.predictor.runtime).toBe(runtime);
      expect(stage.predictor.gpuBuffers.coarse!.size).toBe(8 * 8 * 8 * 4);
      solver.collectMetrics = true;
      stages[runtime] = { solver, stage };
    }
    const modes: string[] = [];
    const rows: string[] = [];
    for (let f = 0; f < 12; f++) {
      const m: Record<string, Awaited<ReturnType<LiquidSolver['readMetrics']>>> = {};
      for (const runtime of ['ort', 'wgsl'] as const) {
        await stages[runtime].solver.step();
        m[runtime] = await stages[runtime].solver.readMetrics();
        expect(Number.isFinite(m[runtime].divergenceL2)).toBe(true);
        expect(Math.abs(m[runtime].volumeDrift)).toBeLessThan(1e-3);
      }
      expect(m.wgsl.mode, `frame ${f}`).toBe(m.ort.mode);
      modes.push(m.ort.mode);
      const [po, pw] = [await stages.ort.solver.readField('pressure'), await stages.wgsl.solver.readField('pressure')];
      expect(po.every(Number.isFinite) && pw.every(Number.isFinite)).toBe(true);
      const d = maxDiff(pw, po);
      rows.push(`${f} ${m.ort.mode} pressure ${d.abs.toExponential(2)}/${d.scale.toFixed(1)}`);
      // As the tiny model's ORT-vs-WGSL closed loop (test/latent-wgsl.test.ts): float32 rounding only.
      expect(d.abs, rows.join('\n')).toBeLessThanOrEqual(1e-5 * d.scale + 1e-3);
      for (const runtime of ['ort', 'wgsl'] as const) {
        // Every step ends with a decode (delta form): `decoded` must be the upsampling of the coarse output.
        await expectDecodedIsUpsampledCoarse(stages[runtime].stage, `${runtime} frame ${f} (${m.ort.mode})`);
        if (m.ort.mode === 'solve') {
          // A solved step's anchor holds that upsampled decoding (copied after the upsampling).
          const p = stages[runtime].stage.predictor;
          const n = stages[runtime].solver.grid.cellCount;
          const anchor = await read(device, p.gpuBuffers.anchor, 2 * n);
          expect(anchor.subarray(n)).toEqual(await read(device, p.gpuBuffers.decoded, n));
        }
      }
    }
    console.info(`ORT vs WGSL runtime, tiny coarse model (s = 2), dam-break 16^3 (max |diff| / max |ORT|):\n  ${rows.join('\n  ')}`);
    expect(modes.join(',')).toBe('solve,solve,solve,solve,solve,solve,predict,predict,solve,predict,predict,solve');
    for (const runtime of ['ort', 'wgsl'] as const) {
      expect(await stages[runtime].stage.predictor.readCounters(), runtime).toEqual({ predictions: 4, rejected: 0, repairedCodes: 0, adaptiveFallbacks: 0 });
    }
  });

  it('a manifest that contradicts the coarse decoder is refused at load on both runtimes (ORT would take any output size and fail on the first prediction)', async () => {
    const files = await loadModelFromDirectory(TINY_COARSE);
    const wrong = { ...files, manifest: { ...files.manifest, latent: { channels: 8, downsample: 8 } } };
    const solver = await solverFor('dam-break', 16);
    for (const runtime of ['ort', 'wgsl'] as const) {
      const made = LatentPressurePredictor.create(solver, wrong, { runtime });
      await expect(made, runtime).rejects.toThrow(ModelError);
      await expect(LatentPressurePredictor.create(solver, wrong, { runtime }), runtime)
        .rejects.toThrow(/decoder\.onnx: upsamples the latent grid 4x, but the manifest wants the grid \/ latent\.decoderDownsample 1, i\.e\. 8x/);
    }
    // Through attachLatentPredictor: one warning naming the decoder, and the solver keeps solving.
    const warnings: string[] = [];
    expect(await attachLatentPredictor(solver, Promise.resolve(wrong), { onWarning: (m) => warnings.push(m) })).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/decoder\.onnx: upsamples the latent grid 4x/);
    await solver.step();
  });

  it('direct form: a predicted step applies the upsampled decoding of the predicted code (no later decode overwrites it)', async () => {
    for (const runtime of ['ort', 'wgsl'] as const) {
      const solver = await solverFor('dam-break', 16);
      const stage = (await attachLatentPredictor(solver, loadModelFromDirectory(TINY_COARSE), {
        schedule: { interval: 8, correctionIterations: 0, adaptiveThreshold: undefined }, ort: { runtime, predictionForm: 'direct' }, onWarning: (m) => { throw new Error(m); },
      }))!;
      for (let f = 0; f < 7; f++) await solver.step();
      expect(stage.lastMode).toBe('predict');
      await expectDecodedIsUpsampledCoarse(stage, `${runtime} direct`);
      // With no corrections, the liquid cells' pressure is scale * decoded + p_s: it was computed from the upsampled field.
      const p = stage.predictor;
      const n = solver.grid.cellCount;
      const [pressure, phi, solid, hydro, decoded] = [await solver.readField('pressure'), await solver.readField('levelset'),
        await solver.readField('solid'), await solver.readField('hydrostatic'), await read(device, p.gpuBuffers.decoded, n)];
      let worst = 0, liquid = 0, scale = 0;
      for (let i = 0; i < n; i++) {
        if (!(phi[i] < 0 && solid[i] >= 0)) continue;
        liquid++;
        scale = Math.max(scale, Math.abs(pressure[i]));
        worst = Math.max(worst, Math.abs(pressure[i] - (decoded[i] * p.manifest.normalization.pressureScale + hydro[i])));
      }
      expect(liquid).toBeGreaterThan(100);
      // float32 rounding of scale * decoded + p_s on the GPU.
      expect(worst, `${runtime}: max |diff| ${worst} Pa, max |p| ${scale} Pa`).toBeLessThanOrEqual(1e-6 * scale + 1e-4);
    }
  });
});
