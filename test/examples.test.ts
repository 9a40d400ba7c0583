// The example pages in headless Chromium (WebGPU on SwiftShader): each loads without console
// errors, runs on the WebGPU device, advances frames and draws liquid inside its tank; the
// tuning page runs the latent path (solve and predict frames, onnxruntime on WebGPU); the
// benchmark page produces its JSON; without WebGPU a page shows a message instead.
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { decodePng, launchBrowser, openPage, startStaticServer, type RgbaImage, type StaticServer, type TestPage } from './helpers/browser';
import { ensureBuilt, ROOT } from './helpers/cli';
import { DEBUG_COLORS, levelSetColor, pressureColor } from '../plugin/render/debug-colors';
import { decodeApng, encodeApng } from '../src/node/png';

/* eslint-disable @typescript-eslint/no-explicit-any */
let server: StaticServer;
let browser: Browser;
const VIEW = { width: 480, height: 320 };

beforeAll(async () => {
  ensureBuilt();
  // The benchmark page runs on the tiny test model: the shipped one takes minutes per
  // inference round on SwiftShader (the latent tests in Node cover it).
  cpSync(join(ROOT, 'test/fixtures/tiny-model'), join(ROOT, 'site/test-models/tiny-model'), { recursive: true });
  server = await startStaticServer(join(ROOT, 'site'));
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * Says where a failed page was: its progress log if it has one (only the bench page does; a
 * missing element is not waited for), its last console lines and its errors. Never throws, so
 * the test's own failure is what gets reported.
 */
async function reportFailure(page: TestPage, name: string): Promise<void> {
  let log: string | null = null;
  try {
    const element = await page.page.$('#log');
    log = element ? await element.textContent() : null;
  } catch { /* the page is gone */ }
  console.error(`${name} page failed.${log !== null ? `\nprogress log:\n${log}` : ''}\nconsole:\n${page.logs.slice(-40).join('\n')}\nerrors: ${page.errors.join('\n')}`);
}

async function waitFor(page: TestPage, predicate: string, timeout: number): Promise<void> {
  await page.page.waitForFunction(predicate, undefined, { timeout, polling: 250 });
}

const luminance = (d: Uint8Array, i: number) => 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];

/**
 * Pixels that change when the liquid is shown, inside and outside the tank's screen box, and
 * the dark ones among them: liquid pixels at most `DARK_LUMINANCE` that are darker than half of
 * what is behind them. The examples' water (absorption 0.55..2.8 /m) lets through more than 60 %
 * of the light (luminance-weighted) over a metre, so such pixels are artefacts: refracted
 * objects that are not behind the water (the tank's edges, the spout), seams of the march.
 */
const DARK_LUMINANCE = 90;
async function liquidPixels(page: TestPage, name: string): Promise<{ inside: number; outside: number; total: number; dark: number }> {
  const rect = await page.page.evaluate(() => (window as any).liquid.screenRect());
  expect(rect).not.toBeNull();
  await page.page.evaluate(async () => { (window as any).liquid.setVisible(false); await (window as any).liquid.waitRendered(3); });
  const hidden = decodePng(await page.screenshot(`example-${name}-hidden.png`));
  await page.page.evaluate(async () => { (window as any).liquid.setVisible(true); await (window as any).liquid.waitRendered(3); });
  const shown = decodePng(await page.screenshot(`example-${name}.png`));
  let inside = 0, outside = 0, dark = 0;
  const margin = 4;
  for (let y = 0; y < shown.height; y++) {
    for (let x = 0; x < shown.width; x++) {
      const i = 4 * (x + shown.width * y);
      const d = Math.abs(shown.data[i] - hidden.data[i]) + Math.abs(shown.data[i + 1] - hidden.data[i + 1]) + Math.abs(shown.data[i + 2] - hidden.data[i + 2]);
      if (d < 24) continue;
      const isInside = x >= rect.x0 - margin && x <= rect.x1 + margin && y >= rect.y0 - margin && y <= rect.y1 + margin;
      if (isInside) inside++; else outside++;
      const l = luminance(shown.data, i);
      if (l <= DARK_LUMINANCE && l < 0.5 * luminance(hidden.data, i)) dark++;
    }
  }
  return { inside, outside, total: shown.width * shown.height, dark };
}

describe('example pages', () => {
  for (const name of ['dam-break', 'pour', 'playground']) {
    it(`${name}: WebGPU, frames advance, liquid drawn inside the tank, no console errors`, async () => {
      const page = await openPage(browser, server.url(`/${name}/?res=16&panel=0`), VIEW);
      try {
        await waitFor(page, '(window.liquid?.status === "running" && window.liquid.frame >= 4) || window.liquid?.status === "error"', 180_000);
        const state = await page.page.evaluate(() => {
          const l = (window as any).liquid;
          return { status: l.status, message: l.message, frame: l.frame, device: l.component.app.graphicsDevice.deviceType };
        });
        expect(state.status, state.message).toBe('running');
        expect(state.device).toBe('webgpu');
        const before = state.frame;
        // the pour: until the stream has reached the floor and spread (the spout is above it)
        const frames = name === 'pour' ? 40 : 2;
        await waitFor(page, `window.liquid.frame >= ${before + frames}`, 180_000);
        await page.page.evaluate(() => { (window as any).liquid.component.paused = true; });
        const px = await liquidPixels(page, name);
        console.log(`${name}: ${px.inside} liquid pixels, ${px.dark} dark (luminance <= ${DARK_LUMINANCE} and < half of the scene behind)`);
        expect(px.inside, 'liquid pixels inside the tank').toBeGreaterThan(0.01 * px.total);
        expect(px.outside, 'changed pixels outside the tank').toBeLessThan(0.002 * px.total);
        // (the playground's obstacles are dark underneath: their reflections in the water are real)
        if (name !== 'playground') expect(px.dark, 'dark seam pixels in the liquid').toBeLessThanOrEqual(0.002 * px.inside);
        expect(page.errors).toEqual([]);
      } finally {
        await page.page.close();
      }
    }, 300_000);
  }

  it('playground: obstacles dragged into the water push it; tilting sloshes it', async () => {
    const page = await openPage(browser, server.url('/playground/?res=16&stats=1&panel=0'), VIEW);
    try {
      await waitFor(page, 'window.liquid?.status === "running" && window.liquid.frame >= 3', 180_000);
      await page.page.evaluate(() => { (window as any).playground.moveObstacle(0, 0.5, 0.25, 0.5); (window as any).playground.tilt(20, 0); });
      const start = await page.page.evaluate(() => (window as any).liquid.frame);
      await waitFor(page, `window.liquid.frame >= ${start + 8}`, 180_000);
      const stats = await page.page.evaluate(() => { const s = (window as any).liquid.stats; return { maxSpeed: s.maxSpeed, drift: s.volumeDrift }; });
      expect(stats.maxSpeed).toBeGreaterThan(0.05);
      expect(Math.abs(stats.drift)).toBeLessThan(0.01);
      // tilted both ways to the limit, the tank rests on its lowest corner: none below the floor
      for (const [x, z] of [[20, 0], [35, 35], [-35, 20], [0, -35]]) {
        await page.page.evaluate(([tx, tz]) => (window as any).playground.tilt(tx, tz), [x, z]);
        await page.page.evaluate(() => (window as any).liquid.waitRendered(2));
        const ys: number[] = await page.page.evaluate(() => (window as any).playground.cornerHeights());
        expect(Math.min(...ys), `lowest corner at tilt (${x}, ${z})`).toBeGreaterThanOrEqual(-1e-4);
        expect(Math.min(...ys), `lowest corner at tilt (${x}, ${z})`).toBeLessThan(1e-3);
      }
      await page.screenshot('example-playground-tilted.png');
      expect(page.errors).toEqual([]);
    } catch (e) {
      await reportFailure(page, 'playground');
      throw e;
    } finally {
      await page.page.close();
    }
  }, 300_000);

  it('tuning: latent on WebGPU; both tanks on one clock; overlays off the water; a solver switch per tank', async () => {
    if (!existsSync(join(ROOT, 'site', 'models', 'latent-liquid', 'manifest.json'))) throw new Error('the shipped model models/latent-liquid is missing');
    const page = await openPage(browser, server.url('/tuning/?res=16'), { width: 800, height: 450 });
    try {
      await waitFor(page, 'window.liquid?.stats?.predictedFrames >= 2 || window.liquid?.status === "error"', 280_000);
      const s = await page.page.evaluate(() => {
        const l = (window as any).liquid;
        return { status: l.status, predicted: l.stats.predictedFrames, solved: l.stats.solvedFrames, latent: !!l.component.controller.latent, mode: l.stats.mode, ms: l.stats.ms };
      });
      expect(s.status).toBe('running');
      expect(s.latent).toBe(true);
      expect(s.solved).toBeGreaterThanOrEqual(6);
      expect(s.predicted).toBeGreaterThanOrEqual(2);

      // One simulated clock: Jacobi (left) is many times faster here than latent (right), yet
      // the frame counts stay within one of each other, because the left one waited.
      const clock = () => page.page.evaluate(() => {
        const t = (window as any).tuning;
        return { frames: t.tanks.map((x: any) => x.stats.frame), times: t.tanks.map((x: any) => x.stats.t), waited: [...t.sync.waitingFrames] };
      });
      // samples every second until the slow (latent) tank has made two more frames
      const samples = [await clock()];
      while (samples.at(-1)!.frames[1] < samples[0].frames[1] + 2 && samples.length < 90) {
        await page.page.waitForTimeout(1000);
        samples.push(await clock());
      }
      console.log(`tuning clock samples (frames left/right, app frames the left waited): ${samples.map((c) => `${c.frames.join('/')} (${c.waited[0]})`).join(', ')}`);
      for (const c of samples) {
        expect(Math.abs(c.frames[0] - c.frames[1]), `frames ${c.frames.join(' vs ')}`).toBeLessThanOrEqual(1);
        expect(Math.abs(c.times[0] - c.times[1]), `simulated times ${c.times.join(' vs ')}`).toBeLessThan(1 / 60 + 1e-4);
      }
      expect(samples.at(-1)!.waited[0], 'app frames in which the Jacobi tank waited').toBeGreaterThan(0);
      expect(samples.at(-1)!.frames[1], 'the latent tank advanced').toBeGreaterThanOrEqual(samples[0].frames[1] + 2);

      // Nothing HTML covers the tanks: the stats overlays, the tank cards and the side panel lie
      // outside both tanks' screen rectangles, and the tanks lie inside the canvas.
      const layout = await page.page.evaluate(() => {
        const l = (window as any).liquid;
        const canvas = document.getElementById('app')!.getBoundingClientRect();
        const tanks = [1, 0].map((i) => {
          const r = l.screenRect(i);
          return { x0: r.x0 + canvas.left, y0: r.y0 + canvas.top, x1: r.x1 + canvas.left, y1: r.y1 + canvas.top };
        });
        const boxes = [...document.querySelectorAll('.latent-liquid-stats, .tank-card, #panel')].map((e) => {
          const r = e.getBoundingClientRect();
          return { what: `${e.className || e.id}`, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom };
        });
        return { canvas: { x0: canvas.left, y0: canvas.top, x1: canvas.right, y1: canvas.bottom }, tanks, boxes };
      });
      expect(layout.boxes.filter((b) => b.what.includes('latent-liquid-stats'))).toHaveLength(2);
      for (const t of layout.tanks) {
        expect(t.x0).toBeGreaterThanOrEqual(layout.canvas.x0);
        expect(t.x1).toBeLessThanOrEqual(layout.canvas.x1);
        expect(t.y0).toBeGreaterThanOrEqual(layout.canvas.y0);
        expect(t.y1).toBeLessThanOrEqual(layout.canvas.y1);
        for (const b of layout.boxes) {
          const overlaps = b.x0 < t.x1 && t.x0 < b.x1 && b.y0 < t.y1 && t.y0 < b.y1;
          expect(overlaps, `${b.what} ${JSON.stringify(b)} over tank ${JSON.stringify(t)}`).toBe(false);
        }
      }

      // The pressure view's legend: the shader's colour stops, shown with the view.
      await page.page.selectOption('#debug-view', 'pressure-slice');
      const legend = await page.page.evaluate(() => {
        const el = document.getElementById('legend')!;
        return { hidden: el.hidden, text: el.textContent, bar: (el.querySelector('.bar') as HTMLElement).style.background };
      });
      expect(legend.hidden).toBe(false);
      expect(legend.text).toContain('9.81 kPa');
      for (const c of ['rgb(48, 18, 59)', 'rgb(41, 120, 237)', 'rgb(204, 43, 13)']) expect(legend.bar).toContain(c);

      // The solver switches: the right tank from latent to MGPCG (the predictor is detached,
      // the classical solve is MGPCG), the left from Jacobi to latent (the predictor attaches).
      await page.page.selectOption('.solver-switch[data-tank="1"]', 'mgpcg');
      await page.page.selectOption('.solver-switch[data-tank="0"]', 'latent');
      await waitFor(page, `(() => { const [a, b] = window.tuning.tanks; return !!a.controller.latent && !b.controller.latent && b.controller.solver.classicalStage.method === 'mgpcg'; })()`, 120_000);
      const after = await page.page.evaluate(() => (window as any).tuning.tanks.map((t: any) => ({ solver: t.solver, method: t.pressureMethod, frame: t.stats.frame })));
      expect(after.map((a: any) => a.solver)).toEqual(['latent', 'classical']);
      expect(after[1].method).toBe('mgpcg');
      const f1 = after[1].frame;
      await waitFor(page, `window.tuning.tanks[1].stats.frame >= ${f1 + 1}`, 120_000);
      expect(await page.page.evaluate(() => (window as any).tuning.tanks[1].stats.mode)).toBe('solve');
      await page.screenshot('example-tuning.png');
      expect(page.errors).toEqual([]);
    } catch (e) {
      await reportFailure(page, 'tuning');
      throw e;
    } finally {
      await page.page.close();
    }
  }, 420_000);

  it('bench page: runs the benchmark and shows its JSON', async () => {
    const page = await openPage(browser, server.url('/bench/?autorun=1&res=16&repeats=1&warmup=6&iterations=20,50&targets=0.3&jacobiMax=400&smoothings=red-black:1&model=../test-models/tiny-model/'), { width: 800, height: 600 });
    try {
      await waitFor(page, 'window.benchmark?.done === true', 280_000);
      const json = JSON.parse(await page.page.textContent('#json') ?? '{}');
      expect(json.tool).toBe('latent-liquid bench');
      expect(json.results[0].jacobi['20'].pressureMs).toBeGreaterThan(0);
      expect(json.results[0].jacobi['50'].divergenceL2).toBeLessThan(json.results[0].jacobi['20'].divergenceL2);
      // All methods side by side: Jacobi and MGPCG to the tolerance, and to the divergence target.
      const methods = json.results[0].methods;
      expect(methods.mgpcgTolerance.outcome).toBe('converged');
      expect(methods.mgpcgTolerance.divergenceL2).toBeLessThan(json.results[0].jacobi['50'].divergenceL2);
      expect(methods.targets[0].mgpcg.reached).toBe(true);
      // The V-cycle smoothings side by side: the default and the one asked for, both converged.
      expect(methods.smoothings.map((m: { smoother: string; sweeps: number }) => `${m.smoother}:${m.sweeps}`)).toEqual(['jacobi:1', 'red-black:1']);
      for (const m of methods.smoothings) expect(m.fromPrevious.outcome).toBe('converged');
      expect(methods.smoothings[1].fromHydrostatic.iterations).toBeLessThanOrEqual(methods.smoothings[0].fromHydrostatic.iterations);
      // The latent path on both runtimes in the browser (Chromium's WebGPU), from the same state.
      const runtimes = json.results[0].latentRuntimes;
      expect(json.results[0].latentWgslError).toBeUndefined();
      expect(runtimes.map((r: { runtime: string }) => r.runtime)).toEqual(['ort', 'wgsl']);
      expect(runtimes[1].predicted.passes.lstm).toBeGreaterThan(0);
      expect(Math.abs(runtimes[1].predicted.divergenceL2 - runtimes[0].predicted.divergenceL2)).toBeLessThanOrEqual(1e-3 * runtimes[0].predicted.divergenceL2);
      expect(await page.page.textContent('#report')).toContain('MGPCG');
      expect(page.errors).toEqual([]);
    } catch (e) {
      await reportFailure(page, 'bench');
      throw e;
    } finally {
      await page.page.close();
    }
  }, 300_000);

  it('index page lists every example', async () => {
    const page = await openPage(browser, server.url('/'), VIEW);
    const links = await page.page.$$eval('a', (as) => as.map((a) => a.getAttribute('href')));
    for (const name of ['dam-break/', 'pour/', 'playground/', 'tuning/', 'bench/']) expect(links).toContain(name);
    await page.page.close();
  });
});

/**
 * Counts the page's GPU buffers: every createBuffer on any device, and the first destroy() of
 * each. PlayCanvas's pool of staging and uniform memory (WebgpuDynamicBuffers) is counted apart:
 * it grows to the peak upload of a frame and is kept for reuse by design, so it is not a leak.
 * Unlabelled buffers are named by where they were made (the example bundles are not minified).
 */
const COUNT_GPU_BUFFERS = `(() => {
  if (typeof GPUDevice === 'undefined') return;
  const live = new Set();
  let created = 0, pool = 0;
  const createBuffer = GPUDevice.prototype.createBuffer;
  GPUDevice.prototype.createBuffer = function (descriptor) {
    const b = createBuffer.call(this, descriptor);
    const stack = (new Error().stack || '').split('\\n').slice(2, 5).map((l) => l.trim().split(' (')[0]).join(' < ');
    if (stack.includes('WebgpuDynamicBuffers')) { pool++; return b; }
    b.__madeBy = stack;
    live.add(b);
    created++;
    return b;
  };
  const destroy = GPUBuffer.prototype.destroy;
  GPUBuffer.prototype.destroy = function () { live.delete(this); return destroy.call(this); };
  window.gpuBuffers = {
    get live() { return live.size; },
    get created() { return created; },
    get pool() { return pool; },
    labels() { const m = {}; for (const b of live) { const k = b.label || b.__madeBy; m[k] = (m[k] || 0) + 1; } return m; },
  };
})();`;

describe('attribute churn', () => {
  it('50 changes of preset, resolution, solver and model on a running page: no errors, it keeps stepping, GPU buffers and ORT sessions return to their start', async () => {
    const page = await openPage(browser, server.url('/dam-break/?res=16&panel=0'), VIEW, { initScript: COUNT_GPU_BUFFERS });
    try {
      await waitFor(page, 'window.liquid?.status === "running" && window.liquid.frame >= 3', 180_000);
      // Settled: no rebuild, model load or step in flight, and a few frames drawn after it.
      const settled = () => page.page.evaluate(async () => {
        const l = (window as any).liquid;
        await l.component.controller.whenIdle();
        await l.waitRendered(4);
        await l.component.controller.whenIdle();
        const g = (window as any).gpuBuffers;
        return { buffers: g.live as number, created: g.created as number, sessions: l.ortSessions() as { created: number; live: number }, labels: g.labels() as Record<string, number> };
      });
      const start = await settled();
      expect(start.buffers).toBeGreaterThan(10);
      const churn = await page.page.evaluate(async () => {
        const l = (window as any).liquid;
        const c = l.component;
        const models = ['../test-models/tiny-model/', '../models/latent-liquid/'];
        const presets = ['drop', 'pour', 'slosh', 'rest', 'dam-break'];
        const resolutions = [24, 8, 16];
        // frames stepped during the churn (the frame count restarts with each rebuild)
        let framesWhileChurning = 0, maxSessions = 0, last = l.frame;
        const count = () => { if (l.frame > last) framesWhileChurning += l.frame - last; last = l.frame; };
        for (let i = 0; i < 50; i++) {
          const round = Math.floor(i / 4);
          if (i % 4 === 0) c.preset = presets[round % presets.length];
          else if (i % 4 === 1) c.resolution = resolutions[round % resolutions.length];
          else if (i % 4 === 2) c.solver = c.solver === 'latent' ? 'classical' : 'latent';
          else c.modelUrl = models[round % models.length];
          // every few changes, let a rebuild or a model load finish, so that each path runs
          if (i % 5 === 4) await c.controller.whenIdle();
          await l.waitRendered(1 + (i % 3));
          count();
          maxSessions = Math.max(maxSessions, l.ortSessions().live);
        }
        // back to the start settings
        Object.assign(c, { preset: 'dam-break', resolution: 16, solver: 'classical', modelUrl: '../models/latent-liquid/' });
        return { framesWhileChurning, maxSessions };
      });
      await waitFor(page, 'window.liquid.status === "running" && window.liquid.component.controller.solver?.scene.resolution[0] === 16', 180_000);
      const frame = await page.page.evaluate(() => (window as any).liquid.frame);
      await waitFor(page, `window.liquid.frame >= ${frame + 3}`, 60_000);
      const end = await settled();
      const state = await page.page.evaluate(() => { const l = (window as any).liquid; return { status: l.status, message: l.message, latent: !!l.component.controller.latent }; });
      expect(state.status, state.message).toBe('running');
      expect(state.latent).toBe(false);
      // the churn did rebuild, step and load models
      expect(churn.framesWhileChurning, "frames stepped between the changes").toBeGreaterThan(0);
      expect(end.created - start.created, 'buffers created during the churn').toBeGreaterThan(100);
      expect(end.sessions.created - start.sessions.created, 'ORT sessions created during the churn').toBeGreaterThanOrEqual(3);
      expect(churn.maxSessions).toBeGreaterThanOrEqual(3);
      // nothing leaked
      expect(end.sessions.live, 'live ORT sessions').toBe(start.sessions.live);
      expect(end.buffers, `live GPU buffers (start ${JSON.stringify(start.labels)}, end ${JSON.stringify(end.labels)})`).toBe(start.buffers);
      expect(page.errors).toEqual([]);
    } catch (e) {
      await reportFailure(page, 'dam-break (attribute churn)');
      throw e;
    } finally {
      await page.page.close();
    }
  }, 600_000);
});

describe('the latent runtime attribute', () => {
  it("latentRuntime 'wgsl': the component predicts frames on our WGSL networks, with no ORT session", async () => {
    const page = await openPage(browser, server.url('/dam-break/?res=16&panel=0'), VIEW);
    try {
      await waitFor(page, 'window.liquid?.status === "running" && window.liquid.frame >= 2', 180_000);
      const sessionsBefore = await page.page.evaluate(() => (window as any).liquid.ortSessions().created as number);
      await page.page.evaluate(() => {
        const c = (window as any).liquid.component;
        Object.assign(c, { modelUrl: '../test-models/tiny-model/', latentRuntime: 'wgsl', solver: 'latent' });
      });
      await waitFor(page, 'window.liquid?.stats?.predictedFrames >= 2 || window.liquid?.status === "error"', 240_000);
      const s = await page.page.evaluate(() => {
        const l = (window as any).liquid;
        return { status: l.status, message: l.message, predicted: l.stats.predictedFrames, latent: !!l.component.controller.latent, sessions: l.ortSessions() as { created: number; live: number } };
      });
      expect(s.status, s.message).toBe('running');
      expect(s.latent).toBe(true);
      expect(s.predicted).toBeGreaterThanOrEqual(2);
      expect(s.sessions.created, 'ORT sessions created for the WGSL runtime').toBe(sessionsBefore);
      expect(s.sessions.live).toBe(0);
      expect(page.errors).toEqual([]);
    } catch (e) {
      await reportFailure(page, 'dam-break (latentRuntime wgsl)');
      throw e;
    } finally {
      await page.page.close();
    }
  }, 400_000);
});

describe('enable and disable', () => {
  it('a disabled liquidVolume takes no steps and is hidden; enabled again it shows and steps on', async () => {
    const page = await openPage(browser, server.url('/dam-break/?res=16&panel=0'), VIEW);
    try {
      await waitFor(page, 'window.liquid?.status === "running" && window.liquid.frame >= 3', 180_000);
      const disabled = await page.page.evaluate(async () => {
        const l = (window as any).liquid;
        l.component.enabled = false;
        await l.component.controller.whenIdle();
        const frame = l.frame;
        await l.waitRendered(8);
        return { before: frame, after: l.frame, visible: l.component.controller.renderer.enabled };
      });
      expect(disabled.after).toBe(disabled.before);
      expect(disabled.visible).toBe(false);
      const enabled = await page.page.evaluate(() => {
        const l = (window as any).liquid;
        l.component.enabled = true;
        return { frame: l.frame, visible: l.component.controller.renderer.enabled };
      });
      expect(enabled.visible).toBe(true);
      await waitFor(page, `window.liquid.frame >= ${enabled.frame + 2}`, 60_000);
      expect(page.errors).toEqual([]);
    } finally {
      await page.page.close();
    }
  }, 300_000);
});

/**
 * Sharpness of a waterline seen on a wall: the liquid's tint (how much more blue-green than red a
 * pixel is with the liquid shown than hidden: the scene behind is grey, the water blue-green, and
 * unlike a plain colour difference the tint hardly depends on whether a light or a dark tile of
 * the floor is seen through the water) against the distance in rows from the line where the
 * surface meets the wall (negative: above, dry), averaged over every pixel column between the
 * line's ends `a` and `b` (screen points). The wet level is the mean 8..14 rows below the line;
 * the width is the number of rows from the first at 10 % of it to the first at 90 %.
 */
function waterlineProfile(shown: RgbaImage, hidden: RgbaImage, a: number[], b: number[]) {
  const tint = (img: RgbaImage, i: number) => (img.data[i + 1] + img.data[i + 2]) / 2 - img.data[i];
  const change = (x: number, y: number) => {
    const i = 4 * (x + shown.width * y);
    return tint(shown, i) - tint(hidden, i);
  };
  const offsets = Array.from({ length: 27 }, (_, k) => k - 10);
  const sum = offsets.map(() => 0);
  const [x0, x1] = [Math.ceil(Math.min(a[0], b[0])), Math.floor(Math.max(a[0], b[0]))];
  for (let x = x0; x <= x1; x++) {
    const line = Math.round(a[1] + ((x - a[0]) / (b[0] - a[0])) * (b[1] - a[1]));
    offsets.forEach((k, n) => { sum[n] += change(x, line + k); });
  }
  const d = sum.map((v) => v / (x1 - x0 + 1));
  const at = (k: number) => d[k + 10];
  const wet = [8, 9, 10, 11, 12, 13, 14].reduce((t, k) => t + at(k), 0) / 7;
  const dry = Math.max(...[-10, -9, -8, -7, -6, -5, -4, -3].map((k) => Math.abs(at(k))));
  const k10 = offsets.find((k) => at(k) >= 0.1 * wet)!;
  const k90 = offsets.find((k) => at(k) >= 0.9 * wet)!;
  return { columns: x1 - x0 + 1, wet, dry, width: k90 - k10, profile: d.map((v) => v.toFixed(0)).join(' ') };
}

/**
 * Pauses the page's liquid and writes a still layer `depth` metres deep into the renderer's level
 * set (the paused solver does not overwrite it); resolves once it has been drawn. With `rise`, the
 * surface is a plane rising with that slope from x = `rise.from` towards the wall at the box's
 * largest x (water climbing a wall, without a meniscus). The level set is the distance to the
 * surface measured across it, within 4 cells.
 */
async function showStillLayer(page: TestPage, depth: number, rise = { from: 0, slope: 0 }): Promise<void> {
  await page.page.evaluate(async ({ depth, rise }) => {
    const l = (window as any).liquid;
    const c = l.component;
    c.paused = true;
    await c.controller.whenIdle();
    const r = c.controller.renderer;
    const [nx, ny, nz] = r.dims;
    const h = r.cellSize;
    const phi = new Float32Array(nx * ny * nz);
    for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
      const run = Math.max(0, (i + 0.5) * h - rise.from);
      const slope = run > 0 ? rise.slope : 0;
      const height = depth + rise.slope * run;
      phi[i + nx * (j + ny * k)] = Math.max(-4 * h, Math.min(4 * h, ((j + 0.5) * h - height) / Math.hypot(1, slope)));
    }
    c.app.graphicsDevice.wgpu.queue.writeBuffer(r.getLevelSetGpuBuffer(), 0, phi);
    await l.waitRendered(3);
  }, { depth, rise });
}

