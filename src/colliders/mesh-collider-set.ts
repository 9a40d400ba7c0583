import type { Vec3 } from '../scene/scene-description';
import { ColliderMesh, MESH_COLLIDER_LIMITS, MeshColliderError, type MeshGeometry } from './collider-mesh';
import { MeshCollider, type MeshColliderOwner } from './mesh-collider';
import { resolveTransform, type MeshTransform, type ResolvedTransform } from './mesh-transform';

/** What `MeshColliderSet.add` takes. */
export interface MeshColliderOptions {
  /** Names the collider in warnings (an engine passes its entity's name). Default "mesh collider N". */
  name?: string;
  /**
   * The mesh: a ColliderMesh (made once, shared by colliders; its SDF is built once per
   * resolution), or positions and indices (the same arrays give the same ColliderMesh).
   */
  mesh: ColliderMesh | MeshGeometry;
  /** Where the mesh is, in the solver's grid frame (metres from the domain's min corner). */
  transform: MeshTransform;
  /** Default true. */
  enabled?: boolean;
  /**
   * SDF voxels along the mesh's longest axis, an integer in [MESH_COLLIDER_LIMITS.minResolution,
   * maxResolution]. Default: two voxels per grid cell at the first transform's scale (rounded
   * up to a multiple of 8, at least 16, at most 128).
   */
  resolution?: number;
  /**
   * Metres (>= 0): the solid also covers every point within thickness / 2 of the surface. For
   * open sheets (a mesh with no inside); 0 (default) for closed meshes.
   */
  thickness?: number;
  /**
   * Makes the collider deformable (a skinned mesh): `setPositions` gives new vertex positions
   * and the SDF is rebuilt from them at most every this many frames (an integer >= 1). Its SDF
   * is its own, not shared. Default: rigid.
   */
  revoxelizeEvery?: number;
  /** The solid's initial velocity (m/s); kept until the next setTransform. Default at rest. */
  linearVelocity?: Vec3;
  /** The solid's initial angular velocity (rad/s, about the transform's translation). */
  angularVelocity?: Vec3;
}

/**
 * The mesh colliders of one solver (`solver.meshColliders`): add, remove, enable and move
 * them at any frame; the solver builds each mesh's SDF once (per resolution) on the GPU and
 * resamples the enabled colliders into its solid level set in the steps after a change.
 * Bad input never throws here: the collider is refused (state 'refused', `problem` set) and
 * `onWarning` reports it, naming the collider; the liquid carries on without it.
 */
export class MeshColliderSet implements MeshColliderOwner {
  /** Where warnings go (default console.warn). */
  onWarning: (message: string) => void = (message) => console.warn(message);
  private readonly list: MeshCollider[] = [];
  private readonly meshes = new WeakMap<object, ColliderMesh>();
  private readonly warned = new WeakMap<MeshCollider, string>();
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;
  private unnamed = 0;
  private geometryVersionNow = 0;
  private motionVersionNow = 0;
  private frameNow = -1;

  /**
   * @param grid the solver's grid (default resolutions)
   * @param frameTime seconds per frame: the default time over which a transform change becomes a velocity
   */
  constructor(private readonly grid: { dims: readonly number[]; cellSize: number }, readonly frameTime: number,
    private readonly compile: () => Promise<void> = () => Promise.resolve()) {}

  /**
   * Compiles the mesh collider pipelines (the first step after an add otherwise waits for
   * them). Then `solver.reset()` starts the liquid around the colliders added so far (their
   * SDFs are built in the reset), instead of the colliders pushing into the initial liquid.
   */
  ready(): Promise<void> {
    return this.compile();
  }

