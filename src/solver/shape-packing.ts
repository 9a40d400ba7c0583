import commonSource from '../../shaders/solver/common.wgsl';
import { WgslStructLayout } from '../gpu/wgsl-struct';
import type { ShapeDescription, Vec3 } from '../scene/scene-description';

/** The layout of the WGSL `Shape` (shaders/solver/common.wgsl), read from its declaration. */
const SHAPE_LAYOUT = WgslStructLayout.parse(commonSource, 'Shape');

/** Floats per `Shape` in an `array<Shape>` (its stride). */
export const SHAPE_FLOATS = SHAPE_LAYOUT.stride / 4;

/** A shape ready for the GPU: centre, half extents (or radius), rotation, rigid motion. */
export interface GpuShape {
  kind: 'box' | 'sphere' | 'capsule';
  center: Vec3;
  /** Box half extents; sphere: [radius, 0, 0]; capsule: [radius, half the segment's length along local y, 0]. */
  halfExtents: Vec3;
  /** Unit quaternion [x, y, z, w], local to grid. */
  rotation: [number, number, number, number];
  linearVelocity: Vec3;
  angularVelocity: Vec3;
}

/** Quaternion from Euler angles in degrees, applied X then Y then Z. */
export function quaternionFromEulerDegrees(e: Vec3): [number, number, number, number] {
  const [hx, hy, hz] = e.map((d) => (d * Math.PI) / 360);
  const cx = Math.cos(hx), sx = Math.sin(hx);
  const cy = Math.cos(hy), sy = Math.sin(hy);
  const cz = Math.cos(hz), sz = Math.sin(hz);
  // q = qz * qy * qx
  return [
    sx * cy * cz - cx * sy * sz,
    cx * sy * cz + sx * cy * sz,
    cx * cy * sz - sx * sy * cz,
    cx * cy * cz + sx * sy * sz,
  ];
}

/** Converts a scene shape (with an optional velocity override) to its GPU form. */
export function toGpuShape(s: ShapeDescription, velocity?: Vec3): GpuShape & { kind: 'box' | 'sphere' } {
  const v = velocity ?? s.velocity ?? [0, 0, 0];
  if (s.type === 'sphere') {
    return { kind: 'sphere', center: [...s.center], halfExtents: [s.radius, 0, 0], rotation: [0, 0, 0, 1], linearVelocity: [...v], angularVelocity: [0, 0, 0] };
  }
  return {
    kind: 'box',
    center: [(s.min[0] + s.max[0]) / 2, (s.min[1] + s.max[1]) / 2, (s.min[2] + s.max[2]) / 2],
    halfExtents: [(s.max[0] - s.min[0]) / 2, (s.max[1] - s.min[1]) / 2, (s.max[2] - s.min[2]) / 2],
    rotation: s.rotation ? quaternionFromEulerDegrees(s.rotation) : [0, 0, 0, 1],
    linearVelocity: [...v],
    angularVelocity: [0, 0, 0],
  };
}

/** The WGSL kind code of a shape (`Shape.center.w`). */
export const SHAPE_KIND_CODES = { box: 0, sphere: 1, capsule: 2 } as const;

/** Writes shapes into a Float32Array as the WGSL `array<Shape>` (members by name; `center.w` is the kind: 0 box, 1 sphere, 2 capsule). */
export function packShapes(shapes: GpuShape[], out = new Float32Array(Math.max(1, shapes.length) * SHAPE_FLOATS)): Float32Array {
  SHAPE_LAYOUT.packArray(shapes.map((s) => ({
    center: [...s.center, SHAPE_KIND_CODES[s.kind]],
    halfExtents: [...s.halfExtents, 0],
    rotation: s.rotation,
    linearVelocity: [...s.linearVelocity, 0],
    angularVelocity: [...s.angularVelocity, 0],
  })), out.buffer as ArrayBuffer, out.byteOffset);
  return out;
}

/** Signed distance from p to a shape (CPU mirror of `shapeDistance`). */
export function shapeDistance(s: GpuShape, p: Vec3): number {
  const d: Vec3 = [p[0] - s.center[0], p[1] - s.center[1], p[2] - s.center[2]];
  const [qx, qy, qz, qw] = s.rotation;
  const local = rotateByQuaternion([-qx, -qy, -qz, qw], d);
  if (s.kind === 'sphere') return Math.hypot(...local) - s.halfExtents[0];
  if (s.kind === 'capsule') {
    const axial = Math.min(Math.max(local[1], -s.halfExtents[1]), s.halfExtents[1]);
    return Math.hypot(local[0], local[1] - axial, local[2]) - s.halfExtents[0];
  }
  const q = local.map((v, a) => Math.abs(v) - s.halfExtents[a]);
  const outside = Math.hypot(Math.max(q[0], 0), Math.max(q[1], 0), Math.max(q[2], 0));
  return outside + Math.min(Math.max(q[0], q[1], q[2]), 0);
}

/** Rotates v by unit quaternion q. */
export function rotateByQuaternion(q: [number, number, number, number], v: Vec3): Vec3 {
  const [x, y, z, w] = q;
  const tx = 2 * (y * v[2] - z * v[1]);
  const ty = 2 * (z * v[0] - x * v[2]);
  const tz = 2 * (x * v[1] - y * v[0]);
  return [
    v[0] + w * tx + (y * tz - z * ty),
    v[1] + w * ty + (z * tx - x * tz),
    v[2] + w * tz + (x * ty - y * tx),
  ];
}

/**
 * A liquid box flush with a domain wall must not see that wall as a surface: extend such
 * faces `margin` metres through the wall (spheres are left as they are).
 */
export function extendThroughWalls(s: GpuShape, domain: Vec3, margin: number): GpuShape {
  if (s.kind !== 'box' || s.rotation.some((v, i) => v !== (i === 3 ? 1 : 0))) return s;
  const eps = 1e-6;
  const center: Vec3 = [...s.center];
  const half: Vec3 = [...s.halfExtents];
  for (let a = 0; a < 3; a++) {
    let lo = s.center[a] - s.halfExtents[a];
    let hi = s.center[a] + s.halfExtents[a];
    if (lo <= eps) lo -= margin;
    if (hi >= domain[a] - eps) hi += margin;
    center[a] = (lo + hi) / 2;
    half[a] = (hi - lo) / 2;
  }
  return { ...s, center, halfExtents: half };
}