describe('the waterline on the tank walls', () => {
  it('dam-break tank with a still layer: the surface meets the back walls in a crisp line, not a haze', async () => {
    const page = await openPage(browser, server.url('/dam-break/?res=16&panel=0'), VIEW);
    try {
      await waitFor(page, 'window.liquid?.status === "running" && window.liquid.frame >= 3', 180_000);
      // A still layer 0.3 m deep, so the lines are straight and do not depend on the simulation.
      const DEPTH = 0.3;
      await showStillLayer(page, DEPTH);
      const points = await page.page.evaluate((depth) => {
        const c = (window as any).liquid.component;
        // where the surface meets the two walls the camera looks at from inside the tank
        const cam = c.app.root.findComponents('camera')[0];
        const m = c.entity.getWorldTransform();
        const project = (x: number, y: number, z: number) => {
          const v = m.getTranslation().clone();
          v.set(x, y, z);
          const s = cam.worldToScreen(m.transformPoint(v));
          return [s.x, s.y];
        };
        return [
          { wall: 'x = 0', a: project(0, depth, 0.2), b: project(0, depth, 0.8) },
          { wall: 'z = 0', a: project(0.2, depth, 0), b: project(0.8, depth, 0) },
        ];
      }, DEPTH);
      await page.page.evaluate(async () => { (window as any).liquid.setVisible(false); await (window as any).liquid.waitRendered(3); });
      const hidden = decodePng(await page.screenshot('example-waterline-hidden.png'));
      await page.page.evaluate(async () => { (window as any).liquid.setVisible(true); await (window as any).liquid.waitRendered(3); });
      const shown = decodePng(await page.screenshot('example-waterline.png'));
      const lines = points.map((p) => ({ wall: p.wall, ...waterlineProfile(shown, hidden, p.a, p.b) }));
      for (const w of lines) console.log(`waterline on the wall ${w.wall} (${w.columns} columns): 10-90 % width ${w.width} px, wet ${w.wet.toFixed(0)}, dry ${w.dry.toFixed(1)}; tint by row from 10 above: ${w.profile}`);
      for (const w of lines) {
        expect(w.columns, `columns of the line on the wall ${w.wall}`).toBeGreaterThan(30);
        expect(w.dry, `the dry wall above the line (${w.wall})`).toBeLessThanOrEqual(1);
        expect(w.wet, `the water below the line (${w.wall})`).toBeGreaterThan(20);
        expect(w.width, `10-90 % width of the waterline on the wall ${w.wall}`).toBeLessThanOrEqual(3);
      }
      expect(page.errors).toEqual([]);
    } catch (e) {
      await reportFailure(page, 'dam-break (waterline)');
      throw e;
    } finally {
      await page.page.close();
    }
  }, 300_000);
});

