// The mesh collider bench (`npm run bench -- --colliders`) on a tiny setup: its rows are there
// and say what they measured. Timings on SwiftShader say nothing; only the rows' shape is checked.
import { describe, expect, it } from 'vitest';
import { runColliderBenchmark } from '../src/bench/mesh-collider-benchmark';
import { testGpu } from './helpers/gpu';

describe('npm run bench -- --colliders', () => {
  it('measures the SDF build per resolution, the resample and a frame with and without colliders', async () => {
    const gpu = await testGpu();
    const r = await runColliderBenchmark(gpu.device, gpu.adapterName, {
      voxelizeResolutions: [12, 16], frameResolution: 16, colliders: 3, repeats: 1, warmupFrames: 1, jacobiIterations: 4,
    });
    expect(r.voxelize.map((v) => [v.mesh, v.triangles, v.resolution])).toEqual([['torus', 20480, 12], ['torus', 20480, 16]]);
    expect(r.voxelize[1].dims[0]).toBe(16 + 10);
    for (const v of r.voxelize) expect(v.ms).toBeGreaterThan(0);
    // the frame with colliders recomposes its solids (the 'obstacles' pass), the frame without does not
    expect(r.resample).toEqual({ resolution: 16, colliders: 3, ms: r.frame.passesWith.obstacles });
    expect(r.resample.ms).toBeGreaterThan(0);
    expect(r.frame.passesWithout.obstacles).toBeUndefined();
    expect(r.frame.ratio).toBeCloseTo(r.frame.withMs / r.frame.withoutMs, 10);
    expect(r.timing).toBe(gpu.device.features.has('timestamp-query') ? 'gpu-timestamps' : 'wall-clock');
  }, 600_000);
});
