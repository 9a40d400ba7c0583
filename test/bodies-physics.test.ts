// Rigid bodies (issue 21), physics at CI size on SwiftShader, bodies moved by the minimal test
// integrator (test/helpers/rigid-body.ts) with the forces the core gives back:
// - Archimedes: flat boxes of relative density 0.25, 0.5, 0.75 in one 28x14x10 tank settle with
//   that fraction of their height under the measured water level;
// - a box of 2.0 sinks to the floor and stays; a box of 0.1 floats without exploding or jitter;
// - volume stays within its bound while bodies move through the surface.
// Longer runs (32^3, 600 frames) are in scripts/bodies-archimedes.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiquidSolver } from '../src/solver/liquid-solver';
import { validateScene } from '../src/scene/scene-validation';
import type { SceneInput, Vec3 } from '../src/scene/scene-description';
import { readFloat32 } from '../src/gpu/readback';
import { testGpu } from './helpers/gpu';
import { TestRigidBody } from './helpers/rigid-body';

let device: GPUDevice;
const solvers: LiquidSolver[] = [];

beforeAll(async () => {
  device = (await testGpu()).device;
});

afterAll(() => {
  for (const s of solvers) s.destroy();
});

const CELL = 0.04;
const WATER = 0.28;
/** Flat boxes (0.24 x 0.12 x 0.24 m): upright is stable at every density tested. */
const HALF: Vec3 = [0.12, 0.06, 0.12];
const BOX_VOLUME = 8 * HALF[0] * HALF[1] * HALF[2];

function tankScene(name: string, nx: number): SceneInput {
  return {
    name, resolution: [nx, 14, 10], cellSize: CELL,
    liquid: [{ type: 'box', min: [0, 0, 0], max: [nx * CELL, WATER, 10 * CELL] }],
    timeStep: { frame: 1 / 60, substeps: 1 },
  };
}

async function make(input: SceneInput): Promise<LiquidSolver> {
  const s = await LiquidSolver.create(device, validateScene(input));
  solvers.push(s);
  return s;
}

/** Mean height of the free surface over the columns at x cells `columns` (all z): the level set's zero, interpolated. */
async function waterLevel(solver: LiquidSolver, columns: number[]): Promise<number> {
  const phi = await readFloat32(device, solver.fields.levelSet, solver.grid.cellCount);
  const [nx, ny, nz] = solver.grid.dims;
  let sum = 0;
  let n = 0;
  for (const i of columns) {
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j + 1 < ny; j++) {
        const a = phi[i + nx * (j + ny * k)];
        const b = phi[i + nx * (j + 1 + ny * k)];
        if (a < 0 && b >= 0) {
          sum += (j + 0.5) * CELL + (CELL * a) / (a - b);
          n++;
          break;
        }
      }
    }
  }
  return sum / n;
}

function addBox(solver: LiquidSolver, tank: Vec3, x: number, relativeDensity: number, name: string): TestRigidBody {
  const density = solver.scene.density;
  const draft = relativeDensity * 2 * HALF[1];
  const body = solver.bodies.add({
    name, shape: { kind: 'box', halfExtents: HALF }, mass: relativeDensity * density * BOX_VOLUME,
    // Released 1 cm above its floating height, at rest.
    state: { position: [x, WATER - draft + HALF[1] + 0.01, tank[2] / 2], rotation: [0, 0, 0, 1], linearVelocity: [0, 0, 0], angularVelocity: [0, 0, 0] },
  });
  return new TestRigidBody(body, tank);
}

async function run(solver: LiquidSolver, bodies: TestRigidBody[], frames: number, each?: (frame: number) => Promise<void>): Promise<number> {
  let maxDrift = 0;
  const dt = solver.scene.timeStep.frame;
  for (let f = 0; f < frames; f++) {
    for (const b of bodies) b.step(dt, solver.gravityAt(solver.time), solver.scene.density);
    solver.collectMetrics = f % 10 === 9;
    await solver.step();
    // A game's pace: the next frame starts once the GPU showed this one (the step itself never waits).
    await device.queue.onSubmittedWorkDone();
    await new Promise((r) => setTimeout(r, 0));
    if (solver.collectMetrics) maxDrift = Math.max(maxDrift, Math.abs((await solver.readMetrics()).volumeDrift));
    await each?.(f);
  }
  return maxDrift;
}

