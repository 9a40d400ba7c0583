import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

let built = false;

/**
 * The CLI runs from the bundle, as installed users run it. test/global-setup.ts builds dist/ once
 * for the run; this only builds when a file runs without it (a project that has no global setup).
 */
export function ensureBuilt(): void {
  if ((built || process.env.LATENT_LIQUID_TEST_BUILT === '1') && existsSync(join(ROOT, 'dist', 'cli.js'))) return;
  execFileSync(process.execPath, [join(ROOT, 'esbuild.config.mjs'), '--quiet', '--no-types'], { cwd: ROOT, stdio: 'inherit' });
  built = true;
}

/** Runs `latent-liquid ...` and returns exit code and output (an `undefined` in `env` unsets that variable). */
export function cli(args: string[], env: Record<string, string | undefined> = {}, timeout = 540_000): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'latent-liquid.mjs'), ...args], {
    cwd: ROOT, encoding: 'utf8', timeout, env: { ...process.env, ...env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs a CLI's `main(argv)` (src/cli/main.ts, src/cli/bench-main.ts) in this process and returns
 * its exit code and what it wrote to stdout and stderr: usage errors need no process of their own.
 */
export async function runMain(main: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const write = { stdout: process.stdout.write, stderr: process.stderr.write };
  const capture = (stream: 'stdout' | 'stderr') => ((chunk: string | Uint8Array) => {
    out[stream] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture('stdout');
  process.stderr.write = capture('stderr');
  try {
    const code = await main(argv);
    return { code, ...out };
  } finally {
    process.stdout.write = write.stdout;
    process.stderr.write = write.stderr;
  }
}
