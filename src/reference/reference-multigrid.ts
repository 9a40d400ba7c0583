import type { Vec3 } from '../scene/scene-description';
import { MultigridLabel, multigridLevelDims, prolongationWeight, type MultigridSmoother } from '../solver/pressure/multigrid-levels';

/**
 * Mirror of shaders/solver/multigrid-setup.wgsl, multigrid-vcycle.wgsl, pressure-mgpcg.wgsl and
 * pressure-mgpcg-scalars.wgsl: the multigrid-preconditioned conjugate gradient pressure solve
 * (after McAdams, Sifakis and Teran 2010), one function per kernel, in float64.
 *
 * A level's system uses the GPU layout of the finest one, per cell [1/diag, b/diag, mask, diag]
 * (b is unused on coarse levels); diag == 0 marks a cell without an unknown.
 */

const STRIDES = (d: Vec3) => [-1, 1, -d[0], d[0], -d[0] * d[1], d[0] * d[1]];

function cellCount(d: Vec3): number { return d[0] * d[1] * d[2]; }

/** (A x)_i of a level's system: diag x_i - sum over the neighbours named by the mask. */
export function applyLevelOperator(dims: Vec3, system: ArrayLike<number>, x: ArrayLike<number>, i: number): number {
  const diag = system[4 * i + 3];
  if (diag === 0) return 0;
  const mask = system[4 * i + 2];
  const s = STRIDES(dims);
  let sum = diag * x[i];
  for (let n = 0; n < 6; n++) if (mask & (1 << n)) sum -= x[i + s[n]];
  return sum;
}

/** coarsenFinestLabels: level-1 labels from the finest level's system and level sets. */
export function coarsenFinestLabels(dims: Vec3, system: ArrayLike<number>, phi: ArrayLike<number>, solidPhi: ArrayLike<number>): Uint32Array {
  const fine = new Uint32Array(cellCount(dims));
  for (let i = 0; i < fine.length; i++) {
    // Sealed liquid (no unknown) and solids are Neumann; the rest of the non-liquid is air.
    if (system[4 * i + 3] > 0) fine[i] = MultigridLabel.Interior;
    else fine[i] = solidPhi[i] < 0 || phi[i] < 0 ? MultigridLabel.Solid : MultigridLabel.Air;
  }
  return coarsenLabels(dims, fine);
}

/** coarsenLabels: air if any child is air, else interior if any child is, else solid. */
export function coarsenLabels(fineDims: Vec3, fine: ArrayLike<number>): Uint32Array {
  const cd: Vec3 = [Math.ceil(fineDims[0] / 2), Math.ceil(fineDims[1] / 2), Math.ceil(fineDims[2] / 2)];
  const out = new Uint32Array(cellCount(cd));
  for (let k = 0; k < cd[2]; k++) for (let j = 0; j < cd[1]; j++) for (let i = 0; i < cd[0]; i++) {
    let air = false, interior = false;
    for (let c = 0; c < 8; c++) {
      const f = [2 * i + (c & 1), 2 * j + ((c >> 1) & 1), 2 * k + ((c >> 2) & 1)];
      if (f[0] >= fineDims[0] || f[1] >= fineDims[1] || f[2] >= fineDims[2]) continue;
      const label = fine[f[0] + fineDims[0] * (f[1] + fineDims[1] * f[2])];
      if (label === MultigridLabel.Air) air = true;
      if (label === MultigridLabel.Interior) interior = true;
    }
    out[i + cd[0] * (j + cd[1] * k)] = air ? MultigridLabel.Air : interior ? MultigridLabel.Interior : MultigridLabel.Solid;
  }
  return out;
}

/**
 * buildLevelSystem: the 7-point Laplacian of a coarse level in the finest level's layout. An
 * interior cell couples to interior neighbours; air neighbours add to the diagonal (p = 0 at
 * their centres), solids and the grid's outside do not (Neumann).
 */
export function buildLevelSystem(dims: Vec3, labels: ArrayLike<number>): Float32Array {
  const out = new Float32Array(4 * cellCount(dims));
  for (let k = 0; k < dims[2]; k++) for (let j = 0; j < dims[1]; j++) for (let i = 0; i < dims[0]; i++) {
    const idx = i + dims[0] * (j + dims[1] * k);
    if (labels[idx] !== MultigridLabel.Interior) continue;
    let diag = 0, mask = 0;
    const c = [i, j, k];
    for (let n = 0; n < 6; n++) {
      const axis = n >> 1;
      const nb = [...c];
      nb[axis] += (n & 1) ? 1 : -1;
      if (nb[axis] < 0 || nb[axis] >= dims[axis]) continue;
      const label = labels[nb[0] + dims[0] * (nb[1] + dims[1] * nb[2])];
      if (label === MultigridLabel.Solid) continue;
      diag += 1;
      if (label === MultigridLabel.Interior) mask |= 1 << n;
    }
    if (diag === 0) continue;
    out.set([1 / diag, 0, mask, diag], 4 * idx);
  }
  return out;
}

