/**
 * A tiny read-only static file server on 127.0.0.1, for headless-browser pages: the browser tests
 * and the renderer benchmark (`npm run bench -- --renderer`) serve their pages with it.
 */
import { createServer, type Server } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';

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
