let readbacks = 0;

/** Number of GPU-to-CPU reads this library started (tests use it to prove frames read nothing). */
export function readbackCount(): number {
  return readbacks;
}

/** Counts one GPU-to-CPU read. */
export function countReadback(): void {
  readbacks++;
}

/**
 * Copies `size` bytes of `source` from `offset` into a fresh staging buffer and reads them.
 * Only for callers that asked for data (metrics, dumps, tests): never on the frame path.
 */
export async function readBuffer(device: GPUDevice, source: GPUBuffer, size: number, offset = 0): Promise<ArrayBuffer> {
  const aligned = Math.ceil(size / 4) * 4;
  const staging = device.createBuffer({ label: 'readback.staging', size: aligned, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const enc = device.createCommandEncoder({ label: 'readback' });
    enc.copyBufferToBuffer(source, offset, staging, 0, aligned);
    device.queue.submit([enc.finish()]);
    countReadback();
    await staging.mapAsync(GPUMapMode.READ);
    return staging.getMappedRange().slice(0, size);
  } finally {
    staging.destroy();
  }
}

/** Reads a float32 buffer (or a range of it, in elements). */
export async function readFloat32(device: GPUDevice, source: GPUBuffer, count?: number, firstElement = 0): Promise<Float32Array> {
  const n = count ?? source.size / 4 - firstElement;
  return new Float32Array(await readBuffer(device, source, n * 4, firstElement * 4));
}

/** Reads a uint32 buffer (or a range of it, in elements). */
export async function readUint32(device: GPUDevice, source: GPUBuffer, count?: number, firstElement = 0): Promise<Uint32Array> {
  const n = count ?? source.size / 4 - firstElement;
  return new Uint32Array(await readBuffer(device, source, n * 4, firstElement * 4));
}
