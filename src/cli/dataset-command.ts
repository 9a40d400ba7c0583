import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFloat32 } from '../gpu/readback';
import { LiquidSolver } from '../solver/liquid-solver';
import { PcgPressureStage } from '../solver/pressure/pcg-pressure-stage';
import { createNodeGpu } from '../node/node-gpu';
import { writeNpy } from '../node/npy';
import { Progress } from '../node/progress';
import { randomScene } from '../scene/random-scene';
import { intOption, numberOption, parseArgs, stringOption, UsageError } from './args';

export const DATASET_HELP = `latent-liquid dataset --out DIR [options]
latent-liquid dataset --merge DIR

Simulates randomized scenes (liquid boxes and drops of random size and place, obstacles,
emitters, tilting gravity) headless with a converged pressure solve, and writes per scene the
pressure, hydrostatic pressure, level set, pressure system (rhs, diag), solid level set and
gravity of every frame as .npy, plus a JSON index (docs/contracts.md). Deterministic for a given seed and label solver.
Labels: --labels mgpcg solves on the GPU with multigrid-preconditioned CG (float32) to
--tolerance; --labels pcg reads each system back and solves it on the CPU with
MIC(0)-preconditioned CG in float64. --labels auto (default) takes mgpcg on a hardware GPU and
pcg on a software adapter (SwiftShader), where the multigrid kernels are the slow part
(32^3: about 20 s a frame with mgpcg, 0.5 s with pcg).

Options:
  --out DIR         output folder
  --scenes N        scenes (default 24)
  --frames F        frames per scene (default 100)
  --res N           cells per edge of the 1 m tank (default 32)
  --seed S          seed of the whole dataset (default 1)
  --labels M        auto (default), mgpcg (GPU) or pcg (CPU, float64)
  --tolerance T     relative residual of the pressure solve (default 1e-5 mgpcg, 1e-6 pcg)
  --shard i/n       write only scenes whose number is i mod n (for parallel processes)
  --merge DIR       merge the shard indexes in DIR into DIR/index.json
  --mesh-obstacles  half the obstacles are non-convex rock meshes (mesh colliders); the rest
                    of each scene is the same as without
  --quiet           no progress output
`;

interface SceneEntry { id: string; seed: number; frames: number; kind: string; shard: string; pcgIterations: number; maxRelativeResidual: number }

/** CG iterations a GPU label solve may take per frame (it starts warm from the last frame). */
const MGPCG_LABEL_MAX_ITERATIONS = 100;

function sceneSeed(datasetSeed: number, index: number): number {
  return (Math.imul(datasetSeed ^ 0x9e3779b9, 2654435761) + Math.imul(index + 1, 40503)) >>> 0;
}

