import type { Vec3 } from '../scene/scene-description';
import { ColliderMesh, MeshColliderError } from './collider-mesh';
import { motionBetween, type MeshTransform, resolveTransform, type ResolvedTransform } from './mesh-transform';
import { SOLID_AT_REST, type SolidMotion } from './solid-motion';

/** 'active': in the liquid's solids when enabled; 'refused': bad input (see `problem`); 'removed': gone for good. */
export type MeshColliderState = 'active' | 'refused' | 'removed';

/** How a transform change moves the liquid (MeshCollider.setTransform). */
export interface MeshMotionOptions {
  /**
   * Seconds since the previous transform, to derive the velocity from the change (default: the
   * solver's frame time).
   */
  dt?: number;
  /** The solid's velocity (m/s) instead of the derived one; kept until the next setTransform. */
  linearVelocity?: Vec3;
  /** The solid's angular velocity (rad/s, about the transform's translation) instead of the derived one. */
  angularVelocity?: Vec3;
  /** A jump, not a motion: no velocity is derived from this change. */
  teleport?: boolean;
}

/** What a collider tells the set that owns it. */
export interface MeshColliderOwner {
  /** The solid level set must be rebuilt (a transform, enabled or the collider list changed). */
  geometryChanged(): void;
  /** The solid motion table must be rewritten. */
  motionChanged(): void;
  remove(collider: MeshCollider): void;
  /** Reports a problem once per collider and message. */
  warn(collider: MeshCollider, problem: string): void;
  /** The frame whose step started last (a derived motion holds until the frame after the next). */
  readonly currentFrame: number;
  readonly frameTime: number;
}

/**
 * A triangle mesh that the liquid cannot enter, placed in the solver's grid frame. Made by
 * `solver.meshColliders.add()`; moved by `setTransform` once per frame (the solid's velocity
 * comes from the change, so a moving or spinning mesh pushes the liquid), toggled by `enabled`,
 * dropped by `remove()` (safe at any time: the next step no longer sees it).
 */
export class MeshCollider {
  readonly name: string;
  /**
   * Frames between SDF rebuilds of a deformable collider (setPositions), 0 for a rigid one.
   */
  readonly revoxelizeEvery: number;
  /** SDF voxels along the mesh's longest axis. */
  readonly resolution: number;
  /** Metres: the solid also covers the points within thickness / 2 of the surface (for open sheets). */
  readonly thickness: number;
  /** @internal Entry in the mesh part of the solid motion table. */
  slot = -1;
  /** @internal Frame (owner.currentFrame) of the last setTransform. */
  movedAt = -Infinity;
  /** @internal Whether the motion was derived from a transform change (it then lasts one frame). */
  motionDerived = false;
  /** @internal Whether the collider's bounds reach the grid (set by the composer each rebuild). */
  reachesGrid = true;

  private stateNow: MeshColliderState;
  private problemNow: string | null;
  private enabledNow: boolean;
  private transformNow: ResolvedTransform | null;
  private motionNow: SolidMotion = { ...SOLID_AT_REST };
  /** Refused for its mesh or options: no transform brings it in. */
  private readonly permanentProblem: boolean;
  private meshNow: ColliderMesh | null;
  /** Deformable: the next positions' mesh, waiting for the rebuild interval. */
  private pendingMesh: ColliderMesh | null = null;
  /** Deformable: the indices it was made with (degenerate ones included: a pose may make them whole). */
  private readonly sourceIndices: ArrayLike<number> | null;
  /** @internal Deformable: the frame of the last mesh swap (rebuild). */
  rebuiltAt = -Infinity;

