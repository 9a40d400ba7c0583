// The liquidVolume attribute schema (plugin/liquid-settings.ts) is the one source of truth: the
// script's JSDoc tags in plugin/liquid-volume.mjs (which the PlayCanvas Editor parses as text)
// and the README's attribute table must say what it says, and the controller clamps by it.
// `node scripts/update-readme-attributes.mjs` rewrites the README table from the schema. The
// pressure settings' defaults and ranges come from one place too (PRESSURE_VALUES): the
// attributes, the CLI help, the scene validation and the README's scene format are checked here.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scheduleFromSettings } from '../plugin/latent-attachment';
import {
  attributeTableMarkdown, changedSettings, DEFAULT_LIQUID_SETTINGS, LIQUID_ATTRIBUTES, liquidAttribute, MODEL_SETTINGS, sanitizeSettings,
  settingsFromAttributes, type AttributeSpec, type LiquidVolumeSettings, type ModelAssets,
} from '../plugin/liquid-settings';
import { DEFAULT_LIQUID_LOOK } from '../plugin/render';
import { parseArgs } from '../src/cli/args';
import { applyPressureOptions, PRESSURE_OPTION_VALUES, PRESSURE_OPTIONS_HELP } from '../src/cli/pressure-options';
import {
  DEFAULT_LATENT_SCHEDULE, describePressureRange, LatentScheduler, PRESET_NAMES, PRESSURE_METHODS, PRESSURE_VALUES, pressureProblemText, pressureValue,
  resolvePressure, SCENE_DEFAULTS, validateScene, type PressureMethod, type PressureNumber, type PressureValue, type SceneValidationError,
} from '../src/index';

const ROOT = resolve(__dirname, '..');
const README_START = '<!-- liquid-attributes:start (generated from plugin/liquid-settings.ts by scripts/update-readme-attributes.mjs) -->';
const README_END = '<!-- liquid-attributes:end -->';

/** An attribute as the .mjs declares it: its JSDoc tags and its initializer. */
interface ScriptAttribute {
  name: string;
  tags: Map<string, string>;
  initializer: string | null;
}

/** The @attribute fields of one script class in liquid-volume.mjs, in order. */
function scriptAttributes(className: string): ScriptAttribute[] {
  const source = readFileSync(join(ROOT, 'plugin/liquid-volume.mjs'), 'utf8');
  const start = source.indexOf(`export class ${className} `);
  expect(start, `class ${className} in liquid-volume.mjs`).toBeGreaterThanOrEqual(0);
  const next = source.indexOf('\nexport class ', start + 1);
  const body = source.slice(start, next < 0 ? undefined : next);
  const out: ScriptAttribute[] = [];
  for (const m of body.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*\n\s*(\w+)(?:\s*=\s*([^;]+))?;/g)) {
    const tags = new Map<string, string>();
    for (const t of m[1].matchAll(/@(\w+)[ \t]*([^\n]*)/g)) tags.set(t[1], t[2].trim());
    if (tags.has('attribute')) out.push({ name: m[2], tags, initializer: m[3]?.trim() ?? null });
  }
  return out;
}

/** The value of a field initializer as the schema writes defaults. */
function initializerValue(text: string | null): unknown {
  if (text === null) return null;
  const ctor = /^new (Vec3|Color)\(([^)]*)\)$/.exec(text);
  if (ctor) return ctor[2].split(',').map(Number);
  if (/^'.*'$/.test(text)) return text.slice(1, -1);
  if (text === 'true' || text === 'false') return text === 'true';
  const n = Number(text);
  if (!Number.isNaN(n)) return n;
  throw new Error(`cannot read the initializer ${text}`);
}

const numbers = (text: string) => text.replace(/[[\]]/g, '').split(',').map((x) => Number(x.trim()));

