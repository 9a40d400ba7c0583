/**
 * A four-blade paddle wheel turning about a vertical axis at 2 rad/s (tip speed 0.6 m/s) in a
 * 0.5 m deep pool, moved by setTransform every frame (the solver derives its angular velocity).
 * Shared by the CI-sized run (test/mesh-colliders-physics.test.ts, 16^3) and the long one
 * (test/long/mesh-colliders-paddle.test.ts, 32^3, 600 frames).
 */
import { quatFromAxisAngle, quatMultiply } from '../../src/colliders/mesh-transform';
import { paddleWheelMesh } from '../../src/colliders/procedural-meshes';
import { validateScene } from '../../src/scene/scene-validation';
import { LiquidSolver } from '../../src/solver/liquid-solver';

/** What a paddle run measured: every 10th frame's volume drift and angular velocity, and the speed ratios from `measureFrom` on. */
export interface PaddleRun {
  /** Mean tangential velocity of the liquid between the blades over omega * r, per sampled frame from `measureFrom`. */
  ratios: number[];
  /** Liquid cells between the blades counted for each ratio. */
  cells: number[];
  /** Largest |volume drift| over the sampled frames. */
  worstDrift: number;
  /** The paddle's angular velocity about y as the solver derived it, per sampled frame. */
  angularVelocities: number[];
}

export const PADDLE_OMEGA = 2;

/** Spins the wheel for `frames` frames on an n^3 grid, sampling every 10th frame. */
export async function spinPaddleWheel(device: GPUDevice, n: number, frames: number, measureFrom: number): Promise<PaddleRun> {
  const R = 0.3;
  const omega = PADDLE_OMEGA;
  const center: [number, number, number] = [0.5, 0.3, 0.5];
  const upright = quatFromAxisAngle([1, 0, 0], -Math.PI / 2); // the wheel's axis (z) along +y
  const solver = await LiquidSolver.create(device, validateScene({ name: 'paddle', resolution: [n, n, n], cellSize: 1 / n, liquid: [{ type: 'box', min: [0, 0, 0], max: [1, 0.5, 1] }] }));
  try {
    solver.meshColliders.onWarning = (m) => { throw new Error(`unexpected warning: ${m}`); };
    const paddle = solver.meshColliders.add({
      name: 'paddle wheel',
      mesh: paddleWheelMesh({ radius: R, hubRadius: 0.06, bladeThickness: 2.2 / n, width: 0.4, blades: 4 }),
      transform: { translation: center, rotation: upright },
    });
    await solver.meshColliders.ready();
    solver.reset();
    const g = solver.grid;
    const frame = solver.scene.timeStep.frame;
    const run: PaddleRun = { ratios: [], cells: [], worstDrift: 0, angularVelocities: [] };
    for (let f = 1; f <= frames; f++) {
      paddle.setTransform({ translation: center, rotation: quatMultiply(quatFromAxisAngle([0, 1, 0], omega * f * frame), upright) });
      const sample = f % 10 === 0;
      solver.collectMetrics = sample;
      await solver.step();
      if (!sample) continue;
      run.worstDrift = Math.max(run.worstDrift, Math.abs((await solver.readMetrics()).volumeDrift));
      run.angularVelocities.push(paddle.motion.angularVelocity[1]);
      if (f < measureFrom) continue;
      // Mean tangential velocity of the liquid between the blades (r from the hub to a cell
      // short of the tips, over the blades' height, a cell from the surface) against omega * r.
      const [phi, solid, vel] = await Promise.all([solver.readField('levelset'), solver.readField('solid'), solver.readCellVelocity()]);
      let liquid = 0, paddleSpeed = 0, cells = 0;
      for (let k = 0; k < g.nz; k++) for (let j = 0; j < g.ny; j++) for (let i = 0; i < g.nx; i++) {
        const idx = g.cellIndex(i, j, k);
        const x = (i + 0.5) * g.cellSize - center[0], y = (j + 0.5) * g.cellSize, z = (k + 0.5) * g.cellSize - center[2];
        const r = Math.hypot(x, z);
        if (!(phi[idx] < -g.cellSize) || solid[idx] < 0 || r < 0.1 || r > R - g.cellSize || y < 0.1 + g.cellSize || y > 0.5 - g.cellSize) continue;
        liquid += (vel[3 * idx] * z - vel[3 * idx + 2] * x) / r; // the tangential direction of a turn about +y is (z, 0, -x) / r
        paddleSpeed += omega * r;
        cells++;
      }
      run.cells.push(cells);
      run.ratios.push(liquid / paddleSpeed);
    }
    return run;
  } finally {
    solver.destroy();
  }
}
