// Force fields (issue 20, part 3): validation of the scene's `forces` and of fields set at run
// time, the addForceFields kernel against its CPU reference, and the physics with gravity 0:
// a directional field accelerates liquid at rest by a, a radial field moves a drop toward or
// away from its centre by the mean field over the drop, a vortex turns liquid about its axis
// by the field at a probe radius.
import { describe, expect, it } from 'vitest';
import type { LiquidSolver } from '../src/solver/liquid-solver';
import { type SceneValidationError, validateForceFields, validateScene } from '../src/scene/scene-validation';
import { scaleScene } from '../src/scene/presets';
import { MAX_FORCE_FIELDS } from '../src/forces/force-field';
import type { ForceFieldDescription, ForceFieldInput, SceneInput, Vec3 } from '../src/scene/scene-description';
import { addForceFields, forceFieldAcceleration, forceWeight, totalForceAcceleration } from '../src/reference/reference-forces';
import { addGravity, rasterizeObstacles } from '../src/reference/reference-shapes';
import { maxDiff, read, referenceFor, rng, runPass, useTestSolvers, upload, wavyPoolWithDrop } from './helpers/gpu';

const DT = 1 / 60;
let device: GPUDevice;
const make = useTestSolvers((d) => { device = d; });

function problems(forces: unknown): string[] {
  try {
    validateScene({ resolution: 8, cellSize: 0.1, liquid: [{ type: 'sphere', center: [0.4, 0.4, 0.4], radius: 0.2 }], forces });
    return [];
  } catch (e) {
    return (e as SceneValidationError).problems;
  }
}

