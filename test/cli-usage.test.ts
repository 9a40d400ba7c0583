// Usage errors of the two CLIs, in-process (main() returns the exit code; bin/*.mjs set
// process.exitCode): each names the option and what it allows, exits 2 and starts no GPU work.
// The CLIs end to end, as processes from the built bundle: test/cli.test.ts, test/package.test.ts.
import { describe, expect, it } from 'vitest';
import { main as latentLiquid } from '../src/cli/main';
import { main as bench } from '../src/cli/bench-main';
import { runMain } from './helpers/cli';

/** Runs `latent-liquid ...args` in-process and expects a usage error (exit 2) matching `message`. */
async function usageError(args: string[], message: RegExp): Promise<string> {
  const r = await runMain(latentLiquid, args);
  expect(r.code, `latent-liquid ${args.join(' ')}: ${r.stderr}`).toBe(2);
  expect(r.stderr).toMatch(message);
  return r.stderr;
}

describe('latent-liquid usage errors', () => {
  it('an unknown preset or command', async () => {
    await usageError(['simulate', 'waterfall'], /'waterfall' is neither a preset \(rest, dam-break, drop, pour, slosh\) nor an existing scene file/);
    const stderr = await usageError(['frobnicate'], /latent-liquid: unknown command 'frobnicate'/);
    expect(stderr).toMatch(/latent-liquid simulate <preset\|scene\.json>/);
  });

  it('simulate: conflicting or out-of-range options', async () => {
    await usageError(['simulate', 'rest', '--jacobi-iterations', '10', '--tolerance', '1e-3'], /exclude each other/);
    await usageError(['simulate', 'rest', '--res', '2'], /--res must be an integer in \[4, 512\] \(got 2\)/);
    await usageError(['simulate', 'rest', '--frobnicate'], /unknown option --frobnicate/);
    await usageError(['simulate', 'rest', '--pressure', 'sor'], /--pressure must be one of jacobi, mgpcg \(got sor\)/);
    await usageError(['simulate', 'rest', '--pressure', 'mgpcg', '--max-iterations', '500'], /--max-iterations must be an integer in \[1, 200\]/);
    await usageError(['simulate', 'rest', '--pressure', 'mgpcg', '--jacobi-iterations', '10'], /--jacobi-iterations applies to --pressure jacobi only/);
    await usageError(['simulate', 'rest', '--res', '16', '--frames', '1', '--solver', 'latent', '--latent-runtime', 'tpu'], /--latent-runtime must be auto, ort or wgsl \(got tpu\)/);
    await usageError(['simulate', 'rest', '--latent-runtime', 'wgsl'], /--latent-runtime needs --solver latent/);
    // every usage error points to the command's help
    expect(await usageError(['simulate', 'rest', '--res', '2'], /--res/)).toMatch(/Run 'latent-liquid help simulate' for usage\./);
  });

  it('dataset: bad shard and labels', async () => {
    const common = ['--out', '/nonexistent/latent-liquid-usage', '--scenes', '3', '--frames', '3', '--res', '8', '--seed', '5', '--quiet'];
    await usageError(['dataset', ...common, '--shard', '2/2'], /--shard must be i\/n with 0 <= i < n/);
    await usageError(['dataset', ...common, '--labels', 'jacobi'], /--labels must be auto, mgpcg or pcg \(got jacobi\)/);
  });

  it('compare: options that do not go together', async () => {
    const compare = ['compare', 'dam-break', '--res', '16', '--frames', '1'];
    await usageError([...compare, '--correction', 'solve', '--correction-iterations', '2'], /--correction-iterations applies to --correction jacobi only/);
    await usageError([...compare, '--correction', 'solve', '--adaptive', '0.5'], /--adaptive applies to --correction jacobi only/);
    await usageError([...compare, '--jacobi-iterations', '0'], /--jacobi-iterations must be at least 1 for compare/);
    await usageError([...compare, '--correction', 'multigrid'], /--correction must be jacobi or solve \(got multigrid\)/);
    await usageError([...compare, '--fallback', 'later'], /--fallback must be same-step or next-step \(got later\)/);
    await usageError([...compare, '--fallback-iterations', '3'], /--fallback-iterations must be even \(got 3\)/);
    await usageError([...compare, '--correction', 'solve', '--fallback', 'next-step'], /--fallback applies to --correction jacobi only/);
    await usageError([...compare, '--pressure', 'sor'], /--pressure must be one of jacobi, mgpcg \(got sor\)/);
  });

  it('help and presets exit 0', async () => {
    expect((await runMain(latentLiquid, ['--help'])).stdout).toMatch(/latent-liquid simulate/);
    expect((await runMain(latentLiquid, ['help', 'simulate'])).stdout).toMatch(/--jacobi-iterations K/);
    const presets = await runMain(latentLiquid, ['presets']);
    expect(presets.code).toBe(0);
    expect(presets.stdout.trim().split('\n')).toEqual(['rest', 'dam-break', 'drop', 'pour', 'slosh']);
  });
});

describe('bench usage errors', () => {
  it('a bad --smoothings entry names --smoothings', async () => {
    for (const args of [['--smoothings', 'red-black:1:cc600'], ['--profile-mgpcg', '16', '--smoothings', 'jacobi:1:cc0,jacobi:1:512']]) {
      const r = await runMain(bench, args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^bench: --smoothings: ".*": the coarse-cycle threshold must be ccCELLS with CELLS an integer in 0\.\.512/m);
      expect(r.stderr).not.toMatch(/adapter/);
    }
  });

  it('a bad collider-bench option names it', async () => {
    const r = await runMain(bench, ['--colliders', '--voxelize-res', '64,1000']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^bench: --voxelize-res must be a comma-separated list of integers in \[8, 256\] \(got 64,1000\)$/m);
    expect(r.stderr).not.toMatch(/adapter/);
  });

  it('a bad renderer-bench option names it and its range', async () => {
    const cases: [string[], RegExp][] = [
      [['--sizes', '1280x720,10x10'], /^bench: --sizes must be a comma-separated list of WIDTHxHEIGHT, each side 16-7680 wide and 16-4320 high \(got 1280x720,10x10\)$/m],
      [['--res', '32,4'], /^bench: --res must be a comma-separated list of integers in \[8, 256\] \(got 32,4\)$/m],
      [['--gpu', 'cpu'], /^bench: --gpu must be auto, hardware or swiftshader \(got cpu\)$/m],
      [['--frames', '0'], /--frames must be an integer in \[1, 10000\] \(got 0\)/],
    ];
    for (const [args, message] of cases) {
      const r = await runMain(bench, ['--renderer', ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/adapter/);
    }
    const help = await runMain(bench, ['--renderer', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--sizes LIST/);
  });

  it('the frame benches (bodies, colliders) name a bad --repeats, --warmup or --iterations and its range', async () => {
    const cases: [string[], RegExp][] = [
      [['--repeats', '0'], /--repeats must be an integer in \[1, 1000\] \(got 0\)/],
      [['--warmup', '1001'], /--warmup must be an integer in \[1, 1000\] \(got 1001\)/],
      [['--iterations', '0'], /--iterations must be an integer in \[1, 100000\] \(got 0\)/],
    ];
    for (const which of ['--bodies', '--colliders']) {
      for (const [args, message] of cases) {
        const r = await runMain(bench, [which, ...args]);
        expect(r.code, `${which} ${args.join(' ')}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toMatch(/adapter/);
      }
    }
  });
});
