// The README animation: the APNG encoder of src/node/png.ts (scripts/record-animation.mjs
// writes the animation with it) and the committed file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeApng, decodePng, encodeApng } from '../src/node/png';

const ROOT = join(__dirname, '..');

describe('the README animation (src/node/png.ts, scripts/record-animation.mjs)', () => {
  it('the APNG encoder round-trips frames whose changes are partial, total and none', () => {
    const w = 23, h = 17;
    const base = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) base.set([(i * 37) & 255, (i * 11) & 255, (i * 5) & 255, 255], 4 * i);
    const partial = base.slice();
    for (let y = 4; y < 9; y++) for (let x = 6; x < 15; x += 2) partial.set([255, 0, (x * y) & 255, 255], 4 * (x + w * y));
    const total = base.map((v, i) => (i % 4 === 3 ? 255 : 255 - v));
    const frames = [base, partial, partial.slice(), total, base.slice()];
    const file = encodeApng(frames, w, h, 33.3);
    const back = decodeApng(file);
    expect(back.frames).toHaveLength(frames.length);
    back.frames.forEach((f: Uint8Array, i: number) => expect(Buffer.from(f).equals(Buffer.from(frames[i])), `frame ${i}`).toBe(true));
    // an ordinary PNG reader sees the first frame
    expect(Buffer.from(decodePng(file).data).equals(Buffer.from(base))).toBe(true);
  });

  it('the committed animation is an APNG of a real run, under 2 MB, that the README shows first', () => {
    const file = readFileSync(join(ROOT, 'docs/images/dam-break.png'));
    expect(file.length).toBeLessThan(2e6);
    const apng = decodeApng(file);
    expect(apng.frames.length).toBeGreaterThanOrEqual(30);
    // the water moves: consecutive frames differ
    let moving = 0;
    for (let i = 1; i < apng.frames.length; i++) if (!Buffer.from(apng.frames[i]).equals(Buffer.from(apng.frames[i - 1]))) moving++;
    expect(moving).toBeGreaterThan(0.8 * (apng.frames.length - 1));
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(/!\[[^\]]*\]\(([^)]+)\)/.exec(readme)?.[1], 'the README\'s first picture').toBe('docs/images/dam-break.png');
  });
});

