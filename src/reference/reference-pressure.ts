import type { Vec3 } from '../scene/scene-description';
import { axisVec, type ReferenceGrid } from './reference-grid';

/** Mirror of shaders/solver/hydrostatic.wgsl, pressure-system.wgsl, pressure-jacobi.wgsl, project.wgsl, extrapolate.wgsl. */

function samplePhi(g: ReferenceGrid, phi: Float32Array, p: Vec3): number {
  const base: number[] = [], t: number[] = [];
  for (let a = 0; a < 3; a++) {
    const x = p[a] / g.h - 0.5;
    const f = Math.floor(x);
    base.push(f);
    t.push(x - f);
  }
  let acc = 0;
  for (let n = 0; n < 8; n++) {
    const c = [n & 1, (n >> 1) & 1, (n >> 2) & 1];
    const w = (c[0] ? t[0] : 1 - t[0]) * (c[1] ? t[1] : 1 - t[1]) * (c[2] ? t[2] : 1 - t[2]);
    const ci = [0, 1, 2].map((a) => Math.min(Math.max(base[a] + c[a], 0), g.dims[a] - 1));
    acc += w * phi[g.cell(ci[0], ci[1], ci[2])];
  }
  return acc;
}

function insideFluidDomain(g: ReferenceGrid, solidPhi: Float32Array, p: Vec3): boolean {
  for (let a = 0; a < 3; a++) if (p[a] < 0 || p[a] > g.dims[a] * g.h) return false;
  const c = [0, 1, 2].map((a) => Math.min(Math.max(Math.floor(p[a] / g.h), 0), g.dims[a] - 1));
  return solidPhi[g.cell(c[0], c[1], c[2])] >= 0;
}

/** hydrostaticPressure. */
export function hydrostaticPressure(g: ReferenceGrid, phi: Float32Array, solidPhi: Float32Array): Float32Array {
  const out = new Float32Array(g.cellCount);
  const gm = Math.hypot(...g.p.gravity);
  g.forCells((i, j, k, idx) => {
    if (phi[idx] >= 0 || solidPhi[idx] < 0 || gm < 1e-6) return;
    const up = g.p.gravity.map((v) => -v / gm);
    const origin: Vec3 = [(i + 0.5) * g.h, (j + 0.5) * g.h, (k + 0.5) * g.h];
    const at = (d: number): Vec3 => [origin[0] + up[0] * d, origin[1] + up[1] * d, origin[2] + up[2] * d];
    const maxDepth = Math.hypot(...g.dims) * g.h;
    const minStep = 0.25 * g.h;
    let depth = 0;
    let value = phi[idx];
    for (let n = 0; n < 1024; n++) {
      const stepLength = Math.max(-value, minStep);
      if (!insideFluidDomain(g, solidPhi, at(depth + stepLength))) {
        let lo = 0, hi = stepLength;
        for (let b = 0; b < 8; b++) {
          const mid = 0.5 * (lo + hi);
          if (insideFluidDomain(g, solidPhi, at(depth + mid))) lo = mid; else hi = mid;
        }
        depth += lo;
        break;
      }
      const next = samplePhi(g, phi, at(depth + stepLength));
      if (next >= 0) { depth += (stepLength * -value) / (next - value); break; }
      depth += stepLength;
      value = next;
      if (depth > maxDepth) break;
    }
    out[idx] = g.p.density * gm * depth;
  });
  return out;
}

/** The assembled system: per cell [1/diag, b/diag, mask, diag]. */
export function buildPressureSystem(g: ReferenceGrid, phi: Float32Array, solidPhi: Float32Array, velocity: Float32Array,
  hydrostatic: Float32Array, pressure: Float32Array): { system: Float32Array; pressure: Float32Array } {
  const system = new Float32Array(g.cellCount * 4);
  const p = Float32Array.from(pressure);
  const liquid = (i: number, j: number, k: number) => { const c = g.cell(i, j, k); return phi[c] < 0 && solidPhi[c] >= 0; };
  g.forCells((i, j, k, idx) => {
    if (!liquid(i, j, k)) { p[idx] = 0; return; }
    let diag = 0, mask = 0, outflow = 0;
    for (let axis = 0; axis < 3; axis++) {
      const e = axisVec(axis);
      outflow += velocity[g.face(axis, i + e[0], j + e[1], k + e[2])] - velocity[g.face(axis, i, j, k)];
      for (let side = 0; side < 2; side++) {
        const s = side === 1 ? 1 : -1;
        const n = [i + s * e[0], j + s * e[1], k + s * e[2]];
        if (!g.inGrid(n[0], n[1], n[2]) || solidPhi[g.cell(n[0], n[1], n[2])] < 0) continue;
        if (liquid(n[0], n[1], n[2])) { diag += 1; mask |= 1 << (axis * 2 + side); } else diag += 1 / g.ghostTheta(phi[idx], phi[g.cell(n[0], n[1], n[2])]);
      }
    }
    if (diag === 0) { p[idx] = 0; return; }
    const b = (-g.p.density * g.h / g.p.dt) * outflow;
    system.set([1 / diag, b / diag, mask, diag], idx * 4);
    if (p[idx] === 0) p[idx] = hydrostatic[idx];
  });
  return { system, pressure: p };
}