/** smoothFromZero: one damped-Jacobi sweep from x = 0, and the residual it leaves. */
export function smoothFromZero(dims: Vec3, system: ArrayLike<number>, rhs: ArrayLike<number>, omega: number): { x: Float64Array; residual: Float64Array } {
  const n = cellCount(dims);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = system[4 * i + 3] > 0 ? omega * rhs[i] * system[4 * i] : 0;
  const residual = new Float64Array(n);
  for (let i = 0; i < n; i++) residual[i] = system[4 * i + 3] > 0 ? rhs[i] - applyLevelOperator(dims, system, x, i) : 0;
  return { x, residual };
}

/** smooth: one damped-Jacobi sweep x += omega/diag (rhs - A x). */
export function smooth(dims: Vec3, system: ArrayLike<number>, rhs: ArrayLike<number>, x: ArrayLike<number>, omega: number): Float64Array {
  const out = new Float64Array(cellCount(dims));
  for (let i = 0; i < out.length; i++) {
    if (system[4 * i + 3] === 0) continue;
    out[i] = x[i] + omega * system[4 * i] * (rhs[i] - applyLevelOperator(dims, system, x, i));
  }
  return out;
}

/** levelResidual: rhs - A x (zero where there is no unknown). */
export function levelResidual(dims: Vec3, system: ArrayLike<number>, rhs: ArrayLike<number>, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(cellCount(dims));
  for (let i = 0; i < out.length; i++) if (system[4 * i + 3] > 0) out[i] = rhs[i] - applyLevelOperator(dims, system, x, i);
  return out;
}

/**
 * restrictResidual: the coarse right-hand side, (1/2) P^T r. The factor makes the coarse
 * 7-point operator on cells twice as wide (a quarter of the fine one per unit h^2) match the
 * Galerkin product of the averaging restriction P^T/8.
 */
export function restrictResidual(fineDims: Vec3, residual: ArrayLike<number>, coarseDims: Vec3, coarseSystem: ArrayLike<number>): Float64Array {
  const out = new Float64Array(cellCount(coarseDims));
  for (let k = 0; k < coarseDims[2]; k++) for (let j = 0; j < coarseDims[1]; j++) for (let i = 0; i < coarseDims[0]; i++) {
    const idx = i + coarseDims[0] * (j + coarseDims[1] * k);
    if (coarseSystem[4 * idx + 3] === 0) continue;
    let sum = 0;
    for (let fk = 2 * k - 1; fk <= 2 * k + 2; fk++) {
      if (fk < 0 || fk >= fineDims[2]) continue;
      const wk = prolongationWeight(fk, k, coarseDims[2]);
      for (let fj = 2 * j - 1; fj <= 2 * j + 2; fj++) {
        if (fj < 0 || fj >= fineDims[1]) continue;
        const wj = wk * prolongationWeight(fj, j, coarseDims[1]);
        for (let fi = 2 * i - 1; fi <= 2 * i + 2; fi++) {
          if (fi < 0 || fi >= fineDims[0]) continue;
          sum += wj * prolongationWeight(fi, i, coarseDims[0]) * residual[fi + fineDims[0] * (fj + fineDims[1] * fk)];
        }
      }
    }
    out[idx] = 0.5 * sum;
  }
  return out;
}

/** prolongAdd: x += P x_coarse on the fine cells that have an unknown (trilinear, cell-centred). */
export function prolongAdd(fineDims: Vec3, fineSystem: ArrayLike<number>, x: Float64Array, coarseDims: Vec3, coarseX: ArrayLike<number>): void {
  for (let k = 0; k < fineDims[2]; k++) for (let j = 0; j < fineDims[1]; j++) for (let i = 0; i < fineDims[0]; i++) {
    const idx = i + fineDims[0] * (j + fineDims[1] * k);
    if (fineSystem[4 * idx + 3] === 0) continue;
    const f = [i, j, k];
    let sum = 0;
    for (let c = 0; c < 8; c++) {
      const cc: number[] = [];
      for (let a = 0; a < 3; a++) {
        const parent = f[a] >> 1;
        const side = Math.min(Math.max(parent + ((f[a] & 1) ? 1 : -1), 0), coarseDims[a] - 1);
        cc.push((c >> a) & 1 ? side : parent);
      }
      // Each corner's weight is the product of per-axis 3/4 (parent) or 1/4 (side); a clamped
      // side that equals the parent sums to 1 across the two corners, as the transpose expects.
      let w = 1;
      for (let a = 0; a < 3; a++) w *= (c >> a) & 1 ? 0.25 : 0.75;
      sum += w * coarseX[cc[0] + coarseDims[0] * (cc[1] + coarseDims[1] * cc[2])];
    }
    x[idx] += sum;
  }
}