/** Distance in pixels from the point p to the segment ab. */
function distanceToSegment(p: number[], a: number[], b: number[]): number {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const s = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / Math.max(dx * dx + dy * dy, 1e-9)));
  return Math.hypot(p[0] - a[0] - s * dx, p[1] - a[1] - s * dy);
}

/**
 * The red optical depth of the floor seen through a still layer `depth` metres deep (the page's
 * liquid paused, see showStillLayer): pixel by pixel, the floor point the refracted view ray meets
 * (flat surface, Snell's law) and the length of that ray in the water, away from the walls (their
 * reflections are another matter) and from the tank's edges (drawn over the water and the floor);
 * the same floor point dry (hidden) against wet (shown). `light`: the direction towards the light
 * the expected Beer-Lambert way down is taken along: the renderer's sun ('renderer', what it
 * shades with) or the scene's directional light ('scene', the example's entity named 'sun').
 *
 * Red, the channel the water absorbs most, in linear light (the shader decodes the scene colour
 * grab and encodes its output with gamma 2.2). Beer-Lambert gives exp(-sigma * (view path + light
 * path)) when the floor under the water is lit through it, exp(-sigma * view path) when it is lit
 * as if dry (here about half the optical depth). Reflections and in-scattering only add light,
 * so the measured optical depth -ln(wet / dry) stays somewhat under the full one.
 */