  /** @internal Made by MeshColliderSet.add. */
  constructor(private readonly owner: MeshColliderOwner, init: {
    name: string; mesh: ColliderMesh | null; problem: string | null; recoverable: boolean; transform: ResolvedTransform | null; enabled: boolean;
    resolution: number; thickness: number; motion?: SolidMotion; revoxelizeEvery?: number; sourceIndices?: ArrayLike<number>;
  }) {
    this.name = init.name;
    this.meshNow = init.mesh;
    this.revoxelizeEvery = init.revoxelizeEvery ?? 0;
    this.sourceIndices = init.sourceIndices ?? init.mesh?.indices ?? null;
    this.resolution = init.resolution;
    this.thickness = init.thickness;
    this.enabledNow = init.enabled;
    this.transformNow = init.transform;
    this.permanentProblem = init.problem !== null && !init.recoverable;
    this.problemNow = init.problem;
    this.stateNow = init.problem ? 'refused' : 'active';
    if (init.motion) this.motionNow = init.motion;
  }

  /** The mesh whose SDF the liquid sees (null when the collider was refused for its mesh). */
  get mesh(): ColliderMesh | null {
    return this.meshNow;
  }

  get state(): MeshColliderState {
    return this.stateNow;
  }

  /** Why the collider is refused (null when it is not). */
  get problem(): string | null {
    return this.problemNow;
  }

  /** Whether it takes part (an active, enabled collider whose bounds reach the grid). */
  get effective(): boolean {
    return this.stateNow === 'active' && this.enabledNow && this.reachesGrid;
  }

  get enabled(): boolean {
    return this.enabledNow;
  }

  /** Enables or disables the collider from the next step on (its SDF stays cached). */
  set enabled(on: boolean) {
    if (this.enabledNow === Boolean(on)) return;
    this.enabledNow = Boolean(on);
    if (this.stateNow === 'active') this.owner.geometryChanged();
  }

  /** The last accepted transform (null if none was ever valid). */
  get transform(): ResolvedTransform | null {
    return this.transformNow ? { translation: [...this.transformNow.translation], rotation: [...this.transformNow.rotation], scale: [...this.transformNow.scale] } : null;
  }

  /** The solid's rigid motion (grid frame), as the liquid sees it. */
  get motion(): SolidMotion {
    return { center: [...this.motionNow.center], linearVelocity: [...this.motionNow.linearVelocity], angularVelocity: [...this.motionNow.angularVelocity] };
  }

  /**
   * Moves the collider (grid frame). Its velocity is `linearVelocity`/`angularVelocity` when
   * given, else derived from the change since the previous transform over `dt` (a derived
   * motion lasts for the next frame only: a collider that is not moved again is at rest).
   * A transform with a non-finite number, a zero-length rotation or a zero scale factor is
   * refused: the collider is left out of the liquid (with a warning naming it) until a valid
   * transform comes. Returns whether the transform was accepted.
   */
  setTransform(transform: MeshTransform, motion: MeshMotionOptions = {}): boolean {
    if (this.stateNow === 'removed' || this.permanentProblem || this.slot < 0) return false;
    let next: ResolvedTransform;
    try {
      next = resolveTransform(transform, `mesh collider "${this.name}"`);
    } catch (e) {
      this.refuse(e instanceof MeshColliderError ? e.message : String(e));
      return false;
    }
    const previous = this.transformNow;
    const recovered = this.stateNow === 'refused';
    this.transformNow = next;
    this.stateNow = 'active';
    this.problemNow = null;
    this.movedAt = this.owner.currentFrame;
    if (motion.linearVelocity || motion.angularVelocity) {
      this.setMotion({ center: [...next.translation], linearVelocity: motion.linearVelocity ?? [0, 0, 0], angularVelocity: motion.angularVelocity ?? [0, 0, 0] }, false);
    } else if (previous && !recovered && !motion.teleport) {
      const dt = motion.dt ?? this.owner.frameTime;
      this.setMotion(dt > 0 && Number.isFinite(dt) ? motionBetween(previous, next, dt) : { ...SOLID_AT_REST, center: [...next.translation] }, true);
    } else {
      this.setMotion({ ...SOLID_AT_REST, center: [...next.translation] }, false);
    }
    if (!sameTransform(previous, next) || recovered) this.owner.geometryChanged();
    return true;
  }

