// Mesh colliders acting on the liquid (SwiftShader here): a non-convex L-shaped wall keeps a dam
// break out of the corner it shelters, a spinning paddle wheel drives the liquid between its
// blades towards its own tangential speed (16^3 here; 32^3 over 600 frames in
// test/long/mesh-colliders-paddle.test.ts), and a mesh
// moving through liquid at rest pushes it and never holds liquid inside.
import { describe, expect, it } from 'vitest';
import { boxMesh, lWallMesh } from '../src/colliders/procedural-meshes';
import type { SceneInput } from '../src/scene/scene-description';
import type { LiquidSolver } from '../src/solver/liquid-solver';
import { useTestSolvers } from './helpers/gpu';
import { PADDLE_OMEGA, spinPaddleWheel } from './helpers/paddle-wheel';

let device: GPUDevice;
const makeSolver = useTestSolvers((d) => { device = d; });

async function make(scene: SceneInput): Promise<LiquidSolver> {
  const solver = await makeSolver(scene);
  solver.meshColliders.onWarning = (m) => { throw new Error(`unexpected warning: ${m}`); };
  return solver;
}

/** Starts the liquid around the colliders added so far (pipelines compiled, SDFs built in the reset). */
async function restart(solver: LiquidSolver): Promise<void> {
  await solver.meshColliders.ready();
  solver.reset();
}

/** Liquid cells (level set < 0, outside solids) of the current state, with a predicate on their centres. */
async function liquidCells(solver: LiquidSolver, where: (x: number, y: number, z: number) => boolean): Promise<number> {
  const [phi, solid] = await Promise.all([solver.readField('levelset'), solver.readField('solid')]);
  const g = solver.grid;
  let n = 0;
  for (let k = 0; k < g.nz; k++) for (let j = 0; j < g.ny; j++) for (let i = 0; i < g.nx; i++) {
    const idx = g.cellIndex(i, j, k);
    if (phi[idx] < 0 && solid[idx] >= 0 && where((i + 0.5) * g.cellSize, (j + 0.5) * g.cellSize, (k + 0.5) * g.cellSize)) n++;
  }
  return n;
}

/** Height of the highest liquid cell centre (m). */
async function liquidTop(solver: LiquidSolver): Promise<number> {
  const [phi, solid] = await Promise.all([solver.readField('levelset'), solver.readField('solid')]);
  const g = solver.grid;
  let top = 0;
  for (let idx = 0; idx < g.cellCount; idx++) {
    if (phi[idx] < 0 && solid[idx] >= 0) top = Math.max(top, (Math.floor(idx / g.nx) % g.ny + 0.5) * g.cellSize);
  }
  return top;
}

describe('a non-convex wall holds', () => {
  // A dam break (column at x < 0.3) in a 1 m tank; an L of two 2-cell walls (0.8 m high) closes
  // off the corner x > 0.7, z > 0.7 with the domain walls.
  const n = 20;
  const scene: SceneInput = { name: 'l-wall', resolution: [n, n, n], cellSize: 1 / n, liquid: [{ type: 'box', min: [0, 0, 0], max: [0.3, 0.5, 1] }] };
  const wallTop = 0.8;
  const addWall = (solver: LiquidSolver) => solver.meshColliders.add({
    name: 'L wall',
    // outer corner at (0.6, 0.6), legs running past the domain walls (x, z up to 1.05), 0.1 m thick
    mesh: lWallMesh({ corner: [0.6, 0.6], length: [0.45, 0.45], thickness: 0.1, height: wallTop, base: -0.05 }),
    transform: { translation: [0, 0, 0] },
  });
  const sheltered = (x: number, y: number, z: number) => x > 0.7 && z > 0.7 && y < wallTop;

  it('keeps the dam break out of the corner it shelters while the liquid stays below the wall top', async () => {
    const solver = await make(scene);
    addWall(solver);
    await restart(solver);
    let checkedFrames = 0, reachedWall = 0;
    for (let f = 1; f <= 90; f++) {
      await solver.step();
      if (f % 5 !== 0) continue;
      if ((await liquidTop(solver)) >= wallTop - solver.grid.cellSize) continue;
      checkedFrames++;
      expect(await liquidCells(solver, sheltered), `liquid cells in the sheltered corner at frame ${f}`).toBe(0);
      // the liquid does reach the wall's outside (so the wall is what keeps it out)
      if ((await liquidCells(solver, (x, y, z) => (x > 0.45 && x < 0.6 && z > 0.7) || (z > 0.45 && z < 0.6 && x > 0.7))) > 0) reachedWall++;
    }
    console.info(`L wall: ${checkedFrames} frames checked (liquid below the top), liquid at the wall's outside in ${reachedWall}`);
    expect(checkedFrames).toBeGreaterThanOrEqual(9); // of 18 (measured 13 on SwiftShader)
    expect(reachedWall).toBeGreaterThanOrEqual(6); // measured 12
  }, 3_600_000);

  it('without the wall the same dam break fills that corner (the check can fail)', async () => {
    const solver = await make(scene);
    let most = 0;
    for (let f = 1; f <= 40; f++) {
      await solver.step();
      if (f % 10 === 0) most = Math.max(most, await liquidCells(solver, sheltered));
    }
    console.info(`no wall: up to ${most} liquid cells in the corner`);
    expect(most).toBeGreaterThan(20);
  }, 3_600_000);
});

