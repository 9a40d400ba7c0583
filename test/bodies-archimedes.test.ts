// Rigid bodies (issue 21), Archimedes at CI size on SwiftShader: flat boxes of relative
// density 0.25, 0.5, 0.75 in one 28 x 14 x 10 pond (4 cm cells), moved by the minimal test
// integrator (test/helpers/rigid-body.ts) with the forces the core gives back, float with that
// fraction of their height under the mean water level (mean over frames 80-120), volume within 1%;
// settled (under 1 cm/s at frame 120, kinetic energy falling after frame 40).
// The 32^3 / 600-frame version: test/long/bodies-long.test.ts (scripts/bodies-long.sh).
import { describe, expect, it } from 'vitest';
import type { SceneInput, Vec3 } from '../src/scene/scene-description';
import { addBox, CELL, HALF, run, settledLevel, tankScene, usePond, waterLevel } from './helpers/bodies-pond';

const pond = usePond();
const make = (input: SceneInput) => pond.make(input);

describe('Archimedes', () => {
  it('boxes of relative density 0.25, 0.5, 0.75 float with that fraction under water', async () => {
    const nx = 28;
    const solver = await make(tankScene('archimedes', nx));
    const tank: Vec3 = [nx * CELL, 14 * CELL, 10 * CELL];
    const densities = [0.25, 0.5, 0.75];
    // Released 1 cm above their floating height in the water they raise (2.3 cm over the pond's 0.28 m).
    const level = settledLevel(nx, densities);
    const bodies = densities.map((d, i) => addBox(solver, tank, 0.2 + 0.36 * i, d, `box ${d}`, level));
    const fractions: number[][] = densities.map(() => []);
    const columns = [0, nx - 1];
    const frames = 120;
    const energy = bodies.map(() => [] as number[]);
    let liquidSpeed = Number.NaN;
    const drift = await run(pond.device, solver, bodies, frames, async (f, metrics) => {
      bodies.forEach((b, i) => energy[i].push(b.kineticEnergy));
      // The liquid's speed at the end (the metrics of every 10th frame, the last one included).
      if (metrics) liquidSpeed = metrics.maxSpeed;
      if (f < frames - 40 || f % 5 !== 4) return;
      const h = await waterLevel(pond.device, solver, columns);
      bodies.forEach((b, i) => fractions[i].push((h - b.bottom) / (2 * HALF[1])));
    });
    const means = fractions.map((fs) => fs.reduce((a, b) => a + b, 0) / fs.length);
    console.log(`archimedes: submerged fractions ${means.map((m) => m.toFixed(3)).join(', ')} (samples ${fractions.map((fs) => fs.map((v) => v.toFixed(3)).join(' ')).join(' | ')}); overlay estimates ${bodies.map((b) => b.body.forces?.submergedFraction.toFixed(3)).join(', ')}; speeds ${bodies.map((b) => Math.hypot(...b.velocity).toFixed(4)).join(', ')} m/s; max kinetic energy frames 40-80 ${energy.map((e) => Math.max(...e.slice(40, 80)).toExponential(2)).join(', ')} J, 80-120 ${energy.map((e) => Math.max(...e.slice(80)).toExponential(2)).join(', ')} J; liquid max speed ${liquidSpeed.toFixed(4)} m/s; volume drift ${drift.toExponential(2)}`);
    densities.forEach((d, i) => expect(Math.abs(means[i] - d)).toBeLessThan(0.05));
    // Still water stays still: settled after 2 s, each box under 1 cm/s, and no box gains
    // kinetic energy beyond its settling (the most in frames 80-120 below the most in 40-80).
    for (const b of bodies) expect(Math.hypot(...b.velocity)).toBeLessThan(0.01);
    for (const e of energy) expect(Math.max(...e.slice(80))).toBeLessThan(Math.max(...e.slice(40, 80)));
    expect(drift).toBeLessThan(0.01);
  });
});
