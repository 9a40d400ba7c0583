import solveControlSource from '../../../shaders/solver/solve-control.wgsl';
import multigridCommonSource from '../../../shaders/solver/multigrid-common.wgsl';
import setupSource from '../../../shaders/solver/multigrid-setup.wgsl';
import vcycleSource from '../../../shaders/solver/multigrid-vcycle.wgsl';
import coarseCycleSource from '../../../shaders/solver/multigrid-coarse-cycle.wgsl';
import cgSource from '../../../shaders/solver/pressure-mgpcg.wgsl';
import scalarsSource from '../../../shaders/solver/pressure-mgpcg-scalars.wgsl';
import { KernelFamily, type BufferResource } from '../../gpu/compute-kernel';
import { GatedDispatchArgs, gatedDispatchKernels } from '../../gpu/gated-dispatch-args';
import { WgslStructLayout } from '../../gpu/wgsl-struct';
import type { GpuTimer } from '../../gpu/gpu-timer';
import { readBuffer } from '../../gpu/readback';
import type { Vec3 } from '../../scene/scene-description';
import type { GridLayout } from '../grid-layout';
import type { LiquidFields } from '../liquid-fields';
import {
  COARSE_CYCLE_CELLS, COARSE_CYCLE_MAX_LEVEL_CELLS, COARSEST_EDGE, coarseCycleStart, multigridLevelDims, type MultigridSmoother,
} from './multigrid-levels';
import { decodeSolveControl, SOLVE_CONTROL_LAYOUT, startingSolveControl, type ConvergenceCriterion, type SolveReport } from './solve-control';

/** Threads per workgroup of the multigrid kernels (MG_THREADS in multigrid-common.wgsl). */
const MG_THREADS = 256;
/** `LevelParams` (multigrid-common.wgsl): one level's extents, dispatch widths and smoothing. */
const LEVEL_PARAMS = WgslStructLayout.parse(multigridCommonSource, 'LevelParams');
/** `CgState` (multigrid-common.wgsl): the solve's `SolveControl` (solve-control.wgsl), then CG's scalars. */
const CG_STATE = WgslStructLayout.parse(`${solveControlSource}\n${multigridCommonSource}`, 'CgState');
/** `CoarseCycleParams` (multigrid-coarse-cycle.wgsl): a header, then one `CoarseLevel` per cycled level. */
const COARSE_CYCLE_PARAMS = WgslStructLayout.parse(coarseCycleSource, 'CoarseCycleParams');
/** Bytes of `CgState`. */
export const CG_STATE_BYTES = CG_STATE.size;

/** The V-cycle preconditioner's settings. */
export interface MultigridSettings {
  /** Damped-Jacobi weight of the Jacobi smoother and of the coarsest level's sweeps, in (0, 1). */
  omega: number;
  /** Smoothing sweeps before and after each coarse correction (>= 1). */
  sweeps: number;
  /**
   * 'jacobi' (default): damped Jacobi; 'red-black': Gauss-Seidel in red-black order (red then
   * black before the coarse correction, black then red after it), which took 6 instead of 9
   * CG iterations to 1e-3 on a 64^3 dam-break frame in the CPU mirror, for two half-grid
   * passes and one residual pass per sweep.
   */
  smoother?: MultigridSmoother;
  /** Jacobi sweeps of the coarsest level's solve. */
  coarsestSweeps: number;
  /**
   * Levels below the finest with at most this many cells (0-512, default COARSE_CYCLE_CELLS,
   * see there why) are cycled in one single-workgroup dispatch (coarseCycle) with the same
   * arithmetic; with 0 every operation of every level is a dispatch of its own.
   */
  coarseCycleCells?: number;
}

/**
 * Defaults measured on the CPU reference (dam-break, 16^3 to 128^3): one sweep each way with
 * omega 2/3 reached a relative residual of 1e-3 in 5-10 iterations from zero at every size;
 * two sweeps saved 2-3 iterations but cost more per iteration than they saved.
 */
export const DEFAULT_MULTIGRID: MultigridSettings = { omega: 2 / 3, sweeps: 1, coarsestSweeps: 24, coarseCycleCells: COARSE_CYCLE_CELLS };

