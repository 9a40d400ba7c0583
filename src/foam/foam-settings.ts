/** The numbers of the whitewater foam (shaders/foam/foam.wgsl), each with its one default and range. */
export interface FoamSettings {
  /** Below this speed (m/s) no foam is made: a liquid at rest (or creeping) makes none. */
  minSpeed: number;
  /** Speed (m/s), and velocity jump across a cell, of full emission. */
  fullSpeed: number;
  /** Density made per second at full breaking potential and speed (1/s). */
  emissionRate: number;
  /** Seconds a full density takes to decay to zero. */
  lifetime: number;
  /** Half-width of the surface band foam lives in (cells). */
  bandCells: number;
}

/** One number of FoamSettings: its default, range and unit. */
export interface FoamValue {
  default: number;
  min: number;
  max: number;
  unit: string;
}

/**
 * Defaults and ranges. The speeds are set for the 1 m preset tanks: in the 16^3 dam break the
 * largest speed is 1.7 m/s at frame 7, 3-4 m/s from frame 13 to 31 (the front hits the far wall
 * at frame 22), 1.2 m/s at frame 43; with these defaults foam above 0.1 covers 32 cells at frame 7
 * and 370-460 of the 770-1040 surface-band cells from frame 19 to 34 (measured on SwiftShader).
 */
export const FOAM_VALUES: Readonly<Record<keyof FoamSettings, FoamValue>> = Object.freeze({
  minSpeed: { default: 1, min: 0, max: 100, unit: 'm/s' },
  fullSpeed: { default: 3, min: 0.01, max: 200, unit: 'm/s' },
  emissionRate: { default: 20, min: 0, max: 1000, unit: '1/s' },
  lifetime: { default: 1.5, min: 0.01, max: 60, unit: 's' },
  bandCells: { default: 1.5, min: 0.5, max: 4, unit: 'cells' },
});

/** The defaults of every foam number. */
export const DEFAULT_FOAM_SETTINGS: Readonly<FoamSettings> = Object.freeze(Object.fromEntries(
  Object.entries(FOAM_VALUES).map(([k, v]) => [k, v.default])) as unknown as FoamSettings);

/**
 * Merges `settings` over `base` and checks every number against its range.
 * @throws RangeError naming the field and its allowed range
 */
export function resolveFoamSettings(settings: Partial<FoamSettings>, base: FoamSettings = DEFAULT_FOAM_SETTINGS): FoamSettings {
  const out = { ...base };
  for (const [key, value] of Object.entries(settings) as [keyof FoamSettings, number | undefined][]) {
    const spec = FOAM_VALUES[key];
    if (!spec) throw new RangeError(`foam.${key as string}: unknown setting (${Object.keys(FOAM_VALUES).join(', ')})`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < spec.min || value > spec.max) {
      throw new RangeError(`foam.${key} must be a number in [${spec.min}, ${spec.max}] ${spec.unit}, got ${String(value)}`);
    }
    out[key] = value;
  }
  if (out.fullSpeed <= out.minSpeed) {
    throw new RangeError(`foam.fullSpeed (${out.fullSpeed} m/s) must be greater than foam.minSpeed (${out.minSpeed} m/s)`);
  }
  return out;
}
