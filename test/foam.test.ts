// Whitewater foam (src/foam/, shaders/foam/foam.wgsl): the kernel against its CPU reference on a
// small grid, then the physics: a pool at rest makes exactly no foam, a dam break makes foam
// once its front hits the far wall, foam on calm water decays to exactly zero, and off is off
// (no pass recorded, nothing drawn from it: the renderer side is test/foam-browser.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuWorkCounter } from '../src/bench/gpu-work-counter';
import { DEFAULT_FOAM_SETTINGS, resolveFoamSettings } from '../src/foam/foam-settings';
import { referenceFoamUpdate } from '../src/reference/reference-foam';
import type { ReferenceGrid } from '../src/reference/reference-grid';
import { presetScene } from '../src/scene/presets';
import { validateScene } from '../src/scene/scene-validation';
import { LiquidSolver } from '../src/solver/liquid-solver';
import { maxDiff, read, referenceFor, rng, runPass, testGpu, upload, wavyPoolWithDrop } from './helpers/gpu';

const DT = 1 / 60;
let device: GPUDevice;

beforeAll(async () => {
  device = (await testGpu()).device;
});

const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
const max = (a: Float32Array) => a.reduce((m, v) => Math.max(m, v), 0);

describe('foam kernel', () => {
  let solver: LiquidSolver;
  let ref: ReferenceGrid;
  beforeAll(async () => {
    // Sizes that are not multiples of the workgroup edge; 0.1 m cells.
    solver = await LiquidSolver.create(device, validateScene({
      name: 'foam-kernel', resolution: [11, 9, 10], cellSize: 0.1, liquid: [{ type: 'box', min: [0, 0, 0], max: [1.1, 0.4, 1] }],
    }), { foam: true });
    solver.uploadStepParams(DT);
    ref = referenceFor(solver, DT);
  });
  afterAll(() => solver?.destroy());

  /** A wavy pool and a drop, a swirling velocity up to about 4 m/s: crests, jumps and calm parts. */
  function inputs(seed: number) {
    const phi = wavyPoolWithDrop(ref, { height: 0.42, amplitude: 0.1, kx: 6, kz: 4 }, { center: [0.6, 0.7, 0.45], radius: 0.15 });
    const r = rng(seed);
    const a = Array.from({ length: 6 }, () => 2 * r() - 1);
    const velocity = new Float32Array(ref.faceCount);
    ref.forFaces((axis, i, j, k, idx) => {
      const x = (i + (axis === 0 ? 0 : 0.5)) * ref.h, y = (j + (axis === 1 ? 0 : 0.5)) * ref.h, z = (k + (axis === 2 ? 0 : 0.5)) * ref.h;
      velocity[idx] = 3 * a[axis] * Math.sin(5 * x + 4 * y * a[3]) + 1.5 * a[axis + 3] * Math.cos(6 * z - 3 * x);
    });
    return { phi, velocity };
  }

  it.each([['no foam before', 0], ['random foam before', 1]] as const)('updateFoam matches the reference (%s)', async (_name, withFoam) => {
    const { phi, velocity } = inputs(7 + withFoam);
    const r = rng(99);
    const before = Float32Array.from({ length: ref.cellCount }, () => withFoam * r());
    upload(device, solver.fields.levelSet, phi);
    upload(device, solver.fields.velocity, velocity);
    upload(device, solver.foam.buffer, before);
    await runPass(device, (p) => solver.foam.encode(p));
    const gpu = await read(device, solver.foam.buffer, ref.cellCount);
    const cpu = referenceFoamUpdate({ dims: ref.dims, cellSize: ref.h, dt: DT }, DEFAULT_FOAM_SETTINGS, phi, velocity, before);
    const d = maxDiff(gpu, cpu);
    expect(d.abs, `max |gpu - cpu| = ${d.abs} at ${d.at} (gpu ${gpu[d.at]}, cpu ${cpu[d.at]})`).toBeLessThanOrEqual(1e-5);
    // The inputs exercise every branch: foam made, foam outside the band removed, cells left at 0.
    const band = DEFAULT_FOAM_SETTINGS.bandCells * ref.h;
    let made = 0, removed = 0, zero = 0;
    for (let i = 0; i < ref.cellCount; i++) {
      if (Math.abs(phi[i]) > band) { removed += before[i] > 0 ? 1 : 0; expect(cpu[i]).toBe(0); }
      else if (cpu[i] > before[i]) made++;
      if (cpu[i] === 0) zero++;
    }
    expect(made).toBeGreaterThan(10);
    expect(zero).toBeGreaterThan(10);
    if (withFoam) expect(removed).toBeGreaterThan(10);
  });

  it('bad settings are refused with the field and its range', () => {
    expect(() => solver.foam.configure({ lifetime: 0 })).toThrow(/foam\.lifetime must be a number in \[0\.01, 60\] s, got 0/);
    expect(() => resolveFoamSettings({ minSpeed: 3, fullSpeed: 2 })).toThrow(/foam\.fullSpeed .* must be greater than foam\.minSpeed/);
    expect(() => resolveFoamSettings({ emissionRate: Number.NaN })).toThrow(/foam\.emissionRate/);
  });
});

