import type { LiquidSolver } from '../solver/liquid-solver';
import { LatentPressurePredictor } from './latent-pressure-predictor';
import { LatentPressureStage } from './latent-pressure-stage';
import { DEFAULT_LATENT_SCHEDULE, type LatentSchedule } from './latent-scheduler';
import { type ModelFiles, UnsupportedGraphError } from './model-manifest';
import type { PredictorOptions } from './latent-pressure-predictor';

/** Options of `attachLatentPredictor`. */
export interface AttachLatentOptions {
  schedule?: Partial<LatentSchedule>;
  /** onnxruntime settings, the prediction form ('delta' by default) and the runtime ('ort' by default). */
  ort?: PredictorOptions;
  /** Warnings (model problems, fallbacks), each reported once. Default console.warn. */
  onWarning?: (message: string) => void;
}

/**
 * Loads a model set onto the solver's device and makes the latent stage the solver's
 * pressure stage (its full solves and fallbacks use the solver's classical stage). If the
 * model cannot be used (broken files, wrong resolution, no WebGPU provider), the solver keeps
 * its classical solve, the reason is reported once through
 * `onWarning`, and null is returned. With `runtime: 'wgsl'`, a model whose graphs the WGSL
 * runtime does not recognise runs on ORT instead (with a warning).
 */
export async function attachLatentPredictor(solver: LiquidSolver, files: ModelFiles | Promise<ModelFiles>, options: AttachLatentOptions = {}): Promise<LatentPressureStage | null> {
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  let predictor: LatentPressurePredictor;
  let model: ModelFiles;
  try {
    model = await files;
    try {
      predictor = await LatentPressurePredictor.create(solver, model, options.ort);
    } catch (e) {
      if (!(e instanceof UnsupportedGraphError) || options.ort?.runtime !== 'wgsl') throw e;
      warn(`latent-liquid: the WGSL runtime does not know this model, running it on onnxruntime-web instead: ${e.message}`);
      predictor = await LatentPressurePredictor.create(solver, model, { ...options.ort, runtime: 'ort' });
    }
  } catch (e) {
    warn(`latent-liquid: the latent model cannot be used, solving with Jacobi only: ${(e as Error).message}`);
    if (solver.pressureStage !== solver.classicalStage) solver.setPressureStage(solver.classicalStage);
    return null;
  }
  const schedule: LatentSchedule = {
    ...DEFAULT_LATENT_SCHEDULE,
    warmupFrames: model.manifest.window,
    ...options.schedule,
  };
  const stage = new LatentPressureStage(predictor, schedule, solver.classicalStage, solver.pressureSolver, warn);
  solver.setPressureStage(stage);
  return stage;
}
