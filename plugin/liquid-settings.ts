/**
 * The one description of the liquidVolume component's attributes: name, default, range, unit
 * and what each does. The controller's defaults and clamping come from it; the script's JSDoc
 * tags (liquid-volume.mjs, which the PlayCanvas Editor reads as text) and the README's attribute
 * table are checked against it by test/settings.test.ts (which also rewrites the README table).
 */
import type * as pc from 'playcanvas';
import { DEFAULT_LATENT_SCHEDULE, type PressureMethod, type Vec3 } from '../src/index';
import { DEFAULT_LIQUID_LOOK, type LiquidDebugView, type Rgb } from './render';

/** The built-in scenes, or 'custom' for a scene JSON asset. */
export type LiquidPreset = 'dam-break' | 'pour' | 'drop' | 'slosh' | 'rest' | 'custom';

/** A model set given as loaded assets (manifest JSON and the three .onnx files' bytes). */
export interface ModelAssets {
  manifest: unknown;
  encoder: ArrayBuffer;
  lstm: ArrayBuffer;
  decoder: ArrayBuffer;
}

/** Everything the liquidVolume script hands to its controller. */
export interface LiquidVolumeSettings {
  preset: LiquidPreset;
  /** Parsed scene JSON (from a json asset); used when preset is 'custom'. */
  sceneJson: unknown | null;
  /** Cells along the longest axis. */
  resolution: number;
  /** Metres per cell (presets without `size`). */
  cellSize: number;
  /** The box in metres (x, y, z); [0, 0, 0]: a cube of `resolution * cellSize`. */
  size: Vec3;
  /** 'classical' (pressureMethod's solve every frame) or 'latent'; 'jacobi' is a deprecated alias of 'classical'. */
  solver: 'classical' | 'latent';
  interval: number;
  correctionIterations: number;
  /** RMS divergence (1/s) above which a predicted step is solved fully; 0 = off. */
  adaptive: number;
  /** The classical solve: 'jacobi' (fixed iterations), 'mgpcg' (multigrid CG to pressureTolerance), or 'auto' (by grid size). */
  pressureMethod: PressureMethod | 'auto';
  jacobiIterations: number;
  /** mgpcg: relative residual a solve stops at. */
  pressureTolerance: number;
  /** Base URL of a model set (manifest.json + .onnx), used when no model assets are given. */
  modelUrl: string;
  /** Model set from assets (manifest json + three binary assets), if given. */
  modelAssets: ModelAssets | null;
  /** Where onnxruntime-web's .wasm is served ('' = next to the ORT module). */
  ortWasmPath: string;
  /** What runs the latent networks: onnxruntime-web ('ort') or our own WGSL kernels ('wgsl'). */
  latentRuntime: 'ort' | 'wgsl';
  /** World gravity (m/s^2); the box's rotation turns it into the liquid's frame. */
  gravity: Vec3;
  color: Rgb;
  absorption: Rgb;
  refraction: number;
  reflection: number;
  roughness: number;
  /** The light the liquid is lit by; null: the brightest enabled directional light of the scene. */
  sunLight: pc.Entity | null;
  debugView: LiquidDebugView;
  /** Read per-frame stats back from the GPU (small readbacks; off for shipping). */
  collectStats: boolean;
  paused: boolean;
  /** 'fixed': one simulation frame per rendered frame; 'realtime': simulated time follows the clock. */
  timeMode: 'fixed' | 'realtime';
}

/** How an attribute is typed in the script (and shown in the Editor). */
export type AttributeKind = 'enum' | 'number' | 'integer' | 'boolean' | 'string' | 'vec3' | 'color' | 'asset' | 'entity';

