// Long run (the `long` project: `npm run test:long`, not in CI): the paddle wheel of
// test/helpers/paddle-wheel.ts at 32^3 for 600 frames, about an hour on SwiftShader under load.
// test/mesh-colliders-physics.test.ts runs the same check at 16^3 in CI.
import { beforeAll, describe, expect, it } from 'vitest';
import { testGpu } from '../helpers/gpu';
import { PADDLE_OMEGA, spinPaddleWheel } from '../helpers/paddle-wheel';

let device: GPUDevice;
beforeAll(async () => {
  device = (await testGpu()).device;
});

describe('a spinning paddle moves the liquid (32^3, 600 frames)', () => {
  it('drives the liquid between the blades to the paddle\'s tangential speed within 20%; volume within 1% over 600 frames at 32^3', async () => {
    const run = await spinPaddleWheel(device, 32, 600, 510);
    const mean = run.ratios.reduce((a, b) => a + b, 0) / run.ratios.length;
    console.info(`paddle 32^3, 600 frames: tangential speed ratio ${mean.toFixed(3)} (frames 510-600: ${run.ratios.map((r) => r.toFixed(3)).join(', ')}), max |volume drift| ${run.worstDrift.toExponential(2)}`);
    for (const w of run.angularVelocities) expect(w).toBeCloseTo(PADDLE_OMEGA, 4);
    expect(run.ratios.length).toBe(10);
    for (const c of run.cells) expect(c).toBeGreaterThan(200);
    expect(mean, `tangential speed ratios ${run.ratios.map((r) => r.toFixed(3)).join(', ')}`).toBeGreaterThan(0.8);
    expect(mean).toBeLessThan(1.2);
    expect(run.worstDrift, 'max |volume drift| over 600 frames').toBeLessThan(0.01);
  });
});
