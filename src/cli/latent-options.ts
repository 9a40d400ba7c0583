import type { LiquidSolver } from '../solver/liquid-solver';
import { attachLatent } from '../latent/attach-latent';
import type { HistoryUpdate, LatentRuntimeChoice } from '../latent/latent-pressure-predictor';
import type { LatentPressureStage } from '../latent/latent-pressure-stage';
import { DEFAULT_FALLBACK_JACOBI_ITERATIONS, type LatentFallback } from '../latent/latent-scheduler';
import { findShippedModel, loadModelFromDirectory, shippedModelsProblems } from '../node/model-directory';
import { intOption, numberOption, stringOption, UsageError, type ParsedArgs } from './args';

export const LATENT_OPTION_VALUES = ['solver', 'model', 'interval', 'correction', 'correction-iterations', 'adaptive', 'warmup-frames', 'latent-runtime', 'history-update', 'fallback', 'fallback-iterations'];
export const LATENT_OPTION_FLAGS: string[] = ['allow-fallback'];

/**
 * Raised when `--solver latent` was asked for but no model can run (missing or broken files, a
 * grid no model serves) and `--allow-fallback` was not given; the CLI prints it and exits 1.
 */
export class LatentUnavailableError extends Error {
  constructor(reason: string) {
    super(`--solver latent cannot run: ${reason}\n`
      + 'Fix the model or the grid, or pass --allow-fallback to solve with the classical solver only (with a warning).');
    this.name = 'LatentUnavailableError';
  }
}

/** A latent pressure stage attached to a solver, as the CLI sees it. */
export interface AttachedLatent {
  stage: LatentPressureStage;
  modelDir: string;
  describe(): string;
  summary(): Promise<string>;
  destroy(): void;
}

/** The latent settings given on the command line. */
export interface LatentCliSettings {
  modelDir: string | undefined;
  interval: number;
  correctionIterations: number;
  /** How predictions are corrected: K Jacobi iterations, or the classical solve to its tolerance from the prediction (a warm start). */
  correction: 'jacobi' | 'solve';
  adaptive: number | undefined;
  warmupFrames: number | undefined;
  /** Solve with the classical solver (after a warning) when the model cannot run, instead of failing. */
  allowFallback: boolean;
  /** What runs the networks: 'auto' (default: WGSL for a model it recognises, else onnxruntime-web), onnxruntime-web or our WGSL kernels. */
  runtime: LatentRuntimeChoice;
  /** What a predicted step pushes into the history (PredictorOptions.historyUpdate). */
  historyUpdate: HistoryUpdate | undefined;
  /** Where a discarded prediction's full solve runs (LatentSchedule.fallback), and the Jacobi iterations of a 'next-step' one. */
  fallback: LatentFallback | undefined;
  fallbackIterations: number | undefined;
}

/**
 * Reads --solver and the latent options; null when the solver is classical. `--solver jacobi`
 * is the deprecated alias of `classical` (one warning through `warn`).
 */
export function readLatentSettings(args: ParsedArgs, warn: (message: string) => void = (m) => process.stderr.write(`warning: ${m}\n`)): LatentCliSettings | null {
  let kind = stringOption(args, 'solver') ?? 'classical';
  if (kind === 'jacobi') {
    warn("--solver jacobi is deprecated: it means --solver classical (the solve --pressure names: jacobi or mgpcg)");
    kind = 'classical';
  }
  if (kind !== 'classical' && kind !== 'latent') throw new UsageError(`--solver must be classical or latent (got ${kind})`);
  if (kind === 'classical') {
    for (const o of [...LATENT_OPTION_VALUES.slice(1), ...LATENT_OPTION_FLAGS]) {
      if (args.options.has(o)) throw new UsageError(`--${o} needs --solver latent`);
    }
    return null;
  }
  const runtime = stringOption(args, 'latent-runtime') ?? 'auto';
  if (runtime !== 'auto' && runtime !== 'ort' && runtime !== 'wgsl') throw new UsageError(`--latent-runtime must be auto, ort or wgsl (got ${runtime})`);
  const historyUpdate = stringOption(args, 'history-update');
  if (historyUpdate !== undefined && historyUpdate !== 'encode-used' && historyUpdate !== 'keep-predicted') {
    throw new UsageError(`--history-update must be encode-used or keep-predicted (got ${historyUpdate})`);
  }
  const fallback = stringOption(args, 'fallback');
  if (fallback !== undefined && fallback !== 'same-step' && fallback !== 'next-step') throw new UsageError(`--fallback must be same-step or next-step (got ${fallback})`);
  const fallbackIterations = args.options.has('fallback-iterations') ? intOption(args, 'fallback-iterations', 0, 2, 10000) : undefined;
  if (fallbackIterations !== undefined && fallbackIterations % 2 !== 0) throw new UsageError(`--fallback-iterations must be even (got ${fallbackIterations})`);
  const correction = stringOption(args, 'correction') ?? 'jacobi';
  if (correction !== 'jacobi' && correction !== 'solve') throw new UsageError(`--correction must be jacobi or solve (got ${correction})`);
  for (const o of ['correction-iterations', 'adaptive', 'fallback', 'fallback-iterations']) {
    // A warm-started solve reaches the tolerance: nothing to correct or to discard.
    if (correction === 'solve' && args.options.has(o)) throw new UsageError(`--${o} applies to --correction jacobi only`);
  }
  return {
    runtime,
    historyUpdate,
    fallback,
    fallbackIterations,
    modelDir: stringOption(args, 'model'),
    interval: intOption(args, 'interval', 4, 1, 1000),
    correctionIterations: intOption(args, 'correction-iterations', 4, 0, 10000),
    correction,
    adaptive: numberOption(args, 'adaptive', undefined, 0, 1e6),
    warmupFrames: args.options.has('warmup-frames') ? intOption(args, 'warmup-frames', 0, 0, 100000) : undefined,
    allowFallback: args.options.has('allow-fallback'),
  };
}