function neighbourSum(g: ReferenceGrid, p: Float32Array, idx: number, mask: number): number {
  const strides = [-1, 1, -g.nx, g.nx, -g.nx * g.ny, g.nx * g.ny];
  let sum = 0;
  for (let b = 0; b < 6; b++) if (mask & (1 << b)) sum += p[idx + strides[b]];
  return sum;
}

/** One weighted-Jacobi iteration. */
export function pressureJacobi(g: ReferenceGrid, system: Float32Array, pIn: Float32Array): Float32Array {
  const out = new Float32Array(g.cellCount);
  for (let idx = 0; idx < g.cellCount; idx++) {
    const [invDiag, bScaled, mask, diag] = system.subarray(idx * 4, idx * 4 + 4);
    if (diag === 0) continue;
    const pNew = invDiag * neighbourSum(g, pIn, idx, mask) + bScaled;
    out[idx] = pIn[idx] + g.p.jacobiOmega * (pNew - pIn[idx]);
  }
  return out;
}

/** Residual norms: sum r^2, sum b^2, liquid cells (as residualPartial + residualCheck sum them). */
export function pressureResidual(g: ReferenceGrid, system: Float32Array, p: Float32Array): { r2: number; b2: number; cells: number } {
  let r2 = 0, b2 = 0, cells = 0;
  for (let idx = 0; idx < g.cellCount; idx++) {
    const [invDiag, bScaled, mask, diag] = system.subarray(idx * 4, idx * 4 + 4);
    if (diag === 0) continue;
    const r = diag * (invDiag * neighbourSum(g, p, idx, mask) + bScaled - p[idx]);
    const b = bScaled * diag;
    r2 += r * r; b2 += b * b; cells++;
  }
  return { r2, b2, cells };
}

/** projectVelocity: returns the new velocity and the face validity. */
export function projectVelocity(g: ReferenceGrid, phi: Float32Array, solidPhi: Float32Array, pressure: Float32Array,
  velocityIn: Float32Array): { velocity: Float32Array; valid: Uint32Array } {
  const velocity = Float32Array.from(velocityIn);
  const valid = new Uint32Array(g.faceCount);
  const scale = g.p.dt / (g.p.density * g.h);
  const n = g.dims;
  g.forFaces((axis, i, j, k, fi) => {
    const f = [i, j, k];
    if (f[axis] === 0 || f[axis] === n[axis]) { valid[fi] = 1; return; }
    const a = [...f]; a[axis] -= 1;
    const ia = g.cell(a[0], a[1], a[2]);
    const ib = g.cell(i, j, k);
    if (solidPhi[ia] < 0 || solidPhi[ib] < 0) { valid[fi] = 1; return; }
    const la = phi[ia] < 0, lb = phi[ib] < 0;
    if (!la && !lb) return;
    let pa = pressure[ia], pb = pressure[ib];
    if (!la) pa = pb * (1 - 1 / g.ghostTheta(phi[ib], phi[ia]));
    if (!lb) pb = pa * (1 - 1 / g.ghostTheta(phi[ia], phi[ib]));
    velocity[fi] -= scale * (pb - pa);
    valid[fi] = 1;
  });
  return { velocity, valid };
}

/** One extrapolation layer. */
export function extrapolateVelocity(g: ReferenceGrid, velocityIn: Float32Array, validIn: Uint32Array): { velocity: Float32Array; valid: Uint32Array } {
  const velocity = new Float32Array(g.faceCount);
  const valid = new Uint32Array(g.faceCount);
  g.forFaces((axis, i, j, k, fi) => {
    if (validIn[fi]) { velocity[fi] = velocityIn[fi]; valid[fi] = 1; return; }
    const fd = g.faceDims(axis);
    let sum = 0, count = 0;
    for (let dir = 0; dir < 3; dir++) {
      const e = axisVec(dir);
      for (const s of [-1, 1]) {
        const nb = [i + s * e[0], j + s * e[1], k + s * e[2]];
        if (nb.some((v, a) => v < 0 || v >= fd[a])) continue;
        const ni = g.face(axis, nb[0], nb[1], nb[2]);
        if (validIn[ni]) { sum += velocityIn[ni]; count++; }
      }
    }
    if (count > 0) { velocity[fi] = sum / count; valid[fi] = 1; }
  });
  return { velocity, valid };
}