/** A solve to a tolerance, decided on the GPU. */
export interface MgpcgSolve {
  tolerance: number;
  criterion: ConvergenceCriterion;
  /** CG iterations encoded; the ones after convergence return at once. */
  maxIterations: number;
}

interface Level {
  dims: Vec3;
  cells: number;
  groups: [number, number];
  /** Workgroups of a dispatch over the level's cell pairs along x (red-black sweeps). */
  pairGroups: [number, number];
  params: GPUBuffer;
  /**
   * Level 0: the solver's pressure system; coarser levels: their own, or for the levels of the
   * coarse cycle a range of one buffer that the cycle reads whole.
   */
  system: BufferResource;
  labels: GPUBuffer | null;
  /** rhs, x, xSwap, residual: unused past the coarse cycle's first level (workgroup memory there). */
  rhs: GPUBuffer;
  x: GPUBuffer;
  xSwap: GPUBuffer;
  residual: GPUBuffer;
}

interface Dispatch {
  /** `entry@level`, for tests that run one kernel. */
  name: string;
  /** The buffers bound by name (tests look them up). */
  resources: Record<string, BufferResource>;
  pipeline: GPUComputePipeline;
  group: GPUBindGroup;
  groups: [number, number];
}

function replay(pass: GPUComputePassEncoder, list: Dispatch[]): void {
  for (const d of list) {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.group);
    pass.dispatchWorkgroups(d.groups[0], d.groups[1]);
  }
}

/** `replay` as indirect dispatches on armed arguments, dispatch i of `list` at `first` + i. */
function replayGated(pass: GPUComputePassEncoder, list: Dispatch[], args: GatedDispatchArgs, first: number): void {
  list.forEach((d, i) => {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.group);
    pass.dispatchWorkgroupsIndirect(args.args, args.offset(first + i));
  });
}

function foldedGroups(cells: number): [number, number] {
  const groups = Math.max(1, Math.ceil(cells / MG_THREADS));
  const x = Math.min(groups, 32768);
  return [x, Math.ceil(groups / x)];
}

/**
 * Multigrid-preconditioned conjugate gradients for the ghost-fluid pressure system, after
 * McAdams, Sifakis and Teran (2010): a geometric V-cycle over a hierarchy of halved grids
 * (boundary-aware coarsening of the liquid/air/solid labels, 7-point operators on the coarse
 * levels, trilinear transfers, damped-Jacobi smoothing) preconditions CG on the finest
 * level, warm-started from `fields.pressure`. Every reduction runs on the GPU; the
 * convergence check sets a flag that turns the rest of the queued iterations into no-ops,
 * so the CPU never waits. The result is left in `fields.pressure`. The levels of at most
 * `coarseCycleCells` cells below the finest are cycled in one single-workgroup dispatch
 * (coarseCycle), the others one dispatch per operation.
 *
 * Kernels: shaders/solver/multigrid-setup.wgsl, multigrid-vcycle.wgsl, multigrid-coarse-cycle.wgsl,
 * pressure-mgpcg.wgsl, pressure-mgpcg-scalars.wgsl; CPU mirror: src/reference/reference-multigrid.ts.
 */
export class MgpcgPressureSolver {
  readonly levels: Level[];
  /** The CG state (`CgState`; its `control`, a SolveControl block, comes first: the iteration budget copies it). */
  readonly state: GPUBuffer;
  readonly device: GPUDevice;
  private readonly owned: GPUBuffer[];
  private readonly setupDispatches: Dispatch[];
  private readonly startDispatches: Dispatch[];
  /** One CG iteration; two variants for the direction ping-pong. */
  private readonly iterationDispatches: [Dispatch[], Dispatch[]];
  private readonly vcycleDispatches: Dispatch[];
  private readonly gateFor: (gate: GPUBuffer) => Dispatch;
  private readonly gates = new Map<GPUBuffer, Dispatch>();
  /** Per gate buffer, the armed arguments of the setup, start and both iteration lists (a gated solve's indirect dispatches). */
  private readonly gatedArgs = new Map<GPUBuffer, GatedDispatchArgs>();
  private readonly gateKernels: KernelFamily;
  /** Where a V-cycle on the finest level leaves its result (z = M r). */
  readonly preconditioned: GPUBuffer;
  /** The first level the coarse cycle cycles in one dispatch (-1: none; see coarseCycleStart). */
  readonly coarseCycleStart: number;
  private readonly coarseCycleParams: GPUBuffer | null;
  private settingsData: MultigridSettings;

