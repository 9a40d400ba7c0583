// State conditioning of the latent predictor (docs/contracts.md "State conditioning"): the
// state input kernel against its CPU reference on a small odd grid with obstacles and a free
// surface, and on a synthetic system whose neighbour masks disagree with the diagonals; the
// state-conditioned test model (test/fixtures/tiny-state-model) through the predictor on both
// runtimes: golden outputs of its four networks, the state's effect on the prediction, the
// closed loop at 16^3, and the refusal of a state LSTM that contradicts its manifest.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelFilesFromSettings } from '../plugin/latent-attachment';
import type { LiquidVolumeSettings } from '../plugin/liquid-settings';
import { attachLatentPredictor } from '../src/latent/attach-latent';
import { LatentPressurePredictor, type LatentNetwork } from '../src/latent/latent-pressure-predictor';
import type { LatentPressureStage } from '../src/latent/latent-pressure-stage';
import { recogniseLatentLstm } from '../src/latent/wgsl/lstm-plan';
import { ModelError, UnsupportedGraphError } from '../src/latent/model-manifest';
import { parseOnnxModel } from '../src/latent/wgsl/onnx-model';
import { gpuTensor } from '../src/latent/ort-session';
import { checkModelForOrt, recogniseLatentModel } from '../src/latent/wgsl/wgsl-latent-runtime';
import { loadModelFromDirectory } from '../src/node/model-directory';
import { presetScene } from '../src/scene/presets';
import { LiquidSolver } from '../src/solver/liquid-solver';
import { validateScene } from '../src/scene/scene-validation';
import type { ReferenceGrid } from '../src/reference/reference-grid';
import { rasterizeObstacles } from '../src/reference/reference-shapes';
import { buildPressureSystem, hydrostaticPressure } from '../src/reference/reference-pressure';
import { referenceStateInput, systemResidual } from '../src/reference/reference-state-input';
import { StateInputKernel } from '../src/latent/state-input-kernel';
import type { ModelStateSpec, StateChannel } from '../src/latent/model-manifest';
import { readFloat32File } from './helpers/files';
import { maxDiff, read, referenceFor, rng, runPass, testGpu, upload, wavyPoolWithDrop } from './helpers/gpu';

const DT = 1 / 60;
/** The tiny model conditioned on the state (residual, level set, solid), trained on synthetic data for tests. */
const STATE = join(__dirname, 'fixtures', 'tiny-state-model');
const TINY = join(__dirname, 'fixtures', 'tiny-model');
/** Whole networks vs PyTorch: the bound of the other golden tests (test/latent.test.ts). */
const REL = 1e-4;
const ABS = 1e-5;
let device: GPUDevice;
let solver: LiquidSolver;
let ref: ReferenceGrid;
const owned: LiquidSolver[] = [];

const scene = validateScene({
  name: 'state-input-test',
  resolution: [7, 6, 5],
  cellSize: 0.1,
  gravity: [0.6, -9.81, -0.4],
  liquid: [{ type: 'box', min: [0, 0, 0], max: [0.7, 0.35, 0.5] }],
  obstacles: [{ type: 'sphere', center: [0.35, 0.2, 0.25], radius: 0.14 }, { type: 'box', min: [0, 0, 0], max: [0.15, 0.12, 0.5] }],
});

beforeAll(async () => {
  device = (await testGpu()).device;
  solver = await LiquidSolver.create(device, scene);
  solver.uploadStepParams(DT);
  ref = referenceFor(solver, DT);
});

afterAll(() => {
  solver?.destroy();
  for (const x of owned) x.destroy();
});

/** A wavy free surface and a droplet, clamped to the band (m). */
function levelSet(): Float32Array {
  return wavyPoolWithDrop(ref, { height: 0.36, amplitude: 0.07, kx: 8, kz: 6 }, { center: [0.5, 0.5, 0.3], radius: 0.09 });
}

/** A MAC velocity with divergence (m/s). */
function velocity(seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: ref.faceCount }, () => 2 * r() - 1);
}

