// The test pond of the rigid-body physics tests (issue 21): a tank of 4 cm cells 14 cells
// high with water to 0.28 m, flat boxes released above their floating height, the mean water
// level from the level set, and frames paced as a game's (bodies first, then the liquid).
import type { LiquidSolver, FrameMetrics } from '../../src/solver/liquid-solver';
import type { SceneInput, Vec3 } from '../../src/scene/scene-description';
import { readFloat32 } from '../../src/gpu/readback';
import { useTestSolvers } from './gpu';
import { TestRigidBody } from './rigid-body';

/** A test file's GPU device and pond solvers (useTestSolvers: every solver made is destroyed in afterAll). */
export function usePond(): { readonly device: GPUDevice; make: (input: SceneInput) => Promise<LiquidSolver> } {
  let device: GPUDevice | undefined;
  const make = useTestSolvers((d) => { device = d; });
  return {
    get device(): GPUDevice {
      if (!device) throw new Error('usePond: the device exists from beforeAll on');
      return device;
    },
    make,
  };
}

export const CELL = 0.04;
export const WATER = 0.28;
/** Flat boxes (0.24 x 0.12 x 0.24 m): upright is stable at every density tested. */
export const HALF: Vec3 = [0.12, 0.06, 0.12];
export const BOX_VOLUME = 8 * HALF[0] * HALF[1] * HALF[2];

export function tankScene(name: string, nx: number): SceneInput {
  return {
    name, resolution: [nx, 14, 10], cellSize: CELL,
    liquid: [{ type: 'box', min: [0, 0, 0], max: [nx * CELL, WATER, 10 * CELL] }],
    timeStep: { frame: 1 / 60, substeps: 1 },
  };
}

/** Mean height of the free surface over the columns (i, k) that `take` accepts (default: x cells `columns`, all z): the level set's zero, interpolated. */
export async function waterLevel(device: GPUDevice, solver: LiquidSolver, columns: number[], take: (i: number, k: number) => boolean = (i) => columns.includes(i)): Promise<number> {
  const phi = await readFloat32(device, solver.fields.levelSet, solver.grid.cellCount);
  const [nx, ny, nz] = solver.grid.dims;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < nx; i++) {
    for (let k = 0; k < nz; k++) {
      if (!take(i, k)) continue;
      for (let j = 0; j + 1 < ny; j++) {
        const a = phi[i + nx * (j + ny * k)];
        const b = phi[i + nx * (j + 1 + ny * k)];
        if (a < 0 && b >= 0) {
          sum += (j + 0.5) * CELL + (CELL * a) / (a - b);
          n++;
          break;
        }
      }
    }
  }
  return sum / n;
}

/**
 * The water level once flat boxes of these relative densities float (or lie on the floor, at
 * 1 and more) in the pond of `nx` cells: the water of the pond plus the volume they displace,
 * over the tank's area.
 */
export function settledLevel(nx: number, relativeDensities: number[]): number {
  const displaced = relativeDensities.reduce((sum, d) => sum + Math.min(1, d) * BOX_VOLUME, 0);
  return WATER + displaced / (nx * CELL * 10 * CELL);
}

/** A flat box released at rest 1 cm above its floating height in water at `level` (default: the pond's level before any body). */
export function addBox(solver: LiquidSolver, tank: Vec3, x: number, relativeDensity: number, name: string, level = WATER): TestRigidBody {
  const density = solver.scene.density;
  const draft = relativeDensity * 2 * HALF[1];
  const body = solver.bodies.add({
    name, shape: { kind: 'box', halfExtents: HALF }, mass: relativeDensity * density * BOX_VOLUME,
    state: { position: [x, level - draft + HALF[1] + 0.01, tank[2] / 2], rotation: [0, 0, 0, 1], linearVelocity: [0, 0, 0], angularVelocity: [0, 0, 0] },
  });
  return new TestRigidBody(body, tank);
}

/**
 * Steps `frames` frames: the bodies first (their integrator under the liquid's gravity, or
 * `bodyGravity`), then the liquid; returns the largest |volume drift| seen every 10th frame
 * (`each` gets that frame's metrics).
 */
export async function run(device: GPUDevice, solver: LiquidSolver, bodies: TestRigidBody[], frames: number, each?: (frame: number, metrics?: FrameMetrics) => Promise<void>,
  bodyGravity?: Vec3): Promise<number> {
  let maxDrift = 0;
  const dt = solver.scene.timeStep.frame;
  for (let f = 0; f < frames; f++) {
    for (const b of bodies) b.step(dt, bodyGravity ?? solver.gravityAt(solver.time), solver.scene.density);
    solver.collectMetrics = f % 10 === 9;
    await solver.step();
    // A game's pace: the next frame starts once the GPU showed this one (the step itself never waits).
    await device.queue.onSubmittedWorkDone();
    await new Promise((r) => setTimeout(r, 0));
    const metrics = solver.collectMetrics ? await solver.readMetrics() : undefined;
    if (metrics) maxDrift = Math.max(maxDrift, Math.abs(metrics.volumeDrift));
    await each?.(f, metrics);
  }
  return maxDrift;
}

