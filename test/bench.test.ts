// The bench's MGPCG variants: the --smoothings syntax (smoothing and coarse-cycle threshold)
// with its errors, and, on a 16^3 dam break, that the bench rows and the kernel profile with
// the coarse cycle off and on are told apart and count the dispatches each encodes. Timings on
// SwiftShader say nothing; only the rows' shape and the dispatch counts are checked. The bench
// CLI's usage errors: test/cli-usage.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { benchmarkMarkdown } from '../src/bench/benchmark-report';
import { profileMgpcg } from '../src/bench/mgpcg-profile';
import { DEFAULT_BENCHMARK_OPTIONS, parseSmoothings, runPressureBenchmark, smoothingLabel } from '../src/bench/pressure-benchmark';
import { presetScene } from '../src/scene/presets';
import { LiquidSolver } from '../src/solver/liquid-solver';
import type { MgpcgPressureStage } from '../src/solver/pressure/mgpcg-pressure-stage';
import { testGpu } from './helpers/gpu';

describe('--smoothings: SMOOTHER[:SWEEPS[:ccCELLS]]', () => {
  it('reads the smoothing and, optionally, the coarse-cycle threshold', () => {
    expect(parseSmoothings('red-black:2,jacobi')).toEqual([{ smoother: 'red-black', sweeps: 2 }, { smoother: 'jacobi', sweeps: 1 }]);
    expect(parseSmoothings('jacobi:1:cc0, red-black:1:cc512,red-black:2:cc64')).toEqual([
      { smoother: 'jacobi', sweeps: 1, coarseCycleCells: 0 },
      { smoother: 'red-black', sweeps: 1, coarseCycleCells: 512 },
      { smoother: 'red-black', sweeps: 2, coarseCycleCells: 64 },
    ]);
    expect(parseSmoothings(' none ')).toEqual([]);
    // The label is the same syntax with the threshold written out (the default is 512).
    expect(parseSmoothings('red-black:1,jacobi:2:cc0').map(smoothingLabel)).toEqual(['red-black:1:cc512', 'jacobi:2:cc0']);
    for (const v of parseSmoothings('jacobi:1:cc0,red-black:4:cc512,red-black:3')) expect(parseSmoothings(smoothingLabel(v)).map(smoothingLabel)).toEqual([smoothingLabel(v)]);
  });

  it('a bad entry names itself, the part that is wrong and the allowed range', () => {
    const bad: [string, RegExp][] = [
      ['red-black:1:cc513', /"red-black:1:cc513": the coarse-cycle threshold must be ccCELLS with CELLS an integer in 0\.\.512 \(got "cc513"\)/],
      ['red-black:1:cc-1', /threshold must be .* 0\.\.512 \(got "cc-1"\)/],
      ['jacobi:1:cc1.5', /\(got "cc1\.5"\)/],
      ['jacobi:1:0', /\(got "0"\)/],
      ['jacobi:1:cc', /\(got "cc"\)/],
      ['jacobi:1:cc0:x', /"jacobi:1:cc0:x": too many parts/],
      ['jacobi:5:cc0', /SWEEPS must be an integer in 1\.\.4 \(got "5"\)/],
      ['jacobi::cc0', /SWEEPS must be an integer in 1\.\.4 \(got ""\)/],
      ['gauss:1', /unknown smoother "gauss"/],
      ['red-black:1,', /"": unknown smoother ""/],
    ];
    for (const [text, message] of bad) expect(() => parseSmoothings(text), text).toThrow(message);
    // Every error states the whole syntax.
    expect(() => parseSmoothings('jacobi:1:cc999')).toThrow(/an entry is SMOOTHER\[:SWEEPS\[:ccCELLS\]\] .* CELLS the coarse-cycle threshold, an integer in 0\.\.512 \(default 512; 0: one dispatch per operation and level\)/);
  });
});