describe('liquidVolume attribute schema', () => {
  const attributes = scriptAttributes('LiquidVolume');

  it('liquid-volume.mjs declares exactly the schema\'s attributes, in its order', () => {
    expect(attributes.map((a) => a.name)).toEqual(LIQUID_ATTRIBUTES.map((a) => a.name));
  });

  for (const spec of LIQUID_ATTRIBUTES) {
    it(`${spec.name}: the .mjs default, @type, @range, @step, @precision and @resource match the schema`, () => {
      const a = attributes.find((x) => x.name === spec.name);
      expect(a, `${spec.name} in liquid-volume.mjs`).toBeDefined();
      const tags = a!.tags;
      expect(initializerValue(a!.initializer), `${spec.name} default`).toEqual(spec.default);
      const type = tags.get('type');
      if (spec.kind === 'enum') expect(type).toBe(`{${spec.options!.map((o) => `'${o}'`).join(' | ')}}`);
      else if (spec.kind === 'asset') expect(type).toBe('{Asset}');
      else if (spec.kind === 'entity') expect(type).toBe('{Entity}');
      else expect(type, `${spec.name} has no @type (its initializer types it)`).toBeUndefined();
      expect(tags.get('resource')).toBe(spec.resource);
      expect(tags.has('range') ? numbers(tags.get('range')!) : undefined, `${spec.name} @range`).toEqual(spec.range ? [...spec.range] : undefined);
      expect(tags.has('step') ? Number(tags.get('step')) : undefined, `${spec.name} @step`).toBe(spec.step);
      expect(tags.has('precision') ? Number(tags.get('precision')) : undefined, `${spec.name} @precision`).toBe(spec.precision);
      const kindOfInitializer = a!.initializer === null ? (type === '{Entity}' ? 'entity' : 'asset')
        : /^new Vec3/.test(a!.initializer) ? 'vec3' : /^new Color/.test(a!.initializer) ? 'color'
          : typeof spec.default === 'number' ? (spec.kind === 'integer' ? 'integer' : 'number')
            : typeof initializerValue(a!.initializer) === 'boolean' ? 'boolean' : spec.options ? 'enum' : 'string';
      expect(kindOfInitializer, `${spec.name} kind`).toBe(spec.kind);
      if (spec.kind === 'integer') expect(Number.isInteger(spec.default)).toBe(true);
      if (spec.range) expect(spec.default as number).toBeGreaterThanOrEqual(spec.range[0]);
      if (spec.range) expect(spec.default as number).toBeLessThanOrEqual(spec.range[1]);
    });
  }

  it('the schema\'s defaults are the core\'s: presets, the latent schedule, the renderer\'s look', () => {
    const spec = (name: string) => LIQUID_ATTRIBUTES.find((a) => a.name === name)! as AttributeSpec;
    expect([...spec('preset').options!].sort()).toEqual([...PRESET_NAMES, 'custom'].sort());
    expect(DEFAULT_LIQUID_SETTINGS.interval).toBe(DEFAULT_LATENT_SCHEDULE.interval);
    expect(DEFAULT_LIQUID_SETTINGS.correctionIterations).toBe(DEFAULT_LATENT_SCHEDULE.correctionIterations);
    expect(DEFAULT_LIQUID_SETTINGS.adaptive).toBe(DEFAULT_LATENT_SCHEDULE.adaptiveThreshold);
    expect(DEFAULT_LIQUID_SETTINGS.color).toEqual(DEFAULT_LIQUID_LOOK.color);
    expect(DEFAULT_LIQUID_SETTINGS.absorption).toEqual(DEFAULT_LIQUID_LOOK.absorption);
    expect(DEFAULT_LIQUID_SETTINGS.roughness).toBe(DEFAULT_LIQUID_LOOK.roughness);
    expect(DEFAULT_LIQUID_SETTINGS.refraction).toBe(DEFAULT_LIQUID_LOOK.refractionStrength);
    expect(DEFAULT_LIQUID_SETTINGS.reflection).toBe(DEFAULT_LIQUID_LOOK.reflectionStrength);
    expect(DEFAULT_LIQUID_SETTINGS.sceneJson).toBeNull();
    expect(DEFAULT_LIQUID_SETTINGS.modelAssets).toBeNull();
  });

  it('the README\'s attribute table is the one the schema generates', () => {
    const path = join(ROOT, 'README.md');
    const readme = readFileSync(path, 'utf8');
    const start = readme.indexOf(README_START);
    const end = readme.indexOf(README_END);
    expect(start, 'README markers').toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const current = readme.slice(start + README_START.length, end).trim();
    const wanted = attributeTableMarkdown();
    expect(current, 'README attribute table is out of date: run `node scripts/update-readme-attributes.mjs`').toBe(wanted);
    for (const a of LIQUID_ATTRIBUTES) expect(current).toContain(`\`${a.name}\``);
    // Five cells a row: no text of the schema breaks the table.
    for (const row of current.split('\n')) expect(row.split('|'), row).toHaveLength(7);
  });
});

