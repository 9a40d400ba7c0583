/**
 * Hardware-independent counts of the GPU work one step records, per compute pass label:
 * - `dispatches`: dispatch calls recorded (`indirectDispatches` of them indirect, whose
 *   workgroup counts are decided on the GPU and so not in `workgroups`);
 * - `workgroups`: workgroups of the direct dispatches;
 * - `boundBytes`: per dispatch, the sizes of the buffers (or buffer ranges) its bind groups
 *   bind, summed over dispatches. It estimates the bytes a dispatch moves: a kernel that reads
 *   and writes each bound buffer once moves about this much; one that touches a part of a
 *   buffer (a one-workgroup decision kernel bound to full-grid fields) moves less, one that
 *   re-reads from memory more. An upper-bound style estimate, the same on every adapter;
 * - `indirectBoundBytes`: the part of `boundBytes` bound by indirect dispatches (moved only
 *   when the GPU arms them);
 * - `copies` and `copyBytes`: copyBufferToBuffer calls and their bytes;
 * - `uploadBytes`: queue.writeBuffer bytes (outside passes, under the label 'upload').
 * Counting patches the device's createBindGroup, createCommandEncoder and queue.writeBuffer,
 * so it must be installed before the bind groups it should know are made (before the solver).
 */
export interface PassWork {
  dispatches: number;
  indirectDispatches: number;
  workgroups: number;
  boundBytes: number;
  indirectBoundBytes: number;
  copies: number;
  copyBytes: number;
  uploadBytes: number;
}

/** Work of one counted span: the sum over passes and the passes by label. */
export interface WorkCount extends PassWork {
  /** Compute passes begun. */
  passes: number;
  byPass: Record<string, PassWork>;
}

const emptyWork = (): PassWork => ({ dispatches: 0, indirectDispatches: 0, workgroups: 0, boundBytes: 0, indirectBoundBytes: 0, copies: 0, copyBytes: 0, uploadBytes: 0 });

/** Bytes a bind group entry's resource binds (buffers only; textures and samplers count 0). */
function entryBytes(resource: unknown): number {
  if (resource && typeof resource === 'object') {
    const r = resource as { buffer?: GPUBuffer; size?: number; offset?: number };
    if (r.buffer && typeof r.buffer === 'object') return r.size ?? r.buffer.size - (r.offset ?? 0);
    if (typeof (resource as GPUBuffer).size === 'number' && typeof (resource as GPUBuffer).mapAsync === 'function') return (resource as GPUBuffer).size;
  }
  return 0;
}

/** Counts the work recorded on one device between `begin()` and `end()` (see PassWork). */
export class GpuWorkCounter {
  private readonly groupBytes = new WeakMap<GPUBindGroup, number>();
  private current: { count: WorkCount } | null = null;
  private readonly restore: (() => void)[] = [];

  private constructor(private readonly device: GPUDevice) {}

  /** Installs the counter on `device` (before its bind groups are made). */
  static install(device: GPUDevice): GpuWorkCounter {
    const c = new GpuWorkCounter(device);
    c.patch();
    return c;
  }

  private work(label: string): PassWork {
    const count = this.current!.count;
    let w = count.byPass[label];
    if (!w) {
      w = emptyWork();
      count.byPass[label] = w;
    }
    return w;
  }

  private add(label: string, f: (w: PassWork) => void): void {
    if (!this.current) return;
    f(this.work(label));
    f(this.current.count);
  }

