import type { LiquidSolver } from '../solver/liquid-solver';
import { attachLatentPredictor } from '../latent/attach-latent';
import type { LatentPressureStage } from '../latent/latent-pressure-stage';
import { findShippedModel, loadModelFromDirectory } from '../node/model-directory';
import { intOption, numberOption, stringOption, UsageError, type ParsedArgs } from './args';

export const LATENT_OPTION_VALUES = ['solver', 'model', 'interval', 'correction-iterations', 'adaptive', 'warmup-frames'];
export const LATENT_OPTION_FLAGS: string[] = [];

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
  adaptive: number | undefined;
  warmupFrames: number | undefined;
}

/** Reads --solver and the latent options; null when the solver is jacobi. */
export function readLatentSettings(args: ParsedArgs): LatentCliSettings | null {
  const kind = stringOption(args, 'solver') ?? 'jacobi';
  if (kind !== 'jacobi' && kind !== 'latent') throw new UsageError(`--solver must be jacobi or latent (got ${kind})`);
  if (kind === 'jacobi') {
    for (const o of LATENT_OPTION_VALUES.slice(1)) {
      if (args.options.has(o)) throw new UsageError(`--${o} needs --solver latent`);
    }
    return null;
  }
  return {
    modelDir: stringOption(args, 'model'),
    interval: intOption(args, 'interval', 4, 1, 1000),
    correctionIterations: intOption(args, 'correction-iterations', 4, 0, 10000),
    adaptive: numberOption(args, 'adaptive', undefined, 0, 1e6),
    warmupFrames: args.options.has('warmup-frames') ? intOption(args, 'warmup-frames', 0, 0, 100000) : undefined,
  };
}

/**
 * Attaches the latent predictor when `--solver latent` is given. A model that cannot be
 * used leaves the solver on Jacobi, with a warning on stderr (and null returned).
 */
export async function attachLatentSolver(solver: LiquidSolver, settings: LatentCliSettings | null, quiet: boolean): Promise<AttachedLatent | null> {
  if (!settings) return null;
  const warn = (m: string) => process.stderr.write(`warning: ${m}\n`);
  const modelDir = settings.modelDir ?? findShippedModel(solver.scene.resolution);
  if (!modelDir) {
    warn(`latent-liquid: no shipped model serves the grid [${solver.scene.resolution.join(', ')}] (pass --model DIR); solving with Jacobi only`);
    return null;
  }
  const stage = await attachLatentPredictor(solver, loadModelFromDirectory(modelDir), {
    schedule: {
      interval: settings.interval,
      correctionIterations: settings.correctionIterations,
      // --adaptive 0 turns the check off; no option keeps the default.
      ...(settings.adaptive !== undefined ? { adaptiveThreshold: settings.adaptive > 0 ? settings.adaptive : undefined } : {}),
      ...(settings.warmupFrames !== undefined ? { warmupFrames: settings.warmupFrames } : {}),
    },
    onWarning: warn,
  });
  if (!stage) return null;
  void quiet;
  return {
    stage,
    modelDir,
    describe: () => {
      const s = stage.scheduler.settings;
      return `latent (${modelDir}, ${stage.predictor.manifest.mode} mode), full solve every ${s.interval} steps, `
        + `${s.correctionIterations} correction iterations${s.adaptiveThreshold !== undefined ? `, adaptive above ${s.adaptiveThreshold} 1/s` : ''}`;
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
