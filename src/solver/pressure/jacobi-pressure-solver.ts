import systemSource from '../../../shaders/solver/pressure-system.wgsl';
import jacobiSource from '../../../shaders/solver/pressure-jacobi.wgsl';
import convergenceSource from '../../../shaders/solver/pressure-convergence.wgsl';
import { dispatch, KernelFamily, workgroups3d } from '../../gpu/compute-kernel';
import type { GpuTimer } from '../../gpu/gpu-timer';
import { readBuffer } from '../../gpu/readback';
import type { GridLayout } from '../grid-layout';
import type { LiquidFields } from '../liquid-fields';
import { type ConvergenceCriterion, decodeSolveControl, SOLVE_CONTROL_LAYOUT, type SolveReport, startingSolveControl } from './solve-control';

/** Settings of a solve that iterates until a tolerance is met, decided on the GPU. */
export interface ToleranceSolve {
  /** Relative residual |r|/|b|, or RMS divergence (1/s), depending on `criterion`. */
  tolerance: number;
  criterion: ConvergenceCriterion;
  /** Iteration cap. */
  maxIterations: number;
  /** Iterations between GPU checks (even). */
  checkInterval: number;
}

/**
 * The pressure projection's linear solve: assembles the ghost-fluid Poisson system
 * (shaders/solver/pressure-system.wgsl) and runs weighted-Jacobi iterations on it
 * (shaders/solver/pressure-jacobi.wgsl), either a fixed count or until a tolerance that the GPU
 * checks itself (shaders/solver/pressure-convergence.wgsl).
 * The result is always left in `fields.pressure`.
 */
export class JacobiPressureSolver {
  private constructor(
    readonly device: GPUDevice,
    private readonly system: KernelFamily,
    private readonly jacobi: KernelFamily,
    private readonly convergence: KernelFamily,
    private readonly systemGroup: GPUBindGroup,
    private readonly convergenceGroup: GPUBindGroup,
    private readonly forward: GPUBindGroup,
    private readonly backward: GPUBindGroup,
    private readonly grid: GridLayout,
    private readonly fields: LiquidFields,
  ) {}

  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<JacobiPressureSolver> {
    const [system, jacobi, convergence] = await Promise.all([
      KernelFamily.create(device, 'pressureSystem', systemSource, ['buildPressureSystem']),
      KernelFamily.create(device, 'pressureJacobi', jacobiSource, ['pressureJacobi', 'residualPartial', 'pressureJacobiGated', 'residualPartialGated']),
      KernelFamily.create(device, 'pressureConvergence', convergenceSource, ['residualCheck']),
    ]);
    const systemGroup = system.bindGroup({
      params: fields.params, phi: fields.levelSet, solidPhi: fields.solidLevelSet, velocity: fields.velocity,
      hydrostatic: fields.hydrostaticPressure, pressure: fields.pressure, system: fields.pressureSystem,
    });
    const jg = (pressureIn: GPUBuffer, pressureOut: GPUBuffer, label: string) => jacobi.bindGroup({
      params: fields.params, system: fields.pressureSystem, pressureIn, pressureOut, partials: fields.partials, control: fields.solveControl,
    }, label);
    const convergenceGroup = convergence.bindGroup({
      params: fields.params, partials: fields.partials, control: fields.solveControl,
    });
    return new JacobiPressureSolver(device, system, jacobi, convergence, systemGroup, convergenceGroup,
      jg(fields.pressure, fields.pressureScratch, 'jacobi.forward'), jg(fields.pressureScratch, fields.pressure, 'jacobi.backward'), grid, fields);
  }

  /** Assembles the system for the current level set and velocity; warm-starts new liquid cells. */
  buildSystem(pass: GPUComputePassEncoder): void {
    dispatch(pass, this.system.pipeline('buildPressureSystem'), this.systemGroup, workgroups3d(this.grid.dims));
  }

  /** Runs exactly `iterations` Jacobi iterations (a pass of its own named `passName`). */
  iterate(encoder: GPUCommandEncoder, timer: GpuTimer | null, iterations: number, passName = 'pressure'): void {
    if (iterations <= 0) return;
    const pass = encoder.beginComputePass(timer?.computePass(passName) ?? { label: passName });
    const pipeline = this.jacobi.pipeline('pressureJacobi');
    const groups = workgroups3d(this.grid.dims);
    for (let i = 0; i < iterations; i++) dispatch(pass, pipeline, i % 2 === 0 ? this.forward : this.backward, groups);
    pass.end();
    if (iterations % 2 === 1) encoder.copyBufferToBuffer(this.fields.pressureScratch, 0, this.fields.pressure, 0, this.grid.cellCount * 4);
  }

