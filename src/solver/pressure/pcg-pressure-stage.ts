import { readFloat32 } from '../../gpu/readback';
import { solvePressurePcg } from './pcg-cpu';
import type { LiquidSolver } from '../liquid-solver';
import type { PressureStage, PressureStepContext, PressureStepResult } from './pressure-stage';

/**
 * A converged pressure for tools (dataset generation, references): reads the assembled
 * system back, solves it on the CPU with MIC(0)-preconditioned conjugate gradients in
 * float64, and uploads the result. Reads back every step: never for real time.
 */
export class PcgPressureStage implements PressureStage {
  readonly name = 'pcg';
  lastIterations = 0;
  lastRelativeResidual = 0;

  constructor(private readonly solver: LiquidSolver, public tolerance = 1e-6, public maxIterations = 5000) {}

  async computePressure(ctx: PressureStepContext): Promise<PressureStepResult> {
    ctx.flush();
    const { solver } = this;
    const n = solver.grid.cellCount;
    const [system, start] = await Promise.all([
      readFloat32(solver.device, solver.fields.pressureSystem, n * 4),
      readFloat32(solver.device, solver.fields.pressure, n),
    ]);
    const result = solvePressurePcg(system, solver.grid.dims, start, this.tolerance, this.maxIterations);
    this.lastIterations = result.iterations;
    this.lastRelativeResidual = result.relativeResidual;
    solver.device.queue.writeBuffer(solver.fields.pressure, 0, Float32Array.from(result.pressure));
    return { mode: 'solve', iterations: result.iterations };
  }

  async readFrameExtras(): Promise<Record<string, number>> {
    return { pcgRelativeResidual: this.lastRelativeResidual };
  }
}
