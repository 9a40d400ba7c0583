import type { LiquidSolver } from '../solver/liquid-solver';
import { LatentPressurePredictor } from './latent-pressure-predictor';
import { LatentPressureStage } from './latent-pressure-stage';
import { DEFAULT_LATENT_SCHEDULE, type LatentSchedule } from './latent-scheduler';
import { ModelCompatibilityError, ModelError, type ModelFiles, UnsupportedGraphError } from './model-manifest';
import type { PredictorOptions } from './latent-pressure-predictor';

/** Options of `attachLatentPredictor` and `attachLatent`. */
export interface AttachLatentOptions {
  schedule?: Partial<LatentSchedule>;
  /** onnxruntime settings, the prediction form ('delta' by default) and the runtime ('ort' by default). */
  ort?: PredictorOptions;
  /**
   * Notices, each reported once: a model the WGSL runtime does not know runs on ORT instead;
   * with attachLatentPredictor also why a model could not be attached. Default console.warn.
   */
  onWarning?: (message: string) => void;
}

/**
 * Why a model could not be attached:
 * - 'model-unreadable': the model set could not be read (a file missing or unreadable, the manifest invalid);
 * - 'model-incompatible': a valid model that cannot serve the solver's grid;
 * - 'model-invalid': a network does not load, or does not have the contract's inputs and outputs;
 * - 'runtime-failed': the runtime could not run it (no WebGPU provider, an unsupported option).
 */
export type LatentUnavailableReason = 'model-unreadable' | 'model-incompatible' | 'model-invalid' | 'runtime-failed';

/** Why a model could not be attached, as a code for programs and the detail for people. */
export interface LatentAttachFailure {
  reason: LatentUnavailableReason;
  /** What went wrong, as the loader, the model checks or the runtime said it (no prefix). */
  detail: string;
}

/** What `attachLatent` gave: the attached stage, or why there is none (the solver then keeps its classical solve). */
export type LatentAttachResult = { stage: LatentPressureStage; failure: null } | { stage: null; failure: LatentAttachFailure };

/** The warning attachLatentPredictor gives for a failure. */
export function describeLatentFailure(failure: LatentAttachFailure): string {
  return `latent-liquid: the latent model cannot be used, solving with the classical solver only: ${failure.detail}`;
}

function failureOf(e: unknown, readingFiles: boolean): LatentAttachFailure {
  const detail = e instanceof Error ? e.message : String(e);
  if (readingFiles) return { reason: 'model-unreadable', detail };
  if (e instanceof ModelCompatibilityError) return { reason: 'model-incompatible', detail };
  if (e instanceof ModelError) return { reason: 'model-invalid', detail };
  return { reason: 'runtime-failed', detail };
}

/**
 * Loads a model set onto the solver's device and makes the latent stage the solver's
 * pressure stage (its full solves and fallbacks use the solver's classical stage). If the
 * model cannot be used (broken files, wrong resolution, no WebGPU provider), the solver keeps
 * its classical solve and the result says why. With `runtime: 'wgsl'`, a model whose graphs the
 * WGSL runtime does not recognise runs on ORT instead (with a notice through `onWarning`).
 */
export async function attachLatent(solver: LiquidSolver, files: ModelFiles | Promise<ModelFiles>, options: AttachLatentOptions = {}): Promise<LatentAttachResult> {
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  let predictor: LatentPressurePredictor;
  let model: ModelFiles;
  let readingFiles = true;
  try {
    model = await files;
    readingFiles = false;
    try {
      predictor = await LatentPressurePredictor.create(solver, model, options.ort);
    } catch (e) {
      if (!(e instanceof UnsupportedGraphError) || options.ort?.runtime !== 'wgsl') throw e;
      warn(`latent-liquid: the WGSL runtime does not know this model, running it on onnxruntime-web instead: ${e.message}`);
      predictor = await LatentPressurePredictor.create(solver, model, { ...options.ort, runtime: 'ort' });
    }
  } catch (e) {
    if (solver.pressureStage !== solver.classicalStage) solver.setPressureStage(solver.classicalStage);
    return { stage: null, failure: failureOf(e, readingFiles) };
  }
  const schedule: LatentSchedule = {
    ...DEFAULT_LATENT_SCHEDULE,
    warmupFrames: model.manifest.window,
    ...options.schedule,
  };
  const stage = new LatentPressureStage(predictor, schedule, solver.classicalStage, solver.pressureSolver, warn);
  solver.setPressureStage(stage);
  return { stage, failure: null };
}

/**
 * `attachLatent` for callers that want the stage or null: a model that cannot be used is
 * reported once through `onWarning` (`describeLatentFailure`).
 */
export async function attachLatentPredictor(solver: LiquidSolver, files: ModelFiles | Promise<ModelFiles>, options: AttachLatentOptions = {}): Promise<LatentPressureStage | null> {
  const { stage, failure } = await attachLatent(solver, files, options);
  if (failure) (options.onWarning ?? ((m: string) => console.warn(m)))(describeLatentFailure(failure));
  return stage;
}
