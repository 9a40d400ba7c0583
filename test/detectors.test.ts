// Detectors (issue 20, part 4): region validation and limits, the GPU reduction against its
// CPU reference, readings equal to counts from a dumped level set, and the readback ring: the
// frame never waits for it, full rings skip frames, removal inside a callback is safe.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LiquidSolver } from '../src/solver/liquid-solver';
import type { SceneInput, Vec3 } from '../src/scene/scene-description';
import { resolveRegion, type DetectorRegion } from '../src/detectors/detector-region';
import { DETECTOR_SUMS_LAYOUT, MAX_DETECTORS } from '../src/detectors/detectors-pass';
import { DETECTOR_READBACK_SLOTS, type DetectorReading } from '../src/detectors/liquid-detectors';
import { measureDetectors } from '../src/reference/reference-detectors';
import { rasterizeObstacles } from '../src/reference/reference-shapes';
import { readbackCount } from '../src/gpu/readback';
import { dumpFrame, frameTag } from '../src/node/field-dump';
import { readNpy } from '../src/node/npy';
import { readBuffer } from '../src/gpu/readback';
import { referenceFor, rng, runPass, useTestSolvers, upload, wavyPoolWithDrop } from './helpers/gpu';

let device: GPUDevice;
const make = useTestSolvers((d) => { device = d; });

/** A dam break in a 1 m tank at 16^3 with a sphere obstacle in the way. */
const damBreak: SceneInput = {
  name: 'detector-dam-break', resolution: [16, 16, 16], cellSize: 1 / 16,
  liquid: [{ type: 'box', min: [0, 0, 0], max: [0.35, 0.6, 1] }],
  obstacles: [{ type: 'sphere', center: [0.55, 0.1, 0.5], radius: 0.12 }],
};

/** Resolves with the first reading `matches` accepts (the test's frames decide when it comes). */
function nextReading(solver: LiquidSolver, region: DetectorRegion, matches: (r: DetectorReading) => boolean): Promise<DetectorReading> {
  return new Promise((resolve) => {
    const handle = solver.watch(region, (r) => {
      if (!matches(r)) return;
      handle.remove();
      resolve(r);
    });
  });
}

describe('detector input', () => {
  it('names the region field and the allowed range; nothing is registered and the liquid steps on', async () => {
    const solver = await make(damBreak);
    const cb = () => undefined;
    expect(() => solver.watch({ type: 'sphere', center: [0.5, 0.5, 0.5], radius: -1 }, cb)).toThrow('region.radius must be a number in (0, 1000000] (got -1)');
    expect(() => solver.watch({ type: 'box', min: [0, 0, 0], max: [1, 0, 1] }, cb)).toThrow('region.max[1] must be greater than region.min[1] = 0 (got 0)');
    expect(() => solver.watch({ kind: 'box', center: [0.5, 0.5, 0.5], halfExtents: [0.1, 0, 0.1] }, cb)).toThrow('region.halfExtents[1] must be a number in (0, 1000000] (got 0)');
    expect(() => solver.watch({ kind: 'box', center: [0.5, 0.5, 0.5], halfExtents: [0.1, 0.1, 0.1], rotation: [0, 0, 0, 0] }, cb))
      .toThrow('region.rotation must be a non-zero quaternion [x, y, z, w]');
    expect(() => solver.watch({ kind: 'cone' } as unknown as DetectorRegion, cb)).toThrow('region.kind must be "box" or "sphere"');
    expect(() => solver.watch({ type: 'sphere', center: [0.5, Number.NaN, 0.5], radius: 0.1 }, cb)).toThrow('region.center[1] must be a number in [-1000000, 1000000] (got null)');
    expect(() => solver.watch({ type: 'sphere', center: [0.5, 0.5, 0.5], radius: 0.1 }, 'cb' as unknown as () => void)).toThrow('watch: callback must be a function');
    expect(solver.detectors.count).toBe(0);
    const handle = solver.watch({ type: 'sphere', center: [0.5, 0.5, 0.5], radius: 0.2 }, cb);
    expect(() => handle.setRegion({ type: 'sphere', center: [0.5, 0.5, 0.5], radius: 0 })).toThrow('region.radius must be a number in (0, 1000000] (got 0)');
    expect(handle.region).toEqual({ type: 'sphere', center: [0.5, 0.5, 0.5], radius: 0.2 });
    handle.remove();
    await solver.step();
    expect(solver.frame).toBe(1);
  });

  it('holds at most 16 detectors, the length of DetectorList.regions in detectors.wgsl', async () => {
    expect(MAX_DETECTORS).toBe(16);
    const solver = await make(damBreak);
    const handles = Array.from({ length: MAX_DETECTORS }, () => solver.watch({ type: 'sphere', center: [0.5, 0.5, 0.5], radius: 0.2 }, () => undefined));
    expect(() => solver.watch({ type: 'sphere', center: [0.5, 0.5, 0.5], radius: 0.2 }, () => undefined)).toThrow('watch: at most 16 detectors at once');
    handles[3].remove();
    expect(handles[3].removed).toBe(true);
    solver.watch({ type: 'sphere', center: [0.5, 0.5, 0.5], radius: 0.2 }, () => undefined);
    expect(solver.detectors.count).toBe(16);
  });
});

