import type { Vec3 } from '../scene/scene-description';
import { shapeDistance, type GpuShape } from '../solver/shape-packing';
import type { ReferenceGrid } from './reference-grid';

/** Mirror of shaders/solver/shapes.wgsl, boundary.wgsl and forces.wgsl. */
const SOLID_NONE = 1e6;

function nearest(shapes: GpuShape[], p: Vec3): { index: number; distance: number } {
  let best = { index: -1, distance: SOLID_NONE };
  shapes.forEach((s, n) => {
    const d = shapeDistance(s, p);
    if (d < best.distance) best = { index: n, distance: d };
  });
  return best;
}

function cellCenter(g: ReferenceGrid, i: number, j: number, k: number): Vec3 {
  return [(i + 0.5) * g.h, (j + 0.5) * g.h, (k + 0.5) * g.h];
}

function facePosition(g: ReferenceGrid, axis: number, i: number, j: number, k: number): Vec3 {
  return [(i + (axis === 0 ? 0 : 0.5)) * g.h, (j + (axis === 1 ? 0 : 0.5)) * g.h, (k + (axis === 2 ? 0 : 0.5)) * g.h];
}

/** rasterizeObstacles: the solid level set. */
export function rasterizeObstacles(g: ReferenceGrid): Float32Array {
  const out = new Float32Array(g.cellCount);
  g.forCells((i, j, k, idx) => { out[idx] = nearest(g.p.obstacles, cellCenter(g, i, j, k)).distance; });
  return out;
}

/** initLiquid: level set and velocity of the initial liquid shapes. */
export function initLiquid(g: ReferenceGrid, solidPhi: Float32Array): { phi: Float32Array; velocity: Float32Array } {
  const phi = new Float32Array(g.cellCount);
  const velocity = new Float32Array(g.faceCount);
  const band = g.p.bandWidth;
  g.forCells((i, j, k, idx) => {
    const d = nearest(g.p.liquid, cellCenter(g, i, j, k)).distance;
    phi[idx] = solidPhi[idx] < 0 ? band : Math.min(Math.max(d, -band), band);
  });
  g.forFaces((axis, i, j, k, idx) => {
    const n = nearest(g.p.liquid, facePosition(g, axis, i, j, k));
    velocity[idx] = n.distance < 0 ? g.p.liquid[n.index].linearVelocity[axis] : 0;
  });
  return { phi, velocity };
}

/** emitLiquid, in place. */
export function emitLiquid(g: ReferenceGrid, phi: Float32Array, solidPhi: Float32Array, velocity: Float32Array): void {
  g.forCells((i, j, k, idx) => {
    if (solidPhi[idx] >= 0) phi[idx] = Math.min(phi[idx], nearest(g.p.emitters, cellCenter(g, i, j, k)).distance);
  });
  g.forFaces((axis, i, j, k, idx) => {
    const n = nearest(g.p.emitters, facePosition(g, axis, i, j, k));
    if (n.distance < 0) velocity[idx] = g.p.emitters[n.index].linearVelocity[axis];
  });
}

/** drainSinks, in place. */
export function drainSinks(g: ReferenceGrid, phi: Float32Array): void {
  g.forCells((i, j, k, idx) => { phi[idx] = Math.max(phi[idx], -nearest(g.p.sinks, cellCenter(g, i, j, k)).distance); });
}

/** enforceSolidVelocity, in place. */
export function enforceSolidVelocity(g: ReferenceGrid, solidPhi: Float32Array, velocity: Float32Array): void {
  const n = g.dims;
  g.forFaces((axis, i, j, k, idx) => {
    const f = [i, j, k];
    if (f[axis] === 0 || f[axis] === n[axis]) { velocity[idx] = 0; return; }
    const a = [...f]; a[axis] -= 1;
    if (solidPhi[g.cell(a[0], a[1], a[2])] < 0 || solidPhi[g.cell(i, j, k)] < 0) {
      const p = facePosition(g, axis, i, j, k);
      const near = nearest(g.p.obstacles, p);
      if (near.index < 0) { velocity[idx] = 0; return; }
      const s = g.p.obstacles[near.index];
      const r: Vec3 = [p[0] - s.center[0], p[1] - s.center[1], p[2] - s.center[2]];
      const w = s.angularVelocity;
      const v: Vec3 = [
        s.linearVelocity[0] + w[1] * r[2] - w[2] * r[1],
        s.linearVelocity[1] + w[2] * r[0] - w[0] * r[2],
        s.linearVelocity[2] + w[0] * r[1] - w[1] * r[0],
      ];
      velocity[idx] = v[axis];
    }
  });
}

/** addGravity, in place. */
export function addGravity(g: ReferenceGrid, phi: Float32Array, solidPhi: Float32Array, velocity: Float32Array): void {
  const n = g.dims;
  const liquid = (i: number, j: number, k: number) => { const c = g.cell(i, j, k); return phi[c] < 0 && solidPhi[c] >= 0; };
  g.forFaces((axis, i, j, k, idx) => {
    const f = [i, j, k];
    if (f[axis] === 0 || f[axis] === n[axis]) return;
    const a = [...f]; a[axis] -= 1;
    if (liquid(a[0], a[1], a[2]) || liquid(i, j, k)) velocity[idx] += g.p.gravity[axis] * g.p.dt;
  });
}
