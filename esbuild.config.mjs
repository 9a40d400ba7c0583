// Builds the library, the CLI, the PlayCanvas plugin bundles and the example site.
//   node esbuild.config.mjs            build everything into dist/ and site/
//   node esbuild.config.mjs --serve    build, then serve site/ on http://127.0.0.1:$PORT (8080)
//   node esbuild.config.mjs --site     only the example site: site/, a static folder to host as
//                                      it is (every URL in it is relative); dist/ is left alone
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const serve = process.argv.includes('--serve');
const quiet = process.argv.includes('--quiet');
const siteOnly = process.argv.includes('--site');
const root = new URL('.', import.meta.url).pathname;
// --site-dir=PATH: where the site goes (default site/ in the repository)
const siteDirArg = process.argv.find((a) => a.startsWith('--site-dir='))?.slice('--site-dir='.length);
const siteDir = siteDirArg ? resolve(siteDirArg) : join(root, 'site');
// the build empties the site folder first: never a folder that holds anything but an earlier site
if (siteDirArg && existsSync(siteDir) && readdirSync(siteDir).length > 0 && !existsSync(join(siteDir, 'ort/ort-wasm-simd-threaded.asyncify.wasm'))) {
  throw new Error(`--site-dir=${siteDirArg}: the folder is not empty and holds no earlier site; not overwriting it`);
}
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
  entryPoints: { cli: 'src/cli/main.ts', bench: 'src/cli/bench-main.ts', node: 'src/node/index.ts' },
  outdir: 'dist',
  platform: 'node',
  // esbuild and playwright-core: the renderer benchmark (`npm run bench -- --renderer`) loads
  // them from node_modules when it runs (developer tools, not bundled).
  external: ['webgpu', 'onnxruntime-web', 'onnxruntime-web/*', 'esbuild', 'playwright-core'],
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
  // PlayCanvas Editor: the library (everything but `playcanvas`, ORT inlined), minified; the
  // build appends the readable script to it (writeEditorScript) to make one file.
  builds.push({
    ...common,
    entryPoints: { 'editor-library': 'plugin/editor-library.ts' },
    outdir: 'dist/editor-parts',
    outExtension: { '.js': '.mjs' },
    platform: 'browser',
    external: ['playcanvas', 'webgpu', 'node:*'],
    minify: true,
    sourcemap: false,
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
    outdir: siteDir,
    platform: 'browser',
    external: ['webgpu', 'node:*'],
    // the hosted demo (--site) is minified (dam-break: 4.09 -> 2.45 MB of JavaScript)
    minify: siteOnly,
  });
}

