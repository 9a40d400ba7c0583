import type { GpuTimer } from '../gpu/gpu-timer';
import type { LiquidSolver } from './liquid-solver';

/** Where the pressure of a step came from. */
export type PressureMode = 'solve' | 'predict';

/** What a pressure stage sees of the step it serves. */
export interface PressureStepContext {
  solver: LiquidSolver;
  /** Step length (s). */
  dt: number;
  /** Steps taken before this one. */
  stepIndex: number;
  /** Encoder of the step so far (unsubmitted). Encode into it. */
  encoder: GPUCommandEncoder;
  /** Submits what was encoded so far and gives a fresh encoder (needed before awaiting other GPU users). */
  flush(): GPUCommandEncoder;
  timer: GpuTimer | null;
}

/** What a pressure stage reports about a step. */
export interface PressureStepResult {
  mode: PressureMode;
  /** Jacobi iterations, when known on the CPU without a readback (fixed mode). */
  iterations?: number;
  /** True when the iteration count lives on the GPU (tolerance/adaptive mode) and metrics should read it. */
  iterationsOnGpu?: boolean;
}

/**
 * Produces the pressure of a step. When called, `fields.pressure` holds the warm start and
 * `fields.pressureSystem` / `fields.hydrostaticPressure` are current; on return (after the
 * encoded work runs) `fields.pressure` must hold the pressure to project with.
 */
export interface PressureStage {
  readonly name: string;
  computePressure(ctx: PressureStepContext): PressureStepResult | Promise<PressureStepResult>;
  destroy?(): void;
}