  private constructor(init: {
    device: GPUDevice; levels: Level[]; state: GPUBuffer; owned: GPUBuffer[]; setup: Dispatch[]; start: Dispatch[];
    iteration: [Dispatch[], Dispatch[]]; vcycle: Dispatch[]; preconditioned: GPUBuffer; gateFor: (gate: GPUBuffer) => Dispatch;
    settings: MultigridSettings; coarseCycle: { start: number; params: GPUBuffer | null }; gateKernels: KernelFamily;
  }) {
    this.gateKernels = init.gateKernels;
    this.coarseCycleStart = init.coarseCycle.start;
    this.coarseCycleParams = init.coarseCycle.params;
    this.gateFor = init.gateFor;
    this.vcycleDispatches = init.vcycle;
    this.preconditioned = init.preconditioned;
    this.device = init.device;
    this.levels = init.levels;
    this.state = init.state;
    this.owned = init.owned;
    this.setupDispatches = init.setup;
    this.startDispatches = init.start;
    this.iterationDispatches = init.iteration;
    this.settingsData = init.settings;
  }

  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields, settings: MultigridSettings = DEFAULT_MULTIGRID): Promise<MgpcgPressureSolver> {
    validateMultigridSettings(settings);
    // Kernels built without common.wgsl get the control block CgState holds from the prelude.
    const bare = { prependCommon: false, prelude: `${solveControlSource}\n${multigridCommonSource}` };
    const [gateKernels, setup, vcycle, coarseCycle, cg, scalars] = await Promise.all([
      gatedDispatchKernels(device),
      KernelFamily.create(device, 'multigridSetup', setupSource, ['coarsenFinestLabels', 'coarsenLabels', 'buildLevelSystem'], undefined, bare),
      KernelFamily.create(device, 'multigridVcycle', vcycleSource, ['smoothFromZero', 'smoothSweep', 'smoothSweepWithDot', 'levelResidual', 'restrictResidual', 'prolongAdd', 'coarsestSolve',
        'smoothRedFromZero', 'smoothRed', 'smoothBlack', 'smoothRedWithDot'], undefined, bare),
      KernelFamily.create(device, 'multigridCoarseCycle', coarseCycleSource, ['coarseCycle'], undefined, bare),
      KernelFamily.create(device, 'pressureMgpcg', cgSource, ['cgStart', 'cgDirection', 'cgUpdate'], undefined, bare),
      KernelFamily.create(device, 'pressureMgpcgScalars', scalarsSource, ['cgCheck', 'cgBeta', 'cgStepLength', 'cgGate'], undefined, { prelude: multigridCommonSource }),
    ]);

    const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const owned: GPUBuffer[] = [];
    const make = (label: string, size: number, usage = STORAGE): GPUBuffer => {
      const b = device.createBuffer({ label, size: Math.max(16, Math.ceil(size / 16) * 16), usage });
      owned.push(b);
      return b;
    };
    try {
      const dims = multigridLevelDims(grid.dims);
      if (dims.length < 2) {
        throw new RangeError(`the multigrid pressure solver needs more than ${COARSEST_EDGE} cells along some axis (got [${grid.dims.join(', ')}]); use jacobi`);
      }
      // The coarse cycle's levels keep their systems in one buffer (it binds them all at once),
      // each level's range aligned for its own binding in the setup kernels.
      const cycleStart = coarseCycleStart(dims, settings.coarseCycleCells ?? COARSE_CYCLE_CELLS);
      const align = (bytes: number) => Math.ceil(bytes / device.limits.minStorageBufferOffsetAlignment) * device.limits.minStorageBufferOffsetAlignment;
      const cycleSystemOffsets: number[] = [];
      let cycleSystemBytes = 0;
      if (cycleStart >= 0) {
        for (let l = cycleStart; l < dims.length; l++) {
          cycleSystemOffsets[l] = cycleSystemBytes;
          cycleSystemBytes += align(dims[l][0] * dims[l][1] * dims[l][2] * 16);
        }
      }
      const cycleSystems = cycleStart >= 0 ? make('mgpcg.coarseCycle.systems', cycleSystemBytes) : null;
      const levels: Level[] = dims.map((d, l) => {
        const cells = d[0] * d[1] * d[2];
        let system: BufferResource;
        if (l === 0) system = fields.pressureSystem;
        else if (cycleSystems && l >= cycleStart) system = { buffer: cycleSystems, offset: cycleSystemOffsets[l], size: cells * 16 };
        else system = make(`mgpcg.level${l}.system`, cells * 16);
        return {
          dims: d, cells, groups: foldedGroups(cells), pairGroups: foldedGroups(Math.ceil(d[0] / 2) * d[1] * d[2]),
          params: make(`mgpcg.level${l}.params`, LEVEL_PARAMS.size, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
          system,
          labels: l === 0 ? null : make(`mgpcg.level${l}.labels`, cells * 4),
          rhs: make(`mgpcg.level${l}.rhs`, cells * 4),
          x: make(`mgpcg.level${l}.x`, cells * 4),
          xSwap: make(`mgpcg.level${l}.xSwap`, cells * 4),
          residual: make(`mgpcg.level${l}.residual`, cells * 4),
        };
      });
      const fine = levels[0];
      const state = make('mgpcg.state', CG_STATE_BYTES, GPUBufferUsage.UNIFORM | STORAGE);
      // On the finest level the V-cycle's right-hand side is CG's residual r.
      const r = fine.rhs;
      const direction: [GPUBuffer, GPUBuffer] = [make('mgpcg.direction0', fine.cells * 4), make('mgpcg.direction1', fine.cells * 4)];
      const product = make('mgpcg.product', fine.cells * 4);
      const partials = make('mgpcg.partials', fine.groups[0] * fine.groups[1] * 16);
      // Bindings a kernel does not use still need a buffer; read-only ones share one.
      const unusedRead = make('mgpcg.unusedRead', 16);
      const unusedWrite = [0, 1, 2, 3].map((i) => make(`mgpcg.unusedWrite${i}`, 16));

      const run = (family: KernelFamily, entry: string, resources: Record<string, BufferResource>, groups: [number, number], l = 0): Dispatch => {
        const full: Record<string, BufferResource> = {};
        let spare = 0;
        for (const b of family.bindings) full[b.name] = resources[b.name] ?? (b.kind === 'storage' ? unusedWrite[spare++] : unusedRead);
        const name = `${entry}@${l}`;
        return { name, resources: full, pipeline: family.pipeline(entry), group: family.bindGroup(full, `${family.label}.${name}`), groups };
      };

      const setupList: Dispatch[] = [];
      for (let l = 1; l < levels.length; l++) {
        const lv = levels[l];
        const finer = levels[l - 1];
        setupList.push(l === 1
          ? run(setup, 'coarsenFinestLabels', { level: finer.params, cg: state, systemIn: fine.system, phi: fields.levelSet, solidPhi: fields.solidLevelSet, labelsOut: lv.labels! }, lv.groups, l - 1)
          : run(setup, 'coarsenLabels', { level: finer.params, cg: state, phi: fields.levelSet, solidPhi: fields.solidLevelSet, labelsIn: finer.labels!, labelsOut: lv.labels! }, lv.groups, l - 1));
        setupList.push(run(setup, 'buildLevelSystem', { level: lv.params, cg: state, phi: fields.levelSet, solidPhi: fields.solidLevelSet, labelsIn: lv.labels!, systemOut: lv.system }, lv.groups, l));
      }

      const cycleParams = cycleSystems ? make('mgpcg.coarseCycle.params', COARSE_CYCLE_PARAMS.size, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST) : null;

      // The V-cycle on level l for right-hand side rhs; returns the buffer holding its result.
      const recordVcycle = (list: Dispatch[], l: number, rhs: GPUBuffer): GPUBuffer => {
        const lv = levels[l];
        if (l === cycleStart) {
          list.push(run(coarseCycle, 'coarseCycle', { cycle: cycleParams!, cg: state, systems: cycleSystems!, rhs, x: lv.x }, [1, 1], l));
          return lv.x;
        }
        const common = { level: lv.params, cg: state, system: lv.system, rhs };
        if (l === levels.length - 1) {
          list.push(run(vcycle, 'coarsestSolve', { ...common, x: lv.x }, [1, 1], l));
          return lv.x;
        }
        const coarse = levels[l + 1];
        // Red-black sweeps work in place (each colour's cells only read the other colour);
        // Jacobi sweeps ping-pong between x and xSwap.
        const redBlack = settings.smoother === 'red-black';
        let [a, b] = [lv.x, lv.xSwap];
        const colour = (entry: string) => run(vcycle, entry, { ...common, x: a }, lv.pairGroups, l);
        if (redBlack) {
          list.push(run(vcycle, 'smoothRedFromZero', { ...common, x: a }, lv.groups, l), colour('smoothBlack'));
          for (let s = 1; s < settings.sweeps; s++) list.push(colour('smoothRed'), colour('smoothBlack'));
        } else {
          list.push(run(vcycle, 'smoothFromZero', { ...common, x: a, residual: lv.residual }, lv.groups, l));
          for (let s = 1; s < settings.sweeps; s++) {
            list.push(run(vcycle, 'smoothSweep', { ...common, xIn: a, x: b }, lv.groups, l));
            [a, b] = [b, a];
          }
        }
        // One Jacobi sweep from zero leaves its residual; anything else needs a residual pass.
        if (redBlack || settings.sweeps > 1) list.push(run(vcycle, 'levelResidual', { ...common, xIn: a, residual: lv.residual }, lv.groups, l));
        list.push(run(vcycle, 'restrictResidual', { level: lv.params, cg: state, residual: lv.residual, coarseSystem: coarse.system, coarseRhs: coarse.rhs }, coarse.groups, l));
        const coarseX = recordVcycle(list, l + 1, coarse.rhs);
        list.push(run(vcycle, 'prolongAdd', { level: lv.params, cg: state, system: lv.system, x: a, coarseX }, lv.groups, l));
        for (let s = 0; s < settings.sweeps; s++) {
          // The finest level's last sweep also leaves the r . z partials.
          const withDot = l === 0 && s === settings.sweeps - 1;
          if (redBlack) {
            list.push(colour('smoothBlack'), withDot ? run(vcycle, 'smoothRedWithDot', { ...common, x: a, partials }, lv.groups, l) : colour('smoothRed'));
          } else {
            list.push(run(vcycle, withDot ? 'smoothSweepWithDot' : 'smoothSweep', { ...common, xIn: a, x: b, ...(withDot ? { partials } : {}) }, lv.groups, l));
            [a, b] = [b, a];
          }
        }
        return a;
      };

      const scalar = (entry: string) => run(scalars, entry, { params: fields.params, level: fine.params, cg: state, partials }, [1, 1]);
      const cgKernel = (entry: string, resources: Record<string, BufferResource>) =>
        run(cg, entry, { level: fine.params, cg: state, system: fine.system, pressure: fields.pressure, residual: r, partials, ...resources }, fine.groups);

      const start = [cgKernel('cgStart', {}), scalar('cgCheck')];
      const vcycleList: Dispatch[] = [];
      const z = recordVcycle(vcycleList, 0, r);
      const iteration = [0, 1].map((parity) => {
        // The finest level's last sweep leaves the r . z partials that cgBeta folds.
        const list: Dispatch[] = [...vcycleList];
        list.push(scalar('cgBeta'));
        const [pIn, pOut] = [direction[parity], direction[1 - parity]];
        list.push(cgKernel('cgDirection', { preconditioned: z, directionIn: pIn, direction: pOut, product }));
        list.push(scalar('cgStepLength'));
        list.push(cgKernel('cgUpdate', { directionIn: pOut, product }));
        list.push(scalar('cgCheck'));
        return list;
      }) as [Dispatch[], Dispatch[]];

      const gateFor = (gate: GPUBuffer) => run(scalars, 'cgGate', { params: fields.params, level: fine.params, cg: state, partials, gate }, [1, 1]);
      const solver = new MgpcgPressureSolver({
        device, levels, state, owned, setup: setupList, start, iteration, vcycle: vcycleList, preconditioned: z, gateFor, gateKernels, settings: { ...settings },
        coarseCycle: { start: cycleStart, params: cycleParams },
      });
      solver.writeLevelParams();
      return solver;
    } catch (e) {
      for (const b of owned) b.destroy();
      throw e;
    }
  }

  /** The V-cycle settings in use. */
  get settings(): MultigridSettings {
    return { ...this.settingsData };
  }

  private writeLevelParams(): void {
    const s = this.settingsData;
    this.levels.forEach((lv, l) => {
      const coarse = this.levels[l + 1] ?? lv;
      this.device.queue.writeBuffer(lv.params, 0, LEVEL_PARAMS.pack({
        dims: lv.dims, cells: lv.cells, coarseDims: coarse.dims, coarseCells: coarse.cells, groupsX: lv.groups[0], omega: s.omega,
        coarsestSweeps: s.coarsestSweeps, coarseGroupsX: coarse.groups[0], pairGroupsX: lv.pairGroups[0],
      }));
    });
    if (this.coarseCycleParams) {
      // The cycled levels' x and rhs follow one another in workgroup memory.
      let valueOffset = 0;
      const levels = this.levels.slice(this.coarseCycleStart).map((lv) => {
        const level = { dims: lv.dims, cells: lv.cells, systemOffset: (lv.system as GPUBufferBinding).offset! / 16, valueOffset };
        valueOffset += lv.cells;
        return level;
      });
      this.device.queue.writeBuffer(this.coarseCycleParams, 0, COARSE_CYCLE_PARAMS.pack({
        levelCount: levels.length, redBlack: s.smoother === 'red-black' ? 1 : 0, sweeps: s.sweeps, coarsestSweeps: s.coarsestSweeps, omega: s.omega, levels,
      }));
    }
  }

  /**
   * Encodes a solve: rebuilds the hierarchy for the current system (buildPressureSystem must
   * have run), then CG from `fields.pressure` until the tolerance is met or `maxIterations`.
   * Writes the CG state with `queue.writeBuffer`: one solve per submission.
   * @param gate indirect dispatch arguments: the solve runs only if their x is non-zero when
   *   the GPU gets there (a discarded prediction's fallback); else the CG state is marked done
   *   (cgGate) and every other dispatch is an indirect one armed with zero workgroups
   *   (GatedDispatchArgs), so a closed gate launches no workgroup of the solve
   */
  solve(encoder: GPUCommandEncoder, timer: GpuTimer | null, solve: MgpcgSolve, passName = 'pressure', gate?: GPUBuffer): void {
    this.resetState(solve);
    const pass = encoder.beginComputePass(timer?.computePass(passName) ?? { label: passName });
    if (gate) {
      let d = this.gates.get(gate);
      if (!d) this.gates.set(gate, d = this.gateFor(gate));
      replay(pass, [d]);
      const lists = [this.setupDispatches, this.startDispatches, ...this.iterationDispatches];
      let args = this.gatedArgs.get(gate);
      if (!args) {
        args = GatedDispatchArgs.build(this.device, this.gateKernels, lists.flat().map((x) => [x.groups[0], x.groups[1], 1] as const), gate, 'mgpcg.gated');
        this.gatedArgs.set(gate, args);
      }
      args.arm(pass);
      const [setupAt, startAt, iterationAt] = [0, lists[0].length, lists[0].length + lists[1].length];
      replayGated(pass, this.setupDispatches, args, setupAt);
      replayGated(pass, this.startDispatches, args, startAt);
      for (let i = 0; i < solve.maxIterations; i++) replayGated(pass, this.iterationDispatches[i % 2], args, iterationAt + (i % 2) * lists[2].length);
      pass.end();
      return;
    }
    replay(pass, this.setupDispatches);
    replay(pass, this.startDispatches);
    for (let i = 0; i < solve.maxIterations; i++) replay(pass, this.iterationDispatches[i % 2]);
    pass.end();
  }

  /** Writes a fresh CG state for a solve (queued before anything submitted later). */
  resetState(solve: MgpcgSolve): void {
    // CG checks after every iteration (chunk 1).
    const control = startingSolveControl({ maxIterations: solve.maxIterations, chunk: 1, tolerance: solve.tolerance, criterion: solve.criterion });
    this.device.queue.writeBuffer(this.state, 0, CG_STATE.pack({ control, rz: 0, alpha: 0, beta: 0, bNorm2: 0, liquidCells: 0 }));
  }

  /**
   * @internal Tests: encodes the hierarchy setup, one V-cycle on the finest level (rhs: the
   * finest `rhs` buffer, result in `preconditioned`), or one named kernel (`entry@level`).
   * Needs a CG state that is not converged (see `resetState`).
   */
  encodeForTest(pass: GPUComputePassEncoder, what: 'setup' | 'vcycle' | string): void {
    if (what === 'setup') return replay(pass, this.setupDispatches);
    if (what === 'vcycle') return replay(pass, this.vcycleDispatches);
    replay(pass, [this.findDispatch(what)]);
  }

  /** @internal Tests: the buffers a named kernel (`entry@level`) is bound to. */
  kernelBuffers(name: string): Record<string, GPUBuffer> {
    return this.findDispatch(name).resources as Record<string, GPUBuffer>;
  }

  private findDispatch(name: string): Dispatch {
    const all = [...this.setupDispatches, ...this.startDispatches, ...this.iterationDispatches[0]];
    const d = all.find((x) => x.name === name);
    if (!d) throw new Error(`no multigrid kernel '${name}' (have ${[...new Set(all.map((x) => x.name))].join(', ')})`);
    return d;
  }

  /** Reads the state of the last solve (a small readback). */
  async readReport(): Promise<SolveReport> {
    return decodeSolveControl(await readBuffer(this.device, this.state, SOLVE_CONTROL_LAYOUT.size, CG_STATE.offsetOf('control')));
  }

  /** The kernels of one CG iteration in order (`entry@level`; for profiles). */
  get iterationKernelNames(): string[] {
    return this.iterationDispatches[0].map((d) => d.name);
  }

  /** Dispatches of one CG iteration (for benchmarks and docs). */
  get dispatchesPerIteration(): number {
    return this.iterationDispatches[0].length;
  }

  /** GPU memory held (bytes), the finest system (owned by the fields) excluded. */
  get byteSize(): number {
    return this.owned.reduce((s, b) => s + b.size, 0);
  }

  destroy(): void {
    for (const a of this.gatedArgs.values()) a.destroy();
    this.gatedArgs.clear();
    for (const b of this.owned) b.destroy();
    this.owned.length = 0;
  }
}

