import type { ColliderMesh } from '../colliders/collider-mesh';
import { SDF_BAND_VOXELS, SDF_SWEEP_ROUNDS, sdfGridLayout, sdfTriangles, TRIANGLE_FLOATS, type SdfGridLayout, type SdfTriangles } from '../colliders/sdf-grid';

/**
 * CPU mirror of shaders/colliders/mesh-sdf.wgsl, one function per kernel, in float64 on the
 * same float32 triangle coordinates the GPU reads. Voxel coordinates throughout: voxel
 * (i, j, k) is centred at (i + 0.5, j + 0.5, k + 0.5); distances are in voxels until writeSdf.
 */

/** No triangle near this voxel yet. */
export const NEAREST_NONE = 0xffffffff;
/** Low bits of a packed nearest entry: the triangle index. */
export const INDEX_BITS = 17;
export const INDEX_MASK = (1 << INDEX_BITS) - 1;
/** High 15 bits: the distance quantized over the band, this level for voxels outside the band. */
export const FAR_LEVEL = 0x7fff;

type Tri = Float32Array;

function corner(t: Tri, tri: number, v: number): [number, number, number] {
  const o = tri * TRIANGLE_FLOATS + v * 4;
  return [t[o], t[o + 1], t[o + 2]];
}

const sub = (a: number[], b: number[]) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: number[], b: number[]) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/** Closest point of triangle abc to p (Ericson, Real-Time Collision Detection 5.1.5), by Voronoi region. */
export function closestPointOnTriangle(p: number[], a: number[], b: number[], c: number[]): number[] {
  const ab = sub(b, a), ac = sub(c, a), ap = sub(p, a);
  const d1 = dot(ab, ap), d2 = dot(ac, ap);
  if (d1 <= 0 && d2 <= 0) return a;
  const bp = sub(p, b);
  const d3 = dot(ab, bp), d4 = dot(ac, bp);
  if (d3 >= 0 && d4 <= d3) return b;
  const vc = d1 * d4 - d3 * d2;
  if (vc <= 0 && d1 >= 0 && d3 <= 0) { const v = d1 / (d1 - d3); return [a[0] + v * ab[0], a[1] + v * ab[1], a[2] + v * ab[2]]; }
  const cp = sub(p, c);
  const d5 = dot(ab, cp), d6 = dot(ac, cp);
  if (d6 >= 0 && d5 <= d6) return c;
  const vb = d5 * d2 - d1 * d6;
  if (vb <= 0 && d2 >= 0 && d6 <= 0) { const w = d2 / (d2 - d6); return [a[0] + w * ac[0], a[1] + w * ac[1], a[2] + w * ac[2]]; }
  const va = d3 * d6 - d5 * d4;
  if (va <= 0 && d4 - d3 >= 0 && d5 - d6 >= 0) {
    const w = (d4 - d3) / (d4 - d3 + (d5 - d6));
    return [b[0] + w * (c[0] - b[0]), b[1] + w * (c[1] - b[1]), b[2] + w * (c[2] - b[2])];
  }
  const denom = 1 / (va + vb + vc);
  const v = vb * denom, w = vc * denom;
  return [a[0] + ab[0] * v + ac[0] * w, a[1] + ab[1] * v + ac[1] * w, a[2] + ab[2] * v + ac[2] * w];
}

