import { attachLatentPredictor } from '../latent/attach-latent';
import type { LatentPressureStage } from '../latent/latent-pressure-stage';
import type { NetworkMultiplyAdds } from '../latent/latent-networks';
import type { PredictorOptions } from '../latent/latent-pressure-predictor';
import type { LatentFallback } from '../latent/latent-scheduler';
import type { ModelFiles } from '../latent/model-manifest';
import { presetScene } from '../scene/presets';
import type { PressureDescription } from '../scene/scene-description';
import { LiquidSolver } from '../solver/liquid-solver';
import type { PressureStage } from '../solver/pressure/pressure-stage';
import { GpuWorkCounter, type PassWork, type WorkCount } from './gpu-work-counter';

/** What `countStepCosts` counts. */
export interface StepCostOptions {
  resolution: number;
  preset: string;
  /** Frames solved (and encoded into the history) before counting. */
  warmupFrames: number;
  /** Correction iterations of a predicted step. */
  correctionIterations: number;
  /** Adaptive threshold of the predicted step (its check's kernels are counted); undefined: off. */
  adaptiveThreshold: number | undefined;
  /** The latent runtime and options (default the WGSL runtime: ORT's work is its own). */
  latent: PredictorOptions;
  /** Where a discarded prediction's full solve runs (LatentSchedule.fallback; default 'same-step'). */
  fallback?: LatentFallback;
}

export const DEFAULT_STEP_COST_OPTIONS: StepCostOptions = {
  resolution: 32, preset: 'dam-break', warmupFrames: 8, correctionIterations: 4, adaptiveThreshold: 1, latent: { runtime: 'wgsl' },
};

/** The counted work of one step, and the networks' multiply-adds in it. */
export interface StepCost extends WorkCount {
  /**
   * Multiply-adds of the networks the step ran (WgslConvNet.multiplyAdds, WgslLatentLstm.multiplyAdds;
   * null: not known, ORT), counting the gated ones (run only when the GPU decides) under
   * `conditionalMultiplyAdds` instead.
   */
  multiplyAdds: number | null;
  /** Multiply-adds of networks recorded as indirect dispatches: they run only on a discarded prediction. */
  conditionalMultiplyAdds: number | null;
}

/** Counts of the steps a game chooses between, at one resolution. */
export interface StepCostResult {
  tool: 'latent-liquid bench --counters';
  date: string;
  adapter: string;
  options: StepCostOptions;
  resolution: [number, number, number];
  /** Multiply-adds of one run of each network on this grid (null: no model, or ORT). */
  networks: NetworkMultiplyAdds | null;
  runtime: string | null;
  steps: Record<string, StepCost>;
  notes: string[];
}

const encodeAndDecode = (n: NetworkMultiplyAdds, delta: boolean) => n.encoder + (delta ? n.decoder : 0);

/**
 * The passes that record each network's dispatches (the encoder pass also decodes in delta
 * form), and whether they run only for a discarded prediction: 'historyUpdate' (history update
 * 'keep-predicted') records the encoder and decoder as gated indirect dispatches.
 */
const NETWORK_PASSES: Record<string, { macs: (n: NetworkMultiplyAdds, delta: boolean) => number; gated: boolean }> = {
  state: { macs: (n) => n.stateEncoder, gated: false },
  lstm: { macs: (n) => n.lstm, gated: false },
  decode: { macs: (n) => n.decoder, gated: false },
  encode: { macs: encodeAndDecode, gated: false },
  encodeUsed: { macs: encodeAndDecode, gated: false },
  historyUpdate: { macs: encodeAndDecode, gated: true },
};

/** The networks' multiply-adds in a counted step, by the passes that ran them (see NETWORK_PASSES). */
export function networkMultiplyAdds(count: WorkCount, networks: NetworkMultiplyAdds | null, delta: boolean): { multiplyAdds: number | null; conditionalMultiplyAdds: number | null } {
  if (!networks) return { multiplyAdds: null, conditionalMultiplyAdds: null };
  let sure = 0, conditional = 0;
  for (const [pass, { macs, gated }] of Object.entries(NETWORK_PASSES)) {
    const w: PassWork | undefined = count.byPass[pass];
    if (!w || w.dispatches === 0) continue;
    if (gated) conditional += macs(networks, delta);
    else sure += macs(networks, delta);
  }
  return { multiplyAdds: sure, conditionalMultiplyAdds: conditional };
}

