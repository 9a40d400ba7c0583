import type { Vec3 } from '../scene/scene-description';

/**
 * Closed, outward-facing triangle meshes made in code, for tests, examples and the bench:
 * a sphere, a box and a torus of adjustable triangle count (their analytic signed distances
 * are known), an L-shaped wall, stairs, a paddle wheel and a non-convex rock. Vertices that
 * meet are shared (indexed), so every edge belongs to exactly two triangles.
 */
export interface TriangleMesh {
  positions: Float32Array;
  indices: Uint32Array;
}

/** Collects triangles; vertices with exactly the same coordinates are one vertex. */
class MeshBuilder {
  private readonly positions: number[] = [];
  private readonly indices: number[] = [];
  private readonly byKey = new Map<string, number>();

  vertex(p: readonly number[]): number {
    // Rounded to float32 first: two computations that agree in float32 are one vertex.
    const x = Math.fround(p[0]), y = Math.fround(p[1]), z = Math.fround(p[2]);
    const key = `${x},${y},${z}`;
    let i = this.byKey.get(key);
    if (i === undefined) {
      i = this.positions.length / 3;
      this.positions.push(x, y, z);
      this.byKey.set(key, i);
    }
    return i;
  }

  /** A triangle a, b, c counter-clockwise seen from outside. */
  triangle(a: number, b: number, c: number): void {
    if (a === b || b === c || a === c) return;
    this.indices.push(a, b, c);
  }

  /** A quad a, b, c, d counter-clockwise seen from outside. */
  quad(a: number, b: number, c: number, d: number): void {
    this.triangle(a, b, c);
    this.triangle(a, c, d);
  }

  append(mesh: TriangleMesh): void {
    const map: number[] = [];
    for (let v = 0; v < mesh.positions.length / 3; v++) map.push(this.vertex([mesh.positions[3 * v], mesh.positions[3 * v + 1], mesh.positions[3 * v + 2]]));
    for (let t = 0; t < mesh.indices.length; t += 3) this.triangle(map[mesh.indices[t]], map[mesh.indices[t + 1]], map[mesh.indices[t + 2]]);
  }

  build(): TriangleMesh {
    return { positions: Float32Array.from(this.positions), indices: Uint32Array.from(this.indices) };
  }
}

/**
 * A UV sphere: `segments` around the axis, `rings` from pole to pole, 2 * segments * (rings - 1)
 * triangles (64 x 32: 3968; 140 x 72: 19880).
 */
export function sphereMesh(options: { radius?: number; center?: Vec3; segments?: number; rings?: number } = {}): TriangleMesh {
  const { radius = 1, center = [0, 0, 0], segments = 64, rings = 32 } = options;
  const b = new MeshBuilder();
  const at = (ring: number, seg: number) => {
    const theta = (Math.PI * ring) / rings;
    const phi = (2 * Math.PI * (seg % segments)) / segments;
    if (ring === 0) return b.vertex([center[0], center[1] + radius, center[2]]);
    if (ring === rings) return b.vertex([center[0], center[1] - radius, center[2]]);
    return b.vertex([center[0] + radius * Math.sin(theta) * Math.cos(phi), center[1] + radius * Math.cos(theta), center[2] - radius * Math.sin(theta) * Math.sin(phi)]);
  };
  for (let r = 0; r < rings; r++) {
    for (let s = 0; s < segments; s++) b.quad(at(r, s), at(r + 1, s), at(r + 1, s + 1), at(r, s + 1));
  }
  return b.build();
}

/** An axis-aligned box with each face split into n x n quads: 12 n^2 triangles (n = 13: 2028; n = 40: 19200). */
export function boxMesh(options: { halfExtents?: Vec3; center?: Vec3; subdivisions?: number } = {}): TriangleMesh {
  const { halfExtents = [1, 1, 1], center = [0, 0, 0], subdivisions: n = 1 } = options;
  const b = new MeshBuilder();
  // Points of the lattice on the box surface; the same lattice point from two faces is one vertex.
  const lattice = (i: number, j: number, k: number) => b.vertex([
    center[0] + halfExtents[0] * ((2 * i) / n - 1), center[1] + halfExtents[1] * ((2 * j) / n - 1), center[2] + halfExtents[2] * ((2 * k) / n - 1),
  ]);
  for (let axis = 0; axis < 3; axis++) {
    const u = (axis + 1) % 3, v = (axis + 2) % 3;
    for (const side of [0, n]) {
      for (let a = 0; a < n; a++) {
        for (let c = 0; c < n; c++) {
          const p = (du: number, dv: number) => { const q = [0, 0, 0]; q[axis] = side; q[u] = a + du; q[v] = c + dv; return lattice(q[0], q[1], q[2]); };
          // (u, v, axis) is right-handed: u x v points along +axis.
          if (side === n) b.quad(p(0, 0), p(1, 0), p(1, 1), p(0, 1));
          else b.quad(p(0, 0), p(0, 1), p(1, 1), p(1, 0));
        }
      }
    }
  }
  return b.build();
}

