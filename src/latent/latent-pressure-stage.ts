import type { ClassicalPressureStage, PressureStage, PressureStepContext, PressureStepResult } from '../solver/pressure/pressure-stage';
import type { JacobiPressureSolver } from '../solver/pressure/jacobi-pressure-solver';
import type { SolveReport } from '../solver/pressure/solve-control';
import { ReadbackRing } from '../gpu/readback-ring';
import { DEFAULT_FALLBACK_JACOBI_ITERATIONS, LatentScheduler, type LatentSchedule } from './latent-scheduler';
import type { LatentPressurePredictor, LatentCounters } from './latent-pressure-predictor';

/** What the latent stage reports in frame metrics. */
export interface LatentStageStats {
  solves: number;
  predictions: number;
  /** Steps whose prediction threw (ORT error) and were solved instead. */
  failedPredictions: number;
  /** True once the model was given up on (the stage then only solves). */
  disabled: boolean;
}

/**
 * The latent pressure stage: full solves (the solver's classical stage: Jacobi or MGPCG) on
 * warm-up and every N-th step (encoded into the history), predictions in between with K
 * Jacobi correction iterations, and a GPU-decided full solve when a prediction holds
 * non-finite values or (adaptive mode) leaves more divergence than a threshold: in the same
 * step, or (schedule `fallback: 'next-step'`) a short gated Jacobi solve in the same step and a
 * full solve on the step after the CPU learns of the discard, from a readback nobody waits for. Model
 * failures fall back to the classical solve, are reported once through `onWarning`, and
 * after three in a row disable the model for good.
 */
export class LatentPressureStage implements PressureStage {
  readonly name = 'latent';
  readonly scheduler: LatentScheduler;
  readonly predictor: LatentPressurePredictor;
  /** The classical solve of full steps and fallbacks. */
  private fullSolve: ClassicalPressureStage;
  /** Jacobi kernels for the corrections and the divergence check. */
  private readonly jacobi: JacobiPressureSolver;
  /** Iterations of a fallback solve when the CPU knows them (Jacobi), else from the solve report. */
  private fallbackIterations: number | undefined;
  /** Called once per distinct problem. */
  onWarning: (message: string) => void;
  readonly stats: LatentStageStats = { solves: 0, predictions: 0, failedPredictions: 0, disabled: false };
  /** Mode of the last step. */
  lastMode: 'solve' | 'predict' = 'solve';
  /**
   * What gave the last step its pressure: a scheduled 'solve', a 'predict'ion, or a 'fallback'
   * solve for a prediction that threw (a prediction the GPU discards shows in the frame extras).
   */
  lastStep: 'solve' | 'predict' | 'fallback' = 'solve';
  /** Why predictions were given up on ('' while they run; see `disable`). */
  disabledReason = '';
  private consecutiveFailures = 0;
  private readonly warned = new Set<string>();
  /**
   * 'next-step' fallback: the GPU counters copied after each predicted step and mapped without
   * waiting; a rise of the discarded count makes the next step a full solve.
   */
  private readonly discardRing: ReadbackRing<number>;
  /** Discarded predictions (rejected + adaptive) in the latest counters the ring delivered. */
  private discardsSeen = 0;
  /** A discard was seen: the next step solves (consumed by computePressure). */
  private solveNext = false;
  /** Steps solved because a 'next-step' fallback asked for it. */
  forcedSolves = 0;

  constructor(predictor: LatentPressurePredictor, schedule: LatentSchedule, fullSolve: ClassicalPressureStage, jacobi: JacobiPressureSolver,
    onWarning: (message: string) => void = (m) => console.warn(m)) {
    this.predictor = predictor;
    this.scheduler = new LatentScheduler(predictor.manifest.window, schedule);
    this.fullSolve = fullSolve;
    this.jacobi = jacobi;
    this.onWarning = onWarning;
    const counters = predictor.countersSource;
    // Four slots: a readback takes one or two steps to land, and a step that finds every slot
    // mapping skips its copy without losing a discard (the counts are cumulative).
    this.discardRing = new ReadbackRing<number>(jacobi.device, 'latent.discards', 4, counters.bytes, (data) => this.onCounters(data));
  }

  private onCounters(data: ArrayBuffer): void {
    const c = this.predictor.decodeCounters(data);
    const discarded = c.rejected + c.adaptiveFallbacks;
    if (discarded > this.discardsSeen) {
      this.discardsSeen = discarded;
      this.solveNext = true;
    }
  }

