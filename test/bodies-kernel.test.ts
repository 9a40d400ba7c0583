// Rigid bodies (issue 21): the GPU force reduction against its CPU reference on a 16^3 pool with
// a turned box, a sphere and a capsule moving through it; the readback ring (one buffer per
// frame for all bodies, never awaited by step()); the projected-area correction of force and
// torque (CPU); bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiquidSolver } from '../src/solver/liquid-solver';
import { validateScene } from '../src/scene/scene-validation';
import type { SceneInput, Vec3 } from '../src/scene/scene-description';
import { BODY_SUMS_LAYOUT, type MeasuredBody } from '../src/bodies/body-forces-pass';
import { BODY_READBACK_SLOTS, bodyForcesFromSums, type BodySumsValues } from '../src/bodies/liquid-bodies';
import { LiquidBody, type BodyState, type LiquidBodyOptions } from '../src/bodies/liquid-body';
import { bodyShapeProjectedAreas, type BodyShape } from '../src/bodies/body-shape';
import { measureBodies } from '../src/reference/reference-bodies';
import { readBuffer, readbackCount, readFloat32, readUint32 } from '../src/gpu/readback';
import { quatFromAxisAngle } from '../src/colliders/mesh-transform';
import { referenceFor, testGpu } from './helpers/gpu';

let device: GPUDevice;
const solvers: LiquidSolver[] = [];

beforeAll(async () => {
  device = (await testGpu()).device;
});

afterAll(() => {
  for (const s of solvers) s.destroy();
});

const pool: SceneInput = {
  name: 'bodies-pool', resolution: [16, 16, 16], cellSize: 1 / 16,
  liquid: [{ type: 'box', min: [0, 0, 0], max: [1, 0.5, 1] }],
  obstacles: [{ type: 'sphere', center: [0.1, 0.1, 0.1], radius: 0.06 }],
};

async function make(input: SceneInput): Promise<LiquidSolver> {
  const s = await LiquidSolver.create(device, validateScene(input));
  solvers.push(s);
  return s;
}

describe('body force reduction', () => {
  it('matches the CPU reference for a turned box, a sphere and a capsule', async () => {
    const solver = await make(pool);
    const box = solver.bodies.add({
      name: 'box', shape: { kind: 'box', halfExtents: [0.12, 0.09, 0.15] }, mass: 5,
      state: { position: [0.4, 0.48, 0.55], rotation: quatFromAxisAngle([0.3, 1, 0.2], 0.6), linearVelocity: [0.1, -0.2, 0], angularVelocity: [0, 0.5, 0.3] },
    });
    solver.bodies.add({
      name: 'sphere', shape: { kind: 'sphere', radius: 0.1 }, mass: 2,
      state: { position: [0.75, 0.3, 0.3], rotation: [0, 0, 0, 1], linearVelocity: [0, 0.1, 0], angularVelocity: [0, 0, 0] },
    });
    solver.bodies.add({
      name: 'capsule', shape: { kind: 'capsule', radius: 0.07, halfHeight: 0.1 }, mass: 2,
      state: { position: [0.7, 0.5, 0.75], rotation: quatFromAxisAngle([1, 0, 0], 1.1), linearVelocity: [0, 0, 0], angularVelocity: [1, 0, 0] },
    });
    for (let f = 0; f < 3; f++) await solver.step();
    await device.queue.onSubmittedWorkDone();
    const f = solver.fields;
    const n = solver.grid.cellCount;
    const [phi, solidPhi, solidId, pressure, velocity, results] = await Promise.all([
      readFloat32(device, f.levelSet, n), readFloat32(device, f.solidLevelSet, n), readUint32(device, f.solidId, n),
      readFloat32(device, f.pressure, n), readFloat32(device, f.velocity, solver.grid.faceCount),
      readBuffer(device, solver.kernels.bodies.results, 3 * BODY_SUMS_LAYOUT.stride),
    ]);
    const bodies: MeasuredBody[] = solver.bodies.bodies.map((b, i) => ({ shape: b.shape, gpu: b.solidShape(), solidId: 1 + 1 + i }));
    const cpu = measureBodies(referenceFor(solver, 1 / 60), { phi, solidPhi, solidId, pressure, velocity }, bodies);
    for (let i = 0; i < 3; i++) {
      const gpu = BODY_SUMS_LAYOUT.unpack(results, i * BODY_SUMS_LAYOUT.stride) as unknown as BodySumsValues;
      const ref = cpu[i];
      // Each body touches the liquid and its boundary is found on every axis.
      expect(ref.wettedArea).toBeGreaterThan(0);
      for (let a = 0; a < 3; a++) expect(ref.boundaryArea[a]).toBeGreaterThan(0);
      const forceScale = Math.hypot(...ref.force) + 1;
      for (let a = 0; a < 3; a++) {
        expect(Math.abs(gpu.force[a] - ref.force[a])).toBeLessThan(1e-4 * forceScale);
        for (const t of ['torqueX', 'torqueY', 'torqueZ'] as const) expect(Math.abs(gpu[t][a] - ref[t][a])).toBeLessThan(1e-4 * forceScale);
        expect(Math.abs(gpu.relativeVelocity[a] - ref.relativeVelocity[a])).toBeLessThan(1e-5 + 1e-4 * Math.abs(ref.relativeVelocity[a]));
        expect(gpu.boundaryArea[a]).toBeCloseTo(ref.boundaryArea[a], 5);
      }
      expect(gpu.wettedArea).toBeCloseTo(ref.wettedArea, 5);
    }
    // The box is half under water: the liquid pushes it up.
    expect(cpu[0].force[1]).toBeGreaterThan(0);
    expect(box.removed).toBe(false);
  });
});

