import { createNodeGpu } from '../node/node-gpu';
import { intOption, type ParsedArgs, stringOption } from './args';
import { writeJsonResult } from './json-output';

/** The options every frame benchmark takes (the bodies' and the colliders'). */
export interface FrameBenchOptions {
  repeats: number;
  warmupFrames: number;
  jacobiIterations: number;
}

/** Reads --repeats, --warmup and --iterations, each in its range, `defaults` where absent. */
export function frameBenchOptions(args: ParsedArgs, defaults: FrameBenchOptions): FrameBenchOptions {
  return {
    repeats: intOption(args, 'repeats', defaults.repeats, 1, 1000),
    warmupFrames: intOption(args, 'warmup', defaults.warmupFrames, 1, 1000),
    jacobiIterations: intOption(args, 'iterations', defaults.jacobiIterations, 1, 100000),
  };
}

/**
 * Runs a benchmark on the WebGPU adapter Node finds (named in the log, software adapters
 * flagged), writes its JSON to --json or stdout and destroys the device. Returns the exit code.
 */
export async function runFrameBench(args: ParsedArgs, log: (line: string) => void,
  run: (device: GPUDevice, adapterName: string) => Promise<unknown>): Promise<number> {
  const gpu = await createNodeGpu();
  log(`adapter ${gpu.adapterName}${gpu.isFallbackAdapter ? ' (software: numbers say nothing about real GPUs)' : ''}`);
  const result = await run(gpu.device, gpu.adapterName);
  writeJsonResult(result, stringOption(args, 'json'), log);
  gpu.device.destroy();
  return 0;
}
