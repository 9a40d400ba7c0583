import { PRESSURE_METHODS, type SceneDescription } from '../scene/scene-description';
import { SCENE_DEFAULTS, SCENE_LIMITS } from '../scene/scene-validation';
import { intOption, numberOption, stringOption, UsageError, type ParsedArgs } from './args';

/** The options that choose and tune the classical pressure solve (simulate, compare). */
export const PRESSURE_OPTION_VALUES = ['pressure', 'jacobi-iterations', 'tolerance', 'max-iterations'];

export const PRESSURE_OPTIONS_HELP = `  --pressure jacobi|mgpcg   the pressure solve (default: the scene's; scenes that name none use
                            jacobi below 64 cells along the longest axis and mgpcg from 64)
  --jacobi-iterations K     fixed Jacobi iterations per step (default: the scene's, 100)
  --tolerance T             iterate until the relative residual is below T, checked on the GPU
                            (jacobi: instead of a fixed count; mgpcg: default 1e-3)
  --max-iterations M        iteration cap in tolerance mode (default 5000 jacobi, 20 mgpcg; at most 200 for mgpcg)
`;

/**
 * Applies --pressure, --jacobi-iterations, --tolerance and --max-iterations to the scene's
 * `pressure` settings (in place). Switching the method takes the other method's defaults first,
 * because a cap means Jacobi iterations for one and CG iterations for the other.
 * @throws UsageError naming the option and its allowed values
 */
export function applyPressureOptions(args: ParsedArgs, scene: SceneDescription): void {
  const method = stringOption(args, 'pressure');
  if (method !== undefined && !(PRESSURE_METHODS as readonly string[]).includes(method)) {
    throw new UsageError(`--pressure must be one of ${PRESSURE_METHODS.join(', ')} (got ${method})`);
  }
  if (method !== undefined && method !== scene.pressure.method) {
    scene.pressure = method === 'mgpcg'
      ? { ...scene.pressure, method: 'mgpcg', tolerance: SCENE_DEFAULTS.mgpcg.tolerance, maxIterations: SCENE_DEFAULTS.mgpcg.maxIterations }
      : { ...scene.pressure, method: 'jacobi', tolerance: undefined, maxIterations: SCENE_DEFAULTS.pressure.maxIterations };
  }
  const mgpcg = scene.pressure.method === 'mgpcg';
  if (args.options.has('jacobi-iterations') && (args.options.has('tolerance') || mgpcg)) {
    throw new UsageError(mgpcg ? '--jacobi-iterations applies to --pressure jacobi only' : '--jacobi-iterations and --tolerance exclude each other');
  }
  scene.pressure.iterations = intOption(args, 'jacobi-iterations', scene.pressure.iterations, 0, 100_000);
  const tolerance = numberOption(args, 'tolerance', undefined, 0, 1, true);
  if (tolerance !== undefined) scene.pressure.tolerance = tolerance;
  scene.pressure.maxIterations = intOption(args, 'max-iterations', scene.pressure.maxIterations, 1, mgpcg ? SCENE_LIMITS.maxMgpcgIterations : 1_000_000);
}

/** The classical solve in words: "MGPCG to relative residual 0.001 (cap 20 iterations)", "Jacobi, 100 iterations". */
export function describePressure(p: { method: string; iterations: number; tolerance?: number; maxIterations: number }): string {
  if (p.method === 'mgpcg') return `MGPCG to relative residual ${p.tolerance} (cap ${p.maxIterations} iterations)`;
  return p.tolerance !== undefined ? `Jacobi to relative residual ${p.tolerance} (cap ${p.maxIterations})` : `Jacobi, ${p.iterations} iterations`;
}