describe('settings checks and change detection', () => {
  const base = { ...DEFAULT_LIQUID_SETTINGS } as LiquidVolumeSettings;

  it('clamps every ranged setting to the schema\'s range, rounds integers and names the attribute', () => {
    for (const spec of LIQUID_ATTRIBUTES.filter((a) => a.range && a.setting === undefined)) {
      const [lo, hi] = spec.range!;
      const warnings: string[] = [];
      const high = sanitizeSettings({ [spec.name]: hi * 2 + 1 }, base, (m) => warnings.push(m));
      const low = sanitizeSettings({ [spec.name]: lo - 1 }, base, (m) => warnings.push(m));
      const bad = sanitizeSettings({ [spec.name]: Number.NaN }, base, (m) => warnings.push(m));
      expect((high as unknown as Record<string, number>)[spec.name]).toBe(hi);
      expect((low as unknown as Record<string, number>)[spec.name]).toBe(lo);
      expect((bad as unknown as Record<string, number>)[spec.name]).toBe(spec.default);
      expect(warnings, spec.name).toHaveLength(3);
      for (const w of warnings) expect(w).toContain(`liquidVolume.${spec.name}`);
    }
    const warnings: string[] = [];
    expect(sanitizeSettings({ interval: 2.6 }, base, (m) => warnings.push(m)).interval).toBe(3);
    expect(warnings).toEqual([]);
  });

  it("solver 'jacobi' is the deprecated alias of 'classical', with a warning; a bad size is replaced, naming the field", () => {
    const warnings: string[] = [];
    const s = sanitizeSettings({ solver: 'jacobi' as never, size: [10, -1, 10] }, base, (m) => warnings.push(m));
    expect(s.solver).toBe('classical');
    expect(s.size).toEqual([0, 0, 0]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/liquidVolume\.solver 'jacobi' is deprecated: it means 'classical'/);
    expect(warnings[1]).toMatch(/liquidVolume\.size must be three positive numbers in metres/);
    expect(sanitizeSettings({ solver: 'classical', size: [10, 1.5, 10] }, base, (m) => warnings.push(m)).size).toEqual([10, 1.5, 10]);
    expect(warnings).toHaveLength(2);
  });

  it('replaces unknown enum values by the default, with a warning', () => {
    const warnings: string[] = [];
    const s = sanitizeSettings({ solver: 'magic' as never, preset: 'ocean' as never, pressureMethod: 'sor' as never }, base, (m) => warnings.push(m));
    expect([s.solver, s.preset, s.pressureMethod]).toEqual(['classical', 'dam-break', 'auto']);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/liquidVolume\.preset must be one of dam-break, pour, drop, slosh, rest, custom \(got ocean\)/);
  });

  it('notices a swapped .onnx asset (ArrayBuffers compare by identity, not as JSON), and nothing when nothing changed', () => {
    const assets: ModelAssets = { manifest: { a: 1 }, encoder: new ArrayBuffer(8), lstm: new ArrayBuffer(8), decoder: new ArrayBuffer(8) };
    const a = { ...base, modelAssets: assets };
    expect(changedSettings(a, { ...a, modelAssets: { ...assets } }, MODEL_SETTINGS).size).toBe(0);
    expect([...changedSettings(a, { ...a, modelAssets: { ...assets, lstm: new ArrayBuffer(8) } }, MODEL_SETTINGS)]).toEqual(['modelAssets']);
    expect([...changedSettings(a, { ...a, gravity: [0, -9.81, 0] }, ['gravity', 'color'])]).toEqual([]);
    expect([...changedSettings(a, { ...a, gravity: [0, -1, 0] }, ['gravity', 'color'])]).toEqual(['gravity']);
  });
});

