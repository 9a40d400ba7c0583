import { motionOfShape, solidMotionVelocity, type SolidMotion } from '../colliders/solid-motion';
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

/** rasterizeObstacles: the solid ids (1 + obstacle index inside an obstacle, else 0). */
export function rasterizeSolidIds(g: ReferenceGrid): Uint32Array {
  const out = new Uint32Array(g.cellCount);
  g.forCells((i, j, k, idx) => {
    const n = nearest(g.p.obstacles, cellCenter(g, i, j, k));
    out[idx] = n.distance < 0 ? n.index + 1 : 0;
  });
  return out;
}

/** The solid motion table of the reference grid's obstacles (entry s: obstacle s). */
export function obstacleMotions(g: ReferenceGrid): SolidMotion[] {
  return g.p.obstacles.map(motionOfShape);
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

/**
 * enforceSolidVelocity, in place: a face next to a solid cell takes the normal velocity of the
 * solid that owns the deeper of its two cells (solid id -> motion table).
 */
export function enforceSolidVelocity(g: ReferenceGrid, solidPhi: Float32Array, velocity: Float32Array,
  solidId: Uint32Array = rasterizeSolidIds(g), motions: readonly (SolidMotion | undefined)[] = obstacleMotions(g)): void {
  const n = g.dims;
  g.forFaces((axis, i, j, k, idx) => {
    const f = [i, j, k];
    if (f[axis] === 0 || f[axis] === n[axis]) { velocity[idx] = 0; return; }
    const a = [...f]; a[axis] -= 1;
    const ca = g.cell(a[0], a[1], a[2]), cb = g.cell(i, j, k);
    if (solidPhi[ca] < 0 || solidPhi[cb] < 0) {
      const id = solidPhi[ca] < solidPhi[cb] ? solidId[ca] : solidId[cb];
      const m = id > 0 ? motions[id - 1] : undefined;
      velocity[idx] = m ? solidMotionVelocity(m, facePosition(g, axis, i, j, k))[axis] : 0;
    }
  });
}

/**
 * Visits the inner faces next to a liquid, non-solid cell on either side: the faces the body
 * forces (gravity, force fields) accelerate.
 */
export function forLiquidInnerFaces(g: ReferenceGrid, phi: Float32Array, solidPhi: Float32Array,
  visit: (axis: number, i: number, j: number, k: number, idx: number) => void): void {
  const n = g.dims;
  const liquid = (i: number, j: number, k: number) => { const c = g.cell(i, j, k); return phi[c] < 0 && solidPhi[c] >= 0; };
  g.forFaces((axis, i, j, k, idx) => {
    const f = [i, j, k];
    if (f[axis] === 0 || f[axis] === n[axis]) return;
    const a = [...f]; a[axis] -= 1;
    if (liquid(a[0], a[1], a[2]) || liquid(i, j, k)) visit(axis, i, j, k, idx);
  });
}

/** addGravity, in place. */
export function addGravity(g: ReferenceGrid, phi: Float32Array, solidPhi: Float32Array, velocity: Float32Array): void {
  forLiquidInnerFaces(g, phi, solidPhi, (axis, _i, _j, _k, idx) => { velocity[idx] += g.p.gravity[axis] * g.p.dt; });
}
