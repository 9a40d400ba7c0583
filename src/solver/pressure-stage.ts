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
  /** Encoder of the step so far (unsubmitted), always the current one after `flush`. Encode into it. */
  readonly encoder: GPUCommandEncoder;
  /** Submits what was encoded so far and gives a fresh encoder (needed before awaiting other GPU users). */
  flush(): GPUCommandEncoder;
  timer: GpuTimer | null;
}

/** What a pressure stage reports about a step. */
export interface PressureStepResult {
  mode: PressureMode;
  /** Jacobi iterations known on the CPU (fixed counts). */
  iterations?: number;
  /** True when a GPU-decided solve (tolerance/adaptive mode) ran too; metrics add its iterations. */
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
  /** Extra per-frame numbers for metrics (may read small GPU counters: metrics only). */
  readFrameExtras?(): Promise<Record<string, number | string | boolean>>;
  // A numeric `fallbackIterations` in the extras (iterations the GPU decided to run, such as a
  // discarded prediction's full solve) is added to the frame's `pressureIterations`.
  /** Called when the simulation is reset. */
  reset?(): void;
  destroy?(): void;
}