  /** Whether the next step will be a full solve because a 'next-step' fallback asked for it (tests, tools). */
  get solvePending(): boolean {
    return this.solveNext;
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.onWarning(message);
  }

  /** The classical stage of full solves. */
  get classicalStage(): ClassicalPressureStage {
    return this.fullSolve;
  }

  afterSubmit(): void {
    this.fullSolve.afterSubmit?.();
    this.discardRing.afterSubmit();
  }

  /** Full solves and fallbacks use `stage` from the next step on. */
  useClassicalStage(stage: ClassicalPressureStage): void {
    this.fullSolve = stage;
  }

  readSolveReport(): Promise<SolveReport> {
    return this.fullSolve.readSolveReport?.() ?? this.jacobi.readReport();
  }

  /** Tools (benchmarks): the mode of the next step regardless of the schedule, once. */
  forceNextMode: 'solve' | 'predict' | null = null;

  async computePressure(ctx: PressureStepContext): Promise<PressureStepResult> {
    const forced = this.forceNextMode;
    this.forceNextMode = null;
    // A discard a 'next-step' fallback left behind is solved before anything else is predicted.
    const owed = this.solveNext && !this.stats.disabled && forced === null;
    if (owed) {
      this.solveNext = false;
      this.forcedSolves++;
    }
    const mode = this.stats.disabled || owed ? 'solve' : forced ?? this.scheduler.next();
    if (mode === 'predict') {
      try {
        return await this.predict(ctx);
      } catch (e) {
        this.stats.failedPredictions++;
        this.consecutiveFailures++;
        this.warnOnce(`predict:${(e as Error).message}`, `latent-liquid: a prediction failed, that step was solved with ${this.fullSolve.method} instead: ${(e as Error).message}`);
        if (this.consecutiveFailures >= 3) this.disable(`three predictions in a row failed: ${(e as Error).message}`);
        // The step still needs a pressure: a full solve on whatever encoder is current, encoded
        // like any solve so the history has no gap (its success does not end the failure run).
        const result = await this.solve(ctx, this.scheduler.encodesSolves, false);
        this.lastStep = 'fallback';
        return result;
      }
    }
    return this.solve(ctx, this.scheduler.encodesSolves && !this.stats.disabled);
  }

  private async solve(ctx: PressureStepContext, encode: boolean, encodeEndsFailures = true): Promise<PressureStepResult> {
    const result = this.fullSolve.computePressure(ctx);
    let pushed = false;
    if (encode) {
      try {
        await this.predictor.encodeSolvedPressure(ctx.encoder, ctx.flush, ctx.timer);
        pushed = true;
        if (encodeEndsFailures) this.consecutiveFailures = 0;
      } catch (e) {
        this.warnOnce(`encode:${(e as Error).message}`, `latent-liquid: encoding a solved step failed: ${(e as Error).message}`);
        this.consecutiveFailures++;
        if (this.consecutiveFailures >= 3) this.disable(`three encoder runs in a row failed: ${(e as Error).message}`);
      }
    }
    this.scheduler.record('solve', pushed);
    this.stats.solves++;
    this.lastMode = 'solve';
    this.lastStep = 'solve';
    return result;
  }

  private async predict(ctx: PressureStepContext): Promise<PressureStepResult> {
    if (this.scheduler.settings.correction === 'solve') return this.predictAndSolve(ctx);
    const threshold = this.scheduler.settings.adaptiveThreshold ?? 0;
    this.predictor.setAdaptiveThreshold(threshold);
    const adaptive = threshold > 0;
    if (adaptive) this.predictor.saveWarmStart(ctx.encoder);
    await this.predictor.predictPressure(ctx.encoder, ctx.flush, ctx.timer);
    const k = this.scheduler.settings.correctionIterations;
    this.jacobi.iterate(ctx.encoder, ctx.timer, k, 'correction');
    if (adaptive) {
      this.jacobi.measureDivergence(ctx.encoder, ctx.timer, 'adaptiveCheck');
      this.predictor.decideAdaptive(ctx.encoder, ctx.timer);
    }
    // A rejected prediction (non-finite, or above the adaptive threshold) armed this solve
    // (from the warm start); otherwise it does nothing.
    const nextStep = this.scheduler.settings.fallback === 'next-step';
    if (nextStep) {
      // A short solve (few recorded dispatches) keeps the step sound; the full one comes next step.
      const n = this.scheduler.settings.fallbackJacobiIterations ?? DEFAULT_FALLBACK_JACOBI_ITERATIONS;
      this.jacobi.iterateIndirect(ctx.encoder, ctx.timer, n, this.predictor.fallbackArgs, 'fallback');
      this.fallbackIterations = n;
    } else {
      this.fallbackIterations = this.fullSolve.encodeGatedSolve(ctx, this.predictor.fallbackArgs, 'fallback');
    }
    // The history gets the code of the pressure used (never a discarded prediction's), and a
    // discarded step becomes the delta anchor, as a solved step does.
    await this.predictor.encodeUsedPressure(ctx.encoder, ctx.flush, ctx.timer);
    if (nextStep && this.discardRing.acquire()) {
      const counters = this.predictor.countersSource;
      this.discardRing.encodeCopy(ctx.encoder, counters.buffer, counters.bytes, ctx.stepIndex);
    }
    this.consecutiveFailures = 0;
    this.scheduler.record('predict', true);
    this.stats.predictions++;
    this.lastMode = 'predict';
    this.lastStep = 'predict';
    return { mode: 'predict', iterations: k };
  }

