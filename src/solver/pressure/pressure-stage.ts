import type { GpuTimer } from '../../gpu/gpu-timer';
import type { PressureDescription, PressureMethod } from '../../scene/scene-description';
import type { SolveReport } from './solve-control';

/** Where the pressure of a step came from. */
export type PressureMode = 'solve' | 'predict';

/**
 * What a pressure stage sees of the step it serves: the step and its command encoder, not the
 * solver (a stage gets the kernels it needs when it is made).
 */
export interface PressureStepContext {
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
  /** Iterations known on the CPU (fixed counts). */
  iterations?: number;
  /** True when a GPU-decided solve (tolerance/adaptive mode) ran too; metrics add its iterations from `readSolveReport`. */
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
  /** The report of the last GPU-decided solve (a small readback; metrics only). */
  readSolveReport?(): Promise<SolveReport>;
  /** Extra per-frame numbers for metrics (may read small GPU counters: metrics only). */
  readFrameExtras?(): Promise<Record<string, number | string | boolean>>;
  // A numeric `fallbackIterations` in the extras (iterations the GPU decided to run, such as a
  // discarded prediction's full solve) is added to the frame's `pressureIterations`.
  /** Called once the step's last submission is queued (starts asynchronous reads). */
  afterSubmit?(): void;
  /** Called when the simulation is reset. */
  reset?(): void;
  /** A stage that solves with a classical stage (the latent one) switches to this one. */
  useClassicalStage?(stage: ClassicalPressureStage): void;
  destroy?(): void;
}

/**
 * A classical (non-learned) pressure solve: Jacobi or multigrid-preconditioned CG. The latent
 * stage runs one for its full solves and for the fallbacks of discarded predictions.
 */
export interface ClassicalPressureStage extends PressureStage {
  readonly method: PressureMethod;
  /** The settings it solves with (a copy; change them with `configure`). */
  readonly settings: PressureDescription;
  /** Changes iteration counts or tolerances (the method stays). */
  configure(settings: Partial<Omit<PressureDescription, 'method'>>): void;
  computePressure(ctx: PressureStepContext): PressureStepResult;
  /**
   * A full solve that runs only if the GPU armed it: `gate` holds indirect dispatch arguments
   * whose x is non-zero to run (the latent predictor's fallback arguments). Returns the
   * iterations a run costs when known on the CPU (Jacobi), else undefined.
   */
  encodeGatedSolve(ctx: PressureStepContext, gate: GPUBuffer, passName: string): number | undefined;
}
