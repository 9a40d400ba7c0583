import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LiquidSolver, type FrameMetrics } from '../solver/liquid-solver';
import { createNodeGpu } from '../node/node-gpu';
import { Progress } from '../node/progress';
import { mean } from '../analysis/statistics';
import { intOption, parseArgs, stringOption, UsageError } from './args';
import { loadScene } from './load-scene';
import { applyPressureOptions, describePressure, PRESSURE_OPTION_VALUES, PRESSURE_OPTIONS_HELP } from './pressure-options';
import { attachLatentSolver, LATENT_OPTION_VALUES, readLatentSettings } from './latent-options';

export const COMPARE_HELP = `latent-liquid compare <preset|scene.json> [options]

Runs the latent solver and a reference (the scene's classical solve every step, same settings)
from the same start and reports per frame: the relative L2 error of the pressure used, the
divergence after the projection, the volume, the surface difference (fraction of cells whose
inside/outside differs), the pressure iterations, and how many predictions were discarded
(adaptive mode). With several intervals, prints a summary table like the paper's interval
evaluation. With --correction solve each prediction warm-starts the full solve, and the table
compares its iterations with the reference's on the same frames (warm-started from the
previous pressure): what the prediction saves.

Options:
  --res N                   cells along the longest axis
  --frames F                frames per run (default 60)
  --interval N              one interval (default: --intervals)
  --intervals LIST          comma-separated intervals (default 2,3,4,6,8)
  --model DIR               model set (default: the shipped model for the grid)
  --correction-iterations K Jacobi iterations after each prediction (default 4)
  --correction jacobi|solve correct predictions with those Jacobi iterations (default), or run
                            the full solve to its tolerance from the prediction (a warm start)
  --adaptive THRESHOLD      discard predictions above this RMS divergence (1/s) for a full
                            solve (default 1; 0 turns the check off)
${PRESSURE_OPTIONS_HELP}  --latent-runtime auto|ort|wgsl run the networks on our WGSL kernels when they know the model,
                            else onnxruntime-web (auto, default), or on either
  --history-update encode-used|keep-predicted  what a predicted step pushes into the history:
                            the encoding of the pressure used (default), or the predicted code
                            of a kept prediction (WGSL runtime; no encoder run on kept steps)
  --fallback same-step|next-step  a discarded prediction's full solve runs in the same
                            step (default) or, after --fallback-iterations (default 48) gated
                            Jacobi iterations, on the next step (fewer dispatches recorded)
  --metrics FILE.jsonl      per-frame rows
  --summary FILE.md         the summary table as Markdown (also printed)
  --quiet                   no progress output
`;

/** One frame of a comparison. */
export interface CompareRow {
  interval: number;
  frame: number;
  mode: string;
  /** |p_latent - p_ref| / |p_ref| over cells liquid in either run. */
  pressureRelL2: number;
  divergenceL2: number;
  divergenceL2Reference: number;
  volume: number;
  volumeReference: number;
  /** Fraction of all cells whose inside/outside differs between the runs. */
  surfaceDifference: number;
  /** Same, relative to the reference's liquid cells. */
  surfaceDifferenceOfLiquid: number;
  ms: number;
  msReference: number;
  /** Predictions discarded so far (NaN/Inf, or above the adaptive threshold), each replaced by a full solve. */
  discardedPredictions: number;
  /** Pressure iterations of the frame (Jacobi, or CG iterations with MGPCG), latent and reference. */
  pressureIterations: number;
  pressureIterationsReference: number;
}

function frameMs(m: FrameMetrics): number {
  return Object.values(m.ms).reduce((a, b) => a + b, 0);
}