  /**
   * Runs `iterations` (rounded up to even) Jacobi dispatches whose workgroup counts come from
   * `args` (x, y, z at offset 0): a full grid runs them, zeros skip them. Lets the GPU decide
   * whether a fallback solve happens.
   */
  iterateIndirect(encoder: GPUCommandEncoder, timer: GpuTimer | null, iterations: number, args: GPUBuffer, passName = 'pressure'): void {
    const n = 2 * Math.ceil(iterations / 2);
    if (n <= 0) return;
    const pass = encoder.beginComputePass(timer?.computePass(passName) ?? { label: passName });
    pass.setPipeline(this.jacobi.pipeline('pressureJacobi'));
    for (let i = 0; i < n; i++) {
      pass.setBindGroup(0, i % 2 === 0 ? this.forward : this.backward);
      pass.dispatchWorkgroupsIndirect(args, 0);
    }
    pass.end();
  }

  /**
   * Iterates until the tolerance is met or `maxIterations` are done. The decision is taken
   * on the GPU (the gated kernels return at once once converged): nothing is read back.
   * The first check runs before any iteration, so a warm start that already meets the
   * tolerance costs no iteration. Queued iterations after convergence still launch (empty),
   * so keep `maxIterations` near what a solve needs.
   */
  iterateToTolerance(encoder: GPUCommandEncoder, timer: GpuTimer | null, solve: ToleranceSolve, passName = 'pressure'): void {
    const chunk = Math.max(2, 2 * Math.ceil(solve.checkInterval / 2));
    const jacobiGroups = workgroups3d(this.grid.dims);
    const residualGroups = this.grid.reductionGroups;
    const control = startingSolveControl({ maxIterations: solve.maxIterations, chunk, tolerance: solve.tolerance, criterion: solve.criterion });
    this.device.queue.writeBuffer(this.fields.solveControl, 0, SOLVE_CONTROL_LAYOUT.pack(control));

    const pass = encoder.beginComputePass(timer?.computePass(passName) ?? { label: passName });
    const jacobi = this.jacobi.pipeline('pressureJacobiGated');
    const partial = this.jacobi.pipeline('residualPartialGated');
    const check = this.convergence.pipeline('residualCheck');
    const runCheck = () => {
      pass.setPipeline(partial);
      pass.setBindGroup(0, this.forward);
      pass.dispatchWorkgroups(residualGroups);
      pass.setPipeline(check);
      pass.setBindGroup(0, this.convergenceGroup);
      pass.dispatchWorkgroups(1);
    };
    runCheck();
    const chunks = Math.ceil(solve.maxIterations / chunk);
    for (let c = 0; c < chunks; c++) {
      pass.setPipeline(jacobi);
      for (let i = 0; i < chunk; i++) {
        pass.setBindGroup(0, i % 2 === 0 ? this.forward : this.backward);
        pass.dispatchWorkgroups(jacobiGroups[0], jacobiGroups[1], jacobiGroups[2]);
      }
      runCheck();
    }
    pass.end();
  }

  /**
   * Measures, on the GPU, the RMS divergence (1/s) the projection would leave with the current
   * pressure, into the control block's `divergenceRms` (no iteration runs). Uses the control
   * block: do not combine with `iterateToTolerance` in the same submission.
   */
  measureDivergence(encoder: GPUCommandEncoder, timer: GpuTimer | null, passName = 'divergenceCheck'): void {
    // One check of the RMS divergence: a cap of 0 iterations, no tolerance to meet.
    const control = startingSolveControl({ maxIterations: 0, chunk: 2, tolerance: 0, criterion: 'divergence-rms' });
    this.device.queue.writeBuffer(this.fields.solveControl, 0, SOLVE_CONTROL_LAYOUT.pack(control));
    const pass = encoder.beginComputePass(timer?.computePass(passName) ?? { label: passName });
    pass.setPipeline(this.jacobi.pipeline('residualPartial'));
    pass.setBindGroup(0, this.forward);
    pass.dispatchWorkgroups(this.grid.reductionGroups);
    pass.setPipeline(this.convergence.pipeline('residualCheck'));
    pass.setBindGroup(0, this.convergenceGroup);
    pass.dispatchWorkgroups(1);
    pass.end();
  }

  /** The control block of tolerance-mode solves (SolveControl). */
  get controlBuffer(): GPUBuffer {
    return this.fields.solveControl;
  }

  /** Reads the control block of the last tolerance-mode solve (a small readback). */
  async readReport(): Promise<SolveReport> {
    const data = await readBuffer(this.device, this.fields.solveControl, SOLVE_CONTROL_LAYOUT.size);
    return decodeSolveControl(data);
  }
}
