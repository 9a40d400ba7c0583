import { expect } from 'vitest';
import { attachLatentPredictor, type AttachLatentOptions } from '../../src/latent/attach-latent';
import type { LatentPressureStage } from '../../src/latent/latent-pressure-stage';
import type { ModelFiles } from '../../src/latent/model-manifest';
import { presetScene } from '../../src/scene/presets';
import { LiquidSolver } from '../../src/solver/liquid-solver';

/**
 * A 16^3 dam break (timed) with the latent predictor attached. A warning fails the test unless
 * `warnings` collects it; the solver goes into `owned` for the file's afterAll to destroy.
 */
export async function latentDamBreak16(device: GPUDevice, owned: LiquidSolver[], files: ModelFiles | Promise<ModelFiles>,
  options: Omit<AttachLatentOptions, 'onWarning'>, warnings: string[] | null = null): Promise<{ solver: LiquidSolver; stage: LatentPressureStage }> {
  const solver = await LiquidSolver.create(device, presetScene('dam-break', 16), { timing: true });
  owned.push(solver);
  const stage = await attachLatentPredictor(solver, files, {
    ...options,
    onWarning: (m) => { if (warnings) warnings.push(m); else throw new Error(m); },
  });
  expect(stage).not.toBeNull();
  return { solver, stage: stage! };
}
