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
import { ReferenceGrid } from '../src/reference/reference-grid';
import { redistanceInit, redistanceSweep } from '../src/reference/reference-redistance';
import {
  darkSpeckles, insideQuad, frameDifferenceVariance, luminanceAt, highFrequencyEnergy, lineProfile, maxSecondDifference,
  pixelDifference, silhouetteRoughness, waterlineStep,
} from './helpers/image-metrics';

const ROOT = resolve(__dirname, '..');
const SITE = join(ARTIFACTS_DIR, 'render-lab-site');
const VIEW = { width: 480, height: 270 };
// The steps metric is in pixels at 720p: this viewport is the middle 480x270 of a 1280x720 view
// with the examples' 50 degree field of view when its half-angle tangent is 270/720 of theirs.
const FOV_720P_CROP = (2 * Math.atan(Math.tan((25 * Math.PI) / 180) * (VIEW.height / 720)) * 180) / Math.PI;
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

/**
 * A level set as the solver keeps it: the exact one's zero crossings redistanced by the solver's
 * own scheme (src/reference/reference-redistance.ts, the CPU mirror of shaders/solver/redistance.wgsl:
 * first-order Eikonal sweeps from the cells next to the surface). Its kinks from cell to cell are
 * what showed as saw teeth along the top of a column.
 */
function solverLevelSet(exact: number[]): number[] {
  const grid = new ReferenceGrid({
    dims: [RES, RES, RES], gravity: [0, -9.81, 0], dt: 1 / 60, cellSize: H, density: 1000, bandWidth: BAND,
    jacobiOmega: 1, thetaMin: 0.01, obstacles: [], emitters: [], sinks: [], liquid: [],
  });
  const noSolid = new Float32Array(grid.cellCount).fill(1);
  let [phi, frozen] = redistanceInit(grid, Float32Array.from(exact), noSolid);
  for (let s = 0; s < 8; s++) phi = redistanceSweep(grid, phi, frozen, noSolid);
  return Array.from(phi);
}

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
  await lab('waitFrames', 2);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});


/** The haze metric at a line: the waterline step with reflection on minus the step with it off. */
function hazeAt(on: RgbaImage, off: RgbaImage, a: number[], b: number[]) {
  const p1 = lineProfile(on, a, b, 10);
  const p0 = lineProfile(off, a, b, 10);
  return { step: waterlineStep(p1), stepOff: waterlineStep(p0), haze: Math.abs(waterlineStep(p1) - waterlineStep(p0)) };
}

const fmt = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');

// A rotated obstacle standing in a still layer 0.35 m deep: its face towards the camera.
const OBSTACLE = { centre: [0.5, 0.3, 0.5], euler: [0, 30, 0], size: [0.25, 0.6, 0.25] };
const OBSTACLE_DEPTH = 0.35;
function obstacleWaterline(): number[][] {
  const a = (30 * Math.PI) / 180;
  const normal = [Math.sin(a), 0, Math.cos(a)];
  const tangent = [Math.cos(a), 0, -Math.sin(a)];
  const c = OBSTACLE.centre.map((v, i) => v + 0.125 * normal[i]);
  return [-0.08, 0.08].map((s) => [c[0] + s * tangent[0], OBSTACLE_DEPTH, c[2] + s * tangent[2]]);
}

