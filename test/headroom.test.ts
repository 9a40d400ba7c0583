// The predictor headroom study (src/analysis/pressure-headroom.ts, `latent-liquid headroom`): its
// guesses and measures on a frame whose answer is known, and the command on a small dataset.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy, readNpyFrame } from '../src/node/npy';
import { applyLevelOperator } from '../src/reference/reference-multigrid';
import { headroomGuesses, measureHeadroom, summarizeHeadroom, systemFromStored, type HeadroomFrame } from '../src/analysis/pressure-headroom';
import type { Vec3 } from '../src/scene/scene-description';
import { cli, ensureBuilt } from './helpers/cli';

/**
 * An 8^3 tank, liquid in the lower five layers (ghost fluid with theta 1/2 below the air: +2 on
 * the diagonal), a solid block in one corner. The pressure solves its system exactly; the
 * previous frame differs by a smooth change d and the one before by 2d, so the extrapolation is exact.
 */
function knownFrame(): HeadroomFrame {
  const n = 8, dims: Vec3 = [n, n, n], cells = n * n * n;
  const idx = (i: number, j: number, k: number) => i + n * (j + n * k);
  const solid = (i: number, j: number, k: number) => i < 2 && j < 2 && k < 2;
  const liquid = (i: number, j: number, k: number) => k < 5 && !solid(i, j, k);
  const phi = new Float32Array(cells), solidPhi = new Float32Array(cells), diag = new Float32Array(cells);
  const pressure = new Float32Array(cells), change = new Float32Array(cells);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
    const c = idx(i, j, k);
    phi[c] = k - 4.5;
    solidPhi[c] = solid(i, j, k) ? -1 : 1;
    if (!liquid(i, j, k)) continue;
    let d = 0;
    for (const [a, b, e] of [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]) {
      const [x, y, z] = [i + a, j + b, k + e];
      if (x < 0 || y < 0 || z < 0 || x >= n || y >= n || z >= n || solid(x, y, z)) continue;
      d += liquid(x, y, z) ? 1 : 2;
    }
    diag[c] = d;
    pressure[c] = 1000 * (4.5 - k) + 37 * Math.sin(i + 2 * j);
    change[c] = 50 * Math.cos(0.4 * i) * (5 - k);
  }
  const system = systemFromStored(dims, new Float32Array(cells), diag);
  const rhs = new Float32Array(cells);
  for (let c = 0; c < cells; c++) if (diag[c] > 0) rhs[c] = applyLevelOperator(dims, system, pressure, c);
  const previous = pressure.map((p, c) => p - change[c]);
  const beforePrevious = pressure.map((p, c) => p - 2 * change[c]);
  return { dims, rhs, diag, phi, solidPhi, pressure, previous, beforePrevious };
}

