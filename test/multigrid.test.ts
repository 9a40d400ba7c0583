// The multigrid-preconditioned CG pressure solver: every kernel against its CPU reference
// (src/reference/reference-multigrid.ts) on small odd grids with an obstacle and a free
// surface, the whole solve against the CPU MIC(0)-PCG, and the GPU-side convergence control.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BufferResource } from '../src/gpu/compute-kernel';
import { readFloat32, readUint32 } from '../src/gpu/readback';
import { solvePressurePcg } from '../src/tools';
import {
  buildHierarchy, coarsestSolve, prolongAdd, restrictResidual, smooth, smoothColour, smoothFromZero, smoothRedFromZero, solveMgpcg, vcycle,
} from '../src/reference/reference-multigrid';
import { presetScene } from '../src/scene/presets';
import { validateScene } from '../src/scene/scene-validation';
import { LiquidSolver } from '../src/solver/liquid-solver';
import {
  COARSE_CYCLE_CELLS, COARSE_CYCLE_MAX_LEVEL_CELLS, COARSE_CYCLE_MAX_LEVELS, COARSE_CYCLE_MAX_TOTAL_CELLS, coarseCycleStart, multigridLevelDims, prolongationWeight,
} from '../src/solver/pressure/multigrid-levels';
import coarseCycleSource from '../shaders/solver/multigrid-coarse-cycle.wgsl';
import { CG_STATE_BYTES, DEFAULT_MULTIGRID, MgpcgPressureSolver } from '../src/solver/pressure/mgpcg-pressure-solver';
import { maxDiff, rng, runPass, testGpu, upload } from './helpers/gpu';

let device: GPUDevice;
let solver: LiquidSolver;
let mg: MgpcgPressureSolver;
/** The same hierarchy with the red-black Gauss-Seidel smoother. */
let mgRb: MgpcgPressureSolver;
const RED_BLACK = { ...DEFAULT_MULTIGRID, smoother: 'red-black' as const };
/**
 * Both smoothers with every operation of every level dispatched on its own (no coarse cycle):
 * the per-level kernels of the coarse levels, which larger grids run above the coarse cycle.
 */
let mgPerLevel: MgpcgPressureSolver;
let mgRbPerLevel: MgpcgPressureSolver;
const PER_LEVEL = { coarseCycleCells: 0 };
let system: Float32Array;
let phi: Float32Array;
let solidPhi: Float32Array;

const scene = validateScene({
  name: 'multigrid-test',
  resolution: [13, 11, 9],
  cellSize: 0.1,
  liquid: [{ type: 'box', min: [0, 0, 0], max: [0.6, 0.75, 0.9] }, { type: 'sphere', center: [1.0, 0.7, 0.45], radius: 0.2, velocity: [-1, -1, 0.3] }],
  obstacles: [{ type: 'sphere', center: [0.75, 0.2, 0.45], radius: 0.22 }, { type: 'box', min: [0.1, 0.3, 0.1], max: [0.3, 0.5, 0.3], rotation: [0, 25, 0] }],
});

function expectClose(gpu: ArrayLike<number>, cpu: ArrayLike<number>, rel: number, what: string, floor = 1e-6): void {
  const d = maxDiff(gpu, cpu);
  expect(d.abs, `${what}: max |gpu - cpu| = ${d.abs} at ${d.at} (gpu ${gpu[d.at]}, cpu ${cpu[d.at]}), scale ${d.scale}`)
    .toBeLessThanOrEqual(rel * d.scale + floor);
}

/** Random values on the cells of a level that have an unknown, zero elsewhere. */
function randomOnUnknowns(levelSystem: ArrayLike<number>, seed: number): Float32Array {
  const r = rng(seed);
  const n = levelSystem.length / 4;
  return Float32Array.from({ length: n }, (_, i) => (levelSystem[4 * i + 3] > 0 ? 2 * r() - 1 : 0));
}

