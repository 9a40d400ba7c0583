import type { PressureDescription } from '../scene/scene-description';
import type { ConvergenceCriterion, SolveReport } from './passes/pressure-jacobi-solver';
import type { PressureMgpcgSolver } from './passes/pressure-mgpcg-solver';
import type { ClassicalPressureStage, PressureStepContext, PressureStepResult } from './pressure-stage';
import { IterationBudget } from './iteration-budget';

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

  private readonly budget: IterationBudget;

  constructor(private readonly multigrid: PressureMgpcgSolver, settings: PressureDescription) {
    this.current = { ...settings, method: 'mgpcg' };
    this.budget = new IterationBudget(multigrid.device, settings.iterationBudget === 'adaptive');
  }

  get settings(): PressureDescription {
    return { ...this.current };
  }

  configure(settings: Partial<Omit<PressureDescription, 'method'>>): void {
    const criterionBefore = this.current.tolerance;
    this.current = { ...this.current, ...settings, method: 'mgpcg' };
    this.budget.enabled = this.current.iterationBudget === 'adaptive';
    if (this.current.tolerance !== criterionBefore) this.budget.reset();
  }

  private solve(maxIterations: number) {
    return { tolerance: this.current.tolerance ?? 1e-3, criterion: this.criterion, maxIterations };
  }

  computePressure(ctx: PressureStepContext): PressureStepResult {
    const iterations = this.budget.iterations(this.current.maxIterations);
    this.multigrid.solve(ctx.encoder, ctx.timer, this.solve(iterations));
    this.budget.encodeCopy(ctx.encoder, this.multigrid.state, iterations);
    return { mode: 'solve', iterationsOnGpu: true };
  }

  encodeGatedSolve(ctx: PressureStepContext, gate: GPUBuffer, passName: string): undefined {
    this.multigrid.solve(ctx.encoder, ctx.timer, this.solve(this.budget.iterations(this.current.maxIterations)), passName, gate);
    return undefined;
  }

  afterSubmit(): void {
    this.budget.afterSubmit();
  }

  reset(): void {
    this.budget.reset();
  }

  destroy(): void {
    this.budget.destroy();
  }

  /** @internal The multigrid solver (profiles and tests). */
  get multigridSolver(): PressureMgpcgSolver {
    return this.multigrid;
  }

  /** Dispatches one CG iteration encodes (V-cycle included). */
  get dispatchesPerIteration(): number {
    return this.multigrid.dispatchesPerIteration;
  }

  readSolveReport(): Promise<SolveReport> {
    return this.multigrid.readReport();
  }
}