describe('pressure headroom', () => {
  it('the stored system in the GPU layout names exactly the active neighbours', () => {
    const f = knownFrame();
    const s = systemFromStored(f.dims, f.rhs, f.diag);
    const c = 3 + 8 * (3 + 8 * 4); // top liquid layer: five liquid neighbours and air above
    expect(s[4 * c + 2]).toBe(0b011111);
    expect(s[4 * c + 3]).toBe(7);
    expect(s[4 * c] * s[4 * c + 3]).toBeCloseTo(1, 6);
    // Beside the solid block: (2, 1, 0) has no -x neighbour (bit 0), (1, 2, 0) no -y one (bit 2).
    expect(s[4 * (2 + 8 * 1) + 2] & 0b1).toBe(0);
    expect(s[4 * (1 + 8 * 2) + 2] & 0b100).toBe(0);
    expect(s[4 * (2 + 8 * (2 + 8 * 1)) + 2]).toBe(0b111111);
    expect(s[4 * (3 + 8 * (3 + 8 * 6)) + 3]).toBe(0); // air: no unknown
  });

  it('guesses: extrapolation exact here, fractions of the change scale the residual, block means of a constant change are exact', () => {
    const f = knownFrame();
    const g = headroomGuesses(f);
    const r = measureHeadroom(f, { tolerance: 1e-3, maxIterations: 60, jacobiIterations: [4, 16], jacobiMax: 256 });
    expect(r.extrapolated.residual).toBeLessThan(1e-5);
    expect(r.extrapolated.mgpcgIterations).toBe(0);
    expect(r.previous.jacobiWorth).toEqual([0, 0]);
    expect(r.previous.residual).toBeGreaterThan(0.01);
    // The residual is linear in the guess: 50% / 90% / 99% of the change leave 1/2, 1/10, 1/100.
    expect(r['change 50%'].residual / r.previous.residual).toBeCloseTo(0.5, 4);
    expect(r['change 90%'].residual / r.previous.residual).toBeCloseTo(0.1, 4);
    expect(r['change 99%'].residual / r.previous.residual).toBeCloseTo(0.01, 3);
    // The better the guess, the fewer iterations: a zero start costs the most, 99% of the change the least.
    expect(r.zero.mgpcgIterations).toBeGreaterThanOrEqual(r.previous.mgpcgIterations);
    expect(r['change 99%'].mgpcgIterations).toBeLessThan(r.previous.mgpcgIterations);
    expect(r['change 99%'].jacobiWorth[0]).toBeGreaterThan(10);
    for (const name of ['change 1/8 blocks', 'change 1/2 blocks'] as const) {
      for (let c = 0; c < g.zero.length; c++) {
        if (f.diag[c] > 0) continue;
        expect(g[name][c]).toBe(0);
      }
    }
    // A change that is constant over the active cells: every block oracle recovers it exactly.
    const constant: HeadroomFrame = { ...f, previous: Float32Array.from(f.pressure, (p) => p - 100) };
    const gc = headroomGuesses(constant);
    for (let c = 0; c < gc.zero.length; c++) if (f.diag[c] > 0) expect(gc['change 1/8 blocks'][c]).toBeCloseTo(f.pressure[c], 2);
    const s = summarizeHeadroom([r, r]);
    expect(s.frames).toBe(2);
    expect(s.guesses.previous.mgpcgIterations).toBe(r.previous.mgpcgIterations);
  });

  it('latent-liquid headroom on a small dataset: a table per kind, JSON per frame, clear errors', () => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'latent-liquid-headroom-'));
    const data = join(dir, 'ds');
    expect(cli(['dataset', '--out', data, '--scenes', '2', '--frames', '5', '--res', '8', '--seed', '3', '--quiet']).code).toBe(0);
    // One frame read alone equals its slice of the whole file; a frame past the end is named.
    const whole = readNpy(join(data, 'scene_00001', 'pressure.npy'));
    const frame = readNpyFrame(join(data, 'scene_00001', 'pressure.npy'), 3);
    expect(frame.shape).toEqual([8, 8, 8]);
    expect(Array.from(frame.data)).toEqual(Array.from(whole.data.subarray(3 * 512, 4 * 512)));
    expect(() => readNpyFrame(join(data, 'scene_00001', 'pressure.npy'), 5)).toThrow(/entry 5 is outside its first axis \[0, 4\]/);
    const json = join(dir, 'h.json');
    const r = cli(['headroom', '--data', data, '--stride', '1', '--jacobi', '2,8', '--jacobi-max', '64', '--json', json, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/### all \(6 frames\)/);
    expect(r.stdout).toMatch(/\| change 99% \|/);
    const out = JSON.parse(readFileSync(json, 'utf8'));
    expect(out.frames.map((x: { frame: number }) => x.frame)).toEqual([2, 3, 4, 2, 3, 4]);
    expect(out.summaries.all.frames).toBe(6);
    // The labels are solved to 1e-6: 99% of the true change starts near the tolerance.
    for (const row of out.frames) {
      expect(row.results['change 99%'].residual).toBeLessThan(row.results.previous.residual * 0.011 + 1e-5);
      expect(row.results.previous.jacobiWorth).toEqual([0, 0]);
    }
    expect(cli(['headroom']).stderr).toMatch(/--data DIR is required/);
    expect(cli(['headroom', '--data', join(dir, 'none')]).stderr).toMatch(/no index\.json/);
    expect(cli(['headroom', '--data', data, '--scenes', 'scene_00009']).stderr).toMatch(/scene_00009 is not in .* \(it has scene_00000, scene_00001\)/);
    expect(cli(['headroom', '--data', data, '--jacobi', '4,x']).stderr).toMatch(/--jacobi must be comma-separated integers in \[0, 10000\]/);
    const old = join(dir, 'old');
    expect(cli(['dataset', '--out', old, '--scenes', '1', '--frames', '3', '--res', '8', '--quiet']).code).toBe(0);
    const index = JSON.parse(readFileSync(join(old, 'index.json'), 'utf8'));
    writeFileSync(join(old, 'index.json'), JSON.stringify({ ...index, fields: ['pressure', 'hydrostatic', 'levelset'] }));
    expect(cli(['headroom', '--data', old]).stderr).toMatch(/the dataset has no rhs, diag, solid/);
  });
});
