import { presetScene } from '../scene/presets';
import { LiquidSolver } from '../solver/liquid-solver';
import { measureFrames, type FrameSamples } from './frame-samples';

/** What the rigid-body coupling bench measures (`npm run bench -- --bodies`). */
export interface BodyBenchmarkOptions {
  /** Cells per axis of the pool. */
  resolution: number;
  /** Coupled bodies (at most 16). */
  bodies: number;
  /** Measured frames (medians reported). */
  repeats: number;
  /** Frames stepped before measuring. */
  warmupFrames: number;
  /** Jacobi iterations per frame (a fixed count: both rows do the same pressure work). */
  jacobiIterations: number;
}

export const DEFAULT_BODY_BENCHMARK_OPTIONS: BodyBenchmarkOptions = { resolution: 64, bodies: 16, repeats: 5, warmupFrames: 3, jacobiIterations: 100 };

export interface BodyBenchmarkResult {
  tool: string;
  date: string;
  adapter: string;
  options: BodyBenchmarkOptions;
  /** The force reduction of all bodies (the `bodies` pass), median (ms). */
  reductionMs: number;
  /** The solid composition with the bodies moving (the `obstacles` pass, every frame while bodies move), median (ms). */
  composeMs: number;
  /** Whole frames (sum of the passes) with the bodies and without, medians (ms). */
  frame: { withMs: number; withoutMs: number; passesWith: Record<string, number>; passesWithout: Record<string, number> };
}

/**
 * Measures issue 21's bench row: a still pool at `resolution`^3 with `bodies` boxes (a 4 x 4
 * grid of 0.1 m boxes at the surface, bobbing, so the solids are recomposed every frame and the
 * reduction runs every frame) against the same pool without bodies.
 */
export async function runBodyBenchmark(device: GPUDevice, adapterName: string, options: BodyBenchmarkOptions,
  log: (line: string) => void = () => undefined): Promise<BodyBenchmarkResult> {
  const run = async (withBodies: boolean): Promise<FrameSamples> => {
    const scene = presetScene('rest', options.resolution);
    scene.pressure = { ...scene.pressure, method: 'jacobi', iterations: options.jacobiIterations };
    delete scene.pressure.tolerance;
    const solver = await LiquidSolver.create(device, scene, { timing: true });
    try {
      const bodies = withBodies ? Array.from({ length: options.bodies }, (_, i) => solver.bodies.add({
        name: `box ${i}`, shape: { kind: 'box', halfExtents: [0.05, 0.05, 0.05] }, mass: 0.5,
      })) : [];
      const bob = () => bodies.forEach((b, i) => {
        const y = 0.4 + 0.02 * Math.sin(4 * solver.time + i);
        b.setState({ position: [0.2 + 0.2 * (i % 4), y, 0.2 + 0.2 * Math.floor(i / 4)], rotation: [0, 0, 0, 1], linearVelocity: [0, 0.08 * Math.cos(4 * solver.time + i), 0], angularVelocity: [0, 0, 0] });
      });
      for (let f = 0; f < options.warmupFrames; f++) { bob(); await solver.step(); }
      return await measureFrames(device, solver, options.repeats, bob);
    } finally {
      solver.destroy();
    }
  };
  log(`frames at ${options.resolution}^3 with ${options.bodies} bodies`);
  const withBodies = await run(true);
  log(`frames at ${options.resolution}^3 without bodies`);
  const without = await run(false);
  const reductionMs = withBodies.passes.bodies ?? Number.NaN;
  const composeMs = withBodies.passes.obstacles ?? Number.NaN;
  log(`bodies: reduction ${reductionMs.toFixed(3)} ms, composition ${composeMs.toFixed(3)} ms; frame ${withBodies.frameMs.toFixed(2)} ms with, ${without.frameMs.toFixed(2)} ms without`);
  return {
    tool: 'latent-liquid bench --bodies', date: new Date().toISOString(), adapter: adapterName, options, reductionMs, composeMs,
    frame: { withMs: withBodies.frameMs, withoutMs: without.frameMs, passesWith: withBodies.passes, passesWithout: without.passes },
  };
}
