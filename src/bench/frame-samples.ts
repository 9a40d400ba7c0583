import type { FrameMetrics, LiquidSolver } from '../solver/liquid-solver';
import { median } from '../analysis/statistics';

/** Median time of whole frames and of each pass (ms). */
export interface FrameSamples {
  /** Sum of the passes of a frame, median over the repeats. */
  frameMs: number;
  /** Each pass's median. */
  passes: Record<string, number>;
}

/**
 * Steps one frame of `solver` with metrics on, after the GPU finished earlier work: its metrics
 * and the wall clock from the step to the GPU's completion (ms).
 */
export async function timedFrame(device: GPUDevice, solver: LiquidSolver): Promise<{ metrics: FrameMetrics; wallMs: number }> {
  solver.collectMetrics = true;
  await device.queue.onSubmittedWorkDone();
  const t0 = performance.now();
  await solver.step();
  await device.queue.onSubmittedWorkDone();
  const wallMs = performance.now() - t0;
  return { metrics: await solver.readMetrics(), wallMs };
}

/**
 * Steps `repeats` frames of `solver` one at a time (each after the GPU finished the one before),
 * `before` called ahead of each, and returns the medians: GPU timestamps when the solver times
 * its passes on an adapter that has them, else the wall clock from the step to completion.
 */
export async function measureFrames(device: GPUDevice, solver: LiquidSolver, repeats: number, before: () => void): Promise<FrameSamples> {
  const samples: FrameMetrics[] = [];
  for (let r = 0; r < repeats; r++) {
    before();
    const { metrics: m, wallMs } = await timedFrame(device, solver);
    samples.push(m.timingSource === 'gpu-timestamps' ? m : { ...m, ms: { frame: wallMs } });
  }
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.ms)))];
  return {
    frameMs: median(samples.map((s) => Object.values(s.ms).reduce((x, y) => x + y, 0))),
    passes: Object.fromEntries(names.map((k) => [k, median(samples.map((s) => s.ms[k] ?? 0))])),
  };
}
