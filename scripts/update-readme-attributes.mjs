// Rewrites the README's liquidVolume attribute table from the schema (plugin/liquid-settings.ts,
// LIQUID_ATTRIBUTES). test/settings.test.ts fails while the README differs and names this script.
//   node scripts/update-readme-attributes.mjs
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(new URL('..', import.meta.url).pathname);
export const README_START = '<!-- liquid-attributes:start (generated from plugin/liquid-settings.ts by scripts/update-readme-attributes.mjs) -->';
export const README_END = '<!-- liquid-attributes:end -->';

// bundled next to node_modules, so that its imports of playcanvas resolve
mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
const dir = mkdtempSync(join(root, 'node_modules/.cache/readme-attributes-'));
try {
  const outfile = join(dir, 'liquid-settings.mjs');
  await build({
    entryPoints: [join(root, 'plugin/liquid-settings.ts')], bundle: true, platform: 'node', format: 'esm', outfile,
    loader: { '.wgsl': 'text' }, external: ['playcanvas', 'onnxruntime-web', 'onnxruntime-web/*', 'webgpu'], logLevel: 'warning',
  });
  const { attributeTableMarkdown } = await import(pathToFileURL(outfile).href);
  const path = join(root, 'README.md');
  const readme = readFileSync(path, 'utf8');
  const start = readme.search(/<!-- liquid-attributes:start[^>]*-->/);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error('README.md: no liquid-attributes markers');
  const updated = `${readme.slice(0, start)}${README_START}\n${attributeTableMarkdown()}\n${readme.slice(end)}`;
  if (updated === readme) console.log('README.md: the attribute table is up to date');
  else {
    writeFileSync(path, updated);
    console.log('README.md: attribute table rewritten from plugin/liquid-settings.ts');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
