import source from '../../shaders/colliders/mesh-sdf.wgsl';
import { dispatch, KernelFamily } from '../gpu/compute-kernel';
import { WgslStructLayout } from '../gpu/wgsl-struct';
import type { ColliderMesh } from './collider-mesh';
import type { SdfAtlas } from './sdf-atlas';
import { SDF_BAND_VOXELS, SDF_PAD_VOXELS, SDF_SWEEP_ROUNDS, sdfGridLayout, sdfTriangles, type SdfGridLayout } from './sdf-grid';
import type { Vec3 } from '../scene/scene-description';

/** The layout of the WGSL `SdfBuildParams` uniform (shaders/colliders/mesh-sdf.wgsl). */
const BUILD_PARAMS_LAYOUT = WgslStructLayout.parse(source, 'SdfBuildParams');

const ENTRIES = ['clearVoxels', 'splatDistances', 'countCrossings', 'accumulateCrossingsX', 'accumulateCrossingsY', 'accumulateCrossingsZ',
  'sweepNearestX', 'sweepNearestY', 'sweepNearestZ', 'writeSdf'] as const;
const TRIANGLE_WG = 64;
const LINE_WG = 8;

/** The build pipelines per device (they hold no per-solver state). */
const FAMILIES = new WeakMap<GPUDevice, Promise<KernelFamily>>();

/** Bytes of build scratch per SDF voxel: the packed nearest triangle and the packed crossings. */
export const SDF_SCRATCH_BYTES_PER_VOXEL = 8;

/**
 * The signed distance field of one mesh at one resolution and padding: its grid, its range in the atlas
 * and the GPU copies of its triangles (voxel coordinates) and build parameters. Shared by the
 * colliders that use the mesh at that resolution (`references`).
 */
export class MeshSdf {
  /** Colliders using it; released when it drops to zero. */
  references = 0;
  /** Set once a build was encoded (the resample may then read its atlas range). */
  built = false;
  private destroyed = false;

  private inputs: { params: GPUBuffer; splatTriangles: GPUBuffer; crossingTriangles: GPUBuffer } | null;

  private constructor(readonly mesh: ColliderMesh, readonly layout: SdfGridLayout, readonly atlasOffset: number, private readonly atlas: SdfAtlas,
    params: GPUBuffer, splatTriangles: GPUBuffer, readonly splatCount: number, crossingTriangles: GPUBuffer, readonly crossingCount: number) {
    this.inputs = { params, splatTriangles, crossingTriangles };
  }

  /** The build's inputs (triangles, parameters); null once released after the build. */
  get buildInputs(): { params: GPUBuffer; splatTriangles: GPUBuffer; crossingTriangles: GPUBuffer } | null {
    return this.inputs;
  }

  /** Frees the triangles and parameters once the build was submitted (the SDF in the atlas stays). */
  releaseBuildInputs(): void {
    if (!this.inputs) return;
    this.inputs.params.destroy();
    this.inputs.splatTriangles.destroy();
    this.inputs.crossingTriangles.destroy();
    this.inputs = null;
  }

