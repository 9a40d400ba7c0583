// The fallback MGPCG solve of a predicted step (issue 22): recorded as indirect dispatches armed
// on the GPU, so a kept prediction launches none of its workgroups, and a discarded one solves
// exactly as a solved step does. WGSL runtime, tiny model, 16^3 dam break with MGPCG.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GpuWorkCounter } from '../src/bench/gpu-work-counter';
import { attachLatentPredictor } from '../src/latent/attach-latent';
import { loadModelFromDirectory } from '../src/node/model-directory';
import { presetScene } from '../src/scene/presets';
import { LiquidSolver } from '../src/solver/liquid-solver';
import { maxDiff, useCountedDevice } from './helpers/gpu';

const TINY = join(__dirname, 'fixtures', 'tiny-model');
let device: GPUDevice;
let counter: GpuWorkCounter;
const owned = useCountedDevice((d, c) => { device = d; counter = c; });

async function mgpcgSolver(): Promise<LiquidSolver> {
  const scene = presetScene('dam-break', 16);
  scene.pressure = { ...scene.pressure, method: 'mgpcg', tolerance: 1e-4, maxIterations: 30 };
  const solver = await LiquidSolver.create(device, scene);
  owned.push(solver);
  return solver;
}

async function withModel(adaptiveThreshold: number) {
  const solver = await mgpcgSolver();
  const stage = await attachLatentPredictor(solver, loadModelFromDirectory(TINY), {
    schedule: { interval: 1_000_000, correctionIterations: 2, adaptiveThreshold }, ort: { runtime: 'wgsl' }, onWarning: (m) => { throw new Error(m); },
  });
  return { solver, stage: stage! };
}

describe('the gated fallback solve', () => {
  it('a kept prediction records the MGPCG fallback as indirect dispatches only (besides its gate and arming)', async () => {
    const { solver, stage } = await withModel(1e9);
    for (let f = 0; f < 6; f++) await solver.step();
    counter.begin();
    await solver.step();
    const c = counter.end();
    expect(stage.lastMode).toBe('predict');
    const fallback = c.byPass.fallback;
    expect(fallback.dispatches).toBeGreaterThan(20);
    // cgGate (one workgroup) and the arming (one thread per u32 of the setup, start and two
    // iteration lists' arguments, no more than the recorded indirect dispatches' when the cap is
    // 2 or more) are direct; the rest indirect and launch nothing. Measured at 16^3: 308
    // dispatches, 306 indirect, 3 workgroups.
    expect(fallback.dispatches - fallback.indirectDispatches, JSON.stringify(fallback)).toBe(2);
    expect(fallback.workgroups).toBeLessThanOrEqual(1 + Math.ceil((3 * fallback.indirectDispatches) / 64));
    expect((await stage.predictor.readCounters()).adaptiveFallbacks).toBe(0);
  });

  it('a discarded prediction solves as a solved step does: the same pressure as MGPCG every step', async () => {
    const { solver, stage } = await withModel(1e-9);
    const plain = await mgpcgSolver();
    for (let f = 0; f < 9; f++) {
      await solver.step();
      await plain.step();
      const d = maxDiff(await solver.readField('pressure'), await plain.readField('pressure'));
      expect(d.abs, `frame ${f} (${stage.lastMode})`).toBeLessThanOrEqual(1e-5 * d.scale);
    }
    expect(stage.lastMode).toBe('predict');
    expect((await stage.predictor.readCounters()).adaptiveFallbacks).toBe(3);
  });
});