function writeEditorScript() {
  // One ES module for the Editor: the minified library without its export statement, then
  // the script classes as written (their JSDoc is what the Editor parses).
  const library = readFileSync(join(root, 'dist/editor-parts/editor-library.mjs'), 'utf8');
  const exported = /export\s*\{\s*([A-Za-z_$][\w$]*)\s+as\s+__latentLiquidEditor\s*\};?/.exec(library);
  if (!exported) throw new Error('editor bundle: cannot find the __latentLiquidEditor export');
  // The scripts' imports of the plugin's TypeScript come from the library instead (every name
  // must be in editor-library.ts' __latentLiquidEditor).
  const pluginImport = /^import \{([^}]*)\} from '\.\/[\w-]+';\n/gm;
  const sources = ['liquid-volume.mjs', 'liquid-force.mjs'].map((f) => readFileSync(join(root, 'plugin', f), 'utf8'));
  const libraryNames = [...new Set(sources.flatMap((s) => [...s.matchAll(pluginImport)].flatMap((m) => m[1].split(',').map((n) => n.trim()).filter(Boolean))))];
  const [volumeScript, forceScript] = sources.map((s) => s.replace(pluginImport, ''));
  // One module, one import of playcanvas: the union of what the two scripts import from it.
  const playcanvasImport = /^import \{([^}]*)\} from 'playcanvas';\n/m;
  const names = new Set([volumeScript, forceScript].flatMap((s) => (playcanvasImport.exec(s)?.[1] ?? '').split(',').map((n) => n.trim()).filter(Boolean)));
  const script = [
    `import { ${[...names].join(', ')} } from 'playcanvas';`,
    volumeScript.replace(playcanvasImport, ''),
    forceScript.replace(playcanvasImport, '').replace(/^\/\/ @ts-check\n/m, ''),
  ].join('\n');
  const combined = [
    '// latent-liquid for the PlayCanvas Editor: the liquidVolume, liquidEmitter and liquidForce scripts (at the end',
    '// of this file, with their @attribute tags) and the library they use. Generated by esbuild.config.mjs.',
    // the library keeps its licence comments (esbuild puts them last)
    library.slice(0, exported.index) + library.slice(exported.index + exported[0].length),
    `const { ${libraryNames.join(', ')} } = ${exported[1]};`,
    script,
  ].join('\n');
  mkdirSync(join(root, 'dist/editor'), { recursive: true });
  writeFileSync(join(root, 'dist/editor/latent-liquid.mjs'), combined);
  rmSync(join(root, 'dist/editor-parts'), { recursive: true, force: true });
  if (existsSync(join(root, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm'))) {
    cpSync(join(root, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm'), join(root, 'dist/editor/ort-wasm-simd-threaded.asyncify.wasm'));
  }
}

function copySite() {
  mkdirSync(siteDir, { recursive: true });
  for (const name of exampleDirs) {
    mkdirSync(join(siteDir, name), { recursive: true });
    for (const f of readdirSync(join(root, 'examples', name))) {
      if (!f.endsWith('.ts')) cpSync(join(root, 'examples', name, f), join(siteDir, name, f), { recursive: true });
    }
  }
  for (const f of ['index.html', 'style.css']) {
    if (existsSync(join(root, 'examples', f))) cpSync(join(root, 'examples', f), join(siteDir, f));
  }
  // onnxruntime-web fetches its .wasm at run time (its .mjs glue is bundled into the pages, see
  // src/latent/ort-session.ts): serve the .wasm beside the pages (no CDN), as the README says.
  mkdirSync(join(siteDir, 'ort'), { recursive: true });
  cpSync(join(root, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm'), join(siteDir, 'ort/ort-wasm-simd-threaded.asyncify.wasm'));
  if (existsSync(join(root, 'models'))) cpSync(join(root, 'models'), join(siteDir, 'models'), { recursive: true });
  // ammo.js (the physics engine of PlayCanvas's rigidbody) for the floating example, from the
  // ammojs-typed package: the wasm build and its asm.js fallback, served beside the pages.
  mkdirSync(join(siteDir, 'ammo'), { recursive: true });
  for (const f of ['ammo.wasm.js', 'ammo.wasm.wasm', 'ammo.js']) cpSync(join(root, 'node_modules/ammojs-typed/ammo', f), join(siteDir, 'ammo', f));
}

// Type declarations for the package's exports (tsc, declarations only).
function emitTypes() {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.types.json')], { stdio: 'inherit', cwd: root });
}

const t0 = Date.now();
if (existsSync(siteDir)) rmSync(siteDir, { recursive: true, force: true });
const selected = siteOnly ? builds.filter((b) => b.outdir === siteDir) : builds;
if (!siteOnly && existsSync(join(root, 'dist/editor'))) rmSync(join(root, 'dist/editor'), { recursive: true, force: true });
await Promise.all(selected.map((b) => esbuild.build(b)));
copySite();
if (siteOnly) {
  // GitHub Pages runs Jekyll on a published branch unless this file is there.
  writeFileSync(join(siteDir, '.nojekyll'), '');
} else {
  if (existsSync(join(root, 'plugin/liquid-volume.mjs'))) writeEditorScript();
  if (!process.argv.includes('--no-types')) emitTypes();
  writeFileSync(join(root, 'dist/BUILD_INFO.json'), JSON.stringify({ builtAt: new Date().toISOString(), examples: exampleDirs }, null, 2));
}
log(`built ${selected.length} bundles (${exampleDirs.length} examples${siteOnly ? ', site only' : ''}) in ${Date.now() - t0} ms`);

if (serve) {
  const port = Number(process.env.PORT ?? 8080);
  const ctx = await esbuild.context({ ...common, entryPoints: [], write: false });
  const { hosts, port: actual } = await ctx.serve({ servedir: siteDir, host: '127.0.0.1', port });
  console.log(`serving examples on http://${hosts?.[0] ?? '127.0.0.1'}:${actual}/`);
}
