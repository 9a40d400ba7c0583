import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStaticServer } from '../node/static-server';
import { intOption, parseArgs, stringOption, UsageError } from './args';

export const RENDER_BENCH_HELP = `npm run bench -- --renderer [options]

The renderer's cost (the PlayCanvas plugin's raymarched liquid surface): a dam break stepped
--sim-frames frames, then paused, drawn at each canvas size and resolution in headless Chromium
(playwright-core; CHROMIUM_PATH names the browser, default /usr/bin/chromium). Each row is the
median of --frames frames after --warmup: the GPU time of the frame's render passes (timestamp
queries, timing 'gpu-timestamp') where the adapter has 'timestamp-query', else the time between
animation frames (timing 'frame-wall'; Chromium runs without a frame-rate cap here).
The scene holds only the liquid and the camera's clear.
Prints JSON.

Options:
  --res LIST           resolutions (default 32,64,128), e.g. 32,64
  --sizes LIST         canvas sizes WIDTHxHEIGHT (default 1280x720,1920x1080)
  --foam               also the rows with foam drawn (the liquid made with foam; each row with
                       foam off beside one with foam on, the same paused state)
  --frames N           measured frames per row (default 60; medians)
  --warmup N           drawn frames before measuring (default 10)
  --sim-frames N       dam-break frames stepped before pausing (default 10)
  --gpu MODE           auto (default: Chromium's own adapter, SwiftShader if it has none),
                       hardware (no fallback) or swiftshader
  --json FILE          write the JSON there (else to stdout)
`;

/** Flags that give Chromium WebGPU, measured for the benchmark's frames (no frame cap, exact timestamps). */
const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  // timestamp queries without the 100 us quantization web pages get
  '--enable-webgpu-developer-features',
  // frame-wall timing: frames as fast as they are drawn, not at the display's rate
  '--disable-gpu-vsync',
  '--disable-frame-rate-limit',
  '--ignore-gpu-blocklist',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];
/** Chromium's software Vulkan (what the browser tests use on machines without a GPU). */
const SWIFTSHADER_ARGS = ['--use-vulkan=swiftshader', '--use-angle=swiftshader'];
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Options of the renderer benchmark. */
export interface RenderBenchOptions {
  resolutions: number[];
  sizes: { width: number; height: number }[];
  foam: boolean;
  frames: number;
  warmup: number;
  simFrames: number;
  gpu: 'auto' | 'hardware' | 'swiftshader';
}

export const DEFAULT_RENDER_BENCH_OPTIONS: RenderBenchOptions = {
  resolutions: [32, 64, 128],
  sizes: [{ width: 1280, height: 720 }, { width: 1920, height: 1080 }],
  foam: false,
  frames: 60,
  warmup: 10,
  simFrames: 10,
  gpu: 'auto',
};

function sizeList(text: string | undefined): RenderBenchOptions['sizes'] {
  if (text === undefined) return DEFAULT_RENDER_BENCH_OPTIONS.sizes;
  return text.split(',').map((s) => {
    const m = /^\s*(\d+)x(\d+)\s*$/.exec(s);
    const width = Number(m?.[1]);
    const height = Number(m?.[2]);
    if (!m || width < 16 || height < 16 || width > 7680 || height > 4320) {
      throw new UsageError(`--sizes must be a comma-separated list of WIDTHxHEIGHT, each side 16-7680 wide and 16-4320 high (got ${text})`);
    }
    return { width, height };
  });
}

function resolutionList(text: string | undefined): number[] {
  if (text === undefined) return DEFAULT_RENDER_BENCH_OPTIONS.resolutions;
  const xs = text.split(',').map((x) => Number(x.trim()));
  if (xs.some((x) => !Number.isInteger(x) || x < 8 || x > 256)) throw new UsageError(`--res must be a comma-separated list of integers in [8, 256] (got ${text})`);
  return xs;
}

