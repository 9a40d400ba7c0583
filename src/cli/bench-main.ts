import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createNodeGpu } from '../node/node-gpu';
import { findShippedModel, loadModelFromDirectory } from '../node/model-directory';
import { encodePngRgba } from '../node/png';
import { DEFAULT_BENCHMARK_OPTIONS, parseSmoothings, runPressureBenchmark, type BenchmarkResult, type SmoothingVariant } from '../bench/pressure-benchmark';
import { runDamBreakFront } from '../bench/dam-break-front';
import { profileMgpcg } from '../bench/mgpcg-profile';
import type { HistoryUpdate } from '../latent/latent-pressure-predictor';
import type { LatentFallback } from '../latent/latent-scheduler';
import { countStepCosts, DEFAULT_STEP_COST_OPTIONS, type StepCostOptions } from '../bench/step-costs';
import { benchmarkMarkdown } from '../bench/benchmark-report';
import { colliderBenchmarkCommand } from './collider-bench-command';
import { bodyBenchmarkCommand } from './body-bench-command';
import { renderBenchmarkCommand } from './render-bench-command';
import { lineChart } from '../bench/raster-plot';
import { intOption, numberOption, parseArgs, stringOption, UsageError } from './args';

const HELP = `npm run bench -- [options]

Measures Jacobi (fixed and to a tolerance), multigrid-preconditioned CG and the latent
pressure path on the same scene states, per resolution, on
whatever WebGPU adapter Node finds (Dawn; SwiftShader without a GPU). Prints JSON.

Options:
  --res LIST              resolutions (default 32), e.g. 32,64,128 (multiples of 8 for the latent path)
  --json FILE             write the JSON there (else to stdout)
  --markdown FILE         write Markdown tables
  --plot FILE.png         time vs resolution plot
  --repeats N             measured runs per variant (default 5; medians)
  --warmup N              frames before measuring (default 12)
  --iterations LIST       fixed Jacobi iteration counts (default 20,50,100,200)
  --full-iterations K     Jacobi iterations of a full solve (default 100)
  --correction-iterations K  latent correction iterations (default 4)
  --intervals LIST        latent whole-frame intervals (default 2,4,8)
  --preset NAME           scene (default dam-break)
  --tolerance T           relative residual of the tolerance-mode rows (default 1e-3)
  --targets LIST          RMS divergence targets in 1/s (default 1,0.3,0.1,0.03,0.01)
  --mgpcg-max-iterations N  MGPCG iteration cap (default 20)
  --smoothings LIST       MGPCG variants measured besides the default (jacobi:1:cc512), each
                          SMOOTHER[:SWEEPS[:ccCELLS]]: SMOOTHER jacobi or red-black, SWEEPS 1-4
                          (default 1), CELLS the coarse-cycle threshold 0-512 (default 512: the
                          levels below the finest with at most 512 cells in one dispatch; cc0: one
                          dispatch per operation and level), e.g. red-black:1:cc0,red-black:1:cc512
                          (default red-black:1,red-black:2; "none" for none); with --profile-mgpcg:
                          the variants profiled, each in turn (default jacobi:1:cc512)
  --jacobi-max-iterations N Jacobi iteration cap of tolerance solves (default 20000)
  --latent-runtime R      runtime of the latent rows: ort (default) or wgsl
  --no-wgsl               without the latent rows on the WGSL runtime (measured beside ORT's by default)
  --capture               also the latent rows on ORT with graph capture (experimental; README, "Graph capture")

Mesh colliders (instead of the above): --colliders (see --colliders --help).
Rigid-body coupling (instead of the above): --bodies (see --bodies --help).
Renderer cost in headless Chromium (instead of the above): --renderer (see --renderer --help).

Cost counters (instead of the above): --counters counts what one step records, per step kind
(classical default, Jacobi 100, MGPCG 1e-3, latent predicted and solved): dispatches, passes,
workgroups, bytes bound per dispatch (an estimate of bytes moved), copies, uploads, and the
networks' multiply-adds. Hardware-independent (SwiftShader gives the same counts as a GPU).
Uses --res (first entry, default 32), --preset, --warmup (default 8), --correction-iterations,
--model, --latent-runtime (default wgsl here), --history-update encode-used|keep-predicted,
--fallback same-step|next-step (where a discarded prediction's full solve runs), --json.

MGPCG kernel profile (instead of the above): --profile-mgpcg LIST times each kernel of a CG
iteration at each resolution (GPU timestamps, 50 back-to-back dispatches each), for each
--smoothings variant.

Dam-break front study (instead of the above): --front LIST runs Martin and Moyce's dam break
with LIST cells across the column (e.g. 16,32,64), with MGPCG to --tolerance (default 1e-4
here) and with Jacobi at --full-iterations, and reports the front x/a at T = 1, 2, 2.5, 3.
  --model DIR             model set (default: the shipped model serving each grid)
`;

