import { countReadback } from './readback';

interface RingSlot<M> {
  buffer: GPUBuffer;
  busy: boolean;
  meta: M | null;
  bytes: number;
  /** reset() count at the copy: data from before a reset is dropped. */
  generation: number;
}

/**
 * A small ring of mappable staging buffers for per-frame GPU results that nobody waits for
 * (detectors, rigid-body forces): `acquire()` picks a free buffer (false when every one is
 * still mapping: the frame is then skipped, never waited for), `encodeCopy` copies the results
 * into it in the frame's encoder, `afterSubmit` maps it without waiting and hands the bytes and
 * the frame's `meta` to `onData` one or two frames later. Each map counts as one readback
 * (`readbackCount()`).
 */
export class ReadbackRing<M> {
  private readonly slots: RingSlot<M>[] = [];
  private pending: RingSlot<M> | null = null;
  private generation = 0;
  private destroyed = false;

  /**
   * @param slotCount staging buffers at most (made on demand)
   * @param slotBytes bytes of each (the largest copy)
   * @param onData called with a copy of the mapped bytes and the meta given to `encodeCopy`
   */
  constructor(private readonly device: GPUDevice, private readonly label: string, private readonly slotCount: number,
    private readonly slotBytes: number, private readonly onData: (data: ArrayBuffer, meta: M) => void) {}

  /** Readbacks started and not resolved yet. */
  get pendingReadbacks(): number {
    return this.slots.filter((s) => s.busy).length;
  }

  /** Bytes of GPU memory the staging buffers hold. */
  get byteSize(): number {
    return this.slots.reduce((n, s) => n + s.buffer.size, 0);
  }

  /** Reserves a free staging buffer for this frame; false when all are still mapping (skip the frame). */
  acquire(): boolean {
    if (this.destroyed) return false;
    let slot = this.slots.find((s) => !s.busy) ?? null;
    if (!slot && this.slots.length < this.slotCount) {
      slot = {
        buffer: this.device.createBuffer({ label: `${this.label}.readback${this.slots.length}`, size: this.slotBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
        busy: false, meta: null, bytes: 0, generation: 0,
      };
      this.slots.push(slot);
    }
    this.pending = slot;
    return slot !== null;
  }

  /** Copies `bytes` of `source` into the reserved buffer (after the kernels that wrote it, in the same submission). */
  encodeCopy(encoder: GPUCommandEncoder, source: GPUBuffer, bytes: number, meta: M): void {
    const slot = this.pending;
    if (!slot || bytes <= 0) return;
    slot.meta = meta;
    slot.bytes = bytes;
    slot.generation = this.generation;
    encoder.copyBufferToBuffer(source, 0, slot.buffer, 0, bytes);
  }

  /** After the submission: maps the reserved buffer without waiting (true when it did); `onData` runs when it resolves. */
  afterSubmit(): boolean {
    const slot = this.pending;
    this.pending = null;
    if (!slot || slot.meta === null || slot.bytes <= 0) return false;
    slot.busy = true;
    countReadback();
    const { bytes, meta, generation } = slot;
    slot.buffer.mapAsync(GPUMapMode.READ, 0, bytes).then(() => {
      const data = slot.buffer.getMappedRange(0, bytes).slice(0);
      slot.buffer.unmap();
      slot.busy = false;
      if (!this.destroyed && generation === this.generation) this.onData(data, meta);
    }, () => { slot.busy = false; });
    slot.meta = null;
    return true;
  }

  /** Drops the results in flight (their frames no longer exist: the solver was reset). */
  reset(): void {
    this.generation++;
  }

  /** Frees the staging buffers (maps in flight are abandoned). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const s of this.slots) s.buffer.destroy();
  }
}
