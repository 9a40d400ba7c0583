// Whitewater foam in a real PlayCanvas app (headless Chromium, WebGPU on SwiftShader): the
// dam break at 16^3 with `foam` on and a foam colour no water shows (magenta, to count its
// pixels): foam-coloured pixels after the front hits the far wall, none once `foam` is turned off
// at that same frame (off means off: the solver pass and the shader's foam code are gone), and
// none on a pool at rest with `foam` on. Waits count the liquid's frames; the liquid is paused
// for each picture, so the picture shows the frame counted.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  ARTIFACTS_DIR, decodePng, launchBrowser, openPage, startStaticServer, waitAnimationFrames, waitForCheckedLiquid, type RgbaImage, type TestPage,
} from './helpers/browser';

const ROOT = resolve(__dirname, '..');
const SITE = join(ARTIFACTS_DIR, 'foam-site');
/** Frames of the dam break before the picture: its front reaches the far wall at frame 22 (test/foam.test.ts). */
const AFTER_IMPACT = 32;
/** Frames of the pool at rest before its picture (30 frames of it make exactly no foam in test/foam.test.ts). */
const REST_FRAMES = 16;

const PAGE_SCRIPT = `
import * as pc from 'playcanvas';
import { LiquidVolume } from ${JSON.stringify(join(ROOT, 'plugin/index.ts'))};
const canvas = document.getElementById('c');
const device = await pc.createGraphicsDevice(canvas, { deviceTypes: [pc.DEVICETYPE_WEBGPU] });
const app = new pc.Application(canvas, { graphicsDevice: device });
const camera = new pc.Entity('camera');
camera.addComponent('camera', { clearColor: new pc.Color(0.5, 0.5, 0.5) });
camera.setPosition(0.5, 1.5, 2.1); camera.lookAt(0.5, 0.25, 0.5); app.root.addChild(camera);
const tank = new pc.Entity('tank'); tank.addComponent('script'); app.root.addChild(tank);
const liquid = tank.script.create(LiquidVolume, { properties: {
  preset: 'dam-break', resolution: 16, cellSize: 1 / 16, foam: true, foamColor: new pc.Color(1, 0, 1) } });
app.start();
window.check = { liquid, frame: () => liquid.controller.solver?.frame ?? 0 };
`;

async function build(): Promise<void> {
  mkdirSync(SITE, { recursive: true });
  writeFileSync(join(SITE, 'main.ts'), PAGE_SCRIPT);
  writeFileSync(join(SITE, 'index.html'), '<!doctype html><html><head><link rel="icon" href="data:,"></head><body style="margin:0"><canvas id="c" width="160" height="120"></canvas><script type="module" src="./main.js"></script></body></html>');
  await esbuild.build({
    entryPoints: [join(SITE, 'main.ts')], outdir: SITE, bundle: true, format: 'esm', target: 'es2022',
    loader: { '.wgsl': 'text' }, platform: 'browser', logLevel: 'warning', external: ['webgpu', 'node:*'],
  });
}

/** Pixels of the foam's colour: magenta, red and blue well above green (water is blue-green, glints white, the background grey). */
function foamPixels(img: RgbaImage): number {
  let n = 0;
  for (let i = 0; i < img.width * img.height; i++) {
    const r = img.data[4 * i], g = img.data[4 * i + 1], b = img.data[4 * i + 2];
    if (Math.min(r, b) - g > 60) n++;
  }
  return n;
}

async function waitFor(page: TestPage, predicate: string): Promise<void> {
  await waitForCheckedLiquid(page, predicate, {
    frames: 200,
    state: 'JSON.stringify({ frame: window.check?.frame(), status: window.check?.liquid.controller?.status, message: window.check?.liquid.controller?.message })',
  });
}

/**
 * Milliseconds per animation frame over `n` frames (the page draws the paused liquid every frame).
 * Reported, never asserted: SwiftShader's time on a shared CPU says little about a GPU.
 */
function msPerFrame(page: TestPage, n: number): Promise<number> {
  return page.page.evaluate((count) => new Promise<number>((resolve) => {
    let k = 0;
    let t0 = 0;
    const tick = (t: number) => {
      if (k === 0) t0 = t;
      if (++k > count) resolve((t - t0) / count);
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }), n);
}

/** A picture of what is drawn now (a few animation frames after a change, so it is drawn). */
async function picture(page: TestPage, name: string): Promise<RgbaImage> {
  await waitAnimationFrames(page, 3);
  return decodePng(await page.screenshot(name));
}

describe('foam in the dam break', () => {
  it('foam-coloured pixels after impact; none with foam turned off at the same frame; none on a pool at rest', async () => {
    await build();
    const server = await startStaticServer(SITE);
    const browser = await launchBrowser();
    try {
      const page = await openPage(browser, server.url('/'), { width: 160, height: 120 });
      await waitFor(page, `window.check?.frame() >= ${AFTER_IMPACT}`);
      await page.page.evaluate('window.check.liquid.paused = true');
      const impact = foamPixels(await picture(page, 'foam-impact.png'));
      // The renderer's cost of foam at this frame: the same picture drawn with foam on and off, twice each.
      const ms: Record<'on' | 'off', number[]> = { on: [], off: [] };
      for (const state of ['on', 'off', 'on', 'off'] as const) {
        await page.page.evaluate(`window.check.liquid.controller.renderer.foam = ${state === 'on'}`);
        await waitAnimationFrames(page, 2);
        ms[state].push(await msPerFrame(page, 6));
      }
      console.info(`ms per animation frame, 160x120, SwiftShader: foam on ${ms.on.map((x) => x.toFixed(1)).join(', ')}; off ${ms.off.map((x) => x.toFixed(1)).join(', ')}`);
      await page.page.evaluate('window.check.liquid.controller.renderer.foam = true');
      await page.page.evaluate('window.check.liquid.foam = false');
      const off = foamPixels(await picture(page, 'foam-off.png'));
      expect(await page.page.evaluate('window.check.liquid.controller.solver.foam.enabled')).toBe(false);
      // A pool at rest with foam on, for as many frames.
      await page.page.evaluate("(window.check.old = window.check.liquid.controller.solver, Object.assign(window.check.liquid, { preset: 'rest', foam: true, paused: false }))");
      await waitFor(page, `window.check.liquid.controller.solver !== window.check.old && window.check.frame() >= ${REST_FRAMES}`);
      await page.page.evaluate('window.check.liquid.paused = true');
      const rest = foamPixels(await picture(page, 'foam-rest.png'));
      console.info(`foam-coloured pixels (160x120): dam break frame ${AFTER_IMPACT} ${impact}, foam off ${off}, pool at rest (frame ${REST_FRAMES}) ${rest}`);
      expect(impact).toBeGreaterThan(0);
      expect(off).toBe(0);
      expect(rest).toBe(0);
      expect(page.errors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
