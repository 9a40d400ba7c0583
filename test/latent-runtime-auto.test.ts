// latentRuntime 'auto' (the default, issue 22): the WGSL runtime for a model it recognises,
// onnxruntime-web for one it does not, without a warning either way.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFromDirectory } from '../src/node/model-directory';
import type { LiquidSolver } from '../src/solver/liquid-solver';
import { testGpu } from './helpers/gpu';
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

describe("latentRuntime 'auto'", () => {
  it('is the default and picks the WGSL runtime for a model it recognises, ORT for one it does not, silently', async () => {
    const schedule = { interval: 4, correctionIterations: 2 };
    // No runtime given: the default. latentDamBreak16 fails on any warning.
    const known = await latentDamBreak16(device, owned, loadModelFromDirectory(TINY), { schedule });
    expect(known.stage.predictor.runtime).toBe('wgsl');
    // The same decoder with half_pixel/floor Resize ops: valid ONNX the WGSL runtime refuses.
    const files = await loadModelFromDirectory(TINY);
    const decoder = Buffer.from(files.decoder);
    const from = Buffer.from('asymmetric'), to = Buffer.from('half_pixel');
    for (let i = decoder.indexOf(from); i >= 0; i = decoder.indexOf(from, i + 1)) to.copy(decoder, i);
    const unknown = await latentDamBreak16(device, owned, { ...files, decoder: new Uint8Array(decoder) }, { schedule });
    expect(unknown.stage.predictor.runtime).toBe('ort');
  });
});
