import type { Vec3 } from '../scene/scene-description';

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
