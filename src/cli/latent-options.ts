import type { LiquidSolver } from '../solver/liquid-solver';
import { stringOption, UsageError, type ParsedArgs } from './args';

export const LATENT_OPTION_VALUES = ['solver', 'model', 'interval', 'correction-iterations', 'adaptive', 'warmup-frames'];
export const LATENT_OPTION_FLAGS: string[] = [];

/** A latent pressure stage attached to a solver, as the CLI sees it. */
export interface AttachedLatent {
  describe(): string;
  frameMetrics(): Record<string, unknown>;
  summary(): string;
  destroy(): void;
}

/** Attaches the latent predictor when `--solver latent` is given. */
export async function attachLatentSolver(_solver: LiquidSolver, args: ParsedArgs, _device: GPUDevice, _quiet: boolean): Promise<AttachedLatent | null> {
  const kind = stringOption(args, 'solver') ?? 'jacobi';
  if (kind === 'jacobi') return null;
  if (kind !== 'latent') throw new UsageError(`--solver must be jacobi or latent (got ${kind})`);
  throw new UsageError('--solver latent: the latent runtime is not built yet');
}
