import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';

/** Typed arrays that .npy files here may hold. */
export type NpyArray = Float32Array | Int32Array | Uint8Array;

const DTYPES: Record<string, { ctor: new (b: ArrayBuffer) => NpyArray; bytes: number }> = {
  '<f4': { ctor: Float32Array, bytes: 4 },
  '<i4': { ctor: Int32Array, bytes: 4 },
  '|u1': { ctor: Uint8Array, bytes: 1 },
};

function descrOf(a: NpyArray): string {
  if (a instanceof Float32Array) return '<f4';
  if (a instanceof Int32Array) return '<i4';
  return '|u1';
}

/** Encodes an array as .npy (format 1.0, C order). */
export function encodeNpy(data: NpyArray, shape: number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`encodeNpy: shape [${shape.join(', ')}] holds ${count} values, the data ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descrOf(data)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Magic (6) + version (2) + length (2) + header, padded so the data starts 64-byte aligned.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0], 0);
  out[8] = (total - 10) & 0xff;
  out[9] = (total - 10) >> 8;
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

/** The header of .npy bytes: dtype, shape and where the data starts. */
function parseNpyHeader(bytes: Uint8Array): { descr: string; shape: number[]; offset: number } {
  if (bytes[0] !== 0x93 || Buffer.from(bytes.subarray(1, 6)).toString('latin1') !== 'NUMPY') throw new Error('not a .npy file (bad magic)');
  const major = bytes[6];
  const headerLength = major === 1 ? bytes[8] | (bytes[9] << 8) : new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
  const start = major === 1 ? 10 : 12;
  const header = Buffer.from(bytes.subarray(start, start + headerLength)).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !DTYPES[descr]) throw new Error(`.npy dtype ${descr} is not supported (use float32, int32 or uint8)`);
  if (fortran !== 'False') throw new Error('.npy in Fortran order is not supported');
  const shape = (shapeText ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  return { descr, shape, offset: start + headerLength };
}

/** Decodes .npy bytes (format 1.x/2.x, C order, little-endian f4/i4/u1). */
export function decodeNpy(bytes: Uint8Array): { data: NpyArray; shape: number[] } {
  const { descr, shape, offset } = parseNpyHeader(bytes);
  const { ctor, bytes: size } = DTYPES[descr];
  const count = shape.reduce((a, b) => a * b, 1);
  const copy = bytes.slice(offset, offset + count * size);
  if (copy.byteLength !== count * size) throw new Error(`.npy holds ${copy.byteLength} data bytes, its shape needs ${count * size}`);
  return { data: new ctor(copy.buffer), shape };
}

/**
 * Reads entry `index` of the first axis of a .npy file (one frame of a [frames, ...] array)
 * without reading the rest: datasets at 128^3 hold gigabytes per field.
 */
export function readNpyFrame(path: string, index: number): { data: NpyArray; shape: number[] } {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(4096);
    readSync(fd, head, 0, head.length, 0);
    const { descr, shape, offset } = parseNpyHeader(head);
    if (shape.length < 1 || !Number.isInteger(index) || index < 0 || index >= shape[0]) {
      throw new RangeError(`${path}: entry ${index} is outside its first axis [0, ${(shape[0] ?? 0) - 1}]`);
    }
    const { ctor, bytes: size } = DTYPES[descr];
    const count = shape.slice(1).reduce((a, b) => a * b, 1);
    const buf = new Uint8Array(count * size);
    const got = readSync(fd, buf, 0, buf.length, offset + index * count * size);
    if (got !== buf.length) throw new Error(`${path}: entry ${index} is cut short (${got} of ${buf.length} bytes)`);
    return { data: new ctor(buf.buffer), shape: shape.slice(1) };
  } finally {
    closeSync(fd);
  }
}

/** Writes a .npy file. */
export function writeNpy(path: string, data: NpyArray, shape: number[]): void {
  writeFileSync(path, encodeNpy(data, shape));
}

/** Reads a .npy file. */
export function readNpy(path: string): { data: NpyArray; shape: number[] } {
  return decodeNpy(new Uint8Array(readFileSync(path)));
}