/** One attribute of the liquidVolume script. */
export interface AttributeSpec {
  /** The script attribute's name. */
  name: string;
  kind: AttributeKind;
  /** Default value (vec3/color as [x, y, z]; assets and entities have none). */
  default: string | number | boolean | readonly number[] | null;
  /** Allowed values of an enum. */
  options?: readonly string[];
  /** Inclusive range of a number; values outside are clamped with a warning. */
  range?: readonly [number, number];
  /** Editor hints of a number. */
  step?: number;
  precision?: number;
  /** Asset type of an asset attribute ('json' or 'binary'). */
  resource?: 'json' | 'binary';
  unit?: string;
  /** What it does (the README's text). */
  doc: string;
  /**
   * The controller setting it feeds, when that differs from `name` (assets are read into
   * `sceneJson`/`modelAssets`); null for attributes the script handles itself.
   */
  setting?: keyof LiquidVolumeSettings | null;
}

const look = DEFAULT_LIQUID_LOOK;

/** Every attribute of the liquidVolume script, in the Editor's order. */
export const LIQUID_ATTRIBUTES: readonly AttributeSpec[] = Object.freeze([
  { name: 'preset', kind: 'enum', default: 'dam-break', options: ['dam-break', 'pour', 'drop', 'slosh', 'rest', 'custom'], doc: 'built-in scene, or `custom` for `sceneAsset`' },
  { name: 'sceneAsset', kind: 'asset', resource: 'json', default: null, setting: 'sceneJson', doc: "scene JSON (the README's scene format), used when `preset` is `custom`" },
  { name: 'resolution', kind: 'integer', default: 32, range: [8, 256], step: 8, precision: 0, doc: 'cells along the longest axis of the box (multiples of 8 for the latent models)' },
  { name: 'cellSize', kind: 'number', default: 1 / 32, range: [0.001, 10], precision: 4, unit: 'm', doc: 'size of one cell of a preset: the box is a cube of `resolution * cellSize`; not used with `size` (the cell is then the longest side / `resolution`) nor with a custom scene (its JSON sets the box; a different value is refused with a warning)' },
  { name: 'size', kind: 'vec3', default: [0, 0, 0], unit: 'm', doc: 'the box of a preset in metres (x, y, z), e.g. (10, 1.5, 10) for a shallow pool: the preset is stretched into it, `resolution` cells along its longest side; (0, 0, 0): a cube of `resolution * cellSize`' },
  { name: 'solver', kind: 'enum', default: 'classical', options: ['classical', 'latent'], doc: 'classical: the `pressureMethod` solve every frame (recommended for games); latent: the learned predictor with a solve every `interval` frames (`jacobi` is a deprecated alias of `classical`)' },
  { name: 'interval', kind: 'integer', default: DEFAULT_LATENT_SCHEDULE.interval, range: [1, 64], step: 1, precision: 0, doc: 'latent: a full solve every N-th frame, predictions in between (1 = never predict)' },
  { name: 'correctionIterations', kind: 'integer', default: DEFAULT_LATENT_SCHEDULE.correctionIterations, range: [0, 500], step: 1, precision: 0, doc: 'latent: Jacobi iterations warm-started from each prediction' },
  { name: 'adaptive', kind: 'number', default: DEFAULT_LATENT_SCHEDULE.adaptiveThreshold ?? 0, range: [0, 1000], precision: 3, unit: '1/s', doc: 'latent: a prediction whose RMS divergence after the corrections exceeds this is discarded and the frame solved fully (decided on the GPU); 0 = off' },
  { name: 'pressureMethod', kind: 'enum', default: 'auto', options: ['auto', 'jacobi', 'mgpcg'], doc: 'the classical solve: Jacobi (a fixed iteration count), multigrid-preconditioned conjugate gradients to `pressureTolerance`, or `auto`: what measured cheapest at the grid size (jacobi below 64 cells, mgpcg from 64; README, "Pressure solvers")' },
  { name: 'jacobiIterations', kind: 'integer', default: 100, range: [1, 5000], step: 1, precision: 0, doc: 'Jacobi iterations of a full pressure solve' },
  { name: 'pressureTolerance', kind: 'number', default: 1e-3, range: [1e-6, 0.5], precision: 6, doc: 'mgpcg (also when `auto` picks it): the relative residual norm(b - Ap) / norm(b) a solve stops at' },
  { name: 'modelUrl', kind: 'string', default: '', unit: 'URL', doc: 'latent: base URL of a model set (manifest.json and its ONNX files: three, four for a state-conditioned model), used when the model assets are not set; state-conditioned models load only this way' },
  { name: 'modelManifest', kind: 'asset', resource: 'json', default: null, setting: 'modelAssets', doc: "latent: the model's manifest.json" },
  { name: 'modelEncoder', kind: 'asset', resource: 'binary', default: null, setting: 'modelAssets', doc: 'latent: encoder.onnx' },
  { name: 'modelLstm', kind: 'asset', resource: 'binary', default: null, setting: 'modelAssets', doc: 'latent: lstm.onnx' },
  { name: 'modelDecoder', kind: 'asset', resource: 'binary', default: null, setting: 'modelAssets', doc: 'latent: decoder.onnx' },
  { name: 'ortWasmPath', kind: 'string', default: '', unit: 'URL', doc: "latent: folder serving onnxruntime-web's ort-wasm-simd-threaded.asyncify.wasm ('' = next to the onnxruntime module)" },
  { name: 'latentRuntime', kind: 'enum', default: 'ort', options: ['ort', 'wgsl'], doc: "latent: what runs the networks: onnxruntime-web's WebGPU provider, or our own WGSL kernels recorded into the step (no per-run overhead; a model they do not recognise falls back to ORT)" },
  { name: 'gravity', kind: 'vec3', default: [0, -9.81, 0], unit: 'm/s^2', doc: 'gravity in world space; rotating the entity sloshes the liquid' },
  { name: 'color', kind: 'color', default: [...look.color as Rgb], doc: 'colour of deep liquid (sRGB)' },
  { name: 'absorption', kind: 'vec3', default: [...look.absorption], unit: '1/m', doc: 'absorption per metre (rgb): larger values make that channel fade faster with depth' },
  { name: 'refraction', kind: 'number', default: look.refractionStrength, range: [0, 4], precision: 2, doc: 'refraction strength (1 = physical for water)' },
  { name: 'reflection', kind: 'number', default: look.reflectionStrength, range: [0, 2], precision: 2, doc: 'reflection strength (1 = physical Fresnel)' },
  { name: 'roughness', kind: 'number', default: look.roughness, range: [0, 1], precision: 2, doc: 'surface roughness' },
  { name: 'sunLight', kind: 'entity', default: null, doc: 'the light the liquid is lit by (its direction and colour; under the surface, the light\'s way down through the liquid); empty: the brightest enabled directional light in the scene, picked again every frame (none: a default sun 55 degrees up)' },
  { name: 'debugView', kind: 'enum', default: 'none', options: ['none', 'pressure-slice', 'levelset-slice'], doc: 'a slice of the pressure or the level set; predicted frames get an orange tint' },
  { name: 'collectStats', kind: 'boolean', default: false, doc: 'read per-frame stats back from the GPU (time per pass, divergence, volume drift); small readbacks, leave off in shipped games' },
  { name: 'showStats', kind: 'boolean', default: false, setting: null, doc: 'draw the stats overlay with live plots (turns `collectStats` on)' },
  { name: 'statsCorner', kind: 'enum', default: 'top-left', options: ['top-left', 'top-right', 'bottom-left', 'bottom-right'], setting: null, doc: 'corner of the canvas the stats overlay sits in' },
  { name: 'statsLayout', kind: 'enum', default: 'auto', options: ['auto', 'compact', 'full'], setting: null, doc: 'the stats overlay: four lines and one plot (compact), the full text with two plots (full), or auto: full when it fits in a quarter of the canvas, else compact; either way it is scaled down to cover at most a quarter of the canvas' },
  { name: 'statsScale', kind: 'number', default: 1, range: [0.25, 2], precision: 2, setting: null, doc: 'size of the stats overlay (1 = 11 px text), before the quarter-of-the-canvas limit' },
  { name: 'paused', kind: 'boolean', default: false, doc: 'freeze the liquid' },
  { name: 'timeMode', kind: 'enum', default: 'fixed', options: ['fixed', 'realtime'], doc: 'fixed: one simulation frame (the scene\'s `timeStep.frame`, 1/60 s) per rendered frame, so a slow GPU shows slow motion; realtime: simulated time follows the clock in whole simulation frames, at most 4 per rendered frame (beyond that, slow motion)' },
] satisfies AttributeSpec[]);

