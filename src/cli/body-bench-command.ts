import { type BodyBenchmarkOptions, DEFAULT_BODY_BENCHMARK_OPTIONS, runBodyBenchmark } from '../bench/body-coupling-benchmark';
import { intOption, parseArgs } from './args';
import { frameBenchOptions, runFrameBench } from './frame-bench-run';

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
    ...frameBenchOptions(args, d),
  };
  return await runFrameBench(args, log, (device, adapterName) => runBodyBenchmark(device, adapterName, options, log));
}
