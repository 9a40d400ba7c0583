import type { PressureDescription } from '../scene/scene-description';
import type { ConvergenceCriterion, SolveReport } from './passes/pressure-jacobi-solver';
import type { PressureMgpcgSolver } from './passes/pressure-mgpcg-solver';
import type { ClassicalPressureStage, PressureStepContext, PressureStepResult } from './pressure-stage';

/**
 * Multigrid-preconditioned conjugate gradients to the scene's tolerance (relative residual),
 * warm-started from the previous pressure, decided on the GPU.
 */
export class MgpcgPressureStage implements ClassicalPressureStage {
  readonly name = 'mgpcg';
  readonly method = 'mgpcg';
  private current: PressureDescription;
  /** What `tolerance` bounds: the relative residual (default) or, for tools, the RMS divergence (1/s). */
  criterion: ConvergenceCriterion = 'relative-residual';

  constructor(private readonly multigrid: PressureMgpcgSolver, settings: PressureDescription) {
    this.current = { ...settings, method: 'mgpcg' };
  }

  get settings(): PressureDescription {
    return { ...this.current };
  }

  configure(settings: Partial<Omit<PressureDescription, 'method'>>): void {
    this.current = { ...this.current, ...settings, method: 'mgpcg' };
  }

  private get solve() {
    return { tolerance: this.current.tolerance ?? 1e-3, criterion: this.criterion, maxIterations: this.current.maxIterations };
  }

  computePressure(ctx: PressureStepContext): PressureStepResult {
    this.multigrid.solve(ctx.encoder, ctx.timer, this.solve);
    return { mode: 'solve', iterationsOnGpu: true };
  }

  encodeGatedSolve(ctx: PressureStepContext, gate: GPUBuffer, passName: string): undefined {
    this.multigrid.solve(ctx.encoder, ctx.timer, this.solve, passName, gate);
    return undefined;
  }

  /** Dispatches one CG iteration encodes (V-cycle included). */
  get dispatchesPerIteration(): number {
    return this.multigrid.dispatchesPerIteration;
  }

  readSolveReport(): Promise<SolveReport> {
    return this.multigrid.readReport();
  }
}
