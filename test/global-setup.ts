// Builds dist/ (bundles, Editor file, declarations) once per `vitest run`, before any file of
// the projects that need it (vitest.config.ts): the CLI, the pages and the packed package all
// run from the build, as users run them. Each such project names this file; the build runs once
// for all of them (the promise lives on the main process's globalThis).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const KEY = Symbol.for('latent-liquid.test-build');

export default async function setup(): Promise<void> {
  const g = globalThis as { [KEY]?: Promise<void> };
  g[KEY] ??= new Promise<void>((resolve) => {
    execFileSync(process.execPath, [join(ROOT, 'esbuild.config.mjs'), '--quiet'], { cwd: ROOT, stdio: 'inherit' });
    process.env.LATENT_LIQUID_TEST_BUILT = '1';
    resolve();
  });
  await g[KEY];
}
