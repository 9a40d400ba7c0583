import * as pc from 'playcanvas';
import { MESH_COLLIDER_LIMITS, transformPoint, type LiquidSolver, type MeshCollider, type ResolvedTransform, type Vec3 } from '../src/index';
import { ObstacleGeometryCache } from './obstacle-geometry-cache';
import { obstacleParts, type ObstaclePart } from './obstacle-parts';

/** Tag that makes an entity (anywhere in the scene) an obstacle of the liquids whose box it reaches. */
export const OBSTACLE_TAG = 'liquid-obstacle';

/** What the tracker reports about one collider it feeds (for tests and tools). */
export interface TrackedObstacle {
  entity: pc.Entity;
  collider: MeshCollider;
}

/**
 * Turns every entity of the app tagged `liquid-obstacle` (any entity in the scene, not only the
 * liquid's children) whose world bounds reach the liquid's box into mesh colliders of the core
 * (`solver.meshColliders`), one per mesh of the entity (see obstacleParts): each frame it follows
 * the entity's world transform relative to the liquid (translation, rotation, per-axis scale;
 * the core derives the solid's velocity from the change, so moving and spinning meshes push the
 * liquid), enables and disables it with the entity, adds colliders for entities tagged later and
 * removes those whose entity was destroyed or untagged. Entities whose bounds leave the box are
 * disabled (kept, with their SDF). Triangles are extracted once per engine mesh (and per
 * primitive size); bad input (a mesh over the triangle limit, NaN positions, zero scale) is
 * refused by the core with a warning that names the entity, and the liquid carries on.
 */
export class MeshObstacleTracker {
  /** The tag looked for (liquidVolume.obstacleTag); '' turns tracking off. */
  tag = OBSTACLE_TAG;
  /** SDF voxels along a mesh's longest axis; 0: the core's default (two voxels per cell). */
  resolution = 0;
  private solver: LiquidSolver | null = null;
  private readonly geometry = new ObstacleGeometryCache();
  private readonly colliders = new Map<pc.Entity, Map<string, MeshCollider>>();
  private readonly inv = new pc.Mat4();
  private readonly world = new pc.Mat4();
  private readonly rel = new pc.Mat4();
  private readonly rotation = new pc.Mat4();
  private readonly quat = new pc.Quat();

  constructor(private readonly app: pc.AppBase, private readonly liquid: pc.Entity) {}

  /** Feeds a new solver (its collider set starts empty: every obstacle is added again). */
  attach(solver: LiquidSolver, warn: (message: string) => void): void {
    this.solver = solver;
    this.colliders.clear();
    solver.meshColliders.onWarning = warn;
  }

  /** The solver went away (its colliders with it). */
  detach(): void {
    this.solver = null;
    this.colliders.clear();
  }

  /** Sets the tag and the SDF resolution; a change re-adds every collider. */
  configure(tag: string, resolution: number): void {
    if (tag === this.tag && resolution === this.resolution) return;
    this.tag = tag;
    this.resolution = resolution;
    this.removeAll();
  }

  /** The colliders fed now, with their entities. */
  get tracked(): TrackedObstacle[] {
    const out: TrackedObstacle[] = [];
    for (const [entity, parts] of this.colliders) for (const collider of parts.values()) out.push({ entity, collider });
    return out;
  }

  /**
   * Before a step: finds the tagged entities and updates their colliders.
   * @param dt simulated seconds this step advances (the time over which a move becomes a velocity)
   */
  update(dt: number): void {
    const solver = this.solver;
    if (!solver) return;
    const seen = new Set<MeshCollider>();
    if (this.tag) {
      const { resolution: n, cellSize } = solver.scene;
      const box: Vec3 = [n[0] * cellSize, n[1] * cellSize, n[2] * cellSize];
      this.inv.copy(this.liquid.getWorldTransform()).invert();
      for (const node of this.app.root.findByTag(this.tag)) {
        if (!(node instanceof pc.Entity) || node === this.liquid) continue;
        for (const part of obstacleParts(node, this.geometry)) {
          const collider = this.updatePart(solver, node, part, box, cellSize, dt);
          if (collider) seen.add(collider);
        }
      }
    }
    for (const [entity, parts] of this.colliders) {
      for (const [key, collider] of parts) {
        if (seen.has(collider)) continue;
        collider.remove();
        parts.delete(key);
      }
      if (parts.size === 0) this.colliders.delete(entity);
    }
  }