/**
 * Counts, on a warmed-up scene (each step goes on from the last), the GPU work one step records: a
 * classical step with the scene's default method, Jacobi 100, MGPCG to 1e-3, the classical step with foam on, and, with a
 * model, the latent path's predicted and solved (encoded) steps. Counts are what the CPU
 * records, so they are the same on any adapter (SwiftShader included); no timing.
 */
export async function countStepCosts(device: GPUDevice, adapter: string, options: StepCostOptions, model: ModelFiles | null,
  log: (line: string) => void = () => undefined): Promise<StepCostResult> {
  const counter = GpuWorkCounter.install(device);
  const scene = presetScene(options.preset, options.resolution);
  const solver = await LiquidSolver.create(device, scene, { timing: false });
  const steps: Record<string, StepCost> = {};
  let latent: LatentPressureStage | null = null;
  try {
    const count = async (name: string, setup: () => void, networks: NetworkMultiplyAdds | null = null, delta = false) => {
      setup();
      counter.begin();
      await solver.step();
      const c = counter.end();
      steps[name] = { ...c, ...networkMultiplyAdds(c, networks, delta) };
      log(`  ${name}: ${c.dispatches} dispatches (${c.indirectDispatches} indirect), ${c.passes} passes, ${(c.boundBytes / 1e6).toFixed(2)} MB bound`);
    };
    const classical = solver.classicalStage;
    const stageFor = (settings: Partial<PressureDescription>) => solver.createClassicalStage({ ...scene.pressure, ...settings });
    const jacobi100 = await stageFor({ method: 'jacobi', iterations: 100, tolerance: undefined });
    const mgpcg = await stageFor({ method: 'mgpcg', tolerance: 1e-3, maxIterations: 20 });
    const use = (stage: PressureStage) => () => solver.setPressureStage(stage, { keepPrevious: true });
    if (model) {
      latent = await attachLatentPredictor(solver, model, {
        schedule: { interval: 1_000_000, correctionIterations: options.correctionIterations, warmupFrames: options.warmupFrames, adaptiveThreshold: options.adaptiveThreshold,
          ...(options.fallback ? { fallback: options.fallback } : {}) },
        ort: options.latent,
        onWarning: log,
      });
    }
    log(`warming up ${options.warmupFrames} frames at ${options.resolution}^3`);
    for (let f = 0; f < options.warmupFrames; f++) await solver.step();
    await count(`classical (${scene.pressure.method})`, use(classical));
    await count('jacobi 100', use(jacobi100));
    await count('mgpcg 1e-3', use(mgpcg));
    // The same classical step with whitewater foam on: its cost is the 'foam' pass of this row.
    await count(`classical (${scene.pressure.method}) + foam`, () => { use(classical)(); solver.foam.enabled = true; });
    solver.foam.enabled = false;
    const networks = latent?.predictor.networkMultiplyAdds ?? null;
    if (latent) {
      const stage = latent;
      const delta = stage.predictor.predictionForm === 'delta';
      await count('latent predicted', () => { solver.setPressureStage(stage, { keepPrevious: true }); stage.forceNextMode = 'predict'; }, networks, delta);
      await count('latent solved', () => { solver.setPressureStage(stage, { keepPrevious: true }); stage.forceNextMode = 'solve'; }, networks, delta);
    }
    return {
      tool: 'latent-liquid bench --counters', date: new Date().toISOString(), adapter, options, resolution: scene.resolution, networks,
      runtime: latent?.predictor.runtime ?? null, steps,
      notes: [
        'Counts of what one step records (CPU side), the same on every adapter; no timing.',
        'dispatches: dispatch calls (indirect ones decided on the GPU: their workgroups are not in workgroups).',
        'boundBytes: per dispatch, the bytes of the buffers bound, summed: an estimate of the bytes moved (src/bench/gpu-work-counter.ts).',
        'multiplyAdds: the networks only (dense conv count, LSTM gates, features and head); conditionalMultiplyAdds run only for a discarded prediction.',
        'Classical steps (MGPCG to a tolerance, Jacobi to a tolerance) encode their iteration cap; iterations after convergence are no-op dispatches on the GPU, still counted here.',
      ],
    };
  } finally {
    solver.destroy();
    counter.uninstall();
  }
}