async function floorOpticalDepth(page: TestPage, depth: number, light: 'renderer' | 'scene', shot: string): Promise<{
  n: number; measured: number; expected: number; expectedViewOnly: number; lightPath: number; wetDry: number;
}> {
  const scene = await page.page.evaluate(({ depth, light }) => {
    const c = (window as any).liquid.component;
    const r = c.controller.renderer;
    const cam = c.app.root.findComponents('camera')[0];
    const m = c.entity.getWorldTransform();
    const size = r.dims.map((n: number) => n * r.cellSize);
    const { ior, absorption } = r.look;
    const world = (x: number, y: number, z: number) => m.transformPoint(m.getTranslation().clone().set(x, y, z));
    const screen = (x: number, y: number, z: number) => {
      const s = cam.worldToScreen(world(x, y, z));
      return [s.x, s.y];
    };
    const edges: number[][][] = [];
    for (const a of [0, 1]) for (const b of [0, 1]) {
      const [u, v] = [a * size[1], b * size[2]];
      edges.push([screen(0, u, v), screen(size[0], u, v)]);
      edges.push([screen(a * size[0], 0, b * size[2]), screen(a * size[0], size[1], b * size[2])]);
      edges.push([screen(a * size[0], b * size[1], 0), screen(a * size[0], b * size[1], size[2])]);
    }
    const inv = m.clone().invert();
    const eye = inv.transformPoint(cam.entity.getPosition());
    const margin = 0.15 * Math.min(size[0], size[2]);
    const inside = (x: number, z: number) => x > margin && x < size[0] - margin && z > margin && z < size[2] - margin;
    const pixels: number[][] = [];
    const { width, height } = c.app.graphicsDevice.canvas.getBoundingClientRect();
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
      const far = inv.transformPoint(cam.screenToWorld(x + 0.5, y + 0.5, 10));
      const d = far.clone().sub(eye).normalize();
      if (d.y >= 0) continue;
      const t = (depth - eye.y) / d.y;
      const sx = eye.x + d.x * t;
      const sz = eye.z + d.z * t;
      if (!inside(sx, sz)) continue;
      // refraction at the flat surface (normal +y): the bent ray's horizontal part is d's / ior
      const rx = d.x / ior;
      const rz = d.z / ior;
      const ry = -Math.sqrt(1 - rx * rx - rz * rz);
      const viewPath = depth / -ry;
      const fx = sx + rx * viewPath;
      const fz = sz + rz * viewPath;
      if (!inside(fx, fz)) continue;
      pixels.push([x, y, ...screen(fx, 0, fz), viewPath]);
    }
    // the light refracted down into the water (the box is not rotated: world y is its y)
    const sun = light === 'renderer' ? r.activeSunLight : c.app.root.findByName('sun');
    const dir = sun ? [sun.up.x, sun.up.y, sun.up.z] : r.lighting.sunDirection;
    const sunSin = Math.hypot(dir[0], dir[2]) / Math.hypot(...dir);
    const lightPath = depth / Math.sqrt(1 - (sunSin / ior) ** 2);
    return { pixels, edges, lightPath, absorptionRed: absorption[0] };
  }, { depth, light });
  await page.page.evaluate(async () => { (window as any).liquid.setVisible(false); await (window as any).liquid.waitRendered(3); });
  const hidden = decodePng(await page.screenshot(`${shot}-hidden.png`));
  await page.page.evaluate(async () => { (window as any).liquid.setVisible(true); await (window as any).liquid.waitRendered(3); });
  const shown = decodePng(await page.screenshot(`${shot}.png`));

  const linear = (v: number) => (v / 255) ** 2.2;
  const nearEdge = (p: number[]) => scene.edges.some(([a, b]) => distanceToSegment(p, a, b) < 3);
  let wet = 0, dry = 0, viewOnly = 0, both = 0, n = 0;
  for (const [x, y, fx, fy, viewPath] of scene.pixels) {
    if (nearEdge([x, y]) || nearEdge([fx, fy])) continue;
    const floorRed = linear(hidden.data[4 * (Math.floor(fx) + hidden.width * Math.floor(fy))]);
    wet += linear(shown.data[4 * (x + shown.width * y)]);
    dry += floorRed;
    viewOnly += floorRed * Math.exp(-scene.absorptionRed * viewPath);
    both += floorRed * Math.exp(-scene.absorptionRed * (viewPath + scene.lightPath));
    n++;
  }
  return {
    n, measured: -Math.log(wet / dry), expected: -Math.log(both / dry), expectedViewOnly: -Math.log(viewOnly / dry),
    lightPath: scene.lightPath, wetDry: wet / dry,
  };
}