/** A level's system as the solver holds it (its own buffer, or its range of the coarse cycle's). */
function readSystem(r: BufferResource): Promise<Float32Array> {
  return 'buffer' in r ? readFloat32(device, r.buffer, r.size! / 4, (r.offset ?? 0) / 4) : readFloat32(device, r);
}

async function runKernel(name: string, on = mg): Promise<void> {
  on.resetState({ tolerance: 1e-6, criterion: 'relative-residual', maxIterations: 1 });
  await runPass(device, (p) => on.encodeForTest(p, name));
}

beforeAll(async () => {
  device = (await testGpu()).device;
  solver = await LiquidSolver.create(device, scene);
  for (let i = 0; i < 3; i++) await solver.step();
  // The last step's system, level set and solids are consistent (nothing changes them after the build).
  system = await readFloat32(device, solver.fields.pressureSystem);
  phi = await solver.readField('levelset');
  solidPhi = await solver.readField('solid');
  mg = await MgpcgPressureSolver.create(device, solver.grid, solver.fields);
  mgRb = await MgpcgPressureSolver.create(device, solver.grid, solver.fields, RED_BLACK);
  mgPerLevel = await MgpcgPressureSolver.create(device, solver.grid, solver.fields, { ...DEFAULT_MULTIGRID, ...PER_LEVEL });
  mgRbPerLevel = await MgpcgPressureSolver.create(device, solver.grid, solver.fields, { ...RED_BLACK, ...PER_LEVEL });
});

afterAll(() => {
  mg?.destroy();
  mgRb?.destroy();
  mgPerLevel?.destroy();
  mgRbPerLevel?.destroy();
  solver?.destroy();
});

describe('multigrid hierarchy', () => {
  it('halves odd grids down to at most 4 cells per axis', () => {
    expect(multigridLevelDims([13, 11, 9])).toEqual([[13, 11, 9], [7, 6, 5], [4, 3, 3]]);
    expect(multigridLevelDims([128, 128, 128]).map((d) => d[0])).toEqual([128, 64, 32, 16, 8, 4]);
  });

  it('prolongation weights sum to one per fine cell, with the walls clamped', () => {
    for (const [nf, nc] of [[13, 7], [12, 6], [9, 5]]) {
      for (let f = 0; f < nf; f++) {
        let sum = 0;
        for (let c = 0; c < nc; c++) sum += prolongationWeight(f, c, nc);
        expect(sum, `fine ${f} of ${nf}`).toBeCloseTo(1, 12);
      }
    }
  });

  it('coarsenFinestLabels, coarsenLabels and buildLevelSystem match the reference (own buffers, and ranges of the coarse cycle\'s)', async () => {
    const h = buildHierarchy(scene.resolution, system, phi, solidPhi);
    for (const on of [mg, mgPerLevel]) {
      expect(on.levels.length).toBe(h.dims.length);
      await runKernel('setup', on);
      let unknowns = 0;
      for (let l = 1; l < h.dims.length; l++) {
        const gpu = await readSystem(on.levels[l].system);
        expect(Array.from(gpu), `level ${l} system`).toEqual(Array.from(h.systems[l] as Float32Array));
        for (let i = 0; i < gpu.length / 4; i++) if (gpu[4 * i + 3] > 0) unknowns++;
      }
      expect(unknowns, 'the coarse levels have unknowns').toBeGreaterThan(10);
    }
  });

  it('the coarse cycle starts at the finest level below level 0 with at most coarseCycleCells cells', () => {
    expect(COARSE_CYCLE_CELLS).toBe(512);
    expect(coarseCycleStart(multigridLevelDims([128, 128, 128]), 512)).toBe(4);
    // A level must fit the kernel's workgroup memory whatever the threshold: 8^3 again, not 16^3.
    expect(coarseCycleStart(multigridLevelDims([64, 64, 64]), 4096)).toBe(3);
    expect(coarseCycleStart(multigridLevelDims([13, 11, 9]), 512)).toBe(1);
    expect(coarseCycleStart(multigridLevelDims([25, 9, 7]), 512)).toBe(1);
    expect(coarseCycleStart(multigridLevelDims([25, 9, 7]), 100)).toBe(2);
    // Never level 0, and never the coarsest alone (that is coarsestSolve's one dispatch).
    expect(coarseCycleStart(multigridLevelDims([8, 8, 8]), 512)).toBe(-1);
    expect(coarseCycleStart(multigridLevelDims([13, 11, 9]), 0)).toBe(-1);
    expect(mg.coarseCycleStart).toBe(1);
    expect(mgPerLevel.coarseCycleStart).toBe(-1);
  });

  it('the coarse cycle\'s bounds in TypeScript are those of its workgroup arrays, which fit 16 KiB', () => {
    const constant = (name: string) => Number(new RegExp(`const ${name}: u32 = (\\d+)u;`).exec(coarseCycleSource)?.[1]);
    expect(constant('COARSE_CYCLE_LEVEL_CELLS')).toBe(COARSE_CYCLE_MAX_LEVEL_CELLS);
    expect(constant('COARSE_CYCLE_TOTAL_CELLS')).toBe(COARSE_CYCLE_MAX_TOTAL_CELLS);
    expect(constant('COARSE_CYCLE_MAX_LEVELS')).toBe(COARSE_CYCLE_MAX_LEVELS);
    expect(4 * (2 * COARSE_CYCLE_MAX_TOTAL_CELLS + COARSE_CYCLE_MAX_LEVEL_CELLS)).toBeLessThanOrEqual(16384);
    // The largest level the threshold admits fits with every coarser level of any shape (halving
    // one axis only is the slowest shrink).
    expect(COARSE_CYCLE_CELLS).toBeLessThanOrEqual(COARSE_CYCLE_MAX_LEVEL_CELLS);
    const thin = multigridLevelDims([2 * COARSE_CYCLE_MAX_LEVEL_CELLS - 1, 1, 1]);
    expect(coarseCycleStart(thin, COARSE_CYCLE_MAX_LEVEL_CELLS)).toBe(1);
    expect(thin.length - 1).toBeLessThanOrEqual(COARSE_CYCLE_MAX_LEVELS);
  });
});