describe('the detector kernels', () => {
  const regions: DetectorRegion[] = [
    { type: 'box', min: [0.1, 0.05, 0.1], max: [0.7, 0.45, 0.5], rotation: [10, 35, -20] },
    { type: 'sphere', center: [0.6, 0.5, 0.35], radius: 0.18 },
    { kind: 'box', center: [0.45, 0.3, 0.3], halfExtents: [0.3, 0.12, 0.2], rotation: [0.2, -0.4, 0.1, 0.9] },
    { type: 'box', min: [-0.5, -0.5, 0.2], max: [0.3, 0.2, 2] },          // partly outside the grid
    { kind: 'sphere', center: [5, 5, 5], halfExtents: [0.5, 0, 0] },     // wholly outside: no cell
    { type: 'sphere', center: [0.45, 0.35, 0.3], radius: 3 },             // every cell
  ];

  async function compare(scene: SceneInput, seed: number): Promise<void> {
    const solver = await make(scene);
    solver.uploadStepParams(1 / 60);
    const ref = referenceFor(solver, 1 / 60);
    const size: Vec3 = [ref.nx * ref.h, ref.ny * ref.h, ref.nz * ref.h];
    const phi = wavyPoolWithDrop(ref, { height: 0.45 * size[1], amplitude: 0.1 * size[1], kx: 7, kz: 5 }, { center: [0.6 * size[0], 0.75 * size[1], 0.4 * size[2]], radius: 0.15 * size[1] });
    const solid = rasterizeObstacles(ref);
    const r = rng(seed);
    const vel = Float32Array.from({ length: ref.faceCount }, () => 2 * r() - 1);
    upload(device, solver.fields.levelSet, phi);
    upload(device, solver.fields.solidLevelSet, solid);
    upload(device, solver.fields.velocity, vel);
    solver.kernels.detectors.setRegions(regions.map(resolveRegion));
    await runPass(device, (p) => solver.kernels.detectors.measure(p));
    const data = await readBuffer(device, solver.kernels.detectors.results, regions.length * DETECTOR_SUMS_LAYOUT.stride);
    const cpu = measureDetectors(ref, phi, solid, vel, regions);
    // Vulkan lets sin() err by 2^-11 in [-pi, pi] (SwiftShader uses that room), so H(-phi) =
    // 0.5 (1 + x/eps + sin(pi x/eps)/pi) may err by 2^-12/pi in each cell within eps of the
    // surface: count those cells per region (a level set that is liquid exactly there).
    const eps = 1.5 * ref.h;
    const nearSurface = measureDetectors(ref, phi.map((p) => (Math.abs(p) < eps ? -1 : 1)), solid, vel, regions).map((c) => c.liquidCells);
    cpu.forEach((c, n) => {
      const g = DETECTOR_SUMS_LAYOUT.unpack(data, n * DETECTOR_SUMS_LAYOUT.stride);
      const at = `region ${n}`;
      const bound = 1e-5 * Math.max(1, c.liquidFraction) + (2 ** -12 / Math.PI) * nearSurface[n];
      expect(g.regionCells, at).toBe(c.regionCells);
      expect(g.liquidCells, at).toBe(c.liquidCells);
      expect(Math.abs((g.liquidFraction as number) - c.liquidFraction), at).toBeLessThanOrEqual(bound);
      // |v| < 1 in every cell: the same bound.
      (g.weightedVelocity as number[]).forEach((v, a) => expect(Math.abs(v - c.weightedVelocity[a]), at).toBeLessThanOrEqual(bound));
    });
    // The regions are not trivial: some cells, some liquid, some empty, the last every non-solid cell.
    expect(cpu[0].regionCells).toBeGreaterThan(20);
    expect(cpu[0].liquidCells).toBeGreaterThan(5);
    expect(cpu[0].liquidCells).toBeLessThan(cpu[0].regionCells);
    expect(cpu[4].regionCells).toBe(0);
    expect(cpu[5].regionCells).toBe(Array.from(solid).filter((s) => s >= 0).length);
  }

  it('match the CPU reference on the 9x7x6 kernel grid with an obstacle (one workgroup per detector)', async () => {
    await compare({
      name: 'detector-kernel', resolution: [9, 7, 6], cellSize: 0.1, liquid: [{ type: 'box', min: [0, 0, 0], max: [0.9, 0.3, 0.6] }],
      obstacles: [{ type: 'sphere', center: [0.6, 0.15, 0.3], radius: 0.13 }, { type: 'box', min: [0.1, 0.3, 0.1], max: [0.25, 0.45, 0.25], rotation: [0, 30, 10] }],
    }, 3);
  });

  it('match the CPU reference on a 21x19x17 grid (regions over 4096 cells use two workgroups)', async () => {
    await compare({
      name: 'detector-kernel-large', resolution: [21, 19, 17], cellSize: 0.05, liquid: [{ type: 'box', min: [0, 0, 0], max: [1.05, 0.4, 0.85] }],
      obstacles: [{ type: 'sphere', center: [0.5, 0.2, 0.4], radius: 0.15 }],
    }, 4);
  });
});

