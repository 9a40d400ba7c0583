// A small PNG decoder (8-bit, non-interlaced, as Chromium's screenshots are) and an animated PNG
// (APNG) encoder. The encoder stores each frame after the first as the rectangle of pixels that
// changed since the previous frame, with the unchanged pixels inside it fully transparent and
// blended OVER the canvas, so a still background costs almost nothing.
// APNG: https://wiki.mozilla.org/APNG_Specification (chunks acTL, fcTL, fdAT).
import { deflateSync, inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
/** @param {Uint8Array} buf */
function crc32(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** @param {string} type @param {Buffer} body */
function chunk(type, body) {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  body.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/** Decodes an 8-bit non-interlaced PNG (grey, grey+alpha, RGB, RGBA) to { width, height, data: RGBA }. */
/**
 * @param {Buffer} png
 * @returns {{ width: number, height: number, data: Uint8Array }}
 */
export function decodePng(png) {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('decodePng: not a PNG');
  let off = 8, width = 0, height = 0, colorType = 0;
  /** @type {Buffer[]} */
  const idat = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const body = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      colorType = body[9];
      if (body[8] !== 8 || body[12] !== 0 || ![0, 2, 4, 6].includes(colorType)) throw new Error('decodePng: unsupported PNG');
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : colorType === 4 ? 2 : 1;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[y * stride + x - channels] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = y > 0 && x >= channels ? px[(y - 1) * stride + x - channels] : 0;
      let v = raw[y * (stride + 1) + 1 + x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      px[y * stride + x] = v & 255;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * channels;
    if (channels >= 3) data.set([px[s], px[s + 1], px[s + 2], channels === 4 ? px[s + 3] : 255], 4 * i);
    else data.set([px[s], px[s], px[s], channels === 2 ? px[s + 1] : 255], 4 * i);
  }
  return { width, height, data };
}

/** Rows of RGBA pixels with PNG's Paeth filter on every row (good for smooth pictures). */
/** @param {Uint8Array} data @param {number} width @param {number} height */
function filteredRows(data, width, height) {
  const stride = width * 4;
  const out = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    out[y * (stride + 1)] = 4;
    for (let x = 0; x < stride; x++) {
      const i = y * stride + x;
      const a = x >= 4 ? data[i - 4] : 0;
      const b = y > 0 ? data[i - stride] : 0;
      const c = y > 0 && x >= 4 ? data[i - stride - 4] : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      out[y * (stride + 1) + 1 + x] = (data[i] - pred) & 255;
    }
  }
  return out;
}

/**
 * Encodes RGBA frames of one size as an APNG that loops forever, each frame shown for
 * `delayMs` (one number for all, or one per frame; whole milliseconds). Returns the file's bytes.
 */
/**
 * @param {Uint8Array[]} frames
 * @param {number} width
 * @param {number} height
 * @param {number | number[]} delayMs
 * @returns {Buffer}
 */
export function encodeApng(frames, width, height, delayMs) {
  if (frames.length === 0) throw new Error('encodeApng: no frames');
  for (const f of frames) if (f.length !== width * height * 4) throw new Error('encodeApng: frame size');
  const delays = Array.isArray(delayMs) ? delayMs : frames.map(() => delayMs);
  if (delays.length !== frames.length || delays.some((d) => !(d >= 0 && d < 65536))) throw new Error('encodeApng: one delay (0..65535 ms) per frame');
  const parts = [SIGNATURE];
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, adaptive filters, not interlaced
  parts.push(chunk('IHDR', ihdr));
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
          const i = 4 * (x + width * y);
          if (prev[i] !== cur[i] || prev[i + 1] !== cur[i + 1] || prev[i + 2] !== cur[i + 2] || prev[i + 3] !== cur[i + 3]) {
            if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
          }
        }
      }
      if (x1 < 0) { x0 = 0; y0 = 0; x1 = 0; y1 = 0; } // nothing changed: one transparent pixel
      const w = x1 - x0 + 1, h = y1 - y0 + 1;
      pixels = new Uint8Array(w * h * 4);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = 4 * (x0 + x + width * (y0 + y)), o = 4 * (x + w * y);
          const same = prev[i] === cur[i] && prev[i + 1] === cur[i + 1] && prev[i + 2] === cur[i + 2] && prev[i + 3] === cur[i + 3];
          if (!same) pixels.set(cur.subarray(i, i + 4), o); // else stays (0, 0, 0, 0): the canvas shows through
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
    const z = deflateSync(filteredRows(pixels, w, h), { level: 9 });
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
 */
/**
 * @param {Buffer} file
 * @returns {{ width: number, height: number, frames: Uint8Array[] }}
 */
export function decodeApng(file) {
  if (!file.subarray(0, 8).equals(SIGNATURE)) throw new Error('decodeApng: not a PNG');
  let off = 8, width = 0, height = 0, numFrames = 0;
  /** @type {Uint8Array[]} */
  const frames = [];
  let canvas = new Uint8Array(0);
  /** @type {{ w: number, h: number, x0: number, y0: number, delayMs: number, blend: number, z: Buffer[] } | null} */
  let current = null;
  const flush = () => {
    if (!current) return;
    const { w, h, x0, y0, blend, z } = current;
    const raw = inflateSync(Buffer.concat(z));
    // unfilter (Paeth rows only, as written) via decodePng on a synthetic PNG
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr.set([8, 6, 0, 0, 0], 8);
    const img = decodePng(Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = 4 * (x + w * y), d = 4 * (x0 + x + width * (y0 + y));
        if (blend === 0 || img.data[s + 3] === 255) canvas.set(img.data.subarray(s, s + 4), d);
        else if (img.data[s + 3] !== 0) throw new Error('decodeApng: partial alpha is not supported');
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
    if (type === 'IHDR') { width = body.readUInt32BE(0); height = body.readUInt32BE(4); canvas = new Uint8Array(width * height * 4); }
    else if (type === 'acTL') numFrames = body.readUInt32BE(0);
    else if (type === 'fcTL') {
      flush();
      current = { w: body.readUInt32BE(4), h: body.readUInt32BE(8), x0: body.readUInt32BE(12), y0: body.readUInt32BE(16), delayMs: (1000 * body.readUInt16BE(20)) / (body.readUInt16BE(22) || 100), blend: body[25], z: [] };
    } else if (type === 'IDAT' && current) current.z.push(body);
    else if (type === 'fdAT' && current) current.z.push(body.subarray(4));
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  flush();
  if (frames.length !== numFrames) throw new Error(`decodeApng: acTL says ${numFrames} frames, found ${frames.length}`);
  return { width, height, frames };
}
