// Image tests of the liquid renderer (issue 24): fixed scenes in the render lab page
// (test/pages/render-lab: the examples' floor, sun and tank outline, a 32^3 level set written by
// the test, no solver), screenshots at 1280x720 in headless Chromium (WebGPU on SwiftShader), and
// metrics computed from them (test/helpers/image-metrics.ts).
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS_DIR, decodePng, launchBrowser, openPage, startStaticServer,
  type RgbaImage, type StaticServer, type TestPage,
} from './helpers/browser';
import {
  darkSpeckles, frameDifferenceVariance, highFrequencyEnergy, lineProfile, maxSecondDifference,
  pixelDifference, silhouetteRoughness, waterlineStep,
} from './helpers/image-metrics';

const ROOT = resolve(__dirname, '..');
const SITE = join(ARTIFACTS_DIR, 'render-lab-site');
const VIEW = { width: 640, height: 360 };
// The steps metric is in pixels at 720p: the middle quarter of a 1280x720 view with the examples'
// 50 degree field of view, i.e. this viewport with a field of view whose half-angle tangent is half.
const FOV_720P_CROP = (2 * Math.atan(Math.tan((25 * Math.PI) / 180) / 2) * 180) / Math.PI;
const RES = 32;
const H = 1 / RES;
const BAND = 4 * H;

/* eslint-disable @typescript-eslint/no-explicit-any */

async function buildLab(): Promise<void> {
  mkdirSync(join(SITE, 'render-lab'), { recursive: true });
  await esbuild.build({
    entryPoints: { 'render-lab/main': join(ROOT, 'test/pages/render-lab/main.ts') },
    outdir: SITE,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    loader: { '.wgsl': 'text' },
    platform: 'browser',
    logLevel: 'warning',
  });
  copyFileSync(join(ROOT, 'test/pages/render-lab/index.html'), join(SITE, 'render-lab/index.html'));
  copyFileSync(join(ROOT, 'examples/style.css'), join(SITE, 'style.css'));
}

/** A level set on the lab's grid from a signed distance function of the cell centre, clamped to the band. */
function levelSet(sdf: (x: number, y: number, z: number) => number): number[] {
  const out: number[] = [];
  for (let k = 0; k < RES; k++) {
    for (let j = 0; j < RES; j++) {
      for (let i = 0; i < RES; i++) {
        const d = sdf((i + 0.5) * H, (j + 0.5) * H, (k + 0.5) * H);
        out[i + RES * (j + RES * k)] = Math.max(-BAND, Math.min(BAND, d));
      }
    }
  }
  return out;
}

/** Signed distance to a box of half extents `half` centred at `c`, turned by `yaw` degrees about y. */
function boxSdf(c: number[], half: number[], yaw: number) {
  const a = (yaw * Math.PI) / 180;
  return (x: number, y: number, z: number) => {
    const dx = x - c[0];
    const dz = z - c[2];
    const q = [Math.abs(Math.cos(a) * dx - Math.sin(a) * dz) - half[0], Math.abs(y - c[1]) - half[1], Math.abs(Math.sin(a) * dx + Math.cos(a) * dz) - half[2]];
    const outside = Math.hypot(Math.max(q[0], 0), Math.max(q[1], 0), Math.max(q[2], 0));
    return outside + Math.min(Math.max(q[0], q[1], q[2]), 0);
  };
}

const stillLayer = (depth: number) => levelSet((_x, y) => y - depth);

let server: StaticServer;
let browser: Browser;
let page: TestPage;

const lab = <T>(fn: string, ...args: unknown[]): Promise<T> =>
  page.page.evaluate(([f, a]) => (window as any).lab[f as string](...(a as unknown[])), [fn, args] as const) as Promise<T>;

/** Shows a scene and resolves once it has been drawn: level set, look, orbit, obstacle. */
async function scene(options: { phi: number[]; look?: Record<string, unknown>; orbit: (number | number[])[]; obstacle?: unknown }) {
  await lab('setLevelSet', options.phi);
  await lab('setLook', { reflectionStrength: 1, ...options.look });
  await lab('setOrbit', ...options.orbit);
  await lab('setObstacle', options.obstacle ?? null);
  await lab('setVisible', true);
  await lab('waitFrames', 3);
}

async function shot(name: string, frames = 2): Promise<RgbaImage> {
  await lab('waitFrames', frames);
  return decodePng(await page.screenshot(name));
}

async function hiddenShot(name: string): Promise<RgbaImage> {
  await lab('setVisible', false);
  const img = await shot(name);
  await lab('setVisible', true);
  await lab('waitFrames', 2);
  return img;
}

// the examples' default view (dam-break, the README app)
const EXAMPLE_ORBIT: (number | number[])[] = [[0.5, 0.3, 0.5], 2.4, -28, 35];

