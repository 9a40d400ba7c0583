import type { Vec3 } from '../scene/scene-description';

/** Pressure decomposition a model was trained for. */
export type LatentMode = 'total' | 'split';

/** The fields of manifest.json that the runtime uses (docs/contracts.md). */
export interface ModelManifest {
  format: 'latent-liquid-model';
  version: 1;
  mode: LatentMode;
  /** History length w (codes the LSTM reads). */
  window: number;
  /** Codes the LSTM predicts (o). */
  outputs: number;
  /**
   * C, the factor between grid and latent grid, and s, the factor between the grid and the
   * decoder's output (absent = 1; the runtime upsamples a coarse output trilinearly).
   */
  latent: { channels: number; downsample: number; decoderDownsample?: number };
  inputChannels: ('pressure' | 'levelset')[];
  levelSetClamp: number;
  resolutions:
    | { kind: 'multiple-of'; multiple: number; min: Vec3; max: Vec3 }
    | { kind: 'fixed'; resolution: Vec3 };
  normalization: { pressureScale: number };
  /**
   * State conditioning (optional): the channels of the state encoder's input, built on the GPU
   * on every predicted step once its pressure system is built (docs/contracts.md "State
   * conditioning"), and the scale that divides the residual channel. Absent: the LSTM reads
   * the latent history only.
   */
  state?: ModelStateSpec;
  /** `stateEncoder` is present exactly when `state` is. */
  files: { encoder: string; lstm: string; decoder: string; stateEncoder?: string };
  /** Everything else (training, evaluation, golden pairs) is kept as it is. */
  [key: string]: unknown;
}

/** A channel of the state encoder's input (docs/contracts.md "State conditioning"). */
export type StateChannel = 'residual' | 'levelset' | 'solid';

/** The manifest's `state`: what the state encoder reads. */
export interface ModelStateSpec {
  /** `residual` first (required), then optionally `levelset`, then optionally `solid`. */
  inputChannels: StateChannel[];
  /** The residual channel is the hydrostatic pressure's residual in the step's system / residualScale (> 0, finite). */
  residualScale: number;
}

/** The state channels in their fixed order. */
export const STATE_CHANNELS: readonly StateChannel[] = ['residual', 'levelset', 'solid'];

/** Raised when a model set is broken or does not match what the runtime needs. */
export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelError';
  }
}

/**
 * Raised by the WGSL runtime when a graph is valid ONNX but not one of the architectures it
 * knows (the caller can run the model on onnxruntime-web instead).
 */
export class UnsupportedGraphError extends ModelError {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedGraphError';
  }
}

/** Raised when a valid model cannot serve a scene (wrong resolution). */
export class ModelCompatibilityError extends ModelError {
  constructor(message: string) {
    super(message);
    this.name = 'ModelCompatibilityError';
  }
}

/** The values `latent.decoderDownsample` may take. */
export const DECODER_DOWNSAMPLES = [1, 2, 4] as const;

function isVec3(v: unknown): v is Vec3 {
  return Array.isArray(v) && v.length === 3 && v.every((x) => Number.isInteger(x) && x > 0);
}

/**
 * Checks a parsed manifest.json and returns it typed.
 * @throws ModelError naming every missing or wrong field
 */
