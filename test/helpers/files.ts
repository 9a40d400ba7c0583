import { readFileSync } from 'node:fs';

/** A file of raw little-endian float32 values (golden tensors, dumps) as a Float32Array of its own. */
export function readFloat32File(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