  /**
   * Adds a collider (from the next step on). Never throws for bad input: a mesh with a
   * non-finite position, more than MESH_COLLIDER_LIMITS.maxTriangles triangles or no
   * non-degenerate triangle, a bad transform (non-finite, zero scale) or option, or no room
   * (MESH_COLLIDER_LIMITS.maxColliders) gives a refused collider and a warning naming it.
   */
  add(options: MeshColliderOptions): MeshCollider {
    const name = typeof options?.name === 'string' && options.name ? options.name : `mesh collider ${++this.unnamed}`;
    const where = `mesh collider "${name}"`;
    let problem: string | null = null;
    let recoverable = false;
    let mesh: ColliderMesh | null = null;
    let transform: ResolvedTransform | null = null;
    let resolution = 0;
    let thickness = 0;
    const refuse = (e: unknown) => {
      if (!(e instanceof MeshColliderError)) throw e;
      problem = e.message;
    };
    try {
      mesh = this.meshOf(options?.mesh, name);
      thickness = options.thickness ?? 0;
      if (typeof thickness !== 'number' || !(thickness >= 0) || !Number.isFinite(thickness)) {
        throw new MeshColliderError(`${where}: thickness must be a finite number of metres >= 0 (got ${options.thickness})`);
      }
      for (const [key, v] of [['linearVelocity', options.linearVelocity], ['angularVelocity', options.angularVelocity]] as const) {
        if (v !== undefined && (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
          throw new MeshColliderError(`${where}: ${key} must be [x, y, z], finite numbers`);
        }
      }
      if (options.revoxelizeEvery !== undefined && (!Number.isInteger(options.revoxelizeEvery) || options.revoxelizeEvery < 1)) {
        throw new MeshColliderError(`${where}: revoxelizeEvery must be an integer >= 1 (frames between SDF rebuilds; got ${options.revoxelizeEvery})`);
      }
      if (options.resolution !== undefined) {
        resolution = options.resolution;
        const { minResolution: lo, maxResolution: hi } = MESH_COLLIDER_LIMITS;
        if (!Number.isInteger(resolution) || resolution < lo || resolution > hi) {
          throw new MeshColliderError(`${where}: resolution must be an integer in [${lo}, ${hi}] (got ${options.resolution})`);
        }
      }
    } catch (e) {
      refuse(e);
    }
    if (!problem && mesh) {
      try {
        transform = resolveTransform(options.transform, where);
      } catch (e) {
        refuse(e);
        // a later valid setTransform brings it in
        recoverable = true;
      }
      if (!resolution) resolution = this.defaultResolution(mesh, transform);
    }
    const moving = !problem && (options.linearVelocity || options.angularVelocity);
    const collider = new MeshCollider(this, {
      name, mesh, problem, recoverable, transform, enabled: options?.enabled ?? true, resolution, thickness,
      ...(options?.revoxelizeEvery ? { revoxelizeEvery: options.revoxelizeEvery, sourceIndices: options.mesh.indices } : {}),
      ...(moving ? { motion: { center: [...transform!.translation], linearVelocity: options.linearVelocity ?? [0, 0, 0], angularVelocity: options.angularVelocity ?? [0, 0, 0] } } : {}),
    });
    if (problem) this.warn(collider, problem);
    if (!problem || recoverable) {
      const slot = this.freeSlots.pop() ?? (this.nextSlot < MESH_COLLIDER_LIMITS.maxColliders ? this.nextSlot++ : -1);
      if (slot < 0) {
        collider.refuse(`${where}: refused, this solver already holds ${MESH_COLLIDER_LIMITS.maxColliders} mesh colliders (remove one first)`);
      } else {
        collider.slot = slot;
        collider.movedAt = this.frameNow;
      }
    }
    this.list.push(collider);
    this.geometryChanged();
    this.motionChanged();
    return collider;
  }

  /** Removes a collider (same as collider.remove()). */
  remove(collider: MeshCollider): void {
    const at = this.list.indexOf(collider);
    if (at < 0) return;
    this.list.splice(at, 1);
    if (collider.slot >= 0) this.freeSlots.push(collider.slot);
    collider.markRemoved();
    this.geometryChanged();
    this.motionChanged();
  }

  /** Every collider not removed (refused ones included). */
  get colliders(): readonly MeshCollider[] {
    return this.list;
  }

  /** @internal Counts changes of the solid geometry (the composer rebuilds when it moves on). */
  get geometryVersion(): number {
    return this.geometryVersionNow;
  }

  /** @internal Counts changes of the colliders' motions. */
  get motionVersion(): number {
    return this.motionVersionNow;
  }

  /** The frame whose step started last. */
  get currentFrame(): number {
    return this.frameNow;
  }

  /**
   * @internal A step of `frame` begins: when it is a new frame, derived motions of colliders not
   * moved since the previous frame began end (a collider nobody moves is at rest).
   */
  beginFrame(frame: number): void {
    if (frame === this.frameNow) return;
    const restart = frame < this.frameNow;
    this.frameNow = frame;
    for (const c of this.list) if (restart || c.movedAt < frame - 1) c.settle();
  }

  geometryChanged(): void {
    this.geometryVersionNow++;
  }

  motionChanged(): void {
    this.motionVersionNow++;
  }

  warn(collider: MeshCollider, problem: string): void {
    if (this.warned.get(collider) === problem) return;
    this.warned.set(collider, problem);
    this.onWarning(`latent-liquid: ${problem} (collider refused; the liquid carries on without it)`);
  }

  private meshOf(mesh: ColliderMesh | MeshGeometry | undefined, name: string): ColliderMesh {
    if (mesh instanceof ColliderMesh) return mesh;
    if (!mesh || typeof mesh !== 'object') throw new MeshColliderError(`mesh collider "${name}": needs a mesh { positions, indices }`);
    const key = mesh.positions as object;
    const cached = key && typeof key === 'object' ? this.meshes.get(key) : undefined;
    if (cached && cached.sourceIndices === mesh.indices) return cached;
    const made = ColliderMesh.from(mesh, name);
    made.sourceIndices = mesh.indices;
    if (key && typeof key === 'object') this.meshes.set(key, made);
    return made;
  }

  /**
   * Two SDF voxels per grid cell along every axis at this transform's scale (1 if none), a
   * multiple of 8 in [16, 128]. Trilinear sampling of an SDF at one voxel per cell rounds edges
   * and the medial axis by up to a third of a cell; at two, a tenth (docs/colliders.md).
   */
  private defaultResolution(mesh: ColliderMesh, t: ResolvedTransform | null): number {
    const b = mesh.bounds;
    const longest = Math.max(...[0, 1, 2].map((a) => b.max[a] - b.min[a]));
    const largestScale = t ? Math.max(...t.scale.map(Math.abs)) : 1;
    const voxels = (2 * longest * largestScale) / this.grid.cellSize;
    return Math.min(128, Math.max(16, Math.ceil(voxels / 8) * 8));
  }
}