describe('force field input', () => {
  it('the limit is the length of ForceFieldList.fields in forces.wgsl: 16', () => {
    expect(MAX_FORCE_FIELDS).toBe(16);
  });

  it('fills in defaults: directional at the origin, unbounded, no falloff, enabled', () => {
    const [f] = validateForceFields([{ kind: 'directional', direction: [1, 0, 0], strength: 2 }]);
    expect(f).toEqual({ kind: 'directional', position: [0, 0, 0], direction: [1, 0, 0], strength: 2, falloff: 'none', enabled: true });
    const [r] = validateForceFields([{ kind: 'radial', position: [1, 2, 3], strength: -1, radius: 0.5, falloff: 2.5, enabled: false }]);
    expect(r).toMatchObject({ kind: 'radial', position: [1, 2, 3], strength: -1, radius: 0.5, falloff: 2.5, enabled: false });
    // Infinity (what a script passes for "no radius") is unbounded too.
    expect(validateForceFields([{ kind: 'radial', position: [0, 0, 0], strength: 1, radius: Infinity }])[0].radius).toBeUndefined();
  });

  it('names the field and the allowed range', () => {
    expect(problems([{ kind: 'wind', direction: [1, 0, 0], strength: 1 }])).toEqual(['forces[0].kind must be one of "directional", "radial", "vortex" (got "wind")']);
    expect(problems([{ kind: 'directional', direction: [1, 0, 0], strength: 5000 }])).toEqual(['forces[0].strength must be a number in [-1000, 1000] (got 5000)']);
    expect(problems([{ kind: 'radial', position: [0, 0, 0], strength: 1, radius: 0 }])).toEqual(['forces[0].radius must be a number in (0, 1000000] (got 0)']);
    expect(problems([{ kind: 'radial', position: [0, 0, 0], strength: 1, falloff: 'cubic' }]))
      .toEqual(['forces[0].falloff must be "none", "linear", "smooth" or an exponent in [0, 16] (got "cubic")']);
    expect(problems([{ kind: 'radial', position: [0, 0, 0], strength: 1, falloff: 17 }])).toEqual(['forces[0].falloff (an exponent) must be a number in [0, 16] (got 17)']);
    expect(problems([{ kind: 'vortex', position: [0, 0, 0], direction: [0, 0, 0], strength: 1 }])).toEqual(['forces[0].direction must not be the zero vector (got [0,0,0])']);
    expect(problems([{ kind: 'vortex', direction: [0, 1, 0], strength: 1 }])).toEqual(['forces[0].position must be an array of 3 numbers [x, y, z]']);
    expect(problems([{ kind: 'directional', strength: 1 }])).toEqual(['forces[0].direction must be an array of 3 numbers [x, y, z]']);
    expect(problems([{ kind: 'radial', position: [0, 0, 0], strength: 1, enabled: 'yes' }])).toEqual(['forces[0].enabled must be true or false (got "yes")']);
    expect(problems([{ kind: 'radial', position: [0, 0, 0], strength: 1, strenght: 2 }]))
      .toEqual(['forces[0].strenght is not a known field (known: kind, position, direction, strength, radius, falloff, enabled)']);
    const many = Array.from({ length: 17 }, () => ({ kind: 'directional', direction: [0, 1, 0], strength: 1 }));
    expect(problems(many)).toEqual(['forces may hold at most 16 force fields (got 17)']);
  });

  it('scaleScene moves the centres and radii with the tank, not the strengths', () => {
    const scene = validateScene({ resolution: 8, cellSize: 0.125, liquid: [{ type: 'box', min: [0, 0, 0], max: [1, 0.5, 1] }],
      forces: [{ kind: 'radial', position: [0.5, 0.5, 0.5], strength: -3, radius: 0.25, falloff: 'smooth' }] });
    const scaled = scaleScene(scene, 2);
    expect(scaled.forces[0]).toEqual({ ...scene.forces[0], position: [1, 1, 1], radius: 0.5 });
  });

  it('a bad runtime field is refused with the field named; the previous fields stay and the liquid steps on', async () => {
    const solver = await make({ resolution: 8, cellSize: 0.1, gravity: [0, 0, 0], liquid: [{ type: 'sphere', center: [0.4, 0.4, 0.4], radius: 0.2 }],
      forces: [{ kind: 'directional', direction: [0, 1, 0], strength: 1 }] });
    const good: ForceFieldInput[] = [{ kind: 'radial', position: [0.4, 0.4, 0.4], strength: 2, radius: 0.3 }];
    solver.setRuntimeForceFields(good);
    expect(solver.forceFields.map((f) => f.kind)).toEqual(['directional', 'radial']);
    expect(() => solver.setRuntimeForceFields([{ kind: 'vortex', position: [0, 0, 0], direction: [0, 1, 0], strength: Number.NaN }]))
      .toThrow('forces[0].strength must be a number in [-1000, 1000] (got null)');
    // The scene holds one: 15 more fit, 16 do not.
    const sixteen = Array.from({ length: 16 }, (): ForceFieldInput => ({ kind: 'directional', direction: [1, 0, 0], strength: 1 }));
    expect(() => solver.setRuntimeForceFields(sixteen)).toThrow('forces may hold at most 15 force fields (got 16)');
    expect(solver.forceFields.map((f) => f.kind)).toEqual(['directional', 'radial']);
    solver.setRuntimeForceFields(sixteen.slice(1));
    expect(solver.forceFields).toHaveLength(16);
    solver.collectMetrics = true;
    await solver.step();
    const m = await solver.readMetrics();
    expect(m.frame).toBe(1);
    expect(Number.isFinite(m.maxSpeed) && m.maxSpeed > 0).toBe(true);
  });
});

