// The obstacle-course example in headless Chromium (WebGPU on SwiftShader, a 24^3 liquid): every
// tagged object is a mesh collider in the liquid (the rock, the stairs, the paddle wheel, the
// cup's compound of boxes, the dragged torus), the liquid is drawn, the cup's detector fires and
// reports the cup full (the faucet pours into it), and the console has no error. Waits on frames.
import { cpSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, decodePng, launchBrowser, openPage, pageCondition, startStaticServer, type TestPage } from './helpers/browser';

const ROOT = resolve(__dirname, '..');
const SITE = join(ARTIFACTS_DIR, 'obstacle-course-site');
/** The cup must be full within this many simulated frames (2 s at 1/60 s). */
const FRAMES_TO_FILL = 120;

/** The example as the site build makes it (its bundle, its page, the shared style sheet). */
async function build(): Promise<void> {
  mkdirSync(join(SITE, 'obstacle-course'), { recursive: true });
  await esbuild.build({
    entryPoints: [join(ROOT, 'examples/obstacle-course/main.ts')], outfile: join(SITE, 'obstacle-course/main.js'), bundle: true, format: 'esm',
    target: 'es2022', loader: { '.wgsl': 'text' }, platform: 'browser', logLevel: 'warning', external: ['webgpu', 'node:*'],
  });
  cpSync(join(ROOT, 'examples/obstacle-course/index.html'), join(SITE, 'obstacle-course/index.html'));
  cpSync(join(ROOT, 'examples/style.css'), join(SITE, 'style.css'));
}

async function waitFor(page: TestPage, predicate: string): Promise<void> {
  try {
    await page.page.waitForFunction(pageCondition(`(${predicate}) || /error|unsupported/.test(window.liquid?.status ?? '')`), undefined, { timeout: 800_000, polling: 250 });
  } catch (e) {
    const state = await page.page.evaluate('JSON.stringify({ frame: window.liquid?.frame, status: window.liquid?.status, cup: window.course?.state })').catch(() => 'no answer');
    throw new Error(`${(e as Error).message}\nstate: ${state}\nconsole:\n${page.logs.slice(-30).join('\n')}`);
  }
  const status = await page.page.evaluate('window.liquid.status');
  if (status !== 'running') throw new Error(`liquid ${status}: ${await page.page.evaluate('window.liquid.message')}\nconsole:\n${page.logs.join('\n')}`);
}

describe('obstacle-course example', () => {
  it('runs: mesh colliders for every tagged object, liquid drawn, the cup detector fires and reports the cup full, no console errors', async () => {
    await build();
    const server = await startStaticServer(SITE);
    const browser = await launchBrowser();
    try {
      const page = await openPage(browser, server.url('/obstacle-course/?res=24&panel=0'), { width: 320, height: 240 });
      await waitFor(page, `window.course?.state.full || window.liquid?.frame >= ${FRAMES_TO_FILL}`);
      const state = await page.page.evaluate('({ ...window.course.state, frame: window.liquid.frame })') as { readings: number; fill: number; full: boolean; fullAtFrame: number; frame: number };
      console.log(`obstacle course at 24^3: ${state.readings} cup readings, full at frame ${state.fullAtFrame} (checked at frame ${state.frame})`);
      const colliders = await page.page.evaluate('window.course.colliders()') as { name: string; state: string; effective: boolean }[];
      const names = colliders.map((c) => c.name);
      for (const name of ['rock', 'stairs', 'paddle wheel', 'dragged torus']) expect(names, name).toContain(name);
      // the cup: its five collision boxes
      expect(names.filter((n) => n === 'cup')).toHaveLength(5);
      expect(colliders.every((c) => c.state === 'active' && c.effective), JSON.stringify(colliders)).toBe(true);

      // Liquid drawn: pixels that change when the liquid is hidden (paused, so only the liquid differs).
      await page.page.evaluate(async () => { const l = (window as any).liquid; l.component.paused = true; l.setVisible(false); await l.waitRendered(3); });
      const hidden = decodePng(await page.screenshot('obstacle-course-hidden.png'));
      await page.page.evaluate(async () => { const l = (window as any).liquid; l.setVisible(true); await l.waitRendered(3); });
      const shown = decodePng(await page.screenshot('obstacle-course.png'));
      let changed = 0;
      for (let i = 0; i < shown.data.length; i += 4) {
        const d = Math.abs(shown.data[i] - hidden.data[i]) + Math.abs(shown.data[i + 1] - hidden.data[i + 1]) + Math.abs(shown.data[i + 2] - hidden.data[i + 2]);
        if (d >= 24) changed++;
      }
      expect(changed, 'liquid pixels').toBeGreaterThan(0.02 * shown.width * shown.height);
      expect(state.readings).toBeGreaterThan(10);
      expect(state.full, `cup fill ${state.fill} after ${state.frame} frames`).toBe(true);
      expect(page.errors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
