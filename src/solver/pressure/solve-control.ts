import solveControlSource from '../../../shaders/solver/solve-control.wgsl';
import { WgslStructLayout, type WgslValues } from '../../gpu/wgsl-struct';

/** What a tolerance-mode solve stops on. */
export type ConvergenceCriterion = 'relative-residual' | 'divergence-rms';

/** The control block of the last tolerance-mode solve, read back on request. */
export interface SolveReport {
  iterations: number;
  /** 'converged', 'max-iterations', 'skipped' (a gated solve the GPU did not arm), or 'running' if the solve never finished a check. */
  outcome: 'converged' | 'max-iterations' | 'skipped' | 'running';
  relativeResidual: number;
  divergenceRms: number;
  /** RMS divergence at the first check, before any iteration of this solve. */
  initialDivergenceRms: number;
  /** Relative residual at the first check. */
  initialRelativeResidual: number;
  checks: number;
}

/**
 * The layout of the WGSL `SolveControl` (shaders/solver/solve-control.wgsl): the control block of a
 * GPU-decided solve, Jacobi's own buffer and the `control` at the head of MGPCG's `CgState`.
 */
export const SOLVE_CONTROL_LAYOUT = WgslStructLayout.parse(solveControlSource, 'SolveControl');

/** What a solve's control block starts from: its settings, with nothing done or measured yet. */
export interface SolveControlStart {
  maxIterations: number;
  /** Iterations between checks. */
  chunk: number;
  tolerance: number;
  criterion: ConvergenceCriterion;
}

/** The `SolveControl` values of a solve about to start (counters and measurements zero). */
export function startingSolveControl(s: SolveControlStart): WgslValues {
  return {
    iterations: 0, converged: 0, maxIterations: s.maxIterations, chunk: s.chunk, tolerance: s.tolerance,
    criterion: s.criterion === 'divergence-rms' ? 1 : 0, checks: 0,
    relativeResidual: 0, divergenceRms: 0, initialDivergenceRms: 0, initialRelativeResidual: 0,
  };
}

/** `SolveControl.converged` as the report names it. */
const OUTCOMES: Record<number, SolveReport['outcome']> = { 1: 'converged', 2: 'max-iterations', 3: 'skipped' };

/** Decodes a `SolveControl` block (at `byteOffset` of `data`). */
export function decodeSolveControl(data: ArrayBuffer, byteOffset = 0): SolveReport {
  const get = (name: string) => SOLVE_CONTROL_LAYOUT.scalar(data, name, byteOffset);
  return {
    iterations: get('iterations'),
    outcome: OUTCOMES[get('converged')] ?? 'running',
    relativeResidual: get('relativeResidual'),
    divergenceRms: get('divergenceRms'),
    initialDivergenceRms: get('initialDivergenceRms'),
    initialRelativeResidual: get('initialRelativeResidual'),
    checks: get('checks'),
  };
}
