import { type ColliderBenchmarkOptions, DEFAULT_COLLIDER_BENCHMARK_OPTIONS, runColliderBenchmark } from '../bench/mesh-collider-benchmark';
import { createNodeGpu } from '../node/node-gpu';
import { writeJsonResult } from './json-output';
import { intOption, parseArgs, stringOption, UsageError } from './args';

export const COLLIDER_BENCH_HELP = `npm run bench -- --colliders [options]

Mesh collider costs (issue 20) on whatever WebGPU adapter Node finds: building the SDF of a
20480-triangle torus at each --voxelize-res, and at --res^3 a dam break with --count turning
mesh colliders (the solids recomposed every frame) against the same frame without them
(Jacobi at a fixed --iterations, so both do the same pressure work). Prints JSON.

Options:
  --voxelize-res LIST  SDF resolutions of the build rows (default 64,128)
  --res N              grid of the resample and frame rows (default 64)
  --count N            mesh colliders (default 8)
  --repeats N          measured runs (default 5; medians)
  --warmup N           frames before the frame rows (default 3)
  --iterations N       Jacobi iterations per frame (default 100)
  --json FILE          write the JSON there (else to stdout)
`;

/** `npm run bench -- --colliders`: parses its options, runs the bench, prints or writes the JSON. */
export async function colliderBenchmarkCommand(argv: string[], log: (line: string) => void): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(COLLIDER_BENCH_HELP); return 0; }
  const args = parseArgs(argv.filter((a) => a !== '--colliders'), { values: ['voxelize-res', 'res', 'count', 'repeats', 'warmup', 'iterations', 'json'], flags: [] });
  const d = DEFAULT_COLLIDER_BENCHMARK_OPTIONS;
  const text = stringOption(args, 'voxelize-res');
  const voxelizeResolutions = text === undefined ? d.voxelizeResolutions : text.split(',').map((x) => Number(x.trim()));
  if (voxelizeResolutions.some((x) => !Number.isInteger(x) || x < 8 || x > 256)) throw new UsageError(`--voxelize-res must be a comma-separated list of integers in [8, 256] (got ${text})`);
  const options: ColliderBenchmarkOptions = {
    voxelizeResolutions,
    frameResolution: intOption(args, 'res', d.frameResolution, 8, 256),
    colliders: intOption(args, 'count', d.colliders, 1, 64),
    repeats: intOption(args, 'repeats', d.repeats, 1, 1000),
    warmupFrames: intOption(args, 'warmup', d.warmupFrames, 1, 1000),
    jacobiIterations: intOption(args, 'iterations', d.jacobiIterations, 1, 100000),
  };
  const gpu = await createNodeGpu();
  log(`adapter ${gpu.adapterName}${gpu.isFallbackAdapter ? ' (software: numbers say nothing about real GPUs)' : ''}`);
  const result = await runColliderBenchmark(gpu.device, gpu.adapterName, options, log);
  writeJsonResult(result, stringOption(args, 'json'), log);
  gpu.device.destroy();
  return 0;
}
