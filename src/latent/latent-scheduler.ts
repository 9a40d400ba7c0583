import type { PressureMode } from '../solver/pressure/pressure-stage';

/** When the latent path predicts, and how it corrects. */
export interface LatentSchedule {
  /** Full solves at the start (and after a reset) that fill the history; at least the model's window. */
  warmupFrames: number;
  /** A full classical solve (Jacobi or MGPCG) every N-th step, predictions in between; 1 = never predict. */
  interval: number;
  /** Jacobi iterations warm-started from each prediction. */
  correctionIterations: number;
  /**
   * How a prediction is corrected: 'jacobi' (default): `correctionIterations` Jacobi
   * iterations and the adaptive check; 'solve': the classical solve (MGPCG) to its tolerance
   * from the prediction, so the network only saves iterations and never costs accuracy.
   */
  correction?: 'jacobi' | 'solve';
  /**
   * Adaptive mode: if the RMS divergence (1/s) a predicted step would leave exceeds this, the
   * step continues with Jacobi iterations until it is below (at most a full solve), decided on
   * the GPU. 0 (or left out): off.
   */
  adaptiveThreshold?: number;
  /**
   * What a discarded prediction (non-finite, or above the adaptive threshold) gets, decided on
   * the GPU either way. 'same-step': the classical solve (Jacobi or MGPCG) in the same step,
   * recorded on every predicted step as indirect dispatches armed only for a discarded
   * prediction (at 64^3 with MGPCG, 372 of a predicted step's 443 recorded dispatches, measured).
   * 'next-step': the same step gets `fallbackJacobiIterations` gated Jacobi iterations from the
   * previous step's pressure (the warm start), and the step after the discard reaches the CPU
   * (a readback nobody waits for, one or two steps later) is a full solve. Only 'jacobi'
   * correction discards predictions; 'solve' correction ignores this.
   */
  fallback?: LatentFallback;
  /** Jacobi iterations of a 'next-step' fallback (even, >= 2; default 48). */
  fallbackJacobiIterations?: number;
}

/** Where a discarded prediction's full solve runs (LatentSchedule.fallback). */
export type LatentFallback = 'same-step' | 'next-step';

/** Jacobi iterations of a 'next-step' fallback unless set: at 64^3 the rest of a predicted step records 71 dispatches, so 48 makes it 119 (README, measured). */
export const DEFAULT_FALLBACK_JACOBI_ITERATIONS = 48;

/**
 * Defaults: a solve every 4th step, 4 correction iterations, and the adaptive check at 1 1/s
 * RMS divergence (about 1.7% local volume change per 60 Hz frame). Without the check, the
 * shipped model's closed-loop dam break at 32^3 blew up within 30 frames (README, measured).
 */
export const DEFAULT_LATENT_SCHEDULE: Omit<LatentSchedule, 'warmupFrames'> = { interval: 4, correctionIterations: 4, adaptiveThreshold: 1 };

/**
 * Decides per step whether to solve or predict. Pure bookkeeping: counts the codes in the
 * history and the steps since warm-up; `reset()` starts a new warm-up (after a reset of the
 * simulation, or when predictions went bad).
 */
export class LatentScheduler {
  settings: LatentSchedule;
  private readonly window: number;
  private codes = 0;
  private stepsSinceReset = 0;

  constructor(window: number, settings: LatentSchedule) {
    this.window = window;
    this.settings = { ...settings };
    this.validate();
  }

  private validate(): void {
    const s = this.settings;
    if (!Number.isInteger(s.interval) || s.interval < 1) throw new RangeError(`interval must be an integer >= 1 (got ${s.interval})`);
    if (!Number.isInteger(s.correctionIterations) || s.correctionIterations < 0) throw new RangeError(`correctionIterations must be an integer >= 0 (got ${s.correctionIterations})`);
    if (!Number.isInteger(s.warmupFrames) || s.warmupFrames < 0) throw new RangeError(`warmupFrames must be an integer >= 0 (got ${s.warmupFrames})`);
    if (s.adaptiveThreshold !== undefined && !(s.adaptiveThreshold >= 0)) throw new RangeError(`adaptive threshold must be >= 0, 0 = off (got ${s.adaptiveThreshold})`);
    if (s.correction !== undefined && s.correction !== 'jacobi' && s.correction !== 'solve') throw new RangeError(`correction must be 'jacobi' or 'solve' (got ${String(s.correction)})`);
    if (s.fallback !== undefined && s.fallback !== 'same-step' && s.fallback !== 'next-step') throw new RangeError(`fallback must be 'same-step' or 'next-step' (got ${String(s.fallback)})`);
    const j = s.fallbackJacobiIterations;
    if (j !== undefined && (!Number.isInteger(j) || j < 2 || j % 2 !== 0 || j > 10000)) throw new RangeError(`fallbackJacobiIterations must be an even integer in [2, 10000] (got ${j})`);
  }

  /** Changes settings at run time (takes effect next step). */
  update(settings: Partial<LatentSchedule>): void {
    this.settings = { ...this.settings, ...settings };
    this.validate();
  }

  /** Steps of warm-up that will actually run: the setting, but never fewer than the window. */
  get effectiveWarmup(): number {
    return Math.max(this.settings.warmupFrames, this.window);
  }

  /** The mode of the next step. */
  next(): PressureMode {
    if (this.settings.interval <= 1) return 'solve';
    if (this.codes < this.window || this.stepsSinceReset < this.effectiveWarmup) return 'solve';
    const s = this.stepsSinceReset - this.effectiveWarmup;
    return s % this.settings.interval === this.settings.interval - 1 ? 'solve' : 'predict';
  }

  /** Whether solved steps must be encoded into the history (not when predictions are off). */
  get encodesSolves(): boolean {
    return this.settings.interval > 1;
  }

  /** Records that a step ran in `mode` (and whether a code was pushed). */
  record(mode: PressureMode, pushedCode: boolean): void {
    this.stepsSinceReset++;
    if (pushedCode) this.codes = Math.min(this.window, this.codes + 1);
    void mode;
  }

  /** Starts over: the history is refilled by solves before predictions resume. */
  reset(): void {
    this.codes = 0;
    this.stepsSinceReset = 0;
  }
}