  private patch(): void {
    const device = this.device;
    const createBindGroup = device.createBindGroup;
    device.createBindGroup = (descriptor: GPUBindGroupDescriptor): GPUBindGroup => {
      const group = createBindGroup.call(device, descriptor);
      let bytes = 0;
      for (const e of descriptor.entries) bytes += entryBytes(e.resource);
      this.groupBytes.set(group, bytes);
      return group;
    };
    const createCommandEncoder = device.createCommandEncoder;
    device.createCommandEncoder = (descriptor?: GPUCommandEncoderDescriptor): GPUCommandEncoder => {
      const encoder = createCommandEncoder.call(device, descriptor);
      this.patchEncoder(encoder);
      return encoder;
    };
    const queue = device.queue;
    const writeBuffer = queue.writeBuffer;
    queue.writeBuffer = ((buffer: GPUBuffer, offset: number, data: BufferSource | SharedArrayBuffer, dataOffset?: number, size?: number): undefined => {
      // dataOffset and size count elements of a typed array, bytes otherwise.
      const element = (data as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
      const bytes = size !== undefined ? size * element : data.byteLength - (dataOffset ?? 0) * element;
      this.add('upload', (w) => { w.uploadBytes += bytes; });
      return (writeBuffer as (...a: unknown[]) => undefined).call(queue, buffer, offset, data, dataOffset, size);
    }) as GPUQueue['writeBuffer'];
    this.restore.push(() => {
      device.createBindGroup = createBindGroup;
      device.createCommandEncoder = createCommandEncoder;
      queue.writeBuffer = writeBuffer;
    });
  }

  private patchEncoder(encoder: GPUCommandEncoder): void {
    const beginComputePass = encoder.beginComputePass;
    encoder.beginComputePass = (descriptor?: GPUComputePassDescriptor): GPUComputePassEncoder => {
      const pass = beginComputePass.call(encoder, descriptor);
      const label = descriptor?.label ?? '(unlabelled)';
      if (this.current) this.current.count.passes++;
      this.patchPass(pass, label);
      return pass;
    };
    const copyBufferToBuffer = encoder.copyBufferToBuffer;
    encoder.copyBufferToBuffer = ((...args: unknown[]): undefined => {
      // (src, srcOffset, dst, dstOffset, size) or (src, dst[, size]) in newer typings.
      const size = args.length >= 5 ? (args[4] as number) : (args[2] as number | undefined) ?? (args[0] as GPUBuffer).size;
      this.add('copy', (w) => { w.copies++; w.copyBytes += size; });
      return (copyBufferToBuffer as (...a: unknown[]) => undefined).apply(encoder, args);
    }) as GPUCommandEncoder['copyBufferToBuffer'];
  }

  private patchPass(pass: GPUComputePassEncoder, label: string): void {
    const bound = new Map<number, number>();
    const boundBytes = () => [...bound.values()].reduce((a, b) => a + b, 0);
    const setBindGroup = pass.setBindGroup;
    pass.setBindGroup = ((index: number, group: GPUBindGroup | null, ...rest: unknown[]): undefined => {
      bound.set(index, group ? this.groupBytes.get(group) ?? 0 : 0);
      return (setBindGroup as (...a: unknown[]) => undefined).call(pass, index, group, ...rest);
    }) as GPUComputePassEncoder['setBindGroup'];
    const dispatchWorkgroups = pass.dispatchWorkgroups;
    pass.dispatchWorkgroups = (x: number, y = 1, z = 1): undefined => {
      this.add(label, (w) => { w.dispatches++; w.workgroups += x * y * z; w.boundBytes += boundBytes(); });
      return dispatchWorkgroups.call(pass, x, y, z);
    };
    const dispatchIndirect = pass.dispatchWorkgroupsIndirect;
    pass.dispatchWorkgroupsIndirect = (buffer: GPUBuffer, offset: number): undefined => {
      this.add(label, (w) => { w.dispatches++; w.indirectDispatches++; w.boundBytes += boundBytes(); w.indirectBoundBytes += boundBytes(); });
      return dispatchIndirect.call(pass, buffer, offset);
    };
  }

  /** Starts counting (a span ends with `end`). */
  begin(): void {
    this.current = { count: { ...emptyWork(), passes: 0, byPass: {} } };
  }

  /** Stops counting and returns what was recorded since `begin`. */
  end(): WorkCount {
    if (!this.current) throw new Error('GpuWorkCounter.end() without begin()');
    const c = this.current.count;
    this.current = null;
    return c;
  }

  /** Takes the patches off the device. */
  uninstall(): void {
    for (const r of this.restore.splice(0)) r();
  }
}
