// Builds the library, the CLI, the PlayCanvas plugin bundles and the example site.
//   node esbuild.config.mjs            build everything into dist/ and site/
//   node esbuild.config.mjs --serve    build, then serve site/ on http://127.0.0.1:$PORT (8080)
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const serve = process.argv.includes('--serve');
const quiet = process.argv.includes('--quiet');
const root = new URL('.', import.meta.url).pathname;
const log = (...a) => { if (!quiet) console.log(...a); };

const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  loader: { '.wgsl': 'text' },
  logLevel: 'warning',
};

const builds = [];
// Library entry (engine-agnostic core). Peer packages stay external.
builds.push({
  ...common,
  entryPoints: { index: 'src/index.ts' },
  outdir: 'dist',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  external: ['webgpu', 'onnxruntime-web', 'onnxruntime-web/*', 'playcanvas', 'node:*'],
});
// CLI for Node (headless, Dawn through the `webgpu` package).
builds.push({
  ...common,
  entryPoints: { cli: 'src/cli/main.ts', bench: 'src/bench/bench-cli.ts', node: 'src/node/index.ts' },
  outdir: 'dist',
  platform: 'node',
  external: ['webgpu', 'onnxruntime-web', 'onnxruntime-web/*'],
});
// PlayCanvas plugin as an ES module that imports `playcanvas` and `onnxruntime-web/webgpu`.
if (existsSync(join(root, 'plugin/index.ts'))) {
  builds.push({
    ...common,
    entryPoints: { plugin: 'plugin/index.ts' },
    outdir: 'dist',
    platform: 'browser',
    external: ['playcanvas', 'onnxruntime-web', 'onnxruntime-web/*', 'webgpu', 'node:*'],
  });
  // PlayCanvas Editor: one library file with everything but `playcanvas` inlined (ORT too),
  // plus the readable script file whose JSDoc @attribute tags the Editor parses.
  builds.push({
    ...common,
    entryPoints: { 'latent-liquid-editor': 'plugin/editor-library.ts' },
    outdir: 'dist/editor',
    outExtension: { '.js': '.mjs' },
    platform: 'browser',
    external: ['playcanvas', 'webgpu', 'node:*'],
    minify: true,
  });
}

// Examples: every folder under examples/ with an index.html and a main.ts.
const exampleDirs = existsSync(join(root, 'examples'))
  ? readdirSync(join(root, 'examples')).filter((d) =>
      statSync(join(root, 'examples', d)).isDirectory() && existsSync(join(root, 'examples', d, 'main.ts')))
  : [];
for (const name of exampleDirs) {
  builds.push({
    ...common,
    entryPoints: { [`${name}/main`]: `examples/${name}/main.ts` },
    outdir: 'site',
    platform: 'browser',
    external: ['webgpu', 'node:*'],
    minify: false,
  });
}

function writeEditorScript() {
  const source = readFileSync(join(root, 'plugin/liquid-volume.mjs'), 'utf8')
    .replace(/from '\.\/(liquid-volume-controller|stats-overlay)';/g, "from './latent-liquid-editor.mjs';");
  mkdirSync(join(root, 'dist/editor'), { recursive: true });
  writeFileSync(join(root, 'dist/editor/liquid-volume.mjs'), source);
  if (existsSync(join(root, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm'))) {
    cpSync(join(root, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm'), join(root, 'dist/editor/ort-wasm-simd-threaded.asyncify.wasm'));
  }
}

function copySite() {
  mkdirSync(join(root, 'site'), { recursive: true });
  for (const name of exampleDirs) {
    mkdirSync(join(root, 'site', name), { recursive: true });
    for (const f of readdirSync(join(root, 'examples', name))) {
      if (!f.endsWith('.ts')) cpSync(join(root, 'examples', name, f), join(root, 'site', name, f), { recursive: true });
    }
  }
  for (const f of ['index.html', 'style.css']) {
    if (existsSync(join(root, 'examples', f))) cpSync(join(root, 'examples', f), join(root, 'site', f));
  }
  // onnxruntime-web loads its wasm at run time; serve it beside the pages (no CDN).
  const ortDist = join(root, 'node_modules/onnxruntime-web/dist');
  mkdirSync(join(root, 'site/ort'), { recursive: true });
  for (const f of readdirSync(ortDist)) {
    if (/^ort-wasm-simd-threaded\.(asyncify\.)?(wasm|mjs)$/.test(f)) cpSync(join(ortDist, f), join(root, 'site/ort', f));
  }
  if (existsSync(join(root, 'models'))) cpSync(join(root, 'models'), join(root, 'site/models'), { recursive: true });
}

// Type declarations for the package's exports (tsc, declarations only).
function emitTypes() {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.types.json')], { stdio: 'inherit', cwd: root });
}

const t0 = Date.now();
if (existsSync(join(root, 'site'))) rmSync(join(root, 'site'), { recursive: true, force: true });
await Promise.all(builds.map((b) => esbuild.build(b)));
copySite();
if (existsSync(join(root, 'plugin/liquid-volume.mjs'))) writeEditorScript();
if (!process.argv.includes('--no-types')) emitTypes();
writeFileSync(join(root, 'dist/BUILD_INFO.json'), JSON.stringify({ builtAt: new Date().toISOString(), examples: exampleDirs }, null, 2));
log(`built ${builds.length} bundles (${exampleDirs.length} examples) in ${Date.now() - t0} ms`);

if (serve) {
  const port = Number(process.env.PORT ?? 8080);
  const ctx = await esbuild.context({ ...common, entryPoints: [], write: false });
  const { hosts, port: actual } = await ctx.serve({ servedir: join(root, 'site'), host: '127.0.0.1', port });
  console.log(`serving examples on http://${hosts?.[0] ?? '127.0.0.1'}:${actual}/`);
}
