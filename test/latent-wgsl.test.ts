// The predictor on the WGSL runtime in the simulation (runtime: 'wgsl'): the same closed loop
// as onnxruntime-web, recorded without flushes, NaN handling, and the fallback to ORT for a
// model whose graphs the WGSL runtime does not recognise.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LatentPressureStage } from '../src/latent/latent-pressure-stage';
import type { ModelFiles } from '../src/latent/model-manifest';
import type { LiquidSolver } from '../src/solver/liquid-solver';
import { loadModelFromDirectory } from '../src/node/model-directory';
import { maxDiff, read, testGpu, upload } from './helpers/gpu';
import { latentDamBreak16 } from './helpers/latent';

const TINY = join(__dirname, 'fixtures', 'tiny-model');
let device: GPUDevice;
const owned: LiquidSolver[] = [];

beforeAll(async () => {
  device = (await testGpu()).device;
});
afterAll(() => {
  for (const s of owned) s.destroy();
});

function latentSolver(runtime: 'ort' | 'wgsl', schedule: { interval: number; correctionIterations: number; adaptiveThreshold?: number },
  files: ModelFiles | Promise<ModelFiles> = loadModelFromDirectory(TINY), warnings: string[] | null = null): Promise<{ solver: LiquidSolver; stage: LatentPressureStage }> {
  return latentDamBreak16(device, owned, files, { schedule, ort: { runtime } }, warnings);
}

describe('the WGSL runtime in the closed loop', () => {
  it('16^3 dam break, tiny model: the same schedule, kept/discarded counts and pressure as onnxruntime-web over the predicted frames', async () => {
    // Adaptive check at the default 1 1/s: whether a prediction is kept depends on the
    // predicted pressure, so equal counts mean the two runtimes predict alike.
    const schedule = { interval: 3, correctionIterations: 2, adaptiveThreshold: 1 };
    const ort = await latentSolver('ort', schedule);
    const wgsl = await latentSolver('wgsl', schedule);
    expect(ort.stage.predictor.runtime).toBe('ort');
    expect(wgsl.stage.predictor.runtime).toBe('wgsl');
    ort.solver.collectMetrics = true;
    wgsl.solver.collectMetrics = true;
    const codes = 6 * ort.stage.predictor.codeCount;
    const rows: string[] = [];
    let predicted = 0;
    for (let f = 0; f < 13; f++) {
      await ort.solver.step();
      await wgsl.solver.step();
      const [mo, mw] = [await ort.solver.readMetrics(), await wgsl.solver.readMetrics()];
      expect(mw.mode, `frame ${f}`).toBe(mo.mode);
      expect(mw.extra?.predictionDiscarded, `frame ${f}`).toBe(mo.extra?.predictionDiscarded);
      const [po, pw] = [await ort.solver.readField('pressure'), await wgsl.solver.readField('pressure')];
      const d = maxDiff(pw, po);
      const [ho, hw] = [await read(device, ort.stage.predictor.historyBuffer, codes), await read(device, wgsl.stage.predictor.historyBuffer, codes)];
      const dh = maxDiff(hw, ho);
      rows.push(`${f} ${mo.mode} pressure ${d.abs.toExponential(2)}/${d.scale.toFixed(1)} history ${dh.abs.toExponential(2)}/${dh.scale.toFixed(2)}`);
      // Tolerance: float32 rounding differences of two implementations carried through the
      // networks, the corrections and the closed loop. Measured (SwiftShader, 2026-11-30): at
      // most 1.1e-6 of the largest pressure and 8.9e-7 of the largest code value.
      expect(d.abs, rows.join('\n')).toBeLessThanOrEqual(1e-5 * d.scale + 1e-3);
      expect(dh.abs, rows.join('\n')).toBeLessThanOrEqual(1e-5 * dh.scale + 1e-5);
      if (mo.mode === 'predict') {
        predicted++;
        expect(mw.ms).toHaveProperty('lstm');
        expect(mw.ms).toHaveProperty('decode');
      }
    }
    expect(predicted).toBe(5);
    const [co, cw] = [await ort.stage.predictor.readCounters(), await wgsl.stage.predictor.readCounters()];
    console.info(`ORT vs WGSL runtime, tiny model, dam-break 16^3 (max |diff| / max |ORT|):\n  ${rows.join('\n  ')}\n  counters ${JSON.stringify(cw)}`);
    expect(cw).toEqual(co);
    expect(co.predictions).toBe(5);
  });

  it('a predicted step is recorded without flushing: one submit, like a plain solved step', async () => {
    const { solver, stage } = await latentSolver('wgsl', { interval: 8, correctionIterations: 2, adaptiveThreshold: 1e9 });
    const ortRun = await latentSolver('ort', { interval: 8, correctionIterations: 2, adaptiveThreshold: 1e9 });
    for (let f = 0; f < 6; f++) { await solver.step(); await ortRun.solver.step(); }
    const submits = async (s: LiquidSolver) => {
      const queue = device.queue;
      const original = queue.submit.bind(queue);
      let n = 0;
      queue.submit = (buffers: Iterable<GPUCommandBuffer>) => { n++; original(buffers); };
      try {
        await s.step();
      } finally {
        queue.submit = original;
      }
      return n;
    };
    const wgslSubmits = await submits(solver);
    const ortSubmits = await submits(ortRun.solver);
    expect(stage.lastMode).toBe('predict');
    expect(ortRun.stage.lastMode).toBe('predict');
    expect(wgslSubmits).toBe(1);
    expect(ortSubmits).toBeGreaterThan(1);
  });

  it('NaN in the history: the prediction is rejected on the GPU and a full solve runs instead', async () => {
    const { solver, stage } = await latentSolver('wgsl', { interval: 8, correctionIterations: 2 }, loadModelFromDirectory(TINY), []);
    solver.collectMetrics = true;
    for (let f = 0; f < 6; f++) { await solver.step(); await solver.readMetrics(); }
    const history = stage.predictor.historyBuffer;
    upload(device, history, new Float32Array(history.size / 4).fill(Number.NaN));
    await solver.step();
    const m = await solver.readMetrics();
    expect(m.mode).toBe('predict');
    expect((await stage.predictor.readCounters()).rejected).toBe(1);
    expect(m.divergenceL2).toBeLessThan(0.1);
    expect((await solver.readField('pressure')).every(Number.isFinite)).toBe(true);
  });

  it('a model whose graphs the WGSL runtime does not know runs on onnxruntime-web, with a warning', async () => {
    const files = await loadModelFromDirectory(TINY);
    // Same length, still valid ONNX: half_pixel with nearest_mode floor is a different upsampling.
    const decoder = Buffer.from(files.decoder);
    const from = Buffer.from('asymmetric'), to = Buffer.from('half_pixel');
    let replaced = 0;
    for (let i = decoder.indexOf(from); i >= 0; i = decoder.indexOf(from, i + 1)) { to.copy(decoder, i); replaced++; }
    expect(replaced).toBe(3);
    const warnings: string[] = [];
    const { stage } = await latentSolver('wgsl', { interval: 4, correctionIterations: 2 }, { ...files, decoder: new Uint8Array(decoder) }, warnings);
    expect(stage.predictor.runtime).toBe('ort');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/the WGSL runtime does not know this model, running it on onnxruntime-web instead: .*decoder\.onnx: Resize .* uses coordinate_transformation_mode half_pixel with nearest_mode floor/);
  });
});
