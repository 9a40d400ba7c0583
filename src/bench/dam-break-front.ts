import type { PressureDescription, Vec3 } from '../scene/scene-description';
import { validateScene } from '../scene/scene-validation';
import { LiquidSolver } from '../solver/liquid-solver';

/** One run of the dam-break front study. */
export interface FrontRun {
  /** Cells across the liquid column. */
  columnCells: number;
  resolution: Vec3;
  pressure: PressureDescription;
  /** Front position over the column width, x/a, at the dimensionless times asked for. */
  front: { T: number; Z: number }[];
  /** Pressure iterations summed over the run. */
  iterations: number;
  /** RMS divergence after the projection (1/s), max over frames. */
  maxDivergence: number;
}

/**
 * The classic dam break of Martin and Moyce (1952) in a narrow tank: a column a wide and 2a
 * high against the x = 0 wall of a tank 4a long, released at t = 0. The front is where the
 * liquid meets the floor, Z = x / a, at dimensionless times T = t * sqrt(2 g / a). Converged
 * pressure makes Z converge with the resolution; the study runs it at several column widths.
 * The tank is `depthCells` cells deep (a slab: walls at the front and back, no z motion).
 */
export async function runDamBreakFront(device: GPUDevice, columnCells: number, pressure: Partial<PressureDescription>,
  times: number[], options: { a?: number; depthCells?: number } = {}): Promise<FrontRun> {
  const a = options.a ?? 0.25;
  const depth = options.depthCells ?? 4;
  const h = a / columnCells;
  const resolution: Vec3 = [4 * columnCells, 3 * columnCells, depth];
  const scene = validateScene({
    name: `dam-break-front-${columnCells}`,
    resolution, cellSize: h,
    liquid: [{ type: 'box', min: [0, 0, 0], max: [a, 2 * a, depth * h] }],
    // CFL-limited steps: the front moves up to sqrt(2 g 2a), many cells a frame at fine grids.
    timeStep: { frame: 1 / 240, substeps: 'auto', cfl: 1, maxSubsteps: 16 },
    pressure,
  });
  const solver = await LiquidSolver.create(device, scene);
  solver.collectMetrics = true;
  const g = 9.81;
  const scale = Math.sqrt((2 * g) / a);
  const front: FrontRun['front'] = [];
  let iterations = 0;
  let maxDivergence = 0;
  try {
    for (const T of [...times].sort((x, y) => x - y)) {
      const until = T / scale;
      while (solver.time < until - 1e-9) {
        await solver.step();
        const m = await solver.readMetrics();
        iterations += m.pressureIterations;
        maxDivergence = Math.max(maxDivergence, m.divergenceL2);
      }
      front.push({ T: solver.time * scale, Z: frontPosition(await solver.readField('levelset'), resolution, h) / a });
    }
  } finally {
    solver.destroy();
  }
  return { columnCells, resolution, pressure: solver.scene.pressure, front, iterations, maxDivergence };
}

/**
 * Where the liquid meets the floor (m): in the bottom cell row, averaged over z, the largest
 * x at which the level set crosses zero (linear interpolation between cell centres).
 */
export function frontPosition(phi: Float32Array, dims: Vec3, h: number): number {
  const [nx, ny] = dims;
  let sum = 0;
  for (let k = 0; k < dims[2]; k++) {
    const row = (i: number) => phi[i + nx * ny * k];
    let x = 0;
    for (let i = nx - 1; i >= 0; i--) {
      if (row(i) < 0) {
        const next = i + 1 < nx ? row(i + 1) : row(i);
        const t = next > 0 ? row(i) / (row(i) - next) : 0;
        x = (i + 0.5 + t) * h;
        break;
      }
    }
    sum += x;
  }
  return sum / dims[2];
}
