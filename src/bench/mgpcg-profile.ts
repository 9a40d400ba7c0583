import { presetScene } from '../scene/presets';
import type { MultigridDescription } from '../scene/scene-description';
import { SCENE_DEFAULTS } from '../scene/scene-validation';
import { LiquidSolver } from '../solver/liquid-solver';
import type { MgpcgPressureStage } from '../solver/mgpcg-pressure-stage';

/** GPU time of one kernel of the MGPCG solve, per dispatch. */
export interface KernelCost {
  /** `entry@level`. */
  kernel: string;
  /** Cells of the level it runs on. */
  cells: number;
  /** Mean GPU time per dispatch (us), from a pass of `repeats` back-to-back dispatches. */
  us: number;
}

/**
 * Times every kernel of a multigrid-preconditioned CG iteration on a dam-break state at n^3:
 * each in a pass of its own that dispatches it `repeats` times, so the per-dispatch cost
 * includes the barrier between dependent dispatches, as in a solve.
 */
export async function profileMgpcg(device: GPUDevice, n: number, repeats = 50, multigrid?: MultigridDescription): Promise<{ resolution: number; smoothing: MultigridDescription; kernels: KernelCost[]; iterationUs: number }> {
  const scene = presetScene('dam-break', n);
  scene.pressure = { ...scene.pressure, method: 'mgpcg', tolerance: 1e-4, maxIterations: 40, multigrid: multigrid ?? SCENE_DEFAULTS.multigrid };
  const solver = await LiquidSolver.create(device, scene, { timing: true });
  try {
    if (!solver.timer.supported) throw new Error('the MGPCG profile needs GPU timestamps (timestamp-query)');
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
    return { resolution: n, smoothing: scene.pressure.multigrid!, kernels: costs, iterationUs };
  } finally {
    solver.destroy();
  }
}
