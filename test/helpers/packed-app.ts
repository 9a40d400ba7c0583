/**
 * A user's app built against the PACKED package: `npm pack` of this checkout (after a full
 * build, declarations included), the tarball unpacked into the app's node_modules/latent-liquid
 * as `npm install latent-liquid-x.y.z.tgz` lays it out, and the dependencies the user installs
 * next to it linked from this checkout's node_modules (the tests run offline). Only what the
 * package's `files` ship is there, so a file the package forgets fails the test.
 *
 * README blocks: the text between `<!-- readme-test:NAME -->` and `<!-- /readme-test:NAME -->`
 * in README.md, without its code fence, so tests run what the README says.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli';

let packed: string | null = null;

/** Builds everything (bundles, Editor file, declarations) and packs it; the tarball's path (once per test file). */
export function buildAndPack(): string {
  if (packed && existsSync(packed)) return packed;
  // test/global-setup.ts built everything once for the run
  if (process.env.LATENT_LIQUID_TEST_BUILT !== '1') execFileSync(process.execPath, [join(ROOT, 'esbuild.config.mjs'), '--quiet'], { cwd: ROOT, stdio: 'inherit' });
  const out = mkdtempSync(join(tmpdir(), 'latent-liquid-pack-'));
  const json = execFileSync('npm', ['pack', '--pack-destination', out, '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  const [{ filename }] = JSON.parse(json) as { filename: string }[];
  packed = join(out, filename);
  return packed;
}

/**
 * A fresh app folder (`prefix` in the temp dir) with the tarball installed as
 * node_modules/latent-liquid and `deps` (packages the user installs, from this checkout's
 * node_modules, their bins linked into node_modules/.bin) beside it. Returns the app's path.
 */
export function createPackedApp(tarball: string, deps: string[], prefix = 'latent-liquid-app-'): string {
  const app = mkdtempSync(join(tmpdir(), prefix));
  const pkg = join(app, 'node_modules', 'latent-liquid');
  mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', pkg, '--strip-components=1']);
  mkdirSync(join(app, 'node_modules', '.bin'));
  for (const dep of deps) {
    symlinkSync(join(ROOT, 'node_modules', dep), join(app, 'node_modules', dep));
    const { bin } = JSON.parse(readFileSync(join(ROOT, 'node_modules', dep, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
    const bins = typeof bin === 'string' ? { [dep]: bin } : bin ?? {};
    for (const [name, rel] of Object.entries(bins)) symlinkSync(join(ROOT, 'node_modules', dep, rel), join(app, 'node_modules', '.bin', name));
  }
  return app;
}

/** A README block between `<!-- readme-test:NAME -->` and `<!-- /readme-test:NAME -->`, without its code fence. */
export function readmeBlock(name: string, readme = readFileSync(join(ROOT, 'README.md'), 'utf8')): string {
  const start = `<!-- readme-test:${name} -->`;
  const end = `<!-- /readme-test:${name} -->`;
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md has no block ${start} ... ${end}`);
  const fenced = /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(a + start.length, b));
  if (!fenced) throw new Error(`README.md block ${name} holds no code fence`);
  return fenced[1];
}
