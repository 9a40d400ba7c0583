// What the liquidVolume component says about itself, in a real PlayCanvas app (headless
// Chromium, WebGPU on SwiftShader): a latent predictor whose network starts failing at run
// time is reported on the overlay, in `message`, in `latentUnavailable` and by one console
// warning, and the frames go on; the overlay names the pressure method of each frame (mgpcg from
// frame 1 when chosen); a 10 m x 1.5 m x 10 m pool from attributes; `solver: 'jacobi'` warns
// once; the overlays stay within a quarter of the canvas.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchBrowser, openPage, pageCondition, startStaticServer, type StaticServer, type TestPage } from './helpers/browser';

const ROOT = resolve(__dirname, '..');
const SITE = join(ARTIFACTS_DIR, 'status-site');
const CANVAS = { width: 240, height: 160 };

const PAGE_SCRIPT = `
import * as pc from 'playcanvas';
import { LiquidVolume } from ${JSON.stringify(join(ROOT, 'plugin/index.ts'))};
const canvas = document.getElementById('c');
const device = await pc.createGraphicsDevice(canvas, { deviceTypes: [pc.DEVICETYPE_WEBGPU] });
const app = new pc.Application(canvas, { graphicsDevice: device });
const camera = new pc.Entity('camera'); camera.addComponent('camera'); camera.setPosition(0.5, 0.8, 2.5); app.root.addChild(camera);
const tank = (name, x, properties) => {
  const e = new pc.Entity(name); e.addComponent('script'); e.setPosition(x, 0, 0); app.root.addChild(e);
  return e.script.create(LiquidVolume, { properties });
};
// Two pages (?case=...): the latent liquid alone (its network is slow on SwiftShader), and the
// three classical liquids together (one page compiles the solver's pipelines once for all three).
const which = new URLSearchParams(location.search).get('case');
const cases = {
  latent: () => ({ latent: tank('latent', 0, { preset: 'dam-break', resolution: 16, cellSize: 1 / 16, solver: 'latent', modelUrl: './model/',
    ortWasmPath: './', latentRuntime: 'ort', interval: 2, showStats: true }) }),
  classical: () => ({
    mgpcg: tank('mgpcg', 0, { preset: 'dam-break', resolution: 16, cellSize: 1 / 16, pressureMethod: 'mgpcg', showStats: true, statsCorner: 'top-right' }),
    pool: tank('pool', -12, { preset: 'rest', resolution: 32, size: new pc.Vec3(10, 1.5, 10), collectStats: true, showStats: true, statsCorner: 'bottom-left' }),
    alias: tank('alias', 2, { preset: 'rest', resolution: 8, cellSize: 1 / 8, solver: 'jacobi' }),
  }),
};
const liquids = cases[which]();
const { latent = null, mgpcg = null } = liquids;
const liquid = latent ?? mgpcg;
// What each liquid's stats said after every simulation frame, and its overlay for every frame it showed.
const frames = { latent: [], mgpcg: [] };
const overlays = { latent: [], mgpcg: [] };
app.on('frameend', () => {
  for (const [name, l] of [['latent', latent], ['mgpcg', mgpcg]]) {
    const s = l?.controller?.stats;
    if (s && s.frame > 0 && frames[name].at(-1)?.frame !== s.frame) frames[name].push({ frame: s.frame, pressure: s.pressure });
    const text = l?.overlay?.element.textContent ?? '';
    const shown = /(?:^|\\n)frame (\\d+) /.exec(text);
    if (shown && overlays[name].at(-1)?.frame !== Number(shown[1])) overlays[name].push({ frame: Number(shown[1]), text });
  }
});
app.start();
window.check = { app, ...liquids, liquid, frames, overlays };
`;