describe('liquid image quality (render lab, 32^3, 480x270)', () => {
  it('still water: no haze at the waterline on the walls, and no noise between frames', async () => {
    const DEPTH = 0.3;
    await scene({ phi: stillLayer(DEPTH), orbit: EXAMPLE_ORBIT });
    const on = await shot('quality-waterline.png');
    const next = await shot('quality-waterline-next.png', 1);
    await lab('setLook', { reflectionStrength: 0 });
    const off = await shot('quality-waterline-reflection0.png');
    const hidden = await hiddenShot('quality-waterline-hidden.png');
    const water = (x: number, y: number) => pixelDifference(on, hidden, x, y) > 8;
    for (const [wall, a, b] of [['x = 0', [0, DEPTH, 0.2], [0, DEPTH, 0.8]], ['z = 0', [0.2, DEPTH, 0], [0.8, DEPTH, 0]]] as const) {
      const m = hazeAt(on, off, await lab<number[]>('project', ...a), await lab<number[]>('project', ...b));
      console.log(`haze at the waterline on the wall ${wall}: ${fmt(m)}`);
      expect(m.step, `the waterline on the wall ${wall} is an edge`).toBeLessThan(-25);
      // Before issue 24: 7.4 (x = 0) and 7.8 (z = 0), the same after: the uniform Fresnel
      // reflection of the sky on the whole surface (8 levels here), no contact haze. This scene
      // does not show the dam-break's haze; the bound keeps the reflection from adding one.
      expect(m.haze, `haze at the waterline on the wall ${wall} (step with reflection 1 minus 0)`).toBeLessThan(10);
    }
    const variance = frameDifferenceVariance(on, next, water);
    const energy = highFrequencyEnergy(on, off, water);
    console.log(`noise: frame variance ${variance.toFixed(3)}, reflection HF energy ${energy.toFixed(2)}`);
    // Before issue 24: variance 0.000 (nothing random per frame then either), energy 11.45 (the
    // stippled screen-space reflection); after: 0.000 and 3.47.
    expect(variance, 'luminance variance of the still surface between two frames').toBeLessThan(0.5);
    expect(energy, 'high-frequency energy of the reflection term (stipple)').toBeLessThan(7);
    expect(page.errors).toEqual([]);
  });

  it('the liquid darkens the floor where the light comes through it; floorShadow: false turns that off', async () => {
    // seen from the side away from the sun, so the shadow lies between the camera and the tank
    await scene({ phi: stillLayer(0.5), orbit: [[0.5, 0.3, 0.5], 2.4, -28, 215] });
    const on = await shot('quality-floor-shadow.png');
    await lab('setFloorShadow', false);
    const off = await shot('quality-floor-shadow-off.png');
    const hidden = await hiddenShot('quality-floor-shadow-hidden.png');
    await lab('setFloorShadow', true);
    const corners = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((i) => lab<number[]>('project', i & 1, (i >> 1) & 1, (i >> 2) & 1)));
    const box = { x0: Math.min(...corners.map((c) => c[0])) - 3, x1: Math.max(...corners.map((c) => c[0])) + 3, y0: Math.min(...corners.map((c) => c[1])) - 3, y1: Math.max(...corners.map((c) => c[1])) + 3 };
    let darker = 0;
    let lighter = 0;
    let offChanged = 0;
    for (let y = 0; y < on.height; y++) {
      for (let x = 0; x < on.width; x++) {
        const d = luminanceAt(off, x, y) - luminanceAt(on, x, y);
        if (d > 4) darker++;
        if (d < -4) lighter++;
        // off means off: beside the box the scene is as it is without the liquid
        const besideBox = x < box.x0 || x > box.x1 || y < box.y0 || y > box.y1;
        if (besideBox && pixelDifference(off, hidden, x, y) > 2) offChanged++;
      }
    }
    console.log(`floor shadow: ${darker} pixels darker, ${lighter} lighter; with it off ${offChanged} pixels beside the box differ from the scene without liquid`);
    expect(darker, 'floor pixels darkened by the liquid').toBeGreaterThan(500);
    expect(lighter, 'pixels lightened by the shadow').toBe(0);
    expect(offChanged).toBe(0);
    expect(page.errors).toEqual([]);
  });

  it('deep water: no seams across the box faces', async () => {
    await scene({ phi: stillLayer(0.6), orbit: EXAMPLE_ORBIT });
    const on = await shot('quality-seams.png');
    const hidden = await hiddenShot('quality-seams-hidden.png');
    const water = (x: number, y: number) => pixelDifference(on, hidden, x, y) > 8;
    // the two faces towards the camera, 6 px inside their edges
    for (const [face, q] of [['x = 1', [[1, 0.05, 0.05], [1, 0.05, 0.95], [1, 0.55, 0.95], [1, 0.55, 0.05]]], ['z = 1', [[0.05, 0.05, 1], [0.95, 0.05, 1], [0.95, 0.55, 1], [0.05, 0.55, 1]]]] as const) {
      const quad = await Promise.all(q.map((v) => lab<number[]>('project', ...v)));
      const inQuad = (x: number, y: number) => water(x, y) && insideQuad(quad, x, y, 6);
      const rect = { x0: Math.min(...quad.map((c) => c[0])), x1: Math.max(...quad.map((c) => c[0])), y0: Math.min(...quad.map((c) => c[1])), y1: Math.max(...quad.map((c) => c[1])) };
      const seam = maxSecondDifference(on, rect, inQuad);
      console.log(`seams on the face ${face}: ${JSON.stringify(seam)}`);
      // Before issue 24: 44 (x = 1) and 58 (z = 1), dotted bright lines where refraction showed
      // the box's bottom edges (the light under the liquid jumped to unabsorbed beside the box);
      // after: 7.4 and 10.2.
      expect(seam.value, `largest second difference of luminance across the face ${face}`).toBeLessThan(20);
    }
    expect(page.errors).toEqual([]);
  });

  it('a flat-topped column: straight silhouettes (steps, RMS pixels at 720p)', async () => {
    const yaw = 30;
    await scene({ phi: solverLevelSet(levelSet(boxSdf([0.5, 0.3, 0.5], [0.18, 0.3, 0.18], yaw))), orbit: [[0.5, 0.55, 0.5], 1.3, -12, 0, FOV_720P_CROP] });
    const on = await shot('quality-column.png');
    const hidden = await hiddenShot('quality-column-hidden.png');
    const inside = (x: number, y: number) => pixelDifference(on, hidden, x, y) > 12;
    const a = (yaw * Math.PI) / 180;
    const corners = await Promise.all([[-1, -1], [1, -1], [1, 1], [-1, 1]].map(([u, w]) =>
      lab<number[]>('project', 0.5 + 0.18 * (Math.cos(a) * u + Math.sin(a) * w), 0.6, 0.5 + 0.18 * (-Math.sin(a) * u + Math.cos(a) * w))));
    const byX = [...corners].sort((p, q) => p[0] - q[0]);
    const top = corners.reduce((p, q) => (q[1] < p[1] ? q : p));
    for (const [from, to] of [[byX[0], top], [top, byX[3]]]) {
      const span = to[0] - from[0];
      // the middle half of the edge: the rounded corners are no steps
      const r = silhouetteRoughness(inside, from[0] + 0.25 * span, to[0] - 0.25 * span, top[1] - 30, Math.max(from[1], to[1]) + 30);
      console.log(`steps ${from[0].toFixed(0)}..${to[0].toFixed(0)}: rms ${r.rms.toFixed(2)} px over ${r.columns} columns; rows ${r.rows.join(' ')}`);
      // Before issue 24: 0.43 and 0.48 px (cell steps: runs of equal rows, then jumps; the middle
      // half of the rows a run of main at 01d9f8e logged); after: 0.32 and 0.31 (a straight line
      // rasterised has about 0.29). The bound, 0.5 px,
      // does not separate the two here; this one does.
      expect(r.columns).toBeGreaterThan(30);
      expect(r.rms, 'RMS distance of the silhouette from a straight line, pixels at 720p').toBeLessThan(0.4);
    }
    expect(page.errors).toEqual([]);
  });

  it('a rotated obstacle: no haze at its waterline, no dark speckles, no stipple in its reflection', async () => {
    await scene({ phi: stillLayer(OBSTACLE_DEPTH), orbit: EXAMPLE_ORBIT, obstacle: OBSTACLE });
    const on = await shot('quality-obstacle.png');
    await lab('setLook', { reflectionStrength: 0 });
    const off = await shot('quality-obstacle-reflection0.png');
    const hidden = await hiddenShot('quality-obstacle-hidden.png');
    const wet = (x: number, y: number) => pixelDifference(on, hidden, x, y) > 8;
    const [a, b] = await Promise.all(obstacleWaterline().map((q) => lab<number[]>('project', ...q)));
    const haze = hazeAt(on, off, a, b);
    const speckles = darkSpeckles(on, wet, 25);
    const energy = highFrequencyEnergy(on, off, wet);
    console.log(`haze at the obstacle's waterline: ${fmt(haze)}; speckles ${speckles}, reflection HF energy ${energy.toFixed(2)}`);
    // Before issue 24: haze 1.23, energy 16.55, speckles 108; after: 1.23, 5.87 and 104 (the
    // speckles, where the refracted ray passes behind the obstacle, are not fixed yet: the bound
    // only keeps them from growing).
    expect(haze.haze, "haze at the obstacle's waterline (step with reflection 1 minus 0)").toBeLessThan(5);
    expect(energy, 'high-frequency energy of the reflection term next to the obstacle (stipple)').toBeLessThan(8);
    expect(speckles, 'dark speckles in the water next to the obstacle').toBeLessThan(130);
    expect(page.errors).toEqual([]);
  });
});
