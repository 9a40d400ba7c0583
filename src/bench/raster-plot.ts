/**
 * A tiny raster line plot (log-log axes, legend, 5x7 bitmap text) for benchmark pictures,
 * without any canvas or font dependency.
 */
const GLYPHS: Record<string, string> = {
  '0': '01110100011001110101110011000101110', '1': '00100011000010000100001000010001110', '2': '01110100010000100010001000100011111',
  '3': '11111000100010000010000011000101110', '4': '00010001100101010010111110001000010', '5': '11111100001111000001000011000101110',
  '6': '00110010001000011110100011000101110', '7': '11111000010001000100010000100001000', '8': '01110100011000101110100011000101110',
  '9': '01110100011000101111000010001001100', A: '01110100011000111111100011000110001', B: '11110100011000111110100011000111110',
  C: '01110100011000010000100001000101110', D: '11100100101000110001100011001011100', E: '11111100001000011110100001000011111',
  F: '11111100001000011110100001000010000', G: '01110100011000010111100011000101111', H: '10001100011000111111100011000110001',
  I: '01110001000010000100001000010001110', J: '00111000100001000010000101001001100', K: '10001100101010011000101001001010001',
  L: '10000100001000010000100001000011111', M: '10001110111010110101100011000110001', N: '10001100011100110101100111000110001',
  O: '01110100011000110001100011000101110', P: '11110100011000111110100001000010000', Q: '01110100011000110001101011001001101',
  R: '11110100011000111110101001001010001', S: '01111100001000001110000010000111110', T: '11111001000010000100001000010000100',
  U: '10001100011000110001100011000101110', V: '10001100011000110001100010101000100', W: '10001100011000110101101011010101010',
  X: '10001100010101000100010101000110001', Y: '10001100011000101010001000010000100', Z: '11111000010001000100010001000011111',
  '.': '00000000000000000000000000110001100', '-': '00000000000000011111000000000000000', '/': '00001000010001000100010001000010000',
  '^': '00100010101000100000000000000000000', '(': '00010001000100001000010000010000010', ')': '01000001000001000010000100010001000',
  ':': '00000011000110000000011000110000000', '%': '11000110010001000100010001001100011', '=': '00000000001111100000111110000000000',
  ' ': '00000000000000000000000000000000000', ',': '00000000000000000000001100010001000',
};

export type Rgb = [number, number, number];

export class RasterPlot {
  readonly pixels: Uint8Array;
  constructor(readonly width: number, readonly height: number) {
    this.pixels = new Uint8Array(width * height * 4).fill(255);
  }

  dot(x: number, y: number, c: Rgb): void {
    x = Math.round(x); y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.pixels.set([c[0], c[1], c[2], 255], 4 * (x + this.width * y));
  }

  rect(x: number, y: number, w: number, h: number, c: Rgb): void {
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) this.dot(x + i, y + j, c);
  }

  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1, dashed = false): void {
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let s = 0; s <= n; s++) {
      if (dashed && Math.floor(s / 5) % 2 === 1) continue;
      const x = x0 + ((x1 - x0) * s) / n, y = y0 + ((y1 - y0) * s) / n;
      for (let t = 0; t < thickness; t++) for (let u = 0; u < thickness; u++) this.dot(x + t - (thickness >> 1), y + u - (thickness >> 1), c);
    }
  }

  text(x: number, y: number, text: string, c: Rgb = [30, 30, 30], scale = 1): void {
    let cx = x;
    for (const ch of text.toUpperCase()) {
      const g = GLYPHS[ch] ?? GLYPHS[' '];
      for (let r = 0; r < 7; r++) for (let k = 0; k < 5; k++) if (g[r * 5 + k] === '1') this.rect(cx + k * scale, y + r * scale, scale, scale, c);
      cx += 6 * scale;
    }
  }

  /** Text width in pixels. */
  static textWidth(text: string, scale = 1): number {
    return text.length * 6 * scale;
  }
}

/** A log-log line chart of named series over shared x values. */
export function lineChart(opts: {
  title: string; subtitle?: string; xLabel: string; yLabel: string; xTicks: { value: number; label: string }[];
  series: { name: string; color: Rgb; points: [number, number][]; dashed?: boolean }[];
  width?: number; height?: number;
}): RasterPlot {
  const W = opts.width ?? 760, H = opts.height ?? 440;
  const p = new RasterPlot(W, H);
  const left = 70, right = W - 20, top = 48, bottom = H - 120;
  const all = opts.series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(y));
  const xs = [...all.map((a) => a[0]), ...opts.xTicks.map((t) => t.value)];
  const ys = all.map((a) => a[1]);
  const lx0 = Math.log10(Math.min(...xs)) - 0.1, lx1 = Math.log10(Math.max(...xs)) + 0.1;
  const ly0 = Math.floor(Math.log10(Math.min(...ys))), ly1 = Math.ceil(Math.log10(Math.max(...ys)));
  const X = (x: number) => left + ((Math.log10(x) - lx0) / (lx1 - lx0)) * (right - left);
  const Y = (y: number) => bottom - ((Math.log10(y) - ly0) / Math.max(1e-9, ly1 - ly0)) * (bottom - top);
  p.text(left, 8, opts.title, [20, 20, 20], 2);
  if (opts.subtitle) p.text(left, 26, opts.subtitle, [90, 90, 90]);
  for (let e = ly0; e <= ly1; e++) {
    const y = Y(10 ** e);
    p.line(left, y, right, y, [225, 225, 225]);
    const label = e >= 0 ? String(10 ** e) : (10 ** e).toFixed(-e);
    p.text(left - 8 - RasterPlot.textWidth(label), y - 3, label);
  }
  for (const t of opts.xTicks) {
    const x = X(t.value);
    p.line(x, top, x, bottom, [235, 235, 235]);
    p.text(x - RasterPlot.textWidth(t.label) / 2, bottom + 8, t.label);
  }
  p.line(left, bottom, right, bottom, [60, 60, 60]);
  p.line(left, top, left, bottom, [60, 60, 60]);
  p.text((left + right) / 2 - RasterPlot.textWidth(opts.xLabel) / 2, bottom + 22, opts.xLabel);
  p.text(8, top - 14, opts.yLabel);
  opts.series.forEach((s, i) => {
    const pts = s.points.filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(y));
    for (let k = 1; k < pts.length; k++) p.line(X(pts[k - 1][0]), Y(pts[k - 1][1]), X(pts[k][0]), Y(pts[k][1]), s.color, 2, s.dashed);
    for (const [x, y] of pts) p.rect(X(x) - 3, Y(y) - 3, 7, 7, s.color);
    const lyy = bottom + 44 + (i % 4) * 14, lxx = left + Math.floor(i / 4) * 340;
    p.rect(lxx, lyy, 14, 7, s.color);
    p.text(lxx + 20, lyy, s.name);
  });
  return p;
}
