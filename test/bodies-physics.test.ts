// Rigid bodies (issue 21), physics at CI size on SwiftShader, bodies moved by the minimal test
// integrator (test/helpers/rigid-body.ts) with the forces the core gives back:
// - a box of 2.0 sinks to the floor and stays; a box of 0.1 floats without exploding or jitter,
//   and gains no kinetic energy after settling (frames 80-120 against 40-80);
// - lowering a box into the pond raises the mean level by its submerged volume over the tank's
//   area, within 5%.
// Archimedes: test/bodies-archimedes.test.ts; long runs: test/long/bodies-long.test.ts.
import { describe, expect, it } from 'vitest';
import type { SceneInput, Vec3 } from '../src/scene/scene-description';
import { addBox, CELL, HALF, run, settledLevel, tankScene, WATER, usePond, waterLevel } from './helpers/bodies-pond';

const pond = usePond();
const make = (input: SceneInput) => pond.make(input);

describe('heavy and light bodies', () => {
  it('a box of 2.0 sinks to the floor and stays; a box of 0.1 floats without jitter', async () => {
    const nx = 20;
    const solver = await make(tankScene('sink-and-float', nx));
    const tank: Vec3 = [nx * CELL, 14 * CELL, 10 * CELL];
    // The cork is released 1 cm above its floating height in the water both boxes raise; the stone starts under the pond's surface (top at 0.17 m).
    const level = settledLevel(nx, [2.0, 0.1]);
    const stone = addBox(solver, tank, 0.22, 2.0, 'stone');
    const cork = addBox(solver, tank, 0.58, 0.1, 'cork', level);
    const corkHeights: number[] = [];
    const corkEnergy: number[] = [];
    const frames = 120;
    let finite = true;
    await run(pond.device, solver, [stone, cork], frames, async (f) => {
      finite &&= [...stone.position, ...cork.position, ...cork.velocity].every(Number.isFinite);
      corkEnergy.push(cork.kineticEnergy);
      if (f >= frames - 40) corkHeights.push(cork.position[1]);
    });
    const mean = corkHeights.reduce((a, b) => a + b, 0) / corkHeights.length;
    const spread = Math.max(...corkHeights) - Math.min(...corkHeights);
    const settling = Math.max(...corkEnergy.slice(40, 80));
    const later = Math.max(...corkEnergy.slice(80));
    console.log(`stone bottom ${stone.bottom.toFixed(4)} m, speed ${Math.hypot(...stone.velocity).toFixed(4)}; cork height mean ${mean.toFixed(4)} spread ${spread.toFixed(5)} m over 40 frames, speed ${Math.hypot(...cork.velocity).toFixed(4)} m/s; cork max kinetic energy frames 40-80 ${settling.toExponential(2)} J, 80-120 ${later.toExponential(2)} J`);
    expect(finite).toBe(true);
    expect(stone.bottom).toBeLessThan(0.5 * CELL);
    expect(Math.hypot(...stone.velocity)).toBeLessThan(0.05);
    // The cork floats (its centre above the water's initial level) and does not jitter: under a quarter cell of motion over the last 40 frames.
    expect(mean).toBeGreaterThan(WATER);
    expect(spread).toBeLessThan(0.25 * CELL);
    // No energy from nowhere: the cork's kinetic energy after frame 80 stays below the most it had while settling (frames 40-80).
    expect(later).toBeLessThan(settling);
  });
});

describe('displacement', () => {
  it('lowering a box into the pond raises the mean level by its submerged volume over the tank area, within 5%', async () => {
    const nx = 20;
    const solver = await make(tankScene('displacement', nx));
    // The mean level: every column but the box's (x cells 7..12, z cells 2..7) and their neighbours.
    const free = (i: number, k: number) => i < 6 || i > 13 || k < 1 || k > 8;
    const level0 = await waterLevel(pond.device, solver, [], free);
    // Faces on cell faces (x 7..13, z 2..8 cells; the bottom stops at 5 cells): the rasterized box is the box.
    const x = 0.4;
    const z = 0.2;
    const speed = 0.2;
    let bottom = 0.36;
    const body = solver.bodies.add({ name: 'plunger', shape: { kind: 'box', halfExtents: HALF }, mass: 10 });
    const dt = solver.scene.timeStep.frame;
    let maxDrift = 0;
    for (let f = 0; f < 110; f++) {
      const moving = bottom > 0.2 + 1e-9;
      const step = moving ? Math.min(speed * dt, bottom - 0.2) : 0;
      bottom -= step;
      body.setState({ position: [x, bottom + HALF[1], z], rotation: [0, 0, 0, 1], linearVelocity: [0, moving ? -step / dt : 0, 0], angularVelocity: [0, 0, 0] });
      solver.collectMetrics = f % 10 === 9;
      await solver.step();
      if (solver.collectMetrics) maxDrift = Math.max(maxDrift, Math.abs((await solver.readMetrics()).volumeDrift));
    }
    const level1 = await waterLevel(pond.device, solver, [], free);
    // Water conserved: the tank's area times the rise is the box's volume under the new level.
    const boxArea = 4 * HALF[0] * HALF[2];
    const tankArea = nx * CELL * 10 * CELL;
    const submerged = boxArea * (level1 - bottom);
    const expected = submerged / tankArea;
    const rise = level1 - level0;
    console.log(`displacement: level ${level0.toFixed(4)} -> ${level1.toFixed(4)} m, rise ${rise.toFixed(4)} m, submerged volume / tank area ${expected.toFixed(4)} m (${((100 * rise) / expected).toFixed(1)}%), volume drift ${maxDrift.toExponential(2)}`);
    expect(Math.abs(rise - expected)).toBeLessThan(0.05 * expected);
    expect(maxDrift).toBeLessThan(0.01);
  });
});
