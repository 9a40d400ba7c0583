import type { ForceFieldDescription, Vec3 } from '../scene/scene-description';
import type { ReferenceGrid } from './reference-grid';
import { forLiquidInnerFaces } from './reference-shapes';

/** Mirror of the force fields of shaders/solver/forces.wgsl (addForceFields), from the field descriptions. */

/** Weight w(d) of a field at distance d from its centre (or axis): the documented falloff. */
export function forceWeight(f: ForceFieldDescription, d: number): number {
  if (f.radius === undefined) return 1;
  const x = d / f.radius;
  if (x >= 1) return 0;
  if (f.falloff === 'none') return 1;
  if (f.falloff === 'linear') return 1 - x;
  if (f.falloff === 'smooth') return 1 - x * x * (3 - 2 * x);
  return f.falloff === 0 ? 1 : (1 - x) ** f.falloff;
}

/** Acceleration (m/s^2) of one enabled field at point p (zero when disabled, at a radial centre or on a vortex axis). */
export function forceFieldAcceleration(f: ForceFieldDescription, p: Vec3): Vec3 {
  if (!f.enabled) return [0, 0, 0];
  const r: Vec3 = [p[0] - f.position[0], p[1] - f.position[1], p[2] - f.position[2]];
  const len = Math.hypot(...f.direction);
  const u: Vec3 = [f.direction[0] / len, f.direction[1] / len, f.direction[2] / len];
  if (f.kind === 'directional') {
    const s = f.strength * forceWeight(f, Math.hypot(...r));
    return [s * u[0], s * u[1], s * u[2]];
  }
  if (f.kind === 'radial') {
    const d = Math.hypot(...r);
    if (d <= 1e-6) return [0, 0, 0];
    const s = (f.strength * forceWeight(f, d)) / d;
    return [s * r[0], s * r[1], s * r[2]];
  }
  const along = r[0] * u[0] + r[1] * u[1] + r[2] * u[2];
  const perp: Vec3 = [r[0] - along * u[0], r[1] - along * u[1], r[2] - along * u[2]];
  const rho = Math.hypot(...perp);
  if (rho <= 1e-6) return [0, 0, 0];
  const s = (f.strength * forceWeight(f, rho)) / rho;
  return [s * (u[1] * perp[2] - u[2] * perp[1]), s * (u[2] * perp[0] - u[0] * perp[2]), s * (u[0] * perp[1] - u[1] * perp[0])];
}

/** Sum of the fields' accelerations at p. */
export function totalForceAcceleration(fields: readonly ForceFieldDescription[], p: Vec3): Vec3 {
  const a: Vec3 = [0, 0, 0];
  for (const f of fields) {
    const fa = forceFieldAcceleration(f, p);
    a[0] += fa[0]; a[1] += fa[1]; a[2] += fa[2];
  }
  return a;
}

/** addForceFields, in place: v += a(face centre) dt on inner faces next to a liquid, non-solid cell. */
export function addForceFields(g: ReferenceGrid, phi: Float32Array, solidPhi: Float32Array, velocity: Float32Array,
  fields: readonly ForceFieldDescription[]): void {
  forLiquidInnerFaces(g, phi, solidPhi, (axis, i, j, k, idx) => {
    const p: Vec3 = [(i + 0.5) * g.h, (j + 0.5) * g.h, (k + 0.5) * g.h];
    p[axis] = [i, j, k][axis] * g.h;
    velocity[idx] += totalForceAcceleration(fields, p)[axis] * g.p.dt;
  });
}