  /**
   * Reserves the atlas range and uploads the triangles; the build itself is encoded later
   * (MeshSdfBuilder.encode). Returns a sentence saying why not when the atlas cannot hold it.
   */
  static create(device: GPUDevice, mesh: ColliderMesh, resolution: number, atlas: SdfAtlas,
    pad: Vec3 = [SDF_PAD_VOXELS, SDF_PAD_VOXELS, SDF_PAD_VOXELS]): MeshSdf | string {
    const layout = sdfGridLayout(mesh.bounds, resolution, pad);
    const scratchBytes = layout.voxelCount * 4;
    const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    if (scratchBytes > limit || layout.voxelCount > atlas.maxCapacity) {
      return `its SDF at resolution ${resolution} (${layout.dims.join(' x ')} voxels) needs ${scratchBytes} bytes, over this device's ${limit}-byte storage binding limit; use a lower resolution`;
    }
    const offset = atlas.allocate(layout.voxelCount);
    if (offset === null) {
      return `the SDF atlas has no room for ${layout.dims.join(' x ')} more voxels (this device allows ${atlas.maxCapacity} in all); remove colliders or use a lower resolution`;
    }
    const tris = sdfTriangles(mesh, layout);
    const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    const upload = (label: string, data: Float32Array) => {
      const b = device.createBuffer({ label, size: Math.max(16, data.byteLength), usage: STORAGE });
      device.queue.writeBuffer(b, 0, data);
      return b;
    };
    const params = device.createBuffer({ label: `colliders.sdf.${mesh.label}.params`, size: BUILD_PARAMS_LAYOUT.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(params, 0, BUILD_PARAMS_LAYOUT.pack({
      dims: layout.dims, voxelCount: layout.voxelCount, splatTriangleCount: tris.splatCount, crossingTriangleCount: tris.crossingCount,
      band: SDF_BAND_VOXELS, voxelSize: layout.voxelSize, atlasOffset: offset,
    }));
    return new MeshSdf(mesh, layout, offset, atlas, params, upload(`colliders.sdf.${mesh.label}.splat`, tris.splat), tris.splatCount,
      upload(`colliders.sdf.${mesh.label}.crossing`, tris.crossing), tris.crossingCount);
  }

  /** GPU bytes it holds (its atlas range, and its triangles and parameters until released). */
  get byteSize(): number {
    const i = this.inputs;
    return this.layout.voxelCount * 4 + (i ? i.splatTriangles.size + i.crossingTriangles.size + i.params.size : 0);
  }

  /** Frees its buffers and its atlas range. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.atlas.release(this.atlasOffset, this.layout.voxelCount);
    this.releaseBuildInputs();
  }
}

/**
 * Builds mesh SDFs on the GPU (shaders/colliders/mesh-sdf.wgsl): the pipelines once, the
 * build scratch (8 bytes per voxel) grown to the largest SDF built so far and reused.
 */
export class MeshSdfBuilder {
  private scratch: { nearest: GPUBuffer; crossings: GPUBuffer; voxels: number } | null = null;

  private constructor(private readonly device: GPUDevice, private readonly family: KernelFamily) {}

  /** A builder with its own scratch; the pipelines are compiled once per device and shared. */
  static async create(device: GPUDevice): Promise<MeshSdfBuilder> {
    let family = FAMILIES.get(device);
    if (!family) {
      family = KernelFamily.create(device, 'mesh-sdf', source, [...ENTRIES], undefined, { prependCommon: false });
      FAMILIES.set(device, family);
      family.catch(() => FAMILIES.delete(device));
    }
    return new MeshSdfBuilder(device, await family);
  }

  /** GPU bytes of the scratch. */
  get byteSize(): number {
    return this.scratch ? this.scratch.nearest.size + this.scratch.crossings.size : 0;
  }

  /**
   * Encodes the whole build of `sdf` into `pass` (dispatches in order; each reads what the last
   * wrote). Builds encoded one after another share the scratch.
   */
  encode(pass: GPUComputePassEncoder, sdf: MeshSdf, atlas: SdfAtlas): void {
    const inputs = sdf.buildInputs;
    if (!inputs) throw new Error(`mesh SDF of "${sdf.mesh.label}": its build inputs were released (it was built already)`);
    const scratch = this.scratchFor(sdf.layout.voxelCount);
    const group = this.family.bindGroup({
      build: inputs.params, splatTriangles: inputs.splatTriangles, crossingTriangles: inputs.crossingTriangles,
      nearest: scratch.nearest, crossings: scratch.crossings, atlas: atlas.buffer,
    }, `mesh-sdf.${sdf.mesh.label}`);
    const d = sdf.layout.dims;
    const voxels: [number, number, number] = [Math.ceil(d[0] / 4), Math.ceil(d[1] / 4), Math.ceil(d[2] / 4)];
    const lines = (axis: number): [number, number, number] => [Math.ceil(d[(axis + 1) % 3] / LINE_WG), Math.ceil(d[(axis + 2) % 3] / LINE_WG), 1];
    const run = (entry: (typeof ENTRIES)[number], groups: [number, number, number]) => dispatch(pass, this.family.pipeline(entry), group, groups);
    run('clearVoxels', voxels);
    run('splatDistances', [Math.ceil(sdf.splatCount / TRIANGLE_WG), 1, 1]);
    run('countCrossings', [Math.ceil(sdf.crossingCount / TRIANGLE_WG), 3, 1]);
    run('accumulateCrossingsX', lines(0));
    run('accumulateCrossingsY', lines(1));
    run('accumulateCrossingsZ', lines(2));
    for (let round = 0; round < SDF_SWEEP_ROUNDS; round++) {
      run('sweepNearestX', lines(0));
      run('sweepNearestY', lines(1));
      run('sweepNearestZ', lines(2));
    }
    run('writeSdf', voxels);
    sdf.built = true;
  }

  /** @internal The scratch buffers (tests read the nearest triangles and winding numbers of the last build). */
  get scratchBuffers(): { nearest: GPUBuffer; crossings: GPUBuffer } | null {
    return this.scratch;
  }

  destroy(): void {
    this.scratch?.nearest.destroy();
    this.scratch?.crossings.destroy();
    this.scratch = null;
  }

  private scratchFor(voxels: number): { nearest: GPUBuffer; crossings: GPUBuffer; voxels: number } {
    if (this.scratch && this.scratch.voxels >= voxels) return this.scratch;
    // Old scratch may still be read by passes being encoded: it is destroyed only once this
    // build's commands are submitted (WebGPU keeps a destroyed buffer for submitted work).
    const old = this.scratch;
    const make = (label: string) => this.device.createBuffer({ label, size: Math.max(16, voxels * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    this.scratch = { nearest: make('colliders.sdfScratch.nearest'), crossings: make('colliders.sdfScratch.crossings'), voxels };
    if (old) this.retired.push(old.nearest, old.crossings);
    return this.scratch;
  }

  private readonly retired: GPUBuffer[] = [];

  /** Destroys scratch replaced by a larger one (call after the encoder that used it was submitted). */
  releaseRetired(): void {
    for (const b of this.retired) b.destroy();
    this.retired.length = 0;
  }
}
