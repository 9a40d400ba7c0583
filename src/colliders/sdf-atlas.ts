/**
 * One storage buffer that holds every cached mesh SDF (float32 ranges), so the resample kernel
 * binds one buffer whatever the number of meshes. First-fit allocation over a sorted free list;
 * when nothing fits it grows (a new buffer, the old contents copied on the GPU, the old buffer
 * destroyed after the copy is submitted) up to the device's storage binding limit.
 */
export class SdfAtlas {
  private bufferNow: GPUBuffer;
  private capacityFloats: number;
  private readonly maxFloats: number;
  /** Free ranges (floats), sorted by offset, never adjacent. */
  private readonly free: { offset: number; size: number }[];
  /** Counts reallocations: bind groups over `buffer` are stale once it changes. */
  generation = 0;

  constructor(private readonly device: GPUDevice, initialFloats = 1 << 18) {
    const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    this.maxFloats = Math.floor(limit / 4);
    this.capacityFloats = Math.min(initialFloats, this.maxFloats);
    this.bufferNow = this.makeBuffer(this.capacityFloats);
    this.free = [{ offset: 0, size: this.capacityFloats }];
  }

  /** The atlas buffer (changes when it grows; see `generation`). */
  get buffer(): GPUBuffer {
    return this.bufferNow;
  }

  /** Bytes held on the GPU. */
  get byteSize(): number {
    return this.bufferNow.size;
  }

  /** Largest number of floats the atlas may ever hold on this device. */
  get maxCapacity(): number {
    return this.maxFloats;
  }

  /** A range of `floats`, its first float's index; null when the device's limit leaves no room. */
  allocate(floats: number): number | null {
    let at = this.free.findIndex((r) => r.size >= floats);
    if (at < 0) {
      if (!this.grow(floats)) return null;
      at = this.free.findIndex((r) => r.size >= floats);
    }
    const r = this.free[at];
    const offset = r.offset;
    if (r.size === floats) this.free.splice(at, 1);
    else { r.offset += floats; r.size -= floats; }
    return offset;
  }

  /** Returns a range to the free list. */
  release(offset: number, floats: number): void {
    let at = this.free.findIndex((r) => r.offset > offset);
    if (at < 0) at = this.free.length;
    this.free.splice(at, 0, { offset, size: floats });
    // merge with the next, then with the previous neighbour
    const next = this.free[at + 1];
    if (next && offset + floats === next.offset) { this.free[at].size += next.size; this.free.splice(at + 1, 1); }
    const prev = this.free[at - 1];
    if (prev && prev.offset + prev.size === offset) { prev.size += this.free[at].size; this.free.splice(at, 1); }
  }

  /** Floats in use. */
  get usedFloats(): number {
    return this.capacityFloats - this.free.reduce((s, r) => s + r.size, 0);
  }

  destroy(): void {
    this.bufferNow.destroy();
  }

  private grow(floats: number): boolean {
    const tail = this.free.at(-1);
    const tailFree = tail && tail.offset + tail.size === this.capacityFloats ? tail.size : 0;
    const needed = this.capacityFloats + floats - tailFree;
    if (needed > this.maxFloats) return false;
    const capacity = Math.min(this.maxFloats, Math.max(needed, 2 * this.capacityFloats));
    const next = this.makeBuffer(capacity);
    const encoder = this.device.createCommandEncoder({ label: 'colliders.atlas.grow' });
    encoder.copyBufferToBuffer(this.bufferNow, 0, next, 0, this.capacityFloats * 4);
    this.device.queue.submit([encoder.finish()]);
    // Work already submitted that reads the old buffer finishes first; nothing later uses it.
    this.bufferNow.destroy();
    this.bufferNow = next;
    if (tailFree > 0) tail!.size += capacity - this.capacityFloats;
    else this.free.push({ offset: this.capacityFloats, size: capacity - this.capacityFloats });
    this.capacityFloats = capacity;
    this.generation++;
    return true;
  }

  private makeBuffer(floats: number): GPUBuffer {
    return this.device.createBuffer({
      label: 'colliders.sdfAtlas',
      size: Math.max(16, Math.ceil((floats * 4) / 16) * 16),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }
}
