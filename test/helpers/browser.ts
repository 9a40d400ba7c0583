/**
 * Reusable helpers for browser tests: a tiny static file server on 127.0.0.1 and a headless
 * Chromium (Debian's /usr/bin/chromium through playwright-core) with the flags that give WebGPU on
 * SwiftShader (see /work/shared/PLATFORM.md). Collects console errors and page errors, and takes
 * screenshots into `test-artifacts/`.
 *
 * ```ts
 * const server = await startStaticServer('site');
 * const browser = await launchBrowser();
 * const page = await openPage(browser, server.url('/render-demo/'), { width: 480, height: 320 });
 * await page.page.waitForFunction(() => (window as any).liquid?.frame > 3);
 * await page.screenshot('render-demo.png');
 * expect(page.errors).toEqual([]);
 * await browser.close(); await server.close();
 * ```
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { encodePngRgba, type RgbaImage } from '../../src/node/png';
import { chromium, type Browser, type Page, type ConsoleMessage } from 'playwright-core';

/** Chromium flags measured to give WebGPU (compute and canvas) on SwiftShader. */
export const CHROMIUM_WEBGPU_ARGS: readonly string[] = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-angle=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Path of the system Chromium (Debian package), overridable with `CHROMIUM_PATH`. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// The static server moved to src/node/static-server.ts (the renderer benchmark serves its page with it).
export { startStaticServer, type StaticServer } from '../../src/node/static-server';

/**
 * Launches headless Chromium with the WebGPU/SwiftShader flags (plus `extraArgs`). With
 * `{ webgpu: false }` the WebGPU flags are left out (no adapter: for testing fallbacks).
 */
export async function launchBrowser(extraArgs: string[] = [], options: { webgpu?: boolean } = {}): Promise<Browser> {
  const base = options.webgpu === false
    ? CHROMIUM_WEBGPU_ARGS.filter((a) => !/webgpu|vulkan|angle/i.test(a))
    : CHROMIUM_WEBGPU_ARGS;
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...base, ...extraArgs],
    env: {
      ...process.env,
      VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? '/usr/lib/chromium/vk_swiftshader_icd.json',
      XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp',
    } as Record<string, string>,
  });
}

/** A page with its collected console errors. */
export interface TestPage {
  readonly page: Page;
  /** Console messages of type 'error' and uncaught page errors, in order. */
  readonly errors: string[];
  /** All console messages as `type: text`, for diagnostics. */
  readonly logs: string[];
  /** Saves a PNG of the viewport under `test-artifacts/` (or `dir`) and returns its bytes. */
  screenshot(name: string, dir?: string): Promise<Buffer>;
}

/** Folder for screenshots and other test outputs (git-ignored). */
export const ARTIFACTS_DIR = resolve(process.cwd(), 'test-artifacts');

/**
 * Opens `url` in a new page of the given viewport size and starts collecting console errors.
 * Waits for the `load` event. `initScript` runs in the page before any of its own scripts.
 */
