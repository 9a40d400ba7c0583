// Rigid bodies (issue 21): waves carry bodies. A crate floats in a 20 x 14 x 10 pond; then the
// liquid's gravity turns 10 degrees about z (the tank tilts) while the crate's integrator keeps
// plain gravity, so only the liquid can push it sideways: the crate moves the way the liquid
// around it flows (a detector measures the liquid's mean velocity there).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiquidSolver } from '../src/solver/liquid-solver';
import { validateScene } from '../src/scene/scene-validation';
import type { Vec3 } from '../src/scene/scene-description';
import { testGpu } from './helpers/gpu';
import { addBox, CELL, run, tankScene } from './helpers/bodies-pond';

let device: GPUDevice;
let solver: LiquidSolver | null = null;

beforeAll(async () => {
  device = (await testGpu()).device;
});

afterAll(() => solver?.destroy());

describe('waves carry bodies', () => {
  it('a floating crate moves with the liquid that a tilt sets sloshing', async () => {
    const nx = 20;
    solver = await LiquidSolver.create(device, validateScene(tankScene('waves', nx)));
    const tank: Vec3 = [nx * CELL, 14 * CELL, 10 * CELL];
    const crate = addBox(solver, tank, 0.4, 0.5, 'crate');
    await run(device, solver, [crate], 20);
    const x0 = crate.position[0];
    const angle = (10 * Math.PI) / 180;
    solver.setGravity([9.81 * Math.sin(angle), -9.81 * Math.cos(angle), 0]);
    const flow: number[] = [];
    const handle = solver.watch({ kind: 'box', center: [0.4, 0.22, 0.2], halfExtents: [0.3, 0.06, 0.2] }, (r) => flow.push(r.meanVelocity[0]));
    await run(device, solver, [crate], 30, undefined, [0, -9.81, 0]);
    handle.remove();
    const dx = crate.position[0] - x0;
    const meanFlow = flow.reduce((a, b) => a + b, 0) / flow.length;
    console.log(`waves: crate moved ${dx.toFixed(4)} m along x in 30 frames; the liquid around it ${meanFlow.toFixed(4)} m/s on average (${flow.length} readings)`);
    expect(flow.length).toBeGreaterThan(10);
    expect(Math.abs(meanFlow)).toBeGreaterThan(0.005);
    expect(Math.abs(dx)).toBeGreaterThan(0.005);
    expect(Math.sign(dx)).toBe(Math.sign(meanFlow));
  });
});
