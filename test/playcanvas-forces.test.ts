// The PlayCanvas side of force fields and detectors, in Node (PlayCanvas entities need no
// graphics device for their transforms): liquidForce sources anywhere in the scene become
// force fields in the liquid's frame, world-space detector regions follow the liquid entity, and
// together on a real solver (SwiftShader) a wind blowing along world +x moves a rotated tank's
// liquid along world +x at a*t, as a world-space detector reads it.
import * as pc from 'playcanvas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForceFieldTracker, registerLiquidForce, type LiquidForceSource } from '../plugin/force-field-tracker';
import { LiquidWatchers } from '../plugin/liquid-watchers';
import { LiquidSolver } from '../src/solver/liquid-solver';
import { validateScene } from '../src/scene/scene-validation';
import type { DetectorReading, Vec3 } from '../src/index';
import { testGpu } from './helpers/gpu';

/** Entities outside an application (Node): the transform code needs none; the stand-in silences PlayCanvas's "no application" assert. */
const noApp = {} as pc.AppBase;
const entity = (name: string) => new pc.Entity(name, noApp);

/** A liquidForce script as the tracker sees it (the script itself needs a running app). */
function forceSource(entity: pc.Entity, attrs: Partial<LiquidForceSource> & { enabled?: boolean }): LiquidForceSource {
  return { entity, enabled: true, kind: 'directional', strength: 5, radius: 1, falloff: 'linear', falloffExponent: 2, liquid: null, ...attrs };
}

/** A tank entity at (10, 0, -4), turned 90 degrees about world +y: its local +x is world -z. */
function tank(): pc.Entity {
  const root = entity('root');
  const liquid = entity('tank');
  root.addChild(liquid);
  liquid.setPosition(10, 0, -4);
  liquid.setEulerAngles(0, 90, 0);
  return liquid;
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, digits = 5) => {
  for (let i = 0; i < b.length; i++) expect(a[i], `[${i}] of ${Array.from(a)}`).toBeCloseTo(b[i], digits);
};

describe('ForceFieldTracker', () => {
  it('turns liquidForce sources anywhere in the scene into fields in the liquid frame', () => {
    const app = {};
    const liquid = tank();
    const elsewhere = entity('elsewhere');
    const wind = entity('wind');
    elsewhere.addChild(wind);
    wind.setPosition(10, 1, -5);          // local: 1 m along local +x (world -z), 1 m up
    wind.lookAt(11, 1, -5);               // forward along world +x = local +z
    const swirl = entity('swirl');
    swirl.setPosition(10, 0.5, -4);
    swirl.setEulerAngles(90, 0, 0);       // up (+y) turned to world +z = local -x
    const mine = entity('mine');
    mine.setPosition(10, 0, -4);          // the tank's origin
    const sources = [
      forceSource(wind, { kind: 'directional', strength: 3, radius: 0 }),
      forceSource(swirl, { kind: 'vortex', strength: -2, radius: 0.8, falloff: 'power', falloffExponent: 3 }),
      forceSource(entity('off'), { enabled: false }),
      forceSource(entity('other-liquid'), { liquid: entity('another tank') }),
      forceSource(mine, { kind: 'radial', liquid, falloff: 'smooth' }),
    ];
    const unregister = sources.map((s) => registerLiquidForce(app, s));
    const tracker = new ForceFieldTracker(app, liquid);
    const warnings: string[] = [];
    const first = tracker.update((m) => warnings.push(m));
    expect(warnings).toEqual([]);
    expect(first.changed).toBe(true);
    expect(first.fields.map((f) => f.kind)).toEqual(['directional', 'vortex', 'radial']);
    const [w, v, r] = first.fields;
    close(w.position!, [1, 1, 0]);
    close(w.direction!, [0, 0, 1]);
    expect(w).toMatchObject({ strength: 3, falloff: 'linear', enabled: true });
    expect(w.radius).toBeUndefined();
    close(v.position!, [0, 0.5, 0]);
    close(v.direction!, [-1, 0, 0]);
    expect(v).toMatchObject({ strength: -2, radius: 0.8, falloff: 3 });
    close(r.position!, [0, 0, 0]);
    expect(r.falloff).toBe('smooth');
    // Nothing moved: unchanged. A moved force: changed.
    expect(tracker.update(() => undefined).changed).toBe(false);
    wind.setPosition(10, 2, -5);
    expect(tracker.update(() => undefined).changed).toBe(true);
    unregister.forEach((u) => u());
    expect(tracker.update(() => undefined)).toEqual({ fields: [], changed: true });
  });

  it('leaves out a force that fails validation, naming the entity and the field, and those beyond the room', () => {
    const app = {};
    const liquid = tank();
    registerLiquidForce(app, forceSource(entity('too strong'), { strength: 5000 }));
    registerLiquidForce(app, forceSource(entity('bad falloff'), { falloff: 'power', falloffExponent: 40 }));
    for (let n = 0; n < 3; n++) registerLiquidForce(app, forceSource(entity(`ok ${n}`), {}));
    const warnings: string[] = [];
    const { fields } = new ForceFieldTracker(app, liquid).update((m) => warnings.push(m), 2);
    expect(fields).toHaveLength(2);
    expect(warnings).toEqual([
      "latent-liquid: liquidForce 'too strong'.strength must be a number in [-1000, 1000] (got 5000); the force is ignored",
      "latent-liquid: liquidForce 'bad falloff'.falloff (an exponent) must be a number in [0, 16] (got 40); the force is ignored",
      "latent-liquid: at most 16 force fields act on a liquid (with its scene's); liquidForce 'ok 2' and later ones are ignored",
    ]);
  });
});