describe('the floor under the water', () => {
  it('dam-break tank with a shallow still layer: the floor seen through the water is absorbed on the light\'s way down as well as on the view\'s way up', async () => {
    const page = await openPage(browser, server.url('/dam-break/?res=16&panel=0'), VIEW);
    try {
      await waitFor(page, 'window.liquid?.status === "running" && window.liquid.frame >= 3', 180_000);
      // Shallow water, as at the front of the dam-break wave, over the whole floor.
      const DEPTH = 0.1;
      await showStillLayer(page, DEPTH);
      const f = await floorOpticalDepth(page, DEPTH, 'renderer', 'example-floor');
      console.log(`floor under ${DEPTH} m of water (${f.n} pixels): red optical depth ${f.measured.toFixed(3)} (wet/dry ${f.wetDry.toFixed(3)}); Beer-Lambert ${f.expected.toFixed(3)} with the light's way down (${f.lightPath.toFixed(3)} m), ${f.expectedViewOnly.toFixed(3)} with the view's way up only; measured/expected ${(f.measured / f.expected).toFixed(2)}`);
      expect(f.n, 'floor pixels seen through the water').toBeGreaterThan(2000);
      // (the upper bound leaves room for 8-bit rounding)
      expect(f.measured / f.expected, 'share of the optical depth on the light\'s way down and the view\'s way up').toBeGreaterThan(0.8);
      expect(f.measured / f.expected, 'no more than Beer-Lambert').toBeLessThan(1.05);
      expect(page.errors).toEqual([]);
    } catch (e) {
      await reportFailure(page, 'dam-break (floor under the water)');
      throw e;
    } finally {
      await page.page.close();
    }
  }, 300_000);
});