/** The repository root (the command runs from dist/bench.js or, in tests, from src/cli/). */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Builds the benchmark page (examples/bench/renderer-bench.ts) into `dir`. */
async function buildPage(dir: string): Promise<void> {
  const entry = join(repositoryRoot(), 'examples', 'bench', 'renderer-bench.ts');
  if (!existsSync(entry)) throw new Error(`the renderer benchmark needs the repository's sources (${entry} is missing): run it from a clone`);
  const esbuild = await import('esbuild');
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>renderer benchmark</title></head>'
    + '<body style="margin:0;overflow:hidden"><canvas id="c"></canvas><script type="module" src="./renderer-bench.js"></script></body></html>');
  await esbuild.build({
    entryPoints: [entry], outdir: dir, bundle: true, format: 'esm', target: 'es2022', platform: 'browser',
    loader: { '.wgsl': 'text' }, logLevel: 'warning', external: ['webgpu', 'node:*'],
  });
}

/** The Chromium the benchmark launches. */
function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) throw new Error(`no Chromium at ${path}: install it or set CHROMIUM_PATH to a Chromium or Chrome executable`);
  return path;
}

type Playwright = typeof import('playwright-core');
type Browser = Awaited<ReturnType<Playwright['chromium']['launch']>>;

async function launch(swiftshader: boolean): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const env: Record<string, string> = { ...process.env as Record<string, string>, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };
  if (swiftshader && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_ARGS, ...(swiftshader ? SWIFTSHADER_ARGS : [])], env });
}

/** One row of the benchmark, as the page (examples/bench/renderer-bench.ts) measured it. */
export interface RenderBenchRow {
  resolution: number;
  width: number;
  height: number;
  foam: boolean;
  /** 'gpu-timestamp': GPU time of the frame's render passes; 'frame-wall': time between animation frames. */
  timing: 'gpu-timestamp' | 'frame-wall';
  /** Median milliseconds per frame over `frames`. */
  ms: number;
  /** Every measured frame's milliseconds, in order. */
  samples: number[];
  /** With gpu-timestamp: the median milliseconds of each render pass (PlayCanvas's pass names). */
  passes?: Record<string, number>;
  frames: number;
  warmup: number;
  simFrames: number;
  adapter: string;
}

/** The benchmark's JSON. */
export interface RenderBenchResult {
  tool: 'latent-liquid bench --renderer';
  date: string;
  adapter: string;
  options: RenderBenchOptions;
  rows: RenderBenchRow[];
}

/** A page's state: ready (with its adapter) or failed (with why). */
type PageState = { ready?: boolean; adapter?: string; error?: string };

/**
 * Runs the renderer benchmark: one page per canvas size, every resolution (and foam off, then
 * on with `foam`) measured in it. `onRow` sees each row as it is measured.
 */
