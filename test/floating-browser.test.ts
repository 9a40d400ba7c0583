// The floating example (issue 21) in headless Chromium with the real physics engine: ammo.js
// from the ammojs-typed package (served from the site, no network), PlayCanvas rigid bodies
// tagged liquid-body on a 16^3 pond. After the bodies settle (frames, not seconds): the crates
// of 0.3 and 0.6 float, the crate of 0.9 floats lowest, the stone of 2.5 lies on the floor, the
// boat floats, the overlay shows submerged fractions in the order of the densities, and there
// is no console error.
import { cpSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchBrowser, openPage, pageCondition, startStaticServer, type TestPage } from './helpers/browser';

const ROOT = resolve(__dirname, '..');
const SITE = join(ARTIFACTS_DIR, 'floating-site');
const FRAMES = 60;

async function build(): Promise<void> {
  mkdirSync(join(SITE, 'floating'), { recursive: true });
  mkdirSync(join(SITE, 'ammo'), { recursive: true });
  cpSync(join(ROOT, 'examples/style.css'), join(SITE, 'style.css'));
  cpSync(join(ROOT, 'examples/floating/index.html'), join(SITE, 'floating/index.html'));
  for (const f of ['ammo.wasm.js', 'ammo.wasm.wasm', 'ammo.js']) cpSync(join(ROOT, 'node_modules/ammojs-typed/ammo', f), join(SITE, 'ammo', f));
  await esbuild.build({
    entryPoints: { 'floating/main': join(ROOT, 'examples/floating/main.ts') }, outdir: SITE, bundle: true, format: 'esm', target: 'es2022',
    loader: { '.wgsl': 'text' }, platform: 'browser', logLevel: 'warning', external: ['webgpu', 'node:*'],
  });
}

async function waitFor(page: TestPage, predicate: string, timeout: number): Promise<void> {
  try {
    await page.page.waitForFunction(pageCondition(`(${predicate}) || /error|unsupported/.test(window.liquid?.status ?? '')`), undefined, { timeout, polling: 200 });
    if (await page.page.evaluate(`!(${predicate})`)) throw new Error('the liquid stopped');
  } catch (e) {
    const state = await page.page.evaluate('JSON.stringify({ status: window.liquid?.status, message: window.liquid?.message, frame: window.liquid?.frame, heights: window.floating?.heights() })').catch(() => 'no answer');
    throw new Error(`${(e as Error).message}\nstate: ${state}\nconsole:\n${page.logs.join('\n')}`);
  }
}

describe('floating example', () => {
  it('crates float by density, the stone sinks, the boat floats, the overlay shows submerged fractions, no console error', async () => {
    await build();
    const server = await startStaticServer(SITE);
    const browser = await launchBrowser();
    try {
      const page = await openPage(browser, server.url('/floating/?res=16&panel=0&stats=1'), { width: 200, height: 150 });
      await waitFor(page, `window.liquid?.frame >= ${FRAMES}`, 800_000);
      const heights = await page.page.evaluate('window.floating.heights()') as Record<string, number>;
      const readouts = await page.page.evaluate('window.floating.readouts()') as { name: string; relativeDensity: number; submergedFraction: number }[];
      const overlay = await page.page.evaluate("document.querySelector('.latent-liquid-stats')?.textContent ?? ''") as string;
      await page.screenshot('floating.png');
      console.log(`floating after ${FRAMES} frames: heights ${JSON.stringify(heights)}; readouts ${JSON.stringify(readouts)}`);
      const water = 0.4;
      // Crate centres (12 cm cubes): floating at the surface for 0.3 and 0.6, lowest for 0.9, not on the floor.
      expect(heights['crate 0.3']).toBeGreaterThan(water - 0.03);
      expect(heights['crate 0.6']).toBeGreaterThan(water - 0.06);
      expect(heights['crate 0.9']).toBeGreaterThan(0.2);
      expect(heights['crate 0.3']).toBeGreaterThan(heights['crate 0.9']);
      for (const name of ['crate 0.3', 'crate 0.6', 'crate 0.9', 'boat']) expect(heights[name]).toBeLessThan(water + 0.1);
      expect(heights.boat).toBeGreaterThan(water - 0.04);
      // The stone (radius 4.5 cm) lies on the floor.
      expect(heights.stone).toBeLessThan(0.08);
      // Every body is coupled; the light crate is the least under water, the heavy one the most.
      // (The stone lying flush on the floor has no liquid under it, so no pressure pushes it up: its reading is about 0.)
      expect(readouts.map((r) => r.name).sort()).toEqual(['boat', 'crate 0.3', 'crate 0.6', 'crate 0.9', 'stone']);
      const fraction = Object.fromEntries(readouts.map((r) => [r.name, r.submergedFraction]));
      expect(fraction['crate 0.3']).toBeLessThan(fraction['crate 0.6']);
      expect(fraction['crate 0.6']).toBeLessThan(fraction['crate 0.9']);
      expect(fraction['crate 0.3']).toBeGreaterThan(0.1);
      expect(overlay).toMatch(/body crate 0\.3 \(density 0\.30\) submerged \d\.\d\d/);
      expect(page.errors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
