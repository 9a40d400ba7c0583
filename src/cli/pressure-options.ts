import { describePressureRange, PRESSURE_VALUES, pressureProblemText, resolvePressure, type PressureValue } from '../scene/pressure-settings';
import { PRESSURE_METHODS, type PressureDescription, type SceneDescription } from '../scene/scene-description';
import { stringOption, UsageError, type ParsedArgs } from './args';

/** The options that choose and tune the classical pressure solve (simulate, compare), and the setting each sets. */
const PRESSURE_OPTIONS = { 'jacobi-iterations': 'iterations', tolerance: 'tolerance', 'max-iterations': 'maxIterations' } as const;

/** The options that choose and tune the classical pressure solve (simulate, compare). */
export const PRESSURE_OPTION_VALUES = ['pressure', ...Object.keys(PRESSURE_OPTIONS)];

const range = (v: PressureValue) => describePressureRange(v).replace(/^an? (even )?(integer|number) in /, '');
const { iterations, tolerance, maxIterations, mgpcgMaxIterations } = PRESSURE_VALUES;

/** The help lines of the pressure options: defaults and ranges from PRESSURE_VALUES (src/scene/pressure-settings.ts). */
export const PRESSURE_OPTIONS_HELP = `  --pressure ${PRESSURE_METHODS.join('|')}   the pressure solve (default: the scene's; scenes that name none use
                            jacobi below 64 cells along the longest axis and mgpcg from 64)
  --jacobi-iterations K     fixed Jacobi iterations per step, ${range(iterations)} (default: the scene's, ${iterations.default})
  --tolerance T             iterate until the relative residual is below T, checked on the GPU,
                            ${range(tolerance)} (jacobi: instead of a fixed count; mgpcg: default ${tolerance.default})
  --max-iterations M        iteration cap in tolerance mode: jacobi ${range(maxIterations)} (default ${maxIterations.default}),
                            mgpcg ${range(mgpcgMaxIterations)} (default ${mgpcgMaxIterations.default})
`;

/**
 * Applies --pressure, --jacobi-iterations, --tolerance and --max-iterations to the scene's
 * `pressure` settings (in place), through `resolvePressure`: switching the method takes the
 * other method's defaults first, because a cap means Jacobi iterations for one and CG
 * iterations for the other.
 * @throws UsageError naming the option and its allowed values
 */
export function applyPressureOptions(args: ParsedArgs, scene: SceneDescription): void {
  const method = stringOption(args, 'pressure');
  if (method !== undefined && !(PRESSURE_METHODS as readonly string[]).includes(method)) {
    throw new UsageError(`--pressure must be one of ${PRESSURE_METHODS.join(', ')} (got ${method})`);
  }
  const change: Partial<PressureDescription> = method === undefined ? {} : { method: method as PressureDescription['method'] };
  const mgpcg = (method ?? scene.pressure.method) === 'mgpcg';
  if (args.options.has('jacobi-iterations') && (args.options.has('tolerance') || mgpcg)) {
    throw new UsageError(mgpcg ? '--jacobi-iterations applies to --pressure jacobi only' : '--jacobi-iterations and --tolerance exclude each other');
  }
  for (const [option, field] of Object.entries(PRESSURE_OPTIONS)) {
    const v = args.options.get(option);
    if (v === undefined) continue;
    if (v === true) throw new UsageError(`--${option} needs a value`);
    const n = Number(v);
    // a word stays a word, so the error shows what was typed
    (change as Record<string, unknown>)[field] = v.trim() !== '' && Number.isFinite(n) ? n : v;
  }
  const { settings, problems } = resolvePressure(scene.pressure, change);
  const optionOf = (field: string) => `--${Object.entries(PRESSURE_OPTIONS).find(([, f]) => f === field)?.[0] ?? field}`;
  if (problems.length > 0) throw new UsageError(pressureProblemText(problems, optionOf));
  scene.pressure = settings;
}

/** The classical solve in words: "MGPCG to relative residual 0.001 (cap 20 iterations)", "Jacobi, 100 iterations". */
export function describePressure(p: { method: string; iterations: number; tolerance?: number; maxIterations: number }): string {
  if (p.method === 'mgpcg') return `MGPCG to relative residual ${p.tolerance} (cap ${p.maxIterations} iterations)`;
  return p.tolerance !== undefined ? `Jacobi to relative residual ${p.tolerance} (cap ${p.maxIterations})` : `Jacobi, ${p.iterations} iterations`;
}
