#!/usr/bin/env node
// `npm run bench`: runs the built benchmark (dist/bench.js), building it first if needed.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bench = join(root, 'dist', 'bench.js');
if (!existsSync(bench)) execFileSync(process.execPath, [join(root, 'esbuild.config.mjs'), '--quiet'], { stdio: 'inherit', cwd: root });
await import(bench);
