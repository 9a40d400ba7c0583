// Rigid bodies (issue 21), Archimedes at CI size on SwiftShader: flat boxes of relative
// density 0.25, 0.5, 0.75 in one 28 x 14 x 10 pond (4 cm cells), moved by the minimal test
// integrator (test/helpers/rigid-body.ts) with the forces the core gives back, float with that
// fraction of their height under the mean water level (mean over frames 80-120), volume within 1%.
// The 32^3 / 600-frame version: test/long/bodies-long.test.ts (scripts/bodies-long.sh).
import { describe, expect, it } from 'vitest';
import type { SceneInput, Vec3 } from '../src/scene/scene-description';
import { addBox, CELL, HALF, run, tankScene, usePond, waterLevel } from './helpers/bodies-pond';

const pond = usePond();
const make = (input: SceneInput) => pond.make(input);

describe('Archimedes', () => {
  it('boxes of relative density 0.25, 0.5, 0.75 float with that fraction under water', async () => {
    const nx = 28;
    const solver = await make(tankScene('archimedes', nx));
    const tank: Vec3 = [nx * CELL, 14 * CELL, 10 * CELL];
    const densities = [0.25, 0.5, 0.75];
    const bodies = densities.map((d, i) => addBox(solver, tank, 0.2 + 0.36 * i, d, `box ${d}`));
    const fractions: number[][] = densities.map(() => []);
    const columns = [0, nx - 1];
    const frames = 120;
    const drift = await run(pond.device, solver, bodies, frames, async (f) => {
      if (f < frames - 40 || f % 5 !== 4) return;
      const h = await waterLevel(pond.device, solver, columns);
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
