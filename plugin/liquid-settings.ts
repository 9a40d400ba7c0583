/**
 * The one description of the liquidVolume component's attributes: name, default, range, unit,
 * what each does and which group of settings it belongs to. Everything else follows from it:
 * the settings type (`LiquidVolumeSettings`, inferred), their defaults, clamping and change
 * groups, what the script hands to its controller (`settingsFromAttributes`), and the README's
 * attribute table. The script's JSDoc tags (liquid-volume.mjs, which the PlayCanvas Editor reads
 * as text, so it stays written out) are checked against it by test/settings.test.ts.
 * Adding an attribute: one entry in LIQUID_ATTRIBUTES, its field in liquid-volume.mjs (the test
 * says what to write), then `node scripts/update-readme-attributes.mjs`.
 */
import type * as pc from 'playcanvas';
import { DEFAULT_LATENT_SCHEDULE, PRESSURE_VALUES, type PressureValue, type Vec3 } from '../src/index';
import { DEFAULT_LIQUID_LOOK, type Rgb } from './render';

/** The built-in scenes, or 'custom' for a scene JSON asset. */
export type LiquidPreset = 'dam-break' | 'pour' | 'drop' | 'slosh' | 'rest' | 'custom';

/** A model set given as loaded assets (manifest JSON and the three .onnx files' bytes). */
export interface ModelAssets {
  manifest: unknown;
  encoder: ArrayBuffer;
  lstm: ArrayBuffer;
  decoder: ArrayBuffer;
}

/** How an attribute is typed in the script (and shown in the Editor). */
export type AttributeKind = 'enum' | 'number' | 'integer' | 'boolean' | 'string' | 'vec3' | 'color' | 'asset' | 'entity';

/** What a change of a setting does in the controller. */
export type SettingGroup = 'rebuild' | 'model' | 'pressure' | 'schedule' | 'look' | 'stats';

/** Settings the script makes from several attributes, or from an asset's resource. */
export type DerivedSetting = 'sceneJson' | 'modelAssets';

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
  /** What a change of it does (rebuild the liquid, reattach the model, ...); none: read every frame. */
  group?: SettingGroup;
  /**
   * The controller setting it feeds, when that differs from `name` (assets are read into
   * `sceneJson`/`modelAssets`); null for attributes the script handles itself.
   */
  setting?: DerivedSetting | null;
  /** A boolean attribute the script handles itself that also turns this setting on. */
  turnsOn?: string;
}

const look = DEFAULT_LIQUID_LOOK;

/** A number attribute's default and range from the core's one definition (src/scene/pressure-settings.ts). */
const fromCore = (v: PressureValue) => ({ default: v.default, range: [v.min, v.max] as const });

