#!/usr/bin/env node
// Regenerates the README's liquidVolume attribute table from the schema (plugin/liquid-settings.ts):
//   node scripts/update-readme-attributes.mjs
// test/settings.test.ts fails, naming this script, when the table and the schema disagree.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const README_START = '<!-- liquid-attributes:start (generated from plugin/liquid-settings.ts by scripts/update-readme-attributes.mjs) -->';
export const README_END = '<!-- liquid-attributes:end -->';

// The schema is TypeScript: bundle it (packages stay imports) next to node_modules and load it.
const out = await build({
  entryPoints: [join(root, 'plugin/liquid-settings.ts')], bundle: true, write: false, format: 'esm', platform: 'node',
  packages: 'external', loader: { '.wgsl': 'text' }, logLevel: 'error',
});
const tmp = join(root, 'node_modules', '.cache', 'latent-liquid');
mkdirSync(tmp, { recursive: true });
const module = join(tmp, `liquid-settings-${process.pid}.mjs`);
writeFileSync(module, out.outputFiles[0].text);
let table;
try {
  table = (await import(pathToFileURL(module).href)).attributeTableMarkdown();
} finally {
  rmSync(module, { force: true });
}

const path = join(root, 'README.md');
const readme = readFileSync(path, 'utf8');
const start = readme.indexOf(README_START);
const end = readme.indexOf(README_END);
if (start < 0 || end < start) throw new Error(`README.md: the markers ${README_START} ... ${README_END} are missing`);
const updated = `${readme.slice(0, start + README_START.length)}\n${table}\n${readme.slice(end)}`;
if (updated === readme) console.log('README.md: the attribute table is up to date');
else {
  writeFileSync(path, updated);
  console.log('README.md: attribute table rewritten from plugin/liquid-settings.ts');
}