/** Distance from p to triangle `tri` of a triangle buffer. */
export function triangleDistance(tris: Tri, tri: number, p: number[]): number {
  const q = closestPointOnTriangle(p, corner(tris, tri, 0), corner(tris, tri, 1), corner(tris, tri, 2));
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

function voxelIndex(l: SdfGridLayout, i: number, j: number, k: number): number {
  return i + l.dims[0] * (j + l.dims[1] * k);
}

/** clearVoxels: no nearest triangle, no crossings. */
export function clearVoxels(l: SdfGridLayout): { nearest: Uint32Array; crossings: Int32Array } {
  return { nearest: new Uint32Array(l.voxelCount).fill(NEAREST_NONE), crossings: new Int32Array(3 * l.voxelCount) };
}

/**
 * splatDistances: each triangle visits the voxels of its box grown by the band and keeps, per
 * voxel, the minimum of (distance quantized over the band << 17 | triangle index).
 */
export function splatDistances(l: SdfGridLayout, tris: Tri, count: number, nearest: Uint32Array, band = SDF_BAND_VOXELS): void {
  for (let t = 0; t < count; t++) {
    const a = corner(tris, t, 0), b = corner(tris, t, 1), c = corner(tris, t, 2);
    const lo = [0, 1, 2].map((k) => Math.max(Math.ceil(Math.min(a[k], b[k], c[k]) - band - 0.5), 0));
    const hi = [0, 1, 2].map((k) => Math.min(Math.floor(Math.max(a[k], b[k], c[k]) + band - 0.5), l.dims[k] - 1));
    const n = cross(sub(b, a), sub(c, a));
    const len = Math.hypot(n[0], n[1], n[2]);
    const nh = [n[0] / len, n[1] / len, n[2] / len];
    for (let k = lo[2]; k <= hi[2]; k++) {
      for (let j = lo[1]; j <= hi[1]; j++) {
        for (let i = lo[0]; i <= hi[0]; i++) {
          const p = [i + 0.5, j + 0.5, k + 0.5];
          if (Math.abs(dot(nh, sub(p, a))) >= band) continue;
          const d = triangleDistance(tris, t, p);
          if (!(d < band)) continue;
          const q = Math.min(Math.floor((d / band) * 32767), 32766);
          const packed = ((q << INDEX_BITS) | t) >>> 0;
          const v = voxelIndex(l, i, j, k);
          if (packed < nearest[v]) nearest[v] = packed;
        }
      }
    }
  }
}

/**
 * The edge function of p0 -> p1 at q, always computed from the lexicographically smaller end so
 * that two triangles sharing the edge get exactly opposite values.
 */
export function canonicalEdge(p0: number[], p1: number[], q: number[]): number {
  const swap = p1[0] < p0[0] || (p1[0] === p0[0] && p1[1] < p0[1]);
  const a = swap ? p1 : p0, b = swap ? p0 : p1;
  const w = (b[0] - a[0]) * (q[1] - a[1]) - (b[1] - a[1]) * (q[0] - a[0]);
  return swap ? -w : w;
}

/** The top-left fill rule for an edge direction of a counter-clockwise triangle: owns points exactly on it. */
export function ownsEdge(d: number[]): boolean {
  return d[1] < 0 || (d[1] === 0 && d[0] > 0);
}

/**
 * countCrossings: for each axis a, every grid line along a through voxel centres that crosses a
 * triangle gets +1 (entering: the triangle's normal points against the line) or -1 (leaving)
 * at the first voxel whose centre lies past the crossing.
 */
export function countCrossings(l: SdfGridLayout, tris: Tri, count: number, crossings: Int32Array): void {
  for (let t = 0; t < count; t++) {
    const A = corner(tris, t, 0), B = corner(tris, t, 1), C = corner(tris, t, 2);
    for (let axis = 0; axis < 3; axis++) crossTriangleAlong(l, A, B, C, axis, crossings);
  }
}

function crossTriangleAlong(l: SdfGridLayout, A: number[], B: number[], C: number[], axis: number, crossings: Int32Array): void {
  const u = (axis + 1) % 3, v = (axis + 2) % 3;
  const a2 = [A[u], A[v]], b2 = [B[u], B[v]], c2 = [C[u], C[v]];
  const area = (b2[0] - a2[0]) * (c2[1] - a2[1]) - (b2[1] - a2[1]) * (c2[0] - a2[0]);
  if (area === 0) return;
  const s = area > 0 ? 1 : -1;
  const loU = Math.max(Math.ceil(Math.min(a2[0], b2[0], c2[0]) - 0.5), 0);
  const hiU = Math.min(Math.floor(Math.max(a2[0], b2[0], c2[0]) - 0.5), l.dims[u] - 1);
  const loV = Math.max(Math.ceil(Math.min(a2[1], b2[1], c2[1]) - 0.5), 0);
  const hiV = Math.min(Math.floor(Math.max(a2[1], b2[1], c2[1]) - 0.5), l.dims[v] - 1);
  const dirBC = [s * (c2[0] - b2[0]), s * (c2[1] - b2[1])];
  const dirCA = [s * (a2[0] - c2[0]), s * (a2[1] - c2[1])];
  const dirAB = [s * (b2[0] - a2[0]), s * (b2[1] - a2[1])];
  for (let jv = loV; jv <= hiV; jv++) {
    for (let ju = loU; ju <= hiU; ju++) {
      const q = [ju + 0.5, jv + 0.5];
      const w0 = s * canonicalEdge(b2, c2, q), w1 = s * canonicalEdge(c2, a2, q), w2 = s * canonicalEdge(a2, b2, q);
      const inside = (w0 > 0 || (w0 === 0 && ownsEdge(dirBC))) && (w1 > 0 || (w1 === 0 && ownsEdge(dirCA))) && (w2 > 0 || (w2 === 0 && ownsEdge(dirAB)));
      const sum = w0 + w1 + w2;
      if (!inside || !(sum > 0)) continue;
      const t = (w0 * A[axis] + w1 * B[axis] + w2 * C[axis]) / sum;
      const k = Math.max(Math.ceil(t - 0.5), 0);
      if (k >= l.dims[axis]) continue;
      const pos = [0, 0, 0];
      pos[axis] = k; pos[u] = ju; pos[v] = jv;
      // Entering a solid whose normals point out: the normal's axis component (the projected area) is negative.
      crossings[axis * l.voxelCount + voxelIndex(l, pos[0], pos[1], pos[2])] -= s;
    }
  }
}

/** Calls fn(index of step s) for the voxels of every line along `axis`, line by line. */
function forLines(l: SdfGridLayout, axis: number, fn: (at: (s: number) => number, length: number, centre: (s: number) => number[]) => void): void {
  const u = (axis + 1) % 3, v = (axis + 2) % 3;
  for (let jv = 0; jv < l.dims[v]; jv++) {
    for (let ju = 0; ju < l.dims[u]; ju++) {
      const cell = (s: number) => { const p = [0, 0, 0]; p[axis] = s; p[u] = ju; p[v] = jv; return p; };
      fn((s) => { const p = cell(s); return voxelIndex(l, p[0], p[1], p[2]); }, l.dims[axis], (s) => cell(s).map((x) => x + 0.5));
    }
  }
}

/**
 * accumulateCrossings (x, y, z): the prefix sum along each line turns crossings into winding
 * numbers (stored clamped to +-511, the GPU's 10-bit fields).
 */
export function accumulateCrossings(l: SdfGridLayout, crossings: Int32Array): void {
  for (let axis = 0; axis < 3; axis++) {
    const base = axis * l.voxelCount;
    forLines(l, axis, (at, n) => {
      let sum = 0;
      for (let s = 0; s < n; s++) { sum += crossings[base + at(s)]; crossings[base + at(s)] = Math.max(-511, Math.min(511, sum)); }
    });
  }
}

/**
 * sweepNearest (x, y, z): voxels outside the band take, along each line forward then backward,
 * the nearer of their own candidate triangle and the one carried from the previous voxel.
 */
export function sweepNearest(l: SdfGridLayout, tris: Tri, nearest: Uint32Array): void {
  for (let axis = 0; axis < 3; axis++) {
    forLines(l, axis, (at, n, centre) => {
      for (const dir of [1, -1]) {
        let carry = -1;
        for (let m = 0; m < n; m++) {
          const s = dir > 0 ? m : n - 1 - m;
          const v = at(s);
          const own = nearest[v];
          if (own !== NEAREST_NONE && own >>> INDEX_BITS < FAR_LEVEL) { carry = own & INDEX_MASK; continue; }
          if (carry < 0) { if (own !== NEAREST_NONE) carry = own & INDEX_MASK; continue; }
          if (own !== NEAREST_NONE) {
            const mine = own & INDEX_MASK;
            const p = centre(s);
            if (mine === carry || triangleDistance(tris, mine, p) <= triangleDistance(tris, carry, p)) { carry = mine; continue; }
          }
          nearest[v] = ((FAR_LEVEL << INDEX_BITS) | carry) >>> 0;
        }
      }
    });
  }
}

/**
 * writeSdf: |distance| to the voxel's nearest triangle (local metres), negative where at least
 * two of the three axes' winding numbers are non-zero.
 */
export function writeSdf(l: SdfGridLayout, tris: Tri, nearest: Uint32Array, winding: Int32Array): Float32Array {
  const out = new Float32Array(l.voxelCount);
  for (let k = 0; k < l.dims[2]; k++) {
    for (let j = 0; j < l.dims[1]; j++) {
      for (let i = 0; i < l.dims[0]; i++) {
        const v = voxelIndex(l, i, j, k);
        const own = nearest[v];
        const d = own === NEAREST_NONE ? 3e38 : triangleDistance(tris, own & INDEX_MASK, [i + 0.5, j + 0.5, k + 0.5]) * l.voxelSize;
        const votes = (winding[v] !== 0 ? 1 : 0) + (winding[l.voxelCount + v] !== 0 ? 1 : 0) + (winding[2 * l.voxelCount + v] !== 0 ? 1 : 0);
        out[v] = votes >= 2 ? -d : d;
      }
    }
  }
  return out;
}

/** The whole build, kernel by kernel: the signed distance field of `mesh` at `resolution`. */
export function voxelizeMesh(mesh: ColliderMesh, resolution: number, pad?: [number, number, number]): {
  layout: SdfGridLayout; triangles: SdfTriangles; sdf: Float32Array; nearest: Uint32Array; winding: Int32Array;
} {
  const layout = sdfGridLayout(mesh.bounds, resolution, pad);
  const triangles = sdfTriangles(mesh, layout);
  const { nearest, crossings } = clearVoxels(layout);
  splatDistances(layout, triangles.splat, triangles.splatCount, nearest);
  countCrossings(layout, triangles.crossing, triangles.crossingCount, crossings);
  accumulateCrossings(layout, crossings);
  for (let round = 0; round < SDF_SWEEP_ROUNDS; round++) sweepNearest(layout, triangles.splat, nearest);
  const sdf = writeSdf(layout, triangles.splat, nearest, crossings);
  return { layout, triangles, sdf, nearest, winding: crossings };
}

/**
 * The generalized winding number of a closed mesh at p (its own frame): 1 inside, 0 outside
 * (Jacobson et al. 2013, the sum of the triangles' signed solid angles over 4 pi). O(triangles);
 * the tests' ground truth for the sign.
 */
export function generalizedWindingNumber(mesh: ColliderMesh, p: number[]): number {
  const { positions: x, indices } = mesh;
  let sum = 0;
  for (let t = 0; t < indices.length; t += 3) {
    const a = sub([x[3 * indices[t]], x[3 * indices[t] + 1], x[3 * indices[t] + 2]], p);
    const b = sub([x[3 * indices[t + 1]], x[3 * indices[t + 1] + 1], x[3 * indices[t + 1] + 2]], p);
    const c = sub([x[3 * indices[t + 2]], x[3 * indices[t + 2] + 1], x[3 * indices[t + 2] + 2]], p);
    const la = Math.hypot(...a), lb = Math.hypot(...b), lc = Math.hypot(...c);
    const num = dot(a, cross(b, c));
    const den = la * lb * lc + dot(a, b) * lc + dot(b, c) * la + dot(c, a) * lb;
    sum += 2 * Math.atan2(num, den);
  }
  return sum / (4 * Math.PI);
}

/** The exact unsigned distance from p (mesh frame) to the mesh: the minimum over all triangles. */
export function meshDistance(mesh: ColliderMesh, p: number[]): number {
  const { positions: x, indices } = mesh;
  let best = Infinity;
  for (let t = 0; t < indices.length; t += 3) {
    const v = [0, 1, 2].map((n) => [x[3 * indices[t + n]], x[3 * indices[t + n] + 1], x[3 * indices[t + n] + 2]]);
    const q = closestPointOnTriangle(p, v[0], v[1], v[2]);
    best = Math.min(best, Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]));
  }
  return best;
}
