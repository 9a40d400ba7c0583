import systemSource from '../../../shaders/pressure-system.wgsl';
import jacobiSource from '../../../shaders/pressure-jacobi.wgsl';
import { dispatch, KernelFamily, workgroups3d } from '../../gpu/compute-kernel';
import type { GpuTimer } from '../../gpu/gpu-timer';
import { readBuffer } from '../../gpu/readback';
import type { GridLayout } from '../grid-layout';
import { SOLVE_CONTROL_BYTES, type LiquidFields } from '../liquid-fields';

/** What a tolerance-mode solve stops on. */
export type ConvergenceCriterion = 'relative-residual' | 'divergence-rms';

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

/** The control block of the last tolerance-mode solve, read back on request. */
export interface SolveReport {
  iterations: number;
  /** 'converged', 'max-iterations', or 'running' if the solve never finished a check. */
  outcome: 'converged' | 'max-iterations' | 'running';
  relativeResidual: number;
  divergenceRms: number;
  /** RMS divergence at the first check, before any iteration of this solve. */
  initialDivergenceRms: number;
  checks: number;
}

/**
 * The pressure projection's linear solve: assembles the ghost-fluid Poisson system
 * (shaders/pressure-system.wgsl) and runs weighted-Jacobi iterations on it
 * (shaders/pressure-jacobi.wgsl), either a fixed count or until a GPU-checked tolerance.
 * The result is always left in `fields.pressure`.
 */
export class PressureJacobiSolver {
  private constructor(
    private readonly device: GPUDevice,
    private readonly system: KernelFamily,
    private readonly jacobi: KernelFamily,
    private readonly systemGroup: GPUBindGroup,
    private readonly forward: GPUBindGroup,
    private readonly backward: GPUBindGroup,
    private readonly grid: GridLayout,
    private readonly fields: LiquidFields,
  ) {}

  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<PressureJacobiSolver> {
    const [system, jacobi] = await Promise.all([
      KernelFamily.create(device, 'pressureSystem', systemSource, ['buildPressureSystem']),
      KernelFamily.create(device, 'pressureJacobi', jacobiSource, ['pressureJacobi', 'residualPartial', 'residualCheck']),
    ]);
    const systemGroup = system.bindGroup({
      params: fields.params, phi: fields.levelSet, solidPhi: fields.solidLevelSet, velocity: fields.velocity,
      hydrostatic: fields.hydrostaticPressure, pressure: fields.pressure, system: fields.pressureSystem,
    });
    const jg = (pressureIn: GPUBuffer, pressureOut: GPUBuffer, label: string) => jacobi.bindGroup({
      params: fields.params, system: fields.pressureSystem, pressureIn, pressureOut, partials: fields.partials, control: fields.solveControl,
    }, label);
    return new PressureJacobiSolver(device, system, jacobi, systemGroup,
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
   * Iterates until the tolerance is met or `maxIterations` are done. The decision is taken
   * on the GPU (indirect dispatches go idle once converged): nothing is read back.
   * The first check runs before any iteration, so a warm start that already meets the
   * tolerance costs no iteration.
   */
  iterateToTolerance(encoder: GPUCommandEncoder, timer: GpuTimer | null, solve: ToleranceSolve, passName = 'pressure'): void {
    const chunk = Math.max(2, 2 * Math.ceil(solve.checkInterval / 2));
    const jacobiGroups = workgroups3d(this.grid.dims);
    const residualGroups = this.grid.reductionGroups;
    const control = new ArrayBuffer(SOLVE_CONTROL_BYTES);
    const u = new Uint32Array(control);
    const f = new Float32Array(control);
    u.set(jacobiGroups, 0);
    u[3] = 0;
    u.set([residualGroups, 1, 1], 4);
    u[7] = 0;
    u.set(jacobiGroups, 8);
    u[11] = solve.maxIterations;
    f[12] = solve.tolerance;
    u[13] = solve.criterion === 'divergence-rms' ? 1 : 0;
    u[14] = chunk;
    u[15] = 0;
    u[19] = residualGroups;
    this.device.queue.writeBuffer(this.fields.solveControl, 0, control);

    const pass = encoder.beginComputePass(timer?.computePass(passName) ?? { label: passName });
    const jacobi = this.jacobi.pipeline('pressureJacobi');
    const partial = this.jacobi.pipeline('residualPartial');
    const check = this.jacobi.pipeline('residualCheck');
    const ctl = this.fields.solveControl;
    const runCheck = () => {
      pass.setPipeline(partial);
      pass.setBindGroup(0, this.forward);
      pass.dispatchWorkgroupsIndirect(ctl, 16);
      pass.setPipeline(check);
      pass.dispatchWorkgroups(1);
    };
    runCheck();
    const chunks = Math.ceil(solve.maxIterations / chunk);
    for (let c = 0; c < chunks; c++) {
      pass.setPipeline(jacobi);
      for (let i = 0; i < chunk; i++) {
        pass.setBindGroup(0, i % 2 === 0 ? this.forward : this.backward);
        pass.dispatchWorkgroupsIndirect(ctl, 0);
      }
      runCheck();
    }
    pass.end();
  }

  /** Reads the control block of the last tolerance-mode solve (a small readback). */
  async readReport(): Promise<SolveReport> {
    const data = await readBuffer(this.device, this.fields.solveControl, SOLVE_CONTROL_BYTES);
    return decodeSolveControl(data);
  }
}

/** Decodes the `SolveControl` block. */
export function decodeSolveControl(data: ArrayBuffer): SolveReport {
  const u = new Uint32Array(data);
  const f = new Float32Array(data);
  return {
    iterations: u[3],
    outcome: u[7] === 1 ? 'converged' : u[7] === 2 ? 'max-iterations' : 'running',
    relativeResidual: f[16],
    divergenceRms: f[17],
    initialDivergenceRms: f[18],
    checks: u[15],
  };
}
