import { createNodeGpu, type NodeGpu } from '../../src/node/node-gpu';
import { afterAll, beforeAll } from 'vitest';
import { LiquidSolver } from '../../src/solver/liquid-solver';
import { validateScene } from '../../src/scene/scene-validation';
import { GpuWorkCounter } from '../../src/bench/gpu-work-counter';
import { ReferenceGrid, type ReferenceParams } from '../../src/reference/reference-grid';
import { readFloat32 } from '../../src/gpu/readback';

let shared: Promise<NodeGpu> | null = null;

/** One WebGPU device per test file (SwiftShader here). Fails the test if there is no adapter. */
export function testGpu(): Promise<NodeGpu> {
  shared ??= createNodeGpu().then((gpu) => {
    gpu.device.addEventListener('uncapturederror', (e) => {
      throw new Error(`uncaptured WebGPU error: ${(e as GPUUncapturedErrorEvent).error.message}`);
    });
    return gpu;
  });
  return shared;
}

/**
 * A test file's device and solvers: `onDevice` receives the device in beforeAll, and every
 * solver the returned `make` builds (from a scene input, validated) is destroyed in afterAll.
 */
export function useTestSolvers(onDevice: (device: GPUDevice) => void): (input: unknown) => Promise<LiquidSolver> {
  let device: GPUDevice | undefined;
  const solvers: LiquidSolver[] = [];
  beforeAll(async () => {
    device = (await testGpu()).device;
    onDevice(device);
  });
  afterAll(() => {
    for (const s of solvers) s.destroy();
  });
  return async (input) => {
    if (!device) throw new Error('useTestSolvers: solvers can be made from beforeAll on');
    const s = await LiquidSolver.create(device, validateScene(input));
    solvers.push(s);
    return s;
  };
}

/**
 * A test file's device with a GpuWorkCounter installed on it: `onReady` receives both in
 * beforeAll; the returned array holds the solvers the file owns, destroyed in afterAll, where the
 * counter is uninstalled.
 */
export function useCountedDevice(onReady: (device: GPUDevice, counter: GpuWorkCounter) => void): LiquidSolver[] {
  const owned: LiquidSolver[] = [];
  let counter: GpuWorkCounter | undefined;
  beforeAll(async () => {
    const { device } = await testGpu();
    counter = GpuWorkCounter.install(device);
    onReady(device, counter);
  });
  afterAll(() => {
    for (const s of owned) s.destroy();
    counter?.uninstall();
  });
  return owned;
}

/** The CPU reference grid matching a solver's step of length dt at its current time. */
export function referenceFor(solver: LiquidSolver, dt: number, includeLiquid = false): ReferenceGrid {
  const s = solver.scene;
  const shapes = solver.shapesAt(solver.time, includeLiquid);
  const params: ReferenceParams = {
    dims: s.resolution, gravity: solver.gravityAt(solver.time), dt, cellSize: s.cellSize, density: s.density,
    bandWidth: solver.bandWidth, jacobiOmega: s.pressure.omega, thetaMin: solver.ghostThetaMin, ...shapes,
  };
  return new ReferenceGrid(params);
}

/** Runs `body` in one compute pass and waits for the GPU. */
export async function runPass(device: GPUDevice, body: (pass: GPUComputePassEncoder, encoder: GPUCommandEncoder) => void,
  after?: (encoder: GPUCommandEncoder) => void): Promise<void> {
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  body(pass, encoder);
  pass.end();
  after?.(encoder);
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
}

/** Reads a whole float buffer. */
export function read(device: GPUDevice, buffer: GPUBuffer, count: number): Promise<Float32Array> {
  return readFloat32(device, buffer, count);
}

/** Uploads floats. */
export function upload(device: GPUDevice, buffer: GPUBuffer, data: Float32Array | Uint32Array): void {
  device.queue.writeBuffer(buffer, 0, data);
}

/** Max |a - b| over all entries, and max |b| (for relative bounds). */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): { abs: number; scale: number; at: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let abs = 0, scale = 0, at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > abs || Number.isNaN(d)) { abs = Number.isNaN(d) ? Infinity : d; at = i; }
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { abs, scale, at };
}

/** Deterministic pseudo-random numbers in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * A test level set (m) on a reference grid: a pool whose surface y = height + amplitude sin(kx x)
 * cos(kz z) is wavy, united with a spherical droplet, clamped to the narrow band.
 */
export function wavyPoolWithDrop(ref: ReferenceGrid, pool: { height: number; amplitude: number; kx: number; kz: number },
  drop: { center: [number, number, number]; radius: number }): Float32Array {
  const out = new Float32Array(ref.cellCount);
  const band = ref.p.bandWidth;
  ref.forCells((i, j, k, idx) => {
    const x = (i + 0.5) * ref.h, y = (j + 0.5) * ref.h, z = (k + 0.5) * ref.h;
    const surface = y - pool.height - pool.amplitude * Math.sin(pool.kx * x) * Math.cos(pool.kz * z);
    const d = Math.hypot(x - drop.center[0], y - drop.center[1], z - drop.center[2]) - drop.radius;
    out[idx] = Math.max(-band, Math.min(band, Math.min(surface, d)));
  });
  return out;
}