describe('detector readings', () => {
  it('equal the counts from a dumped level set (cells, H-weighted volume and velocity), and the whole tank equals the diagnostics volume', async () => {
    const solver = await make(damBreak);
    solver.collectMetrics = true;
    const h = 1 / 16;
    // Box [0.25, 0.75] x [0, 0.5] x [0.1, 0.9]: cell i is inside when its centre (i + 0.5) h is.
    const box = { min: [0.25, 0, 0.1] as Vec3, max: [0.75, 0.5, 0.9] as Vec3 };
    const sphere = { center: [0.3, 0.25, 0.5] as Vec3, radius: 0.28 };
    const frames = 8;
    const readings = Promise.all([
      nextReading(solver, { type: 'box', ...box }, (r) => r.frame === frames),
      nextReading(solver, { type: 'sphere', ...sphere }, (r) => r.frame === frames),
      nextReading(solver, { type: 'box', min: [0, 0, 0], max: [1, 1, 1] }, (r) => r.frame === frames),
    ]);
    let metricsVolume = 0;
    for (let f = 0; f < frames; f++) {
      await solver.step();
      metricsVolume = (await solver.readMetrics()).volume;
    }
    const [inBox, inSphere, whole] = await readings;
    // The dump of the same frame (nothing stepped since).
    const dir = mkdtempSync(join(tmpdir(), 'latent-liquid-detectors-'));
    try {
      await dumpFrame(solver, dir);
      const phi = readNpy(join(dir, `levelset_${frameTag(frames)}.npy`)).data as Float32Array;
      const vel = readNpy(join(dir, `velocity_${frameTag(frames)}.npy`)).data as Float32Array;
      const solid = await solver.readField('solid');
      const count = (inside: (p: Vec3) => boolean) => {
        let cells = 0, liquid = 0, fraction = 0, nearSurface = 0;
        const weighted: Vec3 = [0, 0, 0];
        for (let k = 0; k < 16; k++) for (let j = 0; j < 16; j++) for (let i = 0; i < 16; i++) {
          const c = i + 16 * (j + 16 * k);
          if (!inside([(i + 0.5) * h, (j + 0.5) * h, (k + 0.5) * h]) || solid[c] < 0) continue;
          cells++;
          if (phi[c] < 0) liquid++;
          // smoothed Heaviside H(-phi), eps = 1.5 cells (the diagnostics' volume measure)
          const eps = 1.5 * h, x = -phi[c];
          const w = x <= -eps ? 0 : x >= eps ? 1 : 0.5 * (1 + x / eps + Math.sin((Math.PI * x) / eps) / Math.PI);
          if (Math.abs(x) < eps) nearSurface++;
          fraction += w;
          for (let a = 0; a < 3; a++) weighted[a] += w * vel[3 * c + a];
        }
        return { cells, liquid, nearSurface, volume: fraction * h ** 3, meanVelocity: weighted.map((v) => v / fraction) };
      };
      const expectMatch = (reading: DetectorReading, cpu: ReturnType<typeof count>, what: string) => {
        expect(reading.frame, what).toBe(frames);
        expect(reading.regionCells, what).toBe(cpu.cells);
        expect(reading.liquidCells, what).toBe(cpu.liquid);
        // float32 sums, and the GPU's sin() within Vulkan's 2^-11 (see the kernel test) in cells near the surface
        expect(Math.abs(reading.volume - cpu.volume), what).toBeLessThan(1e-5 * cpu.volume + (2 ** -12 / Math.PI) * cpu.nearSurface * h ** 3);
        expect(reading.regionVolume, what).toBeCloseTo(cpu.cells * h ** 3, 10);
        expect(reading.fillFraction, what).toBeCloseTo(cpu.volume / (cpu.cells * h ** 3), 5);
        reading.meanVelocity.forEach((v, a) => expect(Math.abs(v - cpu.meanVelocity[a]), `${what} velocity[${a}]`).toBeLessThan(1e-5));
      };
      const inBoxCpu = count((p) => p.every((x, a) => x >= box.min[a] && x <= box.max[a]));
      expectMatch(inBox, inBoxCpu, 'box');
      expectMatch(inSphere, count((p) => Math.hypot(p[0] - sphere.center[0], p[1] - sphere.center[1], p[2] - sphere.center[2]) <= sphere.radius), 'sphere');
      expectMatch(whole, count(() => true), 'whole tank');
      // The liquid is moving and partly in the box.
      expect(inBoxCpu.liquid).toBeGreaterThan(10);
      expect(Math.hypot(...inBox.meanVelocity)).toBeGreaterThan(0.1);
      expect(Math.abs(whole.volume - metricsVolume)).toBeLessThan(1e-5 * metricsVolume);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follow setRegion from the next frame on', async () => {
    const solver = await make(damBreak);
    const seen: DetectorReading[] = [];
    const handle = solver.watch({ type: 'box', min: [0, 0, 0], max: [0.25, 1, 1] }, (r) => seen.push(r));
    await solver.step();
    handle.setRegion({ kind: 'box', center: [0.75, 0.5, 0.5], halfExtents: [0.25, 0.5, 0.5] });
    await solver.step();
    await device.queue.onSubmittedWorkDone();
    while (seen.length < 2) await new Promise((r) => setImmediate(r));
    expect(seen.map((r) => r.frame)).toEqual([1, 2]);
    // The left quarter (4 columns of cells, in the liquid column), then the right half less the obstacle's cells.
    expect(seen[0].regionCells).toBe(4 * 16 * 16);
    expect(seen[0].liquidCells).toBeGreaterThan(400);
    expect(seen[1].regionCells).toBeLessThan(8 * 16 * 16);
    expect(seen[1].regionCells).toBeGreaterThan(7 * 16 * 16);
    expect(seen[1].liquidCells).toBe(0);
  });
});

describe('the readback ring', () => {
  it('step() never waits for a readback: with the ring full it goes on and skips the measurement', async () => {
    const solver = await make(damBreak);
    const frames: number[] = [];
    solver.watch({ type: 'sphere', center: [0.2, 0.3, 0.5], radius: 0.3 }, (r) => frames.push(r.frame));
    const reads = readbackCount();
    // Back to back, the event loop never runs between these steps: no map can resolve.
    const steps = DETECTOR_READBACK_SLOTS + 2;
    for (let f = 0; f < steps; f++) await solver.step();
    expect(solver.frame).toBe(steps);
    expect(frames).toEqual([]);
    expect(solver.detectors.pendingReadbacks).toBe(DETECTOR_READBACK_SLOTS);
    expect(solver.detectors.counters).toMatchObject({ measuredFrames: DETECTOR_READBACK_SLOTS, skippedFrames: 2 });
    expect(readbackCount() - reads).toBe(DETECTOR_READBACK_SLOTS);
    // The maps resolve once the GPU is done: the measured frames arrive, in order.
    await device.queue.onSubmittedWorkDone();
    while (frames.length < DETECTOR_READBACK_SLOTS) await new Promise((r) => setImmediate(r));
    expect(frames).toEqual([1, 2, 3]);
    expect(solver.detectors.pendingReadbacks).toBe(0);
    await solver.step();
    await device.queue.onSubmittedWorkDone();
    while (frames.length < 4) await new Promise((r) => setImmediate(r));
    expect(frames).toEqual([1, 2, 3, steps + 1]);
  });

  it('stepping frame by frame (each frame ends when the GPU is done), every frame is measured, in order', async () => {
    const solver = await make(damBreak);
    const frames: number[] = [];
    const lateness: number[] = [];
    solver.watch({ type: 'box', min: [0, 0, 0], max: [1, 1, 1] }, (r) => { frames.push(r.frame); lateness.push(solver.frame - r.frame); });
    for (let f = 0; f < 10; f++) {
      await solver.step();
      await device.queue.onSubmittedWorkDone();
    }
    while (frames.length < 10) await new Promise((r) => setImmediate(r));
    expect(frames).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(solver.detectors.counters.skippedFrames).toBe(0);
    // Frames between a frame and its reading (SwiftShader, Node): at most the ring's depth.
    expect(Math.max(...lateness)).toBeLessThanOrEqual(DETECTOR_READBACK_SLOTS);
  });

  it('a detector removed inside its callback (or another one\'s) gets no further readings, also those in flight', async () => {
    const solver = await make(damBreak);
    const calls = { self: 0, other: 0, victim: 0, keeper: 0 };
    const region: DetectorRegion = { type: 'sphere', center: [0.2, 0.3, 0.5], radius: 0.3 };
    const self = solver.watch(region, () => { calls.self++; self.remove(); });
    solver.watch(region, () => { calls.other++; victim.remove(); });
    const victim = solver.watch(region, () => { calls.victim++; });
    solver.watch(region, () => { calls.keeper++; });
    for (let f = 0; f < DETECTOR_READBACK_SLOTS; f++) await solver.step();
    await device.queue.onSubmittedWorkDone();
    while (calls.keeper < DETECTOR_READBACK_SLOTS) await new Promise((r) => setImmediate(r));
    // The victim comes after its remover in the results: removed before its first reading.
    expect(calls).toEqual({ self: 1, other: DETECTOR_READBACK_SLOTS, victim: 0, keeper: DETECTOR_READBACK_SLOTS });
    expect(solver.detectors.count).toBe(2);
  });

  it('a throwing callback is reported and the others still get their readings; reset drops readings in flight', async () => {
    const solver = await make(damBreak);
    const errors: string[] = [];
    solver.detectors.onCallbackError = (e, handle) => errors.push(`${handle.id}: ${(e as Error).message}`);
    const got: number[] = [];
    const thrower = solver.watch({ type: 'sphere', center: [0.5, 0.5, 0.5], radius: 0.2 }, () => { throw new Error('boom'); });
    solver.watch({ type: 'sphere', center: [0.5, 0.5, 0.5], radius: 0.2 }, (r) => got.push(r.frame));
    await solver.step();
    await device.queue.onSubmittedWorkDone();
    while (got.length < 1) await new Promise((r) => setImmediate(r));
    expect(errors).toEqual([`${thrower.id}: boom`]);
    await solver.step();
    solver.reset();
    await solver.step();
    await device.queue.onSubmittedWorkDone();
    while (solver.detectors.pendingReadbacks > 0 || got.length < 2) await new Promise((r) => setImmediate(r));
    // frame 2 was in flight at the reset; frame 1 after it is the new run's.
    expect(got).toEqual([1, 1]);
  });

  it('without detectors nothing is measured or read back', async () => {
    const solver = await make(damBreak);
    const handle = solver.watch({ type: 'sphere', center: [0.5, 0.5, 0.5], radius: 0.2 }, () => undefined);
    handle.remove();
    const reads = readbackCount();
    for (let f = 0; f < 3; f++) await solver.step();
    expect(readbackCount()).toBe(reads);
    expect(solver.detectors.counters.measuredFrames).toBe(0);
  });
});
