import boxReductionSource from '../../shaders/gpu/box-reduction.wgsl';
import { type BufferResource, dispatch, KernelFamily } from './compute-kernel';
import type { WgslStructLayout, WgslValues } from './wgsl-struct';

/** Threads of a workgroup (REDUCE_THREADS in common.wgsl). */
const THREADS = 64;
/** Cells a thread of the measure kernel folds when its item has enough workgroups. */
const CELLS_PER_THREAD = 64;
/** Workgroups per item at most (a box larger than 32 * 64 * 64 cells gives each thread more cells). */
const MAX_GROUPS = 32;

/** How a kernel family reduces boxes of cells: its structs, its entry points, the buffers' labels. */
export interface BoxReductionSpec {
  /** Prefix of the buffers' labels ('liquid.bodies'). */
  label: string;
  /** The list uniform: `count`, `groups` and the array `itemsMember` of items. */
  listLayout: WgslStructLayout;
  /** The array member of the list that holds the items. */
  itemsMember: string;
  /** One item's sums, as the partials and the results hold them. */
  sumsLayout: WgslStructLayout;
  /** Items reduced at once at most (the length of the list's array). */
  maxItems: number;
  /** Cells of the grid: the partials are sized so that a box covering it gives each thread about CELLS_PER_THREAD cells. */
  cellCount: number;
  /** Entry point with workgroups [groups, count]: one partial per thread. */
  measureEntry: string;
  /** Entry point with one workgroup per item: its partials folded into `results[item]`. */
  foldEntry: string;
  /** The family's bind group resources given the pass's own buffers. */
  bind: (own: { list: GPUBuffer; partials: GPUBuffer; results: GPUBuffer }) => Record<string, BufferResource>;
}

/** One item of a reduction: its struct values, and its box of cells (count 0 when it misses the grid). */
export interface BoxReductionItem {
  values: WgslValues;
  box: { first: readonly number[]; count: readonly number[] };
}

/**
 * Builds a box reduction's kernel family: `source` with shaders/gpu/box-reduction.wgsl
 * (measureBox, foldBox) prepended after common.wgsl.
 */
export function createBoxReductionFamily(device: GPUDevice, label: string, source: string, entryPoints: string[]): Promise<KernelFamily> {
  return KernelFamily.create(device, label, source, entryPoints, undefined, { prelude: boxReductionSource });
}

/**
 * The GPU side shared by reductions over boxes of grid cells (detectors, rigid bodies): the item
 * list uniform, the per-thread partials and one small results buffer for all items (maxItems
 * sums), made at the first `setItems`. `measure` encodes one dispatch over every item's box of
 * cells and a fold of one workgroup per item.
 */
export class BoxReductionPass {
  private readonly listData: ArrayBuffer;
  private buffers: { list: GPUBuffer; partials: GPUBuffer; results: GPUBuffer; bindGroup: GPUBindGroup } | null = null;
  private count = 0;
  private groups = 1;
  private destroyed = false;
  /** Workgroups per item at most: enough that a box covering the grid gives each thread about CELLS_PER_THREAD cells. */
  private readonly maxGroups: number;

  constructor(private readonly device: GPUDevice, private readonly family: KernelFamily, private readonly spec: BoxReductionSpec) {
    this.listData = new ArrayBuffer(spec.listLayout.size);
    this.maxGroups = Math.min(MAX_GROUPS, Math.max(1, Math.ceil(spec.cellCount / (THREADS * CELLS_PER_THREAD))));
  }

  private ensureBuffers() {
    if (this.buffers) return this.buffers;
    const { label, listLayout, maxItems } = this.spec;
    const stride = this.spec.sumsLayout.stride;
    const device = this.device;
    const list = device.createBuffer({ label: `${label}.list`, size: listLayout.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const partials = device.createBuffer({ label: `${label}.partials`, size: maxItems * this.maxGroups * THREADS * stride, usage: GPUBufferUsage.STORAGE });
    const results = device.createBuffer({ label: `${label}.results`, size: maxItems * stride, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const bindGroup = this.family.bindGroup(this.spec.bind({ list, partials, results }));
    this.buffers = { list, partials, results, bindGroup };
    return this.buffers;
  }

  /** The sums of every item, in the order of the last `setItems` (made by the first). */
  get results(): GPUBuffer {
    return this.ensureBuffers().results;
  }

  /** Bytes of GPU memory the pass holds (0 before the first items). */
  get byteSize(): number {
    const b = this.buffers;
    return b ? b.list.size + b.partials.size + b.results.size : 0;
  }

  /**
   * Uploads the items measured from now on, with enough workgroups for the largest box.
   * The caller checks the count against maxItems (its error names its own field).
   */
  setItems(items: readonly BoxReductionItem[]): void {
    let largest = 0;
    for (const { box } of items) largest = Math.max(largest, box.count[0] * box.count[1] * box.count[2]);
    this.groups = Math.min(this.maxGroups, Math.max(1, Math.ceil(largest / (THREADS * CELLS_PER_THREAD))));
    this.count = items.length;
    new Uint8Array(this.listData).fill(0);
    this.spec.listLayout.pack({ count: items.length, groups: this.groups, [this.spec.itemsMember]: items.map((i) => i.values) }, this.listData);
    this.device.queue.writeBuffer(this.ensureBuffers().list, 0, this.listData);
  }

  /** Measures every item into `results` (nothing without items). */
  measure(pass: GPUComputePassEncoder): void {
    if (this.count === 0 || !this.buffers) return;
    dispatch(pass, this.family.pipeline(this.spec.measureEntry), this.buffers.bindGroup, [this.groups, this.count, 1]);
    dispatch(pass, this.family.pipeline(this.spec.foldEntry), this.buffers.bindGroup, this.count);
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
