import type { Vec3 } from '../scene/scene-description';
import { rotateByQuaternion } from '../solver/shape-packing';
import { type MeshBounds, MeshColliderError, MESH_COLLIDER_LIMITS } from './collider-mesh';
import type { SolidMotion } from './solid-motion';

/** A unit quaternion [x, y, z, w]. */
export type Quat = [number, number, number, number];

/**
 * Where a mesh collider is, in the solver's grid frame (metres from the domain's min corner):
 * a mesh-frame point p lands at translation + rotate(rotation, scale * p).
 */
export interface MeshTransform {
  translation: Vec3;
  /** Quaternion [x, y, z, w], mesh -> grid; normalized when set. Default: none. */
  rotation?: Quat;
  /** Scale along the mesh's own axes, applied before the rotation; a number scales uniformly. Default 1. */
  scale?: Vec3 | number;
}

/** A checked transform: every field present, the rotation of unit length. */
export interface ResolvedTransform {
  translation: Vec3;
  rotation: Quat;
  scale: Vec3;
}

/**
 * Checks a transform and fills its defaults.
 * @throws MeshColliderError naming `where` and the field: a non-finite number, a zero-length
 *   rotation, or a scale factor with |s| < MESH_COLLIDER_LIMITS.minScale (zero scale)
 */
export function resolveTransform(t: MeshTransform, where: string): ResolvedTransform {
  if (!t || typeof t !== 'object') throw new MeshColliderError(`${where}: transform must be { translation, rotation?, scale? }`);
  const vec = (v: unknown, field: string, n: number): number[] => {
    if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new MeshColliderError(`${where}: transform.${field} must be an array of ${n} numbers`);
    const a = Array.from(v as ArrayLike<number>);
    if (a.length !== n) throw new MeshColliderError(`${where}: transform.${field} must hold ${n} numbers (got ${a.length})`);
    a.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new MeshColliderError(`${where}: transform.${field}[${i}] is ${x}; it must be a finite number`);
    });
    return a;
  };
  const translation = vec(t.translation, 'translation', 3) as Vec3;
  const q = t.rotation === undefined ? [0, 0, 0, 1] : vec(t.rotation, 'rotation', 4);
  const len = Math.hypot(q[0], q[1], q[2], q[3]);
  if (!(len > 1e-12)) throw new MeshColliderError(`${where}: transform.rotation has zero length; it must be a quaternion [x, y, z, w]`);
  const rotation = q.map((x) => x / len) as Quat;
  const s = t.scale === undefined ? [1, 1, 1] : typeof t.scale === 'number' ? vec([t.scale, t.scale, t.scale], 'scale', 3) : vec(t.scale, 'scale', 3);
  s.forEach((x, i) => {
    if (Math.abs(x) < MESH_COLLIDER_LIMITS.minScale) {
      throw new MeshColliderError(`${where}: transform.scale[${i}] is ${x}; a collider needs |scale| >= ${MESH_COLLIDER_LIMITS.minScale} on every axis (zero scale)`);
    }
  });
  return { translation, rotation, scale: s as Vec3 };
}

/** a * b (apply b, then a). */
export function quatMultiply(a: Quat, b: Quat): Quat {
  return [
    a[3] * b[0] + a[0] * b[3] + a[1] * b[2] - a[2] * b[1],
    a[3] * b[1] - a[0] * b[2] + a[1] * b[3] + a[2] * b[0],
    a[3] * b[2] + a[0] * b[1] - a[1] * b[0] + a[2] * b[3],
    a[3] * b[3] - a[0] * b[0] - a[1] * b[1] - a[2] * b[2],
  ];
}

export function quatConjugate(q: Quat): Quat {
  return [-q[0], -q[1], -q[2], q[3]];
}

/** Rotation by `angle` radians about a unit `axis`. */
export function quatFromAxisAngle(axis: Vec3, angle: number): Quat {
  const len = Math.hypot(...axis);
  const s = Math.sin(angle / 2) / len;
  return [axis[0] * s, axis[1] * s, axis[2] * s, Math.cos(angle / 2)];
}

/** Where mesh-frame point p lands in the grid frame. */
export function transformPoint(t: ResolvedTransform, p: readonly number[]): Vec3 {
  const r = rotateByQuaternion(t.rotation, [p[0] * t.scale[0], p[1] * t.scale[1], p[2] * t.scale[2]]);
  return [r[0] + t.translation[0], r[1] + t.translation[1], r[2] + t.translation[2]];
}

/** The mesh-frame point that lands on grid point x. */
export function inverseTransformPoint(t: ResolvedTransform, x: readonly number[]): Vec3 {
  const r = rotateByQuaternion(quatConjugate(t.rotation), [x[0] - t.translation[0], x[1] - t.translation[1], x[2] - t.translation[2]]);
  return [r[0] / t.scale[0], r[1] / t.scale[1], r[2] / t.scale[2]];
}

/**
 * How mesh-frame distances become grid distances: the smallest |scale| factor. A mesh-frame
 * displacement d maps to one of length at least min|s| * |d|, so min|s| * d_mesh never
 * overestimates the true distance (conservative); it is exact under uniform scale.
 */
export function distanceScale(t: ResolvedTransform): number {
  return Math.min(Math.abs(t.scale[0]), Math.abs(t.scale[1]), Math.abs(t.scale[2]));
}

/** The grid-frame axis-aligned box around mesh-frame bounds under a transform. */
export function transformedBounds(t: ResolvedTransform, b: MeshBounds): MeshBounds {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (let c = 0; c < 8; c++) {
    const p = transformPoint(t, [c & 1 ? b.max[0] : b.min[0], c & 2 ? b.max[1] : b.min[1], c & 4 ? b.max[2] : b.min[2]]);
    for (let a = 0; a < 3; a++) { min[a] = Math.min(min[a], p[a]); max[a] = Math.max(max[a], p[a]); }
  }
  return { min, max };
}

/**
 * The rigid motion that takes a solid from `from` to `to` in `dt` seconds: the translation's
 * change over dt, and the rotation's change (to * from^-1) as axis * angle / dt, about the new
 * translation (the mesh origin). Scale changes carry no velocity.
 */
export function motionBetween(from: ResolvedTransform, to: ResolvedTransform, dt: number): SolidMotion {
  const linearVelocity: Vec3 = [0, 1, 2].map((a) => (to.translation[a] - from.translation[a]) / dt) as Vec3;
  let d = quatMultiply(to.rotation, quatConjugate(from.rotation));
  if (d[3] < 0) d = [-d[0], -d[1], -d[2], -d[3]];
  const s = Math.hypot(d[0], d[1], d[2]);
  let angularVelocity: Vec3 = [0, 0, 0];
  if (s > 1e-12) {
    const angle = 2 * Math.atan2(s, d[3]);
    angularVelocity = [(d[0] / s) * angle / dt, (d[1] / s) * angle / dt, (d[2] / s) * angle / dt];
  }
  return { center: [...to.translation], linearVelocity, angularVelocity };
}
