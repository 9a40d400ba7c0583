import type { MeshShape, Vec3 } from '../scene/scene-description';
import type { GridLayout } from '../solver/grid-layout';
import type { LiquidFields } from '../solver/liquid-fields';
import type { GpuShape } from '../solver/shape-packing';
import type { MeshCollider } from './mesh-collider';
import { MeshColliderSet } from './mesh-collider-set';
import { meshColliderInstance, MeshResamplePass, RESAMPLE_MARGIN_CELLS, type MeshColliderInstance } from './mesh-resample-pass';
import { MeshSdf, MeshSdfBuilder } from './mesh-sdf-builder';
import type { ResolvedTransform } from './mesh-transform';
import { animatedTransform, sceneMeshColliderOptions } from './scene-meshes';
import { SdfAtlas } from './sdf-atlas';
import { sdfPaddingFor } from './sdf-grid';
import { motionOfShape, packSolidMotions, type SolidMotion } from './solid-motion';

/** What a step must encode for the solids (SolidComposer.prepare). */
export interface SolidWork {
  /** Mesh SDFs to build first (encodeBuilds). */
  voxelize: boolean;
  /** The solid level set and ids must be recomposed (compose). */
  compose: boolean;
}

/**
 * Composes every solid of a solver into its solid level set (the minimum distance), the
 * per-cell solid id and the solid motion table: the primitive obstacles (entries
 * 0..obstacles-1 of the table, rasterized by shapes.wgsl) and the mesh colliders (entries
 * shapeCapacity + slot). Rebuilds only in the steps after something changed; builds each mesh's
 * SDF once per resolution (on the GPU, cached in one atlas) the step after a collider first
 * needs it. The GPU pipelines of the mesh part are compiled when the first collider is added.
 */
export class SolidComposer {
  /** The public collider list (solver.meshColliders). */
  readonly meshColliders: MeshColliderSet;
  private gpu: { builder: MeshSdfBuilder; resample: MeshResamplePass; atlas: SdfAtlas } | null = null;
  private gpuMade: Promise<void> | null = null;
  private readonly sdfs = new Map<string, MeshSdf>();
  private readonly sdfOf = new Map<MeshCollider, MeshSdf>();
  private pendingBuilds: MeshSdf[] = [];
  /** Built in an earlier step: their triangles are freed at the next prepare (the build was submitted). */
  private builtLastStep: MeshSdf[] = [];
  private composedGeometry = -1;
  private writtenMotion = -1;
  private destroyed = false;
  /** Scene meshes with `animate`: moved to their place at each step's time. */
  private readonly animated: { collider: MeshCollider; base: ResolvedTransform; velocity: Vec3; angularVelocity: Vec3 }[] = [];
  private animatedAt = NaN;

  constructor(private readonly device: GPUDevice, private readonly grid: GridLayout, private readonly fields: LiquidFields,
    private readonly rasterizeObstacles: (pass: GPUComputePassEncoder) => void, frameTime: number) {
    this.meshColliders = new MeshColliderSet(grid, frameTime, () => this.ready());
  }

  /**
   * Adds a scene's mesh obstacles as colliders (`obstacles[index]` for each entry).
   * @throws Error when a mesh names an .obj file that was not loaded
   */
  addSceneMeshes(meshes: readonly { shape: MeshShape; index: number }[]): void {
    for (const { shape, index } of meshes) {
      const collider = this.meshColliders.add(sceneMeshColliderOptions(shape, index));
      const base = collider.transform;
      if (shape.animate && base) {
        this.animated.push({ collider, base, velocity: shape.velocity ?? [0, 0, 0], angularVelocity: shape.angularVelocity ?? [0, 0, 0] });
      }
    }
  }

  /** Whether a step must await `ready()` first (a collider waits for the mesh pipelines). */
  get needsPipelines(): boolean {
    return this.gpu === null && this.meshColliders.colliders.some((c) => c.state === 'active');
  }

  /** Compiles the mesh collider pipelines (once); resolves when they are built. */
  ready(): Promise<void> {
    this.gpuMade ??= Promise.all([MeshSdfBuilder.create(this.device), MeshResamplePass.create(this.device, this.grid, this.fields)]).then(([builder, resample]) => {
      if (this.destroyed) { builder.destroy(); resample.destroy(); return; }
      this.gpu = { builder, resample, atlas: new SdfAtlas(this.device) };
    });
    return this.gpuMade;
  }

