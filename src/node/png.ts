// The one PNG codec of the project (Node): PNG and animated PNG (APNG) encoding of 8-bit RGBA,
// and decoding of the 8-bit non-interlaced PNGs Chromium's screenshots are and of the APNGs
// written here. The APNG encoder stores each frame after the first as the rectangle of pixels
// that changed since the previous frame, with the unchanged pixels inside it fully transparent
// and blended OVER the canvas, so a still background costs almost nothing.
// PNG: https://www.w3.org/TR/png/ ; APNG: https://wiki.mozilla.org/APNG_Specification (acTL, fcTL, fdAT).
import { deflateSync, inflateSync } from 'node:zlib';

/** An 8-bit RGBA image. */
export interface RgbaImage {
  width: number;
  height: number;
  /** width * height * 4 bytes, rows top to bottom. */
  data: Uint8Array;
}

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/** The IHDR chunk of an 8-bit RGBA image (deflate, adaptive filters, not interlaced). */
function rgbaHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return chunk('IHDR', ihdr);
}

/** PNG's Paeth predictor. */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Deflated rows of RGBA pixels with the Paeth filter on every row (good for smooth pictures). */
function compressedRows(data: Uint8Array, width: number, height: number): Buffer {
  const stride = width * 4;
  const out = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    out[y * (stride + 1)] = 4;
    for (let x = 0; x < stride; x++) {
      const i = y * stride + x;
      const a = x >= 4 ? data[i - 4] : 0;
      const b = y > 0 ? data[i - stride] : 0;
      const c = y > 0 && x >= 4 ? data[i - stride - 4] : 0;
      out[y * (stride + 1) + 1 + x] = (data[i] - paeth(a, b, c)) & 255;
    }
  }
  return deflateSync(out, { level: 9 });
}

/** Undoes the row filters of inflated image data with `channels` bytes per pixel. */
function unfilter(raw: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : null;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? row[x - channels] : 0;
      const b = prev ? prev[x] : 0;
      const c = prev && x >= channels ? prev[x - channels] : 0;
      let v = src[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) v += paeth(a, b, c);
      row[x] = v & 255;
    }
  }
  return pixels;
}

/** Encodes 8-bit RGBA pixels (row-major) as a PNG file. */
export function encodePngRgba(width: number, height: number, rgba: Uint8Array): Buffer {
  return Buffer.concat([SIGNATURE, rgbaHeader(width, height), chunk('IDAT', compressedRows(rgba, width, height)), chunk('IEND', new Uint8Array(0))]);
}

/**
 * Decodes an 8-bit non-interlaced PNG (greyscale, greyscale + alpha, RGB or RGBA: what Chromium's
 * screenshots are) to RGBA. An APNG decodes to its first frame.
 * @throws Error naming what is not supported
 */
export function decodePng(png: Buffer): RgbaImage {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('decodePng: not a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const body = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body[8];
      colorType = body[9];
      if (depth !== 8 || body[12] !== 0 || ![0, 2, 4, 6].includes(colorType)) {
        throw new Error(`decodePng: unsupported PNG (depth ${depth}, colour type ${colorType}, interlace ${body[12]})`);
      }
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      break;
    }
    off += 12 + len;
  }
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : colorType === 4 ? 2 : 1;
  const pixels = unfilter(inflateSync(Buffer.concat(idat)), width, height, channels);
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * channels;
    if (channels >= 3) data.set([pixels[s], pixels[s + 1], pixels[s + 2], channels === 4 ? pixels[s + 3] : 255], 4 * i);
    else data.set([pixels[s], pixels[s], pixels[s], channels === 2 ? pixels[s + 1] : 255], 4 * i);
  }
  return { width, height, data };
}

/** Whether pixel i (RGBA) is the same in both frames. */
function samePixel(a: Uint8Array, b: Uint8Array, i: number): boolean {
  return a[i] === b[i] && a[i + 1] === b[i + 1] && a[i + 2] === b[i + 2] && a[i + 3] === b[i + 3];
}

/**
 * Encodes RGBA frames of one size as an APNG that loops forever, each frame shown for
 * `delayMs` (one number for all, or one per frame; whole milliseconds). Returns the file's bytes.
 */
