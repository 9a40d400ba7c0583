// The rigid-body coupling bench (`npm run bench -- --bodies`, issue 21) on a tiny setup: its rows
// are there and say what they measured. Timings on SwiftShader say nothing; only the rows' shape is checked.
import { describe, expect, it } from 'vitest';
import { runBodyBenchmark } from '../src/bench/body-coupling-benchmark';
import { testGpu } from './helpers/gpu';

describe('npm run bench -- --bodies', () => {
  it('measures the force reduction, the composition and a frame with and without bodies', async () => {
    const gpu = await testGpu();
    const r = await runBodyBenchmark(gpu.device, gpu.adapterName, { resolution: 16, bodies: 3, repeats: 1, warmupFrames: 1, jacobiIterations: 4 });
    // the frame with bodies runs the reduction ('bodies') and recomposes its solids ('obstacles'); the frame without does neither
    expect(r.reductionMs).toBe(r.frame.passesWith.bodies);
    expect(r.composeMs).toBe(r.frame.passesWith.obstacles);
    expect(r.reductionMs).toBeGreaterThan(0);
    expect(r.frame.passesWithout.bodies).toBeUndefined();
    expect(r.frame.passesWithout.obstacles).toBeUndefined();
    expect(r.frame.withMs).toBeGreaterThan(0);
    expect(r.frame.withoutMs).toBeGreaterThan(0);
  });
});
