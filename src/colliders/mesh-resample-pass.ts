import source from '../../shaders/colliders/mesh-resample.wgsl';
import { dispatch, KernelFamily, workgroups3d } from '../gpu/compute-kernel';
import { WgslStructLayout } from '../gpu/wgsl-struct';
import type { Vec3 } from '../scene/scene-description';
import type { GridLayout } from '../solver/grid-layout';
import type { LiquidFields } from '../solver/liquid-fields';
import { MESH_COLLIDER_LIMITS } from './collider-mesh';
import { distanceScale, type Quat, type ResolvedTransform, transformedBounds } from './mesh-transform';
import type { SdfAtlas } from './sdf-atlas';
import type { SdfGridLayout } from './sdf-grid';

/** The layout of the WGSL `MeshColliderInstance` (shaders/colliders/mesh-resample.wgsl). */
export const MESH_INSTANCE_LAYOUT = WgslStructLayout.parse(source, 'MeshColliderInstance');
const RESAMPLE_PARAMS_LAYOUT = WgslStructLayout.parse(source, 'MeshResampleParams');

/** The resample pipeline per device (bind groups are per solver). */
const FAMILIES = new WeakMap<GPUDevice, Promise<KernelFamily>>();

/**
 * Cells around a collider's bounds that get its distance (beyond them the solid level set keeps
 * the other solids' value). Within its SDF's grid (5 SDF voxels around the mesh's bounds) the
 * distance is the sampled SDF; beyond it, up to this margin, a lower bound (docs/colliders.md).
 */
export const RESAMPLE_MARGIN_CELLS = 4;

/** One enabled collider as the resample kernel reads it (field by field the WGSL struct). */
export interface MeshColliderInstance {
  translation: Vec3;
  distanceScale: number;
  rotation: Quat;
  inverseScale: Vec3;
  thickness: number;
  sdfOrigin: Vec3;
  voxelSize: number;
  sdfDims: Vec3;
  atlasOffset: number;
  cellMin: Vec3;
  solidIndex: number;
  cellMax: Vec3;
  /** The mesh's bounds (mesh frame). */
  boundsMin: Vec3;
  boundsMax: Vec3;
}

/**
 * A collider's instance on `grid`: its transform, SDF and the cells it can reach (its bounds in
 * the grid plus RESAMPLE_MARGIN_CELLS and half its thickness), or null when those miss the grid.
 */
export function meshColliderInstance(grid: Pick<GridLayout, 'dims' | 'cellSize'>, t: ResolvedTransform, bounds: { min: Vec3; max: Vec3 },
  sdf: { layout: SdfGridLayout; atlasOffset: number }, solidIndex: number, thickness: number): MeshColliderInstance | null {
  const box = transformedBounds(t, bounds);
  const margin = RESAMPLE_MARGIN_CELLS + thickness / 2 / grid.cellSize;
  const cellMin = [0, 1, 2].map((a) => Math.max(Math.ceil(box.min[a] / grid.cellSize - 0.5 - margin), 0)) as Vec3;
  const cellMax = [0, 1, 2].map((a) => Math.min(Math.floor(box.max[a] / grid.cellSize - 0.5 + margin), grid.dims[a] - 1)) as Vec3;
  if (cellMin.some((lo, a) => lo > cellMax[a])) return null;
  return {
    translation: [...t.translation], distanceScale: distanceScale(t), rotation: [...t.rotation],
    inverseScale: [1 / t.scale[0], 1 / t.scale[1], 1 / t.scale[2]], thickness,
    sdfOrigin: [...sdf.layout.origin], voxelSize: sdf.layout.voxelSize, sdfDims: [...sdf.layout.dims], atlasOffset: sdf.atlasOffset,
    cellMin, solidIndex, cellMax, boundsMin: [...bounds.min], boundsMax: [...bounds.max],
  };
}

/**
 * Resamples the enabled mesh colliders' SDFs into the solver's solid level set and solid ids
 * (shaders/colliders/mesh-resample.wgsl), after the primitive obstacles were rasterized.
 */
export class MeshResamplePass {
  private readonly instances: GPUBuffer;
  private readonly params: GPUBuffer;
  private bindGroup: { group: GPUBindGroup; atlas: GPUBuffer } | null = null;
  private count = 0;

  private constructor(private readonly device: GPUDevice, private readonly family: KernelFamily, private readonly grid: GridLayout,
    private readonly fields: LiquidFields) {
    this.instances = device.createBuffer({
      label: 'colliders.instances', size: MESH_INSTANCE_LAYOUT.stride * MESH_COLLIDER_LIMITS.maxColliders, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    this.params = device.createBuffer({ label: 'colliders.resampleParams', size: RESAMPLE_PARAMS_LAYOUT.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  }

  /** The pass of one solver's fields; the pipeline is compiled once per device and shared. */
  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<MeshResamplePass> {
    let family = FAMILIES.get(device);
    if (!family) {
      family = KernelFamily.create(device, 'mesh-resample', source, ['resampleMeshColliders']);
      FAMILIES.set(device, family);
      family.catch(() => FAMILIES.delete(device));
    }
    return new MeshResamplePass(device, await family, grid, fields);
  }

  /** Colliders the next resample applies. */
  get colliderCount(): number {
    return this.count;
  }

  /** Uploads the instances the next resample applies (at most MESH_COLLIDER_LIMITS.maxColliders). */
  setInstances(instances: readonly MeshColliderInstance[]): void {
    if (instances.length > MESH_COLLIDER_LIMITS.maxColliders) throw new RangeError(`at most ${MESH_COLLIDER_LIMITS.maxColliders} mesh colliders (got ${instances.length})`);
    this.count = instances.length;
    if (instances.length > 0) this.device.queue.writeBuffer(this.instances, 0, MESH_INSTANCE_LAYOUT.packArray(instances.map((i) => ({ ...i }))));
    this.device.queue.writeBuffer(this.params, 0, RESAMPLE_PARAMS_LAYOUT.pack({ colliderCount: instances.length }));
  }

  /** Encodes the resample (nothing when no collider is set). */
  resample(pass: GPUComputePassEncoder, atlas: SdfAtlas): void {
    if (this.count === 0) return;
    if (this.bindGroup?.atlas !== atlas.buffer) {
      const f = this.fields;
      this.bindGroup = {
        atlas: atlas.buffer,
        group: this.family.bindGroup({
          params: f.params, resample: this.params, colliders: this.instances, atlas: atlas.buffer, solidPhi: f.solidLevelSet, solidId: f.solidId,
        }),
      };
    }
    dispatch(pass, this.family.pipeline('resampleMeshColliders'), this.bindGroup.group, workgroups3d(this.grid.dims));
  }

  get byteSize(): number {
    return this.instances.size + this.params.size;
  }

  destroy(): void {
    this.instances.destroy();
    this.params.destroy();
  }
}
