// State conditioning of the latent predictor (docs/contracts.md "State conditioning"): the
// state input kernel against its CPU reference on a small odd grid with obstacles and a free
// surface, and on a synthetic system whose neighbour masks disagree with the diagonals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiquidSolver } from '../src/solver/liquid-solver';
import { validateScene } from '../src/scene/scene-validation';
import type { ReferenceGrid } from '../src/reference/reference-grid';
import { rasterizeObstacles } from '../src/reference/reference-shapes';
import { buildPressureSystem, hydrostaticPressure } from '../src/reference/reference-pressure';
import { referenceStateInput, systemResidual } from '../src/reference/reference-state-input';
import { StateInputKernel } from '../src/latent/state-input-kernel';
import type { ModelStateSpec } from '../src/latent/model-manifest';
import { maxDiff, read, referenceFor, rng, runPass, testGpu, upload } from './helpers/gpu';

const DT = 1 / 60;
let device: GPUDevice;
let solver: LiquidSolver;
let ref: ReferenceGrid;

const scene = validateScene({
  name: 'state-input-test',
  resolution: [7, 6, 5],
  cellSize: 0.1,
  gravity: [0.6, -9.81, -0.4],
  liquid: [{ type: 'box', min: [0, 0, 0], max: [0.7, 0.35, 0.5] }],
  obstacles: [{ type: 'sphere', center: [0.35, 0.2, 0.25], radius: 0.14 }, { type: 'box', min: [0, 0, 0], max: [0.15, 0.12, 0.5] }],
});

beforeAll(async () => {
  device = (await testGpu()).device;
  solver = await LiquidSolver.create(device, scene);
  solver.uploadStepParams(DT);
  ref = referenceFor(solver, DT);
});

afterAll(() => solver?.destroy());

/** A wavy free surface and a droplet, clamped to the band (m). */
function levelSet(): Float32Array {
  const out = new Float32Array(ref.cellCount);
  const band = ref.p.bandWidth;
  ref.forCells((i, j, k, idx) => {
    const x = (i + 0.5) * ref.h, y = (j + 0.5) * ref.h, z = (k + 0.5) * ref.h;
    const surface = y - 0.36 - 0.07 * Math.sin(8 * x) * Math.cos(6 * z);
    const drop = Math.hypot(x - 0.5, y - 0.5, z - 0.3) - 0.09;
    out[idx] = Math.max(-band, Math.min(band, Math.min(surface, drop)));
  });
  return out;
}

/** A MAC velocity with divergence (m/s). */
function velocity(seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: ref.faceCount }, () => 2 * r() - 1);
}

