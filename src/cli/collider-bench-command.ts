import { type ColliderBenchmarkOptions, DEFAULT_COLLIDER_BENCHMARK_OPTIONS, runColliderBenchmark } from '../bench/mesh-collider-benchmark';
import { intOption, parseArgs, stringOption, UsageError } from './args';
import { frameBenchOptions, runFrameBench } from './frame-bench-run';

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
    ...frameBenchOptions(args, d),
  };
  return await runFrameBench(args, log, (device, adapterName) => runColliderBenchmark(device, adapterName, options, log));
}