/** A torus around the y axis: 2 * majorSegments * minorSegments triangles (64 x 32: 4096; 160 x 64: 20480). */
export function torusMesh(options: { majorRadius?: number; minorRadius?: number; center?: Vec3; majorSegments?: number; minorSegments?: number } = {}): TriangleMesh {
  const { majorRadius = 1, minorRadius = 0.35, center = [0, 0, 0], majorSegments = 64, minorSegments = 32 } = options;
  const b = new MeshBuilder();
  const at = (i: number, j: number) => {
    const u = (2 * Math.PI * (i % majorSegments)) / majorSegments;
    const v = (2 * Math.PI * (j % minorSegments)) / minorSegments;
    const r = majorRadius + minorRadius * Math.cos(v);
    return b.vertex([center[0] + r * Math.cos(u), center[1] + minorRadius * Math.sin(v), center[2] + r * Math.sin(u)]);
  };
  for (let i = 0; i < majorSegments; i++) {
    for (let j = 0; j < minorSegments; j++) b.quad(at(i, j), at(i, j + 1), at(i + 1, j + 1), at(i + 1, j));
  }
  return b.build();
}

/**
 * A prism: a simple polygon in the (x, z) plane (counter-clockwise seen from +y, i.e. x to z
 * clockwise on paper) extruded from y0 to y1. Caps by ear clipping.
 */
export function extrudePolygonY(polygon: readonly [number, number][], y0: number, y1: number): TriangleMesh {
  return extrude(polygon, y0, y1, (a, b, y) => [a, y, b], false);
}

/** A prism: a simple polygon in the (x, y) plane (counter-clockwise seen from +z) extruded from z0 to z1. */
export function extrudePolygonZ(polygon: readonly [number, number][], z0: number, z1: number): TriangleMesh {
  return extrude(polygon, z0, z1, (a, b, z) => [a, b, z], true);
}

function extrude(polygon: readonly [number, number][], h0: number, h1: number, place: (a: number, b: number, h: number) => number[], rightHanded: boolean): TriangleMesh {
  const poly = signedArea(polygon) >= 0 ? [...polygon] : [...polygon].reverse();
  const b = new MeshBuilder();
  const n = poly.length;
  const lo = poly.map(([x, y]) => b.vertex(place(x, y, h0)));
  const hi = poly.map(([x, y]) => b.vertex(place(x, y, h1)));
  // In (a, b, h) with a x b = h (rightHanded) a counter-clockwise polygon faces +h.
  const flip = !rightHanded;
  for (const [i, j, k] of earClip(poly)) {
    if (flip) { b.triangle(hi[i], hi[k], hi[j]); b.triangle(lo[i], lo[j], lo[k]); }
    else { b.triangle(hi[i], hi[j], hi[k]); b.triangle(lo[i], lo[k], lo[j]); }
  }
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    if (flip) b.quad(lo[i], hi[i], hi[j], lo[j]);
    else b.quad(lo[i], lo[j], hi[j], hi[i]);
  }
  return b.build();
}

function signedArea(p: readonly [number, number][]): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const [x0, y0] = p[i], [x1, y1] = p[(i + 1) % p.length];
    s += x0 * y1 - x1 * y0;
  }
  return s / 2;
}

