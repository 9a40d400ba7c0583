import type { PressureDescription } from '../scene/scene-description';
import type { PressureJacobiSolver, SolveReport } from './passes/pressure-jacobi-solver';
import type { ClassicalPressureStage, PressureStepContext, PressureStepResult } from './pressure-stage';
import { IterationBudget } from './iteration-budget';

/**
 * The plain pressure solve: a fixed number of Jacobi iterations (real time) or, with a
 * tolerance, iterations until the relative residual is below it (checked on the GPU).
 */
export class JacobiPressureStage implements ClassicalPressureStage {
  readonly name = 'jacobi';
  readonly method = 'jacobi';
  private current: PressureDescription;

  private readonly budget: IterationBudget;

  constructor(private readonly jacobi: PressureJacobiSolver, settings: PressureDescription) {
    this.current = { ...settings, method: 'jacobi' };
    this.budget = new IterationBudget(jacobi.device, settings.iterationBudget === 'adaptive');
  }

  get settings(): PressureDescription {
    return { ...this.current };
  }

  configure(settings: Partial<Omit<PressureDescription, 'method'>>): void {
    const toleranceBefore = this.current.tolerance;
    this.current = { ...this.current, ...settings, method: 'jacobi' };
    this.budget.enabled = this.current.iterationBudget === 'adaptive';
    if (this.current.tolerance !== toleranceBefore) this.budget.reset();
  }

  computePressure(ctx: PressureStepContext): PressureStepResult {
    const s = this.current;
    if (s.tolerance !== undefined) {
      const iterations = this.budget.iterations(s.maxIterations);
      this.jacobi.iterateToTolerance(ctx.encoder, ctx.timer, {
        tolerance: s.tolerance, criterion: 'relative-residual', maxIterations: iterations, checkInterval: s.checkInterval,
      });
      this.budget.encodeCopy(ctx.encoder, this.jacobi.controlBuffer, iterations);
      return { mode: 'solve', iterationsOnGpu: true };
    }
    this.jacobi.iterate(ctx.encoder, ctx.timer, s.iterations);
    return { mode: 'solve', iterations: s.iterations };
  }

  /** A gated full solve runs the fixed iteration count (rounded up to even, so it ends in `pressure`). */
  encodeGatedSolve(ctx: PressureStepContext, gate: GPUBuffer, passName: string): number {
    const iterations = 2 * Math.ceil(this.current.iterations / 2);
    this.jacobi.iterateIndirect(ctx.encoder, ctx.timer, iterations, gate, passName);
    return iterations;
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

  readSolveReport(): Promise<SolveReport> {
    return this.jacobi.readReport();
  }
}
