// The static demo site (`npm run build:site`): built into a temporary folder, served by a plain
// static server under a sub-path (as a GitHub Pages project site is: /<repository>/, and without
// cross-origin-isolation headers), one example opened in headless Chromium on WebGPU with the
// latent solver: the pages, the models and onnxruntime-web's .wasm must all load from relative
// URLs inside the site.
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { decodePng, launchBrowser, openPage, waitForFrames } from './helpers/browser';
import { ROOT } from './helpers/cli';

/* eslint-disable @typescript-eslint/no-explicit-any */
const PREFIX = '/latent-liquid-demo/';
let siteDir: string;
let server: Server;
let origin: string;
let browser: Browser;
const requests: { path: string; status: number }[] = [];

const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.wasm': 'application/wasm', '.map': 'application/json',
};

beforeAll(async () => {
  siteDir = mkdtempSync(join(tmpdir(), 'latent-liquid-site-'));
  execFileSync(process.execPath, [join(ROOT, 'esbuild.config.mjs'), '--site', `--site-dir=${siteDir}`, '--quiet'], { cwd: ROOT, stdio: 'inherit' });
  // A plain static host: files under PREFIX, nothing else, no special headers.
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const done = (status: number) => requests.push({ path, status });
    if (!path.startsWith(PREFIX)) { res.writeHead(404).end(); done(404); return; }
    let file = normalize(join(siteDir, path.slice(PREFIX.length)));
    if (file !== siteDir && !file.startsWith(siteDir + sep)) { res.writeHead(403).end(); done(403); return; }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) { res.writeHead(404).end(); done(404); return; }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
    done(200);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  if (siteDir) rmSync(siteDir, { recursive: true, force: true });
});

describe('the static demo site (npm run build:site)', () => {
  it('holds every example, the models and the ORT .wasm, with relative URLs only', () => {
    const examples = readdirSync(join(ROOT, 'examples')).filter((d) => existsSync(join(ROOT, 'examples', d, 'main.ts')));
    expect(examples.length).toBeGreaterThanOrEqual(6);
    const index = readFileSync(join(siteDir, 'index.html'), 'utf8');
    for (const name of examples) {
      expect(existsSync(join(siteDir, name, 'index.html')), `${name}/index.html`).toBe(true);
      expect(existsSync(join(siteDir, name, 'main.js')), `${name}/main.js`).toBe(true);
      expect(index, `the index links ${name}/`).toContain(`href="${name}/"`);
    }
    expect(statSync(join(siteDir, 'ort', 'ort-wasm-simd-threaded.asyncify.wasm')).size).toBeGreaterThan(1e6);
    for (const set of readdirSync(join(ROOT, 'models'))) {
      const manifest = JSON.parse(readFileSync(join(siteDir, 'models', set, 'manifest.json'), 'utf8'));
      const named = JSON.stringify(manifest).match(/[\w.-]+\.onnx/g) ?? [];
      expect(named.length, `${set}: .onnx files named in the manifest`).toBeGreaterThanOrEqual(3);
      for (const f of named) expect(existsSync(join(siteDir, 'models', set, f)), `${set}/${f}`).toBe(true);
    }
    // no root-relative or CDN URLs in the pages
    for (const name of ['', ...examples.map((e) => `${e}/`)]) {
      const html = readFileSync(join(siteDir, name, 'index.html'), 'utf8');
      expect(html, `${name}index.html`).not.toMatch(/(src|href)="(\/|https?:)(?!\/playcanvas\.com)/);
    }
    expect(existsSync(join(siteDir, '.nojekyll'))).toBe(true);
  });

  it('an example runs from the site under a sub-path, latent model and all, without errors', async () => {
    const page = await openPage(browser, `${origin}${PREFIX}dam-break/?res=16&solver=latent&runtime=ort&panel=0`, { width: 480, height: 320 });
    try {
      await waitForFrames(page, {
        until: '(window.liquid?.status === "running" && !!window.liquid.component.controller.latent && window.liquid.frame >= 2) || window.liquid?.status === "error" || !!window.liquid?.component.controller?.latentUnavailable',
        counter: 'window.liquid?.frame ?? 0', frames: 3000, state: '({ status: window.liquid?.status, frame: window.liquid?.frame, message: window.liquid?.message })',
      });
      const state = await page.page.evaluate(() => {
        const l = (window as any).liquid;
        return { status: l.status, message: l.message, frame: l.frame, latent: !!l.component.controller.latent, device: l.component.app.graphicsDevice.deviceType };
      });
      expect(state.status, state.message).toBe('running');
      expect(state.latent, state.message).toBe(true);
      expect(state.device).toBe('webgpu');
      // the water is drawn: pixels that change when the liquid is hidden
      await page.page.evaluate(async () => { (window as any).liquid.setVisible(false); await (window as any).liquid.waitRendered(3); });
      const hidden = decodePng(await page.screenshot('site-dam-break-hidden.png'));
      await page.page.evaluate(async () => { (window as any).liquid.setVisible(true); await (window as any).liquid.waitRendered(3); });
      const shown = decodePng(await page.screenshot('site-dam-break.png'));
      let changed = 0;
      for (let i = 0; i < shown.data.length; i += 4) {
        if (Math.abs(shown.data[i] - hidden.data[i]) + Math.abs(shown.data[i + 1] - hidden.data[i + 1]) + Math.abs(shown.data[i + 2] - hidden.data[i + 2]) >= 24) changed++;
      }
      expect(changed, 'liquid pixels').toBeGreaterThan(0.01 * shown.width * shown.height);
      const loaded = requests.filter((r) => r.status === 200).map((r) => r.path);
      for (const f of ['dam-break/main.js', 'models/latent-liquid/manifest.json', 'ort/ort-wasm-simd-threaded.asyncify.wasm']) {
        expect(loaded, f).toContain(`${PREFIX}${f}`);
      }
      expect(loaded.filter((p) => p.endsWith('.onnx')).length).toBeGreaterThanOrEqual(3);
      expect(requests.filter((r) => r.status !== 200), 'failed requests').toEqual([]);
      expect(page.errors).toEqual([]);
    } finally {
      await page.page.close();
    }
  });
});