describe('the addForceFields kernel', () => {
  // The kernel test grid of test/kernels.test.ts: sizes that are not multiples of the workgroup, an obstacle.
  const scene: SceneInput = {
    name: 'force-kernel', resolution: [9, 7, 6], cellSize: 0.1, gravity: [0.8, -9.81, 0.3],
    liquid: [{ type: 'box', min: [0, 0, 0], max: [0.9, 0.3, 0.6] }],
    obstacles: [{ type: 'sphere', center: [0.6, 0.15, 0.3], radius: 0.13 }],
  };
  const fields: ForceFieldInput[] = [
    { kind: 'directional', direction: [1, 2, -0.5], strength: 3 },
    { kind: 'directional', position: [0.2, 0.3, 0.3], direction: [0, 0, 1], strength: -2, radius: 0.35, falloff: 'smooth' },
    { kind: 'radial', position: [0.45, 0.2, 0.3], strength: -4, radius: 0.5, falloff: 'linear' },
    { kind: 'radial', position: [0.8, 0.5, 0.1], strength: 2.5, radius: 0.6, falloff: 1.7 },
    { kind: 'radial', position: [0.1, 0.1, 0.1], strength: 1 },
    { kind: 'vortex', position: [0.45, 0.3, 0.3], direction: [0.2, 1, 0.1], strength: 5, radius: 0.4, falloff: 'none' },
    { kind: 'vortex', position: [0.3, 0.35, 0.25], direction: [1, 0, 0], strength: -3, radius: 0.3, falloff: 3 },
    { kind: 'directional', direction: [0, -1, 0], strength: 100, enabled: false },
  ];

  it('matches the CPU reference with every kind and falloff (and changes the velocity)', async () => {
    const solver = await make(scene);
    solver.setRuntimeForceFields(fields);
    solver.uploadStepParams(DT);
    const ref = referenceFor(solver, DT);
    const phi = wavyPoolWithDrop(ref, { height: 0.33, amplitude: 0.06, kx: 7, kz: 5 }, { center: [0.6, 0.55, 0.35], radius: 0.11 });
    const solid = rasterizeObstacles(ref);
    const r = rng(5);
    const vel = Float32Array.from({ length: ref.faceCount }, () => 2 * r() - 1);
    upload(device, solver.fields.levelSet, phi);
    upload(device, solver.fields.solidLevelSet, solid);
    upload(device, solver.fields.velocity, vel);
    await runPass(device, (p) => solver.kernels.forces.addForceFields(p));
    const cpu = Float32Array.from(vel);
    addForceFields(ref, phi, solid, cpu, solver.forceFields);
    const gpu = await read(device, solver.fields.velocity, ref.faceCount);
    const d = maxDiff(gpu, cpu);
    // float32 against float64: the accelerations are O(10) m/s^2, dt 1/60.
    expect(d.abs, `max |gpu - cpu| = ${d.abs} at ${d.at}`).toBeLessThan(2e-6);
    expect(maxDiff(cpu, vel).abs, 'the fields changed the velocity').toBeGreaterThan(0.05);
    // Gravity is its own kernel, untouched by the fields.
    upload(device, solver.fields.velocity, vel);
    await runPass(device, (p) => solver.kernels.forces.addGravity(p));
    const gravityOnly = Float32Array.from(vel);
    addGravity(ref, phi, solid, gravityOnly);
    expect(maxDiff(await read(device, solver.fields.velocity, ref.faceCount), gravityOnly).abs).toBeLessThan(1e-6);
  });

  it('the falloffs are the documented formulas', () => {
    const f = (falloff: ForceFieldDescription['falloff']): ForceFieldDescription => ({ kind: 'radial', position: [0, 0, 0], direction: [0, 1, 0], strength: 1, radius: 2, falloff, enabled: true });
    expect(forceWeight(f('none'), 1.5)).toBe(1);
    expect(forceWeight(f('linear'), 0.5)).toBeCloseTo(0.75, 12);
    expect(forceWeight(f('smooth'), 1)).toBeCloseTo(0.5, 12);
    expect(forceWeight(f('smooth'), 0.5)).toBeCloseTo(1 - (3 * 0.0625 - 2 * 0.015625), 12);
    expect(forceWeight(f(2), 1)).toBeCloseTo(0.25, 12);
    for (const falloff of ['none', 'linear', 'smooth', 3] as const) expect(forceWeight(f(falloff), 2)).toBe(0);
    // Signs: positive radial pushes away, a positive vortex about +y turns +x toward -z.
    expect(forceFieldAcceleration(f('none'), [1, 0, 0])[0]).toBeCloseTo(1, 12);
    const vortex: ForceFieldDescription = { kind: 'vortex', position: [0, 0, 0], direction: [0, 1, 0], strength: 1, falloff: 'none', enabled: true };
    expect(forceFieldAcceleration(vortex, [1, 5, 0])).toEqual([0, 0, -1]);
  });
});