describe('multigrid kernels', () => {
  let h: ReturnType<typeof buildHierarchy>;
  beforeAll(async () => {
    h = buildHierarchy(scene.resolution, system, phi, solidPhi);
    await runKernel('setup');
    await runKernel('setup', mgPerLevel);
  });

  it('smoothFromZero: one damped-Jacobi sweep from zero and its residual', async () => {
    const rhs = randomOnUnknowns(system, 1);
    const b = mg.kernelBuffers('smoothFromZero@0');
    upload(device, b.rhs, rhs);
    await runKernel('smoothFromZero@0');
    const cpu = smoothFromZero(h.dims[0], system, rhs, DEFAULT_MULTIGRID.omega);
    expectClose(await readFloat32(device, b.x, rhs.length), cpu.x, 1e-5, 'x');
    expectClose(await readFloat32(device, b.residual, rhs.length), cpu.residual, 1e-5, 'residual');
  });

  it('smooth: a damped-Jacobi sweep on a coarse level', async () => {
    const b = mgPerLevel.kernelBuffers('smoothSweep@1');
    const rhs = randomOnUnknowns(h.systems[1], 2);
    const xIn = randomOnUnknowns(h.systems[1], 3);
    upload(device, b.rhs, rhs);
    upload(device, b.xIn, xIn);
    await runKernel('smoothSweep@1', mgPerLevel);
    const cpu = smooth(h.dims[1], h.systems[1], rhs, xIn, DEFAULT_MULTIGRID.omega);
    expectClose(await readFloat32(device, b.x, rhs.length), cpu, 1e-5, 'smoothed');
  });

  it('restrictResidual: the transpose of the prolongation, halved', async () => {
    const b = mg.kernelBuffers('restrictResidual@0');
    const residual = randomOnUnknowns(system, 4);
    upload(device, b.residual, residual);
    await runKernel('restrictResidual@0');
    const cpu = restrictResidual(h.dims[0], residual, h.dims[1], h.systems[1]);
    expect(cpu.some((v) => v !== 0)).toBe(true);
    expectClose(await readFloat32(device, b.coarseRhs, cpu.length), cpu, 1e-5, 'coarse rhs');
  });

  it('prolongAdd: trilinear prolongation added on the fine unknowns', async () => {
    const b = mg.kernelBuffers('prolongAdd@0');
    const x = randomOnUnknowns(system, 5);
    const coarseX = randomOnUnknowns(h.systems[1], 6);
    upload(device, b.x, x);
    upload(device, b.coarseX, coarseX);
    await runKernel('prolongAdd@0');
    const cpu = Float64Array.from(x);
    prolongAdd(h.dims[0], system, cpu, h.dims[1], coarseX);
    expect(maxDiff(cpu, x).abs, 'the prolongation changed x').toBeGreaterThan(0.01);
    expectClose(await readFloat32(device, b.x, x.length), cpu, 1e-5, 'x');
  });

  it('restriction is the transpose of prolongation (<R r, e> = <r, P e> / 2)', () => {
    const r = randomOnUnknowns(system, 7);
    const e = randomOnUnknowns(h.systems[1], 8);
    const Rr = restrictResidual(h.dims[0], r, h.dims[1], h.systems[1]);
    const Pe = new Float64Array(r.length);
    prolongAdd(h.dims[0], system, Pe, h.dims[1], e);
    let lhs = 0, rhs = 0;
    for (let i = 0; i < Rr.length; i++) lhs += Rr[i] * e[i];
    for (let i = 0; i < r.length; i++) rhs += r[i] * Pe[i];
    expect(lhs).toBeCloseTo(rhs / 2, 10);
  });

  it('coarsestSolve: Jacobi sweeps from zero in workgroup memory', async () => {
    const last = h.dims.length - 1;
    const b = mgPerLevel.kernelBuffers(`coarsestSolve@${last}`);
    const rhs = randomOnUnknowns(h.systems[last], 9);
    upload(device, b.rhs, rhs);
    await runKernel(`coarsestSolve@${last}`, mgPerLevel);
    const cpu = coarsestSolve(h.dims[last], h.systems[last], rhs, DEFAULT_MULTIGRID.omega, DEFAULT_MULTIGRID.coarsestSweeps);
    expect(cpu.some((v) => v !== 0)).toBe(true);
    expectClose(await readFloat32(device, b.x, rhs.length), cpu, 1e-5, 'coarsest x');
  });

  it.each([['with the coarse cycle', () => mg], ['per level', () => mgPerLevel]])('a whole V-cycle (%s) matches the reference and leaves the r . z partials that cgBeta folds', async (_, on) => {
    const r = randomOnUnknowns(system, 10);
    upload(device, on().levels[0].rhs, r);
    on().resetState({ tolerance: 1e-6, criterion: 'relative-residual', maxIterations: 1 });
    await runPass(device, (p) => { on().encodeForTest(p, 'vcycle'); on().encodeForTest(p, 'cgBeta@0'); });
    const cpu = vcycle(h, r);
    const z = await readFloat32(device, on().preconditioned, r.length);
    expectClose(z, cpu, 1e-4, 'z');
    const state = new Float32Array((await readFloat32(device, on().state, CG_STATE_BYTES / 4)).buffer);
    let rz = 0;
    for (let i = 0; i < r.length; i++) rz += r[i] * cpu[i];
    expect(rz).toBeGreaterThan(0);
    expect(Math.abs(state[12] - rz) / rz, `r.z gpu ${state[12]} cpu ${rz}`).toBeLessThan(1e-4);
  });
});