export async function openPage(
  browser: Browser,
  url: string,
  viewport: { width: number; height: number } = { width: 480, height: 320 },
  options: { initScript?: string } = {},
): Promise<TestPage> {
  const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
  if (options.initScript) await page.addInitScript(options.initScript);
  const errors: string[] = [];
  const logs: string[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    const line = `${msg.type()}: ${msg.text()}`;
    logs.push(line);
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err: Error) => {
    errors.push(`pageerror: ${err.message}`);
    logs.push(`pageerror: ${err.stack ?? err.message}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  return {
    page,
    errors,
    logs,
    async screenshot(name: string, dir: string = ARTIFACTS_DIR) {
      mkdirSync(dir, { recursive: true });
      return page.screenshot({ path: join(dir, name), type: 'png' });
    },
  };
}

/**
 * A page condition that reads as false, not as an error, while the page is still starting: a
 * predicate such as `window.check.liquid.frame > 3` throws until the page script has set
 * `window.check`, and a throwing predicate ends playwright's waitForFunction at once.
 */
export function pageCondition(expr: string): string {
  return `(() => { try { return !!(${expr}); } catch { return false; } })()`;
}

/**
 * How long a page may go without advancing its frame counter before a wait fails: generous,
 * for a loaded 2-core machine running SwiftShader (a first frame compiles every pipeline).
 */
export const FRAME_STALL_MS = 300_000;

/**
 * Waits by counting frames, not seconds: until `until` (a JS expression) holds in the page, or
 * fails once `frames` frames of `counter` (a JS expression for the page's frame number, e.g.
 * `window.liquid?.frame`) have passed without it. Time only bounds a page that stops advancing:
 * no new frame for `stallMs`. Resolves with the counter's value when `until` held. On failure
 * the error carries `state` (a JS expression evaluated then) and the page's last console lines.
 */
export async function waitForFrames(
  page: TestPage,
  options: { until: string; counter: string; frames: number; state?: string; stallMs?: number },
): Promise<number> {
  const { until, counter, frames, state = 'null', stallMs = FRAME_STALL_MS } = options;
  const frameNow = async () => Number(await page.page.evaluate(`(() => { try { return ${counter}; } catch { return NaN; } })()`)) || 0;
  const start = await frameNow();
  let last = start;
  const fail = async (why: string): Promise<never> => {
    const now = await page.page.evaluate(state).catch((err: Error) => `(page did not answer: ${err.message})`);
    throw new Error(`${why}: waited for ${until}\nstate: ${JSON.stringify(now)}\nconsole:\n${page.logs.slice(-40).join('\n')}`);
  };
  for (;;) {
    // Resolves when the condition holds or the counter moved past `last`.
    const moved = `(() => { try { return (${until}) ? 'done' : ((${counter}) > ${last} ? 'moved' : false); } catch { return false; } })()`;
    let outcome: string;
    try {
      outcome = await (await page.page.waitForFunction(moved, undefined, { timeout: stallMs, polling: 100 })).jsonValue() as string;
    } catch {
      return fail(`no new frame for ${stallMs / 1000} s (at frame ${last})`);
    }
    if (outcome === 'done') return frameNow();
    last = await frameNow();
    if (last - start >= frames) return fail(`${last - start} frames passed (the bound: ${frames})`);
  }
}

/**
 * In a page whose script sets `window.check` (its `liquid` script and a `frame()` counter):
 * waits for `predicate`, counting the liquid's frames (waitForFrames, at most `frames`); an error
 * status ends the wait at once and fails with the liquid's message. `state` is reported on failure.
 */
export async function waitForCheckedLiquid(page: TestPage, predicate: string, options: { frames: number; state: string }): Promise<void> {
  await waitForFrames(page, {
    until: `(${predicate}) || /error|unsupported/.test(window.check?.liquid.controller?.status ?? '')`,
    counter: 'window.check?.frame() ?? 0', frames: options.frames, state: options.state,
  });
  if (await page.page.evaluate(`!(${predicate})`)) {
    throw new Error(`the liquid stopped: ${await page.page.evaluate('window.check?.liquid.controller?.message')}\nconsole:\n${page.logs.join('\n')}`);
  }
}

/** Waits until `count` more frames of `counter` have passed (see waitForFrames); resolves with the counter then. */
export async function waitFrames(page: TestPage, counter: string, count: number, stallMs = FRAME_STALL_MS): Promise<number> {
  const start = Number(await page.page.evaluate(counter)) || 0;
  return waitForFrames(page, { until: `(${counter}) >= ${start + count}`, counter, frames: count + 1, stallMs });
}

/**
 * Waits `count` of the page's animation frames (requestAnimationFrame), which keep coming when a
 * page has no liquid frames to count (after a lost device, between samples): slower under load,
 * as the page is.
 */
export async function waitAnimationFrames(page: TestPage, count: number): Promise<void> {
  await page.page.evaluate((n) => new Promise<void>((resolve) => {
    let k = 0;
    const tick = () => (++k >= n ? resolve() : requestAnimationFrame(tick));
    requestAnimationFrame(tick);
  }), count);
}

// The project's one PNG codec (src/node/png.ts) decodes the screenshots.
export { decodePng, type RgbaImage } from '../../src/node/png';

/** Encodes an RGBA image as PNG (for diff images in test artifacts). */
export function encodePng(img: RgbaImage): Buffer {
  return encodePngRgba(img.width, img.height, img.data);
}
