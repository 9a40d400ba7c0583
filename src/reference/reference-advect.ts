import type { Vec3 } from '../scene/scene-description';
import type { ReferenceGrid } from './reference-grid';

/** Mirror of shaders/solver/advect.wgsl. `kind` 0/1/2 = u/v/w faces, 3 = cell centres. */
interface Lattice { dims: Vec3; offset: Vec3; base: number }

function lattice(g: ReferenceGrid, kind: number): Lattice {
  if (kind === 0) return { dims: [g.nx + 1, g.ny, g.nz], offset: [0, 0.5, 0.5], base: 0 };
  if (kind === 1) return { dims: [g.nx, g.ny + 1, g.nz], offset: [0.5, 0, 0.5], base: g.uCount };
  if (kind === 2) return { dims: [g.nx, g.ny, g.nz + 1], offset: [0.5, 0.5, 0], base: g.uCount + g.vCount };
  return { dims: [g.nx, g.ny, g.nz], offset: [0.5, 0.5, 0.5], base: 0 };
}

function latticeIndex(l: Lattice, c: Vec3): number {
  return l.base + c[0] + l.dims[0] * (c[1] + l.dims[1] * c[2]);
}

interface Sampled { value: number; lo: number; hi: number }

function sample(g: ReferenceGrid, l: Lattice, field: Float32Array, p: Vec3): Sampled {
  const lo: number[] = [], hi: number[] = [], t: number[] = [];
  for (let a = 0; a < 3; a++) {
    const x = p[a] / g.h - l.offset[a];
    const f = Math.floor(x);
    lo.push(Math.min(Math.max(f, 0), l.dims[a] - 1));
    hi.push(Math.min(Math.max(f + 1, 0), l.dims[a] - 1));
    t.push(Math.min(1, Math.max(0, x - f)));
  }
  const v = (cx: number, cy: number, cz: number) => field[latticeIndex(l, [cx ? hi[0] : lo[0], cy ? hi[1] : lo[1], cz ? hi[2] : lo[2]])];
  const vals = [v(0, 0, 0), v(1, 0, 0), v(0, 1, 0), v(1, 1, 0), v(0, 0, 1), v(1, 0, 1), v(0, 1, 1), v(1, 1, 1)];
  // The range comes from corners that carry weight (as in advect.wgsl).
  const eps = 1e-4;
  const carries = (n: number) => [0, 1, 2].every((a) => ((n >> a) & 1 ? t[a] > eps : t[a] < 1 - eps));
  const weighted = vals.filter((_, n) => carries(n));
  const mix = (a: number, b: number, s: number) => a * (1 - s) + b * s;
  const a = mix(mix(vals[0], vals[1], t[0]), mix(vals[2], vals[3], t[0]), t[1]);
  const b = mix(mix(vals[4], vals[5], t[0]), mix(vals[6], vals[7], t[0]), t[1]);
  return { value: mix(a, b, t[2]), lo: Math.min(...weighted), hi: Math.max(...weighted) };
}

/** Trilinear velocity at p from the MAC grid. */
export function sampleVelocity(g: ReferenceGrid, velocity: Float32Array, p: Vec3): Vec3 {
  return [0, 1, 2].map((k) => sample(g, lattice(g, k), velocity, p).value) as Vec3;
}

function clampToDomain(g: ReferenceGrid, p: Vec3): Vec3 {
  return [Math.min(Math.max(p[0], 0), g.nx * g.h), Math.min(Math.max(p[1], 0), g.ny * g.h), Math.min(Math.max(p[2], 0), g.nz * g.h)];
}

/** RK2 trace (mirror of `trace`). */
export function trace(g: ReferenceGrid, velocity: Float32Array, p: Vec3, signedDt: number): Vec3 {
  const v0 = sampleVelocity(g, velocity, p);
  const mid = clampToDomain(g, [p[0] + 0.5 * signedDt * v0[0], p[1] + 0.5 * signedDt * v0[1], p[2] + 0.5 * signedDt * v0[2]]);
  const v1 = sampleVelocity(g, velocity, mid);
  return clampToDomain(g, [p[0] + signedDt * v1[0], p[1] + signedDt * v1[1], p[2] + signedDt * v1[2]]);
}

/** Buffers of one advection stage: A = field or hat, B = hat, C = bar (as in advect.wgsl). */
export interface AdvectInputs { velocity: Float32Array; A: Float32Array; B: Float32Array; C: Float32Array }

function advectAt(g: ReferenceGrid, kind: number, c: Vec3, stage: number, io: AdvectInputs, out: Float32Array): void {
  const l = lattice(g, kind);
  const idx = latticeIndex(l, c);
  const p: Vec3 = [(c[0] + l.offset[0]) * g.h, (c[1] + l.offset[1]) * g.h, (c[2] + l.offset[2]) * g.h];
  if (stage === 1) { out[idx] = sample(g, l, io.A, trace(g, io.velocity, p, g.p.dt)).value; return; }
  const back = sample(g, l, io.A, trace(g, io.velocity, p, -g.p.dt));
  if (stage === 0) { out[idx] = back.value; return; }
  const hat = io.B[idx];
  const corrected = hat + 0.5 * (io.A[idx] - io.C[idx]);
  out[idx] = Math.min(back.hi, Math.max(back.lo, corrected));
}

/** advectScalarForward/Backward/Correct (stage 0/1/2) over all cells. */
export function advectScalar(g: ReferenceGrid, stage: number, io: AdvectInputs, out = new Float32Array(g.cellCount)): Float32Array {
  g.forCells((i, j, k) => advectAt(g, 3, [i, j, k], stage, io, out));
  return out;
}

/** advectVelocityForward/Backward/Correct (stage 0/1/2) over all faces. */
export function advectVelocity(g: ReferenceGrid, stage: number, io: AdvectInputs, out = new Float32Array(g.faceCount)): Float32Array {
  g.forFaces((axis, i, j, k) => advectAt(g, axis, [i, j, k], stage, io, out));
  return out;
}

/** Full MacCormack of the level set: returns the advected field. */
export function maccormackScalar(g: ReferenceGrid, velocity: Float32Array, phi: Float32Array): Float32Array {
  const hat = advectScalar(g, 0, { velocity, A: phi, B: phi, C: phi });
  const bar = advectScalar(g, 1, { velocity, A: hat, B: hat, C: hat });
  return advectScalar(g, 2, { velocity, A: phi, B: hat, C: bar });
}

/** Full MacCormack of the velocity: returns the advected velocity. */
export function maccormackVelocity(g: ReferenceGrid, velocity: Float32Array): Float32Array {
  const hat = advectVelocity(g, 0, { velocity, A: velocity, B: velocity, C: velocity });
  const bar = advectVelocity(g, 1, { velocity, A: hat, B: hat, C: hat });
  return advectVelocity(g, 2, { velocity, A: velocity, B: hat, C: bar });
}
