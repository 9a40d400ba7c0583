import type { PressureDescription } from '../scene/scene-description';
import type { PressureStage, PressureStepContext, PressureStepResult } from './pressure-stage';

/**
 * The plain pressure solve: a fixed number of Jacobi iterations (real time) or, with a
 * tolerance, iterations until the relative residual is below it (checked on the GPU).
 */
export class JacobiPressureStage implements PressureStage {
  readonly name = 'jacobi';
  settings: PressureDescription;

  constructor(settings: PressureDescription) {
    this.settings = { ...settings };
  }

  computePressure(ctx: PressureStepContext): PressureStepResult {
    const s = this.settings;
    if (s.tolerance !== undefined) {
      ctx.solver.pressureSolver.iterateToTolerance(ctx.encoder, ctx.timer, {
        tolerance: s.tolerance, criterion: 'relative-residual', maxIterations: s.maxIterations, checkInterval: s.checkInterval,
      });
      return { mode: 'solve', iterationsOnGpu: true };
    }
    ctx.solver.pressureSolver.iterate(ctx.encoder, ctx.timer, s.iterations);
    return { mode: 'solve', iterations: s.iterations };
  }
}
