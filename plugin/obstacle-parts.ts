import * as pc from 'playcanvas';
import type { ObstacleGeometry, ObstacleGeometryCache, PrimitiveKind } from './obstacle-geometry-cache';

/** One mesh of an obstacle entity: its triangles and where they are in the world. */
export interface ObstaclePart {
  /** Tells the entity's parts apart across frames (the same key: the same collider). */
  key: string;
  geometry: ObstacleGeometry;
  /** The node whose world transform places the mesh. */
  node: pc.GraphNode;
  /**
   * Collision primitives ignore the node's scale (as the physics engine does: their size is the
   * component's); meshes take it.
   */
  scaled: boolean;
  /** Placement in the node's frame before its world transform (collision offsets and axis), or null. */
  offset: pc.Mat4 | null;
}

/**
 * The meshes the liquid sees for an obstacle entity: its `collision` component when it has one
 * (the shape meant for physics: mesh, box, sphere, capsule, cylinder, cone, or a compound of its
 * descendants' shapes), else every mesh instance of its `render` component (asset meshes and every
 * primitive type). Render assets still loading give no part yet; they come once loaded.
 */
export function obstacleParts(entity: pc.Entity, cache: ObstacleGeometryCache): ObstaclePart[] {
  const collision = entity.collision as pc.CollisionComponent | undefined;
  if (collision?.enabled) {
    if (collision.type !== 'compound') return collisionParts(entity, collision, cache, 'c');
    const parts: ObstaclePart[] = [];
    let n = 0;
    const visit = (e: pc.GraphNode) => {
      for (const child of e.children) {
        if (!(child instanceof pc.Entity) || !child.enabled) continue;
        const c = child.collision as pc.CollisionComponent | undefined;
        // a child's own compound starts another body: not part of this one
        if (c?.enabled && c.type === 'compound') continue;
        if (c?.enabled) parts.push(...collisionParts(child, c, cache, `c${n++}`));
        visit(child);
      }
    };
    visit(entity);
    return parts;
  }
  const render = entity.render as pc.RenderComponent | undefined;
  if (!render?.enabled) return [];
  const parts: ObstaclePart[] = [];
  // A primitive render (box, sphere, capsule, cylinder, cone, torus, plane) has one mesh instance
  // of the engine's own primitive mesh: read as any other.
  render.meshInstances.forEach((mi, i) => {
    const geometry = mi.mesh ? cache.ofMesh(mi.mesh) : null;
    if (geometry) parts.push({ key: `r${i}:${mi.mesh!.id}`, geometry, node: mi.node ?? entity, scaled: true, offset: null });
  });
  return parts;
}

function collisionParts(entity: pc.Entity, c: pc.CollisionComponent, cache: ObstacleGeometryCache, prefix: string): ObstaclePart[] {
  if (c.type === 'mesh') {
    const meshes: pc.Mesh[] = c.render ? [...c.render.meshes ?? []] : (c.model?.meshInstances ?? []).map((mi) => mi.mesh);
    const parts: ObstaclePart[] = [];
    meshes.forEach((mesh, i) => {
      const geometry = mesh ? cache.ofMesh(mesh) : null;
      if (geometry) parts.push({ key: `${prefix}m${i}:${mesh.id}`, geometry, node: entity, scaled: true, offset: collisionOffset(c, 1) });
    });
    return parts;
  }
  const kind = c.type as PrimitiveKind;
  let size: number[];
  switch (c.type) {
    case 'box': size = [2 * c.halfExtents.x, 2 * c.halfExtents.y, 2 * c.halfExtents.z]; break;
    case 'sphere': size = [c.radius]; break;
    case 'capsule': case 'cylinder': case 'cone': size = [c.radius, c.height]; break;
    default: return [];
  }
  const axis = c.type === 'box' || c.type === 'sphere' ? 1 : c.axis;
  return [{ key: `${prefix}${kind}:${size.join(',')}:${axis}`, geometry: cache.ofPrimitive(kind, size), node: entity, scaled: false, offset: collisionOffset(c, axis) }];
}

/** The component's linear and angular offsets, then the turn that takes the primitive's +Y to its axis (0 x, 1 y, 2 z). */
function collisionOffset(c: pc.CollisionComponent, axis: number): pc.Mat4 | null {
  const lin = c.linearOffset ?? pc.Vec3.ZERO;
  const ang = c.angularOffset ?? pc.Quat.IDENTITY;
  const identity = lin.x === 0 && lin.y === 0 && lin.z === 0 && ang.equals(pc.Quat.IDENTITY) && axis === 1;
  if (identity) return null;
  const turn = new pc.Quat().setFromEulerAngles(axis === 2 ? 90 : 0, 0, axis === 0 ? -90 : 0);
  return new pc.Mat4().setTRS(lin, new pc.Quat().mul2(ang, turn), pc.Vec3.ONE);
}
