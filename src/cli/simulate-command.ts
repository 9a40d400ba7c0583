import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { LiquidSolver, type FrameMetrics } from '../solver/liquid-solver';
import { PRESSURE_METHODS } from '../scene/scene-description';
import { SCENE_DEFAULTS, SCENE_LIMITS } from '../scene/scene-validation';
import { createNodeGpu } from '../node/node-gpu';
import { dumpFrame } from '../node/field-dump';
import { Progress } from '../node/progress';
import { readUint32 } from '../gpu/readback';
import { intOption, numberOption, parseArgs, stringOption, UsageError } from './args';
import { loadScene } from './load-scene';
import { attachLatentSolver, LATENT_OPTION_FLAGS, LATENT_OPTION_VALUES, readLatentSettings } from './latent-options';

export const SIMULATE_HELP = `latent-liquid simulate <preset|scene.json> [options]

Runs a liquid headless on WebGPU (Node, Dawn) and writes metrics and field dumps.

Options:
  --res N                   cells along the scene's longest axis (presets: a 1 m tank), 4..512
  --frames F                frames to simulate (default 120; a frame is timeStep.frame = 1/60 s)
  --pressure jacobi|mgpcg   the pressure solve (default: the scene's; scenes that name none use
                            jacobi below 64 cells along the longest axis and mgpcg from 64)
  --jacobi-iterations K     fixed Jacobi iterations per step (default: the scene's, 100)
  --tolerance T             iterate until the relative residual is below T, checked on the GPU
                            (jacobi: instead of a fixed count; mgpcg: default 1e-3)
  --max-iterations M        iteration cap in tolerance mode (default 5000 jacobi, 20 mgpcg; at most 200 for mgpcg)
  --substeps N|auto         steps per frame (auto: CFL-limited)
  --metrics FILE.jsonl      one JSON object per frame (frame, t, volume, maxSpeed, divergenceL2,
                            divergenceLinf, pressureIterations, mode, ms, ...)
  --dump DIR                write levelset/pressure/velocity .npy + a JSON sidecar per dumped frame
  --dump-every M            dump every M frames (default 10)
  --solver jacobi|latent    pressure from Jacobi every step, or from the latent predictor
  --model DIR               latent model set (default: the shipped model for the resolution)
  --interval N              latent: full Jacobi solve every N-th step (default 4)
  --correction-iterations K latent: Jacobi iterations after each prediction (default 4)
  --adaptive THRESHOLD      latent: RMS divergence (1/s) above which a prediction is discarded
                            for a full solve (default 1; 0 turns the check off)
  --warmup-frames W         latent: solved steps before predictions start (default: the model's window)
  --latent-runtime ort|wgsl latent: run the networks on onnxruntime-web (default) or on our own WGSL
                            kernels, recorded into the step without flushes (models they do not
                            recognise run on onnxruntime-web, with a warning)
  --allow-fallback          latent: if the model cannot run (missing or broken files, a grid it does
                            not serve), solve with Jacobi after a warning instead of exiting with 1
  --no-timing               do not use GPU timestamps
  --quiet                   no progress output
`;

