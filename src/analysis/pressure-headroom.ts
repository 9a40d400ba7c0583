import type { Vec3 } from '../scene/scene-description';
import { levelResidual, smooth, solveMgpcg } from '../reference/reference-multigrid';
import { mean, median } from './statistics';

/**
 * Headroom of a pressure predictor: how much ANY guess of a frame's pressure could save the
 * classical solve, measured on solved frames (a dataset's labels) with the CPU mirrors of the
 * GPU kernels. Besides the warm starts a solver has for free (the previous frame's pressure,
 * a linear extrapolation of the last two), it tries oracles that know the true frame-to-frame
 * change: its block means at 1/8, 1/4 and 1/2 resolution (the most a predictor whose output
 * is that coarse could add, given perfectly), and the full change scaled by 50%, 90% and 99%
 * (a prediction with that relative error in the change). Per guess it reports
 * - the MGPCG iterations to a relative residual (what a predicted frame solved from the guess
 *   to the same tolerance costs: the issue's "warm start" measure), and
 * - the relative residual after K Jacobi iterations (a predicted frame with K corrections) and
 *   how many more Jacobi iterations the previous pressure needs to reach it (the guess's worth).
 */

/** Names of the guesses, in report order. */
export const HEADROOM_GUESSES = [
  'zero', 'previous', 'extrapolated', 'change 1/8 blocks', 'change 1/4 blocks', 'change 1/2 blocks',
  'change 50%', 'change 90%', 'change 99%',
] as const;
export type HeadroomGuess = (typeof HEADROOM_GUESSES)[number];

/** One solved frame f with the two before it, fields [nz][ny][nx] flattened (x fastest). */
export interface HeadroomFrame {
  /** Grid [nx, ny, nz]. */
  dims: Vec3;
  /** The stored system of frame f: A p = rhs with A = diag p_i - sum of active neighbours. */
  rhs: ArrayLike<number>;
  diag: ArrayLike<number>;
  /** Liquid and solid level sets of frame f (the multigrid's coarse labels). */
  phi: ArrayLike<number>;
  solidPhi: ArrayLike<number>;
  /** Solved pressure of frames f, f - 1 and f - 2. */
  pressure: ArrayLike<number>;
  previous: ArrayLike<number>;
  beforePrevious: ArrayLike<number>;
}

export interface HeadroomOptions {
  /** MGPCG relative residual. */
  tolerance: number;
  /** MGPCG iteration cap. */
  maxIterations: number;
  /** Jacobi iteration counts K at which residuals and worth are reported. */
  jacobiIterations: number[];
  /** Cap of the previous pressure's Jacobi run that the worth is read from. */
  jacobiMax: number;
}

export const DEFAULT_HEADROOM_OPTIONS: HeadroomOptions = { tolerance: 1e-3, maxIterations: 60, jacobiIterations: [4, 64], jacobiMax: 1024 };

/** What one guess gives on one frame. */
export interface HeadroomResult {
  mgpcgIterations: number;
  /** Relative residual |b - A p| / |b| of the guess itself. */
  residual: number;
  /** Relative residual after jacobiIterations[i] Jacobi iterations from the guess. */
  jacobiResidual: number[];
  /**
   * Extra Jacobi iterations the previous pressure needs to reach jacobiResidual[i] (negative:
   * it needs fewer; jacobiMax - K + 1 when it did not get there within jacobiMax).
   */
  jacobiWorth: number[];
}

/** The stored system in the GPU layout [1/diag, b/diag, neighbour mask, diag] per cell. */
export function systemFromStored(dims: Vec3, rhs: ArrayLike<number>, diag: ArrayLike<number>): Float32Array {
  const [nx, ny, nz] = dims;
  const system = new Float32Array(4 * nx * ny * nz);
  const strides = [-1, 1, -nx, nx, -nx * ny, nx * ny];
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    const c = i + nx * (j + ny * k);
    const d = diag[c];
    if (!(d > 0)) continue;
    const inside = [i > 0, i < nx - 1, j > 0, j < ny - 1, k > 0, k < nz - 1];
    let mask = 0;
    for (let n = 0; n < 6; n++) if (inside[n] && diag[c + strides[n]] > 0) mask |= 1 << n;
    system[4 * c] = 1 / d;
    system[4 * c + 1] = rhs[c] / d;
    system[4 * c + 2] = mask;
    system[4 * c + 3] = d;
  }
  return system;
}

/** previous + the block means (blocks of `block`^3 active cells) of the true change. */
function blockChange(f: HeadroomFrame, block: number): Float64Array {
  const [nx, ny, nz] = f.dims;
  const out = new Float64Array(nx * ny * nz);
  for (let K = 0; K < nz; K += block) for (let J = 0; J < ny; J += block) for (let I = 0; I < nx; I += block) {
    const cells: number[] = [];
    let sum = 0;
    for (let k = K; k < Math.min(K + block, nz); k++) for (let j = J; j < Math.min(J + block, ny); j++) for (let i = I; i < Math.min(I + block, nx); i++) {
      const c = i + nx * (j + ny * k);
      if (f.diag[c] > 0) { cells.push(c); sum += f.pressure[c] - f.previous[c]; }
    }
    const mean = cells.length ? sum / cells.length : 0;
    for (const c of cells) out[c] = f.previous[c] + mean;
  }
  return out;
}