describe('Archimedes', () => {
  it('boxes of relative density 0.25, 0.5, 0.75 float with that fraction under water', async () => {
    const nx = 28;
    const solver = await make(tankScene('archimedes', nx));
    const tank: Vec3 = [nx * CELL, 14 * CELL, 10 * CELL];
    const densities = [0.25, 0.5, 0.75];
    const bodies = densities.map((d, i) => addBox(solver, tank, 0.2 + 0.36 * i, d, `box ${d}`));
    const fractions: number[][] = densities.map(() => []);
    const columns = [0, nx - 1];
    const frames = 150;
    const drift = await run(solver, bodies, frames, async (f) => {
      if (f < frames - 50 || f % 5 !== 4) return;
      const h = await waterLevel(solver, columns);
      bodies.forEach((b, i) => fractions[i].push((h - b.bottom) / (2 * HALF[1])));
    });
    const means = fractions.map((fs) => fs.reduce((a, b) => a + b, 0) / fs.length);
    console.log(`archimedes: submerged fractions ${means.map((m) => m.toFixed(3)).join(', ')} (samples ${fractions.map((fs) => fs.map((v) => v.toFixed(3)).join(' ')).join(' | ')}); overlay estimates ${bodies.map((b) => b.body.forces?.submergedFraction.toFixed(3)).join(', ')}; speeds ${bodies.map((b) => Math.hypot(...b.velocity).toFixed(4)).join(', ')} m/s; volume drift ${drift.toExponential(2)}`);
    densities.forEach((d, i) => expect(Math.abs(means[i] - d)).toBeLessThan(0.05));
    // Still bobbing a little after 2.5 s (measured up to 0.05 m/s; the 600-frame script checks the settled speed), never running away.
    for (const b of bodies) expect(Math.hypot(...b.velocity)).toBeLessThan(0.1);
    expect(drift).toBeLessThan(0.01);
  }, 300_000);
});

describe('heavy and light bodies', () => {
  it('a box of 2.0 sinks to the floor and stays; a box of 0.1 floats without jitter', async () => {
    const nx = 20;
    const solver = await make(tankScene('sink-and-float', nx));
    const tank: Vec3 = [nx * CELL, 14 * CELL, 10 * CELL];
    const stone = addBox(solver, tank, 0.22, 2.0, 'stone');
    const cork = addBox(solver, tank, 0.58, 0.1, 'cork');
    const corkHeights: number[] = [];
    const frames = 120;
    let finite = true;
    await run(solver, [stone, cork], frames, async (f) => {
      finite &&= [...stone.position, ...cork.position, ...cork.velocity].every(Number.isFinite);
      if (f >= frames - 40) corkHeights.push(cork.position[1]);
    });
    const mean = corkHeights.reduce((a, b) => a + b, 0) / corkHeights.length;
    const spread = Math.max(...corkHeights) - Math.min(...corkHeights);
    console.log(`stone bottom ${stone.bottom.toFixed(4)} m, speed ${Math.hypot(...stone.velocity).toFixed(4)}; cork height mean ${mean.toFixed(4)} spread ${spread.toFixed(5)} m over 40 frames, speed ${Math.hypot(...cork.velocity).toFixed(4)} m/s`);
    expect(finite).toBe(true);
    expect(stone.bottom).toBeLessThan(0.5 * CELL);
    expect(Math.hypot(...stone.velocity)).toBeLessThan(0.05);
    // The cork floats (its centre above the water's initial level) and does not jitter: under a quarter cell of motion over the last 40 frames.
    expect(mean).toBeGreaterThan(WATER);
    expect(spread).toBeLessThan(0.25 * CELL);
  }, 300_000);
});

describe('displacement', () => {
  it('lowering a box into the pond raises the mean level by its submerged volume over the free surface area', async () => {
    const nx = 20;
    const solver = await make(tankScene('displacement', nx));
    const columns = [0, 1, nx - 2, nx - 1];
    const level0 = await waterLevel(solver, columns);
    // Faces on cell faces (x 7..13, z 2..8 cells; the bottom stops at 5 cells): the rasterized box is the box.
    const x = 0.4;
    const z = 0.2;
    const speed = 0.2;
    let bottom = 0.36;
    const body = solver.bodies.add({ name: 'plunger', shape: { kind: 'box', halfExtents: HALF }, mass: 10 });
    const dt = solver.scene.timeStep.frame;
    let maxDrift = 0;
    for (let f = 0; f < 80; f++) {
      const moving = bottom > 0.2 + 1e-9;
      const step = moving ? Math.min(speed * dt, bottom - 0.2) : 0;
      bottom -= step;
      body.setState({ position: [x, bottom + HALF[1], z], rotation: [0, 0, 0, 1], linearVelocity: [0, moving ? -step / dt : 0, 0], angularVelocity: [0, 0, 0] });
      solver.collectMetrics = f % 10 === 9;
      await solver.step();
      if (solver.collectMetrics) maxDrift = Math.max(maxDrift, Math.abs((await solver.readMetrics()).volumeDrift));
    }
    const level1 = await waterLevel(solver, columns);
    const boxArea = 4 * HALF[0] * HALF[2];
    const freeArea = nx * CELL * 10 * CELL - boxArea;
    const submerged = boxArea * (level1 - bottom);
    const expected = submerged / freeArea;
    console.log(`displacement: level ${level0.toFixed(4)} -> ${level1.toFixed(4)} m, rise ${(level1 - level0).toFixed(4)} m, submerged volume / free area ${expected.toFixed(4)} m (tank area ${(submerged / (nx * CELL * 10 * CELL)).toFixed(4)}), volume drift ${maxDrift.toExponential(2)}`);
    expect(Math.abs(level1 - level0 - expected)).toBeLessThan(0.05 * expected);
    expect(maxDrift).toBeLessThan(0.01);
  }, 300_000);
});
