import { type BodyBenchmarkOptions, DEFAULT_BODY_BENCHMARK_OPTIONS, runBodyBenchmark } from '../bench/body-coupling-benchmark';
import { createNodeGpu } from '../node/node-gpu';
import { writeJsonResult } from './json-output';
import { intOption, parseArgs, stringOption } from './args';

export const BODY_BENCH_HELP = `npm run bench -- --bodies [options]

Rigid-body coupling costs (issue 21) on whatever WebGPU adapter Node finds: a still pool at
--res^3 with --count bobbing boxes (the force reduction and the solid composition every frame)
against the same pool without bodies (Jacobi at a fixed --iterations). Prints JSON.

Options:
  --res N              grid (default 64)
  --count N            bodies, 1..16 (default 16)
  --repeats N          measured frames (default 5; medians)
  --warmup N           frames before measuring (default 3)
  --iterations N       Jacobi iterations per frame (default 100)
  --json FILE          write the JSON there (else to stdout)
`;

/** \`npm run bench -- --bodies\`: parses its options, runs the bench, prints or writes the JSON. */
export async function bodyBenchmarkCommand(argv: string[], log: (line: string) => void): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(BODY_BENCH_HELP); return 0; }
  const args = parseArgs(argv.filter((a) => a !== '--bodies'), { values: ['res', 'count', 'repeats', 'warmup', 'iterations', 'json'], flags: [] });
  const d = DEFAULT_BODY_BENCHMARK_OPTIONS;
  const options: BodyBenchmarkOptions = {
    resolution: intOption(args, 'res', d.resolution, 8, 256),
    bodies: intOption(args, 'count', d.bodies, 1, 16),
    repeats: intOption(args, 'repeats', d.repeats, 1, 1000),
    warmupFrames: intOption(args, 'warmup', d.warmupFrames, 1, 1000),
    jacobiIterations: intOption(args, 'iterations', d.jacobiIterations, 1, 100000),
  };
  const gpu = await createNodeGpu();
  log(`adapter ${gpu.adapterName}${gpu.isFallbackAdapter ? ' (software: numbers say nothing about real GPUs)' : ''}`);
  const result = await runBodyBenchmark(gpu.device, gpu.adapterName, options, log);
  writeJsonResult(result, stringOption(args, 'json'), log);
  gpu.device.destroy();
  return 0;
}