// ---- physics: 16^3, 1 m box, gravity 0, a few frames -------------------------------------------

const N = 16;
const H = 1 / N;

/** Smoothed Heaviside of the diagnostics (the liquid fraction of a cell). */
function liquidFraction(phi: number): number {
  const eps = 1.5 * H;
  if (phi >= eps) return 0;
  if (phi <= -eps) return 1;
  const x = -phi;
  return 0.5 * (1 + x / eps + Math.sin((Math.PI * x) / eps) / Math.PI);
}

function cellCentre(g: LiquidSolver['grid'], i: number, j: number, k: number): Vec3 {
  return [(i + 0.5) * g.cellSize, (j + 0.5) * g.cellSize, (k + 0.5) * g.cellSize];
}

/** Liquid-fraction-weighted means over the grid of the cell-centred velocity and of the fields' acceleration. */
async function liquidMeans(solver: LiquidSolver): Promise<{ velocity: Vec3; field: Vec3 }> {
  const [phi, cells] = await Promise.all([solver.readField('levelset'), solver.readCellVelocity()]);
  const g = solver.grid;
  const fields = solver.forceFields;
  let w = 0;
  const v: Vec3 = [0, 0, 0];
  const a: Vec3 = [0, 0, 0];
  for (let k = 0; k < g.nz; k++) for (let j = 0; j < g.ny; j++) for (let i = 0; i < g.nx; i++) {
    const c = g.cellIndex(i, j, k);
    const h = liquidFraction(phi[c]);
    if (h === 0) continue;
    const fa = totalForceAcceleration(fields, cellCentre(g, i, j, k));
    w += h;
    for (let q = 0; q < 3; q++) { v[q] += h * cells[3 * c + q]; a[q] += h * fa[q]; }
  }
  return { velocity: v.map((x) => x / w) as Vec3, field: a.map((x) => x / w) as Vec3 };
}

function weightless(liquid: SceneInput['liquid'], forces: ForceFieldInput[]): SceneInput {
  return { name: 'forces-physics', resolution: [N, N, N], cellSize: H, gravity: [0, 0, 0], liquid, forces };
}

/**
 * Steps `frames` frames; before each, the field's mean over the liquid as it is then (the liquid
 * moves a little) times dt is added to the expected gain. Returns the measured and expected mean
 * velocity after each frame.
 */
async function accelerate(solver: LiquidSolver, frames: number): Promise<{ measured: Vec3; expected: Vec3 }[]> {
  const out: { measured: Vec3; expected: Vec3 }[] = [];
  const expected: Vec3 = [0, 0, 0];
  const start = await liquidMeans(solver);
  let field = start.field;
  for (let f = 0; f < frames; f++) {
    for (let q = 0; q < 3; q++) expected[q] += field[q] * DT;
    await solver.step();
    const now = await liquidMeans(solver);
    out.push({ measured: now.velocity.map((v, q) => v - start.velocity[q]) as Vec3, expected: [...expected] });
    field = now.field;
  }
  return out;
}

const norm = (v: Vec3) => Math.hypot(...v);
const diff = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];