  /**
   * The CPU part of a step's solid update, before its command encoder is created (a growing
   * atlas submits a copy): ends derived motions at a new frame, drops removed colliders'
   * SDFs, reserves and uploads new ones, writes the collider instances and the motion table
   * when they changed. Colliders waiting for the pipelines are left for a later step.
   */
  prepare(obstacles: readonly GpuShape[], obstaclesChanged: boolean, frame: number, time: number): SolidWork {
    const set = this.meshColliders;
    this.gpu?.builder.releaseRetired();
    for (const sdf of this.builtLastStep) sdf.releaseBuildInputs();
    this.builtLastStep = [];
    set.beginFrame(frame);
    if (time !== this.animatedAt) {
      this.animatedAt = time;
      for (const a of this.animated) {
        if (a.collider.state === 'removed') continue;
        a.collider.setTransform(animatedTransform(a.base, a.velocity, a.angularVelocity, time), { linearVelocity: a.velocity, angularVelocity: a.angularVelocity });
      }
    }
    for (const [c, sdf] of this.sdfOf) {
      const rebuild = c.state !== 'removed' && c.wantsRebuild(frame);
      if (c.state === 'removed' || rebuild) {
        this.sdfOf.delete(c);
        this.release(sdf);
      }
      if (rebuild) c.adoptPendingMesh(frame);
    }
    // a deformable collider still without an SDF takes its latest positions at once
    for (const c of set.colliders) if (!this.sdfOf.has(c) && c.wantsRebuild(frame)) c.adoptPendingMesh(frame);
    if (this.gpu) {
      for (const c of set.colliders) {
        const t = c.transform;
        if (c.state !== 'active' || this.sdfOf.has(c) || !c.mesh || !t) continue;
        // The SDF reaches the resample margin at the collider's scale now (colliders of one mesh
        // at one resolution and similar scales share it).
        const pad = sdfPaddingFor(c.mesh.bounds, c.resolution, t.scale, RESAMPLE_MARGIN_CELLS * this.grid.cellSize);
        const key = `${c.mesh.id}@${c.resolution}+${pad.join(',')}`;
        let sdf = this.sdfs.get(key);
        if (!sdf) {
          const made = MeshSdf.create(this.device, c.mesh, c.resolution, this.gpu.atlas, pad);
          if (typeof made === 'string') { c.refuse(`mesh collider "${c.name}": ${made}`); continue; }
          sdf = made;
          this.sdfs.set(key, sdf);
          this.pendingBuilds.push(sdf);
          set.geometryChanged();
        }
        sdf.references++;
        this.sdfOf.set(c, sdf);
      }
    }
    const compose = obstaclesChanged || set.geometryVersion !== this.composedGeometry;
    if (compose) {
      this.composedGeometry = set.geometryVersion;
      this.gpu?.resample.setInstances(this.instances());
    }
    if (obstaclesChanged || set.motionVersion !== this.writtenMotion) {
      this.writtenMotion = set.motionVersion;
      this.writeMotionTable(obstacles);
    }
    return { voxelize: this.pendingBuilds.length > 0, compose };
  }

  /** Encodes the pending SDF builds (one after another in `pass`). */
  encodeBuilds(pass: GPUComputePassEncoder): void {
    if (!this.gpu) return;
    for (const sdf of this.pendingBuilds) this.gpu.builder.encode(pass, sdf, this.gpu.atlas);
    this.builtLastStep.push(...this.pendingBuilds);
    this.pendingBuilds = [];
  }

  /** Encodes the composition: the primitive obstacles, then the mesh colliders over them. */
  compose(pass: GPUComputePassEncoder): void {
    this.rasterizeObstacles(pass);
    if (this.gpu) this.gpu.resample.resample(pass, this.gpu.atlas);
  }

  /** Entry of a mesh collider in the solid motion table (its solid id minus 1). */
  meshSolidIndex(collider: MeshCollider): number {
    return this.fields.shapeCapacity + collider.slot;
  }

  /** @internal The atlas range and grid of a collider's SDF (null before it was reserved). */
  sdfFor(collider: MeshCollider): MeshSdf | null {
    return this.sdfOf.get(collider) ?? null;
  }

  /** @internal The atlas and the builder (tests read what a build wrote). */
  get gpuParts(): { builder: MeshSdfBuilder; atlas: SdfAtlas } | null {
    return this.gpu;
  }

  /** GPU bytes held by the mesh colliders (SDF atlas, triangles, build scratch, instance table). */
  get byteSize(): number {
    if (!this.gpu) return 0;
    let bytes = this.gpu.atlas.byteSize + this.gpu.builder.byteSize + this.gpu.resample.byteSize;
    for (const sdf of this.sdfs.values()) bytes += sdf.byteSize - sdf.layout.voxelCount * 4;
    return bytes;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const sdf of this.sdfs.values()) sdf.destroy();
    this.sdfs.clear();
    this.sdfOf.clear();
    if (this.gpu) {
      this.gpu.builder.destroy();
      this.gpu.resample.destroy();
      this.gpu.atlas.destroy();
      this.gpu = null;
    }
  }

  private instances(): MeshColliderInstance[] {
    const out: MeshColliderInstance[] = [];
    for (const c of this.meshColliders.colliders) {
      const sdf = this.sdfOf.get(c);
      const t = c.transform;
      if (c.state !== 'active' || !c.enabled || !sdf || !t || !c.mesh) continue;
      const instance = meshColliderInstance(this.grid, t, c.mesh.bounds, sdf, this.meshSolidIndex(c), c.thickness);
      c.reachesGrid = instance !== null;
      if (instance) out.push(instance);
    }
    return out;
  }

  private writeMotionTable(obstacles: readonly GpuShape[]): void {
    const table: (SolidMotion | undefined)[] = Array.from({ length: this.fields.solidMotionCapacity }, () => undefined);
    obstacles.forEach((s, i) => { table[i] = motionOfShape(s); });
    for (const c of this.meshColliders.colliders) {
      if (c.slot >= 0 && c.state === 'active') table[this.meshSolidIndex(c)] = c.motion;
    }
    this.device.queue.writeBuffer(this.fields.solidMotions, 0, packSolidMotions(table));
  }

  private release(sdf: MeshSdf): void {
    if (--sdf.references > 0) return;
    for (const [key, v] of this.sdfs) if (v === sdf) this.sdfs.delete(key);
    this.pendingBuilds = this.pendingBuilds.filter((s) => s !== sdf);
    sdf.destroy();
  }
}
