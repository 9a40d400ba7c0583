import type { Vec3 } from '../scene/scene-description';

/** A triangle mesh as engines and files give it: xyz per vertex, three vertex indices per triangle. */
export interface MeshGeometry {
  positions: Float32Array | readonly number[];
  indices: Uint32Array | Uint16Array | readonly number[];
}

/** Limits that mesh colliders are checked against. */
export const MESH_COLLIDER_LIMITS = {
  /**
   * Triangles of one mesh (after degenerate ones are dropped), 2^17 - 1: the SDF build packs a
   * triangle index into 17 bits of one 32-bit atomic (the other 15 hold the quantized distance).
   */
  maxTriangles: 131_071,
  /** SDF voxels along the mesh's longest axis. */
  minResolution: 8,
  maxResolution: 256,
  /** Mesh colliders one solver holds at once (the solid motion table's mesh part). */
  maxColliders: 64,
  /** Smallest |scale| factor of a transform (below it the collider is refused as zero scale). */
  minScale: 1e-6,
} as const;

/** A mesh or a collider that cannot be used; the message names the collider and the field. */
export class MeshColliderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MeshColliderError';
  }
}

/** Axis-aligned bounds in the mesh's own frame. */
export interface MeshBounds {
  min: Vec3;
  max: Vec3;
}

let nextMeshId = 1;

/**
 * A validated triangle mesh for colliders, in its own frame (units: metres before the
 * collider's scale). Made once per mesh and shared by every collider that uses it: the signed
 * distance field is built once per mesh and SDF resolution.
 *
 * Degenerate triangles (a repeated vertex, or an area too small for float32 to give the
 * triangle a normal) are skipped and counted in `skippedTriangles`.
 */
export class ColliderMesh {
  /** Unique per mesh object (the SDF cache key, with the resolution). */
  readonly id: number;
  /** Name used in messages. */
  readonly label: string;
  /** Vertex positions, xyz (a copy of the input). */
  readonly positions: Float32Array;
  /** The indices of the non-degenerate triangles, three per triangle. */
  readonly indices: Uint32Array;
  readonly triangleCount: number;
  readonly skippedTriangles: number;
  readonly bounds: MeshBounds;
  /** @internal The index array it was made from (MeshColliderSet reuses a mesh made from the same arrays). */
  sourceIndices: unknown = null;

  private constructor(label: string, positions: Float32Array, indices: Uint32Array, skipped: number, bounds: MeshBounds) {
    this.id = nextMeshId++;
    this.label = label;
    this.positions = positions;
    this.indices = indices;
    this.triangleCount = indices.length / 3;
    this.skippedTriangles = skipped;
    this.bounds = bounds;
  }

  /**
   * Checks and copies a mesh.
   * @throws MeshColliderError naming `label` and what is wrong: positions or indices of the
   *   wrong length, an index out of range, a non-finite position, more than
   *   MESH_COLLIDER_LIMITS.maxTriangles triangles, or no non-degenerate triangle
   */
  static from(geometry: MeshGeometry, label = 'mesh'): ColliderMesh {
    const where = `mesh collider "${label}"`;
    if (!geometry || typeof geometry !== 'object') throw new MeshColliderError(`${where}: needs a mesh { positions, indices }`);
    const { positions: p, indices: ix } = geometry;
    if (!isNumberList(p)) throw new MeshColliderError(`${where}: positions must be a Float32Array or an array of numbers (x, y, z per vertex)`);
    if (!isNumberList(ix)) throw new MeshColliderError(`${where}: indices must be a Uint32Array, Uint16Array or an array of integers (three per triangle)`);
    if (p.length === 0 || p.length % 3 !== 0) throw new MeshColliderError(`${where}: positions must hold x, y, z per vertex (got ${p.length} numbers)`);
    if (ix.length === 0 || ix.length % 3 !== 0) throw new MeshColliderError(`${where}: indices must hold three per triangle (got ${ix.length})`);
    const triangles = ix.length / 3;
    if (triangles > MESH_COLLIDER_LIMITS.maxTriangles) {
      throw new MeshColliderError(`${where}: has ${triangles} triangles; at most ${MESH_COLLIDER_LIMITS.maxTriangles} per collider mesh (decimate it)`);
    }
    const positions = Float32Array.from(p);
    for (let i = 0; i < positions.length; i++) {
      if (!Number.isFinite(positions[i])) {
        throw new MeshColliderError(`${where}: positions[${i}] (vertex ${Math.floor(i / 3)}) is ${p[i]}; vertex positions must be finite numbers`);
      }
    }
    const vertices = positions.length / 3;
    const kept: number[] = [];
    let skipped = 0;
    const min: Vec3 = [Infinity, Infinity, Infinity];
    const max: Vec3 = [-Infinity, -Infinity, -Infinity];
    for (let t = 0; t < triangles; t++) {
      const a = ix[3 * t], b = ix[3 * t + 1], c = ix[3 * t + 2];
      for (const [n, v] of [[3 * t, a], [3 * t + 1, b], [3 * t + 2, c]]) {
        if (!Number.isInteger(v) || v < 0 || v >= vertices) {
          throw new MeshColliderError(`${where}: indices[${n}] = ${v} must be an integer in [0, ${vertices - 1}] (the mesh has ${vertices} vertices)`);
        }
      }
      if (isDegenerate(positions, a, b, c)) { skipped++; continue; }
      kept.push(a, b, c);
      for (const v of [a, b, c]) {
        for (let k = 0; k < 3; k++) {
          const x = positions[3 * v + k];
          if (x < min[k]) min[k] = x;
          if (x > max[k]) max[k] = x;
        }
      }
    }
    if (kept.length === 0) throw new MeshColliderError(`${where}: all ${triangles} triangles are degenerate (zero area); nothing to collide with`);
    return new ColliderMesh(label, positions, Uint32Array.from(kept), skipped, { min, max });
  }
}

function isNumberList(v: unknown): v is ArrayLike<number> {
  return ArrayBuffer.isView(v) ? !(v instanceof DataView) : Array.isArray(v);
}

/**
 * A triangle float32 cannot give a normal: a repeated vertex, or |ab x ac| below 1e-6 of its
 * longest edge squared (an angle under about 1e-6 rad, or a zero-length edge).
 */
export function isDegenerate(p: ArrayLike<number>, a: number, b: number, c: number): boolean {
  if (a === b || b === c || a === c) return true;
  const ab = [p[3 * b] - p[3 * a], p[3 * b + 1] - p[3 * a + 1], p[3 * b + 2] - p[3 * a + 2]];
  const ac = [p[3 * c] - p[3 * a], p[3 * c + 1] - p[3 * a + 1], p[3 * c + 2] - p[3 * a + 2]];
  const bc = [ac[0] - ab[0], ac[1] - ab[1], ac[2] - ab[2]];
  const n = Math.hypot(ab[1] * ac[2] - ab[2] * ac[1], ab[2] * ac[0] - ab[0] * ac[2], ab[0] * ac[1] - ab[1] * ac[0]);
  const longest = Math.max(dot(ab, ab), dot(ac, ac), dot(bc, bc));
  return !(longest > 0) || n <= 1e-6 * longest;
}

function dot(a: number[], b: number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