const byName = new Map(LIQUID_ATTRIBUTES.map((a) => [a.name, a]));

/** The attribute of a name (throws for unknown names: a typo in the schema's users). */
export function liquidAttribute(name: string): AttributeSpec {
  const spec = byName.get(name);
  if (!spec) throw new Error(`liquidVolume has no attribute '${name}'`);
  return spec;
}

const copyDefault = (v: AttributeSpec['default']) => (Array.isArray(v) ? Object.freeze([...v]) : v);

/** Defaults of every setting (the schema's, plus no scene JSON and no model assets). */
export const DEFAULT_LIQUID_SETTINGS: Readonly<LiquidVolumeSettings> = Object.freeze(Object.fromEntries([
  ...LIQUID_ATTRIBUTES.filter((a) => a.setting === undefined).map((a) => [a.name, copyDefault(a.default)]),
  ['sceneJson', null],
  ['modelAssets', null],
]) as unknown as LiquidVolumeSettings);

/** Numeric ranges the settings are clamped to (with a warning naming the attribute). */
export const LIQUID_SETTING_RANGES: Readonly<Record<string, readonly [number, number]>> = Object.freeze(Object.fromEntries(
  LIQUID_ATTRIBUTES.filter((a) => a.range && a.setting === undefined).map((a) => [a.name, a.range!]),
));

