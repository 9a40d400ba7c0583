import { countReadback } from './readback';

/** Time per named pass (ms) of one frame; passes with the same name are summed. */
export type PassTimes = Record<string, number>;

/**
 * GPU timing of named passes with timestamp queries, collected over a frame and read back
 * only when asked. Without the 'timestamp-query' feature it is a no-op (`supported` false)
 * and callers fall back to wall-clock time.
 */
export class GpuTimer {
  /** True when the device has timestamp queries. */
  readonly supported: boolean;
  /** Record timestamps at all (off: zero overhead). */
  enabled = false;
  private readonly device: GPUDevice;
  private readonly capacity: number;
  private readonly querySet: GPUQuerySet | null = null;
  private readonly resolveBuffer: GPUBuffer | null = null;
  private readonly readBuffer: GPUBuffer | null = null;
  private names: string[] = [];
  private pendingNames: string[] | null = null;
  private mapping = false;

  constructor(device: GPUDevice, capacityPairs = 128) {
    this.device = device;
    this.capacity = capacityPairs * 2;
    this.supported = device.features.has('timestamp-query');
    if (!this.supported) return;
    this.querySet = device.createQuerySet({ label: 'gpuTimer.queries', type: 'timestamp', count: this.capacity });
    this.resolveBuffer = device.createBuffer({
      label: 'gpuTimer.resolve', size: this.capacity * 8,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    this.readBuffer = device.createBuffer({
      label: 'gpuTimer.read', size: this.capacity * 8,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  private get active(): boolean {
    return this.enabled && this.supported && this.names.length * 2 + 2 <= this.capacity;
  }

  /** A compute pass descriptor that times the pass under `name` when timing is on. */
  computePass(name: string): GPUComputePassDescriptor {
    if (!this.active) return { label: name };
    const i = this.names.length * 2;
    this.names.push(name);
    return {
      label: name,
      timestampWrites: { querySet: this.querySet!, beginningOfPassWriteIndex: i, endOfPassWriteIndex: i + 1 },
    };
  }

  /**
   * Times work submitted by someone else (onnxruntime, for example): call `begin` before it
   * and `end` after it was submitted; each writes a timestamp in an empty pass of its own.
   */
  beginSpan(name: string): number {
    if (!this.active) return -1;
    const i = this.names.length * 2;
    this.names.push(name);
    const enc = this.device.createCommandEncoder({ label: `gpuTimer.begin.${name}` });
    enc.beginComputePass({ label: `${name}.begin`, timestampWrites: { querySet: this.querySet!, beginningOfPassWriteIndex: i } }).end();
    this.device.queue.submit([enc.finish()]);
    return i;
  }

  /** Closes a span opened by `beginSpan`. */
  endSpan(handle: number): void {
    if (handle < 0 || !this.supported) return;
    const enc = this.device.createCommandEncoder({ label: 'gpuTimer.end' });
    enc.beginComputePass({ label: 'span.end', timestampWrites: { querySet: this.querySet!, endOfPassWriteIndex: handle + 1 } }).end();
    this.device.queue.submit([enc.finish()]);
  }

  /**
   * Ends the frame: resolves this frame's timestamps into a readable buffer (if the previous
   * read is finished) and starts a new frame. Returns true when `read()` will have new data.
   */
  endFrame(encoder: GPUCommandEncoder): boolean {
    const count = this.names.length * 2;
    const names = this.names;
    this.names = [];
    if (!this.supported || count === 0 || this.mapping) return false;
    encoder.resolveQuerySet(this.querySet!, 0, count, this.resolveBuffer!, 0);
    encoder.copyBufferToBuffer(this.resolveBuffer!, 0, this.readBuffer!, 0, count * 8);
    this.pendingNames = names;
    return true;
  }

  /** Time per pass (ms) of the last frame ended with `endFrame`, or null if none. */
  async read(): Promise<PassTimes | null> {
    const names = this.pendingNames;
    if (!names || !this.readBuffer || this.mapping) return null;
    this.pendingNames = null;
    this.mapping = true;
    countReadback();
    try {
      await this.readBuffer.mapAsync(GPUMapMode.READ, 0, names.length * 16);
      const stamps = new BigInt64Array(this.readBuffer.getMappedRange(0, names.length * 16).slice(0));
      this.readBuffer.unmap();
      const out: PassTimes = {};
      names.forEach((name, k) => {
        const dt = Number(stamps[2 * k + 1] - stamps[2 * k]) / 1e6;
        // Some adapters report 0 or a reversed pair for very short passes; never report < 0.
        out[name] = (out[name] ?? 0) + Math.max(0, dt);
      });
      return out;
    } finally {
      this.mapping = false;
    }
  }

  /** Frees the query set and buffers. */
  destroy(): void {
    this.querySet?.destroy();
    this.resolveBuffer?.destroy();
    this.readBuffer?.destroy();
  }
}
