// training/physics.py (the PyTorch port of the pressure system, the projection and the
// divergence check) against the WGSL kernels on the same solver state: a 13x11x9 dam break with
// two obstacles, a free surface and a falling drop runs a few steps on WebGPU (SwiftShader), the state of the
// last step is dumped (level set, solid level set, pre-projection velocity, the assembled
// system, two pressures and what projectVelocity and the GPU divergence check made of them),
// and `python -m training.physics_check` recomputes it all in PyTorch.
// Needs /usr/bin/python3 with torch; skipped, saying so, when torch is missing (failing under CI=true).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiquidSolver } from '../src/solver/liquid-solver';
import { JacobiPressureStage } from '../src/solver/pressure/jacobi-pressure-stage';
import type { PressureStepContext } from '../src/solver/pressure/pressure-stage';
import { validateScene } from '../src/scene/scene-validation';
import { read, runPass, testGpu, upload } from './helpers/gpu';
import { PYTHON, pythonMissing, requirePython } from './helpers/python';

const root = path.resolve(__dirname, '..');
const torchMissing = pythonMissing(['torch', 'numpy']);
requirePython('physics port test', torchMissing);

const scene = validateScene({
  name: 'physics-port',
  resolution: [13, 11, 9],
  cellSize: 0.08,
  // A column, a shallow layer and a drop above it (air below the drop: ghost values on both sides of faces).
  liquid: [{ type: 'box', min: [0, 0, 0], max: [0.45, 0.6, 0.72] }, { type: 'box', min: [0, 0, 0], max: [1.04, 0.17, 0.72] },
    { type: 'sphere', center: [0.78, 0.62, 0.45], radius: 0.14 }],
  obstacles: [{ type: 'sphere', center: [0.62, 0.2, 0.35], radius: 0.14 }, { type: 'box', min: [0.8, 0, 0.1], max: [0.95, 0.3, 0.3], rotation: [0, 25, 0] }],
});

let device: GPUDevice;
let solver: LiquidSolver;
beforeAll(async () => {
  device = (await testGpu()).device;
});
afterAll(() => solver?.destroy());

/** Jacobi, plus a copy of the velocity as the pressure stage sees it (before the projection). */
class CapturingStage extends JacobiPressureStage {
  velocity: GPUBuffer | null = null;
  dt = 0;
  constructor(private readonly owner: LiquidSolver) {
    super(owner.pressureSolver, owner.scene.pressure);
  }
  override computePressure(ctx: PressureStepContext) {
    const result = super.computePressure(ctx);
    const f = this.owner.fields;
    this.velocity ??= this.owner.device.createBuffer({ size: f.velocity.size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC | GPUBufferUsage.STORAGE });
    ctx.encoder.copyBufferToBuffer(f.velocity, 0, this.velocity, 0, f.velocity.size);
    this.dt = ctx.dt;
    return result;
  }
}

