import { presetScene } from '../scene/presets';
import { SCENE_DEFAULTS } from '../scene/scene-validation';
import { LiquidSolver } from '../solver/liquid-solver';
import type { MgpcgPressureStage } from '../solver/pressure/mgpcg-pressure-stage';
import { COARSE_CYCLE_CELLS } from '../solver/pressure/multigrid-levels';
import { smoothingLabel, type SmoothingVariant } from './pressure-benchmark';

/** GPU time of one kernel of the MGPCG solve, per dispatch. */
export interface KernelCost {
  /** `entry@level`. */
  kernel: string;
  /** Cells of the level it runs on. */
  cells: number;
  /** Mean GPU time per dispatch (us), from a pass of `repeats` back-to-back dispatches. */
  us: number;
}

/** One profile: the variant (its threshold resolved), every kernel of an iteration, and their sum. */
export interface MgpcgProfile {
  resolution: number;
  smoothing: Required<SmoothingVariant>;
  /** smoothingLabel of the variant ("red-black:1:cc0"). */
  label: string;
  /** The first level the coarse cycle covers (-1: none). */
  coarseCycleStart: number;
  dispatchesPerIteration: number;
  kernels: KernelCost[];
  iterationUs: number;
}

/**
 * Times every kernel of a multigrid-preconditioned CG iteration on a dam-break state at n^3:
 * each in a pass of its own that dispatches it `repeats` times, so the per-dispatch cost
 * includes the barrier between dependent dispatches, as in a solve. `variant` picks the
 * smoothing and the coarse-cycle threshold (default: the scene default's, 512).
 */
export async function profileMgpcg(device: GPUDevice, n: number, repeats = 50, variant?: SmoothingVariant): Promise<MgpcgProfile> {
  const smoothing = {
    smoother: variant?.smoother ?? SCENE_DEFAULTS.multigrid.smoother, sweeps: variant?.sweeps ?? SCENE_DEFAULTS.multigrid.sweeps,
    coarseCycleCells: variant?.coarseCycleCells ?? COARSE_CYCLE_CELLS,
  };
  const scene = presetScene('dam-break', n);
  const pressure = { ...scene.pressure, method: 'mgpcg' as const, tolerance: 1e-4, maxIterations: 40, multigrid: { smoother: smoothing.smoother, sweeps: smoothing.sweeps } };
  // Created on Jacobi, then given the MGPCG stage with the variant's threshold (no default hierarchy built for nothing).
  scene.pressure = { ...pressure, method: 'jacobi' };
  const solver = await LiquidSolver.create(device, scene, { timing: true });
  try {
    if (!solver.timer.supported) throw new Error('the MGPCG profile needs GPU timestamps (timestamp-query)');
    solver.setPressureStage(await solver.createClassicalStage(pressure, { coarseCycleCells: smoothing.coarseCycleCells }));
    for (let f = 0; f < 12; f++) await solver.step();
    const mg = (solver.classicalStage as MgpcgPressureStage).multigridSolver;
    const names = [...new Set(mg.iterationKernelNames)];
    const costs: KernelCost[] = [];
    for (const name of names) {
      mg.resetState({ tolerance: 1e-30, criterion: 'relative-residual', maxIterations: 1_000_000 });
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass(solver.timer.computePass(name));
      for (let r = 0; r < repeats; r++) mg.encodeForTest(pass, name);
      pass.end();
      solver.timer.endFrame(encoder);
      device.queue.submit([encoder.finish()]);
      const times = await solver.timer.read();
      const level = Number(name.split('@')[1]);
      costs.push({ kernel: name, cells: mg.levels[level]?.cells ?? 0, us: (1000 * (times?.[name] ?? NaN)) / repeats });
    }
    const byName = new Map(costs.map((c) => [c.kernel, c.us]));
    const iterationUs = mg.iterationKernelNames.reduce((s, k) => s + (byName.get(k) ?? 0), 0);
    return {
      resolution: n, smoothing, label: smoothingLabel(smoothing), coarseCycleStart: mg.coarseCycleStart,
      dispatchesPerIteration: mg.dispatchesPerIteration, kernels: costs, iterationUs,
    };
  } finally {
    solver.destroy();
  }
}
