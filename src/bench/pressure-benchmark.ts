import type { PredictorOptions } from '../latent/latent-pressure-predictor';
import { LiquidSolver, type FrameMetrics } from '../solver/liquid-solver';
import type { PressureStage } from '../solver/pressure/pressure-stage';
import type { MgpcgPressureStage } from '../solver/pressure/mgpcg-pressure-stage';
import { presetScene } from '../scene/presets';
import type { MultigridDescription } from '../scene/scene-description';
import { SCENE_DEFAULTS } from '../scene/scene-validation';
import { attachLatentPredictor } from '../latent/attach-latent';
import type { LatentPressureStage } from '../latent/latent-pressure-stage';
import type { ModelFiles } from '../latent/model-manifest';
import { LatentPressurePredictor } from '../latent/latent-pressure-predictor';
import { readFloat32 } from '../gpu/readback';
import { median } from '../analysis/statistics';
import { timedFrame } from './frame-samples';
import { COARSE_CYCLE_CELLS, COARSE_CYCLE_MAX_LEVEL_CELLS } from '../solver/pressure/multigrid-levels';

/** What to measure. */
export interface BenchmarkOptions {
  resolutions: number[];
  /** Fixed Jacobi iteration counts to time. */
  jacobiIterations: number[];
  /** Iterations of the full solve in whole-frame comparisons. */
  fullIterations: number;
  /** Correction iterations of the latent path. */
  correctionIterations: number;
  /** Intervals of the whole-frame latent comparison. */
  intervals: number[];
  /** Measured repetitions per variant (medians reported). */
  repeats: number;
  /** Frames simulated before measuring (the scene state everything is measured on). */
  warmupFrames: number;
  preset: string;
  /** Relative residual of the tolerance-mode rows (Jacobi and MGPCG). */
  relativeTolerance: number;
  /** RMS divergence targets (1/s): iterations and time of each classical method to reach them. */
  divergenceTargets: number[];
  /** Iteration caps of the tolerance-mode rows (Jacobi; MGPCG). */
  jacobiMaxIterations: number;
  mgpcgMaxIterations: number;
  /** Resolutions at which only the classical methods run (no model, e.g. 256). */
  classicalOnly?: number[];
  /** onnxruntime-web settings (browsers: where its wasm is served) and the runtime of the `latent` rows (default ORT). */
  ort?: PredictorOptions;
  /** V-cycle smoothings measured besides the scene's (MGPCG to relativeTolerance from the same state). */
  smoothings: SmoothingVariant[];
  /**
   * Also measure the latent path on the WGSL runtime (`latentWgsl`), from the same state, when
   * the `latent` rows run on ORT (default true).
   */
  wgslRow?: boolean;
  /**
   * Also measure the latent path on ORT with graph capture (`OrtOptions.graphCapture`: the
   * first run records the dispatches, later runs replay them), from the same state, when the
   * `latent` rows run on ORT without it (default false: experimental, see README "Graph capture").
   */
  captureRow?: boolean;
}

export const DEFAULT_BENCHMARK_OPTIONS: BenchmarkOptions = {
  resolutions: [32],
  jacobiIterations: [20, 50, 100, 200],
  fullIterations: 100,
  correctionIterations: 4,
  intervals: [2, 4, 8],
  repeats: 5,
  warmupFrames: 12,
  preset: 'dam-break',
  relativeTolerance: 1e-3,
  divergenceTargets: [1, 0.3, 0.1, 0.03, 0.01],
  jacobiMaxIterations: 20_000,
  mgpcgMaxIterations: 20,
  smoothings: [{ smoother: 'red-black', sweeps: 1 }, { smoother: 'red-black', sweeps: 2 }],
  wgslRow: true,
  captureRow: false,
};

/**
 * One MGPCG variant the bench measures or profiles: a V-cycle smoothing and, optionally, the
 * coarse-cycle threshold of its hierarchy (a solver tuning, not a scene setting; see
 * MultigridTuning; undefined: the solver's default, COARSE_CYCLE_CELLS).
 */
export interface SmoothingVariant extends MultigridDescription {
  coarseCycleCells?: number;
}

/** Entry of `--smoothings` / `?smoothings=`: the syntax parseSmoothings reads. */
const SMOOTHING_SYNTAX = `SMOOTHER[:SWEEPS[:ccCELLS]] with SMOOTHER jacobi or red-black, SWEEPS an integer in 1..4 (default 1) and CELLS the coarse-cycle threshold, an integer in 0..${COARSE_CYCLE_MAX_LEVEL_CELLS} (default ${COARSE_CYCLE_CELLS}; 0: one dispatch per operation and level)`;

