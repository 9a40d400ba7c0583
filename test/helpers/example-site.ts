/**
 * The example site (esbuild's site/, built by test/global-setup.ts) served on 127.0.0.1 with a
 * headless Chromium, and what the example page tests share: waits that count the liquid's frames,
 * and a report of a failed page.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser, startStaticServer, waitForFrames, type StaticServer, type TestPage } from './browser';
import { ROOT } from './cli';

export const VIEW = { width: 480, height: 320 };

/** Serves site/ and launches Chromium; the caller closes both. */
export async function openExampleSite(): Promise<{ server: StaticServer; browser: Browser }> {
  // The tuning and benchmark pages run on the tiny test model (?model=): the shipped one takes
  // minutes per inference round on SwiftShader (the latent tests in Node cover it). A build of
  // site/ (test/global-setup.ts, once per run) removes this copy: one `vitest run` per checkout.
  cpSync(join(ROOT, 'test/fixtures/tiny-model'), join(ROOT, 'site/test-models/tiny-model'), { recursive: true });
  return { server: await startStaticServer(join(ROOT, 'site')), browser: await launchBrowser() };
}

/** The tiny test model's URL from an example page. */
export const TINY_MODEL = '../test-models/tiny-model/';

/**
 * Says where a failed page was: its progress log if it has one (only the bench page does; a
 * missing element is not waited for), its last console lines and its errors. Never throws, so
 * the test's own failure is what gets reported.
 */
export async function reportFailure(page: TestPage, name: string): Promise<void> {
  let log: string | null = null;
  try {
    const element = await page.page.$('#log');
    log = element ? await element.textContent() : null;
  } catch { /* the page is gone */ }
  console.error(`${name} page failed.${log !== null ? `\nprogress log:\n${log}` : ''}\nconsole:\n${page.logs.slice(-40).join('\n')}\nerrors: ${page.errors.join('\n')}`);
}

/**
 * Waits until `predicate` holds in an example page, counting the liquid's frames
 * (`window.liquid.frame`): fails after `frames` frames without it, or when no frame comes for
 * FRAME_STALL_MS (a page that stopped, or one with no liquid).
 */
export async function waitFor(page: TestPage, predicate: string, frames = 600): Promise<void> {
  await waitForFrames(page, {
    until: predicate, counter: 'window.liquid?.frame ?? 0', frames,
    state: '({ status: window.liquid?.status, frame: window.liquid?.frame, message: window.liquid?.message })',
  });
}

/**
 * Frames a page may step (on Jacobi) while onnxruntime-web and the model load before the first
 * prediction: loading is CPU work of its own, so allow many frames. A model that cannot load
 * ends the wait at once (`latentUnavailable`, the reason in the page's console).
 */
export const LATENT_LOAD_FRAMES = 1000;

export const luminance = (d: Uint8Array, i: number) => 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
