// The published package as a user gets it: `npm pack`, unpacked into a fresh app's
// node_modules (test/helpers/packed-app.ts): the files it ships; the PlayCanvas Editor file
// loaded as the Editor loads it, the model as assets; the CLI from the tarball, with and without
// `webgpu`. The README's app, installed from the registry, is test/packed-install.test.ts.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, startStaticServer, waitForFrames, waitFrames } from './helpers/browser';
import { ROOT } from './helpers/cli';
import { buildAndPack, createPackedApp, } from './helpers/packed-app';

let tarball: string;

beforeAll(() => {
  tarball = buildAndPack();
});

describe('the packed package', () => {
  it('ships the LICENSE, the Editor file with its .wasm, the models and the declarations; playcanvas and webgpu are peers', () => {
    const app = createPackedApp(tarball, [], 'latent-liquid-files-');
    const pkg = join(app, 'node_modules', 'latent-liquid');
    for (const f of ['LICENSE', 'README.md', 'dist/plugin.js', 'dist/types/plugin/index.d.ts', 'dist/editor/latent-liquid.mjs',
      'dist/editor/ort-wasm-simd-threaded.asyncify.wasm', 'models/latent-liquid/manifest.json', 'models/latent-liquid/decoder.onnx', 'bin/latent-liquid.mjs']) {
      expect(existsSync(join(pkg, f)), f).toBe(true);
    }
    expect(readFileSync(join(pkg, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 latent-liquid contributors\n/);
    const json = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    expect(json.license).toBe('MIT');
    expect(Object.keys(json.dependencies)).toEqual(['onnxruntime-web']);
    expect(json.peerDependencies).toMatchObject({ playcanvas: expect.any(String), webgpu: expect.any(String) });
    expect(json.peerDependenciesMeta).toEqual({ playcanvas: { optional: true }, webgpu: { optional: true } });
  });

  it('the Editor file, loaded as the Editor loads it with the model as assets: the latent solver predicts; a missing model shows on the overlay', async () => {
    const app = createPackedApp(tarball, ['playcanvas'], 'latent-liquid-editor-');
    const pkg = join(app, 'node_modules', 'latent-liquid');
    const site = join(app, 'site');
    const source = readFileSync(join(pkg, 'dist', 'editor', 'latent-liquid.mjs'), 'utf8');
    for (const tag of ["static scriptName = 'liquidVolume'", '@attribute', '@range [1, 64]', "@type {'classical' | 'latent'}", '@resource binary']) {
      expect(source).toContain(tag);
    }
    // What a user uploads: the two files of dist/editor, the model's four files as assets.
    cpSync(join(pkg, 'dist', 'editor'), join(site, 'files', 'scripts'), { recursive: true });
    mkdirSync(join(site, 'files', 'model'), { recursive: true });
    for (const f of ['manifest.json', 'encoder.onnx', 'lstm.onnx', 'decoder.onnx']) cpSync(join(pkg, 'models', 'latent-liquid', f), join(site, 'files', 'model', f));
    cpSync(join(app, 'node_modules', 'playcanvas', 'build', 'playcanvas.mjs'), join(site, 'playcanvas.mjs'));
    writeFileSync(join(site, 'index.html'), `<!doctype html><html><head><link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "playcanvas": "./playcanvas.mjs" } }</script></head>
<body style="margin:0"><canvas id="c"></canvas><script type="module">
import * as pc from 'playcanvas';
import { LiquidVolume } from './files/scripts/latent-liquid.mjs';
const canvas = document.getElementById('c');
const device = await pc.createGraphicsDevice(canvas, { deviceTypes: [pc.DEVICETYPE_WEBGPU] });
const app = new pc.Application(canvas, { graphicsDevice: device });
const camera = new pc.Entity(); camera.addComponent('camera'); camera.setPosition(0.5, 0.8, 2.2); app.root.addChild(camera);
const asset = (name, type) => { const a = new pc.Asset(name, type, { url: './files/model/' + name }); app.assets.add(a); return a; };
const e = new pc.Entity('latent'); e.addComponent('script'); app.root.addChild(e);
const liquid = e.script.create(LiquidVolume, { properties: {
  preset: 'dam-break', resolution: 16, cellSize: 1 / 16, solver: 'latent', showStats: true,
  ortWasmPath: '/files/scripts/ort-wasm-simd-threaded.asyncify.wasm',
  modelManifest: asset('manifest.json', 'json'), modelEncoder: asset('encoder.onnx', 'binary'),
  modelLstm: asset('lstm.onnx', 'binary'), modelDecoder: asset('decoder.onnx', 'binary'),
} });
const m = new pc.Entity('missing'); m.addComponent('script'); m.setPosition(2, 0, 0); app.root.addChild(m);
const missing = m.script.create(LiquidVolume, { properties: { preset: 'rest', resolution: 8, cellSize: 1 / 8, solver: 'latent', modelUrl: '/no-such-model/', showStats: true, statsCorner: 'bottom-right' } });
app.start();
window.check = { liquid, missing };
</script></body></html>`);
    const server = await startStaticServer(site);
    const browser = await launchBrowser();
    try {
      const page = await openPage(browser, server.url('/'), { width: 320, height: 240 });
      const state = '[...document.querySelectorAll(".latent-liquid-stats pre")].map((e) => e.textContent)';
      const counter = 'window.check?.liquid?.stats?.frame ?? 0';
      await waitForFrames(page, { until: 'window.check?.liquid?.stats?.predictedFrames >= 1 || window.check?.liquid?.controller?.latentUnavailable', counter, frames: 3000, state });
      await waitForFrames(page, { until: 'window.check.missing.controller?.latentUnavailable', counter, frames: 600, state });
      // Again: the model's assets may finish loading after a first prediction, and reattaching
      // starts the stats over (seen once in a clean-clone run: predicted 0, nothing unavailable).
      await waitForFrames(page, { until: 'window.check.liquid.stats.predictedFrames >= 1 || window.check.liquid.controller.latentUnavailable', counter, frames: 3000, state });
      await waitFrames(page, counter, 2); // the overlays redraw every frame
      const s = await page.page.evaluate(() => {
        const { liquid, missing } = (window as any).check;
        const overlays = [...document.querySelectorAll('.latent-liquid-stats pre')].map((e) => e.textContent);
        return {
          status: liquid.controller.status, unavailable: liquid.controller.latentUnavailable, predicted: liquid.stats.predictedFrames,
          missingStatus: missing.controller.status, missingMessage: missing.controller.message, missingFrame: missing.stats.frame, overlays,
        };
      });
      expect(s.unavailable, page.logs.join('\n')).toBe('');
      expect(s).toMatchObject({ status: 'running', missingStatus: 'running' });
      expect(s.predicted).toBeGreaterThanOrEqual(1);
      expect(s.missingMessage).toMatch(/^latent solver unavailable, solving with the classical solver \(jacobi\) only: cannot read \/no-such-model\/\/?manifest\.json: HTTP 404/);
      expect(s.missingFrame).toBeGreaterThan(0);
      expect(s.overlays).toHaveLength(2);
      expect(s.overlays.find((t: string) => /rest \[8x8x8\]/.test(t))).toMatch(/running: latent solver unavailable, solving with the classical solver \(jacobi\) only: cannot read/);
      expect(s.overlays.find((t: string) => /dam-break \[16x16x16\]/.test(t))).toMatch(/solver latent/);
      // The only failed request: the missing model's manifest (and its console line).
      expect(server.requests.filter((r) => r.status !== 200)).toEqual([{ path: '/no-such-model/manifest.json', status: 404 }]);
      expect(page.errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });

  it('the CLI from the tarball: without the webgpu package it says to install it; with it, it runs', () => {
    const app = createPackedApp(tarball, ['onnxruntime-web'], 'latent-liquid-cli-app-');
    const bin = join(app, 'node_modules', 'latent-liquid', 'bin', 'latent-liquid.mjs');
    const run = () => spawnSync(process.execPath, [bin, 'simulate', 'rest', '--res', '8', '--frames', '2'], { cwd: app, encoding: 'utf8', timeout: 120_000 });
    const without = run();
    expect(without.status, without.stderr).toBe(1);
    expect(without.stderr).toMatch(/The 'webgpu' package is not installed.*npm install webgpu/);
    symlinkSync(join(ROOT, 'node_modules', 'webgpu'), join(app, 'node_modules', 'webgpu'));
    const withIt = run();
    expect(withIt.status, withIt.stderr).toBe(0);
    expect(withIt.stderr).toMatch(/done: 2 frames/);
  });
});
