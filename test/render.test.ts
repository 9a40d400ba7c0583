// Browser test of the liquid renderer: builds examples/render-demo, opens it in headless Chromium
// (WebGPU on SwiftShader) and checks the device, the frame loop, console errors and, by comparing
// screenshots with the liquid shown and hidden, that the liquid is drawn where it should be and
// nowhere else, composited by depth with the scene.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import {
  ARTIFACTS_DIR, decodePng, encodePng, launchBrowser, openPage, startStaticServer,
  type RgbaImage, type StaticServer, type TestPage,
} from './helpers/browser';

const ROOT = resolve(__dirname, '..');
const SITE = join(ARTIFACTS_DIR, 'render-site');
const WIDTH = 480;
const HEIGHT = 320;

/** Builds only the render demo, with the same esbuild settings as esbuild.config.mjs. */
async function buildDemo(): Promise<void> {
  mkdirSync(join(SITE, 'render-demo'), { recursive: true });
  await esbuild.build({
    entryPoints: { 'render-demo/main': join(ROOT, 'examples/render-demo/main.ts') },
    outdir: SITE,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    loader: { '.wgsl': 'text' },
    platform: 'browser',
    logLevel: 'warning',
  });
  copyFileSync(join(ROOT, 'examples/render-demo/index.html'), join(SITE, 'render-demo/index.html'));
}

// ---- page-side helpers (the demo exposes window.liquid) ----------------------------------------
type Rect = { x0: number; y0: number; x1: number; y1: number };
/* eslint-disable @typescript-eslint/no-explicit-any */
const waitFrames = (p: TestPage, n: number) => p.page.evaluate((k) => (window as any).liquid.waitFrames(k), n);
const projectLocal = (p: TestPage, q: [number, number, number]) =>
  p.page.evaluate(([x, y, z]) => (window as any).liquid.projectLocal(x, y, z) as [number, number], q);
const project = (p: TestPage, q: [number, number, number]) =>
  p.page.evaluate(([x, y, z]) => (window as any).liquid.project(x, y, z) as [number, number], q);

/** Back to the start state: default camera and box, water view, solve frames, liquid shown. */
async function reset(p: TestPage): Promise<void> {
  await p.page.evaluate(() => {
    const l = (window as any).liquid;
    l.setOrbit({ yaw: 32, pitch: -27, dist: 4.6 });
    l.liquidRoot.setLocalPosition(-1, 0, -1);
    l.liquidRoot.setLocalEulerAngles(0, 0, 0);
    l.liquidRoot.setLocalScale(1, 1, 1);
    if (!l.renderer.destroyed) {
      l.renderer.enabled = true;
      l.renderer.debugView = 'none';
      l.renderer.setFrameMode('solve');
      l.renderer.frameTintEnabled = false;
      // the liquid's shadow on the floor is tested in test/render-quality.test.ts; here only
      // the surface is drawn, so nothing outside the box changes
      l.renderer.floorShadow = false;
    }
  });
}

async function shot(p: TestPage, name: string): Promise<RgbaImage> {
  await waitFrames(p, 2);
  return decodePng(await p.screenshot(name));
}

function pixel(img: RgbaImage, x: number, y: number): [number, number, number] {
  const i = 4 * (Math.round(y) * img.width + Math.round(x));
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
}

function maxDiff(a: RgbaImage, b: RgbaImage, x: number, y: number): number {
  const pa = pixel(a, x, y);
  const pb = pixel(b, x, y);
  return Math.max(Math.abs(pa[0] - pb[0]), Math.abs(pa[1] - pb[1]), Math.abs(pa[2] - pb[2]));
}

/** Counts differing pixels inside and outside a (dilated) rectangle; writes a diff image. */
function diffStats(a: RgbaImage, b: RgbaImage, rect: Rect, margin: number, threshold: number, diffName: string) {
  let inside = 0;
  let outside = 0;
  const out = new Uint8Array(a.width * a.height * 4);
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const d = maxDiff(a, b, x, y);
      const inRect = x >= rect.x0 - margin && x <= rect.x1 + margin && y >= rect.y0 - margin && y <= rect.y1 + margin;
      const o = 4 * (y * a.width + x);
      if (d > threshold) {
        if (inRect) inside++;
        else outside++;
        out[o] = inRect ? 255 : 0;
        out[o + 1] = inRect ? 255 : 0;
        out[o + 2] = inRect ? 255 : 0;
        if (!inRect) out[o] = 255; // red: difference outside the box
      } else {
        out[o] = out[o + 1] = out[o + 2] = inRect ? 40 : 0;
      }
      out[o + 3] = 255;
    }
  }
  writeFileSync(join(ARTIFACTS_DIR, diffName), encodePng({ width: a.width, height: a.height, data: out }));
  return { inside, outside };
}