export async function runRenderBenchmark(options: RenderBenchOptions, log: (line: string) => void, onRow: (row: RenderBenchRow, rows: RenderBenchRow[]) => void = () => {}): Promise<RenderBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'latent-liquid-render-bench-'));
  const rows: RenderBenchRow[] = [];
  let adapter = '';
  try {
    await buildPage(dir);
    const server = await startStaticServer(dir);
    let swiftshader = options.gpu === 'swiftshader';
    let browser = await launch(swiftshader);
    try {
      for (const { width, height } of options.sizes) {
        const openPage = async () => {
          const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
          const errors: string[] = [];
          page.on('pageerror', (e) => errors.push(e.message));
          // The page's progress lines (examples/bench/renderer-bench.ts) and errors, as they come.
          page.on('console', (m) => { if (m.type() === 'error' || m.text().startsWith('render-bench:')) log(`page ${m.type()}: ${m.text()}`); });
          await page.goto(server.url(`/?width=${width}&height=${height}`), { waitUntil: 'load' });
          // Waits for the page's own verdict (a device or an error), not for a time: the device's creation ends either way.
          await page.waitForFunction('window.renderBench?.ready || window.renderBench?.error', undefined, { timeout: 0, polling: 200 });
          const state = await page.evaluate('window.renderBench') as PageState;
          return { page, state, errors };
        };
        let { page, state, errors } = await openPage();
        if (state.error && options.gpu === 'auto' && !swiftshader) {
          log(`Chromium found no WebGPU adapter of its own (${state.error.split('\n')[0]}): SwiftShader instead`);
          await browser.close();
          swiftshader = true;
          browser = await launch(true);
          ({ page, state, errors } = await openPage());
        }
        if (state.error) throw new Error(`the benchmark page failed: ${state.error}`);
        adapter = state.adapter ?? '';
        log(`${width}x${height}: adapter ${adapter}${swiftshader ? ' (SwiftShader: numbers say nothing about real GPUs)' : ''}`);
        for (const resolution of options.resolutions) {
          for (const foam of options.foam ? [false, true] : [false]) {
            const started = Date.now();
            const request = { resolution, foam, foamSolver: options.foam, simFrames: options.simFrames, warmup: options.warmup, frames: options.frames };
            const row = await page.evaluate((r) => (window as unknown as { renderBench: { measure(x: typeof r): Promise<RenderBenchRow> } }).renderBench.measure(r), request)
              .catch((e: Error) => { throw new Error(`${resolution}^3 at ${width}x${height}: ${e.message}${errors.length ? `\npage errors:\n${errors.join('\n')}` : ''}`); });
            rows.push(row);
            log(`${resolution}^3 ${width}x${height} foam ${foam ? 'on' : 'off'}: ${row.ms.toFixed(3)} ms (${row.timing}, median of ${row.frames}; row took ${((Date.now() - started) / 1000).toFixed(0)} s)`);
            onRow(row, rows);
          }
        }
        await page.close();
      }
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { tool: 'latent-liquid bench --renderer', date: new Date().toISOString(), adapter, options, rows };
}

/** `npm run bench -- --renderer`: parses its options, runs the bench, prints or writes the JSON. */
export async function renderBenchmarkCommand(argv: string[], log: (line: string) => void): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(RENDER_BENCH_HELP); return 0; }
  const args = parseArgs(argv.filter((a) => a !== '--renderer'), { values: ['res', 'sizes', 'frames', 'warmup', 'sim-frames', 'gpu', 'json'], flags: ['foam'] });
  const d = DEFAULT_RENDER_BENCH_OPTIONS;
  const gpu = stringOption(args, 'gpu') ?? d.gpu;
  if (gpu !== 'auto' && gpu !== 'hardware' && gpu !== 'swiftshader') throw new UsageError(`--gpu must be auto, hardware or swiftshader (got ${gpu})`);
  const options: RenderBenchOptions = {
    resolutions: resolutionList(stringOption(args, 'res')),
    sizes: sizeList(stringOption(args, 'sizes')),
    foam: args.options.has('foam'),
    frames: intOption(args, 'frames', d.frames, 1, 10000),
    warmup: intOption(args, 'warmup', d.warmup, 0, 10000),
    simFrames: intOption(args, 'sim-frames', d.simFrames, 1, 10000),
    gpu,
  };
  const jsonPath = stringOption(args, 'json');
  const json = (result: RenderBenchResult) => `${JSON.stringify(result, null, 2)}\n`;
  if (jsonPath) mkdirSync(dirname(resolve(jsonPath)), { recursive: true });
  // The file holds every row so far, should a time limit cut a long run (128^3 on a software adapter).
  const result = await runRenderBenchmark(options, log, (row, rows) => {
    if (jsonPath) writeFileSync(jsonPath, json({ tool: 'latent-liquid bench --renderer', date: new Date().toISOString(), adapter: row.adapter, options, rows }));
  });
  if (jsonPath) { writeFileSync(jsonPath, json(result)); log(`wrote ${jsonPath}`); } else process.stdout.write(json(result));
  return 0;
}