describe('red-black Gauss-Seidel smoother', () => {
  let h: ReturnType<typeof buildHierarchy>;
  beforeAll(async () => {
    h = buildHierarchy(scene.resolution, system, phi, solidPhi);
    await runKernel('setup', mgRb);
    await runKernel('setup', mgRbPerLevel);
  });

  it('smoothRedFromZero then smoothBlack: a Gauss-Seidel sweep from zero in red-black order (odd level)', async () => {
    const b = mgRb.kernelBuffers('smoothRedFromZero@0');
    const rhs = randomOnUnknowns(system, 21);
    upload(device, b.rhs, rhs);
    await runKernel('smoothRedFromZero@0', mgRb);
    const cpu = smoothRedFromZero(h.dims[0], system, rhs);
    expectClose(await readFloat32(device, b.x, rhs.length), cpu, 1e-6, 'red from zero');
    expect(cpu.filter((v) => v !== 0).length).toBeGreaterThan(10);
    await runKernel('smoothBlack@0', mgRb);
    smoothColour(h.dims[0], system, rhs, cpu, 1);
    expectClose(await readFloat32(device, b.x, rhs.length), cpu, 1e-5, 'then black');
  });

  it('smoothRed on a coarse level updates only red cells, from the black ones', async () => {
    const b = mgRbPerLevel.kernelBuffers('smoothRed@1');
    const rhs = randomOnUnknowns(h.systems[1], 22);
    const x = randomOnUnknowns(h.systems[1], 23);
    upload(device, b.rhs, rhs);
    upload(device, b.x, x);
    await runKernel('smoothRed@1', mgRbPerLevel);
    const cpu = Float64Array.from(x);
    smoothColour(h.dims[1], h.systems[1], rhs, cpu, 0);
    const gpu = await readFloat32(device, b.x, rhs.length);
    expectClose(gpu, cpu, 1e-5, 'red sweep');
    let changed = 0;
    const [nx, ny] = h.dims[1];
    for (let i = 0; i < x.length; i++) {
      if (gpu[i] === x[i]) continue;
      changed++;
      const [ci, cj, ck] = [i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))];
      expect((ci + cj + ck) & 1, `cell ${i} changed but is black`).toBe(0);
    }
    expect(changed).toBeGreaterThan(0);
  });

  it.each([['with the coarse cycle', () => mgRb], ['per level', () => mgRbPerLevel]])('a whole red-black V-cycle (%s) matches the reference, is symmetric, and leaves the r . z partials', async (_, on) => {
    const r = randomOnUnknowns(system, 24);
    upload(device, on().levels[0].rhs, r);
    on().resetState({ tolerance: 1e-6, criterion: 'relative-residual', maxIterations: 1 });
    await runPass(device, (p) => { on().encodeForTest(p, 'vcycle'); on().encodeForTest(p, 'cgBeta@0'); });
    const cpu = vcycle(h, r, RED_BLACK);
    expectClose(await readFloat32(device, on().preconditioned, r.length), cpu, 1e-4, 'z');
    const state = new Float32Array((await readFloat32(device, on().state, CG_STATE_BYTES / 4)).buffer);
    let rz = 0;
    for (let i = 0; i < r.length; i++) rz += r[i] * cpu[i];
    expect(rz).toBeGreaterThan(0);
    expect(Math.abs(state[12] - rz) / rz, `r.z gpu ${state[12]} cpu ${rz}`).toBeLessThan(1e-4);
    // CG needs a symmetric preconditioner: <M a, b> = <a, M b> (reference, float64).
    const a = randomOnUnknowns(system, 25);
    const c = randomOnUnknowns(system, 26);
    const ma = vcycle(h, a, RED_BLACK);
    const mc = vcycle(h, c, RED_BLACK);
    let left = 0;
    let right = 0;
    for (let i = 0; i < a.length; i++) { left += ma[i] * c[i]; right += a[i] * mc[i]; }
    expect(Math.abs(left - right) / Math.abs(left)).toBeLessThan(1e-9);
  });

  it('solves to the CPU PCG pressure in fewer iterations than the Jacobi smoother', async () => {
    const n = solver.grid.cellCount;
    const solveFromZero = async (on: MgpcgPressureSolver) => {
      upload(device, solver.fields.pressure, new Float32Array(n));
      const enc = device.createCommandEncoder();
      on.solve(enc, null, { tolerance: 1e-5, criterion: 'relative-residual', maxIterations: 40 });
      device.queue.submit([enc.finish()]);
      return on.readReport();
    };
    const jacobi = await solveFromZero(mg);
    const redBlack = await solveFromZero(mgRb);
    expect(redBlack.outcome).toBe('converged');
    const reference = solveMgpcg(scene.resolution, system, phi, solidPhi, new Float32Array(n), 1e-5, 40, RED_BLACK);
    expect(Math.abs(redBlack.iterations - reference.iterations)).toBeLessThanOrEqual(2);
    expect(redBlack.iterations).toBeLessThan(jacobi.iterations);
    const pcg = solvePressurePcg(system, scene.resolution, new Float32Array(n), 1e-8, 2000);
    expectClose(await solver.readField('pressure'), pcg.pressure, 1e-4, 'pressure');
  });
});