describe('projected-area correction', () => {
  it('rescales each face axis\'s torque with that axis\'s force, so the lever arm of the force is kept', () => {
    const shape: BodyShape = { kind: 'box', halfExtents: [0.1, 0.05, 0.1] };
    const state: BodyState = { position: [0.5, 0.5, 0.5], rotation: [0, 0, 0, 1], linearVelocity: [0, 0, 0], angularVelocity: [0, 0, 0] };
    const body = new LiquidBody(1, { name: 'b', shape, mass: 1, dragCoefficient: 1, linearDrag: 0.25, addedMassCoefficient: 0.5, state }, () => {}, () => {});
    const exact = bodyShapeProjectedAreas(shape, state.rotation);
    // The grid saw 0.8 of the exact projected area across y and 1.25 of it across x: the
    // bottom's push (faces along y) is rescaled by 1.25, the side's (faces along x) by 0.8.
    const grid: Vec3 = [1.25 * exact[0], 0.8 * exact[1], exact[2]];
    const lift = 100;
    const side = 40;
    const armY: Vec3 = [0.03, 0, -0.02]; // where the bottom's push acts, from the centre
    const armX: Vec3 = [0, 0.02, 0.01];  // where the side's push acts
    const cross = (r: Vec3, f: Vec3): Vec3 => [r[1] * f[2] - r[2] * f[1], r[2] * f[0] - r[0] * f[2], r[0] * f[1] - r[1] * f[0]];
    const sums: BodySumsValues = {
      force: [side, lift, 0], torqueX: cross(armX, [side, 0, 0]), torqueY: cross(armY, [0, lift, 0]), torqueZ: [0, 0, 0],
      wettedArea: 0.1, relativeVelocity: [0, 0, 0], boundaryArea: [2 * grid[0], 2 * grid[1], 2 * grid[2]],
    };
    const f = bodyForcesFromSums(body, state.rotation, sums, [0, -9.81, 0], 1000, 0);
    expect(f.pressureForce[0]).toBeCloseTo(side * 0.8, 9);
    expect(f.pressureForce[1]).toBeCloseTo(lift * 1.25, 9);
    const expected = cross(armX, [side * 0.8, 0, 0]).map((v, c) => v + cross(armY, [0, lift * 1.25, 0])[c]);
    for (let c = 0; c < 3; c++) expect(f.pressureTorque[c]).toBeCloseTo(expected[c], 9);
    // The raw sum of the torques (what the driver applied before) differs: the test can fail.
    const raw = [0, 1, 2].map((c) => sums.torqueX[c] + sums.torqueY[c]);
    expect(Math.hypot(...[0, 1, 2].map((c) => f.pressureTorque[c] - raw[c]))).toBeGreaterThan(0.1);
  });
});

describe('added mass', () => {
  it('a body crossing the surface heaves with its waterplane\'s added mass and sways with C_a density V f', () => {
    const shape: BodyShape = { kind: 'box', halfExtents: [0.12, 0.06, 0.12] };
    const state: BodyState = { position: [0.5, 0.3, 0.2], rotation: [0, 0, 0, 1], linearVelocity: [0, 0, 0], angularVelocity: [0, 0, 0] };
    const density = 1000;
    const volume = 8 * 0.12 * 0.06 * 0.12;
    const m = 0.1 * density * volume;
    const body = new LiquidBody(1, { name: 'cork', shape, mass: m, dragCoefficient: 1, linearDrag: 0.25, addedMassCoefficient: 0.5, state }, () => {}, () => {});
    const g = 9.81;
    // A reading 10 N over the weight upwards and 5 N along x, a tenth under water, no flow.
    const reading = {
      frame: 1, pressureForce: [5, m * g + 10, 0] as Vec3, pressureTorque: [0, 0, 0] as Vec3, dragForce: [0, 0, 0] as Vec3,
      wettedArea: 0.07, relativeVelocity: [0, 0, 0] as Vec3, submergedFraction: 0.1,
    };
    body.receive(reading, 1e9, state);
    const { force } = body.appliedForces([0, -g, 0], density, 1 / 60);
    // The engine's m a = F + m g.
    const a = [force[0] / m, force[1] / m - g, force[2] / m];
    const heave = 0.5 * density * (8 / 3) * Math.sqrt((0.24 * 0.24) / Math.PI) ** 3;
    const sway = 0.5 * density * volume * 0.1;
    expect(heave).toBeGreaterThan(4 * m); // the flat box's waterplane pushes far more than its submerged volume
    expect(a[1]).toBeCloseTo(10 / (m + heave), 9);
    expect(a[0]).toBeCloseTo(5 / (m + sway), 9);
    expect(a[2]).toBeCloseTo(0, 12);
    // Deep under water (readings of fraction 1; the filter's fraction reaches 1 - 0.9 / 2^6 > 0.98) the heave uses C_a density V f too.
    for (let i = 0; i < 6; i++) body.receive({ ...reading, submergedFraction: 1 }, 1e9, state);
    const deep = body.appliedForces([0, -g, 0], density, 1 / 60).force;
    expect(deep[1] / m - g).toBeCloseTo(10 / (m + 0.5 * density * volume * (1 - 0.9 / 64)), 9);
  });
});

