import { ColliderMesh } from '../colliders/collider-mesh';
import { MeshSdf, MeshSdfBuilder } from '../colliders/mesh-sdf-builder';
import { quatFromAxisAngle } from '../colliders/mesh-transform';
import { rockMesh, torusMesh } from '../colliders/procedural-meshes';
import { SdfAtlas } from '../colliders/sdf-atlas';
import { GpuTimer } from '../gpu/gpu-timer';
import { presetScene } from '../scene/presets';
import { LiquidSolver } from '../solver/liquid-solver';
import { measureFrames } from './frame-samples';
import { median } from '../analysis/statistics';

/** What the mesh collider bench measures (`npm run bench -- --colliders`). */
export interface ColliderBenchmarkOptions {
  /** SDF resolutions of the voxelization rows (voxels along the mesh's longest axis). */
  voxelizeResolutions: number[];
  /** Grid of the resample and whole-frame rows (cells per axis). */
  frameResolution: number;
  /** Mesh colliders in the resample and frame rows. */
  colliders: number;
  /** Measured repetitions (medians reported); one more runs first to warm up. */
  repeats: number;
  /** Frames stepped before the frame rows are measured. */
  warmupFrames: number;
  /** Jacobi iterations per frame in the frame rows (a fixed count: both rows do the same pressure work). */
  jacobiIterations: number;
}

export const DEFAULT_COLLIDER_BENCHMARK_OPTIONS: ColliderBenchmarkOptions = {
  voxelizeResolutions: [64, 128], frameResolution: 64, colliders: 8, repeats: 5, warmupFrames: 3, jacobiIterations: 100,
};

/** One voxelization row. */
export interface VoxelizeRow {
  mesh: string;
  triangles: number;
  resolution: number;
  /** SDF voxels per axis. */
  dims: [number, number, number];
  /** The whole build (all its dispatches), median (ms). */
  ms: number;
}

export interface ColliderBenchmarkResult {
  tool: string;
  date: string;
  adapter: string;
  /** 'gpu-timestamps' when the adapter has timestamp queries, else wall-clock around submit and completion. */
  timing: 'gpu-timestamps' | 'wall-clock';
  options: ColliderBenchmarkOptions;
  voxelize: VoxelizeRow[];
  /** The solid composition of a frame with `colliders` moving mesh colliders (the primitive pass, then the resample), median (ms). */
  resample: { resolution: number; colliders: number; ms: number };
  /** Whole frames (sum of the passes) with the colliders moving every frame and without any, medians (ms). */
  frame: { resolution: number; colliders: number; withMs: number; withoutMs: number; ratio: number; passesWith: Record<string, number>; passesWithout: Record<string, number> };
}

/**
 * Measures the mesh collider costs of issue 20: building a 20k-triangle mesh's SDF at each
 * resolution, resampling `colliders` colliders into a frame's solid level set, and a whole
 * dam-break frame with them against one without (the colliders turn every frame, so the solids
 * are recomposed in every frame).
 */
export async function runColliderBenchmark(device: GPUDevice, adapterName: string, options: ColliderBenchmarkOptions,
  log: (line: string) => void = () => undefined): Promise<ColliderBenchmarkResult> {
  const timer = new GpuTimer(device);
  timer.enabled = true;
  const timing = timer.supported ? 'gpu-timestamps' : 'wall-clock';
  const voxelize: VoxelizeRow[] = [];
  const builder = await MeshSdfBuilder.create(device);
  const torus = ColliderMesh.from(torusMesh({ majorSegments: 160, minorSegments: 64 }), 'torus');
  try {
    for (const resolution of options.voxelizeResolutions) {
      const atlas = new SdfAtlas(device, 1 << 20);
      const sdf = MeshSdf.create(device, torus, resolution, atlas);
      if (typeof sdf === 'string') throw new Error(`voxelize at ${resolution}: ${sdf}`);
      const samples: number[] = [];
      for (let r = 0; r < options.repeats + 1; r++) {
        const ms = await timed(device, timer, 'voxelize', (pass) => builder.encode(pass, sdf, atlas));
        if (r > 0) samples.push(ms);
      }
      voxelize.push({ mesh: 'torus', triangles: torus.triangleCount, resolution, dims: [...sdf.layout.dims], ms: median(samples) });
      log(`voxelize ${torus.triangleCount} triangles at ${resolution} (${sdf.layout.dims.join('x')} voxels): ${median(samples).toFixed(3)} ms`);
      sdf.destroy();
      atlas.destroy();
    }
  } finally {
    builder.destroy();
    timer.destroy();
  }

  const n = options.frameResolution;
  const runFrames = async (withColliders: boolean) => {
    const scene = presetScene('dam-break', n);
    scene.pressure = { ...scene.pressure, method: 'jacobi', iterations: options.jacobiIterations };
    delete scene.pressure.tolerance;
    const solver = await LiquidSolver.create(device, scene, { timing: true });
    try {
      const rock = ColliderMesh.from(rockMesh({ radius: 1, subdivisions: 4 }), 'rock');
      const colliders = withColliders ? Array.from({ length: options.colliders }, (_, i) => {
        const a = (2 * Math.PI * i) / options.colliders;
        return { collider: solver.meshColliders.add({ name: `rock ${i}`, mesh: rock, transform: { translation: [0.5 + 0.3 * Math.cos(a), 0.15, 0.5 + 0.3 * Math.sin(a)], scale: 0.08 } }), a };
      }) : [];
      const turn = () => {
        for (const { collider, a } of colliders) {
          const t = collider.transform!;
          collider.setTransform({ ...t, rotation: quatFromAxisAngle([0, 1, 0], a + solver.time) });
        }
      };
      await solver.meshColliders.ready();
      for (let f = 0; f < options.warmupFrames; f++) { turn(); await solver.step(); }
      return await measureFrames(device, solver, options.repeats, turn);
    } finally {
      solver.destroy();
    }
  };
  log(`frames at ${n}^3 with ${options.colliders} turning mesh colliders`);
  const withColliders = await runFrames(true);
  log(`frames at ${n}^3 without mesh colliders`);
  const without = await runFrames(false);
  const resampleMs = withColliders.passes.obstacles ?? NaN;
  log(`resample ${options.colliders} colliders at ${n}^3: ${resampleMs.toFixed(3)} ms; frame ${withColliders.frameMs.toFixed(2)} ms with, ${without.frameMs.toFixed(2)} ms without`);
  return {
    tool: 'latent-liquid bench --colliders', date: new Date().toISOString(), adapter: adapterName, timing, options, voxelize,
    resample: { resolution: n, colliders: options.colliders, ms: resampleMs },
    frame: {
      resolution: n, colliders: options.colliders, withMs: withColliders.frameMs, withoutMs: without.frameMs, ratio: withColliders.frameMs / without.frameMs,
      passesWith: withColliders.passes, passesWithout: without.passes,
    },
  };
}

/** Time (ms) of the work `body` encodes into one pass: GPU timestamps when supported, else wall-clock from submit to completion. */
async function timed(device: GPUDevice, timer: GpuTimer, name: string, body: (pass: GPUComputePassEncoder) => void): Promise<number> {
  await device.queue.onSubmittedWorkDone();
  const encoder = device.createCommandEncoder({ label: `bench.${name}` });
  const pass = encoder.beginComputePass(timer.computePass(name));
  body(pass);
  pass.end();
  const stamped = timer.endFrame(encoder);
  const t0 = performance.now();
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
  const wall = performance.now() - t0;
  const times = stamped ? await timer.read() : null;
  return times?.[name] ?? wall;
}
