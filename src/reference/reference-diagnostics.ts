import { axisVec, type ReferenceGrid } from './reference-grid';

/** Mirror of shaders/solver/diagnostics.wgsl and sanitize.wgsl. */

function smoothHeaviside(g: ReferenceGrid, x: number): number {
  const eps = 1.5 * g.h;
  if (x <= -eps) return 0;
  if (x >= eps) return 1;
  return 0.5 * (1 + x / eps + Math.sin((Math.PI * x) / eps) / Math.PI);
}

function smoothDelta(g: ReferenceGrid, x: number): number {
  const eps = 1.5 * g.h;
  if (Math.abs(x) >= eps) return 0;
  return (0.5 / eps) * (1 + Math.cos((Math.PI * x) / eps));
}

/** measureState + finishStats: [volume, area, liquidCells, sum div^2, max |div|, max speed, non-finite, kinetic energy]. */
export function measureState(g: ReferenceGrid, phi: Float32Array, solidPhi: Float32Array, velocity: Float32Array, full = true): number[] {
  const s = [0, 0, 0, 0, 0, 0, 0, 0];
  const cellVolume = g.h ** 3;
  g.forCells((i, j, k, idx) => {
    const p = phi[idx];
    if (!Number.isFinite(p)) { s[6] += 1; return; }
    if (solidPhi[idx] < 0) return;
    s[0] += smoothHeaviside(g, -p) * cellVolume;
    s[1] += smoothDelta(g, p) * cellVolume;
    if (!full || p >= 0) return;
    let outflow = 0;
    const centre = [0, 0, 0];
    for (let axis = 0; axis < 3; axis++) {
      const e = axisVec(axis);
      const lo = velocity[g.face(axis, i, j, k)];
      const hi = velocity[g.face(axis, i + e[0], j + e[1], k + e[2])];
      outflow += hi - lo;
      centre[axis] = 0.5 * (lo + hi);
    }
    const div = outflow / g.h;
    const speed = Math.hypot(...centre);
    if (!Number.isFinite(div) || !Number.isFinite(speed)) { s[6] += 1; return; }
    s[2] += 1;
    s[3] += div * div;
    s[4] = Math.max(s[4], Math.abs(div));
    s[5] = Math.max(s[5], speed);
    s[7] += 0.5 * g.p.density * speed * speed * cellVolume;
  });
  return s;
}

/** volumeComputeShift: the level-set shift that moves the volume to `target`. */
export function volumeShift(g: ReferenceGrid, volume: number, area: number, target: number): number {
  const s = (volume - target) / Math.max(area, 1e-12);
  const limit = 0.5 * g.h;
  return Number.isFinite(s) && area > 1e-12 ? Math.min(limit, Math.max(-limit, s)) : 0;
}

/** sanitizeState, in place: returns repaired counts [levelset, velocity, pressure]. */
export function sanitizeState(g: ReferenceGrid, phi: Float32Array, velocity: Float32Array, pressure: Float32Array): [number, number, number] {
  const counts: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < g.cellCount; i++) {
    if (!Number.isFinite(phi[i])) { phi[i] = g.p.bandWidth; counts[0]++; }
    if (!Number.isFinite(pressure[i])) { pressure[i] = 0; counts[2]++; }
  }
  for (let i = 0; i < g.faceCount; i++) if (!Number.isFinite(velocity[i])) { velocity[i] = 0; counts[1]++; }
  return counts;
}
