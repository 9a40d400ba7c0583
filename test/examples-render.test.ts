// Render regressions on the dam-break example page in headless Chromium (WebGPU on
// SwiftShader): the waterline on the tank walls, the floor under the water, the scene's sun,
// water climbing a near wall. The pages themselves: test/examples-pages.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { decodePng, openPage, type RgbaImage, type StaticServer, type TestPage } from './helpers/browser';
import { openExampleSite, reportFailure, VIEW, waitFor } from './helpers/example-site';

/* eslint-disable @typescript-eslint/no-explicit-any */
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  ({ server, browser } = await openExampleSite());
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

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
      await waitFor(page, 'window.liquid?.status === "running" && window.liquid.frame >= 3');
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
  });
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
      await waitFor(page, 'window.liquid?.status === "running" && window.liquid.frame >= 3');
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
  });
});

describe('the scene\'s sun', () => {
  it('dam-break page (no light wired to the liquid): the liquid is lit by the scene\'s directional light; a lower sun darkens the floor under the water as much as its longer way down says', async () => {
    const page = await openPage(browser, server.url('/dam-break/?res=16&panel=0'), VIEW);
    try {
      await waitFor(page, 'window.liquid?.status === "running" && window.liquid.frame >= 3');
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
  });
});

describe('water climbing a near wall', () => {
  it('dam-break tank with the surface rising towards the near wall x = 1: no rim of different shading along its waterline', async () => {
    const page = await openPage(browser, server.url('/dam-break/?res=16&panel=0'), VIEW);
    try {
      await waitFor(page, 'window.liquid?.status === "running" && window.liquid.frame >= 3');
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
  });
});