/** Runs prepareStateInput on the solver's fields (uploaded first) and reads its output. */
async function runKernel(spec: ModelStateSpec, clamp: number, f: { system: Float32Array; hydrostatic: Float32Array; phi: Float32Array; solidPhi: Float32Array }): Promise<Float32Array> {
  const kernel = await StateInputKernel.create(device, ref.dims, spec, clamp);
  const out = device.createBuffer({ size: kernel.outputFloats * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  try {
    const fields = solver.fields;
    upload(device, fields.pressureSystem, f.system);
    upload(device, fields.hydrostaticPressure, f.hydrostatic);
    upload(device, fields.levelSet, f.phi);
    upload(device, fields.solidLevelSet, f.solidPhi);
    const group = kernel.bind({ params: fields.params, system: fields.pressureSystem, hydrostatic: fields.hydrostaticPressure, phi: fields.levelSet, solidPhi: fields.solidLevelSet, stateInput: out });
    await runPass(device, (p) => kernel.encode(p, group));
    return await read(device, out, kernel.outputFloats);
  } finally {
    out.destroy();
    kernel.destroy();
  }
}

/**
 * The residual channel is a sum of terms up to max |b| + 7 max |p_s| (float32 on the GPU, float64 here):
 * its error bound, in the channel's units.
 */
function residualBound(system: Float32Array, hydrostatic: Float32Array, residualScale: number): number {
  let b = 0, p = 0;
  for (let i = 0; i < hydrostatic.length; i++) {
    b = Math.max(b, Math.abs(system[4 * i + 1] * system[4 * i + 3]));
    p = Math.max(p, Math.abs(hydrostatic[i]) * Math.max(1, system[4 * i + 3]));
  }
  return (8 * 2 ** -23 * (b + 7 * p)) / residualScale;
}

describe('prepareStateInput against its CPU reference', () => {
  it('a free surface and obstacles (7x6x5): residual of p_s in the built system, clamped level set and solid level set', async () => {
    const phi = levelSet();
    const solidPhi = rasterizeObstacles(ref);
    const hydrostatic = hydrostaticPressure(ref, phi, solidPhi);
    const { system } = buildPressureSystem(ref, phi, solidPhi, velocity(5), hydrostatic, new Float32Array(ref.cellCount));
    const n = ref.cellCount;
    const active = Array.from({ length: n }, (_, i) => system[4 * i + 3] > 0).filter(Boolean).length;
    const solids = Array.from(solidPhi).filter((v) => v < 0).length;
    expect(active, 'active cells').toBeGreaterThan(20);
    expect(active, 'air cells too').toBeLessThan(n - 20);
    expect(solids, 'solid cells').toBeGreaterThan(5);
    const spec: ModelStateSpec = { inputChannels: ['residual', 'levelset', 'solid'], residualScale: 37.5 };
    const clamp = 2;
    const gpu = await runKernel(spec, clamp, { system, hydrostatic, phi, solidPhi });
    const cpu = referenceStateInput(ref.dims, ref.h, { system, hydrostatic, phi, solidPhi }, spec, clamp);
    const residual = maxDiff(gpu.subarray(0, n), cpu.subarray(0, n));
    expect(residual.scale, 'the residual is not zero').toBeGreaterThan(0.1);
    expect(residual.abs, `residual: max |gpu - cpu| ${residual.abs} at ${residual.at}, scale ${residual.scale}`).toBeLessThanOrEqual(residualBound(system, hydrostatic, spec.residualScale));
    for (const [c, what] of [[1, 'level set'], [2, 'solid']] as const) {
      const d = maxDiff(gpu.subarray(c * n, (c + 1) * n), cpu.subarray(c * n, (c + 1) * n));
      expect(d.abs, `${what}: max |gpu - cpu| ${d.abs} at ${d.at}`).toBeLessThanOrEqual(1e-6);
      // Clamped to [-1, 1] and reaching both ends (the band is wider than the clamp).
      expect(Math.max(...cpu.subarray(c * n, (c + 1) * n))).toBe(1);
      if (c === 1) expect(Math.min(...cpu.subarray(c * n, (c + 1) * n))).toBe(-1);
    }
    // Zero outside the active cells.
    for (let i = 0; i < n; i++) if (!(system[4 * i + 3] > 0)) expect(gpu[i]).toBe(0);
    // The residual is p_s's, not b's: with p_s = 0 it would be b / residualScale.
    let differs = 0;
    for (let i = 0; i < n; i++) if (Math.abs(cpu[i] - system[4 * i + 1] * system[4 * i + 3] / spec.residualScale) > 1e-3) differs++;
    expect(differs).toBeGreaterThan(active / 2);
  });

  it('neighbours count by their diagonal, not by the mask bits; channels without level set or solid', async () => {
    // A synthetic system: random diagonals (a third of them 0, i.e. inactive), random b, every
    // mask bit set. A kernel that trusted the mask would add p_s of inactive neighbours.
    const r = rng(77);
    const n = ref.cellCount;
    const system = new Float32Array(4 * n);
    const hydrostatic = Float32Array.from({ length: n }, () => 50 + 900 * r());
    for (let i = 0; i < n; i++) {
      const diag = r() < 0.33 ? 0 : 1 + Math.floor(6 * r()) + r();
      const b = 2000 * (r() - 0.5);
      if (diag > 0) system.set([1 / diag, b / diag, 63, diag], 4 * i);
      else system.set([0, 0, 63, 0], 4 * i);
    }
    const phi = Float32Array.from({ length: n }, () => r() - 0.5);
    const solidPhi = Float32Array.from({ length: n }, () => r() - 0.2);
    for (const inputChannels of [['residual'], ['residual', 'solid'], ['residual', 'levelset']] as ModelStateSpec['inputChannels'][]) {
      const spec: ModelStateSpec = { inputChannels, residualScale: 250 };
      const gpu = await runKernel(spec, 3, { system, hydrostatic, phi, solidPhi });
      const cpu = referenceStateInput(ref.dims, ref.h, { system, hydrostatic, phi, solidPhi }, spec, 3);
      expect(gpu.length).toBe(inputChannels.length * n);
      const d = maxDiff(gpu.subarray(0, n), cpu.subarray(0, n));
      expect(d.abs, `${inputChannels}: residual max |gpu - cpu| ${d.abs} at ${d.at}`).toBeLessThanOrEqual(residualBound(system, hydrostatic, spec.residualScale));
      if (inputChannels.length > 1) {
        const e = maxDiff(gpu.subarray(n), cpu.subarray(n));
        expect(e.abs, `${inputChannels}: second channel`).toBeLessThanOrEqual(1e-6);
        const source = inputChannels[1] === 'solid' ? solidPhi : phi;
        expect(cpu[n + 3]).toBeCloseTo(Math.min(3, Math.max(-3, source[3] / ref.h)) / 3, 6);
      }
    }
    // The mask-trusting sum differs from the reference at many cells: the case can tell them apart.
    const diag = Float32Array.from({ length: n }, (_, i) => system[4 * i + 3]);
    const rhs = Float32Array.from({ length: n }, (_, i) => system[4 * i + 1] * system[4 * i + 3]);
    const byDiag = systemResidual(ref.dims, hydrostatic, rhs, diag);
    const byMask = systemResidual(ref.dims, hydrostatic, rhs, diag.map(() => 1));
    let differs = 0;
    for (let i = 0; i < n; i++) if (diag[i] > 0 && Math.abs(byDiag[i] - (byMask[i] + (1 - diag[i]) * hydrostatic[i])) > 1) differs++;
    expect(differs).toBeGreaterThan(n / 4);
  });
});