export function encodeApng(frames: Uint8Array[], width: number, height: number, delayMs: number | number[]): Buffer {
  if (frames.length === 0) throw new Error('encodeApng: no frames');
  for (const f of frames) if (f.length !== width * height * 4) throw new Error('encodeApng: frame size');
  const delays = Array.isArray(delayMs) ? delayMs : frames.map(() => delayMs);
  if (delays.length !== frames.length || delays.some((d) => !(d >= 0 && d < 65536))) throw new Error('encodeApng: one delay (0..65535 ms) per frame');
  const parts = [SIGNATURE, rgbaHeader(width, height)];
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(frames.length, 0);
  actl.writeUInt32BE(0, 4); // loop forever
  parts.push(chunk('acTL', actl));
  let seq = 0;
  for (let n = 0; n < frames.length; n++) {
    // the changed rectangle (the whole picture for the first frame)
    let x0 = 0, y0 = 0, x1 = width - 1, y1 = height - 1;
    let pixels = frames[n];
    if (n > 0) {
      const prev = frames[n - 1], cur = frames[n];
      x0 = width; y0 = height; x1 = -1; y1 = -1;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          if (samePixel(prev, cur, 4 * (x + width * y))) continue;
          x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
        }
      }
      if (x1 < 0) { x0 = 0; y0 = 0; x1 = 0; y1 = 0; } // nothing changed: one transparent pixel
      const w = x1 - x0 + 1, h = y1 - y0 + 1;
      pixels = new Uint8Array(w * h * 4);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = 4 * (x0 + x + width * (y0 + y));
          if (!samePixel(prev, cur, i)) pixels.set(cur.subarray(i, i + 4), 4 * (x + w * y)); // else (0, 0, 0, 0): the canvas shows through
        }
      }
    }
    const w = x1 - x0 + 1, h = y1 - y0 + 1;
    const fctl = Buffer.alloc(26);
    fctl.writeUInt32BE(seq++, 0);
    fctl.writeUInt32BE(w, 4);
    fctl.writeUInt32BE(h, 8);
    fctl.writeUInt32BE(x0, 12);
    fctl.writeUInt32BE(y0, 16);
    fctl.writeUInt16BE(Math.round(delays[n]), 20);
    fctl.writeUInt16BE(1000, 22); // delay = delay / 1000 s
    fctl[24] = 0; // dispose: none (the next frame draws over this one)
    fctl[25] = n === 0 ? 0 : 1; // blend: source for the first frame, over for the rest
    parts.push(chunk('fcTL', fctl));
    const z = compressedRows(pixels, w, h);
    if (n === 0) parts.push(chunk('IDAT', z));
    else {
      const seqBuf = Buffer.alloc(4);
      seqBuf.writeUInt32BE(seq++, 0);
      parts.push(chunk('fdAT', Buffer.concat([seqBuf, z])));
    }
  }
  parts.push(chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/**
 * Decodes an APNG written by encodeApng back into full RGBA frames (dispose none, blend
 * source/over with 0/255 alpha only), for checking the encoder.
 * @throws Error on a bad CRC, partial alpha, or a frame count that contradicts acTL
 */
export function decodeApng(file: Buffer): { width: number; height: number; frames: Uint8Array[] } {
  if (!file.subarray(0, 8).equals(SIGNATURE)) throw new Error('decodeApng: not a PNG');
  let off = 8, width = 0, height = 0, numFrames = 0;
  const frames: Uint8Array[] = [];
  let canvas = new Uint8Array(0);
  let current: { w: number; h: number; x0: number; y0: number; blend: number; z: Buffer[] } | null = null;
  const flush = () => {
    if (!current) return;
    const { w, h, x0, y0, blend, z } = current;
    const img = unfilter(inflateSync(Buffer.concat(z)), w, h, 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = 4 * (x + w * y), d = 4 * (x0 + x + width * (y0 + y));
        if (blend === 0 || img[s + 3] === 255) canvas.set(img.subarray(s, s + 4), d);
        else if (img[s + 3] !== 0) throw new Error('decodeApng: partial alpha is not supported');
      }
    }
    frames.push(canvas.slice());
    current = null;
  };
  while (off < file.length) {
    const len = file.readUInt32BE(off);
    const type = file.toString('latin1', off + 4, off + 8);
    const body = file.subarray(off + 8, off + 8 + len);
    if (crc32(file.subarray(off + 4, off + 8 + len)) !== file.readUInt32BE(off + 8 + len)) throw new Error(`decodeApng: bad CRC in ${type}`);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      canvas = new Uint8Array(width * height * 4);
    } else if (type === 'acTL') numFrames = body.readUInt32BE(0);
    else if (type === 'fcTL') {
      flush();
      current = { w: body.readUInt32BE(4), h: body.readUInt32BE(8), x0: body.readUInt32BE(12), y0: body.readUInt32BE(16), blend: body[25], z: [] };
    } else if (type === 'IDAT' && current) current.z.push(body);
    else if (type === 'fdAT' && current) current.z.push(body.subarray(4));
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  flush();
  if (frames.length !== numFrames) throw new Error(`decodeApng: acTL says ${numFrames} frames, found ${frames.length}`);
  return { width, height, frames };
}
