// The liquidVolume attribute schema (plugin/liquid-settings.ts) is the one source of truth: the
// script's JSDoc tags in plugin/liquid-volume.mjs (which the PlayCanvas Editor parses as text)
// and the README's attribute table must say what it says, and the controller clamps by it.
// `node scripts/update-readme-attributes.mjs` rewrites the README table from the schema.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  attributeTableMarkdown, changedSettings, DEFAULT_LIQUID_SETTINGS, LIQUID_ATTRIBUTES, MODEL_SETTINGS, sanitizeSettings,
  type AttributeSpec, type LiquidVolumeSettings, type ModelAssets,
} from '../plugin/liquid-settings';
import { DEFAULT_LIQUID_LOOK } from '../plugin/render';
import { DEFAULT_LATENT_SCHEDULE, PRESET_NAMES } from '../src/index';

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
    expect(current, 'README attribute table differs from the schema: run `node scripts/update-readme-attributes.mjs` to regenerate it').toBe(wanted);
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