/** `latent-liquid dataset`. */
export async function datasetCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { values: ['out', 'scenes', 'frames', 'res', 'seed', 'tolerance', 'labels', 'shard', 'merge'], flags: ['quiet', 'mesh-obstacles'] });
  const mergeDir = stringOption(args, 'merge');
  if (mergeDir) {
    const n = mergeIndexes(mergeDir);
    process.stderr.write(`merged ${n} scenes into ${join(mergeDir, 'index.json')}\n`);
    return;
  }
  const out = stringOption(args, 'out');
  if (!out) throw new UsageError('--out DIR is required');
  const scenes = intOption(args, 'scenes', 24, 1, 100000);
  const frames = intOption(args, 'frames', 100, 2, 100000);
  const res = intOption(args, 'res', 32, 8, 256);
  const seed = intOption(args, 'seed', 1, 0, 2 ** 31 - 1);
  const requestedLabels = stringOption(args, 'labels') ?? 'auto';
  if (requestedLabels !== 'auto' && requestedLabels !== 'mgpcg' && requestedLabels !== 'pcg') {
    throw new UsageError(`--labels must be auto, mgpcg or pcg (got ${requestedLabels})`);
  }
  // Checked before any GPU work; its default depends on the labels, known once the adapter is.
  const requestedTolerance = numberOption(args, 'tolerance', undefined, 0, 1, true);
  const quiet = args.options.has('quiet');
  const meshObstacles = args.options.has('mesh-obstacles');
  let shardIndex = 0, shardCount = 1;
  const shard = stringOption(args, 'shard');
  if (shard) {
    const m = /^(\d+)\/(\d+)$/.exec(shard);
    if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new UsageError(`--shard must be i/n with 0 <= i < n (got ${shard})`);
    shardIndex = Number(m[1]);
    shardCount = Number(m[2]);
  }
  mkdirSync(out, { recursive: true });
  const gpu = await createNodeGpu();
  if (gpu.notice && !quiet) process.stderr.write(`latent-liquid: ${gpu.notice}\n`);
  // A software adapter runs the V-cycle's many small dispatches far slower than a CPU solve.
  const labels = requestedLabels === 'auto' ? (gpu.isFallbackAdapter ? 'pcg' : 'mgpcg') : requestedLabels;
  const tolerance = requestedTolerance ?? (labels === 'mgpcg' ? 1e-5 : 1e-6);
  const mine = Array.from({ length: scenes }, (_, i) => i).filter((i) => i % shardCount === shardIndex);
  const progress = new Progress('dataset frames', mine.length * frames, quiet);
  if (!quiet) process.stderr.write(`dataset: ${mine.length} scenes x ${frames} frames at ${res}^3 on ${gpu.adapterName}, ${labels} labels${requestedLabels === 'auto' ? ' (auto)' : ''} to ${tolerance} -> ${out}\n`);
  const entries: SceneEntry[] = [];
  const dt = 1 / 60;
  let done = 0;
  for (const i of mine) {
    const s = sceneSeed(seed, i);
    const { scene, kind } = randomScene(s, res, { meshObstacles });
    const id = `scene_${String(i).padStart(5, '0')}`;
    const dir = join(out, id);
    mkdirSync(dir, { recursive: true });
    const solver = await LiquidSolver.create(gpu.device, scene);
    let pcg: PcgPressureStage | null = null;
    if (labels === 'pcg') solver.setPressureStage(pcg = new PcgPressureStage(solver, tolerance));
    else await solver.configurePressure({ method: 'mgpcg', tolerance, maxIterations: MGPCG_LABEL_MAX_ITERATIONS });
    const cells = solver.grid.cellCount;
    const pressure = new Float32Array(frames * cells);
    const hydrostatic = new Float32Array(frames * cells);
    const levelset = new Float32Array(frames * cells);
    const rhs = new Float32Array(frames * cells);
    const diag = new Float32Array(frames * cells);
    const solid = new Float32Array(frames * cells);
    const gravity = new Float32Array(frames * 3);
    let pcgIterations = 0, maxRel = 0;
    try {
      for (let f = 0; f < frames; f++) {
        gravity.set(solver.gravityAt(solver.time), f * 3);
        await solver.step();
        const solved = pcg
          ? { iterations: pcg.lastIterations, relativeResidual: pcg.lastRelativeResidual, outcome: 'converged' }
          : await solver.classicalStage.readSolveReport!();
        if (solved.outcome === 'max-iterations') {
          throw new Error(`${id} frame ${f}: the label solve stopped at ${MGPCG_LABEL_MAX_ITERATIONS} iterations with relative residual ${solved.relativeResidual.toExponential(2)} > --tolerance ${tolerance}`);
        }
        pcgIterations += solved.iterations;
        maxRel = Math.max(maxRel, solved.relativeResidual);
        // The pressure used for this frame's projection, with the level set and hydrostatic
        // part it was solved for (the level set is not moved by the projection).
        // The frame's Poisson system (per cell 1/diag, b/diag, neighbour mask, diag; zeros outside
        // the active liquid cells) lets training measure the divergence a predicted pressure leaves.
        // The solid level set is a state model's third input channel (docs/contracts.md).
        const [p, h, phi, system, sol] = await Promise.all([solver.readField('pressure'), solver.readField('hydrostatic'),
          solver.readField('levelset'), readFloat32(solver.device, solver.fields.pressureSystem, cells * 4),
          solver.readField('solid')]);
        for (const v of p) if (!Number.isFinite(v)) throw new Error(`${id} frame ${f}: the solver produced a non-finite pressure`);
        pressure.set(p, f * cells);
        hydrostatic.set(h, f * cells);
        levelset.set(phi, f * cells);
        solid.set(sol, f * cells);
        for (let c = 0; c < cells; c++) {
          diag[f * cells + c] = system[4 * c + 3];
          rhs[f * cells + c] = system[4 * c + 1] * system[4 * c + 3];
        }
        progress.update(++done, `(${id}, ${kind})`);
      }
    } finally {
      solver.destroy();
    }
    const shape = [frames, res, res, res];
    writeNpy(join(dir, 'pressure.npy'), pressure, shape);
    writeNpy(join(dir, 'hydrostatic.npy'), hydrostatic, shape);
    writeNpy(join(dir, 'levelset.npy'), levelset, shape);
    writeNpy(join(dir, 'rhs.npy'), rhs, shape);
    writeNpy(join(dir, 'diag.npy'), diag, shape);
    writeNpy(join(dir, 'solid.npy'), solid, shape);
    writeNpy(join(dir, 'gravity.npy'), gravity, [frames, 3]);
    writeFileSync(join(dir, 'scene.json'), JSON.stringify(scene, null, 2));
    entries.push({ id, seed: s, frames, kind, shard: `${shardIndex}/${shardCount}`, pcgIterations: pcgIterations / frames, maxRelativeResidual: maxRel });
  }
  gpu.device.destroy();
  const index = {
    format: 'latent-liquid-dataset', version: 1, seed, resolution: [res, res, res], cellSize: 1 / res, density: 1000, dt,
    fields: ['pressure', 'hydrostatic', 'levelset', 'rhs', 'diag', 'solid'],
    solver: labels === 'pcg' ? { method: 'mic0-pcg', tolerance, maxIterations: 5000 } : { method: 'mgpcg', tolerance, maxIterations: MGPCG_LABEL_MAX_ITERATIONS },
    generator: { scenes, frames, shard: `${shardIndex}/${shardCount}`, ...(meshObstacles ? { meshObstacles } : {}) },
    scenes: entries,
  };
  const name = shardCount > 1 ? `index.shard-${shardIndex}-of-${shardCount}.json` : 'index.json';
  writeFileSync(join(out, name), JSON.stringify(index, null, 2));
  if (!quiet) process.stderr.write(`wrote ${entries.length} scenes and ${join(out, name)}\n`);
}

/** Merges index.shard-*-of-*.json files into index.json; returns the scene count. */
export function mergeIndexes(dir: string): number {
  if (!existsSync(dir)) throw new UsageError(`--merge: ${dir} does not exist`);
  const files = readdirSync(dir).filter((f) => /^index\.shard-\d+-of-\d+\.json$/.test(f)).sort();
  if (files.length === 0) throw new UsageError(`--merge: no index.shard-i-of-n.json files in ${dir}`);
  const parts = files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
  const first = parts[0];
  for (const p of parts) {
    for (const key of ['seed', 'resolution', 'cellSize', 'density', 'dt']) {
      if (JSON.stringify(p[key]) !== JSON.stringify(first[key])) throw new Error(`--merge: shards disagree on ${key}`);
    }
  }
  const count = Number(/-of-(\d+)\.json$/.exec(files[0])![1]);
  if (files.length !== count) throw new Error(`--merge: found ${files.length} of ${count} shards`);
  const scenes = parts.flatMap((p) => p.scenes).sort((a: SceneEntry, b: SceneEntry) => a.id.localeCompare(b.id));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ ...first, generator: { ...first.generator, shard: `merged ${count}` }, scenes }, null, 2));
  return scenes.length;
}
