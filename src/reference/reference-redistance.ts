import { axisVec, type ReferenceGrid } from './reference-grid';

/** Mirror of shaders/solver/redistance.wgsl. */
function isSolid(g: ReferenceGrid, solidPhi: Float32Array, i: number, j: number, k: number): boolean {
  return solidPhi[g.cell(i, j, k)] < 0;
}

/** redistanceInit: returns [phiOut, frozen]. */
export function redistanceInit(g: ReferenceGrid, phiIn: Float32Array, solidPhi: Float32Array): [Float32Array, Uint32Array] {
  const out = new Float32Array(g.cellCount);
  const frozen = new Uint32Array(g.cellCount);
  const band = g.p.bandWidth;
  g.forCells((i, j, k, idx) => {
    const p = phiIn[idx];
    const inside = p < 0;
    const sgn = inside ? -1 : 1;
    if (isSolid(g, solidPhi, i, j, k)) { out[idx] = sgn * band; return; }
    let invSq = 0, touching = false, found = false;
    for (let axis = 0; axis < 3; axis++) {
      let best = Infinity;
      const e = axisVec(axis);
      for (const s of [-1, 1]) {
        const n = [i + s * e[0], j + s * e[1], k + s * e[2]];
        if (!g.inGrid(n[0], n[1], n[2]) || isSolid(g, solidPhi, n[0], n[1], n[2])) continue;
        const pn = phiIn[g.cell(n[0], n[1], n[2])];
        if ((pn < 0) !== inside) best = Math.min(best, (p / (p - pn)) * g.h);
      }
      if (best < Infinity) {
        found = true;
        if (best <= 1e-6 * g.h) touching = true; else invSq += 1 / (best * best);
      }
    }
    if (found) { out[idx] = sgn * (touching ? 0 : 1 / Math.sqrt(invSq)); frozen[idx] = 1; } else out[idx] = sgn * band;
  });
  return [out, frozen];
}

function eikonal(a0: number, a1: number, a2: number, h: number): number {
  const [lo, mid, hi] = [a0, a1, a2].sort((x, y) => x - y);
  let d = lo + h;
  if (d > mid) {
    const diff = lo - mid;
    d = 0.5 * (lo + mid + Math.sqrt(Math.max(0, 2 * h * h - diff * diff)));
    if (d > hi) {
      const s = lo + mid + hi;
      const q = s * s - 3 * (lo * lo + mid * mid + hi * hi - h * h);
      d = (s + Math.sqrt(Math.max(0, q))) / 3;
    }
  }
  return d;
}

/** redistanceSweep: one Jacobi iteration of the Eikonal update for unfrozen cells. */
export function redistanceSweep(g: ReferenceGrid, phiIn: Float32Array, frozen: Uint32Array, solidPhi: Float32Array): Float32Array {
  const out = new Float32Array(g.cellCount);
  const band = g.p.bandWidth;
  g.forCells((i, j, k, idx) => {
    const p = phiIn[idx];
    if (frozen[idx] !== 0 || isSolid(g, solidPhi, i, j, k)) { out[idx] = p; return; }
    const a = [0, 1, 2].map((axis) => {
      let best = band;
      const e = axisVec(axis);
      for (const s of [-1, 1]) {
        const n = [i + s * e[0], j + s * e[1], k + s * e[2]];
        if (!g.inGrid(n[0], n[1], n[2]) || isSolid(g, solidPhi, n[0], n[1], n[2])) continue;
        best = Math.min(best, Math.abs(phiIn[g.cell(n[0], n[1], n[2])]));
      }
      return best;
    });
    const d = eikonal(a[0], a[1], a[2], g.h);
    out[idx] = (p < 0 ? -1 : 1) * Math.min(Math.min(d, Math.abs(p)), band);
  });
  return out;
}

/** extendIntoSolids: obstacle cells take the mean of their fluid neighbours. */
export function extendIntoSolids(g: ReferenceGrid, phiIn: Float32Array, solidPhi: Float32Array): Float32Array {
  const out = new Float32Array(g.cellCount);
  g.forCells((i, j, k, idx) => {
    if (!isSolid(g, solidPhi, i, j, k)) { out[idx] = phiIn[idx]; return; }
    let sum = 0, count = 0;
    for (let axis = 0; axis < 3; axis++) {
      const e = axisVec(axis);
      for (const s of [-1, 1]) {
        const n = [i + s * e[0], j + s * e[1], k + s * e[2]];
        if (!g.inGrid(n[0], n[1], n[2]) || isSolid(g, solidPhi, n[0], n[1], n[2])) continue;
        sum += phiIn[g.cell(n[0], n[1], n[2])];
        count++;
      }
    }
    out[idx] = count > 0 ? sum / count : g.p.bandWidth;
  });
  return out;
}

/** The whole redistancing pass as RedistancePass runs it. */
export function redistance(g: ReferenceGrid, phiIn: Float32Array, solidPhi: Float32Array, sweeps: number): Float32Array {
  const [init, frozen] = redistanceInit(g, phiIn, solidPhi);
  let phi = init;
  for (let s = 0; s < sweeps; s++) phi = redistanceSweep(g, phi, frozen, solidPhi);
  return extendIntoSolids(g, phi, solidPhi);
}
