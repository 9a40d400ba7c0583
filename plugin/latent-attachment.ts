import {
  attachLatent, describeLatentFailure, loadModelFiles, loadModelFromUrl,
  type LatentPressureStage, type LatentSchedule, type LiquidSolver, type ModelFiles,
} from '../src/index';
import type { LiquidVolumeSettings, ModelAssets } from './liquid-settings';

/** The latent schedule the settings ask for. */
export function scheduleFromSettings(s: LiquidVolumeSettings): Partial<LatentSchedule> {
  return { interval: s.interval, correctionIterations: s.correctionIterations, adaptiveThreshold: s.adaptive };
}

/** The model files of the settings: the assets if given, else the URL; null when neither is. */
export function modelFilesFromSettings(s: LiquidVolumeSettings): Promise<ModelFiles> | null {
  if (s.modelAssets) return modelFilesFromAssets(s.modelAssets);
  if (s.modelUrl) return loadModelFromUrl(s.modelUrl);
  return null;
}

function modelFilesFromAssets(a: ModelAssets): Promise<ModelFiles> {
  const manifest = new TextEncoder().encode(typeof a.manifest === 'string' ? a.manifest : JSON.stringify(a.manifest));
  const json = typeof a.manifest === 'string' ? safeJson(a.manifest) : a.manifest;
  const stateEncoder = (json as { files?: { stateEncoder?: unknown } } | null)?.files?.stateEncoder;
  return loadModelFiles('model assets', async (name) => {
    if (name === 'manifest.json') return manifest;
    // Checked first: its name (state-encoder.onnx) would match the encoder asset below.
    if (name === stateEncoder) throw new Error(`no asset for ${name}: the model assets carry no state encoder; load a state-conditioned model through liquidVolume.modelUrl`);
    const buffer = /encoder/.test(name) ? a.encoder : /lstm/.test(name) ? a.lstm : /decoder/.test(name) ? a.decoder : undefined;
    if (!buffer) throw new Error(`no asset for ${name}`);
    return new Uint8Array(buffer);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null; // loadModelFiles reports the bad manifest
  }
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

  /**
   * Detaches the current stage (if any), then attaches the model the settings name. Returns
   * why `solver: 'latent'` cannot run (and whether the console already has the reason), or
   * null when it runs or was not asked for.
   */
  async attach(solver: LiquidSolver, s: LiquidVolumeSettings, isCurrent: () => boolean): Promise<{ reason: string; warned: boolean } | null> {
    this.detach(solver);
    if (s.solver !== 'latent') return null;
    const files = modelFilesFromSettings(s);
    if (!files) return { reason: 'neither model assets nor liquidVolume.modelUrl are set', warned: false };
    const { stage, failure } = await attachLatent(solver, files, {
      schedule: scheduleFromSettings(s),
      ort: { ...(s.ortWasmPath ? { wasmPaths: s.ortWasmPath } : {}), runtime: s.latentRuntime },
      onWarning: (m) => this.warn(m),
    });
    if (!stage) {
      this.warn(describeLatentFailure(failure));
      return { reason: failure.detail, warned: true };
    }
    if (isCurrent()) this.stage = stage;
    else if (solver.pressureStage === stage) solver.setPressureStage(solver.classicalStage); // destroys it
    return null;
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
