import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Vec3 } from '../scene/scene-description';
import {
  DEFAULT_HEADROOM_OPTIONS, headroomTable, measureHeadroom, summarizeHeadroom,
  type HeadroomFrame, type HeadroomGuess, type HeadroomOptions, type HeadroomResult,
} from '../analysis/pressure-headroom';
import { readNpyFrame } from '../node/npy';
import { Progress } from '../node/progress';
import { intOption, numberOption, parseArgs, stringOption, UsageError } from './args';

export const HEADROOM_HELP = `latent-liquid headroom --data DIR [options]

How much ANY predictor of the next pressure could save the classical solve, measured on a
dataset's solved frames with the CPU mirrors of the GPU kernels (no GPU needed). For each frame
it starts the solve from: zero; the previous frame's pressure (the free warm start); a linear
extrapolation of the last two; the previous pressure plus the TRUE change averaged over blocks
of 8^3, 4^3 and 2^3 cells (a perfect predictor whose output is that coarse); and the previous
pressure plus 50%, 90% and 99% of the true change (a prediction with that error). It reports the
MGPCG iterations to a tolerance from each, and the residual after K Jacobi iterations with the
extra iterations the previous pressure needs to get there (the guess's worth).

Options:
  --data DIR          dataset folder (latent-liquid dataset; needs rhs, diag, solid)
  --scenes LIST       comma-separated scene ids (default: all)
  --stride N          every N-th frame from the 3rd (default 6)
  --tolerance T       MGPCG relative residual (default 1e-3)
  --jacobi LIST       Jacobi iteration counts K (default 4,64)
  --jacobi-max N      cap of the previous pressure's Jacobi run (default 1024)
  --markdown FILE     the tables as Markdown (also printed)
  --json FILE         per-frame results and summaries
  --quiet             no progress output
`;

interface DatasetIndex {
  format?: string;
  resolution: number[];
  fields?: string[];
  scenes: { id: string; frames: number; kind?: string }[];
}

const FIELDS = ['pressure', 'rhs', 'diag', 'levelset', 'solid'] as const;

function readIndex(root: string): DatasetIndex {
  const path = join(root, 'index.json');
  if (!existsSync(path)) throw new UsageError(`--data ${root}: no index.json (write one with 'latent-liquid dataset --out ${root}')`);
  const index = JSON.parse(readFileSync(path, 'utf8')) as DatasetIndex;
  if (index.format !== 'latent-liquid-dataset') throw new UsageError(`--data ${root}: index.json is not a latent-liquid dataset (format ${String(index.format)})`);
  const missing = FIELDS.filter((f) => !(index.fields ?? []).includes(f));
  if (missing.length) throw new UsageError(`--data ${root}: the dataset has no ${missing.join(', ')} (written by older versions); regenerate it`);
  return index;
}

function loadFrame(dir: string, dims: Vec3, f: number): HeadroomFrame {
  const read = (field: string, frame: number) => {
    const { data, shape } = readNpyFrame(join(dir, `${field}.npy`), frame);
    if (shape.join() !== [dims[2], dims[1], dims[0]].join()) throw new RangeError(`${dir}/${field}.npy: frame shape [${shape.join(', ')}], the index says [${[dims[2], dims[1], dims[0]].join(', ')}]`);
    return data;
  };
  return {
    dims, rhs: read('rhs', f), diag: read('diag', f), phi: read('levelset', f), solidPhi: read('solid', f),
    pressure: read('pressure', f), previous: read('pressure', f - 1), beforePrevious: read('pressure', f - 2),
  };
}

/** `latent-liquid headroom`. */
export async function headroomCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { values: ['data', 'scenes', 'stride', 'tolerance', 'jacobi', 'jacobi-max', 'markdown', 'json'], flags: ['quiet'] });
  if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  const root = stringOption(args, 'data');
  if (!root) throw new UsageError('--data DIR is required');
  const index = readIndex(root);
  const dims = index.resolution as Vec3;
  const wanted = stringOption(args, 'scenes')?.split(',').map((s) => s.trim()).filter(Boolean);
  const scenes = wanted ? wanted.map((id) => {
    const s = index.scenes.find((x) => x.id === id);
    if (!s) throw new UsageError(`--scenes: ${id} is not in ${root} (it has ${index.scenes.map((x) => x.id).join(', ')})`);
    return s;
  }) : index.scenes;
  const stride = intOption(args, 'stride', 6, 1, 10_000);
  const jacobiText = stringOption(args, 'jacobi');
  const jacobiIterations = jacobiText ? jacobiText.split(',').map(Number) : DEFAULT_HEADROOM_OPTIONS.jacobiIterations;
  if (!jacobiIterations.length || !jacobiIterations.every((k) => Number.isInteger(k) && k >= 0 && k <= 10_000)) {
    throw new UsageError(`--jacobi must be comma-separated integers in [0, 10000] (got ${jacobiText})`);
  }
  const options: HeadroomOptions = {
    tolerance: numberOption(args, 'tolerance', DEFAULT_HEADROOM_OPTIONS.tolerance, 0, 1, true)!,
    maxIterations: DEFAULT_HEADROOM_OPTIONS.maxIterations,
    jacobiIterations,
    jacobiMax: intOption(args, 'jacobi-max', DEFAULT_HEADROOM_OPTIONS.jacobiMax, 1, 100_000),
  };
  const work = scenes.flatMap((s) => {
    const frames: number[] = [];
    for (let f = 2; f < s.frames; f += stride) frames.push(f);
    return frames.map((f) => ({ scene: s, frame: f }));
  });
  if (!work.length) throw new UsageError(`--data ${root}: no scene has 3 or more frames`);
  const progress = new Progress('headroom frames', work.length, args.options.has('quiet'));
  const byKind = new Map<string, Record<HeadroomGuess, HeadroomResult>[]>();
  const rows: { scene: string; kind: string; frame: number; results: Record<HeadroomGuess, HeadroomResult> }[] = [];
  for (const [n, { scene, frame }] of work.entries()) {
    const results = measureHeadroom(loadFrame(join(root, scene.id), dims, frame), options);
    const kind = scene.kind || 'unknown';
    rows.push({ scene: scene.id, kind, frame, results });
    for (const key of ['all', kind]) {
      if (!byKind.has(key)) byKind.set(key, []);
      byKind.get(key)!.push(results);
    }
    progress.update(n + 1, `(${scene.id}, frame ${frame})`);
  }
  const summaries = Object.fromEntries([...byKind].map(([kind, r]) => [kind, summarizeHeadroom(r)]));
  const text = [
    `Headroom of a pressure predictor on ${root} (${dims.join('x')}), frames 2, ${2 + stride}, ${2 + 2 * stride}, ... of each scene; MGPCG iterations are means, worth is the median of the extra Jacobi iterations the previous pressure needs (cap ${options.jacobiMax}).`,
    ...Object.entries(summaries).map(([kind, s]) => headroomTable(`### ${kind}`, s, options)),
  ].join('\n\n');
  process.stdout.write(`${text}\n`);
  const md = stringOption(args, 'markdown');
  if (md) { mkdirSync(dirname(md), { recursive: true }); writeFileSync(md, `${text}\n`); }
  const json = stringOption(args, 'json');
  if (json) { mkdirSync(dirname(json), { recursive: true }); writeFileSync(json, `${JSON.stringify({ data: root, resolution: dims, stride, options, summaries, frames: rows }, null, 1)}\n`); }
}
