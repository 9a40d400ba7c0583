import gateSource from '../../shaders/gpu/gated-dispatch.wgsl';
import { dispatch, KernelFamily } from './compute-kernel';

const families = new WeakMap<GPUDevice, Promise<KernelFamily>>();

/** The arming kernel (built once per device): `GatedDispatchArgs.build` needs it. */
export function gatedDispatchKernels(device: GPUDevice): Promise<KernelFamily> {
  let f = families.get(device);
  if (!f) {
    f = KernelFamily.create(device, 'netGate', gateSource, ['armGatedArgs'], undefined, { prependCommon: false });
    f.catch(() => families.delete(device));
    families.set(device, f);
  }
  return f;
}

/**
 * Indirect arguments for a fixed list of dispatches (their full workgroup counts), armed on the
 * GPU by one small kernel: full counts when a gate buffer's first u32 is not zero, zeros
 * otherwise. Work recorded with them runs only when the GPU decided so (gated-dispatch.wgsl):
 * a closed gate launches no workgroup at all.
 */
export class GatedDispatchArgs {
  /** The armed arguments: dispatch i at byte offset 12 i. */
  readonly args: GPUBuffer;
  private readonly full: GPUBuffer;
  private readonly group: GPUBindGroup;
  private readonly count: number;
  private destroyed = false;

  private constructor(device: GPUDevice, private readonly kernels: KernelFamily, counts: readonly (readonly [number, number, number])[], gate: GPUBuffer, label: string) {
    this.count = counts.length;
    const data = new Uint32Array(counts.flatMap((c) => [c[0], c[1], c[2]]));
    const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
    this.full = device.createBuffer({ label: `${label}.full`, size: data.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    this.args = device.createBuffer({ label: `${label}.args`, size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.INDIRECT });
    device.queue.writeBuffer(this.full, 0, data);
    this.group = kernels.bindGroup({ full: this.full, args: this.args, gate }, `${label}.arm`);
  }

  /**
   * @param counts the workgroups [x, y, z] of each dispatch, in order
   * @param gate a buffer whose first u32 opens the gate (any usage with STORAGE)
   */
  static async create(device: GPUDevice, counts: readonly (readonly [number, number, number])[], gate: GPUBuffer, label: string): Promise<GatedDispatchArgs> {
    return GatedDispatchArgs.build(device, await gatedDispatchKernels(device), counts, gate, label);
  }

  /** `create` with the arming kernel at hand (from gatedDispatchKernels): no await. */
  static build(device: GPUDevice, kernels: KernelFamily, counts: readonly (readonly [number, number, number])[], gate: GPUBuffer, label: string): GatedDispatchArgs {
    if (counts.length === 0) throw new Error(`${label}: no dispatches to gate`);
    return new GatedDispatchArgs(device, kernels, counts, gate, label);
  }

  /** Records the arming (one dispatch); the gated dispatches must come after it. */
  arm(pass: GPUComputePassEncoder): void {
    dispatch(pass, this.kernels.pipeline('armGatedArgs'), this.group, Math.ceil((3 * this.count) / 64));
  }

  /** Byte offset of dispatch i's arguments in `args`. */
  offset(i: number): number {
    return 12 * i;
  }

  /** Frees the two buffers (the kernel is shared per device). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.full.destroy();
    this.args.destroy();
  }
}
