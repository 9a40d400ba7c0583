import bodyForcesSource from '../../shaders/bodies/body-forces.wgsl';
import { dispatch, KernelFamily } from '../gpu/compute-kernel';
import { WgslStructLayout } from '../gpu/wgsl-struct';
import type { Vec3 } from '../scene/scene-description';
import type { GridLayout } from '../solver/grid-layout';
import type { LiquidFields } from '../solver/liquid-fields';
import { SHAPE_KIND_CODES, type GpuShape } from '../solver/shape-packing';
import { bodyShapeExtents, type BodyShape, type Quat } from './body-shape';

/** The layout of the WGSL `BodyList` uniform (shaders/bodies/body-forces.wgsl). */
export const BODY_LIST_LAYOUT = WgslStructLayout.parse(bodyForcesSource, 'BodyList');
/** The layout of one body's sums (`BodySums`), as the results buffer holds them. */
export const BODY_SUMS_LAYOUT = WgslStructLayout.parse(bodyForcesSource, 'BodySums');
/** How many bodies are coupled at once at most: the length of `BodyList.bodies` in the shader. */
export const MAX_BODIES = BODY_LIST_LAYOUT.member('bodies').arrayLength;

/** Threads of a workgroup (REDUCE_THREADS in common.wgsl). */
const THREADS = 64;
/** Cells a thread of measureBodies folds when its body has enough workgroups. */
const CELLS_PER_THREAD = 64;
/** Workgroups per body at most. */
const MAX_GROUPS = 32;

/** One body as the kernel measures it (grid metres). */
export interface MeasuredBody {
  shape: BodyShape;
  /** As GpuShape: centre, half extents, rotation and rigid motion. */
  gpu: GpuShape;
  /** The id its cells carry in `fields.solidId` (1 + its entry of the motion table). */
  solidId: number;
}

/** The cells around a body: its bounds plus one cell, clipped to the grid (count 0 when it misses). */
export function bodyCellBox(shape: BodyShape, center: Vec3, rotation: Quat, dims: Vec3, cellSize: number): { first: Vec3; count: Vec3 } {
  const extents = bodyShapeExtents(shape, rotation);
  const first: Vec3 = [0, 0, 0];
  const count: Vec3 = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    const lo = Math.max(0, Math.floor((center[a] - extents[a]) / cellSize) - 1);
    const hi = Math.min(dims[a] - 1, Math.floor((center[a] + extents[a]) / cellSize) + 1);
    if (!(hi >= lo)) return { first: [0, 0, 0], count: [0, 0, 0] };
    first[a] = lo;
    count[a] = hi - lo + 1;
  }
  return { first, count };
}

/**
 * The bodies' GPU side (shaders/bodies/body-forces.wgsl): the body list uniform, per-thread
 * partials and one results buffer for all bodies (MAX_BODIES `BodySums`). `measure` encodes one
 * dispatch over every body's box of cells and a fold of one workgroup per body. The buffers are
 * made at the first `setBodies` (a liquid without bodies holds none).
 */
export class BodyForcesPass {
  private readonly listData = new ArrayBuffer(BODY_LIST_LAYOUT.size);
  private buffers: { list: GPUBuffer; partials: GPUBuffer; results: GPUBuffer; bindGroup: GPUBindGroup } | null = null;
  private count = 0;
  private groups = 1;
  private destroyed = false;
  private readonly maxGroups: number;

  private constructor(private readonly device: GPUDevice, private readonly family: KernelFamily, private readonly fields: LiquidFields,
    private readonly grid: GridLayout) {
    this.maxGroups = Math.min(MAX_GROUPS, Math.max(1, Math.ceil(grid.cellCount / (THREADS * CELLS_PER_THREAD))));
  }

  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<BodyForcesPass> {
    const family = await KernelFamily.create(device, 'bodyForces', bodyForcesSource, ['measureBodies', 'foldBodies']);
    return new BodyForcesPass(device, family, fields, grid);
  }

  private ensureBuffers() {
    if (this.buffers) return this.buffers;
    const stride = BODY_SUMS_LAYOUT.stride;
    const device = this.device;
    const list = device.createBuffer({ label: 'liquid.bodies.list', size: BODY_LIST_LAYOUT.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const partials = device.createBuffer({ label: 'liquid.bodies.partials', size: MAX_BODIES * this.maxGroups * THREADS * stride, usage: GPUBufferUsage.STORAGE });
    const results = device.createBuffer({ label: 'liquid.bodies.results', size: MAX_BODIES * stride, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const f = this.fields;
    const bindGroup = this.family.bindGroup({
      params: f.params, bodyList: list, phi: f.levelSet, solidPhi: f.solidLevelSet, solidId: f.solidId, pressure: f.pressure,
      velocity: f.velocity, partials, results,
    });
    this.buffers = { list, partials, results, bindGroup };
    return this.buffers;
  }

  /** The sums of every body, in the order of the last `setBodies`. */
  get results(): GPUBuffer {
    return this.ensureBuffers().results;
  }

  /** Bytes of GPU memory the pass holds (0 before the first bodies). */
  get byteSize(): number {
    const b = this.buffers;
    return b ? b.list.size + b.partials.size + b.results.size : 0;
  }

  /** Bytes of the results of `count` bodies (what a readback copies). */
  static resultBytes(count: number): number {
    return count * BODY_SUMS_LAYOUT.stride;
  }

  /**
   * Uploads the bodies measured by the next `measure` (grid metres).
   * @throws RangeError with more than MAX_BODIES bodies
   */
  setBodies(bodies: readonly MeasuredBody[]): void {
    if (bodies.length > MAX_BODIES) throw new RangeError(`bodies: at most ${MAX_BODIES} are coupled at once (got ${bodies.length})`);
    let largest = 0;
    const values = bodies.map((b) => {
      const box = bodyCellBox(b.shape, b.gpu.center, b.gpu.rotation, this.grid.dims, this.grid.cellSize);
      largest = Math.max(largest, box.count[0] * box.count[1] * box.count[2]);
      return {
        center: b.gpu.center, kind: SHAPE_KIND_CODES[b.gpu.kind], halfExtents: b.gpu.halfExtents, solidId: b.solidId, rotation: b.gpu.rotation,
        linearVelocity: b.gpu.linearVelocity, angularVelocity: b.gpu.angularVelocity, firstCell: box.first, cellBox: box.count,
      };
    });
    this.groups = Math.min(this.maxGroups, Math.max(1, Math.ceil(largest / (THREADS * CELLS_PER_THREAD))));
    this.count = bodies.length;
    new Uint8Array(this.listData).fill(0);
    BODY_LIST_LAYOUT.pack({ count: bodies.length, groups: this.groups, bodies: values }, this.listData);
    this.device.queue.writeBuffer(this.ensureBuffers().list, 0, this.listData);
  }

  /** Measures every body into `results` (nothing without bodies). */
  measure(pass: GPUComputePassEncoder): void {
    if (this.count === 0 || !this.buffers) return;
    dispatch(pass, this.family.pipeline('measureBodies'), this.buffers.bindGroup, [this.groups, this.count, 1]);
    dispatch(pass, this.family.pipeline('foldBodies'), this.buffers.bindGroup, this.count);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const b = this.buffers;
    b?.list.destroy();
    b?.partials.destroy();
    b?.results.destroy();
  }
}