describe('coarse cycle: the levels of at most coarseCycleCells cells in one single-workgroup dispatch', () => {
  // A second odd grid, long in x, whose coarse cycle spans three levels (13x5x4, 7x3x2, 4x2x1)
  // where the first grid's spans two (7x6x5, 4x3x3).
  const longScene = validateScene({
    name: 'coarse-cycle-test',
    resolution: [25, 9, 7],
    cellSize: 0.1,
    liquid: [{ type: 'box', min: [0, 0, 0], max: [1.1, 0.6, 0.7] }, { type: 'sphere', center: [1.9, 0.6, 0.35], radius: 0.2, velocity: [-1, -0.5, 0.2] }],
    obstacles: [{ type: 'sphere', center: [1.5, 0.15, 0.35], radius: 0.2 }, { type: 'box', min: [0.3, 0.2, 0.1], max: [0.5, 0.4, 0.3], rotation: [0, 30, 0] }],
  });
  let long: LiquidSolver;
  const grids: Record<string, () => { on: LiquidSolver; system: Float32Array; phi: Float32Array; solidPhi: Float32Array }> = {};
  const made: MgpcgPressureSolver[] = [];
  beforeAll(async () => {
    long = await LiquidSolver.create(device, longScene);
    for (let i = 0; i < 2; i++) await long.step();
    const longFields = { on: long, system: await readFloat32(device, long.fields.pressureSystem), phi: await long.readField('levelset'), solidPhi: await long.readField('solid') };
    grids['13x11x9'] = () => ({ on: solver, system, phi, solidPhi });
    grids['25x9x7'] = () => longFields;
  });
  afterAll(() => {
    for (const m of made) m.destroy();
    long?.destroy();
  });

  const smoothings = [DEFAULT_MULTIGRID, RED_BLACK, { ...DEFAULT_MULTIGRID, sweeps: 2 }, { ...RED_BLACK, sweeps: 2 }];
  const cases = ['13x11x9', '25x9x7'].flatMap((grid) => smoothings.map((settings) => [grid, `${settings.smoother ?? 'jacobi'} x${settings.sweeps}`, settings] as const));
  it.each(cases)('%s, %s: coarseCycle is the CPU mirror\'s V-cycle from its first level down, writes every cell, and is symmetric', async (grid, _, settings) => {
    const g = grids[grid]();
    const dims = g.on.scene.resolution;
    const on = await MgpcgPressureSolver.create(device, g.on.grid, g.on.fields, settings);
    made.push(on);
    await runKernel('setup', on);
    const h = buildHierarchy(dims, g.system, g.phi, g.solidPhi);
    const start = on.coarseCycleStart;
    expect(start).toBe(1);
    expect(h.dims.length - start, 'levels in the cycle').toBe(grid === '25x9x7' ? 3 : 2);
    const name = `coarseCycle@${start}`;
    // The one dispatch of every level from `start` down.
    expect(on.iterationKernelNames.filter((k) => Number(k.split('@')[1]) >= start)).toEqual([name]);
    const b = on.kernelBuffers(name);
    const cycleOnGpu = async (rhs: Float32Array) => {
      upload(device, b.rhs, rhs);
      upload(device, b.x, new Float32Array(rhs.length).fill(7));
      await runKernel(name, on);
      return readFloat32(device, b.x, rhs.length);
    };
    const a = randomOnUnknowns(h.systems[start], 31);
    const c = randomOnUnknowns(h.systems[start], 32);
    const ma = await cycleOnGpu(a);
    const cpu = vcycle(h, a, settings, start);
    expect(cpu.filter((v) => v !== 0).length, 'unknowns on the first level').toBeGreaterThan(20);
    // Measured: within 1e-7 of the scale (float32 rounding).
    expectClose(ma, cpu, 1e-6, 'x');
    // CG needs a symmetric preconditioner: <M a, c> = <a, M c>, to float32 rounding.
    const mc = await cycleOnGpu(c);
    let left = 0, right = 0, scale = 0;
    for (let i = 0; i < a.length; i++) {
      left += ma[i] * c[i];
      right += a[i] * mc[i];
      scale += Math.abs(ma[i] * c[i]);
    }
    expect(Math.abs(left - right), `<Ma, c> ${left} vs <a, Mc> ${right}`).toBeLessThan(1e-6 * scale);
  });

  it('cuts the dispatches of an MGPCG iteration at 16^3, 32^3 and 64^3 with both smoothers', async () => {
    const levelOf = (kernel: string) => Number(kernel.split('@')[1]);
    const rows: string[] = ['| grid | smoothing | per level | with the coarse cycle |', '| --- | --- | --- | --- |'];
    for (const n of [16, 32, 64]) {
      const dam = await LiquidSolver.create(device, presetScene('dam-break', n));
      try {
        for (const settings of smoothings) {
          const merged = await MgpcgPressureSolver.create(device, dam.grid, dam.fields, settings);
          const perLevel = await MgpcgPressureSolver.create(device, dam.grid, dam.fields, { ...settings, ...PER_LEVEL });
          try {
            const start = merged.coarseCycleStart;
            expect(merged.levels[start].cells).toBeLessThanOrEqual(COARSE_CYCLE_CELLS);
            expect(merged.levels[start - 1].cells).toBeGreaterThan(COARSE_CYCLE_CELLS);
            const names = merged.iterationKernelNames;
            const before = perLevel.iterationKernelNames;
            expect(names.filter((k) => levelOf(k) >= start)).toEqual([`coarseCycle@${start}`]);
            // The levels above the cycle and CG dispatch what they did, in the same order.
            expect(names.filter((k) => levelOf(k) < start)).toEqual(before.filter((k) => levelOf(k) < start));
            const replaced = before.filter((k) => levelOf(k) >= start).length;
            expect(replaced).toBeGreaterThan(1);
            expect(merged.dispatchesPerIteration).toBe(before.length - replaced + 1);
            expect(merged.dispatchesPerIteration).toBeLessThan(perLevel.dispatchesPerIteration);
            rows.push(`| ${n}^3 | ${settings.smoother ?? 'jacobi'} x${settings.sweeps} | ${perLevel.dispatchesPerIteration} | ${merged.dispatchesPerIteration} |`);
          } finally {
            merged.destroy();
            perLevel.destroy();
          }
        }
      } finally {
        dam.destroy();
      }
    }
    console.log(`MGPCG dispatches per CG iteration:\n${rows.join('\n')}`);
  });
});

