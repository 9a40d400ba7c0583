import type { Vec3 } from '../scene/scene-description';

/** A unit quaternion [x, y, z, w]. */
export type Quat = [number, number, number, number];

/**
 * The shape of a rigid body coupled with the liquid, centred on the body's position (its centre
 * of mass) in the body's own frame. Sizes in grid metres.
 * - box: `halfExtents` along the body's x, y, z;
 * - sphere: `radius`;
 * - capsule: `radius` and `halfHeight`, half the length of its segment along the body's y (the
 *   whole capsule is 2 (halfHeight + radius) tall).
 */
export type BodyShape =
  | { kind: 'box'; halfExtents: Vec3 }
  | { kind: 'sphere'; radius: number }
  | { kind: 'capsule'; radius: number; halfHeight: number };

/** Volume of a shape (m^3). */
export function bodyShapeVolume(s: BodyShape): number {
  if (s.kind === 'box') return 8 * s.halfExtents[0] * s.halfExtents[1] * s.halfExtents[2];
  if (s.kind === 'sphere') return (4 / 3) * Math.PI * s.radius ** 3;
  return Math.PI * s.radius ** 2 * (2 * s.halfHeight) + (4 / 3) * Math.PI * s.radius ** 3;
}

/** Radius of the smallest sphere about the centre that holds the shape (m). */
export function bodyShapeRadius(s: BodyShape): number {
  if (s.kind === 'box') return Math.hypot(...s.halfExtents);
  if (s.kind === 'sphere') return s.radius;
  return s.radius + s.halfHeight;
}

/** The columns of the rotation matrix of a unit quaternion: the body's x, y, z axes in the grid frame. */
export function rotationAxes(q: Quat): [Vec3, Vec3, Vec3] {
  const [x, y, z, w] = q;
  return [
    [1 - 2 * (y * y + z * z), 2 * (x * y + z * w), 2 * (x * z - y * w)],
    [2 * (x * y - z * w), 1 - 2 * (x * x + z * z), 2 * (y * z + x * w)],
    [2 * (x * z + y * w), 2 * (y * z - x * w), 1 - 2 * (x * x + y * y)],
  ];
}

/** Half the extent of the shape along each grid axis, turned by `rotation` (m). */
export function bodyShapeExtents(s: BodyShape, rotation: Quat): Vec3 {
  const axes = rotationAxes(rotation);
  const out: Vec3 = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    if (s.kind === 'box') out[a] = axes.reduce((sum, axis, i) => sum + Math.abs(axis[a]) * s.halfExtents[i], 0);
    else if (s.kind === 'sphere') out[a] = s.radius;
    else out[a] = s.radius + s.halfHeight * Math.abs(axes[1][a]);
  }
  return out;
}

/**
 * Area of the shape's shadow on the plane normal to each grid axis, turned by `rotation` (m^2):
 * what the body's boundary faces normal to that axis would add up to on a fine grid, once per
 * side. A box: sum over its three face pairs of the face's area times |n . e_a|; a capsule: its
 * end disc plus its cylinder's side, 2 r (2 h) |sin| of the angle between its axis and e_a.
 */
export function bodyShapeProjectedAreas(s: BodyShape, rotation: Quat): Vec3 {
  const axes = rotationAxes(rotation);
  const out: Vec3 = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    if (s.kind === 'box') {
      const [hx, hy, hz] = s.halfExtents;
      const faces = [4 * hy * hz, 4 * hx * hz, 4 * hx * hy];
      out[a] = faces.reduce((sum, area, i) => sum + area * Math.abs(axes[i][a]), 0);
    } else if (s.kind === 'sphere') {
      out[a] = Math.PI * s.radius ** 2;
    } else {
      const along = Math.min(1, Math.abs(axes[1][a]));
      out[a] = Math.PI * s.radius ** 2 + 4 * s.radius * s.halfHeight * Math.sqrt(1 - along * along);
    }
  }
  return out;
}

/**
 * Principal moments of inertia of a solid of uniform density and mass `mass` (kg m^2), about its
 * body axes. The capsule's are those of a cylinder of the same volume and total height (close
 * enough for a test integrator or a first guess).
 */
export function bodyShapeInertia(s: BodyShape, mass: number): Vec3 {
  if (s.kind === 'box') {
    const [x, y, z] = s.halfExtents.map((h) => 2 * h);
    return [(mass * (y * y + z * z)) / 12, (mass * (x * x + z * z)) / 12, (mass * (x * x + y * y)) / 12];
  }
  if (s.kind === 'sphere') {
    const i = 0.4 * mass * s.radius ** 2;
    return [i, i, i];
  }
  const height = 2 * (s.halfHeight + s.radius);
  const side = (mass * (3 * s.radius ** 2 + height * height)) / 12;
  return [side, 0.5 * mass * s.radius ** 2, side];
}

/** The shape's GPU half-extents (as `GpuShape.halfExtents`). */
export function bodyShapeHalfExtents(s: BodyShape): Vec3 {
  if (s.kind === 'box') return [...s.halfExtents];
  if (s.kind === 'sphere') return [s.radius, 0, 0];
  return [s.radius, s.halfHeight, 0];
}

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/**
 * Checks a body's shape; returns a copy.
 * @throws RangeError naming the field and its allowed range
 */
export function validateBodyShape(shape: unknown, path = 'shape'): BodyShape {
  const s = shape as Record<string, unknown> | null;
  if (!s || typeof s !== 'object') throw new RangeError(`${path} must be { kind: 'box' | 'sphere' | 'capsule', ... } (got ${String(shape)})`);
  if (s.kind === 'box') {
    const h = s.halfExtents;
    if (!Array.isArray(h) || h.length !== 3 || !h.every(positive)) {
      throw new RangeError(`${path}.halfExtents must be three finite numbers > 0 (m) (got ${JSON.stringify(h)})`);
    }
    return { kind: 'box', halfExtents: [h[0], h[1], h[2]] };
  }
  if (s.kind === 'sphere') {
    if (!positive(s.radius)) throw new RangeError(`${path}.radius must be a finite number > 0 (m) (got ${String(s.radius)})`);
    return { kind: 'sphere', radius: s.radius };
  }
  if (s.kind === 'capsule') {
    if (!positive(s.radius)) throw new RangeError(`${path}.radius must be a finite number > 0 (m) (got ${String(s.radius)})`);
    const h = s.halfHeight;
    if (typeof h !== 'number' || !Number.isFinite(h) || h < 0) throw new RangeError(`${path}.halfHeight must be a finite number >= 0 (m) (got ${String(h)})`);
    return { kind: 'capsule', radius: s.radius, halfHeight: h };
  }
  throw new RangeError(`${path}.kind must be 'box', 'sphere' or 'capsule' (got ${JSON.stringify(s.kind)})`);
}