describe('the scene\'s sun', () => {
  it('dam-break page (no light wired to the liquid): the liquid is lit by the scene\'s directional light; a lower sun darkens the floor under the water as much as its longer way down says', async () => {
    const page = await openPage(browser, server.url('/dam-break/?res=16&panel=0'), VIEW);
    try {
      await waitFor(page, 'window.liquid?.status === "running" && window.liquid.frame >= 3', 180_000);
      const DEPTH = 0.1;
      await showStillLayer(page, DEPTH);
      // The example's sun (pitch 50, yaw 35: 40 degrees up, intensity 1.4) raised and lowered on
      // the same azimuth, which is the camera's side (no sun glint on the flat water). Its
      // intensity goes as 1 / sin(elevation), so the light falling on the floor, and the sun's
      // share of the light in the water (colour times the sine), stay what they were: only the
      // light's way down through the water changes.
      const setSun = (elevation: number) => page.page.evaluate(async (elevation) => {
        const l = (window as any).liquid;
        const sun = l.component.app.root.findByName('sun');
        sun.setEulerAngles(90 - elevation, 35, 0);
        sun.light.intensity = (1.4 * Math.sin((40 * Math.PI) / 180)) / Math.sin((elevation * Math.PI) / 180);
        await l.waitRendered(3);
      }, elevation);
      // What the renderer shades with: the direction and colour uniforms against the light's.
      const uniforms = () => page.page.evaluate(() => {
        const c = (window as any).liquid.component;
        const r = c.controller.renderer;
        const sun = c.app.root.findByName('sun');
        const lin = (v: number) => v ** 2.2;
        return {
          dir: [...r.material.getParameter('liquid_sunDir').data] as number[],
          color: [...r.material.getParameter('liquid_sunColor').data] as number[],
          lightDir: [sun.up.x, sun.up.y, sun.up.z],
          lightColor: [sun.light.color.r, sun.light.color.g, sun.light.color.b].map((v: number) => lin(v) * sun.light.intensity),
        };
      });
      const HIGH = 80, LOW = 15;
      const results: { elevation: number; u: Awaited<ReturnType<typeof uniforms>>; f: Awaited<ReturnType<typeof floorOpticalDepth>> }[] = [];
      for (const elevation of [HIGH, LOW]) {
        await setSun(elevation);
        const u = await uniforms();
        console.log(`sun ${elevation} degrees up: renderer's sun direction ${u.dir.map((v) => v.toFixed(3)).join(', ')}, the light's ${u.lightDir.map((v) => v.toFixed(3)).join(', ')}`);
        const f = await floorOpticalDepth(page, DEPTH, 'scene', `example-sun-${elevation}`);
        console.log(`sun ${elevation} degrees up: floor under ${DEPTH} m (${f.n} pixels): red optical depth ${f.measured.toFixed(3)}; Beer-Lambert along the scene light's way down (${f.lightPath.toFixed(3)} m) ${f.expected.toFixed(3)}; measured/expected ${(f.measured / f.expected).toFixed(2)}`);
        expect(f.n, 'floor pixels seen through the water').toBeGreaterThan(2000);
        results.push({ elevation, u, f });
      }
      const [high, low] = results.map((r) => r.f);
      // The lower sun's refracted way down is longer (Snell: 0.101 m against 0.145 m here), so the
      // floor under the water is darker by sigma_red times the difference, nearly all of which
      // reaches the measured optical depth (the floor's light, reflections and in-scattering are
      // the same both times).
      const measuredStep = low.measured - high.measured;
      const expectedStep = low.expected - high.expected;
      console.log(`sun lowered from ${HIGH} to ${LOW} degrees: red optical depth of the floor under the water +${measuredStep.toFixed(3)}, Beer-Lambert +${expectedStep.toFixed(3)} (ratio ${(measuredStep / expectedStep).toFixed(2)})`);
      expect(expectedStep).toBeGreaterThan(0.08);
      expect(measuredStep / expectedStep, 'darkening of the floor under the water when the scene\'s sun goes down, against Beer-Lambert').toBeGreaterThan(0.7);
      expect(measuredStep / expectedStep).toBeLessThan(1.3);
      for (const f of [high, low]) expect(f.measured / f.expected, 'optical depth along the scene light\'s way down').toBeGreaterThan(0.8);
      for (const f of [high, low]) expect(f.measured / f.expected).toBeLessThan(1.05);
      // and what it shades with: the direction and colour uniforms are the light's
      for (const { elevation, u } of results) {
        u.dir.forEach((v, k) => expect(v, `sun direction [${k}] at ${elevation} degrees`).toBeCloseTo(u.lightDir[k], 4));
        u.color.forEach((v, k) => expect(v, `sun colour [${k}]`).toBeCloseTo(u.lightColor[k], 4));
      }

      // Without an enabled directional light the renderer's default sun; a light set on the
      // component's sunLight attribute wins over a brighter one in the scene.
      const picks = await page.page.evaluate(async () => {
        const l = (window as any).liquid;
        const c = l.component;
        const r = c.controller.renderer;
        const sun = c.app.root.findByName('sun');
        const dir = () => [...r.material.getParameter('liquid_sunDir').data] as number[];
        sun.enabled = false;
        await l.waitRendered(2);
        const none = dir();
        const fallback = [...r.lighting.sunDirection];
        sun.enabled = true;
        // a second, dimmer directional light (a copy of the sun: its light component comes with it)
        const lamp = sun.clone();
        lamp.name = 'lamp';
        lamp.light.intensity = 0.2;
        lamp.light.castShadows = false;
        lamp.setEulerAngles(0, 0, 30);
        c.app.root.addChild(lamp);
        const lampDir = [lamp.up.x, lamp.up.y, lamp.up.z];
        await l.waitRendered(2);
        const auto = dir();
        c.sunLight = lamp;
        await l.waitRendered(2);
        const chosen = dir();
        c.sunLight = null;
        lamp.destroy();
        await l.waitRendered(2);
        const back = dir();
        return { none, fallback, auto, chosen, lampDir, sunDir: [sun.up.x, sun.up.y, sun.up.z], back };
      });
      const close = (a: number[], b: number[], what: string) => a.forEach((v, k) => expect(v, `${what} [${k}]`).toBeCloseTo(b[k], 4));
      const norm = (v: number[]) => v.map((x) => x / Math.hypot(...v));
      close(norm(picks.none), norm(picks.fallback), 'the default sun when the scene\'s light is disabled');
      close(picks.auto, picks.sunDir, 'the brightest directional light of two');
      close(picks.chosen, picks.lampDir, 'the light set on sunLight');
      close(picks.back, picks.sunDir, 'the scene\'s light again after sunLight is cleared');
      expect(page.errors).toEqual([]);
    } catch (e) {
      await reportFailure(page, 'dam-break (the scene\'s sun)');
      throw e;
    } finally {
      await page.page.close();
    }
  }, 400_000);
});

