// A PlayCanvas app written the way a game developer would, against the published package
// entry (`latent-liquid/playcanvas`), bundled with esbuild and run in headless Chromium; and
// the single-file PlayCanvas Editor bundle, loaded as the Editor loads ESM scripts.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, startStaticServer, type StaticServer } from './helpers/browser';
import { ensureBuilt, ROOT } from './helpers/cli';

let dir: string;
let server: StaticServer;

const APP = `
import * as pc from 'playcanvas';
import { LiquidVolume } from 'latent-liquid/playcanvas';

const canvas = document.getElementById('c');
const device = await pc.createGraphicsDevice(canvas, { deviceTypes: [pc.DEVICETYPE_WEBGPU] });
const app = new pc.Application(canvas, { graphicsDevice: device });
app.setCanvasFillMode(pc.FILLMODE_FILL_WINDOW);
const camera = new pc.Entity();
camera.addComponent('camera', { clearColor: new pc.Color(0.5, 0.6, 0.7) });
camera.setPosition(0.5, 0.9, 2.2);
camera.lookAt(0.5, 0.2, 0.5);
app.root.addChild(camera);
const light = new pc.Entity();
light.addComponent('light', { type: 'directional' });
light.setEulerAngles(45, 30, 0);
app.root.addChild(light);
const water = new pc.Entity('water');
water.addComponent('script');
app.root.addChild(water);
const block = new pc.Entity('block');
block.addComponent('render', { type: 'box' });
block.tags.add('liquid-obstacle');
block.setLocalPosition(0.6, 0.1, 0.5);
block.setLocalScale(0.15, 0.2, 0.15);
water.addChild(block);
const liquid = water.script.create(LiquidVolume, { properties: { preset: 'drop', resolution: 16, cellSize: 1 / 16, collectStats: true } });
app.start();
window.check = { liquid, device: device.deviceType };
`;

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'checker-app-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'latent-liquid'));
  symlinkSync(join(ROOT, 'node_modules', 'playcanvas'), join(dir, 'node_modules', 'playcanvas'));
  writeFileSync(join(dir, 'main.js'), APP);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><link rel="icon" href="data:,"></head><body style="margin:0"><canvas id="c"></canvas><script type="module" src="app.js"></script></body></html>');
  await esbuild.build({ entryPoints: [join(dir, 'main.js')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outfile: join(dir, 'app.js'), logLevel: 'error', absWorkingDir: dir });
  // onnxruntime's wasm next to the bundle (where it looks by default).
  cpSync(join(ROOT, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm'), join(dir, 'ort-wasm-simd-threaded.asyncify.wasm'));
  server = await startStaticServer(dir);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('the PlayCanvas Editor bundle', () => {
  it('dist/editor/latent-liquid.mjs is one ES module whose script carries the @attribute JSDoc and runs', async () => {
    const source = readFileSync(join(ROOT, 'dist/editor/latent-liquid.mjs'), 'utf8');
    for (const tag of ['static scriptName = \'liquidVolume\'', '@attribute', '@range [1, 64]', "@type {'jacobi' | 'latent'}", '@resource binary']) {
      expect(source).toContain(tag);
    }
    const editorDir = mkdtempSync(join(tmpdir(), 'editor-bundle-'));
    cpSync(join(ROOT, 'dist/editor'), editorDir, { recursive: true });
    cpSync(join(ROOT, 'node_modules/playcanvas/build/playcanvas.mjs'), join(editorDir, 'playcanvas.mjs'));
    writeFileSync(join(editorDir, 'index.html'), `<!doctype html><html><head><link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "playcanvas": "./playcanvas.mjs" } }</script></head>
<body style="margin:0"><canvas id="c"></canvas><script type="module">
import * as pc from 'playcanvas';
import { LiquidVolume } from './latent-liquid.mjs';
const canvas = document.getElementById('c');
const device = await pc.createGraphicsDevice(canvas, { deviceTypes: [pc.DEVICETYPE_WEBGPU] });
const app = new pc.Application(canvas, { graphicsDevice: device });
const camera = new pc.Entity(); camera.addComponent('camera'); camera.setPosition(0.5, 0.8, 2.2); app.root.addChild(camera);
const e = new pc.Entity(); e.addComponent('script'); app.root.addChild(e);
const liquid = e.script.create(LiquidVolume, { properties: { preset: 'rest', resolution: 8, cellSize: 1 / 8 } });
app.start();
window.check = { liquid };
</script></body></html>`);
    const editorServer = await startStaticServer(editorDir);
    const browser = await launchBrowser();
    try {
      const page = await openPage(browser, editorServer.url('/'), { width: 320, height: 240 });
      await page.page.waitForFunction('window.check?.liquid?.stats?.frame >= 3 || window.check?.liquid?.controller?.status === "error"', undefined, { timeout: 120_000, polling: 250 });
      expect(await page.page.evaluate(() => (window as any).check.liquid.controller.status)).toBe('running');
      expect(page.errors).toEqual([]);
    } finally {
      await browser.close();
      await editorServer.close();
    }
  }, 240_000);
});

describe('the published package in a user app', () => {
  it('adds the liquidVolume script from latent-liquid/playcanvas and the liquid runs with an obstacle', async () => {
    const browser = await launchBrowser();
    try {
      const page = await openPage(browser, server.url('/'), { width: 400, height: 300 });
      await page.page.waitForFunction('window.check?.liquid?.stats?.frame >= 5 || window.check?.liquid?.controller?.status === "error"', undefined, { timeout: 180_000, polling: 250 });
      const s = await page.page.evaluate(() => {
        const c = (window as any).check;
        return { device: c.device, status: c.liquid.controller.status, frame: c.liquid.stats.frame, obstacles: c.liquid.controller.solver.getObstacles().length, drift: c.liquid.stats.volumeDrift };
      });
      expect(s).toMatchObject({ device: 'webgpu', status: 'running', obstacles: 1 });
      expect(Math.abs(s.drift)).toBeLessThan(0.01);
      await page.screenshot('package-app.png');
      expect(page.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 300_000);
});
