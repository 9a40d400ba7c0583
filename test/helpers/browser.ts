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
import { createServer, type Server } from 'node:http';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { inflateSync } from 'node:zlib';
import { encodePngRgba } from '../../src/node/png';
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

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.wgsl': 'text/plain; charset=utf-8',
};

/** A running static server. */
export interface StaticServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly origin: string;
  /** Absolute URL of a path under the served folder. */
  url(path: string): string;
  /** Every request so far: its path and the status answered. */
  readonly requests: { path: string; status: number }[];
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Serves `root` read-only on 127.0.0.1 at a free port (GET/HEAD only, no directory listings;
 * a folder URL serves its `index.html`). Adds the cross-origin-isolation headers so pages can use
 * SharedArrayBuffer (onnxruntime-web threads).
 */
export async function startStaticServer(root: string): Promise<StaticServer> {
  const base = resolve(root);
  const requests: { path: string; status: number }[] = [];
  const server: Server = createServer((req, res) => {
    res.on('finish', () => requests.push({ path: req.url ?? '', status: res.statusCode }));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    let file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': statSync(file).size,
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    requests,
    url: (p: string) => origin + (p.startsWith('/') ? p : `/${p}`),
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections?.();
      server.close(() => ok());
    }),
  };
}

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

/** An 8-bit RGBA image. */
export interface RgbaImage {
  width: number;
  height: number;
  /** width * height * 4 bytes, rows top to bottom. */
  data: Uint8Array;
}

const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

/**
 * Decodes a PNG as written by Chromium screenshots: 8-bit greyscale, RGB or RGBA (with or without
 * alpha), not interlaced. Returns RGBA.
 */
export function decodePng(png: Buffer): RgbaImage {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('decodePng: not a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const body = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body[8];
      colorType = body[9];
      if (depth !== 8 || body[12] !== 0 || ![0, 2, 4, 6].includes(colorType)) {
        throw new Error(`decodePng: unsupported PNG (depth ${depth}, colour type ${colorType}, interlace ${body[12]})`);
      }
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      break;
    }
    off += 12 + len;
  }
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : colorType === 4 ? 2 : 1;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : null;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? row[x - channels] : 0;
      const b = prev ? prev[x] : 0;
      const c = prev && x >= channels ? prev[x - channels] : 0;
      let v = src[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      row[x] = v & 255;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * channels;
    if (channels >= 3) {
      data[4 * i] = pixels[s];
      data[4 * i + 1] = pixels[s + 1];
      data[4 * i + 2] = pixels[s + 2];
      data[4 * i + 3] = channels === 4 ? pixels[s + 3] : 255;
    } else {
      data[4 * i] = data[4 * i + 1] = data[4 * i + 2] = pixels[s];
      data[4 * i + 3] = channels === 2 ? pixels[s + 1] : 255;
    }
  }
  return { width, height, data };
}

/** Encodes an RGBA image as PNG (for diff images in test artifacts). */
export function encodePng(img: RgbaImage): Buffer {
  return encodePngRgba(img.width, img.height, img.data);
}