describe('MGPCG with the coarse cycle off and on, 16^3 dam break', () => {
  let device: GPUDevice;
  beforeAll(async () => {
    device = (await testGpu()).device;
  });

  it('bench rows: labelled apart, the same iterations, more dispatches per iteration with the coarse cycle off', async () => {
    const result = await runPressureBenchmark(device, 'test', {
      ...DEFAULT_BENCHMARK_OPTIONS, resolutions: [16], repeats: 1, warmupFrames: 6, jacobiIterations: [20], intervals: [2],
      divergenceTargets: [0.3], jacobiMaxIterations: 400, wgslRow: false,
      // red-black:1 is red-black:1:cc512 again (measured once); jacobi:1:cc512 is the scene's row.
      smoothings: parseSmoothings('jacobi:1:cc0,red-black:1:cc0,red-black:1:cc512,red-black:1,jacobi:1:cc512'),
    }, null);
    const rows = result.results[0].methods!.smoothings!;
    expect(rows.map((r) => r.label)).toEqual(['jacobi:1:cc512', 'jacobi:1:cc0', 'red-black:1:cc0', 'red-black:1:cc512']);
    const row = (label: string) => rows.find((r) => r.label === label)!;
    for (const smoother of ['jacobi', 'red-black']) {
      const off = row(`${smoother}:1:cc0`), on = row(`${smoother}:1:cc512`);
      expect(off.coarseCycleCells).toBe(0);
      expect(off.coarseCycleStart).toBe(-1);
      expect(on.coarseCycleCells).toBe(512);
      // 16^3: levels of 16, 8 and 4 cells an axis; the 8^3 level and the 4^3 one are the coarse cycle.
      expect(on.coarseCycleStart).toBe(1);
      // BENCHMARKS.md's counts: Jacobi x1 14 -> 10, red-black x1 20 -> 13 at 16^3.
      expect(off.dispatchesPerIteration).toBeGreaterThan(on.dispatchesPerIteration);
      expect([off.dispatchesPerIteration, on.dispatchesPerIteration]).toEqual(smoother === 'jacobi' ? [14, 10] : [20, 13]);
      // The same arithmetic either way: the same solve.
      for (const k of ['fromPrevious', 'fromHydrostatic'] as const) {
        expect(off[k].outcome, `${smoother} ${k}`).toBe('converged');
        expect(Math.abs(off[k].iterations - on[k].iterations), `${smoother} ${k}`).toBeLessThanOrEqual(1);
      }
    }
    // The scene's row is the one the methods table reports.
    expect(row('jacobi:1:cc512').dispatchesPerIteration).toBe(result.results[0].methods!.mgpcgDispatchesPerIteration);
    const md = benchmarkMarkdown(result);
    expect(md).toContain('| smoothing | coarse cycle |');
    expect(md).toMatch(/\| 16x16x16 \| jacobi x1 \| cc0 \(off\) \|.*\| 14 \|/);
    expect(md).toMatch(/\| 16x16x16 \| red-black x1 \| cc512 \(levels 1\+\) \|.*\| 13 \|/);
  }, 900_000);

  it('kernel profile: the variant\'s kernels, coarseCycle only with the coarse cycle on', async () => {
    const off = await profileMgpcg(device, 16, 2, { smoother: 'jacobi', sweeps: 1, coarseCycleCells: 0 });
    const on = await profileMgpcg(device, 16, 2);
    expect(off.label).toBe('jacobi:1:cc0');
    expect(on.label).toBe('jacobi:1:cc512');
    expect(off.smoothing).toEqual({ smoother: 'jacobi', sweeps: 1, coarseCycleCells: 0 });
    expect([off.dispatchesPerIteration, on.dispatchesPerIteration]).toEqual([14, 10]);
    expect(off.kernels.some((k) => k.kernel.startsWith('coarseCycle'))).toBe(false);
    expect(on.kernels.map((k) => k.kernel)).toContain('coarseCycle@1');
    // Per-level kernels of the levels the cycle covers appear only with it off.
    expect(off.kernels.map((k) => k.kernel)).toContain('coarsestSolve@2');
    expect(on.kernels.map((k) => k.kernel)).not.toContain('coarsestSolve@2');
    for (const p of [off, on]) {
      for (const k of p.kernels) expect(Number.isFinite(k.us) && k.us >= 0, `${p.label} ${k.kernel}: ${k.us} us`).toBe(true);
      expect(p.iterationUs).toBeGreaterThan(0);
    }
  }, 600_000);

  it('a stage\'s coarse-cycle threshold survives a change of the smoothing by configurePressure', async () => {
    const solver = await LiquidSolver.create(device, presetScene('dam-break', 16));
    try {
      const cc = () => (solver.classicalStage as MgpcgPressureStage).multigridSolver.settings.coarseCycleCells;
      await solver.configurePressure({ method: 'mgpcg' });
      expect(cc()).toBe(512);
      solver.setPressureStage(await solver.createClassicalStage(solver.classicalStage.settings, { coarseCycleCells: 0 }));
      expect(cc()).toBe(0);
      await solver.configurePressure({ multigrid: { smoother: 'red-black', sweeps: 1 } });
      expect(cc()).toBe(0);
      expect((solver.classicalStage as MgpcgPressureStage).dispatchesPerIteration).toBe(20);
      await expect(solver.createClassicalStage(solver.classicalStage.settings, { coarseCycleCells: 513 })).rejects.toThrow(/coarseCycleCells must be an integer in 0\.\.512 \(got 513\)/);
    } finally {
      solver.destroy();
    }
  });
});
