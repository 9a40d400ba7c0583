// Scene validation: clear errors that name the field and the allowed range.
import { describe, expect, it } from 'vitest';
import { parseScene, SceneValidationError, validateScene } from '../src/scene/scene-validation';
import { boxScene, presetScene, rescaleScene, PRESET_NAMES } from '../src/scene/presets';

const minimal = { resolution: [16, 16, 16], cellSize: 0.05, liquid: [{ type: 'box', min: [0, 0, 0], max: [0.8, 0.3, 0.8] }] };

function problems(input: unknown): string[] {
  try {
    validateScene(input);
  } catch (e) {
    expect(e).toBeInstanceOf(SceneValidationError);
    return (e as SceneValidationError).problems;
  }
  throw new Error('expected the scene to be rejected');
}

describe('scene validation', () => {
  it('accepts a minimal scene and fills in defaults', () => {
    const s = validateScene(minimal);
    expect(s.gravity).toEqual([0, -9.81, 0]);
    expect(s.density).toBe(1000);
    expect(s.timeStep.frame).toBeCloseTo(1 / 60);
    expect(s.pressure.iterations).toBe(100);
    expect(s.obstacles).toEqual([]);
  });

  it('names the field and the allowed range', () => {
    expect(problems({ ...minimal, resolution: [16, 2, 16] })).toEqual(['resolution[1] must be an integer in [4, 512] (got 2)']);
    expect(problems({ ...minimal, cellSize: -1 })).toEqual(['cellSize must be a number in (0, 100] (got -1)']);
    expect(problems({ ...minimal, gravity: [0, 'down', 0] })[0]).toMatch(/^gravity\[1\] must be a number in \[-1000, 1000\]/);
    expect(problems({ ...minimal, liquid: [{ type: 'sphere', center: [0, 0, 0], radius: 0 }] })[0]).toMatch(/^liquid\[0\]\.radius must be a number in \(0, 1000000\]/);
    expect(problems({ ...minimal, liquid: [{ type: 'cone' }] })).toEqual(['liquid[0].type must be "box" or "sphere" (got "cone")']);
    expect(problems({ ...minimal, liquid: [{ type: 'box', min: [0, 0, 0], max: [1, 0, 1] }] })).toEqual(['liquid[0].max[1] must be greater than liquid[0].min[1] = 0 (got 0)']);
    expect(problems({ ...minimal, pressure: { omega: 1.5 } })).toEqual(['pressure.omega must be a number in (0, 1] (got 1.5)']);
    expect(problems({ ...minimal, pressure: { checkInterval: 5 } })).toEqual(['pressure.checkInterval must be an even integer in [2, 1000] (got 5)']);
    expect(problems({ ...minimal, pressure: { multigrid: { smoother: 'sor' } } })).toEqual(['pressure.multigrid.smoother must be "jacobi" or "red-black" (got "sor")']);
    expect(problems({ ...minimal, pressure: { multigrid: { sweeps: 5 } } })).toEqual(['pressure.multigrid.sweeps must be an integer in [1, 4] (got 5)']);
    expect(validateScene({ ...minimal, pressure: { method: 'mgpcg', multigrid: { smoother: 'red-black' } } }).pressure.multigrid).toEqual({ smoother: 'red-black', sweeps: 1 });
    expect(problems({ ...minimal, timeStep: { substeps: 'many' } })[0]).toMatch(/^timeStep\.substeps \(or "auto"\) must be an integer in \[1, 64\]/);
    expect(problems({ ...minimal, emitters: [{ shape: { type: 'sphere', center: [0, 0, 0], radius: 0.1 }, velocity: [0, 0, 0], start: 2, end: 1 }] }))
      .toEqual(['emitters[0].end must not be before emitters[0].start = 2 (got 1)']);
    expect(problems({ ...minimal, gravityTilt: { axis: [0, 0, 0], amplitude: 10, period: 1 } })).toEqual(['gravityTilt.axis must not be the zero vector (got [0,0,0])']);
  });

  it('reports every problem at once, and unknown fields (typos)', () => {
    const p = problems({ resolution: 16, cellSize: 0, liquid: [], gravty: [0, -9.8, 0] });
    expect(p).toContain('gravty is not a known field (known: name, resolution, cellSize, gravity, gravityTilt, density, timeStep, pressure, levelSetBand, extrapolationLayers, liquid, obstacles, emitters, sinks, forces, $schema, description)');
    expect(p).toContain('cellSize must be a number in (0, 100] (got 0)');
    expect(p).toContain('liquid must hold at least one shape (or the scene must have an emitter)');
    expect(p.length).toBe(3);
  });

  it('rejects a resolution over a device budget, naming it', () => {
    expect(() => validateScene({ ...minimal, resolution: 200 }, { maxCells: 1_000_000 })).toThrow(/resolution has 8000000 cells; this device allows at most 1000000/);
  });

  it('parses JSON and reports syntax errors', () => {
    expect(parseScene(JSON.stringify(minimal)).resolution).toEqual([16, 16, 16]);
    expect(() => parseScene('{"resolution": [16, 16, 16], ')).toThrow(/scene JSON does not parse/);
    expect(() => parseScene('[1, 2]')).toThrow(/scene must be an object/);
  });
});

describe('presets', () => {
  it('all presets validate at several resolutions and keep a 1 m tank', () => {
    for (const name of PRESET_NAMES) {
      for (const n of [8, 32, 64]) {
        const s = presetScene(name, n);
        expect(s.resolution).toEqual([n, n, n]);
        expect(s.resolution[0] * s.cellSize).toBeCloseTo(1, 9);
        expect(s.name).toBe(name);
      }
    }
    expect(() => presetScene('waterfall')).toThrow(/preset must be one of rest, dam-break, drop, pour, slosh \(got "waterfall"\)/);
  });

  it('--res rescales a scene and keeps its physical size', () => {
    const s = validateScene({ ...minimal, resolution: [20, 10, 10], cellSize: 0.05 });
    const r = rescaleScene(s, 40);
    expect(r.resolution).toEqual([40, 20, 20]);
    expect(r.cellSize).toBeCloseTo(0.025);
    expect(r.liquid).toEqual(s.liquid);
    expect(() => rescaleScene(s, 3)).toThrow(/--res must be an integer in \[4, 512\] \(got 3\)/);
  });

  it('boxScene stretches a preset into any box: a 10 m x 1.5 m x 10 m pool, n cells along the longest side', () => {
    const pool = boxScene(presetScene('rest', 32), [10, 1.5, 10], 32);
    expect(pool.resolution).toEqual([32, 5, 32]);
    expect(pool.cellSize).toBeCloseTo(10 / 32, 12);
    // the 1 m preset's 0.4 m deep liquid is 40 % of the height here too
    const water = pool.liquid[0] as { min: number[]; max: number[] };
    expect(water.min).toEqual([0, 0, 0]);
    expect(water.max.map((x) => +x.toFixed(9))).toEqual([10, 0.6, 10]);
    const drop = boxScene(presetScene('drop', 16), [2, 1, 1], 16);
    const ball = drop.liquid[1] as { center: number[]; radius: number };
    expect(ball.center.map((x) => +x.toFixed(6))).toEqual([1, 0.68, 0.5]);
    expect(ball.radius).toBeCloseTo(0.16, 12); // the smallest stretch (1) keeps it a ball inside the box
    expect(() => boxScene(presetScene('rest', 16), [10, 0, 10], 16)).toThrow(/size must be three positive numbers in metres \(got \[10,0,10\]\)/);
  });
});