describe('a spinning paddle moves the liquid (CI-sized: 16^3, 200 frames)', () => {
  // The same wheel as the long run (test/long/mesh-colliders-paddle.test.ts: 32^3, 600 frames).
  it('drives the liquid between the blades to the paddle\'s tangential speed within 20%; volume within 1% over 200 frames at 16^3', async () => {
    const run = await spinPaddleWheel(device, 16, 200, 160);
    const mean = run.ratios.reduce((a, b) => a + b, 0) / run.ratios.length;
    console.info(`paddle 16^3, 200 frames: tangential speed ratio ${mean.toFixed(3)} (frames 160-200: ${run.ratios.map((r) => r.toFixed(3)).join(', ')}), cells ${run.cells.join(', ')}, max |volume drift| ${run.worstDrift.toExponential(2)}`);
    for (const w of run.angularVelocities) expect(w).toBeCloseTo(PADDLE_OMEGA, 4);
    expect(run.ratios.length).toBe(5);
    for (const c of run.cells) expect(c).toBeGreaterThan(40); // measured 60 to 64
    // measured 1.022 (0.989 to 1.054 over frames 160-200): at 16^3 the liquid has caught up by then
    expect(mean, `tangential speed ratios ${run.ratios.map((r) => r.toFixed(3)).join(', ')}`).toBeGreaterThan(0.8);
    expect(mean).toBeLessThan(1.2);
    expect(run.worstDrift, 'max |volume drift| over 200 frames').toBeLessThan(0.01);
  }, 3_600_000);
});

describe('a moving mesh keeps the liquid out', () => {
  // A 0.2 x 0.16 x 0.2 m box mesh crossing a pool (0.6 m deep) at 0.4 m/s, submerged.
  const n = 20;
  const half: [number, number, number] = [0.1, 0.08, 0.1];
  const speed = 0.4;
  const start: [number, number, number] = [0.3, 0.3, 0.5];

  it('no liquid cell inside the solid, the liquid ahead pushed along, volume within 1%', async () => {
    const solver = await make({ name: 'moving box', resolution: [n, n, n], cellSize: 1 / n, liquid: [{ type: 'box', min: [0, 0, 0], max: [1, 0.6, 1] }] });
    const box = solver.meshColliders.add({ name: 'moving box', mesh: boxMesh({ halfExtents: half, subdivisions: 2 }), transform: { translation: start } });
    await restart(solver);
    const g = solver.grid;
    const frame = solver.scene.timeStep.frame;
    let worstDrift = 0, pushed = 0, samples = 0;
    for (let f = 1; f <= 60; f++) {
      const cx = start[0] + speed * f * frame;
      box.setTransform({ translation: [cx, start[1], start[2]] });
      const sample = f % 5 === 0;
      solver.collectMetrics = sample;
      await solver.step();
      if (!sample) continue;
      samples++;
      worstDrift = Math.max(worstDrift, Math.abs((await solver.readMetrics()).volumeDrift));
      // cells whose centres lie more than half a cell inside the box where it is now
      const inside = (x: number, y: number, z: number) => Math.abs(x - cx) < half[0] - 0.5 * g.cellSize && Math.abs(y - start[1]) < half[1] - 0.5 * g.cellSize
        && Math.abs(z - start[2]) < half[2] - 0.5 * g.cellSize;
      expect(await liquidCells(solver, inside), `liquid cells inside the box at frame ${f}`).toBe(0);
      // the liquid just ahead of the box moves along with it
      const vel = await solver.readCellVelocity();
      let ux = 0, m = 0;
      for (let k = 0; k < g.nz; k++) for (let j = 0; j < g.ny; j++) for (let i = 0; i < g.nx; i++) {
        const x = (i + 0.5) * g.cellSize, y = (j + 0.5) * g.cellSize, z = (k + 0.5) * g.cellSize;
        if (x > cx + half[0] && x < cx + half[0] + 1.5 * g.cellSize && Math.abs(y - start[1]) < half[1] && Math.abs(z - start[2]) < half[2]) {
          ux += vel[3 * g.cellIndex(i, j, k)];
          m++;
        }
      }
      if (m > 0 && ux / m > 0.5 * speed) pushed++;
    }
    console.info(`moving box: liquid ahead pushed in ${pushed} of ${samples} samples, max |volume drift| ${worstDrift.toExponential(2)}`);
    expect(box.motion.linearVelocity[0]).toBeCloseTo(speed, 5);
    expect(pushed, `samples whose liquid ahead moved at more than half the box's speed (of ${samples})`).toBeGreaterThanOrEqual(samples - 1);
    expect(worstDrift).toBeLessThan(0.01);
  }, 3_600_000);
});