/** `latent-liquid simulate`. */
export async function simulateCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, {
    values: ['res', 'frames', 'pressure', 'jacobi-iterations', 'tolerance', 'max-iterations', 'substeps', 'metrics', 'dump', 'dump-every', ...LATENT_OPTION_VALUES],
    flags: ['quiet', 'no-timing', ...LATENT_OPTION_FLAGS],
  });
  if (args.positionals.length > 1) throw new UsageError(`simulate takes one scene, got ${args.positionals.join(' ')}`);
  const res = intOption(args, 'res', -1, 4, 512);
  const scene = loadScene(args.positionals[0], res > 0 ? res : undefined);
  const frames = intOption(args, 'frames', 120, 1, 10_000_000);
  const method = stringOption(args, 'pressure');
  if (method !== undefined && !(PRESSURE_METHODS as readonly string[]).includes(method)) {
    throw new UsageError(`--pressure must be one of ${PRESSURE_METHODS.join(', ')} (got ${method})`);
  }
  if (method !== undefined && method !== scene.pressure.method) {
    // The other method's defaults: a cap means Jacobi or CG iterations.
    scene.pressure = method === 'mgpcg'
      ? { ...scene.pressure, method: 'mgpcg', tolerance: SCENE_DEFAULTS.mgpcg.tolerance, maxIterations: SCENE_DEFAULTS.mgpcg.maxIterations }
      : { ...scene.pressure, method: 'jacobi', tolerance: undefined, maxIterations: SCENE_DEFAULTS.pressure.maxIterations };
  }
  const mgpcg = scene.pressure.method === 'mgpcg';
  if (args.options.has('jacobi-iterations') && (args.options.has('tolerance') || mgpcg)) {
    throw new UsageError(mgpcg ? '--jacobi-iterations applies to --pressure jacobi only' : '--jacobi-iterations and --tolerance exclude each other');
  }
  scene.pressure.iterations = intOption(args, 'jacobi-iterations', scene.pressure.iterations, 0, 100_000);
  const tolerance = numberOption(args, 'tolerance', undefined, 0, 1, true);
  if (tolerance !== undefined) scene.pressure.tolerance = tolerance;
  scene.pressure.maxIterations = intOption(args, 'max-iterations', scene.pressure.maxIterations, 1, mgpcg ? SCENE_LIMITS.maxMgpcgIterations : 1_000_000);
  const substeps = stringOption(args, 'substeps');
  if (substeps !== undefined) {
    if (substeps === 'auto') scene.timeStep.substeps = 'auto';
    else scene.timeStep.substeps = intOption(args, 'substeps', 1, 1, 64);
  }
  const metricsPath = stringOption(args, 'metrics');
  const dumpDir = stringOption(args, 'dump');
  const dumpEvery = intOption(args, 'dump-every', 10, 1, 1_000_000);
  const quiet = args.options.has('quiet');
  const latentSettings = readLatentSettings(args);

  const gpu = await createNodeGpu();
  if (gpu.notice && !quiet) process.stderr.write(`latent-liquid: ${gpu.notice}\n`);
  const timing = !args.options.has('no-timing') && metricsPath !== undefined;
  const solver = await LiquidSolver.create(gpu.device, scene, { timing });
  const latent = await attachLatentSolver(solver, latentSettings, quiet);
  solver.collectMetrics = metricsPath !== undefined;
  if (!quiet) {
    process.stderr.write(`latent-liquid: ${scene.name} [${scene.resolution.join('x')}] on ${gpu.adapterName}`
      + `${gpu.isFallbackAdapter ? ' (software adapter: slow)' : ''}, ${frames} frames, pressure: ${latent ? latent.describe() : describeJacobi(scene.pressure)}\n`);
  }

  let metricsOut: WriteStream | null = null;
  if (metricsPath) {
    mkdirSync(dirname(metricsPath) || '.', { recursive: true });
    metricsOut = createWriteStream(metricsPath);
  }
  const progress = new Progress('simulate', frames, quiet);
  let repaired = 0;
  let last: FrameMetrics | null = null;
  const wallStart = performance.now();
  try {
    if (dumpDir) await dumpFrame(solver, dumpDir);
    for (let f = 0; f < frames; f++) {
      await solver.step();
      if (solver.lostReason) throw new Error(`the GPU device was lost: ${solver.lostReason}`);
      if (metricsOut) {
        last = await solver.readMetrics();
        metricsOut.write(`${JSON.stringify(last)}\n`);
        if (last.repairedValues > repaired) {
          process.stderr.write(`warning: frame ${last.frame}: ${last.repairedValues - repaired} non-finite values appeared and were repaired (set to 0 / air)\n`);
          repaired = last.repairedValues;
        }
      }
      if (dumpDir && solver.frame % dumpEvery === 0) await dumpFrame(solver, dumpDir);
      progress.update(f + 1, last ? `volume drift ${(last.volumeDrift * 100).toFixed(3)}%` : '');
    }
    const health = await readUint32(gpu.device, solver.fields.health, 3);
    const total = health[0] + health[1] + health[2];
    if (total > repaired) process.stderr.write(`warning: ${total} non-finite values appeared during the run and were repaired\n`);
    if (!quiet) {
      const seconds = (performance.now() - wallStart) / 1000;
      process.stderr.write(`done: ${frames} frames in ${seconds.toFixed(1)} s (${(seconds * 1000 / frames).toFixed(1)} ms/frame)`
        + `${last ? `, final volume ${last.volume.toFixed(6)} m^3 (drift ${(last.volumeDrift * 100).toFixed(4)}%), divergence L2 ${last.divergenceL2.toExponential(2)} 1/s` : ''}\n`);
      if (latent) process.stderr.write(`${await latent.summary()}\n`);
    }
  } finally {
    if (metricsOut) await new Promise<void>((resolve) => metricsOut!.end(resolve));
    latent?.destroy();
    solver.destroy();
    gpu.device.destroy();
  }
}

function describeJacobi(p: { method: string; iterations: number; tolerance?: number; maxIterations: number }): string {
  if (p.method === 'mgpcg') return `MGPCG to relative residual ${p.tolerance} (cap ${p.maxIterations} iterations)`;
  return p.tolerance !== undefined ? `Jacobi to relative residual ${p.tolerance} (cap ${p.maxIterations})` : `Jacobi, ${p.iterations} iterations`;
}
