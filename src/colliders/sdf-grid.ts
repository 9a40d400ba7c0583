import type { Vec3 } from '../scene/scene-description';
import { type ColliderMesh, type MeshBounds, MESH_COLLIDER_LIMITS } from './collider-mesh';

/** Half-width of the narrow band where the SDF holds the exact distance to the nearest triangle (voxels). */
export const SDF_BAND_VOXELS = 4;
/**
 * Fewest voxels between the mesh's bounds and the SDF grid's faces (the band fits inside the
 * grid); a collider asks for more per axis so that its SDF reaches a few grid cells out.
 */
export const SDF_PAD_VOXELS = SDF_BAND_VOXELS + 1;
/**
 * Rounds of far-field sweeps (x, y, z lines, each forward and backward). One round leaves
 * errors of about 20% deep inside a sphere (a candidate reaches a voxel only along axis-aligned
 * paths); two rounds measured 0.3 voxel at most at 12 voxels deep (24-voxel sphere).
 */
export const SDF_SWEEP_ROUNDS = 2;
/**
 * Longest edge (voxels) of the triangles the distance splat loops over: one GPU thread per
 * triangle covers the voxels of its box, so large triangles are split (by edge midpoints)
 * until no thread has much more work than another.
 */
export const SPLAT_MAX_EDGE_VOXELS = 4;
/** Floats per triangle in the GPU triangle buffers: three vec4 (xyz, unused w). */
export const TRIANGLE_FLOATS = 12;

/**
 * The origin is moved off the mesh's symmetric placement by these fractions of a voxel, so that
 * grid lines of procedural or CAD meshes (vertices on round numbers) do not run exactly through
 * vertices and edges, where the ray-crossing count depends on a tie rule.
 */
const ORIGIN_JITTER: Vec3 = [0.00137, 0.00291, 0.00213];

/**
 * Where a mesh's signed distance field lives in its own frame: `dims` voxels of edge
 * `voxelSize` (cubic), voxel (i, j, k) centred at origin + (i + 0.5, j + 0.5, k + 0.5) *
 * voxelSize, index i + dims[0] * (j + dims[1] * k) (x fastest, like the solver's grid).
 */
export interface SdfGridLayout {
  /** Voxels along the mesh's longest axis (the cache key with the mesh and the padding). */
  resolution: number;
  /** Voxels between the mesh's bounds and the grid's faces, per axis. */
  pad: Vec3;
  dims: Vec3;
  /** Min corner of the grid in the mesh's frame. */
  origin: Vec3;
  voxelSize: number;
  voxelCount: number;
}

/**
 * The SDF grid of a mesh with these bounds at `resolution` voxels along its longest axis, with
 * `pad` voxels (per axis, at least SDF_PAD_VOXELS) around the bounds.
 */
export function sdfGridLayout(bounds: MeshBounds, resolution: number, pad: Vec3 = [SDF_PAD_VOXELS, SDF_PAD_VOXELS, SDF_PAD_VOXELS]): SdfGridLayout {
  const extent = [0, 1, 2].map((a) => bounds.max[a] - bounds.min[a]);
  const longest = Math.max(...extent);
  const voxelSize = longest / resolution;
  const padding = pad.map((p) => Math.max(SDF_PAD_VOXELS, Math.ceil(p))) as Vec3;
  const dims = extent.map((e, a) => Math.max(1, Math.ceil(e / voxelSize - 1e-9)) + 2 * padding[a]) as Vec3;
  const origin = [0, 1, 2].map((a) => (bounds.min[a] + bounds.max[a]) / 2 - (dims[a] * voxelSize) / 2 + ORIGIN_JITTER[a] * voxelSize) as Vec3;
  return { resolution, pad: padding, dims, origin, voxelSize, voxelCount: dims[0] * dims[1] * dims[2] };
}

/**
 * Padding (voxels per axis) for an SDF to reach `reach` metres beyond a mesh scaled by `scale`
 * (a grid-frame distance of `reach` is at most reach / |s_a| mesh-frame units along axis a),
 * at least SDF_PAD_VOXELS, at most `resolution` (a very anisotropic scale then leaves the far
 * part of the reach to the resample's lower bound).
 */