/** Runs prepareStateInput on the solver's fields (uploaded first) and reads its output. */
async function runKernel(spec: ModelStateSpec, clamp: number, f: { system: Float32Array; hydrostatic: Float32Array; phi: Float32Array; solidPhi: Float32Array }): Promise<Float32Array> {
  const kernel = await StateInputKernel.create(device, ref.dims, spec, clamp);
  const out = device.createBuffer({ size: kernel.outputFloats * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  try {
    const fields = solver.fields;
    upload(device, fields.pressureSystem, f.system);
    upload(device, fields.hydrostaticPressure, f.hydrostatic);
    upload(device, fields.levelSet, f.phi);
    upload(device, fields.solidLevelSet, f.solidPhi);
    const group = kernel.bind({ params: fields.params, system: fields.pressureSystem, hydrostatic: fields.hydrostaticPressure, phi: fields.levelSet, solidPhi: fields.solidLevelSet, stateInput: out });
    await runPass(device, (p) => kernel.encode(p, group));
    return await read(device, out, kernel.outputFloats);
  } finally {
    out.destroy();
    kernel.destroy();
  }
}

/**
 * The residual channel is a sum of terms up to max |b| + 7 max |p_s| (float32 on the GPU, float64 here):
 * its error bound, in the channel's units.
 */
function residualBound(system: Float32Array, hydrostatic: Float32Array, residualScale: number): number {
  let b = 0, p = 0;
  for (let i = 0; i < hydrostatic.length; i++) {
    b = Math.max(b, Math.abs(system[4 * i + 1] * system[4 * i + 3]));
    p = Math.max(p, Math.abs(hydrostatic[i]) * Math.max(1, system[4 * i + 3]));
  }
  return (8 * 2 ** -23 * (b + 7 * p)) / residualScale;
}

describe('prepareStateInput against its CPU reference', () => {
  it('a free surface and obstacles (7x6x5): residual of p_s in the built system, clamped level set and solid level set', async () => {
    const phi = levelSet();
    const solidPhi = rasterizeObstacles(ref);
    const hydrostatic = hydrostaticPressure(ref, phi, solidPhi);
    const { system } = buildPressureSystem(ref, phi, solidPhi, velocity(5), hydrostatic, new Float32Array(ref.cellCount));
    const n = ref.cellCount;
    const active = Array.from({ length: n }, (_, i) => system[4 * i + 3] > 0).filter(Boolean).length;
    const solids = Array.from(solidPhi).filter((v) => v < 0).length;
    expect(active, 'active cells').toBeGreaterThan(20);
    expect(active, 'air cells too').toBeLessThan(n - 20);
    expect(solids, 'solid cells').toBeGreaterThan(5);
    const spec: ModelStateSpec = { inputChannels: ['residual', 'levelset', 'solid'], residualScale: 37.5 };
    const clamp = 2;
    const gpu = await runKernel(spec, clamp, { system, hydrostatic, phi, solidPhi });
    const cpu = referenceStateInput(ref.dims, ref.h, { system, hydrostatic, phi, solidPhi }, spec, clamp);
    const residual = maxDiff(gpu.subarray(0, n), cpu.subarray(0, n));
    expect(residual.scale, 'the residual is not zero').toBeGreaterThan(0.1);
    expect(residual.abs, `residual: max |gpu - cpu| ${residual.abs} at ${residual.at}, scale ${residual.scale}`).toBeLessThanOrEqual(residualBound(system, hydrostatic, spec.residualScale));
    for (const [c, what] of [[1, 'level set'], [2, 'solid']] as const) {
      const d = maxDiff(gpu.subarray(c * n, (c + 1) * n), cpu.subarray(c * n, (c + 1) * n));
      expect(d.abs, `${what}: max |gpu - cpu| ${d.abs} at ${d.at}`).toBeLessThanOrEqual(1e-6);
      // Clamped to [-1, 1] and reaching both ends (the band is wider than the clamp).
      expect(Math.max(...cpu.subarray(c * n, (c + 1) * n))).toBe(1);
      if (c === 1) expect(Math.min(...cpu.subarray(c * n, (c + 1) * n))).toBe(-1);
    }
    // Zero outside the active cells.
    for (let i = 0; i < n; i++) if (!(system[4 * i + 3] > 0)) expect(gpu[i]).toBe(0);
    // The residual is p_s's, not b's: with p_s = 0 it would be b / residualScale.
    let differs = 0;
    for (let i = 0; i < n; i++) if (Math.abs(cpu[i] - system[4 * i + 1] * system[4 * i + 3] / spec.residualScale) > 1e-3) differs++;
    expect(differs).toBeGreaterThan(active / 2);
  });

  it('neighbours count by their diagonal, not by the mask bits; channels without level set or solid', async () => {
    // A synthetic system: random diagonals (a third of them 0, i.e. inactive), random b, every
    // mask bit set. A kernel that trusted the mask would add p_s of inactive neighbours.
    const r = rng(77);
    const n = ref.cellCount;
    const system = new Float32Array(4 * n);
    const hydrostatic = Float32Array.from({ length: n }, () => 50 + 900 * r());
    for (let i = 0; i < n; i++) {
      const diag = r() < 0.33 ? 0 : 1 + Math.floor(6 * r()) + r();
      const b = 2000 * (r() - 0.5);
      if (diag > 0) system.set([1 / diag, b / diag, 63, diag], 4 * i);
      else system.set([0, 0, 63, 0], 4 * i);
    }
    const phi = Float32Array.from({ length: n }, () => r() - 0.5);
    const solidPhi = Float32Array.from({ length: n }, () => r() - 0.2);
    for (const inputChannels of [['residual'], ['residual', 'solid'], ['residual', 'levelset']] as ModelStateSpec['inputChannels'][]) {
      const spec: ModelStateSpec = { inputChannels, residualScale: 250 };
      const gpu = await runKernel(spec, 3, { system, hydrostatic, phi, solidPhi });
      const cpu = referenceStateInput(ref.dims, ref.h, { system, hydrostatic, phi, solidPhi }, spec, 3);
      expect(gpu.length).toBe(inputChannels.length * n);
      const d = maxDiff(gpu.subarray(0, n), cpu.subarray(0, n));
      expect(d.abs, `${inputChannels}: residual max |gpu - cpu| ${d.abs} at ${d.at}`).toBeLessThanOrEqual(residualBound(system, hydrostatic, spec.residualScale));
      if (inputChannels.length > 1) {
        const e = maxDiff(gpu.subarray(n), cpu.subarray(n));
        expect(e.abs, `${inputChannels}: second channel`).toBeLessThanOrEqual(1e-6);
        const source = inputChannels[1] === 'solid' ? solidPhi : phi;
        expect(cpu[n + 3]).toBeCloseTo(Math.min(3, Math.max(-3, source[3] / ref.h)) / 3, 6);
      }
    }
    // The mask-trusting sum differs from the reference at many cells: the case can tell them apart.
    const diag = Float32Array.from({ length: n }, (_, i) => system[4 * i + 3]);
    const rhs = Float32Array.from({ length: n }, (_, i) => system[4 * i + 1] * system[4 * i + 3]);
    const byDiag = systemResidual(ref.dims, hydrostatic, rhs, diag);
    const byMask = systemResidual(ref.dims, hydrostatic, rhs, diag.map(() => 1));
    let differs = 0;
    for (let i = 0; i < n; i++) if (diag[i] > 0 && Math.abs(byDiag[i] - (byMask[i] + (1 - diag[i]) * hydrostatic[i])) > 1) differs++;
    expect(differs).toBeGreaterThan(n / 4);
  });
});

/** One case of golden/golden.json. */
interface GoldenCase {
  name: string;
  net: LatentNetwork;
  inputs: Record<string, { file: string; dims: number[] }>;
  outputs: Record<string, { file: string; dims: number[] }>;
}

function goldenCases(): GoldenCase[] {
  return JSON.parse(readFileSync(join(STATE, 'golden', 'golden.json'), 'utf8')).cases;
}

function gpuBuffer(floats: number): GPUBuffer {
  return device.createBuffer({ size: Math.max(16, floats * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
}

/** Runs a network of the predictor on GPU copies of `inputs` (every input by name) and reads its one output. */
async function runNet(p: LatentPressurePredictor, net: LatentNetwork, inputs: Record<string, { data: Float32Array; dims: number[] }>,
  output: { name: string; dims: number[] }): Promise<Float32Array> {
  const count = output.dims.reduce((a, b) => a * b, 1);
  const made: GPUBuffer[] = [];
  try {
    const feeds = Object.fromEntries(Object.entries(inputs).map(([name, t]) => {
      const b = gpuBuffer(t.data.length);
      made.push(b);
      upload(device, b, t.data);
      return [name, gpuTensor(b, t.dims)];
    }));
    const out = gpuBuffer(count);
    made.push(out);
    await p.runNetwork(net, feeds, { [output.name]: gpuTensor(out, output.dims) });
    return await read(device, out, count);
  } finally {
    for (const b of made) b.destroy();
  }
}

/** The golden case's inputs, read from its files. */
function goldenInputs(c: GoldenCase): Record<string, { data: Float32Array; dims: number[] }> {
  return Object.fromEntries(Object.entries(c.inputs).map(([name, t]) => [name, { data: readFloat32File(join(STATE, 'golden', t.file)), dims: t.dims }]));
}

describe('a state-conditioned model (test/fixtures/tiny-state-model)', () => {
  for (const runtime of ['ort', 'wgsl'] as const) {
    it(`${runtime}: golden outputs of the four networks through the predictor; zeroing the state moves the LSTM's prediction far beyond the bound`, async () => {
      const s = await LiquidSolver.create(device, presetScene('dam-break', 16));
      owned.push(s);
      const p = await LatentPressurePredictor.create(s, await loadModelFromDirectory(STATE), { runtime });
      try {
        expect(p.runtime).toBe(runtime);
        const checked: Record<string, number> = {};
        // The WGSL networks are built for the predictor's grid: the *_main cases (16^3).
        const cases = goldenCases().filter((c) => runtime === 'ort' || c.name.endsWith('_main'));
        for (const c of cases) {
          const [[outName, outT]] = Object.entries(c.outputs);
          const want = readFloat32File(join(STATE, 'golden', outT.file));
          const inputs = goldenInputs(c);
          const got = await runNet(p, c.net, inputs, { name: outName, dims: outT.dims });
          const d = maxDiff(got, want);
          expect(d.abs, `${c.name}: max |webgpu - torch| ${d.abs}, scale ${d.scale}`).toBeLessThanOrEqual(REL * d.scale + ABS);
          checked[c.net] = (checked[c.net] ?? 0) + 1;
          if (c.net === 'lstm') {
            expect(Object.keys(c.inputs)).toEqual(['history', 'state']);
            const zero = await runNet(p, 'lstm', { ...inputs, state: { data: new Float32Array(inputs.state.data.length), dims: inputs.state.dims } }, { name: outName, dims: outT.dims });
            const z = maxDiff(zero, want);
            // Measured: the state moves the fixture's prediction by 1.3e-2 (main), 58 times the bound.
            expect(z.abs, `${c.name}: the state's effect ${z.abs} (the bound ${REL * d.scale + ABS}, this run's difference ${d.abs})`).toBeGreaterThan(20 * (REL * d.scale + ABS));
          }
        }
        for (const net of ['encoder', 'lstm', 'decoder', 'stateEncoder']) expect(checked[net], `${net} cases`).toBe(runtime === 'ort' ? 2 : 1);
      } finally {
        p.destroy();
      }
    });
  }

  it('closed loop at 16^3 on onnxruntime-web and on the WGSL runtime: predicts frames from the state of each step, the same modes and pressure on both', async () => {
    const fail = (m: string) => { throw new Error(m); };
    const schedule = { interval: 3, correctionIterations: 2, adaptiveThreshold: undefined };
    const runs = {} as Record<'ort' | 'wgsl', { solver: LiquidSolver; stage: LatentPressureStage }>;
    for (const runtime of ['ort', 'wgsl'] as const) {
      const s = await LiquidSolver.create(device, presetScene('dam-break', 16), { timing: true });
      owned.push(s);
      const stage = (await attachLatentPredictor(s, loadModelFromDirectory(STATE), { schedule, ort: { runtime }, onWarning: fail }))!;
      expect(stage.predictor.runtime).toBe(runtime);
      s.collectMetrics = true;
      runs[runtime] = { solver: s, stage };
    }
    const m0 = runs.ort.stage.predictor.manifest;
    const n = runs.ort.solver.grid.cellCount;
    const Cs = m0.state!.inputChannels.length;
    const codes = runs.ort.stage.predictor.codeCount;
    const rows: string[] = [];
    const modes: string[] = [];
    for (let f = 0; f < 12; f++) {
      const before = { ort: await read(device, runs.ort.stage.predictor.gpuBuffers.stateInput!, Cs * n), wgsl: await read(device, runs.wgsl.stage.predictor.gpuBuffers.stateInput!, Cs * n) };
      const metrics = {} as Record<'ort' | 'wgsl', Awaited<ReturnType<LiquidSolver['readMetrics']>>>;
      for (const runtime of ['ort', 'wgsl'] as const) {
        await runs[runtime].solver.step();
        metrics[runtime] = await runs[runtime].solver.readMetrics();
        expect(Number.isFinite(metrics[runtime].divergenceL2)).toBe(true);
        expect(Math.abs(metrics[runtime].volumeDrift)).toBeLessThan(1e-3);
      }
      const mode = metrics.ort.mode;
      expect(metrics.wgsl.mode, `frame ${f}`).toBe(mode);
      modes.push(mode);
      const [po, pw] = [await runs.ort.solver.readField('pressure'), await runs.wgsl.solver.readField('pressure')];
      expect(po.every(Number.isFinite) && pw.every(Number.isFinite)).toBe(true);
      const d = maxDiff(pw, po);
      rows.push(`${f} ${mode} pressure ${d.abs.toExponential(2)}/${d.scale.toFixed(1)}`);
      // As the other ORT-vs-WGSL closed loops: float32 rounding only. Measured (SwiftShader,
      // 2026-11-30): at most 5.0e-3 Pa of 4.3e3 Pa (1.2e-6 of the scale).
      expect(d.abs, rows.join('\n')).toBeLessThanOrEqual(1e-5 * d.scale + 1e-3);
      for (const runtime of ['ort', 'wgsl'] as const) {
        const { solver: s, stage } = runs[runtime];
        const p = stage.predictor;
        const b = p.gpuBuffers;
        const stateInput = await read(device, b.stateInput!, Cs * n);
        if (mode === 'solve') {
          // Solved steps do not build the state.
          expect(stateInput, `${runtime} frame ${f}`).toEqual(before[runtime]);
          continue;
        }
        expect(metrics[runtime].ms, runtime).toHaveProperty('state');
        // The state input is this step's: the fields and the system are unchanged after the pressure stage.
        const fields = s.fields;
        const want = referenceStateInput(s.grid.dims, s.scene.cellSize, {
          system: await read(device, fields.pressureSystem, 4 * n), hydrostatic: await s.readField('hydrostatic'),
          phi: await s.readField('levelset'), solidPhi: await s.readField('solid'),
        }, m0.state!, m0.levelSetClamp);
        const ds = maxDiff(stateInput, want);
        expect(ds.scale, `${runtime} frame ${f}: the state input is not empty`).toBeGreaterThan(0);
        expect(ds.abs, `${runtime} frame ${f}: state input vs CPU reference ${ds.abs} at ${ds.at}`).toBeLessThanOrEqual(1e-4 * ds.scale);
        // The LSTM read the state code of this state input: stateCode = stateEncoder(stateInput),
        // prediction = LSTM(the history before the push, stateCode), and not LSTM(history, 0).
        const [lx, ly, lz] = p.latentGrid;
        const C = m0.latent.channels;
        const stateCode = await read(device, b.stateCode!, codes);
        const encoded = await runNet(p, 'stateEncoder', { state: { data: stateInput, dims: [1, Cs, s.grid.nz, s.grid.ny, s.grid.nx] } }, { name: 'stateCode', dims: [1, C, lz, ly, lx] });
        const dc = maxDiff(stateCode, encoded);
        expect(dc.abs, `${runtime} frame ${f}: stateCode vs stateEncoder(stateInput)`).toBeLessThanOrEqual(1e-5 * dc.scale + 1e-6);
        const previous = b.history.find((h) => h !== p.historyBuffer)!;
        const history = await read(device, previous, m0.window * codes);
        const N = lx * ly * lz;
        const lstm = (state: Float32Array) => runNet(p, 'lstm', { history: { data: history, dims: [m0.window, C, N] }, state: { data: state, dims: [C, N] } }, { name: 'prediction', dims: [1, C, N] });
        const prediction = await read(device, b.prediction, codes);
        const dp = maxDiff(prediction, await lstm(stateCode));
        expect(dp.abs, `${runtime} frame ${f}: prediction vs LSTM(history, stateCode)`).toBeLessThanOrEqual(1e-5 * dp.scale + 1e-6);
        expect(maxDiff(prediction, await lstm(new Float32Array(codes))).abs, `${runtime} frame ${f}: the state's effect`).toBeGreaterThan(1e-3 * dp.scale);
      }
    }
    console.info(`ORT vs WGSL runtime, tiny state model, dam-break 16^3 (max |diff| / max |ORT|):\n  ${rows.join('\n  ')}`);
    expect(modes.join(',')).toBe('solve,solve,solve,solve,solve,solve,predict,predict,solve,predict,predict,solve');
    for (const runtime of ['ort', 'wgsl'] as const) {
      expect(await runs[runtime].stage.predictor.readCounters(), runtime).toEqual({ predictions: 4, rejected: 0, repairedCodes: 0, adaptiveFallbacks: 0 });
    }
  });

  it('a state LSTM under a manifest without state is refused (UnsupportedGraphError; ORT refuses its inputs), and a manifest with state needs a state LSTM (ModelError)', async () => {
    const files = await loadModelFromDirectory(STATE);
    const m = files.manifest;
    const { state, ...withoutState } = m;
    expect(state).toBeDefined();
    const { stateEncoder, ...plainFiles } = m.files;
    expect(stateEncoder).toBe('state-encoder.onnx');
    const expected = { window: m.window, channels: m.latent.channels, outputs: m.outputs };
    const g = parseOnnxModel(files.lstm, 'lstm.onnx');
    expect(recogniseLatentLstm(g, { ...expected, state: true }).stateInput).toBe(true);
    expect(() => recogniseLatentLstm(g, expected)).toThrow(UnsupportedGraphError);
    expect(() => recogniseLatentLstm(g, expected)).toThrow(/lstm\.onnx: the graph takes a state input 'state' \(a state-conditioned LSTM\) but the manifest has no state/);
    const tinyLstm = parseOnnxModel((await loadModelFromDirectory(TINY)).lstm, 'lstm.onnx');
    expect(() => recogniseLatentLstm(tinyLstm, { ...expected, state: true })).toThrow(ModelError);
    expect(() => recogniseLatentLstm(tinyLstm, { ...expected, state: true })).not.toThrow(UnsupportedGraphError);
    expect(() => recogniseLatentLstm(tinyLstm, { ...expected, state: true })).toThrow(/the manifest has state, but the LSTM graph takes no state input/);
    // The whole model set: the runtime recognises it, and a state encoder of the wrong width is refused.
    const plans = recogniseLatentModel(files);
    expect(plans.stateEncoder!.layers[0].cin).toBe(m.state!.inputChannels.length);
    const narrow = { ...files, manifest: { ...m, state: { ...m.state!, inputChannels: ['residual'] as StateChannel[] } } };
    expect(() => recogniseLatentModel(narrow)).toThrow(/state-encoder\.onnx: \d+ input channels, the manifest's state\.inputChannels names 1 \(residual\)/);
    // A broken model set, not an unknown architecture: no fall-back to ORT, which checks it at load too.
    expect(() => recogniseLatentModel(narrow)).not.toThrow(UnsupportedGraphError);
    expect(() => checkModelForOrt(narrow)).toThrow(/state-encoder\.onnx: \d+ input channels, the manifest's state\.inputChannels names 1/);
    expect(() => checkModelForOrt(files)).not.toThrow();
    // Through attachLatentPredictor, in a solver: the WGSL runtime refuses the state LSTM, falls
    // back to ORT, which refuses its inputs; the solver keeps solving.
    const dir = mkdtempSync(join(tmpdir(), 'state-lstm-without-state-'));
    cpSync(STATE, dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...withoutState, files: plainFiles }));
    const s = await LiquidSolver.create(device, presetScene('dam-break', 16));
    owned.push(s);
    const warnings: string[] = [];
    expect(await attachLatentPredictor(s, loadModelFromDirectory(dir), { ort: { runtime: 'wgsl' }, onWarning: (w) => warnings.push(w) })).toBeNull();
    expect(warnings[0]).toMatch(/the WGSL runtime does not know this model, running it on onnxruntime-web instead: .*lstm\.onnx: the graph takes a state input/);
    expect(warnings[1]).toMatch(/cannot be used, solving with the classical solver only: lstm\.onnx has inputs \[history, state\] .* the runtime needs inputs \[history\]/);
    expect(s.pressureStage).toBe(s.classicalStage);
    await s.step();
    expect(s.lastPressureMode).toBe('solve');
    // A state encoder that contradicts state.inputChannels: refused at load on both runtimes (ORT
    // would take it and fail on every predicted step), one warning naming it, the solver solves.
    const dir3 = mkdtempSync(join(tmpdir(), 'state-encoder-wrong-channels-'));
    cpSync(STATE, dir3, { recursive: true });
    writeFileSync(join(dir3, 'manifest.json'), JSON.stringify(narrow.manifest));
    for (const runtime of ['wgsl', 'ort'] as const) {
      const w: string[] = [];
      expect(await attachLatentPredictor(s, loadModelFromDirectory(dir3), { ort: { runtime }, onWarning: (x) => w.push(x) })).toBeNull();
      expect(w, runtime).toHaveLength(1);
      expect(w[0], runtime).toMatch(/state-encoder\.onnx: \d+ input channels, the manifest's state\.inputChannels names 1 \(residual\)/);
    }
    await s.step();
    expect(s.lastPressureMode).toBe('solve');
    // A state manifest over the tiny model's plain LSTM: a broken model set on both runtimes.
    const dir2 = mkdtempSync(join(tmpdir(), 'state-manifest-plain-lstm-'));
    cpSync(STATE, dir2, { recursive: true });
    cpSync(join(TINY, 'lstm.onnx'), join(dir2, 'lstm.onnx'));
    for (const runtime of ['wgsl', 'ort'] as const) {
      const w: string[] = [];
      expect(await attachLatentPredictor(s, loadModelFromDirectory(dir2), { ort: { runtime }, onWarning: (x) => w.push(x) })).toBeNull();
      expect(w, runtime).toHaveLength(1);
      expect(w[0], runtime).toMatch(runtime === 'wgsl' ? /the manifest has state, but the LSTM graph takes no state input/ : /lstm\.onnx has inputs \[history\] .* the runtime needs inputs \[history, state\]/);
    }
  });
});

describe('the plugin\'s model assets', () => {
  it('a state model given as assets is refused naming the state encoder (it is not matched to the encoder asset); plain models load as before', async () => {
    const asset = (dir: string, name: string) => {
      const b = readFileSync(join(dir, name));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    };
    const assets = (dir: string) => ({
      manifest: readFileSync(join(dir, 'manifest.json'), 'utf8'),
      encoder: asset(dir, 'encoder.onnx'), lstm: asset(dir, 'lstm.onnx'), decoder: asset(dir, 'decoder.onnx'),
    });
    const settings = (dir: string) => ({ modelAssets: assets(dir), modelUrl: '' }) as unknown as LiquidVolumeSettings;
    await expect(modelFilesFromSettings(settings(STATE))!).rejects.toThrow(/cannot read model assets\/state-encoder\.onnx: no asset for state-encoder\.onnx: the model assets carry no state encoder; load a state-conditioned model through liquidVolume\.modelUrl/);
    const plain = await modelFilesFromSettings(settings(TINY))!;
    expect(plain.stateEncoder).toBeUndefined();
    expect(plain.encoder).toEqual(new Uint8Array(readFileSync(join(TINY, 'encoder.onnx'))));
  });
});
