import { PRESSURE_METHODS, type PressureDescription, type PressureMethod } from './scene-description';

/** One number of the classical pressure solve: its default and its allowed range. */
export interface PressureValue {
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** The lower bound itself is not allowed. */
  readonly exclusiveMin?: boolean;
  readonly integer?: boolean;
  readonly even?: boolean;
  /** What it is (the CLI help and the scene format say this). */
  readonly doc: string;
}

/**
 * The one default and range of each number of the classical pressure solve. The scene JSON
 * (`validateScene`), the CLI options (src/cli/pressure-options.ts), the PlayCanvas attributes
 * (plugin/liquid-settings.ts) and `LiquidSolver.configurePressure` all check against these.
 * The tolerance's floor is what a float32 solve can reach (its relative residual stalls near
 * 1e-6); 1 means "stop before the first iteration".
 */
export const PRESSURE_VALUES = {
  iterations: { default: 100, min: 0, max: 100_000, integer: true, doc: 'Jacobi iterations of a fixed-count solve' },
  tolerance: { default: 1e-3, min: 1e-6, max: 1, doc: 'relative residual |b - Ap| / |b| a solve stops at, checked on the GPU (mgpcg always; jacobi when set)' },
  maxIterations: { default: 5000, min: 1, max: 100_000, integer: true, doc: 'Jacobi iteration cap of a solve to a tolerance' },
  /** `maxIterations` when the method is mgpcg: every CG iteration up to the cap is encoded each step. */
  mgpcgMaxIterations: { default: 20, min: 1, max: 200, integer: true, doc: 'CG iteration cap of mgpcg' },
  checkInterval: { default: 10, min: 2, max: 1000, integer: true, even: true, doc: 'Jacobi iterations between GPU convergence checks' },
  omega: { default: 1, min: 0, max: 1, exclusiveMin: true, doc: 'weighted-Jacobi factor' },
} as const satisfies Record<string, PressureValue>;

/** The numbers of `PressureDescription` that PRESSURE_VALUES bounds. */
export type PressureNumber = 'iterations' | 'tolerance' | 'maxIterations' | 'checkInterval' | 'omega';

/** The range of a field for a method (`maxIterations` is CG iterations for mgpcg, Jacobi iterations otherwise). */
export function pressureValue(field: PressureNumber, method: PressureMethod): PressureValue {
  return field === 'maxIterations' && method === 'mgpcg' ? PRESSURE_VALUES.mgpcgMaxIterations : PRESSURE_VALUES[field];
}

/** "an integer in [1, 200]", "a number in (0, 1]", "an even integer in [2, 1000]". */
export function describePressureRange(v: PressureValue): string {
  const what = v.integer ? (v.even ? 'an even integer' : 'an integer') : 'a number';
  return `${what} in ${v.exclusiveMin ? '(' : '['}${v.min}, ${v.max}]`;
}

/** Whether `x` is allowed by `v`. */
export function inPressureRange(v: PressureValue, x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x <= v.max && (v.exclusiveMin ? x > v.min : x >= v.min)
    && (!v.integer || Number.isInteger(x)) && (!v.even || x % 2 === 0);
}

/** A field the resolution refused, with what is allowed. */
export interface PressureProblem {
  field: keyof PressureDescription;
  /** "must be a number in [0.000001, 1]" (the caller puts its own name for the field in front). */
  message: string;
  got: unknown;
}

const NUMBERS: readonly PressureNumber[] = ['iterations', 'tolerance', 'maxIterations', 'checkInterval', 'omega'];

/** The settings of a scene that names none, for `method`. */
export function defaultPressure(method: PressureMethod): PressureDescription {
  return resolvePressure({ ...DEFAULT_JACOBI }, { method }).settings;
}

const DEFAULT_JACOBI: PressureDescription = {
  method: 'jacobi',
  iterations: PRESSURE_VALUES.iterations.default,
  maxIterations: PRESSURE_VALUES.maxIterations.default,
  checkInterval: PRESSURE_VALUES.checkInterval.default,
  omega: PRESSURE_VALUES.omega.default,
};

/**
 * The one normaliser of the classical pressure settings: `previous` (already valid) changed by
 * `change`. A method switch that names no `tolerance` or `maxIterations` takes the new
 * method's defaults (Jacobi: a fixed count, no tolerance; mgpcg: PRESSURE_VALUES' tolerance and
 * CG cap), because a cap means Jacobi iterations for one and CG iterations for the other. mgpcg
 * always has a tolerance. Every number is checked against PRESSURE_VALUES; a refused value
 * keeps `previous`' and is listed in `problems`, which name the field and its allowed range.
 */
export function resolvePressure(previous: PressureDescription, change: Partial<PressureDescription>): { settings: PressureDescription; problems: PressureProblem[] } {
  const problems: PressureProblem[] = [];
  const next: PressureDescription = { ...previous };
  for (const [key, value] of Object.entries(change) as [keyof PressureDescription, unknown][]) {
    if (value !== undefined || key === 'tolerance') (next as unknown as Record<string, unknown>)[key] = value;
  }
  if (!PRESSURE_METHODS.includes(next.method)) {
    problems.push({ field: 'method', message: `must be one of ${PRESSURE_METHODS.join(', ')}`, got: next.method });
    next.method = previous.method;
  }
  if (next.method !== previous.method) {
    if (change.maxIterations === undefined) next.maxIterations = pressureValue('maxIterations', next.method).default;
    if (!('tolerance' in change)) next.tolerance = undefined;
  }
  if (next.method === 'mgpcg') next.tolerance ??= PRESSURE_VALUES.tolerance.default;
  for (const field of NUMBERS) {
    const value = next[field];
    if (value === undefined && field === 'tolerance') continue;
    const range = pressureValue(field, next.method);
    if (inPressureRange(range, value)) continue;
    const withMethod = field === 'maxIterations' && next.method === 'mgpcg' ? ' with method "mgpcg"' : '';
    problems.push({ field, message: `must be ${describePressureRange(range)}${withMethod}`, got: value });
    (next as unknown as Record<string, unknown>)[field] = inPressureRange(range, previous[field]) ? previous[field] : range.default;
  }
  return { settings: next, problems };
}

/** The problems as one sentence per field: "pressure.tolerance must be a number in [0.000001, 1] (got 0)". */
export function pressureProblemText(problems: readonly PressureProblem[], name: (field: string) => string = (f) => `pressure.${f}`): string {
  return problems.map((p) => `${name(p.field)} ${p.message} (got ${JSON.stringify(p.got) ?? String(p.got)})`).join('; ');
}