export function sdfPaddingFor(bounds: MeshBounds, resolution: number, scale: Vec3, reach: number): Vec3 {
  const voxelSize = Math.max(...[0, 1, 2].map((a) => bounds.max[a] - bounds.min[a])) / resolution;
  return scale.map((s) => Math.min(resolution, Math.max(SDF_PAD_VOXELS, Math.ceil(reach / (Math.abs(s) * voxelSize)) + 1))) as Vec3;
}

/** The triangles of a mesh in voxel coordinates (float32 as the GPU reads them, TRIANGLE_FLOATS each). */
export interface SdfTriangles {
  /** The mesh's triangles, for the ray crossings (sign). */
  crossing: Float32Array;
  crossingCount: number;
  /** The same surface with large triangles split, for the distance splat and the far-field sweeps. */
  splat: Float32Array;
  splatCount: number;
}

/** A mesh's triangles in the voxel coordinates of `layout` (x_voxel = (x - origin) / voxelSize). */
export function sdfTriangles(mesh: ColliderMesh, layout: SdfGridLayout): SdfTriangles {
  const { positions, indices } = mesh;
  const n = indices.length / 3;
  const crossing = new Float32Array(n * TRIANGLE_FLOATS);
  const inv = 1 / layout.voxelSize;
  for (let t = 0; t < n; t++) {
    for (let v = 0; v < 3; v++) {
      const i = indices[3 * t + v];
      for (let a = 0; a < 3; a++) crossing[t * TRIANGLE_FLOATS + v * 4 + a] = (positions[3 * i + a] - layout.origin[a]) * inv;
    }
  }
  const splat = splitLargeTriangles(crossing, n, SPLAT_MAX_EDGE_VOXELS, MESH_COLLIDER_LIMITS.maxTriangles);
  return { crossing, crossingCount: n, splat, splatCount: splat.length / TRIANGLE_FLOATS };
}

/** Splits triangles whose longest edge exceeds `maxEdge` into four (edge midpoints) while the total stays within `budget`. */
function splitLargeTriangles(tris: Float32Array, count: number, maxEdge: number, budget: number): Float32Array {
  const out: number[][] = [];
  const queue: number[][] = [];
  for (let t = 0; t < count; t++) {
    const o = t * TRIANGLE_FLOATS;
    queue.push([tris[o], tris[o + 1], tris[o + 2], tris[o + 4], tris[o + 5], tris[o + 6], tris[o + 8], tris[o + 9], tris[o + 10]]);
  }
  let total = count;
  while (queue.length > 0) {
    const t = queue.pop()!;
    const e = Math.max(dist2(t, 0, 3), dist2(t, 3, 6), dist2(t, 0, 6));
    if (e <= maxEdge * maxEdge || total + 3 > budget) { out.push(t); continue; }
    // Midpoints as (a + b) * 0.5: the same numbers for both triangles that share an edge.
    const m = (i: number, j: number) => [0, 1, 2].map((k) => (t[i + k] + t[j + k]) * 0.5);
    const a = t.slice(0, 3), b = t.slice(3, 6), c = t.slice(6, 9);
    const ab = m(0, 3), bc = m(3, 6), ca = m(6, 0);
    queue.push([...a, ...ab, ...ca], [...ab, ...b, ...bc], [...ca, ...bc, ...c], [...ab, ...bc, ...ca]);
    total += 3;
  }
  const result = new Float32Array(out.length * TRIANGLE_FLOATS);
  out.forEach((t, i) => {
    for (let v = 0; v < 3; v++) for (let a = 0; a < 3; a++) result[i * TRIANGLE_FLOATS + v * 4 + a] = t[v * 3 + a];
  });
  return result;
}

function dist2(t: number[], i: number, j: number): number {
  const x = t[i] - t[j], y = t[i + 1] - t[j + 1], z = t[i + 2] - t[j + 2];
  return x * x + y * y + z * z;
}