describe('body readbacks', () => {
  it('one readback per measured frame for all bodies, step() never waits for one, readings arrive 1-2 frames late', async () => {
    const solver = await make(pool);
    const bodies = [0.3, 0.5, 0.7].map((x) => solver.bodies.add({
      shape: { kind: 'sphere', radius: 0.08 }, mass: 1,
      state: { position: [x, 0.5, 0.5], rotation: [0, 0, 0, 1], linearVelocity: [0, 0, 0], angularVelocity: [0, 0, 0] },
    }));
    const before = readbackCount();
    const frames = 8;
    let maxPending = 0;
    for (let i = 0; i < frames; i++) {
      await solver.step();
      maxPending = Math.max(maxPending, solver.bodies.pendingReadbacks);
      // The ring never holds more than its slots, whatever the GPU's pace.
      expect(solver.bodies.pendingReadbacks).toBeLessThanOrEqual(BODY_READBACK_SLOTS);
    }
    const c = solver.bodies.counters;
    expect(c.measuredFrames + c.skippedFrames).toBe(frames);
    // One readback per measured frame, whatever the number of bodies.
    expect(readbackCount() - before).toBe(c.measuredFrames);
    expect(maxPending).toBeGreaterThan(0);
    await device.queue.onSubmittedWorkDone();
    for (let i = 0; i < 20 && solver.bodies.pendingReadbacks > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(c.deliveredReadings).toBe(3 * c.measuredFrames);
    for (const b of bodies) {
      expect(b.forces).not.toBeNull();
      expect(b.forces!.frame).toBeLessThanOrEqual(solver.frame);
      expect(b.forces!.pressureForce[1]).toBeGreaterThan(0);
    }
  });

  it('refuses bad bodies naming the field; a bad state is ignored with a warning and the liquid steps on', async () => {
    const solver = await make(pool);
    const ok: LiquidBodyOptions = { shape: { kind: 'box', halfExtents: [0.1, 0.1, 0.1] }, mass: 1 };
    expect(() => solver.bodies.add({ ...ok, mass: -1 })).toThrow(/mass must be a finite number > 0/);
    expect(() => solver.bodies.add({ ...ok, shape: { kind: 'box', halfExtents: [0.1, 0, 0.1] } })).toThrow(/shape\.halfExtents must be three finite numbers > 0/);
    expect(() => solver.bodies.add({ ...ok, shape: { kind: 'cone' } as never })).toThrow(/shape\.kind must be 'box', 'sphere' or 'capsule'/);
    expect(() => solver.bodies.add({ ...ok, shape: { kind: 'capsule', radius: 0.1, halfHeight: -1 } })).toThrow(/shape\.halfHeight must be a finite number >= 0/);
    expect(() => solver.bodies.add({ ...ok, dragCoefficient: 20 })).toThrow(/dragCoefficient must be a number in \[0, 10\]/);
    expect(solver.bodies.bodies.length).toBe(0);
    const body = solver.bodies.add({ ...ok, state: { position: [0.5, 0.5, 0.5], rotation: [0, 0, 0, 1], linearVelocity: [0, 0, 0], angularVelocity: [0, 0, 0] } });
    const warnings: string[] = [];
    solver.bodies.onWarning = (m) => warnings.push(m);
    body.setState({ position: [Number.NaN, 0.5, 0.5], rotation: [0, 0, 0, 1], linearVelocity: [0, 0, 0], angularVelocity: [0, 0, 0] });
    body.setState({ position: [0.5, 0.5, 0.5], rotation: [0, 0, 0, 0], linearVelocity: [0, 0, 0], angularVelocity: [0, 0, 0] });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/"body 1": state\.position must be three finite numbers/);
    expect(warnings[1]).toMatch(/state\.rotation must be a non-zero quaternion/);
    expect(body.state.position).toEqual([0.5, 0.5, 0.5]);
    await solver.step();
    body.remove();
    expect(solver.bodies.bodies.length).toBe(0);
    await solver.step();
    solver.collectMetrics = true;
    await solver.step();
    const m = await solver.readMetrics();
    expect(Number.isFinite(m.volume)).toBe(true);
    expect(m.repairedValues).toBe(0);
  });
});