const list = (v: string | undefined, name: string, fallback: number[]) => {
  if (v === undefined) return fallback;
  const xs = v.split(',').map((x) => Number(x.trim()));
  if (xs.some((x) => !Number.isInteger(x) || x <= 0)) throw new UsageError(`--${name} must be a comma-separated list of positive integers (got ${v})`);
  return xs;
};

const positiveList = (v: string | undefined, name: string, fallback: number[]) => {
  if (v === undefined) return fallback;
  const xs = v.split(',').map((x) => Number(x.trim()));
  if (xs.some((x) => !(x > 0) || !Number.isFinite(x))) throw new UsageError(`--${name} must be a comma-separated list of positive numbers (got ${v})`);
  return xs;
};

function latentRuntime(v: string | undefined): 'ort' | 'wgsl' {
  if (v === undefined || v === 'ort' || v === 'wgsl') return v ?? 'ort';
  throw new UsageError(`--latent-runtime must be ort or wgsl (got ${v})`);
}

function fallbackOption(v: string | undefined): LatentFallback | undefined {
  if (v === undefined || v === 'same-step' || v === 'next-step') return v;
  throw new UsageError(`--fallback must be same-step or next-step (got ${v})`);
}

function historyUpdate(v: string | undefined): HistoryUpdate {
  if (v === undefined || v === 'encode-used' || v === 'keep-predicted') return v ?? 'encode-used';
  throw new UsageError(`--history-update must be encode-used or keep-predicted (got ${v})`);
}

/** Plot of time vs cells. */
export function benchmarkPlot(r: BenchmarkResult): Buffer {
  const pts = (get: (x: BenchmarkResult['results'][number]) => number | null | undefined) =>
    r.results.map((x) => [x.cells, get(x) ?? NaN] as [number, number]);
  const mid = r.options.intervals.includes(4) ? 4 : r.options.intervals[0];
  const chart = lineChart({
    title: 'TIME PER FRAME VS GRID',
    subtitle: r.adapter.replace(/[^A-Za-z0-9 .:/()-]/g, ' ').slice(0, 110),
    xLabel: 'GRID CELLS', yLabel: 'MS',
    xTicks: r.results.map((x) => ({ value: x.cells, label: `${x.resolution[0]}^3` })),
    series: [
      { name: `JACOBI ${r.options.fullIterations} IT WHOLE FRAME`, color: [33, 102, 172], points: pts((x) => x.wholeFrame.jacobi) },
      { name: `LATENT N=${mid} WHOLE FRAME`, color: [230, 120, 20], points: pts((x) => x.wholeFrame.latent[mid]) },
      { name: 'JACOBI PRESSURE AT LATENT RESIDUAL', color: [33, 102, 172], points: pts((x) => x.jacobiAtLatentResidual?.pressureMs), dashed: true },
      { name: 'LATENT PRESSURE (PREDICT+CORRECT)', color: [230, 120, 20], points: pts((x) => x.latent?.pressureMs), dashed: true },
      { name: `MGPCG PRESSURE TO ${r.options.relativeTolerance}`, color: [40, 150, 60], points: pts((x) => x.methods?.mgpcgTolerance.pressureMs) },
      { name: `MGPCG WHOLE FRAME`, color: [40, 150, 60], points: pts((x) => x.methods?.mgpcgTolerance.frameMs), dashed: true },
    ],
  });
  return encodePngRgba(chart.width, chart.height, chart.pixels);
}

/** --smoothings: "red-black:2,jacobi:1:cc0" (or "none"); a bad entry is a usage error naming the option. */
function smoothingList(text: string | undefined, fallback: SmoothingVariant[]): SmoothingVariant[] {
  if (text === undefined) return fallback;
  try {
    return parseSmoothings(text);
  } catch (e) {
    throw new UsageError(`--smoothings: ${(e as Error).message}`);
  }
}

