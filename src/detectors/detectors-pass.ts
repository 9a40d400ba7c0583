import detectorsSource from '../../shaders/solver/detectors.wgsl';
import { dispatch, KernelFamily } from '../gpu/compute-kernel';
import { WgslStructLayout } from '../gpu/wgsl-struct';
import type { GridLayout } from '../solver/grid-layout';
import type { LiquidFields } from '../solver/liquid-fields';
import { regionCellBox, type ResolvedRegion } from './detector-region';

/** The layout of the WGSL `DetectorList` uniform (shaders/solver/detectors.wgsl). */
export const DETECTOR_LIST_LAYOUT = WgslStructLayout.parse(detectorsSource, 'DetectorList');
/** The layout of one detector's sums (`DetectorSums`), as the results buffer holds them. */
export const DETECTOR_SUMS_LAYOUT = WgslStructLayout.parse(detectorsSource, 'DetectorSums');
/** How many detectors are measured at once at most: the length of `DetectorList.regions` in the shader. */
export const MAX_DETECTORS = DETECTOR_LIST_LAYOUT.member('regions').arrayLength;

/** Threads of a workgroup (REDUCE_THREADS in common.wgsl). */
const THREADS = 64;
/** Cells a thread of measureDetectors folds when its detector has enough workgroups. */
const CELLS_PER_THREAD = 64;
/** Workgroups per detector at most (a region larger than 32 * 64 * 64 cells gives each thread more cells). */
const MAX_GROUPS = 32;

const KIND_CODES = { box: 0, sphere: 1 } as const;

/** The buffers of the pass, made at its first `setRegions` (a liquid without detectors holds none). */
interface DetectorBuffers {
  list: GPUBuffer;
  partials: GPUBuffer;
  results: GPUBuffer;
  bindGroup: GPUBindGroup;
}

/**
 * The detectors' GPU side (shaders/solver/detectors.wgsl): the region list uniform, the
 * per-thread partials and the one small results buffer all detectors share (MAX_DETECTORS
 * `DetectorSums`, 32 bytes each), made when the first regions are set. `measure` encodes one
 * dispatch over the detectors' cell boxes and a fold of MAX_DETECTORS workgroups at most.
 */
export class DetectorsPass {
  private readonly listData = new ArrayBuffer(DETECTOR_LIST_LAYOUT.size);
  private buffers: DetectorBuffers | null = null;
  private count = 0;
  private groups = 1;
  private destroyed = false;
  /** Workgroups per detector at most: enough that a region covering the grid gives each thread about CELLS_PER_THREAD cells. */
  private readonly maxGroups: number;

  private constructor(private readonly device: GPUDevice, private readonly family: KernelFamily, private readonly fields: LiquidFields,
    private readonly grid: GridLayout) {
    this.maxGroups = Math.min(MAX_GROUPS, Math.max(1, Math.ceil(grid.cellCount / (THREADS * CELLS_PER_THREAD))));
  }

  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<DetectorsPass> {
    const family = await KernelFamily.create(device, 'detectors', detectorsSource, ['measureDetectors', 'foldDetectors']);
    return new DetectorsPass(device, family, fields, grid);
  }

  private ensureBuffers(): DetectorBuffers {
    if (this.buffers) return this.buffers;
    const stride = DETECTOR_SUMS_LAYOUT.stride;
    const device = this.device;
    const list = device.createBuffer({ label: 'liquid.detectors.list', size: DETECTOR_LIST_LAYOUT.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const partials = device.createBuffer({ label: 'liquid.detectors.partials', size: MAX_DETECTORS * this.maxGroups * THREADS * stride, usage: GPUBufferUsage.STORAGE });
    const results = device.createBuffer({ label: 'liquid.detectors.results', size: MAX_DETECTORS * stride, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const f = this.fields;
    const bindGroup = this.family.bindGroup({
      params: f.params, detectors: list, phi: f.levelSet, solidPhi: f.solidLevelSet, velocity: f.velocity, partials, results,
    });
    this.buffers = { list, partials, results, bindGroup };
    return this.buffers;
  }

  /** The sums of every detector, in the order of the last `setRegions` (made by the first). */
  get results(): GPUBuffer {
    return this.ensureBuffers().results;
  }

  /** Bytes of GPU memory the pass holds (0 before the first regions). */
  get byteSize(): number {
    const b = this.buffers;
    return b ? b.list.size + b.partials.size + b.results.size : 0;
  }

  /** Bytes of the results of `count` detectors (what a readback copies). */
  static resultBytes(count: number): number {
    return count * DETECTOR_SUMS_LAYOUT.stride;
  }

  /**
   * Uploads the regions measured from now on (grid metres, resolved): each region's box of
   * cells and enough workgroups for the largest.
   * @throws RangeError with more than MAX_DETECTORS regions
   */
  setRegions(regions: readonly ResolvedRegion[]): void {
    if (regions.length > MAX_DETECTORS) throw new RangeError(`detectors: at most ${MAX_DETECTORS} are measured at once (got ${regions.length})`);
    let largest = 0;
    const values = regions.map((r) => {
      const box = regionCellBox(r, this.grid.dims, this.grid.cellSize);
      largest = Math.max(largest, box.count[0] * box.count[1] * box.count[2]);
      return { center: r.center, kind: KIND_CODES[r.kind], halfExtents: r.halfExtents, rotation: r.rotation, firstCell: box.first, cellBox: box.count };
    });
    this.groups = Math.min(this.maxGroups, Math.max(1, Math.ceil(largest / (THREADS * CELLS_PER_THREAD))));
    this.count = regions.length;
    new Uint8Array(this.listData).fill(0);
    DETECTOR_LIST_LAYOUT.pack({ count: regions.length, groups: this.groups, regions: values }, this.listData);
    this.device.queue.writeBuffer(this.ensureBuffers().list, 0, this.listData);
  }

  /** Measures every region into `results` (nothing without regions). */
  measure(pass: GPUComputePassEncoder): void {
    if (this.count === 0 || !this.buffers) return;
    dispatch(pass, this.family.pipeline('measureDetectors'), this.buffers.bindGroup, [this.groups, this.count, 1]);
    dispatch(pass, this.family.pipeline('foldDetectors'), this.buffers.bindGroup, this.count);
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