/** Colour of a cell in the red-black ordering: 0 (red) where i + j + k is even, 1 (black) where odd. */
export function cellColour(i: number, j: number, k: number): 0 | 1 {
  return ((i + j + k) & 1) as 0 | 1;
}

/**
 * smoothRedFromZero: the red half of a Gauss-Seidel sweep from x = 0 (red cells get rhs / diag,
 * their neighbours are all black and still zero; black cells stay zero).
 */
export function smoothRedFromZero(dims: Vec3, system: ArrayLike<number>, rhs: ArrayLike<number>): Float64Array {
  const x = new Float64Array(cellCount(dims));
  for (let k = 0; k < dims[2]; k++) for (let j = 0; j < dims[1]; j++) for (let i = 0; i < dims[0]; i++) {
    const idx = i + dims[0] * (j + dims[1] * k);
    if (system[4 * idx + 3] > 0 && cellColour(i, j, k) === 0) x[idx] = rhs[idx] * system[4 * idx];
  }
  return x;
}

/**
 * smoothColour: Gauss-Seidel on the cells of one colour, in place: x_i = (rhs_i + sum of the
 * neighbours) / diag. A cell's neighbours all have the other colour, so the order within a
 * colour does not matter (and the GPU updates them all at once).
 */
export function smoothColour(dims: Vec3, system: ArrayLike<number>, rhs: ArrayLike<number>, x: Float64Array, colour: 0 | 1): void {
  for (let k = 0; k < dims[2]; k++) for (let j = 0; j < dims[1]; j++) for (let i = 0; i < dims[0]; i++) {
    if (cellColour(i, j, k) !== colour) continue;
    const idx = i + dims[0] * (j + dims[1] * k);
    if (system[4 * idx + 3] === 0) continue;
    x[idx] += system[4 * idx] * (rhs[idx] - applyLevelOperator(dims, system, x, idx));
  }
}

/** coarsestSolve: `sweeps` damped-Jacobi sweeps from zero (a fixed, symmetric operator). */
export function coarsestSolve(dims: Vec3, system: ArrayLike<number>, rhs: ArrayLike<number>, omega: number, sweeps: number): Float64Array {
  let x: Float64Array = new Float64Array(cellCount(dims));
  for (let s = 0; s < sweeps; s++) x = smooth(dims, system, rhs, x, omega);
  return x;
}

/** The multigrid hierarchy of one step's system. */
export interface ReferenceHierarchy {
  dims: Vec3[];
  /** Per level the system in the GPU layout; level 0 is the solver's own. */
  systems: ArrayLike<number>[];
}

/** Settings of the V-cycle preconditioner. */
export interface VCycleSettings {
  /** Damped-Jacobi weight of the Jacobi smoother and of the coarsest level's sweeps. */
  omega: number;
  /** Smoothing sweeps before and after the coarse correction (the same count keeps it symmetric). */
  sweeps: number;
  /** The smoother of every level but the coarsest (default 'jacobi'). */
  smoother?: MultigridSmoother;
  /** Jacobi sweeps of the coarsest level's solve. */
  coarsestSweeps: number;
}

export const DEFAULT_VCYCLE: VCycleSettings = { omega: 2 / 3, sweeps: 1, coarsestSweeps: 24 };

/** Builds every level's labels and system (the setup kernels, once per step). */
export function buildHierarchy(dims: Vec3, system: ArrayLike<number>, phi: ArrayLike<number>, solidPhi: ArrayLike<number>): ReferenceHierarchy {
  const levelDims = multigridLevelDims(dims);
  const systems: ArrayLike<number>[] = [system];
  let labels: Uint32Array | null = null;
  for (let l = 1; l < levelDims.length; l++) {
    labels = l === 1 ? coarsenFinestLabels(dims, system, phi, solidPhi) : coarsenLabels(levelDims[l - 1], labels!);
    systems.push(buildLevelSystem(levelDims[l], labels));
  }
  return { dims: levelDims, systems };
}

/**
 * One V-cycle: an approximation of A^-1 rhs on level `l`, symmetric in rhs. The GPU runs the
 * levels from coarseCycleStart down in one dispatch (coarseCycle) and the others one kernel per
 * call here; the arithmetic is the same either way.
 */
