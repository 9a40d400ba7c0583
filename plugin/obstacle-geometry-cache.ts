import * as pc from 'playcanvas';
import type { MeshBounds, MeshGeometry } from '../src/index';

/** The triangles of one engine mesh or primitive, as the liquid's mesh colliders take them. */
export interface ObstacleGeometry extends MeshGeometry {
  positions: Float32Array;
  indices: Uint32Array;
  /** Bounds in the mesh's own frame; null when a position is not finite (the core then refuses it, naming the entity). */
  bounds: MeshBounds | null;
  /** Whether some edge (matched by vertex coordinates) has no second triangle: no inside, so it needs a thickness. */
  open: boolean;
}

/** The primitive shapes of render and collision components. */
export type PrimitiveKind = 'box' | 'sphere' | 'capsule' | 'cylinder' | 'cone' | 'torus' | 'plane';

/**
 * Extracts triangles once per engine mesh (pc.Mesh, by identity) and once per primitive and its
 * dimensions, so that every entity rendering the same mesh hands the liquid the same arrays (the
 * core then builds one SDF for them per solver and resolution).
 */
export class ObstacleGeometryCache {
  private readonly meshes = new WeakMap<pc.Mesh, ObstacleGeometry>();
  private readonly primitives = new Map<string, ObstacleGeometry>();

  /** The triangles of an engine mesh (its first primitive: base and count), or null if it has no triangle list. */
  ofMesh(mesh: pc.Mesh): ObstacleGeometry | null {
    const cached = this.meshes.get(mesh);
    if (cached) return cached;
    const primitive = mesh.primitive?.[0];
    if (!primitive || primitive.type !== pc.PRIMITIVE_TRIANGLES) return null;
    const positions: number[] = [];
    mesh.getPositions(positions);
    const all: number[] = [];
    const indexed = mesh.getIndices(all) > 0 && primitive.indexed !== false;
    const start = primitive.base ?? 0;
    const count = primitive.count ?? (indexed ? all.length : positions.length / 3);
    const indices = new Uint32Array(count);
    for (let i = 0; i < count; i++) indices[i] = indexed ? all[start + i] : start + i;
    const geometry = makeGeometry(positions, indices);
    this.meshes.set(mesh, geometry);
    return geometry;
  }

  /**
   * A primitive along +Y, centred on the origin, of the given size (the engine's own geometry
   * classes, as its render primitives): box `[w, h, d]`, sphere `[radius]`, capsule, cylinder and
   * cone `[radius, height]`, torus `[ringRadius, tubeRadius]`, plane `[w, d]`.
   */
  ofPrimitive(kind: PrimitiveKind, size: readonly number[]): ObstacleGeometry {
    const key = `${kind}:${size.join(',')}`;
    const cached = this.primitives.get(key);
    if (cached) return cached;
    const geometry = primitiveGeometry(kind, size);
    const made = makeGeometry(Array.from(geometry.positions ?? []), Uint32Array.from(geometry.indices ?? []));
    this.primitives.set(key, made);
    return made;
  }
}

function primitiveGeometry(kind: PrimitiveKind, s: readonly number[]): pc.Geometry {
  switch (kind) {
    case 'box': return new pc.BoxGeometry({ halfExtents: new pc.Vec3(s[0] / 2, s[1] / 2, s[2] / 2) });
    case 'sphere': return new pc.SphereGeometry({ radius: s[0], latitudeBands: 16, longitudeBands: 24 });
    case 'capsule': return new pc.CapsuleGeometry({ radius: s[0], height: s[1], sides: 24 });
    case 'cylinder': return new pc.CylinderGeometry({ radius: s[0], height: s[1], capSegments: 24 });
    case 'cone': return new pc.ConeGeometry({ baseRadius: s[0], peakRadius: 0, height: s[1], capSegments: 24 });
    case 'torus': return new pc.TorusGeometry({ ringRadius: s[0], tubeRadius: s[1], segments: 32, sides: 16 });
    case 'plane': return new pc.PlaneGeometry({ halfExtents: new pc.Vec2(s[0] / 2, s[1] / 2) });
  }
}

function makeGeometry(positionList: readonly number[], indices: Uint32Array): ObstacleGeometry {
  const positions = Float32Array.from(positionList);
  const bounds = boundsOf(positions);
  const extent = bounds ? Math.max(...[0, 1, 2].map((a) => bounds.max[a] - bounds.min[a])) : 0;
  return { positions, indices, bounds, open: isOpen(positions, indices, 1e-5 * extent || 1e-12) };
}

function boundsOf(p: Float32Array): MeshBounds | null {
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < p.length; i++) {
    if (!Number.isFinite(p[i])) return null;
    const a = i % 3;
    if (p[i] < min[a]) min[a] = p[i];
    if (p[i] > max[a]) max[a] = p[i];
  }
  return p.length >= 3 ? { min, max } : null;
}

/**
 * Whether an edge has a single triangle. Vertices are matched by coordinates rounded to `eps`, not
 * by index: engine primitives duplicate vertices along UV seams (where sin(2 pi) is not exactly 0),
 * and those meshes are still closed.
 */
function isOpen(p: Float32Array, indices: Uint32Array, eps: number): boolean {
  const ids = new Map<string, number>();
  const vertexId = (v: number) => {
    const key = `${Math.round(p[3 * v] / eps)},${Math.round(p[3 * v + 1] / eps)},${Math.round(p[3 * v + 2] / eps)}`;
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = ids.size));
    return id;
  };
  const uses = new Map<string, number>();
  for (let t = 0; t + 2 < indices.length; t += 3) {
    const v = [vertexId(indices[t]), vertexId(indices[t + 1]), vertexId(indices[t + 2])];
    if (v[0] === v[1] || v[1] === v[2] || v[0] === v[2]) continue;
    for (let e = 0; e < 3; e++) {
      const a = v[e], b = v[(e + 1) % 3];
      const key = a < b ? `${a}:${b}` : `${b}:${a}`;
      uses.set(key, (uses.get(key) ?? 0) + 1);
    }
  }
  for (const n of uses.values()) if (n < 2) return true;
  return false;
}