/** Ear clipping of a simple counter-clockwise polygon: index triples. */
function earClip(poly: [number, number][]): [number, number, number][] {
  const idx = poly.map((_, i) => i);
  const out: [number, number, number][] = [];
  const cross = (a: number[], b: number[], c: number[]) => (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  let guard = 0;
  while (idx.length > 3 && guard++ < 10_000) {
    let clipped = false;
    for (let n = 0; n < idx.length; n++) {
      const i = idx[(n + idx.length - 1) % idx.length], j = idx[n], k = idx[(n + 1) % idx.length];
      if (cross(poly[i], poly[j], poly[k]) <= 0) continue;
      const inside = idx.some((m) => m !== i && m !== j && m !== k
        && cross(poly[i], poly[j], poly[m]) >= 0 && cross(poly[j], poly[k], poly[m]) >= 0 && cross(poly[k], poly[i], poly[m]) >= 0);
      if (inside) continue;
      out.push([i, j, k]);
      idx.splice(n, 1);
      clipped = true;
      break;
    }
    if (!clipped) throw new Error('earClip: the polygon is not simple');
  }
  out.push([idx[0], idx[1], idx[2]]);
  return out;
}

/**
 * An L-shaped wall standing on y = base: two straight walls of `thickness` and `height` that
 * meet at a right angle, their outer corner at `corner` (x, z), running `length` (x, z) from it
 * in the directions `towards` (the signs along x and z).
 */
export function lWallMesh(options: { corner?: [number, number]; length?: [number, number]; thickness?: number; height?: number; base?: number; towards?: [number, number] } = {}): TriangleMesh {
  const { corner = [0, 0], length = [1, 1], thickness = 0.1, height = 1, base = 0, towards = [1, 1] } = options;
  const [cx, cz] = corner, [sx, sz] = towards;
  const [lx, lz] = length;
  const t = thickness;
  // The outline of the L from its outer corner, in (x, z).
  const outline: [number, number][] = [
    [cx, cz], [cx + sx * lx, cz], [cx + sx * lx, cz + sz * t], [cx + sx * t, cz + sz * t], [cx + sx * t, cz + sz * lz], [cx, cz + sz * lz],
  ];
  return extrudePolygonY(outline, base, base + height);
}

/** Stairs rising along +x: `steps` steps of `rise` by `run`, `width` along z from z = 0, on y = 0 from x = 0. */
export function stairsMesh(options: { steps?: number; rise?: number; run?: number; width?: number; origin?: Vec3 } = {}): TriangleMesh {
  const { steps = 4, rise = 0.1, run = 0.15, width = 0.5, origin = [0, 0, 0] } = options;
  const profile: [number, number][] = [[origin[0], origin[1]]];
  for (let s = 0; s < steps; s++) {
    profile.push([origin[0] + s * run, origin[1] + (s + 1) * rise], [origin[0] + (s + 1) * run, origin[1] + (s + 1) * rise]);
  }
  profile.push([origin[0] + steps * run, origin[1]]);
  return extrudePolygonZ(profile, origin[2], origin[2] + width);
}

/** A closed cylinder along z: `segments` around, from z0 to z1, centred at (x, y). */
export function cylinderMeshZ(options: { radius?: number; center?: [number, number]; z0?: number; z1?: number; segments?: number } = {}): TriangleMesh {
  const { radius = 1, center = [0, 0], z0 = 0, z1 = 1, segments = 32 } = options;
  const ring: [number, number][] = [];
  for (let s = 0; s < segments; s++) {
    const a = (2 * Math.PI * s) / segments;
    ring.push([center[0] + radius * Math.cos(a), center[1] + radius * Math.sin(a)]);
  }
  return extrudePolygonZ(ring, z0, z1);
}

/**
 * A paddle wheel turning about the z axis through the origin: a hub cylinder and `blades`
 * flat blades reaching `radius`, `width` along z (centred on z = 0). The parts overlap (one
 * mesh, several closed parts); the SDF's non-zero winding rule makes their union the solid.
 */
export function paddleWheelMesh(options: { radius?: number; hubRadius?: number; bladeThickness?: number; width?: number; blades?: number; segments?: number } = {}): TriangleMesh {
  const { radius = 1, hubRadius = 0.25, bladeThickness = 0.12, width = 1, blades = 4, segments = 32 } = options;
  const b = new MeshBuilder();
  b.append(cylinderMeshZ({ radius: hubRadius, z0: -width / 2, z1: width / 2, segments }));
  for (let n = 0; n < blades; n++) {
    const a = (2 * Math.PI * n) / blades;
    const c = Math.cos(a), s = Math.sin(a);
    const h = bladeThickness / 2;
    // A blade from half the hub radius out to `radius`, rotated by a about z.
    const outline: [number, number][] = [[hubRadius * 0.5, -h], [radius, -h], [radius, h], [hubRadius * 0.5, h]]
      .map(([x, y]) => [x * c - y * s, x * s + y * c] as [number, number]);
    b.append(extrudePolygonZ(outline, -width / 2, width / 2));
  }
  return b.build();
}

/**
 * A non-convex rock: a subdivided icosahedron (20 * 4^subdivisions triangles) whose vertices
 * move radially by smooth random bumps of relative size `roughness` (star-shaped, so closed and
 * never self-intersecting while roughness < 1).
 */
export function rockMesh(options: { radius?: number; center?: Vec3; subdivisions?: number; roughness?: number; seed?: number } = {}): TriangleMesh {
  const { radius = 1, center = [0, 0, 0], subdivisions = 3, roughness = 0.35, seed = 7 } = options;
  let s = seed >>> 0 || 1;
  const random = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
  const bumps = Array.from({ length: 9 }, () => {
    const z = 2 * random() - 1, phi = 2 * Math.PI * random(), r = Math.sqrt(1 - z * z);
    return { dir: [r * Math.cos(phi), r * Math.sin(phi), z], amp: (random() * 2 - 1) * roughness, sharp: 2 + 6 * random() };
  });
  const sphere = icosphere(subdivisions);
  const b = new MeshBuilder();
  const ids: number[] = [];
  for (let v = 0; v < sphere.positions.length / 3; v++) {
    const d = [sphere.positions[3 * v], sphere.positions[3 * v + 1], sphere.positions[3 * v + 2]];
    let scale = 1;
    for (const bump of bumps) {
      const c = d[0] * bump.dir[0] + d[1] * bump.dir[1] + d[2] * bump.dir[2];
      scale += bump.amp * Math.exp(bump.sharp * (c - 1));
    }
    scale = Math.max(scale, 0.3);
    ids.push(b.vertex([center[0] + radius * scale * d[0], center[1] + radius * scale * d[1], center[2] + radius * scale * d[2]]));
  }
  for (let t = 0; t < sphere.indices.length; t += 3) b.triangle(ids[sphere.indices[t]], ids[sphere.indices[t + 1]], ids[sphere.indices[t + 2]]);
  return b.build();
}

/** A unit icosphere: 20 * 4^subdivisions triangles, outward. */
export function icosphere(subdivisions: number): TriangleMesh {
  const g = (1 + Math.sqrt(5)) / 2;
  const verts: number[][] = [[-1, g, 0], [1, g, 0], [-1, -g, 0], [1, -g, 0], [0, -1, g], [0, 1, g], [0, -1, -g], [0, 1, -g], [g, 0, -1], [g, 0, 1], [-g, 0, -1], [-g, 0, 1]]
    .map((v) => { const l = Math.hypot(v[0], v[1], v[2]); return [v[0] / l, v[1] / l, v[2] / l]; });
  let faces = [[0, 11, 5], [0, 5, 1], [0, 1, 7], [0, 7, 10], [0, 10, 11], [1, 5, 9], [5, 11, 4], [11, 10, 2], [10, 7, 6], [7, 1, 8],
    [3, 9, 4], [3, 4, 2], [3, 2, 6], [3, 6, 8], [3, 8, 9], [4, 9, 5], [2, 4, 11], [6, 2, 10], [8, 6, 7], [9, 8, 1]];
  for (let s = 0; s < subdivisions; s++) {
    const mid = new Map<string, number>();
    const midpoint = (a: number, b: number) => {
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      let m = mid.get(key);
      if (m === undefined) {
        const p = [0, 1, 2].map((k) => (verts[a][k] + verts[b][k]) / 2);
        const l = Math.hypot(p[0], p[1], p[2]);
        m = verts.length;
        verts.push([p[0] / l, p[1] / l, p[2] / l]);
        mid.set(key, m);
      }
      return m;
    };
    const next: number[][] = [];
    for (const [a, b, c] of faces) {
      const ab = midpoint(a, b), bc = midpoint(b, c), ca = midpoint(c, a);
      next.push([a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]);
    }
    faces = next;
  }
  return { positions: Float32Array.from(verts.flat()), indices: Uint32Array.from(faces.flat()) };
}

/** Signed volume of a closed mesh (positive when its triangles face outward). */
export function meshVolume(mesh: TriangleMesh): number {
  const p = mesh.positions, ix = mesh.indices;
  let v = 0;
  for (let t = 0; t < ix.length; t += 3) {
    const a = 3 * ix[t], b = 3 * ix[t + 1], c = 3 * ix[t + 2];
    v += p[a] * (p[b + 1] * p[c + 2] - p[b + 2] * p[c + 1]) - p[a + 1] * (p[b] * p[c + 2] - p[b + 2] * p[c]) + p[a + 2] * (p[b] * p[c + 1] - p[b + 1] * p[c]);
  }
  return v / 6;
}
