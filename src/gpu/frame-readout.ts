import { ReadbackRing } from './readback-ring';

/**
 * The owner of a ReadbackRing of per-frame results nobody waits for (detectors, rigid-body
 * forces): it makes the ring, hands each mapped result to `deliver` with its frame's meta, and
 * owns the ring's reset and lifetime. Subclasses acquire, copy and map through `ring`.
 */
export abstract class FrameReadout<M> {
  protected readonly ring: ReadbackRing<M>;
  protected destroyed = false;

  /**
   * @param label prefix of the staging buffers' labels
   * @param slotCount staging buffers at most (a frame is skipped, never waited for, when all are mapping)
   * @param slotBytes bytes of each (the largest copy)
   */
  protected constructor(device: GPUDevice, label: string, slotCount: number, slotBytes: number) {
    this.ring = new ReadbackRing(device, label, slotCount, slotBytes, (data, meta) => this.deliver(meta, data));
  }

  /** A frame's results, one or two frames after it (never after a `reset` or `destroy`). */
  protected abstract deliver(meta: M, data: ArrayBuffer): void;

  /** What `destroy` releases besides the staging buffers (before them). */
  protected abstract release(): void;

  /** Readbacks started and not resolved yet. */
  get pendingReadbacks(): number {
    return this.ring.pendingReadbacks;
  }

  /** Drops the readings in flight (the solver was reset: their frames no longer exist). */
  reset(): void {
    this.ring.reset();
  }

  /** Bytes of GPU memory the staging buffers hold (the pass that computes the results counts its own). */
  get byteSize(): number {
    return this.ring.byteSize;
  }

  /** Releases what the subclass holds and frees the staging buffers (maps in flight are abandoned). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.release();
    this.ring.destroy();
  }
}