export function validateManifest(json: unknown): ModelManifest {
  const problems: string[] = [];
  const m = json as Record<string, unknown>;
  if (typeof json !== 'object' || json === null) throw new ModelError('manifest.json must hold a JSON object');
  if (m.format !== 'latent-liquid-model') problems.push(`format must be "latent-liquid-model" (got ${JSON.stringify(m.format)})`);
  if (m.version !== 1) problems.push(`version must be 1 (got ${JSON.stringify(m.version)})`);
  if (m.mode !== 'total' && m.mode !== 'split') problems.push(`mode must be "total" or "split" (got ${JSON.stringify(m.mode)})`);
  const posInt = (v: unknown, name: string, max: number) => {
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > max) problems.push(`${name} must be an integer in [1, ${max}] (got ${JSON.stringify(v)})`);
  };
  posInt(m.window, 'window', 64);
  posInt(m.outputs, 'outputs', 64);
  const latent = m.latent as Record<string, unknown> | undefined;
  if (!latent || typeof latent !== 'object') problems.push('latent must be an object { channels, downsample }');
  else {
    posInt(latent.channels, 'latent.channels', 4096);
    posInt(latent.downsample, 'latent.downsample', 256);
    const s = latent.decoderDownsample;
    if (s !== undefined && !(DECODER_DOWNSAMPLES as readonly unknown[]).includes(s)) {
      problems.push(`latent.decoderDownsample must be one of ${DECODER_DOWNSAMPLES.join(', ')} (got ${JSON.stringify(s)})`);
    } else if (s !== undefined && Number.isInteger(latent.downsample) && (latent.downsample as number) % (s as number) !== 0) {
      problems.push(`latent.decoderDownsample (${s}) must divide latent.downsample (${JSON.stringify(latent.downsample)})`);
    }
  }
  const inputs = m.inputChannels;
  if (!Array.isArray(inputs) || inputs.length < 1 || inputs.length > 2 || inputs[0] !== 'pressure' || (inputs.length === 2 && inputs[1] !== 'levelset')) {
    problems.push(`inputChannels must be ["pressure"] or ["pressure", "levelset"] (got ${JSON.stringify(inputs)})`);
  }
  if (typeof m.levelSetClamp !== 'number' || !(m.levelSetClamp > 0)) problems.push(`levelSetClamp must be a number > 0 (got ${JSON.stringify(m.levelSetClamp)})`);
  const res = m.resolutions as Record<string, unknown> | undefined;
  if (!res || typeof res !== 'object') problems.push('resolutions must be an object');
  else if (res.kind === 'multiple-of') {
    posInt(res.multiple, 'resolutions.multiple', 1024);
    if (!isVec3(res.min) || !isVec3(res.max)) problems.push('resolutions.min and resolutions.max must be [nx, ny, nz] positive integers');
  } else if (res.kind === 'fixed') {
    if (!isVec3(res.resolution)) problems.push('resolutions.resolution must be [nx, ny, nz] positive integers');
  } else problems.push(`resolutions.kind must be "multiple-of" or "fixed" (got ${JSON.stringify(res.kind)})`);
  const norm = m.normalization as Record<string, unknown> | undefined;
  if (!norm || typeof norm.pressureScale !== 'number' || !(norm.pressureScale > 0) || !Number.isFinite(norm.pressureScale)) {
    problems.push(`normalization.pressureScale must be a finite number > 0 (got ${JSON.stringify(norm?.pressureScale)})`);
  }
  const files = m.files as Record<string, unknown> | undefined;
  for (const k of ['encoder', 'lstm', 'decoder']) {
    if (!files || typeof files[k] !== 'string' || !(files[k] as string).endsWith('.onnx')) problems.push(`files.${k} must name an .onnx file`);
  }
  if (m.state !== undefined) validateState(m.state, m.outputs, files, problems);
  else if (files && files.stateEncoder !== undefined) problems.push('files.stateEncoder is given but the manifest has no state (a state encoder needs state.inputChannels and state.residualScale)');
  if (problems.length > 0) throw new ModelError(`model manifest is invalid:\n  - ${problems.join('\n  - ')}`);
  return json as ModelManifest;
}

/** The checks of the optional `state` (appended to `problems`). */
function validateState(state: unknown, outputs: unknown, files: Record<string, unknown> | undefined, problems: string[]): void {
  const allowed = 'a subsequence of ["residual", "levelset", "solid"] that starts with "residual" (e.g. ["residual"], ["residual", "solid"])';
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    problems.push(`state must be an object { inputChannels, residualScale } (got ${JSON.stringify(state)})`);
  } else {
    const s = state as Record<string, unknown>;
    const ch = s.inputChannels;
    let ok = Array.isArray(ch) && ch.length >= 1 && ch[0] === 'residual';
    if (ok) {
      let last = -1;
      for (const c of ch as unknown[]) {
        const at = STATE_CHANNELS.indexOf(c as StateChannel);
        if (at <= last) { ok = false; break; }
        last = at;
      }
    }
    if (!ok) problems.push(`state.inputChannels must be ${allowed} (got ${JSON.stringify(ch)})`);
    const r = s.residualScale;
    if (typeof r !== 'number' || !Number.isFinite(r) || !(r > 0)) problems.push(`state.residualScale must be a finite number > 0 (got ${typeof r === 'number' ? String(r) : JSON.stringify(r)})`);
  }
  if (outputs !== 1) problems.push(`state is only allowed with outputs 1 (got outputs ${JSON.stringify(outputs)})`);
  const f = files?.stateEncoder;
  if (typeof f !== 'string' || !f.endsWith('.onnx')) problems.push(`files.stateEncoder must name an .onnx file when the manifest has state (got ${JSON.stringify(f)})`);
}