describe('liquid surface renderer (browser, WebGPU)', () => {
  let server: StaticServer;
  let browser: Browser;
  let page: TestPage;

  beforeAll(async () => {
    await buildDemo();
    server = await startStaticServer(SITE);
    browser = await launchBrowser();
    // a paused frame: the sphere of liquid falls above the pool, ripples are gone
    page = await openPage(browser, server.url('/render-demo/?t=0.45&paused=1&hud=0'), { width: WIDTH, height: HEIGHT });
    await page.page.waitForFunction(() => (window as any).liquid?.frame >= 3, undefined, { timeout: 90_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('runs on WebGPU without console errors, and frames advance', async () => {
    expect(await page.page.evaluate(() => (window as any).liquid.deviceType)).toBe('webgpu');
    expect(await page.page.evaluate(() => (window as any).liquid.app.graphicsDevice.isWebGPU)).toBe(true);
    const f0: number = await page.page.evaluate(() => (window as any).liquid.frame);
    await waitFrames(page, 3);
    const f1: number = await page.page.evaluate(() => (window as any).liquid.frame);
    expect(f1).toBeGreaterThanOrEqual(f0 + 3);
    // the renderer's buffers are real GPUBuffers of the right size
    const sizes = await page.page.evaluate(() => {
      const r = (window as any).liquid.renderer;
      return [r.getLevelSetGpuBuffer().size, r.byteSize, r.dims];
    });
    expect(sizes[0]).toBe(64 * 32 * 64 * 4);
    expect(sizes[1]).toBe(64 * 32 * 64 * 4);
    expect(page.errors).toEqual([]);
  });

  it('draws the liquid inside the box only, composited by depth', async () => {
    await reset(page);
    const shown = await shot(page, 'render-liquid.png');
    await page.page.evaluate(() => { (window as any).liquid.renderer.enabled = false; });
    const hidden = await shot(page, 'render-hidden.png');
    await page.page.evaluate(() => { (window as any).liquid.renderer.enabled = true; });

    const rect: Rect = await page.page.evaluate(() => (window as any).liquid.boxScreenRect());
    const area = (rect.x1 - rect.x0) * (rect.y1 - rect.y0);
    const { inside, outside } = diffStats(shown, hidden, rect, 3, 10, 'render-diff.png');
    // the pool fills the lower part of the box; its top face alone covers a good share
    expect(inside).toBeGreaterThan(0.2 * area);
    expect(outside).toBe(0);

    // pool surface away from the post and the sphere: blue-green water over the floor
    const [px, py] = await projectLocal(page, [0.35, 0.42, 1.6]);
    const water = pixel(shown, px, py);
    expect(maxDiff(shown, hidden, px, py)).toBeGreaterThan(25);
    expect(water[1]).toBeGreaterThan(water[0] + 20);
    expect(water[2]).toBeGreaterThan(water[0] + 20);

    // the falling sphere of liquid is drawn (most of its disc changes; where the blue pillar is
    // behind it, the refracted pillar can look like the pillar itself)
    const centre: [number, number, number] = [1.15, 0.95 - 0.5 * 2.5 * 0.45 * 0.45, 0.9];
    const [sx, sy] = await projectLocal(page, centre);
    const [, ey] = await projectLocal(page, [centre[0], centre[1] + 0.17, centre[2]]);
    const rad = Math.abs(sy - ey) * 0.7;
    let changed = 0;
    let total = 0;
    for (let y = Math.round(sy - rad); y <= sy + rad; y++) {
      for (let x = Math.round(sx - rad); x <= sx + rad; x++) {
        if ((x - sx) ** 2 + (y - sy) ** 2 > rad * rad) continue;
        total++;
        if (maxDiff(shown, hidden, x, y) > 25) changed++;
      }
    }
    expect(total).toBeGreaterThan(20);
    expect(changed).toBeGreaterThan(0.2 * total);

    // rays that cross the box above the liquid (entering the top face, leaving through the back
    // wall at 0.9 m) miss it: nothing drawn there
    const [ax, ay] = await projectLocal(page, [1.6, 0.9, 0.0]);
    expect(maxDiff(shown, hidden, ax, ay)).toBeLessThanOrEqual(3);

    // depth: the part of the post above the water hides the liquid behind it ...
    const [tx, ty] = await project(page, [0.55, 0.62, 0.54]);
    expect(maxDiff(shown, hidden, tx, ty)).toBeLessThanOrEqual(3);
    // ... and its submerged part is seen through the water, tinted
    const [ux, uy] = await project(page, [0.55, 0.25, 0.54]);
    expect(maxDiff(shown, hidden, ux, uy)).toBeGreaterThan(10);

    expect(page.errors).toEqual([]);
  });

  it('draws exactly what the GPU level-set buffer holds', async () => {
    await reset(page);
    await page.page.evaluate(() => (window as any).liquid.setSynthetic(false));
    try {
      const hidden = await (async () => {
        await page.page.evaluate(() => { (window as any).liquid.renderer.enabled = false; });
        const img = await shot(page, 'render-buffer-hidden.png');
        await page.page.evaluate(() => { (window as any).liquid.renderer.enabled = true; });
        return img;
      })();
      const rect: Rect = await page.page.evaluate(() => (window as any).liquid.boxScreenRect());

      // all air: nothing drawn
      await page.page.evaluate(() => {
        const l = (window as any).liquid;
        const [nx, ny, nz] = l.renderer.dims;
        l.gpu.queue.writeBuffer(l.renderer.getLevelSetGpuBuffer(), 0, new Float32Array(nx * ny * nz).fill(0.1));
      });
      const empty = await shot(page, 'render-buffer-empty.png');
      expect(diffStats(empty, hidden, rect, 3, 3, 'render-buffer-empty-diff.png').inside).toBe(0);

      // a flat layer 0.2 m deep, written from the CPU into the same GPUBuffer
      await page.page.evaluate(() => {
        const l = (window as any).liquid;
        const [nx, ny, nz] = l.renderer.dims;
        const h = l.renderer.cellSize;
        const phi = new Float32Array(nx * ny * nz);
        for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
          phi[i + nx * (j + ny * k)] = Math.max(-4 * h, Math.min(4 * h, (j + 0.5) * h - 0.2));
        }
        l.gpu.queue.writeBuffer(l.renderer.getLevelSetGpuBuffer(), 0, phi);
      });
      const layer = await shot(page, 'render-buffer-layer.png');
      // water where the layer is (a point on its surface), nothing above it (top of the post)
      const [wx, wy] = await projectLocal(page, [0.35, 0.2, 1.6]);
      expect(maxDiff(layer, hidden, wx, wy)).toBeGreaterThan(25);
      const [tx, ty] = await project(page, [0.55, 0.45, 0.54]);
      expect(maxDiff(layer, hidden, tx, ty)).toBeLessThanOrEqual(3);
      expect(page.errors).toEqual([]);
    } finally {
      await page.page.evaluate(() => (window as any).liquid.setSynthetic(true));
    }
  });

  it('shows the debug slices and tints predicted frames', async () => {
    await reset(page);
    const normal = await shot(page, 'render-normal.png');
    await page.page.evaluate(() => {
      const r = (window as any).liquid.renderer;
      r.debugView = 'pressure-slice';
      r.setDebugSlice({ axis: 'z', position: 0.5 });
    });
    const pressure = await shot(page, 'render-pressure-slice.png');
    // deep in the pool on the slice plane: colour-mapped pressure instead of water
    const [qx, qy] = await projectLocal(page, [0.6, 0.15, 1.0]);
    expect(maxDiff(pressure, normal, qx, qy)).toBeGreaterThan(25);
    // the pressure slice is not drawn in the air above the pool (this ray leaves the box through
    // the back wall above the water)
    const [ax, ay] = await projectLocal(page, [0.6, 0.8, 1.0]);
    expect(maxDiff(pressure, normal, ax, ay)).toBeLessThanOrEqual(3);

    await page.page.evaluate(() => {
      const r = (window as any).liquid.renderer;
      r.debugView = 'levelset-slice';
      r.setFrameMode('predict');
    });
    const levelSet = await shot(page, 'render-levelset-slice-predict.png');
    expect(maxDiff(levelSet, pressure, qx, qy)).toBeGreaterThan(25);
    // the level-set slice covers the air part of the box too
    expect(maxDiff(levelSet, normal, ax, ay)).toBeGreaterThan(25);

    // predicted-frame tint on the plain water view
    await page.page.evaluate(() => {
      const r = (window as any).liquid.renderer;
      r.debugView = 'none';
      r.frameTintEnabled = true;
    });
    const tinted = await shot(page, 'render-predict-tint.png');
    const [px, py] = await projectLocal(page, [0.35, 0.42, 1.6]);
    const a = pixel(tinted, px, py);
    const b = pixel(normal, px, py);
    expect(a[0] - b[0]).toBeGreaterThan(15); // warmer
    await page.page.evaluate(() => {
      const r = (window as any).liquid.renderer;
      r.setFrameMode('solve');
      r.frameTintEnabled = false;
    });
    const back = await shot(page, 'render-back-to-normal.png');
    expect(maxDiff(back, normal, px, py)).toBeLessThanOrEqual(3);
    expect(page.errors).toEqual([]);
  });

  it('renders with the camera inside the liquid and with a rotated, scaled box', async () => {
    await reset(page);
    await page.page.evaluate(() => (window as any).liquid.setOrbit({ dist: 0.6, pitch: 8 }));
    const under = await shot(page, 'render-underwater.png');
    // everything is seen through water: blue-green dominates the frame
    let r = 0;
    let g = 0;
    let b = 0;
    for (let i = 0; i < under.data.length; i += 4) {
      r += under.data[i];
      g += under.data[i + 1];
      b += under.data[i + 2];
    }
    expect(g).toBeGreaterThan(1.3 * r);
    expect(b).toBeGreaterThan(1.3 * r);

    await page.page.evaluate(() => {
      const l = (window as any).liquid;
      l.setOrbit({ dist: 4.6, pitch: -27 });
      l.liquidRoot.setLocalEulerAngles(0, 35, 0);
      l.liquidRoot.setLocalScale(1.1, 0.9, 0.8);
    });
    const shown = await shot(page, 'render-rotated.png');
    await page.page.evaluate(() => { (window as any).liquid.renderer.enabled = false; });
    const hidden = await shot(page, 'render-rotated-hidden.png');
    await page.page.evaluate(() => { (window as any).liquid.renderer.enabled = true; });
    const rect: Rect = await page.page.evaluate(() => (window as any).liquid.boxScreenRect());
    const area = (rect.x1 - rect.x0) * (rect.y1 - rect.y0);
    const { inside, outside } = diffStats(shown, hidden, rect, 3, 10, 'render-rotated-diff.png');
    expect(inside).toBeGreaterThan(0.15 * area);
    expect(outside).toBe(0);
    expect(page.errors).toEqual([]);
  });

  it('destroy() frees the renderer and the scene keeps rendering', async () => {
    await reset(page);
    const freed = await page.page.evaluate(() => {
      const l = (window as any).liquid;
      const r = l.renderer;
      const device = r.levelSetBuffer.device;
      const before = {
        buffers: device.buffers.size, storageBytes: device._vram.sb,
        hasLevelSet: device.buffers.has(r.levelSetBuffer), gpuBuffer: !!r.levelSetBuffer.impl.buffer,
        inScene: !!r.entity.parent, meshInstances: r.entity.render?.meshInstances?.length ?? 0,
      };
      r.destroy();
      r.destroy(); // idempotent
      return {
        before,
        after: {
          destroyed: r.destroyed, buffers: device.buffers.size, storageBytes: device._vram.sb,
          hasLevelSet: device.buffers.has(r.levelSetBuffer), gpuBuffer: !!r.levelSetBuffer.impl.buffer, inScene: !!r.entity.parent,
        },
        byteSize: r.byteSize,
      };
    });
    // before: a live level-set storage buffer and a proxy entity in the scene
    expect(freed.before).toMatchObject({ hasLevelSet: true, gpuBuffer: true, inScene: true });
    expect(freed.before.meshInstances).toBeGreaterThan(0);
    // after: the storage buffer (and the pressure buffer, if the debug view made one) released, the entity gone
    expect(freed.after).toMatchObject({ destroyed: true, hasLevelSet: false, gpuBuffer: false, inScene: false });
    expect(freed.after.buffers).toBeLessThan(freed.before.buffers);
    expect(freed.before.storageBytes - freed.after.storageBytes).toBeGreaterThanOrEqual(freed.byteSize);
    const f0: number = await page.page.evaluate(() => (window as any).liquid.frame);
    await waitFrames(page, 3);
    expect(await page.page.evaluate(() => (window as any).liquid.frame)).toBeGreaterThanOrEqual(f0 + 3);
    expect(page.errors).toEqual([]);
  });
});

/** WCAG 2 contrast ratio of two CSS colours 'rgb(r, g, b)' / 'rgba(r, g, b, a)' (alpha ignored). */
function contrastRatio(a: number[], b: number[]): number {
  const lin = (c: number) => { const s = c / 255; return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
  const lum = (c: number[]) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe('render demo key hints', () => {
  it('are readable over the light sky: WCAG contrast >= 4.5 against what is really behind them', async () => {
    await buildDemo();
    const server = await startStaticServer(SITE);
    const browser = await launchBrowser();
    try {
      const p = await openPage(browser, server.url('/render-demo/'), { width: WIDTH, height: HEIGHT });
      await p.page.waitForFunction(() => (window as any).liquid?.frame >= 3, undefined, { timeout: 90_000 });
      const hud = await p.page.evaluate(() => {
        const el = document.getElementById('hud')!;
        const r = el.getBoundingClientRect();
        const cs = getComputedStyle(el);
        return { color: cs.color, background: cs.backgroundColor, rect: { x0: r.left, y0: r.top, x1: r.right, y1: r.bottom } };
      });
      const rgba = (css: string) => (css.match(/[\d.]+/g) ?? []).map(Number);
      const fg = rgba(hud.color);
      const bg = rgba(hud.background);
      // the canvas behind the panel: hide the panel and read the pixels it covers
      await p.page.evaluate(() => { document.getElementById('hud')!.style.visibility = 'hidden'; });
      const behind = decodePng(await p.screenshot('render-hud-behind.png'));
      await p.page.evaluate(() => { document.getElementById('hud')!.style.visibility = ''; });
      let worst = Infinity;
      for (let y = Math.ceil(hud.rect.y0); y < Math.floor(hud.rect.y1); y += 2) {
        for (let x = Math.ceil(hud.rect.x0); x < Math.floor(hud.rect.x1); x += 2) {
          const c = pixel(behind, x, y);
          // the panel's background composited over the canvas (alpha blending)
          const a = bg[3] ?? 1;
          const composite = [0, 1, 2].map((k) => bg[k] * a + c[k] * (1 - a));
          worst = Math.min(worst, contrastRatio(fg, composite));
        }
      }
      console.log(`render demo key hints: worst contrast ${worst.toFixed(2)} (text ${hud.color} on ${hud.background})`);
      expect(worst).toBeGreaterThanOrEqual(4.5);
      await p.screenshot('render-hud.png');
    } finally {
      await browser.close();
      await server.close();
    }
  });
});

describe('render demo without WebGPU', () => {
  it('shows a clear message instead of a blank canvas', async () => {
    await buildDemo();
    const server = await startStaticServer(SITE);
    const browser = await launchBrowser([], { webgpu: false });
    try {
      const p = await openPage(browser, server.url('/render-demo/?hud=0'), { width: WIDTH, height: HEIGHT });
      await p.page.waitForFunction(() => document.getElementById('message')?.classList.contains('visible'), undefined, { timeout: 60_000 });
      const text = await p.page.evaluate(() => document.getElementById('message')?.textContent ?? '');
      expect(text).toContain('WebGPU is not available');
      expect(await p.page.evaluate(() => (window as any).liquid)).toBeUndefined();
      await p.screenshot('render-no-webgpu.png');
      expect(p.errors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
