/**
 * Image metrics of the liquid renderer's screenshots (test/render-quality.test.ts): haze at a
 * waterline, seams across a face, silhouette roughness, frame-to-frame and high-frequency noise,
 * and dark speckles. All work on decoded RGBA screenshots (src/node/png.ts) in 8-bit units.
 */
import type { RgbaImage } from '../../src/node/png';

/** Rec. 709 luminance of a pixel (0..255); coordinates are rounded and clamped to the image. */
export function luminanceAt(img: RgbaImage, x: number, y: number): number {
  const xi = Math.min(img.width - 1, Math.max(0, Math.round(x)));
  const yi = Math.min(img.height - 1, Math.max(0, Math.round(y)));
  const i = 4 * (xi + img.width * yi);
  return 0.2126 * img.data[i] + 0.7152 * img.data[i + 1] + 0.0722 * img.data[i + 2];
}

/** Largest channel difference of a pixel between two images. */
export function pixelDifference(a: RgbaImage, b: RgbaImage, x: number, y: number): number {
  const i = 4 * (x + a.width * y);
  return Math.max(Math.abs(a.data[i] - b.data[i]), Math.abs(a.data[i + 1] - b.data[i + 1]), Math.abs(a.data[i + 2] - b.data[i + 2]));
}

/**
 * Mean luminance profile across a screen line from `a` to `b` (a waterline): for every pixel
 * column between the ends, the luminance `k` rows below the line (k < 0: above), averaged over
 * the columns. Returns the profile for k = -range..range.
 */
export function lineProfile(img: RgbaImage, a: number[], b: number[], range: number): number[] {
  const sums = new Array(2 * range + 1).fill(0);
  const [x0, x1] = [Math.ceil(Math.min(a[0], b[0])), Math.floor(Math.max(a[0], b[0]))];
  for (let x = x0; x <= x1; x++) {
    const line = a[1] + ((x - a[0]) / (b[0] - a[0])) * (b[1] - a[1]);
    for (let k = -range; k <= range; k++) sums[k + range] += luminanceAt(img, x, line + k);
  }
  return sums.map((s) => s / (x1 - x0 + 1));
}

/**
 * The luminance step across a waterline: the mean of rows 2..8 below the line minus the mean of
 * rows 2..8 above it (from {@link lineProfile} with range >= 8).
 */
export function waterlineStep(profile: number[]): number {
  const range = (profile.length - 1) / 2;
  let below = 0;
  let above = 0;
  for (let k = 2; k <= 8; k++) {
    below += profile[range + k];
    above += profile[range - k];
  }
  return (below - above) / 7;
}

/**
 * The largest |second difference| of luminance along horizontal rows y0..y1 (every `stride`-th),
 * between x0 and x1, counting only pixels where `mask` holds for all three samples.
 */
export function maxSecondDifference(img: RgbaImage, rect: { x0: number; y0: number; x1: number; y1: number },
  mask: (x: number, y: number) => boolean, stride = 1): { value: number; x: number; y: number } {
  let best = { value: 0, x: -1, y: -1 };
  for (let y = Math.ceil(rect.y0); y <= rect.y1; y += stride) {
    for (let x = Math.ceil(rect.x0) + 1; x < rect.x1; x++) {
      if (!mask(x - 1, y) || !mask(x, y) || !mask(x + 1, y)) continue;
      const d = Math.abs(luminanceAt(img, x - 1, y) - 2 * luminanceAt(img, x, y) + luminanceAt(img, x + 1, y));
      if (d > best.value) best = { value: d, x, y };
    }
  }
  return best;
}

/**
 * Roughness of an upper silhouette: for every column x0..x1, the first row from `yTop` down where
 * `inside` holds; the RMS distance (pixels) of those rows from their least-squares line.
 */
export function silhouetteRoughness(inside: (x: number, y: number) => boolean, x0: number, x1: number, yTop: number, yBottom: number): { rms: number; columns: number; rows: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let x = Math.ceil(x0); x <= x1; x++) {
    for (let y = Math.ceil(yTop); y <= yBottom; y++) {
      if (inside(x, y)) {
        xs.push(x);
        ys.push(y);
        break;
      }
    }
  }
  const n = xs.length;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const slope = sxy / sxx;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (ys[i] - (my + slope * (xs[i] - mx))) ** 2;
  return { rms: Math.sqrt(sq / n), columns: n, rows: ys };
}

/** Variance (8-bit units squared) of the per-pixel luminance difference of two frames, over `mask`. */
export function frameDifferenceVariance(a: RgbaImage, b: RgbaImage, mask: (x: number, y: number) => boolean): number {
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      if (!mask(x, y)) continue;
      const d = luminanceAt(a, x, y) - luminanceAt(b, x, y);
      n++;
      sum += d;
      sq += d * d;
    }
  }
  return n ? sq / n - (sum / n) ** 2 : 0;
}

/**
 * High-frequency energy of an image difference (e.g. reflection on minus off: the reflection
 * term alone): the mean square of the 4-neighbour Laplacian of the luminance difference over
 * `mask`. Stipple and dither are all high frequency; a smooth reflection has little.
 */
export function highFrequencyEnergy(a: RgbaImage, b: RgbaImage, mask: (x: number, y: number) => boolean): number {
  const d = (x: number, y: number) => luminanceAt(a, x, y) - luminanceAt(b, x, y);
  let n = 0;
  let sq = 0;
  for (let y = 1; y < a.height - 1; y++) {
    for (let x = 1; x < a.width - 1; x++) {
      if (!mask(x, y) || !mask(x - 1, y) || !mask(x + 1, y) || !mask(x, y - 1) || !mask(x, y + 1)) continue;
      const lap = d(x - 1, y) + d(x + 1, y) + d(x, y - 1) + d(x, y + 1) - 4 * d(x, y);
      n++;
      sq += lap * lap;
    }
  }
  return n ? sq / n : 0;
}

/**
 * Dark speckles: pixels in `mask` at least `drop` darker (luminance) than the median of their
 * 5x5 neighbourhood.
 */
export function darkSpeckles(img: RgbaImage, mask: (x: number, y: number) => boolean, drop: number): number {
  let count = 0;
  const window: number[] = [];
  for (let y = 2; y < img.height - 2; y++) {
    for (let x = 2; x < img.width - 2; x++) {
      if (!mask(x, y)) continue;
      window.length = 0;
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) window.push(luminanceAt(img, x + dx, y + dy));
      window.sort((p, q) => p - q);
      if (luminanceAt(img, x, y) < window[12] - drop) count++;
    }
  }
  return count;
}

/** Whether (x, y) lies inside a convex screen quad (corners in order) at least `margin` px from its edges. */
export function insideQuad(quad: readonly (readonly number[])[], x: number, y: number, margin: number): boolean {
  let sign = 0;
  for (let i = 0; i < quad.length; i++) {
    const [ax, ay] = quad[i];
    const [bx, by] = quad[(i + 1) % quad.length];
    const len = Math.hypot(bx - ax, by - ay);
    const d = ((bx - ax) * (y - ay) - (by - ay) * (x - ax)) / len;
    if (Math.abs(d) < margin) return false;
    const s = Math.sign(d);
    if (sign === 0) sign = s;
    else if (s !== sign) return false;
  }
  return true;
}