describe('force fields move the liquid (gravity 0, 16^3)', () => {
  const drop = [{ type: 'sphere' as const, center: [0.5, 0.5, 0.5] as Vec3, radius: 0.22 }];

  it('directional: liquid at rest gains a * t within 2% every frame', async () => {
    const a = 2;
    const dir: Vec3 = [1, 0.5, -0.25];
    const solver = await make(weightless(drop, [{ kind: 'directional', direction: dir, strength: a }]));
    const unit = dir.map((x) => x / norm(dir)) as Vec3;
    const rows = await accelerate(solver, 6);
    rows.forEach((r, f) => {
      const t = (f + 1) * DT;
      const exact = unit.map((u) => a * u * t) as Vec3;
      expect(r.expected[0]).toBeCloseTo(exact[0], 6);
      const error = norm(diff(r.measured, exact)) / (a * t);
      expect(error, `frame ${f + 1}: gained ${r.measured.map((x) => x.toFixed(5))}, a t = ${exact.map((x) => x.toFixed(5))}`).toBeLessThan(0.02);
    });
  });

  for (const [name, strength] of [['attracts', -3], ['repels', 3]] as const) {
    it(`radial ${name}: a drop beside the centre gains the mean field over it within 2%, ${name === 'attracts' ? 'toward' : 'away from'} the centre`, async () => {
      // The body force acts on every face touching liquid, the mean is weighted by the liquid
      // fraction: the two differ where the field changes across the drop's surface cells (a
      // 0.15 m drop under a falloff radius of 0.9 m differed by 1.8-2.3%), so the drop is
      // 4 cells in radius and the falloff gentle (w 0.9 to 0.65 across it).
      const centre: Vec3 = [0.15, 0.5, 0.5];
      const beside = [{ type: 'sphere' as const, center: [0.6, 0.5, 0.5] as Vec3, radius: 0.25 }];
      const solver = await make(weightless(beside, [{ kind: 'radial', position: centre, strength, radius: 2, falloff: 'linear' }]));
      const rows = await accelerate(solver, 6);
      const last = rows[rows.length - 1];
      // The field at the drop's centre sets the scale: |s| (1 - 0.45 / 2).
      expect(Math.abs(last.expected[0])).toBeGreaterThan(0.85 * Math.abs(strength) * (1 - 0.45 / 2) * 6 * DT);
      for (const [f, r] of rows.entries()) {
        const error = norm(diff(r.measured, r.expected)) / norm(r.expected);
        expect(error, `frame ${f + 1}: gained ${r.measured.map((x) => x.toFixed(5))}, expected ${r.expected.map((x) => x.toFixed(5))}`).toBeLessThan(0.02);
      }
      // toward the centre (-x) when attracting, away (+x) when repelling
      expect(Math.sign(last.measured[0])).toBe(Math.sign(strength));
    });
  }

  it('vortex: liquid at a probe radius turns about the axis at strength * w(rho) * t within 2%, counter-clockwise for positive strength', async () => {
    const strength = 3;
    const radius = 0.45;
    const axisPoint: Vec3 = [0.5, 0.5, 0.5];
    const solver = await make(weightless([{ type: 'sphere', center: axisPoint, radius: 0.3 }],
      [{ kind: 'vortex', position: axisPoint, direction: [0, 1, 0], strength, radius, falloff: 'linear' }]));
    const frames = 6;
    for (let f = 0; f < frames; f++) await solver.step();
    const [phi, cells] = await Promise.all([solver.readField('levelset'), solver.readCellVelocity()]);
    const g = solver.grid;
    // Probe: liquid cells (well inside the surface) whose centres are within half a cell of rho = 0.2.
    const probe = 0.2;
    let tangential = 0, radial = 0, expected = 0, count = 0;
    for (let k = 0; k < g.nz; k++) for (let j = 0; j < g.ny; j++) for (let i = 0; i < g.nx; i++) {
      const c = g.cellIndex(i, j, k);
      const [x, , z] = cellCentre(g, i, j, k);
      const rx = x - axisPoint[0], rz = z - axisPoint[2];
      const rho = Math.hypot(rx, rz);
      if (Math.abs(rho - probe) > H / 2 || phi[c] > -H) continue;
      // about +y, counter-clockwise: t = y x r / rho = (rz, 0, -rx) / rho
      tangential += (cells[3 * c] * rz - cells[3 * c + 2] * rx) / rho;
      radial += (cells[3 * c] * rx + cells[3 * c + 2] * rz) / rho;
      expected += strength * (1 - rho / radius) * frames * DT;
      count++;
    }
    expect(count).toBeGreaterThan(50);
    tangential /= count; radial /= count; expected /= count;
    expect(tangential, `tangential ${tangential}, expected ${expected}`).toBeGreaterThan(0);
    expect(Math.abs(tangential - expected) / expected, `tangential ${tangential}, expected ${expected}`).toBeLessThan(0.02);
    expect(Math.abs(radial) / expected, `radial ${radial}`).toBeLessThan(0.05);
  });
});
