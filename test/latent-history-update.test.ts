// The history update 'keep-predicted' (issue 22, item 2): a kept prediction pushes the LSTM's
// code without running the encoder; a discarded one runs the gated encoder and is then exactly
// today's 'encode-used'. WGSL runtime, tiny model, 16^3 dam break.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GpuWorkCounter } from '../src/bench/gpu-work-counter';
import type { HistoryUpdate } from '../src/latent/latent-pressure-predictor';
import { loadModelFromDirectory } from '../src/node/model-directory';
import { maxDiff, read, useCountedDevice } from './helpers/gpu';
import { latentDamBreak16 } from './helpers/latent';

const TINY = join(__dirname, 'fixtures', 'tiny-model');
let device: GPUDevice;
let counter: GpuWorkCounter;
const owned = useCountedDevice((d, c) => { device = d; counter = c; });

const solverWith = (historyUpdate: HistoryUpdate, adaptiveThreshold: number) =>
  latentDamBreak16(device, owned, loadModelFromDirectory(TINY), { schedule: { interval: 1_000_000, correctionIterations: 2, adaptiveThreshold }, ort: { runtime: 'wgsl', historyUpdate } });

describe("history update 'keep-predicted'", () => {
  it('a kept prediction pushes the predicted code and records no direct encoder or decoder work', async () => {
    const { solver, stage } = await solverWith('keep-predicted', 1e9);
    expect(stage.predictor.historyUpdate).toBe('keep-predicted');
    for (let f = 0; f < 6; f++) await solver.step();
    const n = stage.predictor.codeCount;
    counter.begin();
    await solver.step();
    const c = counter.end();
    expect(stage.lastMode).toBe('predict');
    expect((await stage.predictor.readCounters()).adaptiveFallbacks).toBe(0);
    const history = await read(device, stage.predictor.historyBuffer, 6 * n);
    const predicted = await read(device, stage.predictor.gpuBuffers.prediction, n);
    expect(maxDiff(history.slice(5 * n), predicted).abs).toBe(0);
    const update = c.byPass.historyUpdate;
    // Arming, encoder input, 8 encoder and 9 decoder layers, anchor: indirect; the arming and the push: direct.
    expect(update.indirectDispatches).toBe(1 + 8 + 9 + 1);
    expect(update.dispatches - update.indirectDispatches).toBe(2);
    expect(c.byPass.encodeUsed).toBeUndefined();
    expect(c.byPass.encodeInput).toBeUndefined();
  });

  it('when every prediction is discarded it is exactly encode-used: the same pressure and history', async () => {
    // A tiny adaptive threshold discards every prediction: each predicted step is a fallback
    // solve whose pressure both updates encode.
    const kept = await solverWith('keep-predicted', 1e-9);
    const today = await solverWith('encode-used', 1e-9);
    const n = kept.stage.predictor.codeCount;
    for (let f = 0; f < 9; f++) {
      await kept.solver.step();
      await today.solver.step();
      const p = maxDiff(await kept.solver.readField('pressure'), await today.solver.readField('pressure'));
      const h = maxDiff(await read(device, kept.stage.predictor.historyBuffer, 6 * n), await read(device, today.stage.predictor.historyBuffer, 6 * n));
      expect(p.abs, `frame ${f}`).toBe(0);
      expect(h.abs, `frame ${f}`).toBe(0);
    }
    expect(kept.stage.lastMode).toBe('predict');
    expect((await kept.stage.predictor.readCounters()).adaptiveFallbacks).toBe(3);
  });
});