describe('forces and detectors through the PlayCanvas layer, on a solver', () => {
  let device: GPUDevice;
  const solvers: LiquidSolver[] = [];
  beforeAll(async () => { device = (await testGpu()).device; });
  afterAll(() => { for (const s of solvers) s.destroy(); });

  async function make(): Promise<LiquidSolver> {
    // 1 m tank at 16^3, weightless, a ball of liquid in the middle.
    const s = await LiquidSolver.create(device, validateScene({ name: 'pc-forces', resolution: [16, 16, 16], cellSize: 1 / 16, gravity: [0, 0, 0],
      liquid: [{ type: 'sphere', center: [0.5, 0.5, 0.5], radius: 0.25 }] }));
    solvers.push(s);
    return s;
  }

  /** Steps until every watcher has the reading of the last frame. */
  async function stepFrames(solver: LiquidSolver, frames: number, readings: DetectorReading[][]): Promise<void> {
    for (let f = 0; f < frames; f++) {
      await solver.step();
      await device.queue.onSubmittedWorkDone();
    }
    while (readings.some((r) => r[r.length - 1]?.frame !== solver.frame)) await new Promise((r) => setImmediate(r));
  }

  it('a world +x wind moves a turned tank\'s liquid along world +x at a*t; world and local detectors agree', async () => {
    const app = {};
    const liquid = tank();
    const wind = entity('wind');
    wind.setPosition(0, 0, 0);
    wind.lookAt(1, 0, 0);
    const a = 2;
    registerLiquidForce(app, forceSource(wind, { kind: 'directional', strength: a, radius: 0 }));
    const solver = await make();
    const tracker = new ForceFieldTracker(app, liquid);
    solver.setRuntimeForceFields(tracker.update(() => undefined).fields);
    const watchers = new LiquidWatchers(liquid);
    const world: DetectorReading[] = [];
    const local: DetectorReading[] = [];
    // The tank's centre (0.5, 0.5, 0.5) is at world (10.5, 0.5, -4.5); a world box of 0.6 m around it,
    // and the same box in the liquid's frame (a 90-degree turn maps the cube onto itself).
    watchers.watch({ type: 'box', min: [10.2, 0.2, -4.8], max: [10.8, 0.8, -4.2] }, (r) => world.push(r), { space: 'world' });
    watchers.watch({ type: 'box', min: [0.2, 0.2, 0.2], max: [0.8, 0.8, 0.8] }, (r) => local.push(r));
    watchers.attach(solver);
    watchers.update();
    const frames = 4;
    await stepFrames(solver, frames, [world, local]);
    const t = frames / 60;
    const w = world[world.length - 1];
    const l = local[local.length - 1];
    expect(w.regionCells).toBe(l.regionCells);
    expect(w.volume).toBeCloseTo(l.volume, 9);
    // World +x is the tank's local +z.
    close(w.meanVelocity, [a * t, 0, 0], 4);
    close(l.meanVelocity, [0, 0, a * t], 4);

    // A rebuilt liquid (a new solver) keeps the watchers; readings start again at frame 1.
    const rebuilt = await make();
    watchers.detach();
    watchers.attach(rebuilt);
    const before = world.length;
    await stepFrames(rebuilt, 1, [world, local]);
    expect(world.length).toBe(before + 1);
    expect(world[world.length - 1].frame).toBe(1);
    // No forces on the new solver: the liquid is at rest.
    expect(Math.hypot(...(world[world.length - 1].meanVelocity as Vec3))).toBeLessThan(1e-4);
  });

  it('a world-space region follows the liquid entity as it moves', async () => {
    const liquid = tank();
    const solver = await make();
    const watchers = new LiquidWatchers(liquid);
    watchers.attach(solver);
    const seen: DetectorReading[] = [];
    // A sphere of 0.2 m around the tank's centre in world space (inside the ball of liquid).
    watchers.watch({ type: 'sphere', center: [10.5, 0.5, -4.5], radius: 0.2 }, (r) => seen.push(r), { space: 'world' });
    watchers.update();
    await stepFrames(solver, 1, [seen]);
    const centred = seen[0];
    expect(centred.liquidCells).toBe(centred.regionCells); // inside the ball of liquid
    // Move the tank 0.5 m up: the world sphere now sits at the tank's local y = 0 (half outside the grid, no liquid).
    liquid.setPosition(10, 0.5, -4);
    watchers.update();
    await stepFrames(solver, 1, [seen]);
    const moved = seen[seen.length - 1];
    expect(moved.regionCells).toBeLessThan(centred.regionCells * 0.6);
    expect(moved.liquidCells).toBe(0);
  });
});