/**
 * Attaches the latent predictor when `--solver latent` is given. A model that cannot be used
 * throws LatentUnavailableError with the reason; with `allowFallback` it leaves the solver on
 * Jacobi instead, with a warning on stderr (and null returned).
 */
export async function attachLatentSolver(solver: LiquidSolver, settings: LatentCliSettings | null, quiet: boolean): Promise<AttachedLatent | null> {
  if (!settings) return null;
  const warn = (m: string) => process.stderr.write(`warning: ${m}\n`);
  const unavailable = (reason: string): null => {
    if (!settings.allowFallback) throw new LatentUnavailableError(reason);
    warn(`latent-liquid: --solver latent cannot run (${reason}); solving with the classical solver (${solver.classicalStage.method}) only (--allow-fallback)`);
    return null;
  };
  const dims = solver.scene.resolution;
  const modelDir = settings.modelDir ?? findShippedModel(dims);
  if (!modelDir) {
    return unavailable(`no shipped model serves the grid [${dims.join(', ')}]:\n  ${shippedModelsProblems(dims).join('\n  ')}\n`
      + 'pick a --res the model serves, or pass --model DIR with a model for this grid');
  }
  // Hold the notices of the attach itself until it is known whether the run goes on.
  let attaching = true;
  const held: string[] = [];
  const { stage, failure } = await attachLatent(solver, loadModelFromDirectory(modelDir), {
    schedule: {
      interval: settings.interval,
      correctionIterations: settings.correctionIterations,
      correction: settings.correction,
      // --adaptive 0 turns the check off; no option keeps the default.
      ...(settings.adaptive !== undefined ? { adaptiveThreshold: settings.adaptive } : {}),
      ...(settings.warmupFrames !== undefined ? { warmupFrames: settings.warmupFrames } : {}),
      ...(settings.fallback !== undefined ? { fallback: settings.fallback } : {}),
      ...(settings.fallbackIterations !== undefined ? { fallbackJacobiIterations: settings.fallbackIterations } : {}),
    },
    ort: { runtime: settings.runtime, ...(settings.historyUpdate ? { historyUpdate: settings.historyUpdate } : {}) },
    onWarning: (m) => { if (attaching) held.push(m); else warn(m); },
  });
  attaching = false;
  if (!stage) {
    held.forEach(warn);
    return unavailable(`model ${modelDir}: ${failure.detail}`);
  }
  held.forEach(warn);
  void quiet;
  return {
    stage,
    modelDir,
    describe: () => {
      const s = stage.scheduler.settings;
      return `latent (${modelDir}, ${stage.predictor.manifest.mode} mode, ${stage.predictor.runtime === 'wgsl' ? 'WGSL runtime' : 'onnxruntime-web'}${stage.predictor.historyUpdate === 'keep-predicted' ? ', history keep-predicted' : ''}), full solve every ${s.interval} steps, `
        + (s.correction === 'solve' ? 'predictions warm-start the full solve'
          : `${s.correctionIterations} correction iterations${(s.adaptiveThreshold ?? 0) > 0 ? `, adaptive above ${s.adaptiveThreshold} 1/s` : ''}`
            + (s.fallback === 'next-step' ? `, discarded predictions: ${s.fallbackJacobiIterations ?? DEFAULT_FALLBACK_JACOBI_ITERATIONS} Jacobi iterations, a full solve next step` : ''));
    },
    summary: async () => {
      const c = await stage.predictor.readCounters();
      return `latent: ${stage.stats.solves} solved, ${stage.stats.predictions} predicted steps`
        + `${c.adaptiveFallbacks ? `, ${c.adaptiveFallbacks} discarded by the adaptive check` : ''}`
        + `${c.rejected ? `, ${c.rejected} rejected (NaN/Inf)` : ''}`
        + `${stage.stats.failedPredictions ? `, ${stage.stats.failedPredictions} failed predictions` : ''}${stage.stats.disabled ? ' (model disabled)' : ''}`;
    },
    destroy: () => undefined, // the solver owns and destroys its stage
  };
}
