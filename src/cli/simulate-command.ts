import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { LiquidSolver, type FrameMetrics } from '../solver/liquid-solver';
import { createNodeGpu } from '../node/node-gpu';
import { dumpFrame } from '../node/field-dump';
import { Progress } from '../node/progress';
import { readUint32 } from '../gpu/readback';
import { intOption, parseArgs, stringOption, UsageError } from './args';
import { loadScene } from './load-scene';
import { applyPressureOptions, describePressure, PRESSURE_OPTION_VALUES, PRESSURE_OPTIONS_HELP } from './pressure-options';
import { attachLatentSolver, LATENT_OPTION_FLAGS, LATENT_OPTION_VALUES, readLatentSettings } from './latent-options';

export const SIMULATE_HELP = `latent-liquid simulate <preset|scene.json> [options]

Runs a liquid headless on WebGPU (Node, Dawn) and writes metrics and field dumps.

Options:
  --res N                   cells along the scene's longest axis (presets: a 1 m tank), 4..512
  --frames F                frames to simulate (default 120; a frame is timeStep.frame = 1/60 s)
${PRESSURE_OPTIONS_HELP}  --substeps N|auto         steps per frame (auto: CFL-limited)
  --metrics FILE.jsonl      one JSON object per frame (frame, t, volume, maxSpeed, divergenceL2,
                            divergenceLinf, pressureIterations, mode, ms, ...)
  --dump DIR                write levelset/pressure/velocity .npy + a JSON sidecar per dumped frame
  --dump-every M            dump every M frames (default 10)
  --solver classical|latent pressure from the classical solve (--pressure: jacobi or mgpcg) every
                            step, or from the latent predictor (jacobi: deprecated alias of classical)
  --model DIR               latent model set (default: the shipped model for the resolution)
  --interval N              latent: full classical solve every N-th step (default 4)
  --correction-iterations K latent: Jacobi iterations after each prediction (default 4)
  --correction jacobi|solve latent: correct predictions with those Jacobi iterations (default), or
                            run the full solve to its tolerance from the prediction (a warm start)
  --adaptive THRESHOLD      latent: RMS divergence (1/s) above which a prediction is discarded
                            for a full solve (default 1; 0 turns the check off)
  --warmup-frames W         latent: solved steps before predictions start (default: the model's window)
  --latent-runtime auto|ort|wgsl latent: run the networks on our own WGSL kernels, recorded into
                            the step without flushes, when they recognise the model, else on
                            onnxruntime-web (auto, default); ort or wgsl pick one (wgsl: a model
                            they do not recognise runs on onnxruntime-web, with a warning)
  --history-update encode-used|keep-predicted  latent: what a predicted step pushes into the
                            history: the encoding of the pressure used (default), or the predicted
                            code of a kept prediction (WGSL runtime; no encoder run on kept steps)
  --fallback same-step|next-step  latent: a discarded prediction's full solve runs in the same
                            step (default) or, after --fallback-iterations (default 48) gated
                            Jacobi iterations, on the next step (fewer dispatches recorded)
  --allow-fallback          latent: if the model cannot run (missing or broken files, a grid it does
                            not serve), solve with the classical solver after a warning instead of
                            exiting with 1
  --no-timing               do not use GPU timestamps
  --quiet                   no progress output
`;

/** `latent-liquid simulate`. */
export async function simulateCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, {
    values: ['res', 'frames', ...PRESSURE_OPTION_VALUES, 'substeps', 'metrics', 'dump', 'dump-every', ...LATENT_OPTION_VALUES],
    flags: ['quiet', 'no-timing', ...LATENT_OPTION_FLAGS],
  });
  if (args.positionals.length > 1) throw new UsageError(`simulate takes one scene, got ${args.positionals.join(' ')}`);
  const res = intOption(args, 'res', -1, 4, 512);
  const scene = loadScene(args.positionals[0], res > 0 ? res : undefined);
  const frames = intOption(args, 'frames', 120, 1, 10_000_000);
  applyPressureOptions(args, scene);
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
      + `${gpu.isFallbackAdapter ? ' (software adapter: slow)' : ''}, ${frames} frames, pressure: ${latent ? latent.describe() : describePressure(scene.pressure)}\n`);
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
