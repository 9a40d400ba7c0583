// The model sets' ONNX files on onnxruntime-web's native WebGPU provider in headless Chromium
// (SwiftShader): outputs match the PyTorch golden pairs, and ORT's own placement log shows
// no node on the CPU.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, startStaticServer, type StaticServer } from './helpers/browser';
import { ROOT } from './helpers/cli';
import { cpSync } from 'node:fs';

/* eslint-disable @typescript-eslint/no-explicit-any */
const PAGE_SCRIPT = `
import * as ort from 'onnxruntime-web/webgpu';
ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = './';
ort.env.logLevel = 'verbose';
window.runGolden = async (base) => {
  const adapter = await navigator.gpu.requestAdapter();
  // ORT's WebGPU kernels bind more than the default 8 storage buffers (as the solver's device does).
  const l = adapter.limits;
  const device = await adapter.requestDevice({ requiredLimits: {
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage, maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize, maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
  } });
  const fetchBytes = async (u) => new Uint8Array(await (await fetch(base + u)).arrayBuffer());
  const manifest = JSON.parse(new TextDecoder().decode(await fetchBytes('manifest.json')));
  const golden = JSON.parse(new TextDecoder().decode(await fetchBytes('golden/golden.json')));
  const sessions = {};
  for (const net of ['encoder', 'lstm', 'decoder']) {
    sessions[net] = await ort.InferenceSession.create(await fetchBytes(manifest.files[net]), {
      executionProviders: [{ name: 'webgpu', device }], logSeverityLevel: 0, logVerbosityLevel: 0,
    });
  }
  const results = [];
  for (const c of golden.cases) {
    const [inName, input] = Object.entries(c.inputs)[0];
    const [outName, output] = Object.entries(c.outputs)[0];
    const x = new Float32Array((await fetchBytes('golden/' + input.file)).buffer);
    const want = new Float32Array((await fetchBytes('golden/' + output.file)).buffer);
    const out = await sessions[c.net].run({ [inName]: new ort.Tensor('float32', x, input.dims) });
    const got = await out[outName].getData();
    let worst = 0, scale = 0;
    for (let i = 0; i < want.length; i++) { worst = Math.max(worst, Math.abs(got[i] - want[i])); scale = Math.max(scale, Math.abs(want[i])); }
    results.push({ name: c.name, worst, scale, n: want.length, same: got.length === want.length });
  }
  return results;
};
window.ready = true;
`;

let dir: string;
let server: StaticServer;
const modelDirs = [join(ROOT, 'test', 'fixtures', 'tiny-model'), ...(existsSync(join(ROOT, 'models'))
  ? readdirSync(join(ROOT, 'models')).map((d) => join(ROOT, 'models', d)).filter((d) => existsSync(join(d, 'manifest.json')))
  : [])];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'golden-webgpu-'));
  writeFileSync(join(dir, 'main.js'), PAGE_SCRIPT);
  await esbuild.build({ entryPoints: [join(dir, 'main.js')], bundle: true, format: 'esm', platform: 'browser', outfile: join(dir, 'app.js'), logLevel: 'error', nodePaths: [join(ROOT, 'node_modules')] });
  // ORT loads its wasm and the module that instantiates it at run time, from wasmPaths.
  for (const f of ['ort-wasm-simd-threaded.asyncify.wasm', 'ort-wasm-simd-threaded.asyncify.mjs']) {
    cpSync(join(ROOT, 'node_modules/onnxruntime-web/dist', f), join(dir, f));
  }
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><link rel="icon" href="data:,"></head><body><script type="module" src="app.js"></script></body></html>');
  modelDirs.forEach((m, i) => cpSync(m, join(dir, `model${i}`), { recursive: true }));
  server = await startStaticServer(dir);
});

afterAll(async () => {
  await server?.close();
});

describe('ONNX models on WebGPU in Chromium', () => {
  modelDirs.forEach((modelDir, i) => {
    it(`${modelDir.slice(ROOT.length + 1)}: golden pairs match and every node runs on WebGPU`, async () => {
      const browser = await launchBrowser();
      try {
        const page = await openPage(browser, server.url('/'), { width: 200, height: 100 });
        await page.page.waitForFunction('window.ready === true', undefined, { timeout: 60_000 });
        const results = await page.page.evaluate((base) => (window as any).runGolden(base), `model${i}/`) as { name: string; worst: number; scale: number; same: boolean }[];
        expect(results.length).toBeGreaterThanOrEqual(3);
        for (const r of results) {
          expect(r.same, r.name).toBe(true);
          expect(r.worst, `${r.name}: max |webgpu - torch| ${r.worst}, scale ${r.scale}`).toBeLessThanOrEqual(1e-4 * r.scale + 1e-5);
        }
        // ORT logs where each session's nodes run: all three must be entirely on WebGPU.
        const allOnWebGpu = page.logs.filter((l) => /All nodes placed on \[WebGpuExecutionProvider\]/.test(l));
        const placement = page.logs.filter((l) => /placed on|CPUExecutionProvider/.test(l));
        expect(allOnWebGpu.length, placement.join('\n')).toBe(3);
        // With logLevel 'verbose' ORT writes its whole log (and shader dumps) to console.error:
        // the failures are uncaught page errors and ORT's own error/fatal lines.
        expect(page.errors.filter((e) => e.startsWith('pageerror:') || /\[[EF]:onnxruntime:/.test(e))).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  });
});
