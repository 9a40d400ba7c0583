import type { LiquidSolver } from '../src/index';
import type { LiquidSurfaceRenderer } from './render';
import type { LiquidStats } from './liquid-stats';

/**
 * Runs the liquid's GPU work one piece at a time without blocking the frame: a step per frame
 * when none is in flight, and exclusive tasks (rebuilds, model loads, resets, teardown) that
 * wait for the step in flight and hold off new steps until they are done. Everything waits on
 * the promise of the work before it; nothing polls.
 */
export class LiquidStepper {
  /** The tail of the queue: settles when the last queued piece of work has. */
  private tail: Promise<void> | null = null;

  /** Whether a step or an exclusive task is in flight (a new step would be skipped). */
  get busy(): boolean {
    return this.tail !== null;
  }

  /** Resolves once everything queued so far has finished. */
  idle(): Promise<void> {
    return this.tail ?? Promise.resolve();
  }

  /** Runs `task` after the work in flight; no step starts until it has finished. */
  exclusive<T>(task: () => Promise<T> | T): Promise<T> {
    const run = this.idle().then(task);
    this.enqueue(run);
    return run;
  }

  private enqueue(work: Promise<unknown>): void {
    const tail = work.then(() => undefined, () => undefined);
    this.tail = tail;
    void tail.then(() => { if (this.tail === tail) this.tail = null; });
  }

  /**
   * Starts one step of `solver` unless work is in flight (then the frame goes without one):
   * steps, copies the level set to the renderer on the GPU, and records the frame's stats.
   * Returns whether a step started.
   */
  step(solver: LiquidSolver, renderer: LiquidSurfaceRenderer | null, stats: LiquidStats, onError: (e: Error) => void, frames = 1): boolean {
    if (this.busy) return false;
    const started = performance.now();
    const steps = async () => { for (let f = 0; f < frames; f++) await solver.step(); };
    const run = steps().then(async () => {
      // step() resolves once the frame's work is submitted: CPU time, not GPU time.
      const cpuSubmitMs = performance.now() - started;
      copyToRenderer(solver, renderer);
      const mode = solver.lastPressureMode ?? 'solve';
      renderer?.setFrameMode(mode);
      if (solver.collectMetrics) stats.push(await solver.readMetrics(), performance.now() - started, cpuSubmitMs);
      else stats.pushLight(solver.frame, solver.time, mode, cpuSubmitMs);
      stats.pressure = pressureUsed(solver, stats.extra.predictionDiscarded === true && solver.collectMetrics);
    }).catch(onError);
    this.enqueue(run);
    return true;
  }
}

/** Simulation frames a real-time liquid takes at most per rendered frame; beyond, it runs in slow motion. */
export const MAX_REALTIME_FRAMES = 4;

/**
 * The real-time clock of a liquid (`timeMode: 'realtime'`): simulated time follows the
 * rendered frames' time in whole simulation frames of the scene's length (so every step keeps
 * the length the solver and the latent model expect). `owed` is the time not simulated yet;
 * after a frame that hit the cap, the rest is dropped (the GPU cannot keep up).
 */
export function realtimeFrames(owed: number, frameSeconds: number, cap = MAX_REALTIME_FRAMES): { frames: number; owed: number } {
  const frames = Math.min(cap, Math.floor(owed / frameSeconds + 1e-6));
  const left = owed - frames * frameSeconds;
  return { frames, owed: frames === cap ? Math.min(left, frameSeconds) : Math.max(0, left) };
}

/** Copies the level set (and the foam when on, and for the pressure view the pressure) into the renderer's buffers on the GPU. */
function copyToRenderer(solver: LiquidSolver, r: LiquidSurfaceRenderer | null): void {
  if (!r || r.destroyed) return;
  const encoder = solver.device.createCommandEncoder({ label: 'liquidVolume.copyToRenderer' });
  encoder.copyBufferToBuffer(solver.fields.levelSet, 0, r.getLevelSetGpuBuffer(), 0, r.byteSize);
  if (r.foam && solver.foam.enabled) encoder.copyBufferToBuffer(solver.foam.buffer, 0, r.getFoamGpuBuffer(), 0, r.byteSize);
  if (r.debugView === 'pressure-slice') encoder.copyBufferToBuffer(solver.fields.pressure, 0, r.getPressureGpuBuffer(), 0, r.byteSize);
  solver.device.queue.submit([encoder.finish()]);
}

/**
 * The pressure method the solver's last step used, as the overlay names it: the classical
 * solve's method, 'latent prediction', or 'fallback (method)' for a prediction replaced by a
 * solve (it threw, or the GPU discarded it: `discarded`, known from the frame's metrics).
 */
export function pressureUsed(solver: LiquidSolver, discarded: boolean): string {
  const method = solver.classicalStage.method;
  const stage = solver.pressureStage as { name: string; lastStep?: 'solve' | 'predict' | 'fallback' };
  const step = stage.name === 'latent' ? stage.lastStep ?? 'solve' : 'solve';
  if (step === 'fallback' || (step === 'predict' && discarded)) return `fallback (${method})`;
  return step === 'predict' ? 'latent prediction' : method;
}
