import type { Vec3 } from '../../scene/scene-description';

/** The coarsest multigrid level has at most this many cells along each axis. */
export const COARSEST_EDGE = 4;

/**
 * Grid dimensions of the multigrid hierarchy, finest first: each level halves every axis
 * (rounding up, so odd sizes work) until no axis exceeds COARSEST_EDGE.
 */
export function multigridLevelDims(dims: Vec3): Vec3[] {
  const levels: Vec3[] = [[...dims]];
  let d = dims;
  while (Math.max(...d) > COARSEST_EDGE) {
    d = [Math.ceil(d[0] / 2), Math.ceil(d[1] / 2), Math.ceil(d[2] / 2)];
    levels.push(d);
  }
  return levels;
}

/** Cell labels of the coarse multigrid levels (shaders/solver/multigrid-setup.wgsl). */
export const MultigridLabel = {
  /** Solid or outside: a Neumann boundary, no unknown. */
  Solid: 0,
  /** An unknown of the coarse system. */
  Interior: 1,
  /** Air: a Dirichlet boundary (p = 0 at its centre). */
  Air: 2,
} as const;

/**
 * Per-axis weight of coarse cell `coarse` in the trilinear (cell-centred) prolongation to fine
 * cell `fine`: 3/4 from the parent, 1/4 from the parent's neighbour on the fine cell's side,
 * clamped at the grid's ends (a wall reflects). The restriction is its transpose.
 */
export function prolongationWeight(fine: number, coarse: number, coarseCount: number): number {
  const parent = fine >> 1;
  const side = Math.min(Math.max(parent + ((fine & 1) === 1 ? 1 : -1), 0), coarseCount - 1);
  return (parent === coarse ? 0.75 : 0) + (side === coarse ? 0.25 : 0);
}

/**
 * How the V-cycle smooths every level but the coarsest: damped Jacobi, or Gauss-Seidel in
 * red-black order (red then black before the coarse correction, black then red after it, so
 * the cycle stays symmetric, as conjugate gradients needs).
 */
export type MultigridSmoother = 'jacobi' | 'red-black';

/**
 * Default of `coarseCycleCells`: the levels below the finest with at most 8^3 = 512 cells are
 * cycled in one single-workgroup dispatch (coarseCycle, multigrid-coarse-cycle.wgsl) instead
 * of several dispatches per level. Why 512, from the H200 kernel profile (BENCHMARKS.md): a
 * dispatch costs 2.6 us even when it does almost nothing, a coarse restriction 8-14 us, while
 * coarsestSolve, one workgroup through 48 barrier-separated phases on 64 cells, took 6.6 us
 * (about 0.14 us a phase). An 8^3 level is 2 cells per thread of the 256-thread workgroup, so
 * its phases cost about that too: the 8^3 and 4^3 levels' 5 dispatches with Jacobi x1 (about
 * 24 us at 128^3) become one of about 56 phases (an estimate; the profile times coarseCycle).
 * A 16^3 level would be 16 cells per thread in every phase, and its x, rhs and scratch
 * (48 KiB) do not fit the 16 KiB of workgroup memory WebGPU guarantees: in storage memory each
 * phase would wait on L2 round trips on one SM, which only a GPU measurement can weigh against
 * its own dispatches, so it stays with the per-level kernels.
 */
export const COARSE_CYCLE_CELLS = 512;
/** Most cells a level cycled by coarseCycle may have (its scratch; COARSE_CYCLE_LEVEL_CELLS in WGSL). */
export const COARSE_CYCLE_MAX_LEVEL_CELLS = 512;
/** Most cells of all levels coarseCycle holds together (their x and rhs; COARSE_CYCLE_TOTAL_CELLS in WGSL). */
export const COARSE_CYCLE_MAX_TOTAL_CELLS = 1536;
/** Most levels coarseCycle cycles (COARSE_CYCLE_MAX_LEVELS in WGSL). */
export const COARSE_CYCLE_MAX_LEVELS = 8;

/**
 * The first level coarseCycle cycles: the finest level below level 0 with at most `maxCells`
 * cells whose levels down to the coarsest fit the kernel's workgroup memory, or -1 when that
 * would be the coarsest level alone (coarsestSolve is that dispatch already). Level 0 is never
 * merged: its last sweep also leaves CG's r . z partials, and a grid whose finest level is that
 * small has nothing to save.
 */
export function coarseCycleStart(levels: readonly Vec3[], maxCells: number): number {
  const cells = levels.map((d) => d[0] * d[1] * d[2]);
  for (let l = 1; l < levels.length - 1; l++) {
    const total = cells.slice(l).reduce((a, b) => a + b, 0);
    if (cells[l] <= Math.min(maxCells, COARSE_CYCLE_MAX_LEVEL_CELLS) && total <= COARSE_CYCLE_MAX_TOTAL_CELLS
      && levels.length - l <= COARSE_CYCLE_MAX_LEVELS) return l;
  }
  return -1;
}
