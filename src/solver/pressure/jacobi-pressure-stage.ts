import type { PressureDescription } from '../../scene/scene-description';
import type { JacobiPressureSolver } from './jacobi-pressure-solver';
import type { SolveReport } from './solve-control';
import type { PressureStepContext, PressureStepResult } from './pressure-stage';
import { ClassicalStageBase } from './classical-stage-base';

/**
 * The plain pressure solve: a fixed number of Jacobi iterations (real time) or, with a
 * tolerance, iterations until the relative residual is below it (checked on the GPU).
 */
export class JacobiPressureStage extends ClassicalStageBase {
  readonly name = 'jacobi';

  constructor(private readonly jacobi: JacobiPressureSolver, settings: PressureDescription) {
    super('jacobi', jacobi.device, settings);
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

  readSolveReport(): Promise<SolveReport> {
    return this.jacobi.readReport();
  }
}