/** The latent schedule's adaptive threshold from the `adaptive` setting: 0 (or less) turns the check off. */
export function adaptiveThreshold(adaptive: number): number | undefined {
  return adaptive > 0 ? adaptive : undefined;
}

/**
 * Completes and checks settings: missing ones from `base`, numbers clamped to their ranges,
 * integers rounded, unknown enum values replaced by the default. Each problem is passed to
 * `warn` as a sentence naming the attribute.
 */
export function sanitizeSettings(input: Partial<LiquidVolumeSettings>, base: LiquidVolumeSettings, warn: (message: string) => void): LiquidVolumeSettings {
  const s = { ...base, ...input } as LiquidVolumeSettings & Record<string, unknown>;
  for (const spec of LIQUID_ATTRIBUTES) {
    if (spec.setting !== undefined) continue;
    const key = spec.name;
    const v = s[key];
    if (spec.range) {
      const [lo, hi] = spec.range;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        warn(`liquidVolume.${key} must be a number in [${lo}, ${hi}] (got ${String(v)}); using ${spec.default}`);
        s[key] = spec.default;
      } else if (v < lo || v > hi) {
        const c = Math.min(hi, Math.max(lo, v));
        warn(`liquidVolume.${key} = ${v} is out of range [${lo}, ${hi}]; clamped to ${c}`);
        s[key] = c;
      }
      if (spec.kind === 'integer') s[key] = Math.round(s[key] as number);
    } else if (spec.options && !spec.options.includes(v as string)) {
      if (key === 'solver' && v === 'jacobi') {
        warn("liquidVolume.solver 'jacobi' is deprecated: it means 'classical' (the solve `pressureMethod` names: jacobi, mgpcg or auto); use 'classical'");
        s[key] = 'classical';
        continue;
      }
      warn(`liquidVolume.${key} must be one of ${spec.options.join(', ')} (got ${String(v)}); using '${spec.default}'`);
      s[key] = spec.default;
    }
  }
  const size = s.size as unknown;
  const zero = Array.isArray(size) && size.length === 3 && size.every((x) => x === 0);
  if (!zero && !(Array.isArray(size) && size.length === 3 && size.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0))) {
    warn(`liquidVolume.size must be three positive numbers in metres, or (0, 0, 0) for a cube of resolution * cellSize (got ${JSON.stringify(size)}); using (0, 0, 0)`);
    s.size = [0, 0, 0];
  }
  return s;
}