  private updatePart(solver: LiquidSolver, entity: pc.Entity, part: ObstaclePart, box: Vec3, cellSize: number, dt: number): MeshCollider | null {
    const transform = this.transformOf(part);
    let parts = this.colliders.get(entity);
    let collider = parts?.get(part.key) ?? null;
    // Bad input goes to the core, which refuses it with a warning naming the entity; good input
    // only while its bounds reach the box.
    const bad = !part.geometry.bounds || !isUsable(transform);
    if (!bad && !reachesBox(transform, part.geometry.bounds!, box)) {
      if (collider) collider.enabled = false;
      return collider;
    }
    if (!collider) {
      collider = solver.meshColliders.add({
        name: entity.name, mesh: part.geometry, transform, enabled: entity.enabled,
        ...(this.resolution > 0 ? { resolution: Math.max(MESH_COLLIDER_LIMITS.minResolution, this.resolution) } : {}),
        // an open mesh (a plane, a terrain patch) has no inside: it becomes a sheet one cell thick
        thickness: part.geometry.open ? cellSize : 0,
      });
      if (!parts) this.colliders.set(entity, (parts = new Map()));
      parts.set(part.key, collider);
      return collider;
    }
    // Back from disabled (the entity, or its bounds outside the box): a jump, not a motion.
    const wasOn = collider.enabled;
    collider.enabled = entity.enabled;
    if (entity.enabled) collider.setTransform(transform, wasOn ? { dt } : { teleport: true });
    return collider;
  }

  /**
   * The part's transform in the liquid's frame (the inverse of the liquid's world transform
   * times the part's), as translation, rotation and per-axis scale. A chain of rotations and
   * non-uniform scales can shear, which a TRS cannot hold: the rotation is then the one of the
   * Gram-Schmidt orthonormalized axes and the scale their lengths.
   */
  private transformOf(part: ObstaclePart): ResolvedTransform {
    const node = part.node;
    if (part.scaled) this.world.copy(node.getWorldTransform());
    else this.world.setTRS(node.getPosition(), node.getRotation(), pc.Vec3.ONE);
    if (part.offset) this.world.mul(part.offset);
    this.rel.mul2(this.inv, this.world);
    const m = this.rel.data;
    const axes = [[m[0], m[1], m[2]], [m[4], m[5], m[6]], [m[8], m[9], m[10]]];
    const scale = axes.map((a) => Math.hypot(a[0], a[1], a[2])) as Vec3;
    const translation: Vec3 = [m[12], m[13], m[14]];
    const det = axes[0][0] * (axes[1][1] * axes[2][2] - axes[1][2] * axes[2][1])
      - axes[0][1] * (axes[1][0] * axes[2][2] - axes[1][2] * axes[2][0])
      + axes[0][2] * (axes[1][0] * axes[2][1] - axes[1][1] * axes[2][0]);
    // a mirror: one negative factor (the core takes signed scales)
    if (det < 0) scale[0] = -scale[0];
    if (!scale.every((s) => Math.abs(s) >= MESH_COLLIDER_LIMITS.minScale && Number.isFinite(s))) {
      return { translation, rotation: [0, 0, 0, 1], scale };
    }
    const x = axes[0].map((v) => v / scale[0]);
    const yRaw = axes[1];
    const d = x[0] * yRaw[0] + x[1] * yRaw[1] + x[2] * yRaw[2];
    const yo = [yRaw[0] - d * x[0], yRaw[1] - d * x[1], yRaw[2] - d * x[2]];
    const yl = Math.hypot(yo[0], yo[1], yo[2]);
    const y = yo.map((v) => v / yl);
    const z = [x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]];
    const r = this.rotation.data;
    r.set([x[0], x[1], x[2], 0, y[0], y[1], y[2], 0, z[0], z[1], z[2], 0, 0, 0, 0, 1]);
    this.quat.setFromMat4(this.rotation);
    return { translation, rotation: [this.quat.x, this.quat.y, this.quat.z, this.quat.w], scale };
  }

  /** Removes every collider (a new tag or resolution). */
  private removeAll(): void {
    for (const parts of this.colliders.values()) for (const c of parts.values()) c.remove();
    this.colliders.clear();
  }
}

function isUsable(t: ResolvedTransform): boolean {
  return [...t.translation, ...t.rotation, ...t.scale].every(Number.isFinite) && t.scale.every((s) => Math.abs(s) >= MESH_COLLIDER_LIMITS.minScale);
}

/** Whether the transformed bounds overlap the liquid's box [0, box]. */
function reachesBox(t: ResolvedTransform, b: { min: Vec3; max: Vec3 }, box: Vec3): boolean {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let c = 0; c < 8; c++) {
    const p = transformPoint(t, [c & 1 ? b.max[0] : b.min[0], c & 2 ? b.max[1] : b.min[1], c & 4 ? b.max[2] : b.min[2]]);
    for (let a = 0; a < 3; a++) { min[a] = Math.min(min[a], p[a]); max[a] = Math.max(max[a], p[a]); }
  }
  return [0, 1, 2].every((a) => max[a] >= 0 && min[a] <= box[a]);
}