  /**
   * The prediction as a warm start: the classical solve runs to its tolerance from it (from
   * the previous pressure when the GPU rejected it as non-finite), so the step is as accurate
   * as a solved one and the network's worth is the iterations it saves.
   */
  private async predictAndSolve(ctx: PressureStepContext): Promise<PressureStepResult> {
    this.predictor.setAdaptiveThreshold(0);
    await this.predictor.predictPressure(ctx.encoder, ctx.flush, ctx.timer);
    const result = this.fullSolve.computePressure(ctx);
    this.fallbackIterations = 0;
    await this.predictor.encodeUsedPressure(ctx.encoder, ctx.flush, ctx.timer, true);
    this.consecutiveFailures = 0;
    this.scheduler.record('predict', true);
    this.stats.predictions++;
    this.lastMode = 'predict';
    this.lastStep = 'predict';
    return { ...result, mode: 'predict' };
  }

  /** Stops predicting for good (the stage then solves every step) and says why once. */
  disable(reason: string): void {
    if (this.stats.disabled) return;
    this.stats.disabled = true;
    this.disabledReason = reason;
    this.warnOnce('disabled', `latent-liquid: latent predictions disabled (${reason}); continuing with the classical solve (${this.fullSolve.method}) only`);
  }

  /** Restarts the warm-up (after the simulation was reset). */
  reset(): void {
    this.scheduler.reset();
    // The warm-up solves anyway; counts in flight still raise discardsSeen, at worst one extra solve.
    this.solveNext = false;
  }

  /**
   * Reads the GPU counters and reports rejected predictions once (a small readback: call it
   * from tools or every few seconds, not every frame). Persistent rejections disable the model.
   */
  async checkHealth(): Promise<LatentCounters> {
    const c = await this.predictor.readCounters();
    if (c.rejected > 0) {
      this.warnOnce('rejected', `latent-liquid: ${c.rejected} of ${c.predictions} predictions held NaN/Inf and were replaced by full solves`);
      if (c.predictions >= 8 && c.rejected / c.predictions > 0.5) this.disable('most predictions held NaN/Inf');
    }
    return c;
  }

  private discardedAtLastRead = 0;

  async readFrameExtras(): Promise<Record<string, number | string | boolean>> {
    const c = await this.checkHealth();
    // Predictions discarded since the last read each ran a full solve on the GPU.
    const discarded = c.adaptiveFallbacks + c.rejected;
    const newlyDiscarded = Math.max(0, discarded - this.discardedAtLastRead);
    this.discardedAtLastRead = discarded;
    // A GPU-decided fallback's iterations: known for Jacobi, from the last solve's report for MGPCG.
    const perFallback = newlyDiscarded === 0 ? 0 : this.fallbackIterations ?? (await this.readSolveReport()).iterations;
    return {
      discardedPredictions: discarded,
      predictionDiscarded: newlyDiscarded > 0,
      fallbackIterations: newlyDiscarded * perFallback,
      latentSolves: this.stats.solves,
      latentPredictions: this.stats.predictions,
      rejectedPredictions: c.rejected,
      adaptiveFallbacks: c.adaptiveFallbacks,
      failedPredictions: this.stats.failedPredictions,
      latentDisabled: this.stats.disabled,
      interval: this.scheduler.settings.interval,
      correctionIterations: this.scheduler.settings.correctionIterations,
    };
  }

  destroy(): void {
    this.discardRing.destroy();
    this.predictor.destroy();
  }
}