export function vcycle(h: ReferenceHierarchy, rhs: ArrayLike<number>, settings: VCycleSettings = DEFAULT_VCYCLE, l = 0): Float64Array {
  const dims = h.dims[l];
  const system = h.systems[l];
  if (l === h.dims.length - 1) return coarsestSolve(dims, system, rhs, settings.omega, settings.coarsestSweeps);
  if (settings.smoother === 'red-black') {
    const x = smoothRedFromZero(dims, system, rhs);
    smoothColour(dims, system, rhs, x, 1);
    for (let s = 1; s < settings.sweeps; s++) {
      smoothColour(dims, system, rhs, x, 0);
      smoothColour(dims, system, rhs, x, 1);
    }
    const residual = levelResidual(dims, system, rhs, x);
    const coarseX = vcycle(h, restrictResidual(dims, residual, h.dims[l + 1], h.systems[l + 1]), settings, l + 1);
    prolongAdd(dims, system, x, h.dims[l + 1], coarseX);
    for (let s = 0; s < settings.sweeps; s++) {
      smoothColour(dims, system, rhs, x, 1);
      smoothColour(dims, system, rhs, x, 0);
    }
    return x;
  }
  const first = smoothFromZero(dims, system, rhs, settings.omega);
  let x: Float64Array = first.x;
  let residual: Float64Array = first.residual;
  for (let s = 1; s < settings.sweeps; s++) x = smooth(dims, system, rhs, x, settings.omega);
  if (settings.sweeps > 1) residual = levelResidual(dims, system, rhs, x);
  const coarseRhs = restrictResidual(dims, residual, h.dims[l + 1], h.systems[l + 1]);
  const coarseX = vcycle(h, coarseRhs, settings, l + 1);
  prolongAdd(dims, system, x, h.dims[l + 1], coarseX);
  for (let s = 0; s < settings.sweeps; s++) x = smooth(dims, system, rhs, x, settings.omega);
  return x;
}

/** What a reference MGPCG solve returns. */
export interface MgpcgResult {
  pressure: Float64Array;
  iterations: number;
  /** |b - A x| / |b| (recurrence residual, as the GPU checks it). */
  relativeResidual: number;
  /** Relative residual before each iteration (index 0: of the warm start). */
  history: number[];
}

/**
 * Multigrid-preconditioned conjugate gradients on the finest system: iterates from `start`
 * until |r|/|b| <= tolerance (checked before every iteration, so a converged warm start costs
 * none) or `maxIterations`.
 */
export function solveMgpcg(dims: Vec3, system: ArrayLike<number>, phi: ArrayLike<number>, solidPhi: ArrayLike<number>, start: ArrayLike<number>,
  tolerance: number, maxIterations: number, settings: VCycleSettings = DEFAULT_VCYCLE): MgpcgResult {
  const h = buildHierarchy(dims, system, phi, solidPhi);
  const n = cellCount(dims);
  const x = new Float64Array(n);
  const r = new Float64Array(n);
  let bb = 0;
  for (let i = 0; i < n; i++) {
    if (system[4 * i + 3] === 0) continue;
    x[i] = start[i];
    const b = system[4 * i + 1] * system[4 * i + 3];
    bb += b * b;
  }
  let rr = 0;
  for (let i = 0; i < n; i++) {
    if (system[4 * i + 3] === 0) continue;
    r[i] = system[4 * i + 1] * system[4 * i + 3] - applyLevelOperator(dims, system, x, i);
    rr += r[i] * r[i];
  }
  const norm = Math.sqrt(Math.max(bb, 1e-30));
  const history = [Math.sqrt(rr) / norm];
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  let rz = 0;
  let iterations = 0;
  while (history[history.length - 1] > tolerance && iterations < maxIterations) {
    const z = vcycle(h, r, settings);
    let rzNew = 0;
    for (let i = 0; i < n; i++) rzNew += r[i] * z[i];
    const beta = rz > 0 ? rzNew / rz : 0;
    rz = rzNew;
    for (let i = 0; i < n; i++) p[i] = z[i] + beta * p[i];
    let pq = 0;
    for (let i = 0; i < n; i++) { q[i] = applyLevelOperator(dims, system, p, i); pq += p[i] * q[i]; }
    const alpha = pq > 0 ? rz / pq : 0;
    rr = 0;
    for (let i = 0; i < n; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * q[i];
      rr += r[i] * r[i];
    }
    iterations++;
    history.push(Math.sqrt(rr) / norm);
  }
  return { pressure: x, iterations, relativeResidual: history[history.length - 1], history };
}