/** Rejects settings outside their ranges, naming the field. */
export function validateMultigridSettings(s: MultigridSettings): void {
  if (!(s.omega > 0 && s.omega < 1)) throw new RangeError(`multigrid omega must be in (0, 1) (got ${s.omega})`);
  if (!Number.isInteger(s.sweeps) || s.sweeps < 1 || s.sweeps > 8) throw new RangeError(`multigrid sweeps must be an integer in 1..8 (got ${s.sweeps})`);
  if (s.smoother !== undefined && s.smoother !== 'jacobi' && s.smoother !== 'red-black') {
    throw new RangeError(`multigrid smoother must be "jacobi" or "red-black" (got ${JSON.stringify(s.smoother)})`);
  }
  if (!Number.isInteger(s.coarsestSweeps) || s.coarsestSweeps < 1 || s.coarsestSweeps > 256) {
    throw new RangeError(`multigrid coarsestSweeps must be an integer in 1..256 (got ${s.coarsestSweeps})`);
  }
  const cells = s.coarseCycleCells;
  if (cells !== undefined && (!Number.isInteger(cells) || cells < 0 || cells > COARSE_CYCLE_MAX_LEVEL_CELLS)) {
    throw new RangeError(`multigrid coarseCycleCells must be an integer in 0..${COARSE_CYCLE_MAX_LEVEL_CELLS} (got ${cells})`);
  }
}