/** Values compared per setting: vectors by their components, everything else (assets, JSON) by identity. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return false;
}

/** The settings whose values differ between `a` and `b` (model assets by the identity of each part). */
export function changedSettings(a: Partial<LiquidVolumeSettings>, b: Partial<LiquidVolumeSettings>, keys: readonly (keyof LiquidVolumeSettings)[]): Set<keyof LiquidVolumeSettings> {
  const changed = new Set<keyof LiquidVolumeSettings>();
  for (const key of keys) {
    const x = a[key], y = b[key];
    if (key === 'modelAssets') {
      const p = x as ModelAssets | null | undefined, q = y as ModelAssets | null | undefined;
      const same = p === q || (!!p && !!q && p.manifest === q.manifest && p.encoder === q.encoder && p.lstm === q.lstm && p.decoder === q.decoder);
      if (!same) changed.add(key);
    } else if (!sameValue(x, y)) {
      changed.add(key);
    }
  }
  return changed;
}

/** Settings that rebuild the solver and renderer when they change. */
export const REBUILD_SETTINGS: readonly (keyof LiquidVolumeSettings)[] = ['preset', 'sceneJson', 'resolution', 'cellSize', 'size'];
/** Settings that reattach (or detach) the latent predictor. */
export const MODEL_SETTINGS: readonly (keyof LiquidVolumeSettings)[] = ['solver', 'modelUrl', 'modelAssets', 'ortWasmPath', 'latentRuntime'];
/** Settings of the classical pressure solve. */
export const PRESSURE_SETTINGS: readonly (keyof LiquidVolumeSettings)[] = ['pressureMethod', 'jacobiIterations', 'pressureTolerance'];
/** Settings of the latent schedule. */
export const SCHEDULE_SETTINGS: readonly (keyof LiquidVolumeSettings)[] = ['interval', 'correctionIterations', 'adaptive'];
/** Settings of the renderer. */
export const LOOK_SETTINGS: readonly (keyof LiquidVolumeSettings)[] = ['color', 'absorption', 'refraction', 'reflection', 'roughness', 'sunLight', 'debugView'];

/** The README's attribute table (Markdown), one row per attribute. */
export function attributeTableMarkdown(): string {
  const fmt = (v: AttributeSpec['default']): string => {
    if (v === null) return '-';
    if (Array.isArray(v)) return `(${v.join(', ')})`;
    if (v === '') return "''";
    return typeof v === 'string' ? `\`${v}\`` : String(v);
  };
  const allowed = (a: AttributeSpec): string => {
    if (a.options) return a.options.join(', ');
    if (a.range) return `${a.range[0]}..${a.range[1]}${a.kind === 'integer' ? ' (integer)' : ''}`;
    if (a.kind === 'asset') return `${a.resource} asset`;
    if (a.kind === 'entity') return 'entity';
    return a.kind === 'boolean' ? 'on/off' : a.kind === 'color' ? 'rgb 0..1' : '';
  };
  const rows = LIQUID_ATTRIBUTES.map((a) => `| \`${a.name}\` | ${fmt(a.default)} | ${allowed(a)} | ${a.unit ?? ''} | ${a.doc} |`);
  return ['| attribute | default | allowed | unit | what it does |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
