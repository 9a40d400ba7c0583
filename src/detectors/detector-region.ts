import type { ShapeDescription, Vec3 } from '../scene/scene-description';
import { toGpuShape } from '../solver/shape-packing';

/**
 * An oriented box or sphere in grid metres, the form a transform gives (a `GpuShape`, e.g. from
 * the PlayCanvas layer, fits it; its velocities are ignored).
 */
export interface OrientedRegion {
  kind: 'box' | 'sphere';
  center: Vec3;
  /** Box half extents (m); sphere: [radius, 0, 0]. */
  halfExtents: Vec3;
  /** Unit quaternion [x, y, z, w], region to grid (normalized on use); default none. */
  rotation?: [number, number, number, number];
}

/**
 * Where a detector looks, in grid metres (the scene's frame, from the domain's min corner): a
 * scene shape (`{ type: 'box', min, max, rotation? }` with Euler degrees, or `{ type: 'sphere',
 * center, radius }`) or an oriented region (`{ kind, center, halfExtents, rotation? }`). A cell
 * belongs to the region when its centre lies inside (or on) it.
 */
export type DetectorRegion = ShapeDescription | OrientedRegion;

/** A region reduced to what the kernel tests: centre, half extents, unit rotation. */
export interface ResolvedRegion {
  kind: 'box' | 'sphere';
  center: Vec3;
  halfExtents: Vec3;
  rotation: [number, number, number, number];
}

/** The cells whose centres may lie in a region: a box of cells, first cell and extent per axis (0 when none). */
export interface CellBox {
  first: Vec3;
  count: Vec3;
}

/** The centre/half-extent/quaternion form of a (validated) region. */
export function resolveRegion(region: DetectorRegion): ResolvedRegion {
  if ('type' in region) {
    const s = toGpuShape(region);
    return { kind: s.kind, center: s.center, halfExtents: s.halfExtents, rotation: s.rotation };
  }
  const q = region.rotation ?? [0, 0, 0, 1];
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  return {
    kind: region.kind,
    center: [...region.center],
    halfExtents: region.kind === 'sphere' ? [region.halfExtents[0], 0, 0] : [...region.halfExtents],
    rotation: [q[0] / n, q[1] / n, q[2] / n, q[3] / n],
  };
}

/**
 * The cells of a grid whose centres ((i + 0.5) h) can lie in the region: its axis-aligned
 * bounding box (the rotated box's extent along each grid axis is sum_j |R_aj| e_j), clipped
 * to the grid. The kernel tests each of these cells.
 */
export function regionCellBox(region: ResolvedRegion, dims: Vec3, cellSize: number): CellBox {
  const [x, y, z, w] = region.rotation;
  // Rotation matrix rows of the unit quaternion.
  const m = [
    [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
    [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
    [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
  ];
  const h = region.halfExtents;
  const first: Vec3 = [0, 0, 0];
  const count: Vec3 = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    const extent = region.kind === 'sphere' ? h[0] : Math.abs(m[a][0]) * h[0] + Math.abs(m[a][1]) * h[1] + Math.abs(m[a][2]) * h[2];
    // A margin of a millionth of a cell keeps centres on the boundary in the box despite rounding.
    const lo = Math.max(0, Math.ceil((region.center[a] - extent) / cellSize - 0.5 - 1e-6));
    const hi = Math.min(dims[a] - 1, Math.floor((region.center[a] + extent) / cellSize - 0.5 + 1e-6));
    if (!(hi >= lo)) return { first: [0, 0, 0], count: [0, 0, 0] };
    first[a] = lo;
    count[a] = hi - lo + 1;
  }
  return { first, count };
}
