import { SceneValidationError } from '../scene/scene-validation';
import { NoWebGpuAdapterError, WebGpuPackageMissingError } from '../node/node-gpu';
import { LatentUnavailableError } from './latent-options';
import { UsageError } from './args';
import { SIMULATE_HELP, simulateCommand } from './simulate-command';
import { DATASET_HELP, datasetCommand } from './dataset-command';
import { COMPARE_HELP, compareCommand } from './compare-command';
import { HEADROOM_HELP, headroomCommand } from './headroom-command';
import { PRESET_NAMES } from '../scene/presets';

const HELP = `latent-liquid: real-time 3D liquids on WebGPU with a learned latent pressure predictor

Usage:
  latent-liquid simulate <preset|scene.json> [options]   run a liquid headless, write metrics/dumps
  latent-liquid dataset --out DIR [options]              randomized scenes -> training data (.npy)
  latent-liquid compare <preset|scene.json> [options]    latent vs full solve every frame, per interval
  latent-liquid headroom --data DIR [options]            what any pressure predictor could save (CPU, dataset frames)
  latent-liquid presets                                  list the built-in scenes
  latent-liquid help [command]                           show help

Presets: ${PRESET_NAMES.join(', ')}
Run 'latent-liquid help simulate' for the options.
`;

const COMMANDS: Record<string, { help: string; run: (argv: string[]) => Promise<void> }> = {
  simulate: { help: SIMULATE_HELP, run: simulateCommand },
  dataset: { help: DATASET_HELP, run: datasetCommand },
  compare: { help: COMPARE_HELP, run: compareCommand },
  headroom: { help: HEADROOM_HELP, run: headroomCommand },
};

/**
 * Runs the CLI and returns the process exit code (0, 1: failed, 2: usage error); it never exits
 * the process itself. bin/latent-liquid.mjs calls it and sets process.exitCode.
 */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    const topic = rest[0] && COMMANDS[rest[0]];
    process.stdout.write(topic ? topic.help : HELP);
    return 0;
  }
  if (command === 'presets') {
    process.stdout.write(`${PRESET_NAMES.join('\n')}\n`);
    return 0;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    process.stderr.write(`latent-liquid: unknown command '${command}'\n\n${HELP}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(entry.help);
    return 0;
  }
  try {
    await entry.run(rest);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`latent-liquid ${command}: ${e.message}\nRun 'latent-liquid help ${command}' for usage.\n`);
      return 2;
    }
    if (e instanceof SceneValidationError || e instanceof NoWebGpuAdapterError || e instanceof WebGpuPackageMissingError
      || e instanceof LatentUnavailableError || e instanceof RangeError) {
      process.stderr.write(`latent-liquid ${command}: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`latent-liquid ${command}: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