/**
 * Smoothings from text: "SMOOTHER[:SWEEPS[:ccCELLS]]" entries, comma-separated
 * ("red-black:2,jacobi:1:cc0"; SWEEPS defaults to 1, CELLS to the solver's default), or "none".
 * @throws RangeError naming the entry, the part that is wrong and the allowed values
 */
export function parseSmoothings(text: string): SmoothingVariant[] {
  if (text.trim() === 'none') return [];
  return text.split(',').map((raw) => {
    const item = raw.trim();
    const bad = (why: string) => new RangeError(`"${item}": ${why}; an entry is ${SMOOTHING_SYNTAX}`);
    const parts = item.split(':');
    if (parts.length > 3) throw bad('too many parts');
    const [smoother, sweeps = '1', cc] = parts;
    if (smoother !== 'jacobi' && smoother !== 'red-black') throw bad(`unknown smoother "${smoother}"`);
    const n = Number(sweeps);
    if (sweeps.trim() === '' || !Number.isInteger(n) || n < 1 || n > 4) throw bad(`SWEEPS must be an integer in 1..4 (got "${sweeps}")`);
    if (cc === undefined) return { smoother, sweeps: n };
    const cells = /^cc\d+$/.test(cc) ? Number(cc.slice(2)) : NaN;
    if (!Number.isInteger(cells) || cells > COARSE_CYCLE_MAX_LEVEL_CELLS) {
      throw bad(`the coarse-cycle threshold must be ccCELLS with CELLS an integer in 0..${COARSE_CYCLE_MAX_LEVEL_CELLS} (got "${cc}")`);
    }
    return { smoother, sweeps: n, coarseCycleCells: cells };
  });
}

/** A variant in parseSmoothings' syntax, its threshold always written out ("red-black:1:cc512"): the rows' label. */
export function smoothingLabel(v: SmoothingVariant): string {
  return `${v.smoother}:${v.sweeps}:cc${v.coarseCycleCells ?? COARSE_CYCLE_CELLS}`;
}

/** MGPCG to the tolerance with one V-cycle smoothing, from the previous pressure and from none. */
export interface SmoothingRow extends MultigridDescription {
  /** smoothingLabel: "SMOOTHER:SWEEPS:ccCELLS". */
  label: string;
  /** The hierarchy's coarse-cycle threshold (0: one dispatch per operation and level). */
  coarseCycleCells: number;
  /** The first level the coarse cycle covers (-1: none, every level dispatched per operation). */
  coarseCycleStart: number;
  /** From the previous frame's pressure, the adaptive budget (what a frame costs). */
  fromPrevious: ToleranceRow;
  /** The same with the cap encoded. */
  fromPreviousCap: ToleranceRow;
  /** From the hydrostatic pressure (measures the preconditioner). */
  fromHydrostatic: ToleranceRow;
  dispatchesPerIteration: number;
}

/** A GPU-decided solve to a tolerance, timed from the same state. */
export interface ToleranceRow {
  tolerance: number;
  criterion: 'relative-residual' | 'divergence-rms';
  iterations: number;
  outcome: string;
  /** Pressure pass time (ms), median. */
  pressureMs: number;
  /** Whole step (ms), median. */
  frameMs: number;
  /** RMS divergence after the projection (1/s). */
  divergenceL2: number;
  /** pressureMs / iterations. */
  msPerIteration: number;
  /** Iteration cap encoded (the iterations after convergence are no-ops that still launch). */
  maxIterations: number;
}

/** Cost of one classical method to reach one RMS divergence target. */
export interface TargetCost {
  iterations: number;
  /** Pressure time (ms) of a solve of exactly that many iterations. */
  pressureMs: number;
  reached: boolean;
}

