import {
  attachLatentPredictor, loadModelFiles, loadModelFromUrl,
  type LatentPressureStage, type LatentSchedule, type LiquidSolver, type ModelFiles,
} from '../src/index';
import { adaptiveThreshold, type LiquidVolumeSettings, type ModelAssets } from './liquid-settings';

/** The latent schedule the settings ask for. */
export function scheduleFromSettings(s: LiquidVolumeSettings): Partial<LatentSchedule> {
  return { interval: s.interval, correctionIterations: s.correctionIterations, adaptiveThreshold: adaptiveThreshold(s.adaptive) };
}

/** The model files of the settings: the assets if given, else the URL; null when neither is. */
export function modelFilesFromSettings(s: LiquidVolumeSettings): Promise<ModelFiles> | null {
  if (s.modelAssets) return modelFilesFromAssets(s.modelAssets);
  if (s.modelUrl) return loadModelFromUrl(s.modelUrl);
  return null;
}

function modelFilesFromAssets(a: ModelAssets): Promise<ModelFiles> {
  const manifest = new TextEncoder().encode(typeof a.manifest === 'string' ? a.manifest : JSON.stringify(a.manifest));
  return loadModelFiles('model assets', async (name) => {
    if (name === 'manifest.json') return manifest;
    const buffer = /encoder/.test(name) ? a.encoder : /lstm/.test(name) ? a.lstm : /decoder/.test(name) ? a.decoder : undefined;
    if (!buffer) throw new Error(`no asset for ${name}`);
    return new Uint8Array(buffer);
  });
}

/**
 * The latent predictor of one solver, per the settings: attached when `solver` is 'latent'
 * and a model is given, detached (the solver's classical stage) otherwise. The caller runs
 * `attach` while no step is in flight.
 */
export class LatentAttachment {
  /** The attached stage, if any. */
  stage: LatentPressureStage | null = null;

  constructor(private readonly warn: (message: string) => void) {}

  /** Detaches the current stage (if any), then attaches the model the settings name. */
  async attach(solver: LiquidSolver, s: LiquidVolumeSettings, isCurrent: () => boolean): Promise<void> {
    this.detach(solver);
    if (s.solver !== 'latent') return;
    const files = modelFilesFromSettings(s);
    if (!files) {
      this.warn('latent-liquid: liquidVolume.solver is "latent" but neither model assets nor liquidVolume.modelUrl are set; solving with Jacobi only');
      return;
    }
    const stage = await attachLatentPredictor(solver, files, {
      schedule: scheduleFromSettings(s),
      ort: s.ortWasmPath ? { wasmPaths: s.ortWasmPath } : {},
      onWarning: this.warn,
    });
    if (!stage) return;
    if (isCurrent()) this.stage = stage;
    else if (solver.pressureStage === stage) solver.setPressureStage(solver.classicalStage); // destroys it
  }

  /** Back to the classical solve (the latent stage and its ORT sessions are destroyed). */
  detach(solver: LiquidSolver | null): void {
    if (this.stage && solver && solver.pressureStage === this.stage) solver.setPressureStage(solver.classicalStage);
    this.stage = null;
  }

  /** Applies the schedule settings to the attached stage (next step on). */
  updateSchedule(s: LiquidVolumeSettings): void {
    this.stage?.scheduler.update(scheduleFromSettings(s));
  }
}