beforeAll(async () => {
  await buildLab();
  server = await startStaticServer(SITE);
  browser = await launchBrowser();
  page = await openPage(browser, server.url(`/render-lab/?res=${RES}`), VIEW);
  await page.page.waitForFunction(() => (window as any).lab !== undefined, undefined, { timeout: 90_000, polling: 250 });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('liquid image quality (render lab, 32^3, 1280x720)', () => {
  it('measures', { timeout: 400_000 }, async () => {
    await lab('waitFrames', 2);
    const DEPTH = 0.3;
    await scene({ phi: stillLayer(DEPTH), orbit: EXAMPLE_ORBIT });
    const shown = await shot('quality-waterline.png');
    await lab('setLook', { reflectionStrength: 0 });
    const noRefl = await shot('quality-waterline-reflection0.png');
    await lab('setLook', { reflectionStrength: 1 });
    const walls = [
      { wall: 'x = 0', a: await lab<number[]>('project', 0, DEPTH, 0.2), b: await lab<number[]>('project', 0, DEPTH, 0.8) },
      { wall: 'z = 0', a: await lab<number[]>('project', 0.2, DEPTH, 0), b: await lab<number[]>('project', 0.8, DEPTH, 0) },
    ];
    for (const w of walls) {
      const p1 = lineProfile(shown, w.a, w.b, 12);
      const p0 = lineProfile(noRefl, w.a, w.b, 12);
      console.log(`haze ${w.wall}: step refl1 ${waterlineStep(p1).toFixed(1)} refl0 ${waterlineStep(p0).toFixed(1)}\n  refl1 ${p1.map((v) => v.toFixed(0)).join(' ')}\n  refl0 ${p0.map((v) => v.toFixed(0)).join(' ')}`);
    }
    const front = [
      { face: 'x = 1, floor', a: await lab<number[]>('project', 1, 0, 0.2), b: await lab<number[]>('project', 1, 0, 0.8) },
      { face: 'z = 1, floor', a: await lab<number[]>('project', 0.2, 0, 1), b: await lab<number[]>('project', 0.8, 0, 1) },
    ];
    for (const w of front) {
      const p1 = lineProfile(shown, w.a, w.b, 12);
      const p0 = lineProfile(noRefl, w.a, w.b, 12);
      console.log(`haze ${w.face}: step refl1 ${waterlineStep(p1).toFixed(1)} refl0 ${waterlineStep(p0).toFixed(1)}\n  refl1 ${p1.map((v) => v.toFixed(0)).join(' ')}\n  refl0 ${p0.map((v) => v.toFixed(0)).join(' ')}`);
    }
    const next = await shot('quality-waterline-next.png', 1);
    const hidden = await hiddenShot('quality-waterline-hidden.png');
    const water = (x: number, y: number) => pixelDifference(shown, hidden, x, y) > 8;
    console.log(`noise: frame variance ${frameDifferenceVariance(shown, next, water).toFixed(3)}, reflection HF energy ${highFrequencyEnergy(shown, noRefl, water).toFixed(2)}`);

    // seams: full-depth front faces
    await scene({ phi: stillLayer(0.6), orbit: EXAMPLE_ORBIT });
    const deep = await shot('quality-seams.png');
    const deepHidden = await hiddenShot('quality-seams-hidden.png');
    const corners = await Promise.all([[1, 0.05, 1], [1, 0.55, 1], [0, 0.55, 1], [1, 0.55, 0]].map((q) => lab<number[]>('project', ...q)));
    const rect = { x0: Math.min(...corners.map((c) => c[0])), x1: Math.max(...corners.map((c) => c[0])), y0: corners[1][1], y1: corners[0][1] };
    const inWater = (x: number, y: number) => pixelDifference(deep, deepHidden, x, y) > 8;
    console.log('seams', JSON.stringify(maxSecondDifference(deep, rect, inWater)), JSON.stringify(rect));

    // steps: a column turned 30 degrees, seen from the side
    await scene({ phi: levelSet(boxSdf([0.5, 0.3, 0.5], [0.18, 0.3, 0.18], 30)), orbit: [[0.5, 0.55, 0.5], 1.3, -12, 0, FOV_720P_CROP] });
    const col = await shot('quality-column.png');
    const colHidden = await hiddenShot('quality-column-hidden.png');
    const inCol = (x: number, y: number) => pixelDifference(col, colHidden, x, y) > 12;
    const top = await lab<number[]>('project', 0.5, 0.6, 0.5);
    console.log('column top', top);
    for (const [x0, x1] of [[top[0] - 250, top[0] - 30], [top[0] + 30, top[0] + 250]]) {
      const r = silhouetteRoughness(inCol, x0, x1, top[1] - 200, top[1] + 200);
      console.log(`steps ${x0.toFixed(0)}..${x1.toFixed(0)}: rms ${r.rms.toFixed(2)} px over ${r.columns} columns; rows ${r.rows.join(' ')}`);
    }

    // speckles next to a rotated obstacle
    await scene({ phi: stillLayer(0.35), orbit: EXAMPLE_ORBIT, obstacle: { centre: [0.5, 0.3, 0.5], euler: [0, 30, 0], size: [0.25, 0.6, 0.25] } });
    const obst = await shot('quality-obstacle.png');
    const obstHidden = await hiddenShot('quality-obstacle-hidden.png');
    const wet = (x: number, y: number) => pixelDifference(obst, obstHidden, x, y) > 8;
    console.log('speckles', darkSpeckles(obst, wet, 25));
    expect(page.errors).toEqual([]);
  });
});