/** The classical methods side by side from one state. */
export interface MethodRows {
  /** Fixed-count Jacobi: ms per iteration (from the largest fixed count). */
  jacobiFixedMsPerIteration: number;
  jacobiTolerance: ToleranceRow;
  /** The same solve with the adaptive iteration budget (the default): what a frame costs. */
  jacobiToleranceAdaptive: ToleranceRow;
  /** jacobiToleranceAdaptive.msPerIteration / jacobiFixedMsPerIteration. */
  jacobiToleranceOverhead: number;
  /** MGPCG with the adaptive iteration budget. */
  mgpcgToleranceAdaptive: ToleranceRow;
  /**
   * MGPCG from no warm start (the system build starts liquid cells at the hydrostatic
   * pressure): iterations that measure the preconditioner, not the previous frame.
   */
  mgpcgFromHydrostatic: ToleranceRow;
  mgpcgTolerance: ToleranceRow;
  /** Dispatches one MGPCG iteration encodes. */
  mgpcgDispatchesPerIteration: number;
  /** Per RMS divergence target: Jacobi and MGPCG iterations and time from the same state. */
  targets: { divergence: number; jacobi: TargetCost; mgpcg: TargetCost }[];
  /** The scene's smoothing (at the default coarse-cycle threshold), then each of options.smoothings. */
  smoothings?: SmoothingRow[];
}

/** One measured variant: medians over the repeats. */
export interface Measurement {
  /** Median GPU (or wall) time of the pressure part (ms). */
  pressureMs: number;
  /** Median time of the whole step (ms). */
  frameMs: number;
  /** Median time per pass (ms). */
  passes: Record<string, number>;
  /** RMS divergence after the projection (1/s), median. */
  divergenceL2: number;
  /** Jacobi iterations run (median). */
  iterations: number;
  /**
   * Median wall-clock time of the whole step until the GPU finished it (ms): what the CPU
   * waits, including onnxruntime-web's per-run overhead and the flushes it needs.
   */
  wallMs: number;
}

/** The latent path on one runtime, from the benchmark's state. */
export interface LatentRuntimeRows {
  /** 'ort-captured': onnxruntime-web with graph capture. */
  runtime: 'ort' | 'wgsl' | 'ort-captured';
  /** A predicted step (prediction + corrections). */
  predicted: Measurement;
  /** A solved step that is encoded into the history. */
  solveFrame: Measurement;
  /** Whole frame at each interval, amortized from the two above (ms). */
  wholeFrame: Record<string, number>;
  /** GPU memory of the runtime's weights and scratch activations (bytes; null: ORT's, not known). */
  networkBytes: number | null;
}

/** Results at one resolution. */
export interface ResolutionResult {
  resolution: [number, number, number];
  cells: number;
  jacobi: Record<string, Measurement>;
  latent: Measurement | null;
  /** Jacobi run until it reaches the latent path's residual. */
  jacobiAtLatentResidual: Measurement | null;
  /** Latent pressure time / Jacobi pressure time at the same residual. */
  ratioAtMatchedResidual: number | null;
  /** Whole-frame time: Jacobi (full iterations every step) and latent at each interval (amortized). */
  wholeFrame: { jacobi: number; latent: Record<string, number>; latentSolveFrame: number | null; latentPredictFrame: number | null };
  memory: { liquidBytes: number; latentBuffersBytes: number | null; modelWeightsBytes: number | null; note: string };
  /** Jacobi to tolerance, MGPCG to tolerance, and both to divergence targets. */
  methods?: MethodRows;
  /** MGPCG's solve at the latent path's residual (iterations and time from the same state). */
  mgpcgAtLatentResidual?: TargetCost | null;
  /**
   * The prediction as a warm start: MGPCG (the latent path's full solve, to the warm-up
   * tolerance) from the predicted pressure against the same solve from the previous pressure.
   */
  predictionAsWarmStart?: { tolerance: number; fromPrediction: Measurement; fromPrevious: Measurement; iterationRatio: number };
  latentError?: string;
  /**
   * The latent path per runtime: the `latent` row's (ORT by default) and, with `wgslRow` and
   * `captureRow`, the WGSL runtime's and ORT's with graph capture.
   */
  latentRuntimes?: LatentRuntimeRows[];
  /** Why the WGSL row is missing (an unrecognised graph, for example). */
  latentWgslError?: string;
  /** Why the graph-capture row is missing (ORT refused to capture the graph, for example). */
  latentCaptureError?: string;
}

/** The whole benchmark run. */
export interface BenchmarkResult {
  tool: 'latent-liquid bench';
  date: string;
  adapter: string;
  timing: 'gpu-timestamps' | 'wall-clock';
  options: BenchmarkOptions;
  results: ResolutionResult[];
  notes: string[];
}

/** Relative residual of the warm-up frames' (and the latent path's full) MGPCG solves. */
const WARMUP_TOLERANCE = 1e-4;