/** The guesses of one frame, zero outside the active cells. */
export function headroomGuesses(f: HeadroomFrame): Record<HeadroomGuess, Float64Array> {
  const n = f.dims[0] * f.dims[1] * f.dims[2];
  const map = (g: (c: number) => number) => {
    const out = new Float64Array(n);
    for (let c = 0; c < n; c++) if (f.diag[c] > 0) out[c] = g(c);
    return out;
  };
  const change = (s: number) => map((c) => f.previous[c] + s * (f.pressure[c] - f.previous[c]));
  return {
    zero: new Float64Array(n),
    previous: map((c) => f.previous[c]),
    extrapolated: map((c) => 2 * f.previous[c] - f.beforePrevious[c]),
    'change 1/8 blocks': blockChange(f, 8),
    'change 1/4 blocks': blockChange(f, 4),
    'change 1/2 blocks': blockChange(f, 2),
    'change 50%': change(0.5),
    'change 90%': change(0.9),
    'change 99%': change(0.99),
  };
}

/** Relative residuals |b - A x| / |b| after 0..count Jacobi iterations (omega 1, the solver's default). */
function jacobiResiduals(dims: Vec3, system: Float32Array, b: Float64Array, start: Float64Array, count: number): number[] {
  let b2 = 0;
  for (let i = 0; i < b.length; i++) b2 += b[i] * b[i];
  const norm = Math.sqrt(Math.max(b2, 1e-300));
  const out: number[] = [];
  let x: Float64Array = start;
  for (let k = 0; ; k++) {
    const r = levelResidual(dims, system, b, x);
    let r2 = 0;
    for (let i = 0; i < r.length; i++) r2 += r[i] * r[i];
    out.push(Math.sqrt(r2) / norm);
    if (k === count) return out;
    x = smooth(dims, system, b, x, 1);
  }
}

/** Measures every guess on one frame. */
export function measureHeadroom(f: HeadroomFrame, options: HeadroomOptions = DEFAULT_HEADROOM_OPTIONS): Record<HeadroomGuess, HeadroomResult> {
  const system = systemFromStored(f.dims, f.rhs, f.diag);
  const b = new Float64Array(f.diag.length);
  for (let c = 0; c < b.length; c++) if (f.diag[c] > 0) b[c] = f.rhs[c];
  const guesses = headroomGuesses(f);
  const maxK = Math.max(...options.jacobiIterations);
  const baseline = jacobiResiduals(f.dims, system, b, guesses.previous, Math.max(options.jacobiMax, maxK));
  const out = {} as Record<HeadroomGuess, HeadroomResult>;
  for (const name of HEADROOM_GUESSES) {
    const start = guesses[name];
    const curve = name === 'previous' ? baseline : jacobiResiduals(f.dims, system, b, start, maxK);
    const jacobiResidual = options.jacobiIterations.map((k) => curve[k]);
    const jacobiWorth = options.jacobiIterations.map((k, i) => {
      const reached = baseline.findIndex((r) => r <= jacobiResidual[i]);
      return (reached < 0 ? baseline.length : reached) - k;
    });
    const mg = solveMgpcg(f.dims, system, f.phi, f.solidPhi, start, options.tolerance, options.maxIterations);
    out[name] = { mgpcgIterations: mg.iterations, residual: curve[0], jacobiResidual, jacobiWorth };
  }
  return out;
}

/** Per-guess means over frames (Jacobi worth as a median: a few frames hit the cap). */
export interface HeadroomSummary {
  frames: number;
  guesses: Record<HeadroomGuess, { mgpcgIterations: number; residual: number; jacobiResidual: number[]; jacobiWorthMedian: number[] }>;
}

/** Summarizes frames measured by measureHeadroom. */
export function summarizeHeadroom(rows: Record<HeadroomGuess, HeadroomResult>[]): HeadroomSummary {
  if (rows.length === 0) throw new Error('summarizeHeadroom: no frames');
  const guesses = {} as HeadroomSummary['guesses'];
  for (const name of HEADROOM_GUESSES) {
    const r = rows.map((row) => row[name]);
    const ks = r[0].jacobiResidual.length;
    guesses[name] = {
      mgpcgIterations: mean(r.map((x) => x.mgpcgIterations)),
      residual: mean(r.map((x) => x.residual)),
      jacobiResidual: Array.from({ length: ks }, (_, i) => mean(r.map((x) => x.jacobiResidual[i]))),
      jacobiWorthMedian: Array.from({ length: ks }, (_, i) => median(r.map((x) => x.jacobiWorth[i]))),
    };
  }
  return { frames: rows.length, guesses };
}

/** A Markdown table of a summary: one row per guess. */
export function headroomTable(title: string, s: HeadroomSummary, options: HeadroomOptions): string {
  const ks = options.jacobiIterations;
  const lines = [
    `${title} (${s.frames} frames)`,
    '',
    `| guess | relative residual | MGPCG iterations to ${options.tolerance} | ${ks.map((k) => `residual after ${k} Jacobi`).join(' | ')} | ${ks.map((k) => `worth at ${k} (Jacobi it.)`).join(' | ')} |`,
    `|${' --- |'.repeat(3 + 2 * ks.length)}`,
  ];
  for (const name of HEADROOM_GUESSES) {
    const g = s.guesses[name];
    lines.push(`| ${name} | ${g.residual.toPrecision(3)} | ${g.mgpcgIterations.toFixed(2)} | ${g.jacobiResidual.map((r) => r.toPrecision(3)).join(' | ')} | ${g.jacobiWorthMedian.map((w) => w.toFixed(0)).join(' | ')} |`);
  }
  return lines.join('\n');
}