describe('one schema for the pressure settings (PRESSURE_VALUES)', () => {
  const fields: PressureNumber[] = ['iterations', 'tolerance', 'maxIterations', 'checkInterval', 'omega'];
  const liquid = [{ type: 'box', min: [0, 0, 0], max: [0.8, 0.3, 0.8] }];
  const scene = (method: PressureMethod, field: string, value: unknown) => ({ resolution: 8, cellSize: 0.1, liquid, pressure: { method, [field]: value } });
  /** A value just outside each end of a range (the excluded lower bound itself, when there is one). */
  const outside = (v: PressureValue) => [v.exclusiveMin ? v.min : v.integer ? v.min - 1 : v.min / 2 || -1, v.integer ? v.max + 1 : v.max * 2];

  it('the pressure attributes take their default and range from it', () => {
    for (const [attribute, value] of [['jacobiIterations', PRESSURE_VALUES.iterations], ['pressureTolerance', PRESSURE_VALUES.tolerance]] as const) {
      const spec = liquidAttribute(attribute);
      expect(spec.default, attribute).toBe(value.default);
      expect(spec.range, attribute).toEqual([value.min, value.max]);
    }
  });

  it('the scene validation accepts each range\'s ends and refuses what lies outside, naming the field and the range', () => {
    for (const method of PRESSURE_METHODS) {
      for (const field of fields) {
        const v = pressureValue(field, method);
        if (!v.exclusiveMin) expect(validateScene(scene(method, field, v.min)).pressure[field], `${method} ${field} = ${v.min}`).toBe(v.min);
        expect(validateScene(scene(method, field, v.max)).pressure[field], `${method} ${field} = ${v.max}`).toBe(v.max);
        for (const bad of [...outside(v), 'x']) {
          const problems = (() => { try { validateScene(scene(method, field, bad)); return []; } catch (e) { return (e as SceneValidationError).problems; } })();
          expect(problems.join('\n'), `${method} ${field} = ${bad}`).toContain(`pressure.${field} must be ${describePressureRange(v)}`);
        }
      }
    }
  });

  it('a scene that names nothing gets the defaults; mgpcg gets its tolerance and CG cap', () => {
    const jacobi = validateScene({ resolution: 8, cellSize: 0.1, liquid }).pressure;
    expect(jacobi).toMatchObject({ method: 'jacobi', iterations: PRESSURE_VALUES.iterations.default, maxIterations: PRESSURE_VALUES.maxIterations.default, checkInterval: PRESSURE_VALUES.checkInterval.default, omega: PRESSURE_VALUES.omega.default });
    expect(jacobi.tolerance).toBeUndefined();
    expect(validateScene(scene('mgpcg', 'omega', 1)).pressure).toMatchObject({ tolerance: PRESSURE_VALUES.tolerance.default, maxIterations: PRESSURE_VALUES.mgpcgMaxIterations.default });
    expect(SCENE_DEFAULTS.pressure).toEqual(jacobi);
  });

  it('the CLI help names each option\'s range and default, and the options are checked against the same ranges', () => {
    const { iterations, tolerance, maxIterations, mgpcgMaxIterations } = PRESSURE_VALUES;
    const line = (option: string) => PRESSURE_OPTIONS_HELP.slice(PRESSURE_OPTIONS_HELP.indexOf(`--${option}`)).split(/\n {2}--/)[0];
    expect(line('jacobi-iterations')).toContain(`[${iterations.min}, ${iterations.max}] (default: the scene's, ${iterations.default})`);
    expect(line('tolerance')).toContain(`[${tolerance.min}, ${tolerance.max}]`);
    expect(line('tolerance')).toContain(`mgpcg: default ${tolerance.default}`);
    expect(line('max-iterations')).toContain(`jacobi [${maxIterations.min}, ${maxIterations.max}] (default ${maxIterations.default})`);
    expect(line('max-iterations')).toContain(`mgpcg [${mgpcgMaxIterations.min}, ${mgpcgMaxIterations.max}] (default ${mgpcgMaxIterations.default})`);
    const apply = (argv: string[], method: PressureMethod = 'jacobi') => {
      const s = validateScene(scene(method, 'omega', 1));
      applyPressureOptions(parseArgs(argv, { values: PRESSURE_OPTION_VALUES, flags: [] }), s);
      return s.pressure;
    };
    for (const [option, field] of [['tolerance', 'tolerance'], ['max-iterations', 'maxIterations'], ['jacobi-iterations', 'iterations']] as const) {
      const v = pressureValue(field, 'jacobi');
      expect(apply([`--${option}`, String(v.max)])[field]).toBe(v.max);
      for (const bad of outside(v)) {
        expect(() => apply([`--${option}`, String(bad)]), `--${option} ${bad}`).toThrow(`--${option} must be ${describePressureRange(v)} (got ${bad})`);
      }
    }
    expect(() => apply(['--max-iterations', '201'], 'mgpcg')).toThrow('--max-iterations must be an integer in [1, 200] with method "mgpcg" (got 201)');
    expect(apply(['--pressure', 'mgpcg'])).toMatchObject({ method: 'mgpcg', tolerance: PRESSURE_VALUES.tolerance.default, maxIterations: mgpcgMaxIterations.default });
    expect(apply(['--pressure', 'jacobi'], 'mgpcg')).toMatchObject({ method: 'jacobi', tolerance: undefined, maxIterations: maxIterations.default });
  });

  it('the README\'s scene format states the same ranges', () => {
    const row = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').find((l) => l.startsWith('| `pressure` |'));
    expect(row, 'the pressure row of the README scene format').toBeDefined();
    for (const field of fields) {
      const v = PRESSURE_VALUES[field];
      expect(row, field).toContain(`\`${field}\` ${describePressureRange(v).replace(/^an? (even )?(integer|number) in /, '')}`);
    }
    expect(row).toContain(`mgpcg [${PRESSURE_VALUES.mgpcgMaxIterations.min}, ${PRESSURE_VALUES.mgpcgMaxIterations.max}]`);
  });

  it('resolvePressure keeps the previous value of a refused field and names it', () => {
    const previous = validateScene(scene('mgpcg', 'omega', 1)).pressure;
    const { settings, problems } = resolvePressure(previous, { tolerance: 0, iterations: 3 });
    expect(settings).toMatchObject({ tolerance: previous.tolerance, iterations: 3 });
    expect(pressureProblemText(problems)).toBe(`pressure.tolerance must be ${describePressureRange(PRESSURE_VALUES.tolerance)} (got 0)`);
  });

  it('adaptive 0 (off) stays 0 from the attribute to the latent schedule', () => {
    const warnings: string[] = [];
    const s = sanitizeSettings({ adaptive: 0 }, { ...DEFAULT_LIQUID_SETTINGS } as LiquidVolumeSettings, (m) => warnings.push(m));
    expect(warnings).toEqual([]);
    expect(scheduleFromSettings(s).adaptiveThreshold).toBe(0);
    expect(new LatentScheduler(4, { warmupFrames: 0, ...scheduleFromSettings(s) } as never).settings.adaptiveThreshold).toBe(0);
  });
});

describe('settingsFromAttributes (the script\'s settings(), generated from the schema)', () => {
  it('reads every attribute that feeds a setting, vectors and colours as arrays, assets by their resource', () => {
    const script: Record<string, unknown> = {};
    for (const a of LIQUID_ATTRIBUTES) script[a.name] = Array.isArray(a.default) ? (a.kind === 'color' ? { r: a.default[0], g: a.default[1], b: a.default[2] } : { x: a.default[0], y: a.default[1], z: a.default[2] }) : a.default;
    script.sceneAsset = { resource: { name: 'mine' } };
    script.showStats = true;
    const s = settingsFromAttributes(script, null);
    const expected: Record<string, unknown> = { ...DEFAULT_LIQUID_SETTINGS, sceneJson: { name: 'mine' }, collectStats: true };
    expect(s).toEqual(expected);
    expect(Object.keys(s).sort()).toEqual(Object.keys(DEFAULT_LIQUID_SETTINGS).sort());
  });
});