describe('water climbing a near wall', () => {
  it('dam-break tank with the surface rising towards the near wall x = 1: no rim of different shading along its waterline', async () => {
    const page = await openPage(browser, server.url('/dam-break/?res=16&panel=0'), VIEW);
    try {
      await waitFor(page, 'window.liquid?.status === "running" && window.liquid.frame >= 3', 180_000);
      // A plane surface climbing the wall the camera looks through, over a floor of one colour
      // (no checker tiles seen through the water): the shading of a plane then changes only
      // slowly across it, so a band along the wall that differs is the renderer's.
      const DEPTH = 0.3;
      const RISE = { from: 0.55, slope: 0.6 };
      await page.page.evaluate(async () => {
        const floor = (window as any).liquid.component.app.root.findByName('floor');
        floor.render.meshInstances[0].material.diffuseMap = null;
        floor.render.meshInstances[0].material.update();
      });
      await showStillLayer(page, DEPTH, RISE);
      // Screen points of the surface every quarter cell from the wall, on 61 lines across it; the
      // colour at each distance averaged along the wall. The renderer's normals come from
      // differences one cell either side, so a wrong stencil at the wall shows within 1.5 cells.
      const STEP = 0.25;
      const DISTANCES = Array.from({ length: 14 }, (_, n) => STEP / 2 + STEP * n);
      const lines = await page.page.evaluate(({ depth, rise, distances }) => {
        const c = (window as any).liquid.component;
        const r = c.controller.renderer;
        const cam = c.app.root.findComponents('camera')[0];
        const m = c.entity.getWorldTransform();
        const wall = r.dims[0] * r.cellSize;
        const screen = (x: number, z: number) => {
          const y = depth + rise.slope * (x - rise.from);
          const s = cam.worldToScreen(m.transformPoint(m.getTranslation().clone().set(x, y, z)));
          return [s.x, s.y];
        };
        const out: number[][][] = [];
        for (let n = 0; n <= 60; n++) {
          const z = (0.2 + 0.6 * (n / 60)) * r.dims[2] * r.cellSize;
          out.push(distances.map((d: number) => screen(wall - d * r.cellSize, z)));
        }
        return out;
      }, { depth: DEPTH, rise: RISE, distances: DISTANCES });
      const shown = decodePng(await page.screenshot('example-near-wall.png'));
      // bilinear between pixel centres
      const colourAt = (x: number, y: number, ch: number) => {
        const [fx, fy] = [x - 0.5, y - 0.5];
        const [x0, y0] = [Math.floor(fx), Math.floor(fy)];
        const [ax, ay] = [fx - x0, fy - y0];
        const at = (i: number, j: number) => shown.data[4 * (x0 + i + shown.width * (y0 + j)) + ch];
        return (1 - ay) * ((1 - ax) * at(0, 0) + ax * at(1, 0)) + ay * ((1 - ax) * at(0, 1) + ax * at(1, 1));
      };
      const profile = DISTANCES.map((_, n) => [0, 1, 2].map((ch) => lines.reduce((t, line) => t + colourAt(line[n][0], line[n][1], ch), 0) / lines.length));
      // the largest colour change (|dr| + |dg| + |db|) from one quarter cell to the next, from
      // where a one-cell difference reaches across the wall (under 1.5 cells from it) and from
      // farther out
      const REACH = 1.5;
      const steps = profile.slice(1).map((p, n) => p.reduce((t, v, ch) => t + Math.abs(v - profile[n][ch]), 0));
      const near = Math.max(...steps.filter((_, n) => DISTANCES[n] < REACH));
      const far = Math.max(...steps.filter((_, n) => DISTANCES[n] >= REACH));
      console.log(`near wall: colour (rgb) by distance from the wall in cells: ${profile.map((p, n) => `${DISTANCES[n]}: ${p.map((v) => v.toFixed(0)).join(',')}`).join('; ')}; largest step per quarter cell from under ${REACH} cells ${near.toFixed(1)}, from farther out ${far.toFixed(1)}`);
      expect(lines.every((l) => l.every(([x, y]) => x >= 1 && y >= 1 && x < shown.width - 1 && y < shown.height - 1)), 'points on screen').toBe(true);
      // Farther out the steps are what the plane's shading does (reflections and refraction
      // change with the view direction); a rim of wrong normals is a band of larger ones.
      expect(near, 'largest colour step per quarter cell next to the near wall, against the largest farther out').toBeLessThanOrEqual(far);
      expect(page.errors).toEqual([]);
    } catch (e) {
      await reportFailure(page, 'dam-break (near wall)');
      throw e;
    } finally {
      await page.page.close();
    }
  }, 300_000);
});

