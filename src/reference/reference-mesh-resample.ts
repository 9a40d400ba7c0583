import type { MeshColliderInstance } from '../colliders/mesh-resample-pass';
import { rotateByQuaternion } from '../solver/shape-packing';
import type { ReferenceGrid } from './reference-grid';

/** Mirror of sampleSdf (shaders/colliders/mesh-resample.wgsl): trilinear within the SDF's grid, a lower bound beyond it. */
export function sampleSdf(m: MeshColliderInstance, atlas: ArrayLike<number>, local: readonly number[]): number {
  const g = [0, 1, 2].map((a) => (local[a] - m.sdfOrigin[a]) / m.voxelSize - 0.5);
  const top = m.sdfDims.map((d) => d - 1);
  const gc = g.map((x, a) => Math.min(Math.max(x, 0), top[a]));
  const beyond = Math.hypot(g[0] - gc[0], g[1] - gc[1], g[2] - gc[2]) * m.voxelSize;
  const base = gc.map((x, a) => Math.min(Math.floor(x), top[a] - 1));
  const t = gc.map((x, a) => x - base[a]);
  const at = (i: number, j: number, k: number) => atlas[m.atlasOffset + i + m.sdfDims[0] * (j + m.sdfDims[1] * k)];
  const [i0, j0, k0] = base;
  const mix = (a: number, b: number, s: number) => a + (b - a) * s;
  const a = mix(mix(at(i0, j0, k0), at(i0 + 1, j0, k0), t[0]), mix(at(i0, j0 + 1, k0), at(i0 + 1, j0 + 1, k0), t[0]), t[1]);
  const b = mix(mix(at(i0, j0, k0 + 1), at(i0 + 1, j0, k0 + 1), t[0]), mix(at(i0, j0 + 1, k0 + 1), at(i0 + 1, j0 + 1, k0 + 1), t[0]), t[1]);
  const sampled = mix(a, b, t[2]);
  if (beyond === 0) return sampled;
  const toBounds = Math.hypot(...[0, 1, 2].map((k) => local[k] - Math.min(Math.max(local[k], m.boundsMin[k]), m.boundsMax[k])));
  return Math.max(toBounds, sampled - beyond);
}

/** Mirror of colliderDistance: the signed distance (grid metres) from grid point p to collider m. */
export function colliderDistance(m: MeshColliderInstance, atlas: ArrayLike<number>, p: readonly number[]): number {
  const q = m.rotation;
  const r = rotateByQuaternion([-q[0], -q[1], -q[2], q[3]], [p[0] - m.translation[0], p[1] - m.translation[1], p[2] - m.translation[2]]);
  const local = [r[0] * m.inverseScale[0], r[1] * m.inverseScale[1], r[2] * m.inverseScale[2]];
  let d = sampleSdf(m, atlas, local) * m.distanceScale;
  if (m.thickness > 0) d = Math.min(d, Math.abs(d) - 0.5 * m.thickness);
  return d;
}

/**
 * resampleMeshColliders, in place: every cell in a collider's cell box keeps the smaller of its
 * solid distance and the collider's, and the collider's solid id where that is negative.
 */
export function resampleMeshColliders(g: ReferenceGrid, instances: readonly MeshColliderInstance[], atlas: ArrayLike<number>,
  solidPhi: Float32Array, solidId: Uint32Array): void {
  g.forCells((i, j, k, idx) => {
    let best = solidPhi[idx];
    let id = solidId[idx];
    const c = [i, j, k];
    const p = [(i + 0.5) * g.h, (j + 0.5) * g.h, (k + 0.5) * g.h];
    for (const m of instances) {
      if (c.some((x, a) => x < m.cellMin[a] || x > m.cellMax[a])) continue;
      const d = colliderDistance(m, atlas, p);
      if (d < best) {
        best = d;
        id = d < 0 ? m.solidIndex + 1 : 0;
      }
    }
    solidPhi[idx] = best;
    solidId[idx] = id;
  });
}