async function build(): Promise<void> {
  mkdirSync(SITE, { recursive: true });
  writeFileSync(join(SITE, 'main.ts'), PAGE_SCRIPT);
  writeFileSync(join(SITE, 'index.html'), `<!doctype html><html><head><link rel="icon" href="data:,"></head><body style="margin:0">
<canvas id="c" width="${CANVAS.width}" height="${CANVAS.height}" style="width:${CANVAS.width}px;height:${CANVAS.height}px"></canvas>
<script type="module" src="./main.js"></script></body></html>`);
  cpSync(join(ROOT, 'test/fixtures/tiny-model'), join(SITE, 'model'), { recursive: true });
  cpSync(join(ROOT, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm'), join(SITE, 'ort-wasm-simd-threaded.asyncify.wasm'));
  await esbuild.build({
    entryPoints: [join(SITE, 'main.ts')], outdir: SITE, bundle: true, format: 'esm', target: 'es2022',
    loader: { '.wgsl': 'text' }, platform: 'browser', logLevel: 'warning', external: ['webgpu', 'node:*'],
  });
}

async function waitFor(page: TestPage, predicate: string, timeout = 600_000): Promise<void> {
  try {
    await page.page.waitForFunction(pageCondition(predicate), undefined, { timeout, polling: 100 });
  } catch (e) {
    const state = await page.page.evaluate(`(() => {
      const c = window.check?.liquid?.controller;
      return JSON.stringify({ status: c?.status, message: c?.message, frame: c?.stats.frame, pressure: c?.stats.pressure });
    })()`).catch(() => 'no answer');
    throw new Error(`${(e as Error).message}\nstate: ${state}\nconsole:\n${page.logs.join('\n')}`);
  }
}

let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  await build();
  server = await startStaticServer(SITE);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Each overlay covers at most a quarter of the canvas; a screenshot; no console errors. */
async function checkPage(page: TestPage, name: string): Promise<void> {
  const areas = await page.page.evaluate(`[...document.querySelectorAll('.latent-liquid-stats')].map((e) => { const r = e.getBoundingClientRect(); return r.width * r.height; })`) as number[];
  for (const a of areas) expect(a, 'overlay area').toBeLessThanOrEqual(0.25 * CANVAS.width * CANVAS.height + 1);
  await page.screenshot(`liquid-status-${name}.png`);
  expect(page.errors).toEqual([]);
}

/** The page of one case, closed after `check` and checkPage. */
async function withPage(name: string, check: (page: TestPage) => Promise<void>): Promise<void> {
  const page = await openPage(browser, server.url(`/?case=${name}`), CANVAS);
  try {
    await check(page);
    await checkPage(page, name);
  } finally {
    await page.page.close();
  }
}

describe('the liquidVolume component says what it does', () => {
  it('a network failing at run time: the overlay, message, latentUnavailable and one warning say so; the frames go on', () => withPage('latent', async (page) => {
    await waitFor(page, 'window.check?.latent.controller?.stats.predictedFrames >= 1 || !!window.check?.latent.controller?.latentUnavailable');
    const before = await page.page.evaluate(`(() => {
      const c = window.check.latent.controller;
      const sessions = c.latent.predictor.networks.sessions;
      for (const net of ['encoder', 'lstm', 'decoder']) sessions[net].run = () => Promise.reject(new Error('simulated network failure'));
      return { unavailable: c.latentUnavailable, message: c.message, frame: c.stats.frame };
    })()`) as { unavailable: string; message: string; frame: number };
    expect(before.unavailable, page.logs.join('\n')).toBe('');
    expect(before.message).toBe('');
    await waitFor(page, '!!window.check.latent.controller.latentUnavailable');
    const failedAt = await page.page.evaluate('window.check.latent.controller.stats.frame') as number;
    // The frame loop continues on the classical solve, and the overlay has caught up.
    await waitFor(page, `window.check.latent.controller.stats.frame >= ${failedAt + 3} && window.check.overlays.latent.at(-1).frame >= ${failedAt + 2}`);
    const after = await page.page.evaluate(`(() => {
      const c = window.check.latent.controller;
      return { status: c.status, unavailable: c.latentUnavailable, message: c.message, pressure: c.stats.pressure,
        overlay: window.check.latent.overlay.element.textContent, seen: window.check.frames.latent.map((f) => f.pressure) };
    })()`) as { status: string; unavailable: string; message: string; pressure: string; overlay: string; seen: string[] };
    expect(after.status).toBe('running');
    expect(after.unavailable).toMatch(/^predictions disabled at run time: three (predictions|encoder runs) in a row failed: simulated network failure$/);
    expect(after.message).toBe(`latent solver unavailable, solving with the classical solver (jacobi) only: ${after.unavailable}`);
    expect(after.overlay).toContain(`running: ${after.message}`);
    expect(after.pressure).toBe('jacobi');
    expect(after.seen).toContain('latent prediction');
    const disabledWarnings = page.logs.filter((l) => /^warning: latent-liquid: latent predictions disabled \(three .* in a row failed: simulated network failure\)/.test(l));
    expect(disabledWarnings, page.logs.join('\n')).toHaveLength(1);
  }));

  describe('three classical liquids on one page', () => {
    let page: TestPage;
    beforeAll(async () => {
      page = await openPage(browser, server.url('/?case=classical'), CANVAS);
    });
    afterAll(async () => {
      await page?.page.close();
    });

    it('pressureMethod mgpcg: MGPCG from frame 1, and the overlay names it every frame', async () => {
      await waitFor(page, 'window.check.overlays.mgpcg.filter((o) => o.frame >= 1).length >= 3');
      const mgpcgFrames = await page.page.evaluate('window.check.frames.mgpcg') as { frame: number; pressure: string }[];
      expect(mgpcgFrames[0].frame).toBe(1);
      for (const f of mgpcgFrames) expect(f.pressure, `frame ${f.frame}`).toBe('mgpcg');
      const shown = (await page.page.evaluate('window.check.overlays.mgpcg') as { frame: number; text: string }[]).filter((o) => o.frame >= 1);
      expect(shown[0].frame).toBe(1);
      for (const o of shown) expect(o.text, `overlay at frame ${o.frame}`).toMatch(/(^|\n)frame \d+ .*pressure mgpcg/);
    });

    it('a 10 m x 1.5 m x 10 m pool from attributes: 32 cells along its longest side, at rest', async () => {
      await waitFor(page, 'window.check.pool.controller?.stats.frame >= 3');
      const pool = await page.page.evaluate(`(() => {
        const c = window.check.pool.controller;
        return { status: c.status, dims: c.solver.scene.resolution, cellSize: c.solver.scene.cellSize, drift: c.stats.volumeDrift, maxSpeed: c.stats.maxSpeed };
      })()`) as { status: string; dims: number[]; cellSize: number; drift: number; maxSpeed: number };
      expect(pool.status).toBe('running');
      expect(pool.dims).toEqual([32, 5, 32]);
      expect(pool.cellSize).toBeCloseTo(10 / 32, 9);
      expect(Math.abs(pool.drift)).toBeLessThan(0.01);
      expect(pool.maxSpeed).toBeLessThan(0.05);
    });

    it("solver 'jacobi' runs the classical solve with one deprecation warning", async () => {
      await waitFor(page, 'window.check.alias.controller?.stats.frame >= 3');
      expect(await page.page.evaluate('window.check.alias.controller.status')).toBe('running');
      expect(await page.page.evaluate('window.check.alias.controller.stats.pressure')).toBe('jacobi');
      expect(page.logs.filter((l) => /liquidVolume\.solver 'jacobi' is deprecated/.test(l))).toHaveLength(1);
    });

    it('the overlays stay within a quarter of the canvas; no console errors', async () => {
      await checkPage(page, 'classical');
    });
  });
});