describe('training/physics.py matches the WGSL kernels', () => {
  it.skipIf(torchMissing !== null)('system, projection and divergence on a 13x11x9 state with obstacles and a free surface', async () => {
    solver = await LiquidSolver.create(device, scene);
    const stage = new CapturingStage(solver);
    solver.setPressureStage(stage);
    for (let i = 0; i < 5; i++) await solver.step();
    const f = solver.fields;
    const g = solver.grid;
    const faces = f.velocity.size / 4;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'physics-port-'));
    const dump = (name: string, data: Float32Array) => writeFileSync(path.join(dir, name), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    const phi = await solver.readField('levelset');
    dump('phi.bin', phi);
    dump('solid.bin', await solver.readField('solid'));
    dump('velocity.bin', await read(device, stage.velocity!, faces));
    dump('system.bin', await read(device, f.pressureSystem, 4 * g.cellCount));

    // Case 1: the pressure the step used (100 Jacobi iterations). Case 2: that pressure
    // perturbed, as a prediction would be, so the divergence left is large.
    const used = await solver.readField('pressure');
    const perturbed = used.map((p, i) => (p === 0 ? 0 : p * (1 + 0.2 * Math.sin(0.7 * i)) + 30 * Math.cos(1.3 * i)));
    const cases = [];
    for (const [name, p] of [['used', used], ['perturbed', perturbed]] as const) {
      upload(device, f.pressure, p);
      const encoder = device.createCommandEncoder();
      solver.pressureSolver.measureDivergence(encoder, null);
      device.queue.submit([encoder.finish()]);
      const report = await solver.pressureSolver.readReport();
      // projectVelocity updates in place: start from the captured pre-projection velocity.
      const restore = device.createCommandEncoder();
      restore.copyBufferToBuffer(stage.velocity!, 0, f.velocity, 0, f.velocity.size);
      device.queue.submit([restore.finish()]);
      await runPass(device, (pass) => solver.kernels.projection.projectVelocity(pass));
      dump(`pressure-${name}.bin`, p);
      dump(`projected-${name}.bin`, await read(device, f.velocity, faces));
      cases.push({ name, pressure: `pressure-${name}.bin`, projected: `projected-${name}.bin`, divergenceRms: report.divergenceRms });
    }
    writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({
      dims: scene.resolution, cellSize: scene.cellSize, dt: stage.dt, density: scene.density, thetaMin: solver.ghostThetaMin, cases,
    }));

    const r = spawnSync(PYTHON, ['-m', 'training.physics_check', dir], { cwd: root, encoding: 'utf8', timeout: 110_000, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    console.info(`physics port: ${JSON.stringify(out)}`);
    // The state exercises every branch: liquid, solid cells, surface (ghost-fluid) cells.
    expect(out.activeCells).toBeGreaterThan(100);
    expect(out.solidCells).toBeGreaterThan(10);
    expect(out.surfaceCells).toBeGreaterThan(20);
    expect(out.ghostFacesLow).toBeGreaterThan(5);
    expect(out.ghostFacesHigh).toBeGreaterThan(5);
    // Same cells, same neighbour masks: exact.
    expect(out.activeMismatch).toBe(0);
    expect(out.maskMismatch).toBe(0);
    // diag is a sum of at most six terms 1 or 1/theta computed in the same order: a few float32
    // roundings of a value <= 6/thetaMin. b/diag: the GPU rounds -density*dx/dt in float32, we
    // in double (one rounding apart), then the same products: a few ulps of the largest value.
    expect(out.diagMaxAbs).toBeLessThanOrEqual(4 * 1.2e-7 * out.diagScale);
    expect(out.invDiagMaxAbs).toBeLessThanOrEqual(4 * 1.2e-7);
    expect(out.bOverDiagMaxAbs).toBeLessThanOrEqual(8 * 1.2e-7 * out.bOverDiagScale);
    for (const c of out.cases) {
      // The velocity update is the same float32 expression but for dt/(density*dx), rounded
      // once differently: a few ulps of the velocity and of its change.
      expect(c.projectedMaxAbs, c.name).toBeLessThanOrEqual(4 * 1.2e-7 * (c.velocityScale + c.velocityChange));
      // The GPU's RMS divergence check (its reduction order and its form diag*(sum/diag + b/diag - p))
      // against ours: within the float32 rounding bound of the residual (physics_check.py).
      expect(Math.abs(c.divergenceRms - c.gpuDivergenceRms), c.name).toBeLessThanOrEqual(c.divergenceRmsBound + 1e-6 * c.gpuDivergenceRms);
      // divergence_after(p) is the divergence of the velocity projected with p, cell by cell.
      expect(c.divergenceVsProjectedExcess, c.name).toBe(0);
      expect(Math.abs(c.projectedDivergenceRms - c.divergenceRms), c.name).toBeLessThanOrEqual(2 * c.divergenceRmsBound + 1e-5);
      expect(c.gradFinite).toBe(true);
      expect(c.gradNonzeroActive).toBeGreaterThan(0.9 * out.activeCells);
      expect(c.gradNonzeroInactive).toBe(0);
    }
    // The perturbed pressure leaves far more divergence than the solved one: the check can tell.
    expect(out.cases[1].divergenceRms).toBeGreaterThan(10 * out.cases[0].divergenceRms);
  }, 180_000);
});
