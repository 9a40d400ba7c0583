// The liquidForce script and liquidVolume.watch in a real PlayCanvas app (headless Chromium,
// WebGPU on SwiftShader): a fan entity outside the tank blows along world +x; a world-space
// detector in the turned tank reads the liquid's mean velocity growing at a*t along world +x,
// and staying put once the script is disabled.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchBrowser, openPage, startStaticServer, waitForCheckedLiquid, type TestPage } from './helpers/browser';

const ROOT = resolve(__dirname, '..');
const SITE = join(ARTIFACTS_DIR, 'force-site');
// Slow enough that the ball (0.2 m from the walls) stays clear of them and of the detector's edge for the whole test.
const STRENGTH = 0.5;

const PAGE_SCRIPT = `
import * as pc from 'playcanvas';
import { LiquidVolume, LiquidForce } from ${JSON.stringify(join(ROOT, 'plugin/index.ts'))};
const canvas = document.getElementById('c');
const device = await pc.createGraphicsDevice(canvas, { deviceTypes: [pc.DEVICETYPE_WEBGPU] });
const app = new pc.Application(canvas, { graphicsDevice: device });
const camera = new pc.Entity('camera'); camera.addComponent('camera'); camera.setPosition(0, 0.6, 1.5); app.root.addChild(camera);
// A weightless ball of liquid in a 1 m tank at (-0.5, 0, -0.5), turned 90 degrees about +y:
// the tank's centre is at world (0, 0.5, -1), its local +z is world +x.
const tank = new pc.Entity('tank'); tank.addComponent('script'); tank.setPosition(-0.5, 0, -0.5); tank.setEulerAngles(0, 90, 0); app.root.addChild(tank);
const sceneAsset = new pc.Asset('weightless.json', 'json');
sceneAsset.resource = { name: 'weightless', resolution: [16, 16, 16], cellSize: 1 / 16, gravity: [0, 0, 0],
  liquid: [{ type: 'sphere', center: [0.5, 0.5, 0.5], radius: 0.3 }] };
sceneAsset.loaded = true;
app.assets.add(sceneAsset);
const liquid = tank.script.create(LiquidVolume, { properties: { preset: 'custom', sceneAsset, resolution: 16, cellSize: 1 / 16, gravity: new pc.Vec3(0, 0, 0) } });
// The fan is not a child of the tank; it blows along its forward axis, world +x.
const fanHolder = new pc.Entity('holder'); app.root.addChild(fanHolder);
const fan = new pc.Entity('fan'); fan.addComponent('script'); fanHolder.addChild(fan); fan.lookAt(1, 0, 0);
const force = fan.script.create(LiquidForce, { properties: { kind: 'directional', strength: ${STRENGTH}, radius: 0 } });
app.start();
const readings = [];
const handle = liquid.watch({ type: 'sphere', center: [0, 0.5, -1], radius: 0.1 }, (r) => readings.push(r), { space: 'world' });
window.check = { liquid, force, readings, handle, frame: () => liquid.controller.solver?.frame ?? 0 };
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

/** Waits counting the liquid's frames (test/helpers/browser.ts); an error stops the wait at once (the state then says why). */
async function waitFor(page: TestPage, predicate: string): Promise<void> {
  await waitForCheckedLiquid(page, predicate, {
    frames: 600,
    state: 'JSON.stringify({ n: window.check?.readings.length, last: window.check?.readings.at(-1), status: window.check?.liquid.controller?.status, message: window.check?.liquid.controller?.message })',
  });
}

interface Reading { frame: number; time: number; meanVelocity: [number, number, number]; liquidCells: number; regionCells: number }

describe('liquidForce in a PlayCanvas app', () => {
  it('a fan anywhere in the scene pushes the liquid at a*t along its world axis; a world-space watch reads it; disabling the script stops it', async () => {
    await build();
    const server = await startStaticServer(SITE);
    const browser = await launchBrowser();
    try {
      const page = await openPage(browser, server.url('/'), { width: 160, height: 120 });
      await waitFor(page, 'window.check?.readings.length >= 6');
      const pushed = await page.page.evaluate('window.check.readings.slice()') as Reading[];
      for (const r of pushed) {
        // The force acts from the first step: v = a t after every frame (gravity 0, a free ball).
        expect(r.meanVelocity[0], `frame ${r.frame}: ${r.meanVelocity}`).toBeGreaterThan(0.98 * STRENGTH * r.time);
        expect(r.meanVelocity[0], `frame ${r.frame}: ${r.meanVelocity}`).toBeLessThan(1.02 * STRENGTH * r.time);
        expect(Math.abs(r.meanVelocity[1]) + Math.abs(r.meanVelocity[2])).toBeLessThan(0.01 * STRENGTH * r.time);
        expect(r.liquidCells).toBe(r.regionCells);
      }
      expect(pushed.map((r) => r.frame)).toEqual([...pushed.map((r) => r.frame)].sort((a, b) => a - b));
      // Off: from a frame or two later on the velocity stays.
      const offAt = await page.page.evaluate('(window.check.force.enabled = false, window.check.frame())') as number;
      await waitFor(page, `window.check.readings.filter((r) => r.frame >= ${offAt + 2}).length >= 4`);
      const coasting = (await page.page.evaluate('window.check.readings.slice()') as Reading[]).filter((r) => r.frame >= offAt + 2);
      const v0 = coasting[0].meanVelocity[0];
      expect(v0).toBeGreaterThanOrEqual(0.99 * pushed[pushed.length - 1].meanVelocity[0]);
      for (const r of coasting) expect(Math.abs(r.meanVelocity[0] - v0), `frame ${r.frame}`).toBeLessThan(0.01 * v0);
      // Removing the watch stops the readings.
      const count = await page.page.evaluate('(window.check.handle.remove(), window.check.readings.length)') as number;
      const frame = await page.page.evaluate('window.check.frame()') as number;
      await waitFor(page, `window.check.frame() >= ${frame + 4}`);
      // Readings in flight at the removal are dropped too.
      expect(await page.page.evaluate('window.check.readings.length')).toBe(count);
      expect(page.errors).toEqual([]);
      expect(page.logs.filter((l) => /^warning/.test(l))).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