describe('MGPCG solve', () => {
  it('reaches the pressure of the CPU MIC(0)-PCG from a zero start', async () => {
    const n = solver.grid.cellCount;
    upload(device, solver.fields.pressure, new Float32Array(n));
    const enc = device.createCommandEncoder();
    mg.solve(enc, null, { tolerance: 1e-5, criterion: 'relative-residual', maxIterations: 40 });
    device.queue.submit([enc.finish()]);
    const report = await mg.readReport();
    expect(report.outcome).toBe('converged');
    expect(report.relativeResidual).toBeLessThanOrEqual(1e-5);
    expect(report.initialRelativeResidual).toBeCloseTo(1, 5);
    const reference = solveMgpcg(scene.resolution, system, phi, solidPhi, new Float32Array(n), 1e-5, 40);
    // The float32 GPU solve takes the float64 reference's path to within an iteration or two.
    expect(Math.abs(report.iterations - reference.iterations)).toBeLessThanOrEqual(2);
    const pcg = solvePressurePcg(system, scene.resolution, new Float32Array(n), 1e-8, 2000);
    const gpu = await solver.readField('pressure');
    expectClose(gpu, pcg.pressure, 1e-4, 'pressure');
  });

  it('a warm start that meets the tolerance costs no iteration, and queued iterations stop at convergence', async () => {
    const enc = device.createCommandEncoder();
    mg.solve(enc, null, { tolerance: 1e-3, criterion: 'relative-residual', maxIterations: 30 });
    device.queue.submit([enc.finish()]);
    const report = await mg.readReport();
    expect(report.outcome).toBe('converged');
    expect(report.iterations).toBe(0);
    expect(report.checks).toBe(1);

    upload(device, solver.fields.pressure, new Float32Array(solver.grid.cellCount));
    const enc2 = device.createCommandEncoder();
    mg.solve(enc2, null, { tolerance: 1e-2, criterion: 'relative-residual', maxIterations: 30 });
    device.queue.submit([enc2.finish()]);
    const loose = await mg.readReport();
    expect(loose.outcome).toBe('converged');
    expect(loose.iterations).toBeGreaterThan(0);
    expect(loose.iterations).toBeLessThan(30);
    // One check before the first iteration and one after each: the rest were no-ops.
    expect(loose.checks).toBe(loose.iterations + 1);
  });

  it('stops at the iteration cap and says so', async () => {
    upload(device, solver.fields.pressure, new Float32Array(solver.grid.cellCount));
    const enc = device.createCommandEncoder();
    mg.solve(enc, null, { tolerance: 1e-7, criterion: 'relative-residual', maxIterations: 2 });
    device.queue.submit([enc.finish()]);
    const report = await mg.readReport();
    expect(report.outcome).toBe('max-iterations');
    expect(report.iterations).toBe(2);
    const control = await readUint32(device, mg.state, 2);
    expect(control[1]).toBe(2);
  });

  it('rejects a grid too small for a hierarchy, and settings out of range, naming them', async () => {
    const tiny = await LiquidSolver.create(device, validateScene({ name: 'tiny', resolution: [4, 4, 4], cellSize: 0.25, liquid: [{ type: 'box', min: [0, 0, 0], max: [1, 0.5, 1] }] }));
    try {
      await expect(MgpcgPressureSolver.create(device, tiny.grid, tiny.fields)).rejects.toThrow(/more than 4 cells/);
    } finally {
      tiny.destroy();
    }
    await expect(MgpcgPressureSolver.create(device, solver.grid, solver.fields, { ...DEFAULT_MULTIGRID, omega: 1.5 })).rejects.toThrow(/omega must be in \(0, 1\)/);
    await expect(MgpcgPressureSolver.create(device, solver.grid, solver.fields, { ...DEFAULT_MULTIGRID, sweeps: 0 })).rejects.toThrow(/sweeps/);
    await expect(MgpcgPressureSolver.create(device, solver.grid, solver.fields, { ...DEFAULT_MULTIGRID, smoother: 'gauss' as never })).rejects.toThrow(/smoother must be "jacobi" or "red-black" \(got "gauss"\)/);
    await expect(MgpcgPressureSolver.create(device, solver.grid, solver.fields, { ...DEFAULT_MULTIGRID, coarseCycleCells: 513 })).rejects.toThrow(/coarseCycleCells must be an integer in 0\.\.512 \(got 513\)/);
  });
});
