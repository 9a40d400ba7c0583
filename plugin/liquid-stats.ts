import type { FrameMetrics, PassTimes, SceneDescription } from '../src/index';

/** A fixed-size history of one number per frame, oldest first. */
export class Series {
  readonly values: number[] = [];
  constructor(readonly capacity = 240) {}
  push(v: number): void {
    this.values.push(v);
    if (this.values.length > this.capacity) this.values.shift();
  }
  clear(): void {
    this.values.length = 0;
  }
  get last(): number {
    return this.values[this.values.length - 1] ?? NaN;
  }
}

/** What `LiquidStats.frameMs` measures (see `LiquidStats.timingSource`). */
export type LiquidTimingSource = 'gpu-timestamps' | 'wall-clock' | 'cpu-submit' | '';

/**
 * What tech artists watch while tuning: per-frame GPU time per pass, whether the frame was
 * solved or predicted, the divergence left after the projection and the volume drift, with
 * short histories for plots. Full numbers need `collectStats`; mode and frame come always.
 */
export class LiquidStats {
  frame = 0;
  t = 0;
  mode: 'solve' | 'predict' = 'solve';
  /**
   * The pressure method the last frame used: 'jacobi' or 'mgpcg' (a classical solve), 'latent
   * prediction', or 'fallback (jacobi|mgpcg)' (a prediction that failed, or that the GPU
   * discarded, replaced by a solve; discarded ones are known only with `collectStats`).
   */
  pressure = '';
  /** GPU time per pass (ms) of the last measured frame (timestamps where available). */
  ms: PassTimes = {};
  /**
   * The last frame's time in ms, of the kind `timingSource` names: GPU time only when it is
   * 'gpu-timestamps'. Without `collectStats` it is CPU submit time (`cpuSubmitMs`), not GPU time.
   */
  frameMs = NaN;
  /** GPU time of the last frame (sum of `ms`) from timestamp queries; NaN when not GPU-timed. */
  gpuMs = NaN;
  /**
   * CPU time until the last frame's step was submitted (encoding and submitting the GPU work, with
   * the latent solver also onnxruntime's run() calls). Always measured; says nothing about how
   * long the GPU takes.
   */
  cpuSubmitMs = NaN;
  divergenceL2 = NaN;
  divergenceLinf = NaN;
  volumeDrift = NaN;
  maxSpeed = NaN;
  pressureIterations = NaN;
  solvedFrames = 0;
  predictedFrames = 0;
  /** Latent extras (predictions, rejected predictions, ...). */
  extra: Record<string, number | string | boolean> = {};
  /**
   * What `frameMs` measures: 'gpu-timestamps' (collectStats on, the adapter has timestamp
   * queries: GPU time), 'wall-clock' (collectStats on, no timestamp queries: from the step's
   * start until its metrics were read back, so GPU time plus waiting), 'cpu-submit'
   * (collectStats off: CPU submit time, the GPU is not measured), '' before the first frame.
   */
  timingSource: LiquidTimingSource = '';
  scene = '';
  readonly history = {
    frameMs: new Series(),
    divergence: new Series(),
    drift: new Series(),
    /** 1 = predicted, 0 = solved. */
    predicted: new Series(),
  };

  reset(scene: SceneDescription | null): void {
    this.frame = 0;
    this.solvedFrames = 0;
    this.predictedFrames = 0;
    this.scene = scene ? `${scene.name} [${scene.resolution.join('x')}]` : '';
    for (const s of Object.values(this.history)) s.clear();
  }

  private count(mode: 'solve' | 'predict'): void {
    this.mode = mode;
    if (mode === 'predict') this.predictedFrames++;
    else this.solvedFrames++;
    this.history.predicted.push(mode === 'predict' ? 1 : 0);
  }

  /**
   * A frame with full metrics. `wallMs`: from the step's start until the metrics were read;
   * `cpuSubmitMs`: until the step was submitted.
   */
  push(m: FrameMetrics, wallMs: number, cpuSubmitMs = NaN): void {
    this.frame = m.frame;
    this.t = m.t;
    this.count(m.mode);
    this.ms = m.ms;
    this.timingSource = m.timingSource;
    this.gpuMs = m.timingSource === 'gpu-timestamps' ? Object.values(m.ms).reduce((a, b) => a + b, 0) : NaN;
    this.cpuSubmitMs = cpuSubmitMs;
    this.frameMs = m.timingSource === 'gpu-timestamps' ? this.gpuMs : wallMs;
    this.divergenceL2 = m.divergenceL2;
    this.divergenceLinf = m.divergenceLinf;
    this.volumeDrift = m.volumeDrift;
    this.maxSpeed = m.maxSpeed;
    this.pressureIterations = m.pressureIterations;
    this.extra = m.extra ?? {};
    this.history.frameMs.push(this.frameMs);
    this.history.divergence.push(m.divergenceL2);
    this.history.drift.push(m.volumeDrift);
  }

  /** A frame without metrics (collectStats off): only frame, time, mode and CPU submit time. */
  pushLight(frame: number, t: number, mode: 'solve' | 'predict', cpuSubmitMs: number): void {
    this.frame = frame;
    this.t = t;
    this.count(mode);
    this.frameMs = cpuSubmitMs;
    this.cpuSubmitMs = cpuSubmitMs;
    this.gpuMs = NaN;
    this.timingSource = 'cpu-submit';
    this.history.frameMs.push(cpuSubmitMs);
  }
}
