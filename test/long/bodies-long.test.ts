// Rigid bodies (issue 21), the long runs of the "Done when" list, in the long project
// (`npm run test:long`, or scripts/bodies-long.sh; too slow for CI on SwiftShader):
// - Archimedes at 32^3: flat boxes of 0.25, 0.5, 0.75 over 600 frames, submerged fraction within
//   0.05 over the last 100 frames, speed under 1 cm/s at the end, the liquid's speed under 1% of
//   sqrt(g h); a box of 2.0 on the floor;
// - no energy from nowhere: boxes of 0.1, 1.5 and 3 in still water over 1000 frames never get
//   more kinetic energy after settling (frames 400-1000) than the most they had at frame 400-500; no NaN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiquidSolver } from '../../src/solver/liquid-solver';
import { validateScene } from '../../src/scene/scene-validation';
import type { Vec3 } from '../../src/scene/scene-description';
import { readFloat32 } from '../../src/gpu/readback';
import { testGpu } from '../helpers/gpu';
import { TestRigidBody } from '../helpers/rigid-body';

let device: GPUDevice;

beforeAll(async () => {
  device = (await testGpu()).device;
});

const solvers: LiquidSolver[] = [];
afterAll(() => { for (const s of solvers) s.destroy(); });

const N = 32;
const CELL = 1 / N;
const WATER = 0.4;
const HALF: Vec3 = [0.1, 0.05, 0.1];
const VOLUME = 8 * HALF[0] * HALF[1] * HALF[2];
const TANK: Vec3 = [1, 1, 1];

async function pond(name: string): Promise<LiquidSolver> {
  const solver = await LiquidSolver.create(device, validateScene({
    name, resolution: [N, N, N], cellSize: CELL, liquid: [{ type: 'box', min: [0, 0, 0], max: [1, WATER, 1] }],
    timeStep: { frame: 1 / 60, substeps: 1 },
  }));
  solvers.push(solver);
  return solver;
}

function box(solver: LiquidSolver, x: number, z: number, relativeDensity: number): TestRigidBody {
  const draft = Math.min(1, relativeDensity) * 2 * HALF[1];
  const body = solver.bodies.add({
    name: `box ${relativeDensity}`, shape: { kind: 'box', halfExtents: HALF }, mass: relativeDensity * solver.scene.density * VOLUME,
    state: { position: [x, WATER - draft + HALF[1] + 0.01, z], rotation: [0, 0, 0, 1], linearVelocity: [0, 0, 0], angularVelocity: [0, 0, 0] },
  });
  return new TestRigidBody(body, TANK);
}

async function frame(solver: LiquidSolver, bodies: TestRigidBody[]): Promise<void> {
  for (const b of bodies) b.step(solver.scene.timeStep.frame, solver.gravityAt(solver.time), solver.scene.density);
  await solver.step();
  await device.queue.onSubmittedWorkDone();
  await new Promise((r) => setTimeout(r, 0));
}

async function level(solver: LiquidSolver): Promise<number> {
  const phi = await readFloat32(device, solver.fields.levelSet, solver.grid.cellCount);
  let sum = 0;
  let n = 0;
  for (const [i, k] of [[0, 0], [N - 1, 0], [0, N - 1], [N - 1, N - 1], [N / 2, 0], [N / 2, N - 1]]) {
    for (let j = 0; j + 1 < N; j++) {
      const a = phi[i + N * (j + N * k)];
      const b = phi[i + N * (j + 1 + N * k)];
      if (a < 0 && b >= 0) { sum += (j + 0.5) * CELL + (CELL * a) / (a - b); n++; break; }
    }
  }
  return sum / n;
}

describe('long rigid-body runs', () => {
  it('Archimedes at 32^3 over 600 frames; still water stays still; a box of 2.0 stays on the floor', async () => {
    const solver = await pond('archimedes-32');
    const densities = [0.25, 0.5, 0.75];
    const bodies = densities.map((d, i) => box(solver, 0.2 + 0.3 * i, 0.3, d));
    const stone = box(solver, 0.5, 0.75, 2.0);
    const all = [...bodies, stone];
    const fractions: number[][] = densities.map(() => []);
    for (let f = 0; f < 600; f++) {
      await frame(solver, all);
      if (f >= 500 && f % 10 === 9) {
        const h = await level(solver);
        bodies.forEach((b, i) => fractions[i].push((h - b.bottom) / (2 * HALF[1])));
      }
    }
    solver.collectMetrics = true;
    await frame(solver, all);
    const m = await solver.readMetrics();
    const means = fractions.map((fs) => fs.reduce((a, b) => a + b, 0) / fs.length);
    const worst = fractions.map((fs, i) => Math.max(...fs.map((v) => Math.abs(v - densities[i]))));
    const speeds = bodies.map((b) => Math.hypot(...b.velocity));
    const limit = 0.01 * Math.sqrt(9.81 * WATER);
    console.log(`archimedes 32^3 600 frames: fractions ${means.map((v) => v.toFixed(3)).join(', ')} (worst sample off by ${worst.map((v) => v.toFixed(3)).join(', ')}); speeds ${speeds.map((v) => v.toFixed(4)).join(', ')} m/s; liquid max speed ${m.maxSpeed.toFixed(4)} m/s (1% of sqrt(g h) = ${limit.toFixed(4)}); stone bottom ${stone.bottom.toFixed(4)} m; drift ${m.volumeDrift.toExponential(2)}`);
    densities.forEach((d, i) => expect(worst[i]).toBeLessThan(0.05));
    for (const s of speeds) expect(s).toBeLessThan(0.01);
    expect(m.maxSpeed).toBeLessThan(limit);
    expect(stone.bottom).toBeLessThan(0.5 * CELL);
  }, 3_600_000);

  it('no energy from nowhere: boxes of 0.1, 1.5 and 3 over 1000 frames of still water', async () => {
    const solver = await pond('energy-32');
    const bodies = [box(solver, 0.25, 0.5, 0.1), box(solver, 0.5, 0.5, 1.5), box(solver, 0.75, 0.5, 3)];
    const energies: number[][] = bodies.map(() => []);
    let finite = true;
    for (let f = 0; f < 1000; f++) {
      await frame(solver, bodies);
      bodies.forEach((b, i) => energies[i].push(b.kineticEnergy));
      finite &&= bodies.every((b) => [...b.position, ...b.velocity, ...b.angularVelocity].every(Number.isFinite));
    }
    const settled = energies.map((e) => Math.max(...e.slice(400, 500)));
    const later = energies.map((e) => Math.max(...e.slice(500)));
    console.log(`energy 1000 frames: max kinetic energy frames 400-500 ${settled.map((v) => v.toExponential(2)).join(', ')} J; frames 500-1000 ${later.map((v) => v.toExponential(2)).join(', ')} J`);
    expect(finite).toBe(true);
    bodies.forEach((_, i) => expect(later[i]).toBeLessThanOrEqual(Math.max(settled[i], 1e-6)));
  }, 3_600_000);
});
