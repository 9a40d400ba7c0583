// liquid-obstacle entities as mesh colliders in a real PlayCanvas app (headless Chromium, WebGPU
// on SwiftShader, a 16^3 liquid): an entity outside the tank's hierarchy, spinning, turned and
// non-uniformly scaled; a collision capsule; an entity tagged later; one outside the box; a NaN
// mesh and a zero-scale entity refused with warnings naming them; disabling and destroying
// entities mid-frame. Waits on the liquid's frames.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchBrowser, openPage, startStaticServer, type TestPage } from './helpers/browser';

const ROOT = resolve(__dirname, '..');
const SITE = join(ARTIFACTS_DIR, 'colliders-site');
/** rad/s of the spinning box about world +y. */
const OMEGA = 2;

const PAGE_SCRIPT = `
import * as pc from 'playcanvas';
import { LiquidVolume } from ${JSON.stringify(join(ROOT, 'plugin/index.ts'))};
const canvas = document.getElementById('c');
const device = await pc.createGraphicsDevice(canvas, { deviceTypes: [pc.DEVICETYPE_WEBGPU] });
const app = new pc.Application(canvas, { graphicsDevice: device });
const camera = new pc.Entity('camera'); camera.addComponent('camera'); camera.setPosition(0.5, 0.6, 2); app.root.addChild(camera);
// A 1 m tank at (1, 0, 0): the liquid's frame is the world shifted by -1 along x.
const tank = new pc.Entity('tank'); tank.addComponent('script'); tank.setPosition(1, 0, 0); app.root.addChild(tank);
const liquid = tank.script.create(LiquidVolume, { properties: { preset: 'rest', resolution: 16, cellSize: 1 / 16, colliderResolution: 16 } });
// Not a child of the tank: under a holder that is turned and scaled non-uniformly.
const holder = new pc.Entity('holder'); holder.setPosition(1.5, 0.4, 0.5); app.root.addChild(holder);
const spinner = new pc.Entity('spinner'); spinner.addComponent('render', { type: 'box' }); spinner.tags.add('liquid-obstacle');
spinner.setLocalScale(0.3, 0.1, 0.2); holder.addChild(spinner);
// A collision capsule along x (no render): the physics shape is what the liquid sees.
const capsule = new pc.Entity('capsule'); capsule.addComponent('collision', { type: 'capsule', radius: 0.08, height: 0.4, axis: 0 });
capsule.tags.add('liquid-obstacle'); capsule.setPosition(1.5, 0.15, 0.2); app.root.addChild(capsule);
// Tagged later (see below), and one far outside the box.
const late = new pc.Entity('late-ball'); late.addComponent('render', { type: 'sphere' }); late.setPosition(1.3, 0.7, 0.8); late.setLocalScale(0.15, 0.15, 0.15); app.root.addChild(late);
const outside = new pc.Entity('far-rock'); outside.addComponent('render', { type: 'sphere' }); outside.tags.add('liquid-obstacle'); outside.setPosition(5, 0.5, 0.5); app.root.addChild(outside);
// Bad input: a mesh with a NaN vertex, and an entity of zero scale.
const nanMesh = new pc.Mesh(device);
nanMesh.setPositions([0, 0, 0, 0.1, 0, 0, 0, 0.1, 0, 0, 0, 0.1, NaN, 0.05, 0.05]);
nanMesh.setNormals([0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0]);
nanMesh.setIndices([0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3, 4, 1, 2]);
nanMesh.update();
const nan = new pc.Entity('nan-mesh'); nan.addComponent('render', { meshInstances: [new pc.MeshInstance(nanMesh, new pc.StandardMaterial())] });
nan.tags.add('liquid-obstacle'); nan.setPosition(1.2, 0.5, 0.5); app.root.addChild(nan);
const flat = new pc.Entity('zero-scale'); flat.addComponent('render', { type: 'box' }); flat.tags.add('liquid-obstacle');
flat.setPosition(1.8, 0.5, 0.5); flat.setLocalScale(0.1, 0, 0.1); app.root.addChild(flat);
holder.setLocalScale(1, 2, 1);
app.start();
// Spun in simulated time: ${OMEGA} rad/s about +y.
liquid.controller.beforeStep = (time) => holder.setLocalEulerAngles(0, ${OMEGA} * time * 180 / Math.PI, 0);
const frame = () => liquid.controller?.solver?.frame ?? 0;
const tracked = () => (liquid.controller?.trackedObstacles ?? []).map(({ entity, collider }) => ({
  name: entity.name, state: collider.state, enabled: collider.enabled, problem: collider.problem,
  transform: collider.transform, motion: collider.motion, triangles: collider.mesh?.triangleCount ?? 0,
}));
window.check = { liquid, frame, tracked, late, spinner, capsule, holder, app };
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

async function waitFrames(page: TestPage, frames: number): Promise<number> {
  const start = await page.page.evaluate('window.check.frame()') as number;
  try {
    await page.page.waitForFunction(`window.check.frame() >= ${start + frames} || /error|unsupported/.test(window.check.liquid.controller?.status ?? '')`, undefined, { timeout: 180_000, polling: 100 });
  } catch (e) {
    throw new Error(`${(e as Error).message}\nconsole:\n${page.logs.join('\n')}`);
  }
  const status = await page.page.evaluate('window.check.liquid.controller?.status') as string;
  if (status !== 'running') throw new Error(`liquid ${status}: ${await page.page.evaluate('window.check.liquid.controller?.message')}\nconsole:\n${page.logs.join('\n')}`);
  return page.page.evaluate('window.check.frame()') as Promise<number>;
}

interface Tracked {
  name: string; state: string; enabled: boolean; problem: string | null; triangles: number;
  transform: { translation: number[]; rotation: number[]; scale: number[] } | null;
  motion: { center: number[]; linearVelocity: number[]; angularVelocity: number[] };
}

describe('liquid-obstacle entities in a PlayCanvas app', () => {
  it('any tagged entity reaching the box becomes a mesh collider that follows it; later tags count, the far one is ignored, bad ones are refused by name', async () => {
    await build();
    const server = await startStaticServer(SITE);
    const browser = await launchBrowser();
    try {
      const page = await openPage(browser, server.url('/'), { width: 160, height: 120 });
      await page.page.waitForFunction('window.check', undefined, { timeout: 60_000 });
      await waitFrames(page, 3);
      const list = async () => page.page.evaluate('window.check.tracked()') as Promise<Tracked[]>;
      let now = await list();
      const names = now.map((t) => t.name).sort();
      expect(names).toEqual(['capsule', 'nan-mesh', 'spinner', 'zero-scale']);
      const byName = (n: string) => now.find((t) => t.name === n)!;

      // The spinner: the holder's turn and its non-uniform scale (y doubled) in the liquid's frame.
      const spinner = byName('spinner');
      expect(spinner.state).toBe('active');
      expect(spinner.transform!.translation[0]).toBeCloseTo(0.5, 5);
      expect(spinner.transform!.translation[1]).toBeCloseTo(0.4, 5);
      expect(spinner.transform!.scale.map((s) => Math.abs(s))).toEqual([0.3, 0.2, 0.2].map((s) => expect.closeTo(s, 5)));
      // A constant spin: the solid's angular velocity is omega about +y (from the transform's change per simulated frame).
      expect(spinner.motion.angularVelocity[1]).toBeCloseTo(OMEGA, 3);
      expect(Math.abs(spinner.motion.angularVelocity[0]) + Math.abs(spinner.motion.angularVelocity[2])).toBeLessThan(1e-4);

      // The collision capsule, not scaled by the entity, its axis turned to x.
      const capsule = byName('capsule');
      expect(capsule.state).toBe('active');
      expect(capsule.triangles).toBeGreaterThan(100);
      expect(capsule.transform!.translation).toEqual([0.5, 0.15, 0.2].map((v) => expect.closeTo(v, 5)));

      // Refused, with warnings naming the entities; the liquid runs on.
      expect(byName('nan-mesh').state).toBe('refused');
      expect(byName('zero-scale').state).toBe('refused');
      const warnings = page.logs.filter((l) => /^warning/.test(l));
      expect(warnings.some((w) => /"nan-mesh".*NaN/.test(w)), warnings.join('\n')).toBe(true);
      expect(warnings.some((w) => /"zero-scale".*scale/.test(w)), warnings.join('\n')).toBe(true);
      expect(warnings.some((w) => /far-rock/.test(w))).toBe(false);

      // Tagged later: a collider from the next frames on. Disabled: kept, off. Destroyed mid-frame: removed.
      await page.page.evaluate(`(window.check.late.tags.add('liquid-obstacle'), window.check.capsule.enabled = false,
        window.check.app.once('update', () => window.check.spinner.destroy()))`);
      await waitFrames(page, 3);
      now = await list();
      expect(now.map((t) => t.name).sort()).toEqual(['capsule', 'late-ball', 'nan-mesh', 'zero-scale']);
      expect(byName('late-ball').state).toBe('active');
      expect(byName('capsule').enabled).toBe(false);
      const colliderCount = await page.page.evaluate('window.check.liquid.controller.solver.meshColliders.colliders.length');
      expect(colliderCount).toBe(4);
      expect(page.errors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