/** `latent-liquid compare`. */
export async function compareCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, {
    values: ['res', 'frames', 'intervals', 'metrics', 'summary', ...PRESSURE_OPTION_VALUES, ...LATENT_OPTION_VALUES],
    flags: ['quiet'],
  });
  if (args.options.has('solver')) throw new UsageError('compare always runs the latent solver against the classical one (--pressure); drop --solver');
  args.options.set('solver', 'latent');
  const res = intOption(args, 'res', -1, 8, 512);
  const scene = loadScene(args.positionals[0], res > 0 ? res : undefined);
  applyPressureOptions(args, scene);
  if (scene.pressure.method === 'jacobi' && scene.pressure.tolerance === undefined && scene.pressure.iterations < 1) {
    throw new UsageError('--jacobi-iterations must be at least 1 for compare (the reference solves every step)');
  }
  const frames = intOption(args, 'frames', 60, 1, 100000);
  const intervalsText = stringOption(args, 'intervals');
  let intervals: number[];
  if (args.options.has('interval')) {
    if (intervalsText) throw new UsageError('--interval and --intervals exclude each other');
    intervals = [intOption(args, 'interval', 4, 1, 1000)];
  } else {
    intervals = (intervalsText ?? '2,3,4,6,8').split(',').map((x) => Number(x.trim()));
    if (intervals.some((n) => !Number.isInteger(n) || n < 1 || n > 1000)) throw new UsageError(`--intervals must be integers in [1, 1000] (got ${intervalsText})`);
  }
  const quiet = args.options.has('quiet');
  // the latent options' usage errors come before any GPU work
  const latentSettings = readLatentSettings(args)!;
  const gpu = await createNodeGpu();
  if (gpu.notice && !quiet) process.stderr.write(`latent-liquid: ${gpu.notice}\n`);
  const progress = new Progress('compare frames', frames * (intervals.length + 1), quiet);
  let done = 0;

  // The model first: a missing or unusable --model fails before the reference frames are spent.
  const probe = await LiquidSolver.create(gpu.device, scene, { timing: false });
  try {
    const latent = await attachLatentSolver(probe, readLatentSettings(args), true);
    if (!latent) throw new Error('compare: the latent model could not be used (see the warning above)');
    latent.destroy();
  } finally {
    probe.destroy();
  }

  // The reference run, once: its pressure, level set and metrics per frame.
  const reference: { pressure: Float32Array; levelset: Float32Array; metrics: FrameMetrics }[] = [];
  const ref = await LiquidSolver.create(gpu.device, scene, { timing: true });
  ref.collectMetrics = true;
  try {
    for (let f = 0; f < frames; f++) {
      await ref.step();
      const metrics = await ref.readMetrics();
      reference.push({ pressure: await ref.readField('pressure'), levelset: await ref.readField('levelset'), metrics });
      progress.update(++done, '(reference)');
    }
  } finally {
    ref.destroy();
  }

  const metricsPath = stringOption(args, 'metrics');
  const out = metricsPath ? (mkdirSync(dirname(metricsPath) || '.', { recursive: true }), createWriteStream(metricsPath)) : null;
  const summary: string[] = [];
  let modelDir = '';
  for (const interval of intervals) {
    const solver = await LiquidSolver.create(gpu.device, scene, { timing: true });
    solver.collectMetrics = true;
    const latent = await attachLatentSolver(solver, { ...latentSettings, interval }, quiet);
    if (!latent) {
      solver.destroy();
      throw new Error('compare: the latent model could not be used (see the warning above)');
    }
    modelDir = latent.modelDir;
    const rows: CompareRow[] = [];
    try {
      for (let f = 0; f < frames; f++) {
        await solver.step();
        const m = await solver.readMetrics();
        const [p, phi] = [await solver.readField('pressure'), await solver.readField('levelset')];
        const r = reference[f];
        let num = 0, den = 0, differ = 0, liquid = 0;
        for (let i = 0; i < p.length; i++) {
          const inLatent = phi[i] < 0, inRef = r.levelset[i] < 0;
          if (inLatent || inRef) {
            num += (p[i] - r.pressure[i]) ** 2;
            den += r.pressure[i] ** 2;
          }
          if (inLatent !== inRef) differ++;
          if (inRef) liquid++;
        }
        const row: CompareRow = {
          interval, frame: m.frame, mode: m.mode,
          pressureRelL2: den > 0 ? Math.sqrt(num / den) : 0,
          divergenceL2: m.divergenceL2, divergenceL2Reference: r.metrics.divergenceL2,
          volume: m.volume, volumeReference: r.metrics.volume,
          surfaceDifference: differ / p.length, surfaceDifferenceOfLiquid: liquid > 0 ? differ / liquid : 0,
          ms: frameMs(m), msReference: frameMs(r.metrics),
          discardedPredictions: Number(m.extra?.discardedPredictions ?? 0),
          pressureIterations: m.pressureIterations, pressureIterationsReference: r.metrics.pressureIterations,
        };
        rows.push(row);
        out?.write(`${JSON.stringify(row)}\n`);
        progress.update(++done, `(interval ${interval})`);
      }
    } finally {
      solver.destroy();
    }
    const predicted = rows.filter((r) => r.mode === 'predict');
    const last = rows[rows.length - 1];
    const initialVolume = reference[0].metrics.volume;
    const discarded = last.discardedPredictions;
    summary.push(`| ${interval} | ${predicted.length}/${rows.length}${discarded ? ` (${discarded} discarded)` : ''} | ${mean(predicted.map((r) => r.pressureRelL2)).toFixed(3)} | `
      + `${mean(predicted.map((r) => r.divergenceL2)).toExponential(2)} | ${mean(rows.map((r) => r.divergenceL2Reference)).toExponential(2)} | `
      + `${((last.volume / initialVolume - 1) * 100).toFixed(3)}% | ${(last.surfaceDifferenceOfLiquid * 100).toFixed(2)}% | `
      + `${mean(predicted.map((r) => r.pressureIterations)).toFixed(1)} / ${mean(predicted.map((r) => r.pressureIterationsReference)).toFixed(1)} | `
      + `${mean(rows.map((r) => r.ms)).toFixed(1)} | ${mean(rows.map((r) => r.msReference)).toFixed(1)} |`);
  }
  if (out) await new Promise<void>((resolve) => out.end(resolve));
  const table = [
    `Latent vs reference (${describePressure(scene.pressure)} every step): ${scene.name} [${scene.resolution.join('x')}], ${frames} frames, model ${modelDir}, adapter ${gpu.adapterName}`,
    '',
    '| interval | predicted | pressure rel. L2 (predicted frames) | divergence L2, latent (predicted) | divergence L2, reference | volume change, latent | surface diff. at end (of liquid cells) | pressure iterations per predicted frame, latent / reference | ms/frame latent | ms/frame reference |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...summary,
  ].join('\n');
  process.stdout.write(`${table}\n`);
  const summaryPath = stringOption(args, 'summary');
  if (summaryPath) {
    mkdirSync(dirname(summaryPath) || '.', { recursive: true });
    writeFileSync(summaryPath, `${table}\n`);
  }
  gpu.device.destroy();
}