  /**
   * A deformable collider's (made with `revoxelizeEvery`) new vertex positions in its mesh
   * frame, such as a skinned mesh's this frame: same vertex count and triangles as the mesh it
   * was made with. Its SDF is rebuilt from the latest positions at most every `revoxelizeEvery`
   * frames. Non-finite positions or a wrong count: refused with a warning, the old shape stays.
   * Returns whether the positions were accepted.
   */
  setPositions(positions: Float32Array | readonly number[]): boolean {
    if (this.stateNow === 'removed' || !this.meshNow || !this.sourceIndices) return false;
    const where = `mesh collider "${this.name}"`;
    if (this.revoxelizeEvery === 0) {
      this.owner.warn(this, `${where}: setPositions needs a deformable collider (add it with revoxelizeEvery); positions ignored`);
      return false;
    }
    if (positions?.length !== this.meshNow.positions.length) {
      this.owner.warn(this, `${where}: setPositions needs ${this.meshNow.positions.length} numbers (the mesh's vertices x, y, z), got ${positions?.length}; positions ignored`);
      return false;
    }
    try {
      this.pendingMesh = ColliderMesh.from({ positions, indices: Array.from(this.sourceIndices) }, this.name);
      return true;
    } catch (e) {
      if (!(e instanceof MeshColliderError)) throw e;
      this.owner.warn(this, `${e.message}; positions ignored, the previous shape stays`);
      return false;
    }
  }

  /** @internal Whether a deformed mesh waits and the interval since the last rebuild has passed. */
  wantsRebuild(frame: number): boolean {
    return this.pendingMesh !== null && frame - this.rebuiltAt >= this.revoxelizeEvery;
  }

  /** @internal Takes the waiting deformed mesh (the composer then builds its SDF). */
  adoptPendingMesh(frame: number): void {
    if (!this.pendingMesh) return;
    this.meshNow = this.pendingMesh;
    this.pendingMesh = null;
    this.rebuiltAt = frame;
    this.owner.geometryChanged();
  }

  /** Removes the collider for good (safe at any time; the next step no longer sees it). */
  remove(): void {
    if (this.stateNow === 'removed') return;
    this.owner.remove(this);
  }

  /** @internal The set marks it removed. */
  markRemoved(): void {
    this.stateNow = 'removed';
  }

  /** @internal A frame began without a new transform: a derived motion ends. */
  settle(): void {
    if (this.motionDerived && isMoving(this.motionNow)) this.setMotion({ ...SOLID_AT_REST, center: [...this.motionNow.center] }, true);
  }

  /** @internal Refused by the set (no room, atlas full) or by a bad transform. */
  refuse(problem: string): void {
    const wasActive = this.stateNow === 'active';
    this.stateNow = 'refused';
    this.problemNow = problem;
    this.owner.warn(this, problem);
    if (wasActive) this.owner.geometryChanged();
  }

  private setMotion(m: SolidMotion, derived: boolean): void {
    const changed = !sameMotion(m, this.motionNow);
    this.motionNow = m;
    this.motionDerived = derived;
    if (changed) this.owner.motionChanged();
  }
}

function sameTransform(a: ResolvedTransform | null, b: ResolvedTransform): boolean {
  if (!a) return false;
  return a.translation.every((v, i) => v === b.translation[i]) && a.rotation.every((v, i) => v === b.rotation[i]) && a.scale.every((v, i) => v === b.scale[i]);
}

function sameMotion(a: SolidMotion, b: SolidMotion): boolean {
  const eq = (x: readonly number[], y: readonly number[]) => x[0] === y[0] && x[1] === y[1] && x[2] === y[2];
  return eq(a.center, b.center) && eq(a.linearVelocity, b.linearVelocity) && eq(a.angularVelocity, b.angularVelocity);
}

function isMoving(m: SolidMotion): boolean {
  return m.linearVelocity.some((v) => v !== 0) || m.angularVelocity.some((v) => v !== 0);
}