describe('foam physics (16^3)', () => {
  it('a pool at rest makes exactly no foam', async () => {
    const solver = await LiquidSolver.create(device, presetScene('rest', 16), { foam: true });
    try {
      for (let f = 0; f < 30; f++) await solver.step();
      expect(max(await solver.foam.read())).toBe(0);
    } finally {
      solver.destroy();
    }
  });

  it('a dam break makes foam when its front hits the far wall', async () => {
    const solver = await LiquidSolver.create(device, presetScene('dam-break', 16), { foam: true });
    try {
      const totals: number[] = [];
      let front = 0;
      let impactFrame = -1;
      for (let f = 0; f < 45; f++) {
        await solver.step();
        totals.push(sum(await solver.foam.read()));
        // The front: the largest x of a liquid cell on the floor row (y = 0, z in the middle).
        const phi = await solver.readField('levelset');
        front = 0;
        for (let i = 0; i < 16; i++) if (phi[i + 16 * (0 + 16 * 8)] < 0) front = i;
        if (impactFrame < 0 && front === 15) impactFrame = solver.frame;
      }
      console.log(`dam break 16^3: front at the far wall from frame ${impactFrame}; foam total per frame: ${totals.map((t) => t.toFixed(2)).join(' ')}`);
      expect(impactFrame).toBeGreaterThan(0);
      expect(totals[totals.length - 1]).toBeGreaterThan(0);
      // More foam after the impact than before it.
      expect(Math.max(...totals.slice(impactFrame))).toBeGreaterThan(Math.max(...totals.slice(0, impactFrame)));
    } finally {
      solver.destroy();
    }
  });

  it('foam on calm water decays to exactly zero in its lifetime', async () => {
    const lifetime = 0.25;
    const solver = await LiquidSolver.create(device, presetScene('rest', 16), { foam: { lifetime } });
    try {
      await solver.step();
      upload(device, solver.foam.buffer, new Float32Array(16 ** 3).fill(1));
      const totals: number[] = [];
      const frames = Math.ceil(lifetime / DT) + 1;
      for (let f = 0; f < frames; f++) {
        await solver.step();
        totals.push(sum(await solver.foam.read()));
      }
      expect(totals[0]).toBeGreaterThan(0);
      for (let f = 1; f < frames; f++) expect(totals[f], `frame ${f}`).toBeLessThanOrEqual(totals[f - 1]);
      expect(totals[frames - 1]).toBe(0);
    } finally {
      solver.destroy();
    }
  });

  it('off is off: no foam pass is recorded, and turning it on starts from no foam', async () => {
    const counter = GpuWorkCounter.install(device);
    const solver = await LiquidSolver.create(device, presetScene('dam-break', 16));
    try {
      expect(solver.foam.enabled).toBe(false);
      counter.begin();
      await solver.step();
      const off = counter.end();
      expect(off.byPass.foam).toBeUndefined();
      upload(device, solver.foam.buffer, new Float32Array(16 ** 3).fill(0.5));
      solver.foam.enabled = true;
      counter.begin();
      await solver.step();
      const on = counter.end();
      expect(on.byPass.foam?.dispatches).toBe(1);
      // The stale 0.5 was cleared: what is there now was made in this one step.
      expect(max(await solver.foam.read())).toBeLessThan(0.5);
    } finally {
      solver.destroy();
      counter.uninstall();
    }
  });
});