/** Every attribute of the liquidVolume script, in the Editor's order (kept literal: the settings type is inferred from it). */
const ATTRIBUTES = Object.freeze([
  { name: 'preset', kind: 'enum', group: 'rebuild', default: 'dam-break', options: ['dam-break', 'pour', 'drop', 'slosh', 'rest', 'custom'], doc: 'built-in scene, or `custom` for `sceneAsset`' },
  { name: 'sceneAsset', kind: 'asset', group: 'rebuild', resource: 'json', default: null, setting: 'sceneJson', doc: "scene JSON (the README's scene format), used when `preset` is `custom`" },
  { name: 'resolution', kind: 'integer', group: 'rebuild', default: 32, range: [8, 256], step: 8, precision: 0, doc: 'cells along the longest axis of the box (multiples of 8 for the latent models)' },
  { name: 'cellSize', kind: 'number', group: 'rebuild', default: 1 / 32, range: [0.001, 10], precision: 4, unit: 'm', doc: 'size of one cell of a preset: the box is a cube of `resolution * cellSize`; not used with `size` (the cell is then the longest side / `resolution`) nor with a custom scene (its JSON sets the box; a different value is refused with a warning)' },
  { name: 'size', kind: 'vec3', group: 'rebuild', default: [0, 0, 0], unit: 'm', doc: 'the box of a preset in metres (x, y, z), e.g. (10, 1.5, 10) for a shallow pool: the preset is stretched into it, `resolution` cells along its longest side; (0, 0, 0): a cube of `resolution * cellSize`' },
  { name: 'solver', kind: 'enum', group: 'model', default: 'classical', options: ['classical', 'latent'], doc: 'classical: the `pressureMethod` solve every frame (recommended for games); latent: the learned predictor with a solve every `interval` frames (`jacobi` is a deprecated alias of `classical`)' },
  { name: 'interval', kind: 'integer', group: 'schedule', default: DEFAULT_LATENT_SCHEDULE.interval, range: [1, 64], step: 1, precision: 0, doc: 'latent: a full solve every N-th frame, predictions in between (1 = never predict)' },
  { name: 'correctionIterations', kind: 'integer', group: 'schedule', default: DEFAULT_LATENT_SCHEDULE.correctionIterations, range: [0, 500], step: 1, precision: 0, doc: 'latent: Jacobi iterations warm-started from each prediction' },
  { name: 'adaptive', kind: 'number', group: 'schedule', default: DEFAULT_LATENT_SCHEDULE.adaptiveThreshold ?? 0, range: [0, 1000], precision: 3, unit: '1/s', doc: 'latent: a prediction whose RMS divergence after the corrections exceeds this is discarded and the frame solved fully (decided on the GPU); 0 = off' },
  { name: 'pressureMethod', kind: 'enum', group: 'pressure', default: 'auto', options: ['auto', 'jacobi', 'mgpcg'], doc: 'the classical solve: Jacobi (a fixed iteration count), multigrid-preconditioned conjugate gradients to `pressureTolerance`, or `auto`: what measured cheapest at the grid size (jacobi below 64 cells, mgpcg from 64; README, "Pressure solvers")' },
  { name: 'jacobiIterations', kind: 'integer', group: 'pressure', ...fromCore(PRESSURE_VALUES.iterations), step: 1, precision: 0, doc: 'Jacobi iterations of a full pressure solve' },
  { name: 'pressureTolerance', kind: 'number', group: 'pressure', ...fromCore(PRESSURE_VALUES.tolerance), precision: 6, doc: 'mgpcg (also when `auto` picks it): the relative residual norm(b - Ap) / norm(b) a solve stops at' },
  { name: 'modelUrl', kind: 'string', group: 'model', default: '', unit: 'URL', doc: 'latent: base URL of a model set (manifest.json and its ONNX files: three, four for a state-conditioned model), used when the model assets are not set; state-conditioned models load only this way' },
  { name: 'modelManifest', kind: 'asset', group: 'model', resource: 'json', default: null, setting: 'modelAssets', doc: "latent: the model's manifest.json" },
  { name: 'modelEncoder', kind: 'asset', group: 'model', resource: 'binary', default: null, setting: 'modelAssets', doc: 'latent: encoder.onnx' },
  { name: 'modelLstm', kind: 'asset', group: 'model', resource: 'binary', default: null, setting: 'modelAssets', doc: 'latent: lstm.onnx' },
  { name: 'modelDecoder', kind: 'asset', group: 'model', resource: 'binary', default: null, setting: 'modelAssets', doc: 'latent: decoder.onnx' },
  { name: 'ortWasmPath', kind: 'string', group: 'model', default: '', unit: 'URL', doc: "latent: folder serving onnxruntime-web's ort-wasm-simd-threaded.asyncify.wasm ('' = next to the onnxruntime module)" },
  { name: 'latentRuntime', kind: 'enum', group: 'model', default: 'auto', options: ['auto', 'ort', 'wgsl'], doc: "latent: what runs the networks: 'auto' our own WGSL kernels for a model they recognise, else onnxruntime-web; 'ort' onnxruntime-web's WebGPU provider; 'wgsl' our kernels recorded into the step (no per-run overhead; a model they do not recognise falls back to ORT with a warning). The stats overlay names the runtime that ran" },
  { name: 'gravity', kind: 'vec3', default: [0, -9.81, 0], unit: 'm/s^2', doc: 'gravity in world space; rotating the entity sloshes the liquid' },
  { name: 'obstacleTag', kind: 'string', default: 'liquid-obstacle', doc: "entities with this tag anywhere in the scene whose world bounds reach the box are mesh colliders: the meshes of their `collision` component (mesh, box, sphere, capsule, cylinder, cone, compound) or else their `render` component (assets and every primitive), following their world transform every frame (moving and spinning meshes push the liquid); '' = none (README, \"Colliders, forces and detectors\")" },
  { name: 'colliderResolution', kind: 'integer', default: 0, range: [0, 256], step: 8, precision: 0, doc: "SDF voxels along an obstacle mesh's longest axis (8 to 256; 0 = automatic: two per grid cell at the entity's scale, 16 to 128); a change rebuilds the obstacles' SDFs" },
  { name: 'color', kind: 'color', group: 'look', default: [...look.color as Rgb], doc: 'colour of deep liquid (sRGB)' },
  { name: 'absorption', kind: 'vec3', group: 'look', default: [...look.absorption], unit: '1/m', doc: 'absorption per metre (rgb): larger values make that channel fade faster with depth' },
  { name: 'refraction', kind: 'number', group: 'look', default: look.refractionStrength, range: [0, 4], precision: 2, doc: 'refraction strength (1 = physical for water)' },
  { name: 'reflection', kind: 'number', group: 'look', default: look.reflectionStrength, range: [0, 2], precision: 2, doc: 'reflection strength (1 = physical Fresnel)' },
  { name: 'roughness', kind: 'number', group: 'look', default: look.roughness, range: [0, 1], precision: 2, doc: 'surface roughness' },
  { name: 'foam', kind: 'boolean', group: 'look', default: false, doc: 'whitewater: foam made where fast water breaks (crests moving out, impacts), carried on the surface, fading in 1.5 s; costs one GPU pass over the cells per step and one foam lookup per surface pixel; off: neither runs' },
  { name: 'foamColor', kind: 'color', group: 'look', default: [...look.foamColor as Rgb], doc: 'colour of the foam (sRGB), lit by the sun and the sky' },
  { name: 'sunLight', kind: 'entity', group: 'look', default: null, doc: 'the light the liquid is lit by (its direction and colour; under the surface, the light\'s way down through the liquid); empty: the brightest enabled directional light in the scene, picked again every frame (none: a default sun 55 degrees up)' },
  { name: 'debugView', kind: 'enum', group: 'look', default: 'none', options: ['none', 'pressure-slice', 'levelset-slice'], doc: 'a slice of the pressure or the level set; predicted frames get an orange tint' },
  { name: 'collectStats', kind: 'boolean', group: 'stats', default: false, doc: 'read per-frame stats back from the GPU (time per pass, divergence, volume drift); small readbacks, leave off in shipped games' },
  { name: 'showStats', kind: 'boolean', default: false, setting: null, turnsOn: 'collectStats', doc: 'draw the stats overlay with live plots (turns `collectStats` on)' },
  { name: 'statsCorner', kind: 'enum', default: 'top-left', options: ['top-left', 'top-right', 'bottom-left', 'bottom-right'], setting: null, doc: 'corner of the canvas the stats overlay sits in' },
  { name: 'statsLayout', kind: 'enum', default: 'auto', options: ['auto', 'compact', 'full'], setting: null, doc: 'the stats overlay: four lines and one plot (compact), the full text with two plots (full), or auto: full when it fits in a quarter of the canvas, else compact; either way it is scaled down to cover at most a quarter of the canvas' },
  { name: 'statsScale', kind: 'number', default: 1, range: [0.25, 2], precision: 2, setting: null, doc: 'size of the stats overlay (1 = 11 px text), before the quarter-of-the-canvas limit' },
  { name: 'paused', kind: 'boolean', default: false, doc: 'freeze the liquid' },
  { name: 'timeMode', kind: 'enum', default: 'fixed', options: ['fixed', 'realtime'], doc: 'fixed: one simulation frame (the scene\'s `timeStep.frame`, 1/60 s) per rendered frame, so a slow GPU shows slow motion; realtime: simulated time follows the clock in whole simulation frames, at most 4 per rendered frame (beyond that, slow motion)' },
] as const satisfies readonly AttributeSpec[]);

