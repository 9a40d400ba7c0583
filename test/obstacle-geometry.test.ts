// The triangles the PlayCanvas plugin hands the mesh colliders, in Node (no graphics device): every
// primitive of render and collision components is a closed mesh of the asked size (the plane is
// open: it gets a thickness), extraction is cached per mesh and per primitive size, and a mesh with
// a NaN vertex has no bounds (the core then refuses it, naming the entity).
import * as pc from 'playcanvas';
import { describe, expect, it } from 'vitest';
import { ObstacleGeometryCache, type PrimitiveKind } from '../plugin/obstacle-geometry-cache';
import { ColliderMesh, meshVolume } from '../src/index';

describe('obstacle geometry', () => {
  const cache = new ObstacleGeometryCache();
  const cases: [PrimitiveKind, number[], [number, number, number], number][] = [
    // kind, size, expected extents (x, y, z), expected volume
    ['box', [0.4, 0.2, 0.6], [0.4, 0.2, 0.6], 0.4 * 0.2 * 0.6],
    ['sphere', [0.3], [0.6, 0.6, 0.6], (4 / 3) * Math.PI * 0.3 ** 3],
    ['capsule', [0.1, 0.6], [0.2, 0.6, 0.2], Math.PI * 0.1 ** 2 * 0.4 + (4 / 3) * Math.PI * 0.1 ** 3],
    ['cylinder', [0.2, 0.5], [0.4, 0.5, 0.4], Math.PI * 0.2 ** 2 * 0.5],
    ['cone', [0.2, 0.5], [0.4, 0.5, 0.4], (Math.PI * 0.2 ** 2 * 0.5) / 3],
    ['torus', [0.3, 0.1], [0.8, 0.2, 0.8], 2 * Math.PI ** 2 * 0.3 * 0.1 ** 2],
  ];
  for (const [kind, size, extents, volume] of cases) {
    it(`${kind}: closed, its size, its volume within 4% (facets), outward`, () => {
      const g = cache.ofPrimitive(kind, size);
      expect(g.open).toBe(false);
      expect(g.bounds).not.toBeNull();
      for (let a = 0; a < 3; a++) expect(g.bounds!.max[a] - g.bounds!.min[a]).toBeCloseTo(extents[a], 3);
      const v = meshVolume({ positions: g.positions, indices: g.indices });
      // polygons inscribed in the circles: the torus's 16 sides and 32 segments give 3.2% less
      expect(Math.abs(v - volume) / volume).toBeLessThan(0.04);
      // the core accepts it
      expect(ColliderMesh.from(g, kind).triangleCount).toBeGreaterThan(0);
    });
  }

  it('the plane is open (a sheet); the same primitive and size is extracted once', () => {
    expect(cache.ofPrimitive('plane', [1, 1]).open).toBe(true);
    expect(cache.ofPrimitive('box', [0.4, 0.2, 0.6])).toBe(cache.ofPrimitive('box', [0.4, 0.2, 0.6]));
    expect(cache.ofPrimitive('box', [0.4, 0.2, 0.6])).not.toBe(cache.ofPrimitive('box', [0.4, 0.2, 0.7]));
  });

  it('an engine mesh is read once (positions, indices, its first primitive); a NaN vertex leaves no bounds', () => {
    const mesh = new pc.Mesh(null as unknown as pc.GraphicsDevice);
    const geometry = new pc.BoxGeometry({ halfExtents: new pc.Vec3(0.1, 0.2, 0.3) });
    mesh.setPositions(geometry.positions!);
    mesh.setIndices(geometry.indices!);
    mesh.primitive[0] = { type: pc.PRIMITIVE_TRIANGLES, base: 0, baseVertex: 0, count: geometry.indices!.length, indexed: true };
    const g = cache.ofMesh(mesh)!;
    expect(g).toBe(cache.ofMesh(mesh));
    expect(g.indices.length).toBe(geometry.indices!.length);
    expect(g.open).toBe(false);
    expect(g.bounds!.max).toEqual([0.1, 0.2, 0.3].map((v) => expect.closeTo(v, 6)));

    const bad = new pc.Mesh(null as unknown as pc.GraphicsDevice);
    bad.setPositions([0, 0, 0, 1, 0, 0, 0, NaN, 0]);
    bad.setIndices([0, 1, 2]);
    bad.primitive[0] = { type: pc.PRIMITIVE_TRIANGLES, base: 0, baseVertex: 0, count: 3, indexed: true };
    expect(cache.ofMesh(bad)!.bounds).toBeNull();
    expect(() => ColliderMesh.from(cache.ofMesh(bad)!, 'nan-mesh')).toThrow(/"nan-mesh".*NaN/);
  });
});