interface Snapshot { phi: Float32Array; velocity: Float32Array; pressure: Float32Array; history: Float32Array | null; anchor: Float32Array | null }

/**
 * Measures, on one scene state per resolution: Jacobi at fixed iteration counts and the
 * residual each leaves; the latent path (prediction + K corrections) per pass and its
 * residual; the Jacobi iterations (and time) to reach that residual; whole frames of Jacobi
 * and of latent at several intervals (amortized from the measured solve and predict frames);
 * and the GPU memory of the liquid and the models. Every variant starts from the same
 * snapshot (restored by upload), so they see the same state.
 */
export async function runPressureBenchmark(device: GPUDevice, adapterName: string, options: BenchmarkOptions,
  loadModel: ((dims: [number, number, number]) => Promise<ModelFiles> | null) | null,
  log: (line: string) => void = () => undefined): Promise<BenchmarkResult> {
  const results: ResolutionResult[] = [];
  let timing: BenchmarkResult['timing'] = 'wall-clock';
  for (const n of options.resolutions) {
    log(`resolution ${n}^3: warming up ${options.warmupFrames} frames`);
    const scene = presetScene(options.preset, n);
    scene.pressure.iterations = options.fullIterations;
    const solver = await LiquidSolver.create(device, scene, { timing: true });
    if (solver.timer.supported) timing = 'gpu-timestamps';
    // The state everything is measured on is a converged simulation's (and the latent path's
    // full solves run the same converged method).
    await solver.configurePressure({ method: 'mgpcg', tolerance: WARMUP_TOLERANCE, maxIterations: 60, iterationBudget: 'adaptive' });
    // The latent path's full solve (the measured rows below switch the solver's classical stage).
    const warmupSolve = solver.classicalStage;
    let latent: LatentPressureStage | null = null;
    let latentError: string | undefined;
    let modelBytes: number | null = null;
    let model: ModelFiles | null = null;
    /** Second predictors on the same solver (the WGSL and graph-capture rows), restored with `latent`. */
    const extraStages: LatentPressureStage[] = [];
    try {
      const files = loadModel?.(scene.resolution) ?? null;
      if (files) {
        model = await files;
        modelBytes = LatentPressurePredictor.modelBytes(model);
        latent = await attachLatentPredictor(solver, model, {
          // The adaptive check is off: a discarded prediction costs a full solve, which would
          // mix two paths into one timing (the check's own cost is its 'adaptiveCheck' pass).
          schedule: { interval: 1_000_000, correctionIterations: options.correctionIterations, warmupFrames: options.warmupFrames, adaptiveThreshold: undefined },
          // ORT first (the mission's runtime), our WGSL runtime measured beside it (extraRows)
          ort: { ...options.ort, runtime: options.ort?.runtime ?? 'ort' },
          onWarning: (m) => { latentError = m; log(m); },
        });
      } else {
        latentError = 'no model serves this resolution';
      }
      // Warm-up: full solves (encoded into the history when latent is on).
      for (let f = 0; f < options.warmupFrames; f++) await solver.step();
      const snapshot: Snapshot = {
        phi: await readFloat32(device, solver.fields.levelSet, solver.grid.cellCount),
        velocity: await readFloat32(device, solver.fields.velocity, solver.grid.faceCount),
        pressure: await readFloat32(device, solver.fields.pressure, solver.grid.cellCount),
        history: latent ? await latent.predictor.saveHistory() : null,
        anchor: latent ? await readFloat32(device, latent.predictor.gpuBuffers.anchor, 2 * solver.grid.cellCount) : null,
      };
      const restore = () => {
        device.queue.writeBuffer(solver.fields.levelSet, 0, snapshot.phi);
        device.queue.writeBuffer(solver.fields.velocity, 0, snapshot.velocity);
        device.queue.writeBuffer(solver.fields.pressure, 0, snapshot.pressure);
        for (const s of [latent, ...extraStages]) {
          if (!s || !snapshot.history || !snapshot.anchor) continue;
          s.predictor.restoreHistory(snapshot.history);
          device.queue.writeBuffer(s.predictor.gpuBuffers.anchor, 0, snapshot.anchor);
        }
      };
      const jacobiStage = await solver.createClassicalStage({ ...scene.pressure, method: 'jacobi' });
      const mgpcgStage = await solver.createClassicalStage({ ...scene.pressure, method: 'mgpcg', tolerance: options.relativeTolerance, maxIterations: options.mgpcgMaxIterations }) as MgpcgPressureStage;
      const use = (stage: PressureStage) => solver.setPressureStage(stage, { keepPrevious: true });
      const measure = async (setup: () => void, pressurePasses: string[]): Promise<Measurement> => {
        const samples: FrameMetrics[] = [];
        const walls: number[] = [];
        for (let r = 0; r < options.repeats + 1; r++) {
          restore();
          setup();
          const { metrics: m, wallMs } = await timedFrame(device, solver);
          if (r > 0) samples.push(m); // the first run warms pipelines and caches
          if (r > 0) walls.push(wallMs);
        }
        const passNames = [...new Set(samples.flatMap((s) => Object.keys(s.ms)))];
        const passes = Object.fromEntries(passNames.map((k) => [k, median(samples.map((s) => s.ms[k] ?? 0))]));
        const sum = (s: FrameMetrics, keys: string[]) => keys.reduce((a, k) => a + (s.ms[k] ?? 0), 0);
        return {
          pressureMs: median(samples.map((s) => sum(s, pressurePasses))),
          frameMs: median(samples.map((s) => Object.values(s.ms).reduce((a, b) => a + b, 0))),
          passes,
          divergenceL2: median(samples.map((s) => s.divergenceL2)),
          iterations: median(samples.map((s) => s.pressureIterations)),
          wallMs: median(walls),
        };
      };
      const useJacobi = (settings: Partial<typeof scene.pressure>) => () => {
        jacobiStage.configure({ ...scene.pressure, ...settings });
        use(jacobiStage);
      };
      const useMgpcg = (tolerance: number, criterion: MgpcgPressureStage['criterion'], maxIterations: number, iterationBudget: 'cap' | 'adaptive' = 'cap') => () => {
        mgpcgStage.configure({ tolerance, maxIterations, iterationBudget });
        mgpcgStage.criterion = criterion;
        use(mgpcgStage);
      };
      // Iterations a GPU-checked solve from the snapshot needs (one readback, outside the timings).
      const iterationsNeeded = async (stage: PressureStage): Promise<{ iterations: number; outcome: string }> => {
        restore();
        use(stage);
        solver.collectMetrics = true;
        await solver.step();
        await solver.readMetrics();
        const report = await stage.readSolveReport!();
        return { iterations: report.iterations, outcome: report.outcome };
      };
      const jacobiToDivergence = (target: number, maxIterations: number): PressureStage => ({
        // Always the cap: this finds how many iterations a solve needs.
        name: 'jacobi-to-divergence',
        computePressure: (ctx) => {
          solver.pressureSolver.iterateToTolerance(ctx.encoder, null, { tolerance: target, criterion: 'divergence-rms', maxIterations, checkInterval: 2 });
          return { mode: 'solve', iterationsOnGpu: true };
        },
        readSolveReport: () => solver.pressureSolver.readReport(),
      });
      const toleranceRow = async (setup: () => void, tolerance: number, criterion: ToleranceRow['criterion'], maxIterations: number): Promise<ToleranceRow> => {
        const m = await measure(setup, ['pressure']);
        restore();
        setup();
        solver.collectMetrics = true;
        await solver.step();
        await solver.readMetrics();
        const report = await solver.pressureStage.readSolveReport!();
        return {
          tolerance, criterion, iterations: report.iterations, outcome: report.outcome, pressureMs: m.pressureMs, frameMs: m.frameMs,
          divergenceL2: m.divergenceL2, msPerIteration: m.pressureMs / Math.max(1, report.iterations), maxIterations,
        };
      };
      const result: ResolutionResult = {
        resolution: scene.resolution, cells: solver.grid.cellCount, jacobi: {}, latent: null, jacobiAtLatentResidual: null,
        ratioAtMatchedResidual: null, wholeFrame: { jacobi: NaN, latent: {}, latentSolveFrame: null, latentPredictFrame: null },
        memory: { liquidBytes: solver.gpuBytes, latentBuffersBytes: latent?.predictor.gpuBytes ?? null, modelWeightsBytes: modelBytes, note: 'onnxruntime-web keeps its own copies of the weights and intermediate tensors on the GPU; those are not counted' },
        ...(latentError ? { latentError } : {}),
      };
      for (const k of options.jacobiIterations) {
        log(`  jacobi ${k} iterations`);
        result.jacobi[String(k)] = await measure(useJacobi({ iterations: k, tolerance: undefined }), ['pressure']);
      }
      result.wholeFrame.jacobi = (await measure(useJacobi({ iterations: options.fullIterations, tolerance: undefined }), ['pressure'])).frameMs;
      if (latent) {
        const stage = latent;
        log('  latent: predicted step');
        // A state-conditioned model also builds its state and runs the state encoder ('state').
        const predictPasses = [...(stage.predictor.manifest.state ? ['state'] : []), 'lstm', 'decode', 'applyPrediction', 'correction', 'fallback'];
        result.latent = await measure(() => { use(stage); stage.forceNextMode = 'predict'; }, predictPasses);
        log('  latent: solved step (with encoding)');
        const solveFrame = await measure(() => { use(stage); stage.forceNextMode = 'solve'; }, ['pressure', 'encodeInput', 'encode']);
        result.wholeFrame.latentSolveFrame = solveFrame.frameMs;
        result.wholeFrame.latentPredictFrame = result.latent.frameMs;
        for (const n2 of options.intervals) {
          result.wholeFrame.latent[String(n2)] = ((n2 - 1) * result.latent.frameMs + solveFrame.frameMs) / n2;
        }
        const amortized = (predicted: Measurement, solved: Measurement) =>
          Object.fromEntries(options.intervals.map((n2) => [String(n2), ((n2 - 1) * predicted.frameMs + solved.frameMs) / n2]));
        result.latentRuntimes = [{
          runtime: stage.predictor.runtime, predicted: result.latent, solveFrame, wholeFrame: amortized(result.latent, solveFrame),
          networkBytes: stage.predictor.networkGpuBytes,
        }];
        const ortOptions = options.ort ?? {};
        const extraRows: { runtime: 'wgsl' | 'ort-captured'; ort: PredictorOptions }[] = [];
        if (model && stage.predictor.runtime === 'ort' && !ortOptions.graphCapture) {
          if (options.wgslRow !== false) extraRows.push({ runtime: 'wgsl', ort: { ...ortOptions, runtime: 'wgsl' } });
          if (options.captureRow) extraRows.push({ runtime: 'ort-captured', ort: { ...ortOptions, graphCapture: true } });
        }
        for (const row of extraRows) {
          // The same path on another runtime: a second predictor on the same solver, given the
          // snapshot's history and delta anchor by `restore`.
          log(`  latent on ${row.runtime}: predicted and solved steps`);
          use(warmupSolve);
          let warning: string | undefined;
          const extra = await attachLatentPredictor(solver, model!, {
            schedule: { interval: 1_000_000, correctionIterations: options.correctionIterations, warmupFrames: options.warmupFrames, adaptiveThreshold: undefined },
            ort: row.ort,
            onWarning: (m) => { warning = m; log(m); },
          });
          // attachLatentPredictor warns only when it falls back (to ORT, or to no model at all).
          const attached = extra !== null && extra.predictor.runtime === (row.runtime === 'wgsl' ? 'wgsl' : 'ort');
          if (attached) {
            extraStages.push(extra);
            const predicted = await measure(() => { use(extra); extra.forceNextMode = 'predict'; }, predictPasses);
            const solved = await measure(() => { use(extra); extra.forceNextMode = 'solve'; }, ['pressure', 'encodeInput', 'encode']);
            // A run that failed fell back to a solve and was timed as one: no row then.
            if (!warning) result.latentRuntimes.push({ runtime: row.runtime, predicted, solveFrame: solved, wholeFrame: amortized(predicted, solved), networkBytes: extra.predictor.networkGpuBytes });
          } else {
            use(warmupSolve);
            extra?.destroy();
          }
          if (!attached || warning) {
            const why = warning ?? `the ${row.runtime} runtime could not be attached`;
            if (row.runtime === 'wgsl') result.latentWgslError = why;
            else result.latentCaptureError = why;
          }
          use(warmupSolve);
        }
        log('  latent: the prediction as the warm start of an MGPCG solve');
        const fromPrevious = await measure(() => use(warmupSolve), ['pressure']);
        stage.scheduler.update({ correction: 'solve' });
        const fromPrediction = await measure(() => { use(stage); stage.forceNextMode = 'predict'; }, [...predictPasses, 'pressure']);
        stage.scheduler.update({ correction: 'jacobi' });
        result.predictionAsWarmStart = {
          tolerance: WARMUP_TOLERANCE, fromPrediction, fromPrevious, iterationRatio: fromPrevious.iterations / Math.max(fromPrediction.iterations, 1e-9),
        };
        log(`  jacobi to the latent residual ${result.latent.divergenceL2.toExponential(2)} 1/s`);
        // How many iterations Jacobi needs from this state to reach the latent residual (a
        // GPU-checked tolerance solve, read back once), then time exactly that many.
        const toResidual = Math.max(result.latent.divergenceL2, 1e-9);
        const needed = (await iterationsNeeded(jacobiToDivergence(toResidual, options.jacobiMaxIterations))).iterations;
        const matched = await measure(useJacobi({ iterations: Math.max(1, needed), tolerance: undefined }), ['pressure']);
        result.jacobiAtLatentResidual = matched;
        result.ratioAtMatchedResidual = result.latent.pressureMs / matched.pressureMs;
        const mg = await iterationsNeeded((useMgpcg(toResidual, 'divergence-rms', options.mgpcgMaxIterations)(), mgpcgStage));
        const mgTimed = await measure(useMgpcg(toResidual, 'divergence-rms', Math.max(1, mg.iterations)), ['pressure']);
        result.mgpcgAtLatentResidual = { iterations: mg.iterations, pressureMs: mgTimed.pressureMs, reached: mg.outcome === 'converged' };
      }
      log('  classical methods: tolerance mode and divergence targets');
      const fixedCounts = Object.entries(result.jacobi).sort((a, b) => Number(b[0]) - Number(a[0]));
      const jacobiFixedMsPerIteration = fixedCounts.length ? fixedCounts[0][1].pressureMs / Number(fixedCounts[0][0]) : NaN;
      const jacobiToTolerance = (iterationBudget: 'cap' | 'adaptive') =>
        useJacobi({ tolerance: options.relativeTolerance, maxIterations: options.jacobiMaxIterations, checkInterval: 10, iterationBudget });
      const jacobiTolerance = await toleranceRow(jacobiToTolerance('cap'), options.relativeTolerance, 'relative-residual', options.jacobiMaxIterations);
      const jacobiToleranceAdaptive = await toleranceRow(jacobiToTolerance('adaptive'), options.relativeTolerance, 'relative-residual', options.jacobiMaxIterations);
      const mgpcgTolerance = await toleranceRow(useMgpcg(options.relativeTolerance, 'relative-residual', options.mgpcgMaxIterations, 'cap'),
        options.relativeTolerance, 'relative-residual', options.mgpcgMaxIterations);
      const mgpcgToleranceAdaptive = await toleranceRow(useMgpcg(options.relativeTolerance, 'relative-residual', options.mgpcgMaxIterations, 'adaptive'),
        options.relativeTolerance, 'relative-residual', options.mgpcgMaxIterations);
      const zeroPressure = new Float32Array(solver.grid.cellCount);
      const mgpcgFromHydrostatic = await toleranceRow(() => {
        useMgpcg(options.relativeTolerance, 'relative-residual', options.mgpcgMaxIterations, 'cap')();
        device.queue.writeBuffer(solver.fields.pressure, 0, zeroPressure);
      }, options.relativeTolerance, 'relative-residual', options.mgpcgMaxIterations);
      const targets: MethodRows['targets'] = [];
      for (const target of options.divergenceTargets) {
        log(`  to RMS divergence ${target} 1/s`);
        const j = await iterationsNeeded(jacobiToDivergence(target, options.jacobiMaxIterations));
        const jTimed = await measure(useJacobi({ iterations: Math.max(1, j.iterations), tolerance: undefined }), ['pressure']);
        const m = await iterationsNeeded((useMgpcg(target, 'divergence-rms', options.mgpcgMaxIterations)(), mgpcgStage));
        const mTimed = await measure(useMgpcg(target, 'divergence-rms', Math.max(1, m.iterations)), ['pressure']);
        targets.push({
          divergence: target,
          jacobi: { iterations: j.iterations, pressureMs: jTimed.pressureMs, reached: j.outcome === 'converged' },
          mgpcg: { iterations: m.iterations, pressureMs: mTimed.pressureMs, reached: m.outcome === 'converged' },
        });
      }
      // The scene's smoothing is mgpcgStage's: its rows are the ones measured above.
      const sceneSmoothing = { ...(scene.pressure.multigrid ?? SCENE_DEFAULTS.multigrid), coarseCycleCells: COARSE_CYCLE_CELLS };
      const smoothings: SmoothingRow[] = [{
        ...sceneSmoothing, label: smoothingLabel(sceneSmoothing), coarseCycleStart: mgpcgStage.multigridSolver.coarseCycleStart,
        fromPrevious: mgpcgToleranceAdaptive, fromPreviousCap: mgpcgTolerance,
        fromHydrostatic: mgpcgFromHydrostatic, dispatchesPerIteration: mgpcgStage.dispatchesPerIteration,
      }];
      // Each row in the log as it is measured, so a run cut short by a time limit keeps them.
      const logRow = (m: SmoothingRow) => log(`    ${m.label}: ${m.fromPrevious.iterations} it, ${m.fromPrevious.pressureMs.toFixed(3)} ms adaptive, `
        + `${m.fromPreviousCap.pressureMs.toFixed(3)} ms cap; from hydrostatic ${m.fromHydrostatic.iterations} it, ${m.fromHydrostatic.pressureMs.toFixed(3)} ms; ${m.dispatchesPerIteration} dispatches/it`);
      logRow(smoothings[0]);
      for (const variant of options.smoothings) {
        const smoothing = { smoother: variant.smoother, sweeps: variant.sweeps };
        const coarseCycleCells = variant.coarseCycleCells ?? COARSE_CYCLE_CELLS;
        const label = smoothingLabel(variant);
        if (smoothings.some((x) => x.label === label)) continue;
        log(`  MGPCG with ${smoothing.sweeps} ${smoothing.smoother} sweep(s), coarse cycle ${coarseCycleCells ? `<= ${coarseCycleCells} cells` : 'off'} (${label})`);
        const stage = await solver.createClassicalStage({ ...scene.pressure, method: 'mgpcg', tolerance: options.relativeTolerance, maxIterations: options.mgpcgMaxIterations, multigrid: smoothing },
          { coarseCycleCells }) as MgpcgPressureStage;
        const useStage = (budget: 'cap' | 'adaptive', fromHydrostatic = false) => () => {
          stage.configure({ tolerance: options.relativeTolerance, maxIterations: options.mgpcgMaxIterations, iterationBudget: budget });
          use(stage);
          if (fromHydrostatic) device.queue.writeBuffer(solver.fields.pressure, 0, zeroPressure);
        };
        const row = (budget: 'cap' | 'adaptive', fromHydrostatic = false) =>
          toleranceRow(useStage(budget, fromHydrostatic), options.relativeTolerance, 'relative-residual', options.mgpcgMaxIterations);
        smoothings.push({
          ...smoothing, label, coarseCycleCells, coarseCycleStart: stage.multigridSolver.coarseCycleStart,
          fromPrevious: await row('adaptive'), fromPreviousCap: await row('cap'), fromHydrostatic: await row('cap', true),
          dispatchesPerIteration: stage.dispatchesPerIteration,
        });
        logRow(smoothings[smoothings.length - 1]);
      }
      result.methods = {
        jacobiFixedMsPerIteration, jacobiTolerance, jacobiToleranceAdaptive, jacobiToleranceOverhead: jacobiToleranceAdaptive.msPerIteration / jacobiFixedMsPerIteration,
        mgpcgTolerance, mgpcgToleranceAdaptive, mgpcgFromHydrostatic, mgpcgDispatchesPerIteration: mgpcgStage.dispatchesPerIteration, targets, smoothings,
      };
      results.push(result);
    } finally {
      for (const extra of extraStages) if (solver.pressureStage !== extra) extra.destroy();
      solver.destroy();
    }
  }
  return {
    tool: 'latent-liquid bench', date: new Date().toISOString(), adapter: adapterName, timing, options, results,
    notes: [
      'Medians over repeated steps from one restored scene state, after a discarded first run.',
      `The state: warm-up frames solved with MGPCG to relative residual ${WARMUP_TOLERANCE} (the latent path's full solves use the same); its last pressure is every variant's warm start.`,
      'Whole latent frames at interval N are amortized: ((N-1) * predicted frame + solved-and-encoded frame) / N.',
      "Latent runtimes: 'ort' runs the networks through onnxruntime-web's WebGPU provider (each run submitted and awaited; its GPU time is a span between timestamps around it); 'wgsl' records our own kernels into the step (its GPU time is the passes' own). 'Wall' is the step's wall-clock time until the GPU finished it.",
      'Divergence residuals are the RMS divergence over liquid cells after the projection (1/s).',
      "'Jacobi at the latent residual': the iterations a GPU-checked solve needed (checked every 2) to reach the latent path's residual from the same state, timed as a plain fixed-count solve.",
    ],
  };
}