/** Every attribute of the liquidVolume script, in the Editor's order. */
export const LIQUID_ATTRIBUTES: readonly AttributeSpec[] = ATTRIBUTES;

type Attribute = (typeof ATTRIBUTES)[number];

/** The value a setting of an attribute's kind holds. */
type ValueOf<A> =
  A extends { kind: 'enum'; options: readonly (infer O)[] } ? O
    : A extends { kind: 'number' | 'integer' } ? number
      : A extends { kind: 'boolean' } ? boolean
        : A extends { kind: 'string' } ? string
          : A extends { kind: 'vec3' } ? Vec3
            : A extends { kind: 'color' } ? Rgb
              : A extends { kind: 'entity' } ? pc.Entity | null
                : never;

/**
 * Everything the liquidVolume script hands to its controller: one setting per attribute of
 * LIQUID_ATTRIBUTES (typed by its kind; see each entry's `doc`), plus the scene JSON and the
 * model set read from assets.
 */
export type LiquidVolumeSettings = { -readonly [A in Exclude<Attribute, { setting: unknown }> as A['name']]: ValueOf<A> } & {
  /** Parsed scene JSON (from a json asset); used when preset is 'custom'. */
  sceneJson: unknown | null;
  /** Model set from assets (manifest json + three binary assets), if given. */
  modelAssets: ModelAssets | null;
};

