import type { PressureDescription } from '../../scene/scene-description';
import type { ConvergenceCriterion, SolveReport } from './solve-control';
import type { MgpcgPressureSolver } from './mgpcg-pressure-solver';
import type { PressureStepContext, PressureStepResult } from './pressure-stage';
import { ClassicalStageBase } from './classical-stage-base';

/**
 * Multigrid-preconditioned conjugate gradients to the scene's tolerance (relative residual),
 * warm-started from the previous pressure, decided on the GPU.
 */
export class MgpcgPressureStage extends ClassicalStageBase {
  readonly name = 'mgpcg';
  /** What `tolerance` bounds: the relative residual (default) or, for tools, the RMS divergence (1/s). */
  criterion: ConvergenceCriterion = 'relative-residual';

  constructor(private readonly multigrid: MgpcgPressureSolver, settings: PressureDescription) {
    super('mgpcg', multigrid.device, settings);
  }

  private solve(maxIterations: number) {
    // resolvePressure gives every mgpcg setting a tolerance; a stage built without one is a caller's bug.
    const tolerance = this.current.tolerance;
    if (tolerance === undefined) throw new Error('MgpcgPressureStage: pressure.tolerance is not set (resolvePressure sets it)');
    return { tolerance, criterion: this.criterion, maxIterations };
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


  /** @internal The multigrid solver (profiles and tests). */
  get multigridSolver(): MgpcgPressureSolver {
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
