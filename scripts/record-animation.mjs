#!/usr/bin/env node
// Records an example as an animated PNG: builds the example site into a temporary folder, serves
// it on 127.0.0.1, runs the page in headless Chromium (WebGPU; on a machine without a GPU through
// SwiftShader, see /work/shared/PLATFORM.md), and captures one screenshot every `--every`
// simulation frames while the liquid waits (paused) for each capture; each picture is shown for
// the simulated time to the next, so the animation plays at the simulation's own pace whatever
// the machine's speed. Writes an APNG with the project's PNG codec, src/node/png.ts.
//
//   node scripts/record-animation.mjs [--example dam-break] [--query res=32] [--frames 45]
//     [--every 2] [--width 480] [--height 320] [--out docs/images/dam-break.png]
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(new URL('..', import.meta.url).pathname);
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
};
const example = arg('example', 'dam-break');
const query = arg('query', 'res=32');
const frames = Number(arg('frames', '45'));
const every = Number(arg('every', '2'));
const width = Number(arg('width', '480'));
const height = Number(arg('height', '320'));
const out = resolve(arg('out', join(root, 'docs/images', `${example}.png`)));

const site = mkdtempSync(join(tmpdir(), 'latent-liquid-record-'));
const codecDir = mkdtempSync(join(tmpdir(), 'latent-liquid-png-'));
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm' };
let server, browser;
try {
  // The PNG codec is TypeScript: bundled for this script (a few milliseconds).
  await build({ entryPoints: [join(root, 'src/node/png.ts')], bundle: true, platform: 'node', format: 'esm', outfile: join(codecDir, 'png.mjs'), logLevel: 'warning' });
  const { decodePng, decodeApng, encodeApng } = await import(pathToFileURL(join(codecDir, 'png.mjs')).href);
  execFileSync(process.execPath, [join(root, 'esbuild.config.mjs'), '--site', `--site-dir=${site}`, '--quiet'], { cwd: root, stdio: 'inherit' });
  server = createServer((req, res) => {
    let file = normalize(join(site, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (!file.startsWith(site + sep) && file !== site) return res.writeHead(403).end();
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}/${example}/?${query}&panel=0`;

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-angle=swiftshader',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    env: { ...process.env, VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? '/usr/lib/chromium/vk_swiftshader_icd.json', XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
  });
  const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction('window.liquid?.status === "running" || window.liquid?.status === "error"', undefined, { timeout: 180_000 });
  const status = await page.evaluate(() => [window.liquid.status, window.liquid.message]);
  if (status[0] !== 'running') throw new Error(`${example}: ${status.join(': ')}`);
  await page.evaluate(() => { window.liquid.component.paused = true; });

  const captured = [];
  const simFrames = [];
  const t0 = Date.now();
  for (let n = 0; n < frames; n++) {
    // advance `every` simulation frames, pausing on 'frameupdate' (before the scripts' update of
    // the same animation frame, so no further step starts), then let a few frames render
    if (n > 0) {
      await page.evaluate((k) => new Promise((done) => {
        const l = window.liquid, app = l.component.app, target = l.frame + k;
        const check = () => {
          if (l.frame < target) return;
          l.component.paused = true;
          app.off('frameupdate', check);
          done(undefined);
        };
        app.on('frameupdate', check);
        l.component.paused = false;
      }), every);
    }
    await page.evaluate(() => window.liquid.waitRendered(3));
    captured.push(decodePng(await page.screenshot({ type: 'png' })).data);
    simFrames.push(await page.evaluate(() => window.liquid.frame));
    process.stdout.write(`\rframe ${n + 1}/${frames} (simulation frame ${simFrames.at(-1)})`);
  }
  process.stdout.write('\n');
  if (errors.length) throw new Error(`console errors:\n${errors.join('\n')}`);
  // each picture stays up for the simulated time until the next one (the last one for a second
  // before the loop starts again): the animation plays at the simulation's own pace
  const frameTime = await page.evaluate(() => window.liquid.component.controller.solver.scene.timeStep.frame);
  const delays = simFrames.map((f, i) => (i + 1 < simFrames.length ? 1000 * frameTime * (simFrames[i + 1] - f) : 1000));
  const apng = encodeApng(captured, width, height, delays);
  const check = decodeApng(apng);
  if (check.frames.length !== frames || !check.frames.every((f, i) => Buffer.from(f).equals(Buffer.from(captured[i])))) {
    throw new Error('the APNG does not decode to the captured frames');
  }
  writeFileSync(out, apng);
  console.log(`${out}: ${frames} frames of ${width}x${height}, simulation frames ${simFrames[0]}..${simFrames.at(-1)} (${(frameTime * (simFrames.at(-1) - simFrames[0])).toFixed(2)} s simulated), ${(apng.length / 1e6).toFixed(2)} MB, captured in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
} finally {
  await browser?.close();
  server?.close();
  rmSync(site, { recursive: true, force: true });
  rmSync(codecDir, { recursive: true, force: true });
}