/** The script's attribute values (PlayCanvas Vec3 and Color objects, assets, entities). */
export type ScriptAttributes = Record<string, unknown>;

/**
 * The controller's settings from a script's attributes, by the schema (cheap; called every
 * frame): vectors and colours as arrays, the scene asset's resource, the model set (read by the
 * script from its four assets, passed in), and attributes the script handles itself left out
 * (a `turnsOn` one still turns its setting on).
 */
export function settingsFromAttributes(script: ScriptAttributes, modelAssets: ModelAssets | null): Partial<LiquidVolumeSettings> {
  const out: Record<string, unknown> = {};
  for (const a of LIQUID_ATTRIBUTES) {
    const v = script[a.name] as Record<string, number> | null | undefined;
    if (a.setting === null) {
      if (a.turnsOn && v) out[a.turnsOn] = true;
    } else if (a.setting === 'sceneJson') {
      out.sceneJson = (v as { resource?: unknown } | null | undefined)?.resource ?? null;
    } else if (a.setting === 'modelAssets') {
      out.modelAssets = modelAssets;
    } else if (a.kind === 'vec3') {
      out[a.name] = v ? [v.x, v.y, v.z] : v;
    } else if (a.kind === 'color') {
      out[a.name] = v ? [v.r, v.g, v.b] : v;
    } else {
      out[a.name] = a.kind === 'entity' ? v ?? null : v;
    }
  }
  return out as Partial<LiquidVolumeSettings>;
}

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

/** The settings of a group (what a change of them does), from the schema. */
function settingsOf(group: SettingGroup): readonly (keyof LiquidVolumeSettings)[] {
  const attributes = (LIQUID_ATTRIBUTES).filter((a) => a.group === group);
  return Object.freeze([...new Set(attributes.map((a) => (a.setting ?? a.name) as keyof LiquidVolumeSettings))]);
}

/** Settings that rebuild the solver and renderer when they change. */
export const REBUILD_SETTINGS = settingsOf('rebuild');
/** Settings that reattach (or detach) the latent predictor. */
export const MODEL_SETTINGS = settingsOf('model');
/** Settings of the classical pressure solve. */
export const PRESSURE_SETTINGS = settingsOf('pressure');
/** Settings of the latent schedule. */
export const SCHEDULE_SETTINGS = settingsOf('schedule');
/** Settings of the renderer. */
export const LOOK_SETTINGS = settingsOf('look');
/** Settings of the stats readback. */
export const STATS_SETTINGS = settingsOf('stats');

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