describe('debug view legends', () => {
  it('use the colours of the shader\'s colour maps', () => {
    const shader = ['shaders/render-liquid-fs.wgsl', 'shaders/render/render-liquid-fs.wgsl'].map((p) => join(ROOT, p)).find((p) => existsSync(p));
    expect(shader, 'render-liquid-fs.wgsl').toBeDefined();
    const wgsl = readFileSync(shader!, 'utf8');
    const vec = (text: string) => text.split(',').map(Number);
    const stops = [...wgsl.matchAll(/let c(\d) = vec3f\(([^)]*)\);/g)].map((m) => vec(m[2]));
    expect(stops).toHaveLength(6);
    expect(stops).toEqual(DEBUG_COLORS.pressureStops.map((c) => [...c]));
    const body = wgsl.slice(wgsl.indexOf('fn debugSliceColor'));
    expect(body).toContain(`select(vec3f(${DEBUG_COLORS.pressureAir.join(', ')}), colorMap(x), phi < 0.0)`);
    const f = (c: readonly number[]) => c.map((v) => (Number.isInteger(v) ? v.toFixed(1) : String(v))).join(', ');
    expect(body).toContain(`mix(vec3f(${f(DEBUG_COLORS.levelSetZero)}), vec3f(${f(DEBUG_COLORS.levelSetOutside)}), x)`);
    expect(body).toContain(`mix(vec3f(${f(DEBUG_COLORS.levelSetZero)}), vec3f(${f(DEBUG_COLORS.levelSetInside)}), -x)`);
    // the maps as the legend samples them
    expect(pressureColor(0)).toEqual([...DEBUG_COLORS.pressureStops[0]]);
    expect(pressureColor(0.1).map((v) => +v.toFixed(4))).toEqual([0.175, 0.27, 0.58]);
    levelSetColor(-8, 4).forEach((v, k) => expect(v).toBeCloseTo(DEBUG_COLORS.levelSetInside[k], 9));
    levelSetColor(2, 4).forEach((v, k) => expect(v).toBeCloseTo((DEBUG_COLORS.levelSetZero[k] + DEBUG_COLORS.levelSetOutside[k]) / 2, 9));
  });
});

describe('the README animation (src/node/png.ts, scripts/record-animation.mjs)', () => {
  it('the APNG encoder round-trips frames whose changes are partial, total and none', () => {
    const w = 23, h = 17;
    const base = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) base.set([(i * 37) & 255, (i * 11) & 255, (i * 5) & 255, 255], 4 * i);
    const partial = base.slice();
    for (let y = 4; y < 9; y++) for (let x = 6; x < 15; x += 2) partial.set([255, 0, (x * y) & 255, 255], 4 * (x + w * y));
    const total = base.map((v, i) => (i % 4 === 3 ? 255 : 255 - v));
    const frames = [base, partial, partial.slice(), total, base.slice()];
    const file = encodeApng(frames, w, h, 33.3);
    const back = decodeApng(file);
    expect(back.frames).toHaveLength(frames.length);
    back.frames.forEach((f: Uint8Array, i: number) => expect(Buffer.from(f).equals(Buffer.from(frames[i])), `frame ${i}`).toBe(true));
    // an ordinary PNG reader sees the first frame
    expect(Buffer.from(decodePng(file).data).equals(Buffer.from(base))).toBe(true);
  });

  it('the committed animation is an APNG of a real run, under 2 MB, that the README shows first', () => {
    const file = readFileSync(join(ROOT, 'docs/images/dam-break.png'));
    expect(file.length).toBeLessThan(2e6);
    const apng = decodeApng(file);
    expect(apng.frames.length).toBeGreaterThanOrEqual(30);
    // the water moves: consecutive frames differ
    let moving = 0;
    for (let i = 1; i < apng.frames.length; i++) if (!Buffer.from(apng.frames[i]).equals(Buffer.from(apng.frames[i - 1]))) moving++;
    expect(moving).toBeGreaterThan(0.8 * (apng.frames.length - 1));
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(/!\[[^\]]*\]\(([^)]+)\)/.exec(readme)?.[1], 'the README\'s first picture').toBe('docs/images/dam-break.png');
  });
});

describe('a lost device', () => {
  it('stops the liquid with a message, without an exception storm', async () => {
    const page = await openPage(browser, server.url('/dam-break/?res=16&panel=0'), VIEW);
    try {
      await waitFor(page, 'window.liquid?.frame >= 3', 180_000);
      await page.page.evaluate(() => (window as any).liquid.component.app.graphicsDevice.wgpu.destroy());
      await waitFor(page, 'window.liquid.status === "device-lost"', 60_000);
      await new Promise((r) => setTimeout(r, 2000));
      expect(await page.page.evaluate(() => (window as any).liquid.message)).toMatch(/GPU device was lost/);
      expect(page.errors, page.logs.filter((l) => l.startsWith('pageerror')).join('\n')).toEqual([]);
      expect(page.logs.filter((l) => /GPU device was lost/.test(l))).toHaveLength(1);
    } finally {
      await page.page.close();
    }
  }, 300_000);
});

describe('without WebGPU', () => {
  it('a page shows a clear message instead of a blank canvas, without errors', async () => {
    const plain = await launchBrowser([], { webgpu: false });
    try {
      const page = await openPage(plain, server.url('/dam-break/'), VIEW);
      await waitFor(page, '!document.getElementById("message").hidden', 60_000);
      expect(await page.page.textContent('#message')).toMatch(/needs WebGPU/);
      await page.screenshot('example-no-webgpu.png');
      expect(page.errors).toEqual([]);
    } finally {
      await plain.close();
    }
  }, 120_000);
});