/** --counters: the hardware-independent cost counters of one step of each kind, as JSON. */
async function countersCommand(args: ReturnType<typeof parseArgs>): Promise<number> {
  const resolution = list(stringOption(args, 'res'), 'res', [DEFAULT_STEP_COST_OPTIONS.resolution])[0];
  const options: StepCostOptions = {
    ...DEFAULT_STEP_COST_OPTIONS,
    resolution,
    preset: stringOption(args, 'preset') ?? DEFAULT_STEP_COST_OPTIONS.preset,
    warmupFrames: intOption(args, 'warmup', DEFAULT_STEP_COST_OPTIONS.warmupFrames, 1, 10000),
    correctionIterations: intOption(args, 'correction-iterations', DEFAULT_STEP_COST_OPTIONS.correctionIterations, 0, 10000),
    latent: { runtime: stringOption(args, 'latent-runtime') === undefined ? 'wgsl' : latentRuntime(stringOption(args, 'latent-runtime')), historyUpdate: historyUpdate(stringOption(args, 'history-update')) },
    fallback: fallbackOption(stringOption(args, 'fallback')),
  };
  const modelDir = stringOption(args, 'model');
  const dims: [number, number, number] = [resolution, resolution, resolution];
  const dir = modelDir ?? findShippedModel(dims);
  const gpu = await createNodeGpu();
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const result = await countStepCosts(gpu.device, gpu.adapterName, options, dir ? await loadModelFromDirectory(dir) : null, log);
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const jsonPath = stringOption(args, 'json');
  if (jsonPath) {
    mkdirSync(dirname(jsonPath) || '.', { recursive: true });
    writeFileSync(jsonPath, json);
    log(`wrote ${jsonPath}`);
  } else process.stdout.write(json);
  gpu.device.destroy();
  return 0;
}

