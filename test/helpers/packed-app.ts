/**
 * A user's app built against the PACKED package: `npm pack` of this checkout (after a full
 * build, declarations included), the tarball unpacked into the app's node_modules/latent-liquid
 * as `npm install latent-liquid-x.y.z.tgz` lays it out, and the dependencies the user installs
 * next to it linked from this checkout's node_modules (offline: createPackedApp), or really
 * installed from the registry into an empty folder as the README says (installPackedApp: what a
 * user gets, the newest versions the ranges allow or the lockfile's). Only what the package's
 * `files` ship is there, so a file the package forgets fails the test.
 *
 * README blocks: the text between `<!-- readme-test:NAME -->` and `<!-- /readme-test:NAME -->`
 * in README.md, without its code fence, so tests run what the README says.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pageCondition, type TestPage } from './browser';
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

/** Which versions `installPackedApp` installs beside the tarball. */
export type InstallVersions = 'lockfile' | 'newest';

/** The version this checkout's package-lock.json pins for a package. */
export function lockfileVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`package-lock.json pins no ${name}`);
  return version;
}

/**
 * An empty temp folder (`prefix`) in which `npm install <tarball> ...packages` ran against the
 * registry, as the README tells a user (the tarball in place of `latent-liquid`). 'newest': the
 * packages as named, so npm resolves the newest versions the declared ranges allow (what a user
 * gets today); 'lockfile': each package and onnxruntime-web pinned to this checkout's
 * package-lock.json. Returns the app's path and the versions installed.
 */
export function installPackedApp(tarball: string, packages: string[], versions: InstallVersions, prefix = 'latent-liquid-install-'): { app: string; installed: Record<string, string> } {
  const app = mkdtempSync(join(tmpdir(), prefix));
  const pins = versions === 'lockfile' ? ['onnxruntime-web', ...packages].map((p) => `${p}@${lockfileVersion(p)}`) : packages;
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...pins], { cwd: app, stdio: 'pipe', timeout: 600_000 });
  const installed: Record<string, string> = {};
  for (const name of ['latent-liquid', 'onnxruntime-web', ...packages]) {
    installed[name] = (JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  }
  writeFileSync(join(app, 'installed.json'), JSON.stringify(installed, null, 2));
  return { app, installed };
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

/**
 * The README's app (`main.js`), or its latent variation: the app with the tank's `create(...)`
 * statement replaced by the README's `readme-test:latent` block.
 */
export function readmeApp(variation: 'classical' | 'latent' = 'classical'): string {
  const app = readmeBlock('app');
  if (variation === 'classical') return app;
  const statement = /const liquid = tank\.addComponent\('script'\)\?\.create\(LiquidVolume, \{ properties: \{\n[\s\S]*?\n\} \}\);\n/;
  if (!statement.test(app)) throw new Error("README.md's app block has no `const liquid = tank.addComponent('script')?.create(...)` statement to vary");
  return app.replace(statement, readmeBlock('latent'));
}

/** Waits for `predicate` in the page; on a timeout the error carries `state` (evaluated then) and the page's console. */
export async function waitInPage(page: TestPage, predicate: string, state: string, timeout: number): Promise<void> {
  try {
    await page.page.waitForFunction(pageCondition(predicate), undefined, { timeout, polling: 250 });
  } catch (e) {
    const now = await page.page.evaluate(state).catch((err: Error) => `(page did not answer: ${err.message})`);
    throw new Error(`${(e as Error).message}\nstate: ${JSON.stringify(now)}\nconsole:\n${page.logs.join('\n')}`);
  }
}