/** Latent grid [lx, ly, lz] for a simulation grid, or a ModelCompatibilityError naming both. */
export function latentDims(manifest: ModelManifest, dims: Vec3): Vec3 {
  const r = manifest.resolutions;
  const f = manifest.latent.downsample;
  if (r.kind === 'fixed') {
    if (dims.some((d, a) => d !== r.resolution[a])) {
      throw new ModelCompatibilityError(`this model serves only the grid [${r.resolution.join(', ')}]; the scene's grid is [${dims.join(', ')}]`);
    }
  } else {
    const bad = dims.some((d, a) => d % r.multiple !== 0 || d < r.min[a] || d > r.max[a]);
    if (bad) {
      throw new ModelCompatibilityError(`this model serves grids whose sides are multiples of ${r.multiple} within `
        + `[${r.min.join(', ')}]..[${r.max.join(', ')}]; the scene's grid is [${dims.join(', ')}]`);
    }
  }
  if (dims.some((d) => d % f !== 0)) throw new ModelCompatibilityError(`grid [${dims.join(', ')}] is not divisible by the model's downsampling ${f}`);
  return [dims[0] / f, dims[1] / f, dims[2] / f];
}

/** The factor s between the grid and the decoder's output (manifest `latent.decoderDownsample`, absent = 1). */
export function decoderDownsample(manifest: ModelManifest): number {
  return manifest.latent.decoderDownsample ?? 1;
}

/**
 * Extent [x, y, z] of the decoder's output for a simulation grid: the grid divided by
 * `decoderDownsample` (the grid itself for a full-resolution decoder).
 * @throws ModelCompatibilityError as `latentDims` when the model cannot serve the grid
 */
export function decodedDims(manifest: ModelManifest, dims: Vec3): Vec3 {
  latentDims(manifest, dims);
  const s = decoderDownsample(manifest);
  return [dims[0] / s, dims[1] / s, dims[2] / s];
}

/** The bytes of a model set. */
export interface ModelFiles {
  manifest: ModelManifest;
  encoder: Uint8Array;
  lstm: Uint8Array;
  decoder: Uint8Array;
  /** The state encoder (`files.stateEncoder`), present exactly when the manifest has `state`. */
  stateEncoder?: Uint8Array;
  /** Where it came from, for messages. */
  source: string;
}

/** Loads a model set through a byte fetcher (fetch in browsers, fs in Node). */
export async function loadModelFiles(source: string, readBytes: (name: string) => Promise<Uint8Array>): Promise<ModelFiles> {
  let manifestBytes: Uint8Array;
  try {
    manifestBytes = await readBytes('manifest.json');
  } catch (e) {
    throw new ModelError(`cannot read ${source}/manifest.json: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(manifestBytes));
  } catch (e) {
    throw new ModelError(`${source}/manifest.json is not valid JSON: ${(e as Error).message}`);
  }
  const manifest = validateManifest(json);
  const read = async (name: string) => {
    try {
      const bytes = await readBytes(name);
      if (bytes.byteLength < 16) throw new Error(`only ${bytes.byteLength} bytes`);
      return bytes;
    } catch (e) {
      throw new ModelError(`cannot read ${source}/${name}: ${(e as Error).message}`);
    }
  };
  const [encoder, lstm, decoder, stateEncoder] = await Promise.all([read(manifest.files.encoder), read(manifest.files.lstm), read(manifest.files.decoder),
    manifest.state ? read(manifest.files.stateEncoder!) : Promise.resolve(undefined)]);
  return { manifest, encoder, lstm, decoder, ...(stateEncoder ? { stateEncoder } : {}), source };
}

/**
 * The state encoder's bytes of a state-conditioned model set (manifest `state`), null for a model
 * without state. The loaders read it whenever the manifest has `state`; a ModelFiles built by hand
 * without it is a broken model set.
 * @throws ModelError when the manifest has `state` and the bytes are missing
 */
export function stateEncoderBytes(files: ModelFiles): Uint8Array | null {
  if (!files.manifest.state) return null;
  if (!files.stateEncoder) throw new ModelError(`${files.source}: the manifest has state but no state encoder was loaded (files.stateEncoder ${JSON.stringify(files.manifest.files.stateEncoder)})`);
  return files.stateEncoder;
}

/** Loads a model set from a base URL with fetch (browsers). */
export function loadModelFromUrl(baseUrl: string, fetchImpl: typeof fetch = fetch): Promise<ModelFiles> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return loadModelFiles(baseUrl, async (name) => {
    const r = await fetchImpl(new URL(name, new URL(base, globalThis.location?.href ?? 'http://localhost/')).toString());
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  });
}