async function runBenchmark(argv: string[]): Promise<number> {
  if (argv.includes('--colliders')) return colliderBenchmarkCommand(argv, (line) => process.stderr.write(`bench: ${line}\n`));
  if (argv.includes('--bodies')) return bodyBenchmarkCommand(argv, (line) => process.stderr.write(`bench: ${line}\n`));
  if (argv.includes('--renderer')) return renderBenchmarkCommand(argv, (line) => process.stderr.write(`bench: ${line}\n`));
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(HELP); return 0; }
  const args = parseArgs(argv, {
    values: ['res', 'json', 'markdown', 'plot', 'repeats', 'warmup', 'iterations', 'full-iterations', 'correction-iterations', 'intervals', 'preset', 'model',
      'tolerance', 'targets', 'mgpcg-max-iterations', 'jacobi-max-iterations', 'front', 'profile-mgpcg', 'smoothings', 'latent-runtime', 'history-update', 'fallback'],
    flags: ['no-wgsl', 'capture', 'counters'],
  });
  if (args.options.has('counters')) return countersCommand(args);
  const options = {
    ...DEFAULT_BENCHMARK_OPTIONS,
    resolutions: list(stringOption(args, 'res'), 'res', DEFAULT_BENCHMARK_OPTIONS.resolutions),
    jacobiIterations: list(stringOption(args, 'iterations'), 'iterations', DEFAULT_BENCHMARK_OPTIONS.jacobiIterations),
    intervals: list(stringOption(args, 'intervals'), 'intervals', DEFAULT_BENCHMARK_OPTIONS.intervals),
    repeats: intOption(args, 'repeats', DEFAULT_BENCHMARK_OPTIONS.repeats, 1, 1000),
    warmupFrames: intOption(args, 'warmup', DEFAULT_BENCHMARK_OPTIONS.warmupFrames, 6, 10000),
    fullIterations: intOption(args, 'full-iterations', DEFAULT_BENCHMARK_OPTIONS.fullIterations, 2, 100000),
    correctionIterations: intOption(args, 'correction-iterations', DEFAULT_BENCHMARK_OPTIONS.correctionIterations, 0, 10000),
    preset: stringOption(args, 'preset') ?? DEFAULT_BENCHMARK_OPTIONS.preset,
    relativeTolerance: numberOption(args, 'tolerance', DEFAULT_BENCHMARK_OPTIONS.relativeTolerance, 0, 1, true)!,
    divergenceTargets: positiveList(stringOption(args, 'targets'), 'targets', DEFAULT_BENCHMARK_OPTIONS.divergenceTargets),
    mgpcgMaxIterations: intOption(args, 'mgpcg-max-iterations', DEFAULT_BENCHMARK_OPTIONS.mgpcgMaxIterations, 1, 200),
    jacobiMaxIterations: intOption(args, 'jacobi-max-iterations', DEFAULT_BENCHMARK_OPTIONS.jacobiMaxIterations, 2, 1_000_000),
    smoothings: smoothingList(stringOption(args, 'smoothings'), DEFAULT_BENCHMARK_OPTIONS.smoothings),
    ort: { runtime: latentRuntime(stringOption(args, 'latent-runtime')) },
    wgslRow: !args.options.has('no-wgsl'),
    captureRow: args.options.has('capture'),
  };
  const modelDir = stringOption(args, 'model');
  const gpu = await createNodeGpu();
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  log(`adapter ${gpu.adapterName}${gpu.isFallbackAdapter ? ' (software: numbers say nothing about real GPUs)' : ''}`);
  const write = (path: string, data: string | Buffer) => { mkdirSync(dirname(path) || '.', { recursive: true }); writeFileSync(path, data); log(`wrote ${path}`); };
  const profileList = stringOption(args, 'profile-mgpcg');
  if (profileList) {
    const profiles: Awaited<ReturnType<typeof profileMgpcg>>[] = [];
    const jsonPath = stringOption(args, 'json');
    if (jsonPath) mkdirSync(dirname(jsonPath) || '.', { recursive: true });
    const json = () => `${JSON.stringify({ tool: 'latent-liquid bench --profile-mgpcg', date: new Date().toISOString(), adapter: gpu.adapterName, profiles }, null, 2)}\n`;
    // Without --smoothings (or with "none"): the default variant alone.
    const variants: (SmoothingVariant | undefined)[] = stringOption(args, 'smoothings') && options.smoothings.length ? options.smoothings : [undefined];
    for (const n of list(profileList, 'profile-mgpcg', [])) {
      for (const variant of variants) {
        const p = await profileMgpcg(gpu.device, n, 50, variant);
        log(`MGPCG kernels at ${n}^3, ${p.label} (us per dispatch; one iteration ${p.iterationUs.toFixed(1)} us in ${p.dispatchesPerIteration} dispatches):`);
        for (const k of p.kernels) log(`  ${k.kernel.padEnd(24)} ${String(k.cells).padStart(9)} cells ${k.us.toFixed(2).padStart(9)} us`);
        profiles.push(p);
        // The file holds every profile so far, should a time limit cut the run.
        if (jsonPath) writeFileSync(jsonPath, json());
      }
    }
    if (jsonPath) write(jsonPath, json()); else process.stdout.write(json());
    gpu.device.destroy();
    return 0;
  }
  const frontList = stringOption(args, 'front');
  if (frontList) {
    const columns = list(frontList, 'front', []);
    const tolerance = numberOption(args, 'tolerance', 1e-4, 0, 1, true)!;
    const times = [1, 2, 2.5, 3];
    const runs = [];
    for (const pressure of [{ method: 'mgpcg' as const, tolerance, maxIterations: 100 }, { method: 'jacobi' as const, iterations: options.fullIterations }]) {
      for (const c of columns) {
        log(`dam-break front: ${c} cells across the column, ${pressure.method}`);
        const run = await runDamBreakFront(gpu.device, c, pressure, times);
        log(`  ${run.front.map((p) => `T=${p.T.toFixed(2)}: x/a=${p.Z.toFixed(3)}`).join(', ')}; max div ${run.maxDivergence.toExponential(2)}`);
        runs.push(run);
      }
    }
    const json = `${JSON.stringify({ tool: 'latent-liquid bench --front', date: new Date().toISOString(), adapter: gpu.adapterName, runs }, null, 2)}\n`;
    const jsonPath = stringOption(args, 'json');
    if (jsonPath) write(jsonPath, json); else process.stdout.write(json);
    gpu.device.destroy();
    return 0;
  }
  const result = await runPressureBenchmark(gpu.device, gpu.adapterName, options, (dims) => {
    const dir = modelDir ?? findShippedModel(dims);
    return dir ? loadModelFromDirectory(dir) : null;
  }, log);
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const jsonPath = stringOption(args, 'json');
  if (jsonPath) write(jsonPath, json); else process.stdout.write(json);
  const md = stringOption(args, 'markdown');
  if (md) write(md, benchmarkMarkdown(result));
  const plot = stringOption(args, 'plot');
  if (plot) write(plot, benchmarkPlot(result));
  gpu.device.destroy();
  return 0;
}

/**
 * Runs `npm run bench` and returns the process exit code (0, 1: failed, 2: usage error); it never
 * exits the process itself. bin/bench.mjs calls it and sets process.exitCode.
 */
export async function main(argv: string[]): Promise<number> {
  try {
    return await runBenchmark(argv);
  } catch (e) {
    const err = e as Error;
    process.stderr.write(`bench: ${e instanceof UsageError ? err.message : err.stack ?? err.message}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}
