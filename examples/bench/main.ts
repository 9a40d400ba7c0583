import { runPressureBenchmark, DEFAULT_BENCHMARK_OPTIONS, parseSmoothings, type BenchmarkResult } from '../../src/bench/pressure-benchmark';
import { benchmarkMarkdown } from '../../src/bench/benchmark-report';
import { loadModelFromUrl } from '../../src/latent/model-manifest';
import { showMessage } from '../shared/example-app';

const log = document.getElementById('log')!;
const jsonOut = document.getElementById('json')!;
const report = document.getElementById('report')!;
const runButton = document.getElementById('run') as HTMLButtonElement;
const copyButton = document.getElementById('copy') as HTMLButtonElement;
let last: BenchmarkResult | null = null;

async function device(): Promise<{ device: GPUDevice; name: string } | null> {
  if (!navigator.gpu) return null;
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  const l = adapter.limits;
  const d = await adapter.requestDevice({
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
    requiredLimits: {
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage, maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize, maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    },
  });
  const i = adapter.info;
  return { device: d, name: [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ') || 'unknown adapter' };
}

function markdownToHtml(md: string): string {
  // Tables and lines only: enough for this report.
  const out: string[] = [];
  let table: string[][] = [];
  const flush = () => {
    if (!table.length) return;
    out.push(`<table border="1" cellpadding="3" style="border-collapse:collapse;margin:6px 0">${table.map((r, i) => `<tr>${r.map((c) => (i === 0 ? `<th>${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`).join('')}</table>`);
    table = [];
  };
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) {
      if (!/^\|\s*---/.test(line)) table.push(line.slice(1, -1).split('|').map((c) => c.trim()));
    } else {
      flush();
      if (line) out.push(`<p>${line.replace(/^- /, '&bull; ')}</p>`);
    }
  }
  flush();
  return out.join('\n');
}

async function run(): Promise<void> {
  runButton.disabled = true;
  log.textContent = '';
  const gpu = await device();
  if (!gpu) {
    showMessage('<h2>This benchmark needs WebGPU</h2><p>Your browser did not provide a WebGPU adapter.</p>');
    return;
  }
  const resolutions = (document.getElementById('res') as HTMLInputElement).value.split(',').map((x) => Number(x.trim())).filter((x) => x > 0);
  const repeats = Number((document.getElementById('repeats') as HTMLInputElement).value) || 5;
  const params = new URLSearchParams(location.search);
  const numbers = (key: string, fallback: number[]) => (params.get(key) ?? fallback.join(',')).split(',').map(Number);
  // ?targets=1,0.1&jacobiMax=2000 shrink the classical rows (software adapters take seconds per thousand iterations).
  const options = {
    ...DEFAULT_BENCHMARK_OPTIONS, ort: { wasmPaths: '../ort/' }, resolutions, repeats,
    warmupFrames: Number(params.get('warmup') ?? DEFAULT_BENCHMARK_OPTIONS.warmupFrames),
    jacobiIterations: numbers('iterations', [20, 50, 100, 200]),
    divergenceTargets: numbers('targets', DEFAULT_BENCHMARK_OPTIONS.divergenceTargets),
    jacobiMaxIterations: Number(params.get('jacobiMax') ?? DEFAULT_BENCHMARK_OPTIONS.jacobiMaxIterations),
    // ?smoothings=red-black:1,red-black:1:cc0 (or none): the MGPCG variants (smoothing and coarse-cycle
    // threshold, parseSmoothings' syntax) measured besides the default.
    smoothings: params.get('smoothings') ? parseSmoothings(params.get('smoothings')!) : DEFAULT_BENCHMARK_OPTIONS.smoothings,
  };
  try {
    last = await runPressureBenchmark(gpu.device, gpu.name, options, () => loadModelFromUrl(params.get('model') ?? '../models/latent-liquid/'),
      (line) => { log.textContent += `${line}\n`; });
    jsonOut.textContent = JSON.stringify(last, null, 2);
    report.innerHTML = markdownToHtml(benchmarkMarkdown(last));
    copyButton.disabled = false;
  } catch (e) {
    log.textContent += `failed: ${(e as Error).message}\n`;
  } finally {
    runButton.disabled = false;
    gpu.device.destroy();
  }
  (window as unknown as { benchmark: unknown }).benchmark = { result: last, done: true };
}

runButton.addEventListener('click', () => void run());
copyButton.addEventListener('click', () => { if (last) void navigator.clipboard.writeText(JSON.stringify(last, null, 2)); });
(window as unknown as { benchmark: unknown }).benchmark = { run, done: false };
// ?res=16,32&repeats=3 preset the inputs (before an ?autorun=1 run starts).
const query = new URLSearchParams(location.search);
if (query.get('res')) (document.getElementById('res') as HTMLInputElement).value = query.get('res')!;
if (query.get('repeats')) (document.getElementById('repeats') as HTMLInputElement).value = query.get('repeats')!;
if (query.get('autorun') === '1') void run();
