// The CLI end to end, from the built bundle: simulate with metrics and dumps, scene files,
// tolerance mode, and clear errors for bad scene files. Usage errors: test/cli-usage.test.ts.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../src/node/npy';
import { cli, ensureBuilt, ROOT } from './helpers/cli';

const REQUIRED_KEYS = ['frame', 't', 'volume', 'maxSpeed', 'divergenceL2', 'divergenceLinf', 'pressureIterations', 'mode', 'ms'];
let dir: string;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'latent-liquid-cli-'));
});

function readMetrics(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

describe('latent-liquid simulate', () => {
  it('runs dam-break, writes one metrics object per frame and .npy dumps with sidecars', () => {
    const metrics = join(dir, 'dam.jsonl');
    const dump = join(dir, 'dam');
    const r = cli(['simulate', 'dam-break', '--res', '12', '--frames', '6', '--metrics', metrics, '--dump', dump, '--dump-every', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/dam-break \[12x12x12\]/);
    expect(r.stderr).toMatch(/done: 6 frames/);
    const rows = readMetrics(metrics);
    expect(rows.map((m) => m.frame)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const m of rows) {
      for (const k of REQUIRED_KEYS) expect(m, `key ${k}`).toHaveProperty(k);
      expect(m.mode).toBe('solve');
      expect(m.pressureIterations).toBe(100);
      expect(typeof m.ms).toBe('object');
      expect(Object.keys(m.ms as object).length).toBeGreaterThan(0);
    }
    expect(rows[5].t as number).toBeCloseTo(6 / 60, 9);
    expect(rows[5].maxSpeed as number).toBeGreaterThan(0.5);
    const files = readdirSync(dump).sort();
    expect(files).toEqual([
      'frame_000000.json', 'frame_000003.json', 'frame_000006.json',
      'levelset_000000.npy', 'levelset_000003.npy', 'levelset_000006.npy',
      'pressure_000000.npy', 'pressure_000003.npy', 'pressure_000006.npy',
      'velocity_000000.npy', 'velocity_000003.npy', 'velocity_000006.npy',
    ]);
    const phi = readNpy(join(dump, 'levelset_000006.npy'));
    expect(phi.shape).toEqual([12, 12, 12]);
    expect(phi.data).toBeInstanceOf(Float32Array);
    expect(Array.from(phi.data).some((v) => v < 0) && Array.from(phi.data).some((v) => v > 0)).toBe(true);
    const vel = readNpy(join(dump, 'velocity_000006.npy'));
    expect(vel.shape).toEqual([12, 12, 12, 3]);
    const p = readNpy(join(dump, 'pressure_000006.npy'));
    expect(Math.max(...Array.from(p.data))).toBeGreaterThan(100);
    const sidecar = JSON.parse(readFileSync(join(dump, 'frame_000006.json'), 'utf8'));
    expect(sidecar).toMatchObject({ frame: 6, resolution: [12, 12, 12], origin: [0, 0, 0] });
    expect(sidecar.cellSize).toBeCloseTo(1 / 12, 9);
    expect(sidecar.t).toBeCloseTo(0.1, 9);
  });

  it('runs a scene file the user wrote, in tolerance mode', () => {
    const scenePath = join(dir, 'tank.json');
    writeFileSync(scenePath, JSON.stringify({
      name: 'tank', resolution: [12, 8, 10], cellSize: 0.05,
      liquid: [{ type: 'box', min: [0, 0, 0], max: [0.3, 0.3, 0.5] }],
      obstacles: [{ type: 'box', min: [0.35, 0, 0.2], max: [0.45, 0.1, 0.3] }],
    }));
    const metrics = join(dir, 'tank.jsonl');
    const r = cli(['simulate', scenePath, '--frames', '4', '--tolerance', '1e-3', '--metrics', metrics]);
    expect(r.code, r.stderr).toBe(0);
    const rows = readMetrics(metrics);
    expect(rows).toHaveLength(4);
    for (const m of rows) {
      expect(m.pressureIterations as number).toBeGreaterThan(0);
      expect(m.pressureIterations as number).toBeLessThanOrEqual(5000);
      expect(Number.isFinite(m.volume as number)).toBe(true);
    }
  });

  it('--pressure mgpcg solves to the tolerance on the GPU; scenes that name no method get jacobi below 64 cells', () => {
    const metrics = join(dir, 'mgpcg.jsonl');
    const r = cli(['simulate', 'dam-break', '--res', '12', '--frames', '3', '--pressure', 'mgpcg', '--tolerance', '1e-4', '--metrics', metrics]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/pressure: MGPCG to relative residual 0\.0001 \(cap 20 iterations\)/);
    const rows = readMetrics(metrics);
    expect(rows).toHaveLength(3);
    for (const m of rows) {
      expect(m.pressureIterations as number).toBeGreaterThan(0);
      expect(m.pressureIterations as number).toBeLessThanOrEqual(20);
      expect(m.divergenceL2 as number).toBeLessThan(0.05);
    }
    expect(cli(['simulate', 'dam-break', '--res', '12', '--frames', '1']).stderr).toMatch(/pressure: Jacobi, 100 iterations/);
  });

  it('--res rescales a scene file', () => {
    const scenePath = join(dir, 'small.json');
    writeFileSync(scenePath, JSON.stringify({ resolution: [20, 10, 10], cellSize: 0.05, liquid: [{ type: 'box', min: [0, 0, 0], max: [0.5, 0.2, 0.5] }] }));
    const r = cli(['simulate', scenePath, '--res', '8', '--frames', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[8x4x4\]/);
  });
});

describe('latent-liquid dataset', () => {
  it('writes the contract format, is deterministic for a seed, and shards merge into one index', () => {
    const whole = join(dir, 'ds-whole');
    const again = join(dir, 'ds-again');
    const sharded = join(dir, 'ds-sharded');
    const common = ['--scenes', '3', '--frames', '3', '--res', '8', '--seed', '5', '--quiet'];
    expect(cli(['dataset', '--out', whole, ...common]).code).toBe(0);
    expect(cli(['dataset', '--out', again, ...common]).code).toBe(0);
    expect(cli(['dataset', '--out', sharded, '--shard', '0/2', ...common]).code).toBe(0);
    expect(cli(['dataset', '--out', sharded, '--shard', '1/2', ...common]).code).toBe(0);
    expect(cli(['dataset', '--merge', sharded]).code).toBe(0);
    const index = JSON.parse(readFileSync(join(whole, 'index.json'), 'utf8'));
    expect(index).toMatchObject({ format: 'latent-liquid-dataset', version: 1, seed: 5, resolution: [8, 8, 8], fields: ['pressure', 'hydrostatic', 'levelset', 'rhs', 'diag', 'solid'] });
    // --labels auto (the default) solves on the CPU on a software adapter such as this one.
    expect(index.solver).toMatchObject({ method: 'mic0-pcg', tolerance: 1e-6 });
    expect(index.scenes.map((s: { id: string }) => s.id)).toEqual(['scene_00000', 'scene_00001', 'scene_00002']);
    for (const field of ['pressure', 'hydrostatic', 'levelset', 'solid']) {
      const a = readNpy(join(whole, 'scene_00001', `${field}.npy`));
      expect(a.shape).toEqual([3, 8, 8, 8]);
      expect(Array.from(readNpy(join(again, 'scene_00001', `${field}.npy`)).data)).toEqual(Array.from(a.data));
      expect(Array.from(readNpy(join(sharded, 'scene_00001', `${field}.npy`)).data)).toEqual(Array.from(a.data));
    }
    expect(readNpy(join(whole, 'scene_00000', 'gravity.npy')).shape).toEqual([3, 3]);
    // The stored Poisson system is the one the stored pressure solves: the residual
    // b + sum over active neighbours p_j - diag p_i is small against b (label tolerance 1e-6).
    for (const scene of ['scene_00000', 'scene_00001', 'scene_00002']) {
      const [p, b, diag] = ['pressure', 'rhs', 'diag'].map((f) => readNpy(join(whole, scene, `${f}.npy`)).data);
      const n = 8, cells = n * n * n;
      for (let f = 0; f < 3; f++) {
        let r2 = 0, b2 = 0, active = 0;
        for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
          const c = f * cells + (k * n + j) * n + i;
          if (!(diag[c] > 0)) continue;
          active++;
          let r = b[c] - diag[c] * p[c];
          for (const [di, dj, dk] of [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]) {
            const [x, y, z] = [i + di, j + dj, k + dk];
            if (x < 0 || y < 0 || z < 0 || x >= n || y >= n || z >= n) continue;
            const o = f * cells + (z * n + y) * n + x;
            if (diag[o] > 0) r += p[o];
          }
          r2 += r * r;
          b2 += b[c] * b[c];
        }
        expect(active).toBeGreaterThan(0);
        expect(Math.sqrt(r2 / b2)).toBeLessThan(1e-4);
      }
    }
    // solid.npy is the solver's solid level set: negative in the obstacles the scene lists, and
    // never negative in an active cell of the pressure system (solid cells drop out of it).
    for (const scene of ['scene_00000', 'scene_00001', 'scene_00002']) {
      const solid = readNpy(join(whole, scene, 'solid.npy')).data;
      const diag = readNpy(join(whole, scene, 'diag.npy')).data;
      const obstacles = JSON.parse(readFileSync(join(whole, scene, 'scene.json'), 'utf8')).obstacles.length;
      let inside = 0, activeInside = 0;
      for (let c = 0; c < solid.length; c++) {
        if (solid[c] < 0) inside++;
        if (solid[c] < 0 && diag[c] > 0) activeInside++;
      }
      expect(obstacles, `${scene} obstacles (seed 5 gives some)`).toBeGreaterThan(0);
      expect(inside, `${scene} cells inside solids`).toBeGreaterThan(0);
      expect(activeInside, `${scene} active cells inside solids`).toBe(0);
    }
    const merged = JSON.parse(readFileSync(join(sharded, 'index.json'), 'utf8'));
    expect(merged.scenes.map((s: { id: string }) => s.id)).toEqual(['scene_00000', 'scene_00001', 'scene_00002']);
  });
});

describe('bad input', () => {
  it('an invalid scene file: names the field and range, exit 1', () => {
    const scenePath = join(dir, 'bad.json');
    writeFileSync(scenePath, JSON.stringify({ resolution: [16, 16, 1000], cellSize: 0.05, liquid: [{ type: 'sphere', center: [0, 0, 0], radius: -1 }] }));
    const r = cli(['simulate', scenePath]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/resolution\[2\] must be an integer in \[4, 512\] \(got 1000\)/);
    expect(r.stderr).toMatch(/liquid\[0\]\.radius must be a number in \(0, 1000000\] \(got -1\)/);
  });


  it('no WebGPU adapter: says how to get one, exit 1, without Dawn\'s own warning', () => {
    const r = cli(['simulate', 'rest', '--res', '8', '--frames', '1'], { VK_ICD_FILENAMES: '/nonexistent/icd.json' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No WebGPU adapter found \(VK_ICD_FILENAMES=\/nonexistent\/icd.json names no existing file\)/);
    expect(r.stderr).toMatch(/apt-get install chromium libvulkan1/);
    expect(r.stdout + r.stderr).not.toMatch(/vkCreateInstance|VulkanError\.cpp/);
  });

  it('no Vulkan driver installed: one line of ours (SwiftShader picked), not Dawn\'s warning', () => {
    // The Vulkan loader finds no driver: no VK_ICD_FILENAMES and empty search folders.
    const empty = mkdtempSync(join(tmpdir(), 'no-vulkan-'));
    const r = cli(['simulate', 'rest', '--res', '8', '--frames', '1'], {
      VK_ICD_FILENAMES: undefined, VK_DRIVER_FILES: undefined, VK_ADD_DRIVER_FILES: undefined, HOME: empty,
      XDG_CONFIG_HOME: join(empty, 'c'), XDG_CONFIG_DIRS: join(empty, 'cd'), XDG_DATA_HOME: join(empty, 'd'), XDG_DATA_DIRS: join(empty, 'dd'),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/vkCreateInstance|VulkanError\.cpp/);
    const notes = r.stderr.split('\n').filter((l) => /no Vulkan driver is installed/.test(l));
    expect(notes).toEqual(["latent-liquid: no Vulkan driver is installed: using SwiftShader (/usr/lib/chromium/vk_swiftshader_icd.json, software, slow); install your GPU's Vulkan driver for real speed"]);
  });

  it('--solver latent on a grid no model serves: names the allowed sizes, exit 1 (or Jacobi with --allow-fallback)', () => {
    const r = cli(['simulate', 'rest', '--res', '7', '--frames', '1', '--solver', 'latent']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/--solver latent cannot run: no shipped model serves the grid \[7, 7, 7\]/);
    expect(r.stderr).toMatch(/models\/latent-liquid: this model serves grids whose sides are multiples of 8 within \[16, 16, 16\]\.\.\[128, 128, 128\]/);
    expect(r.stderr).toMatch(/--allow-fallback/);
    expect(r.stderr).not.toMatch(/done:/);
    const f = cli(['simulate', 'rest', '--res', '7', '--frames', '1', '--solver', 'latent', '--allow-fallback']);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).toMatch(/warning: latent-liquid: --solver latent cannot run \(no shipped model serves the grid \[7, 7, 7\]/);
    expect(f.stderr).toMatch(/pressure: Jacobi, 100 iterations/);
    expect(cli(['simulate', 'rest', '--allow-fallback']).stderr).toMatch(/--allow-fallback needs --solver latent/);
  });

  it('--solver classical runs the classical solve; --solver jacobi is its deprecated alias and warns once; others are refused', () => {
    const classical = cli(['simulate', 'rest', '--res', '8', '--frames', '2', '--solver', 'classical', '--quiet']);
    expect(classical.code, classical.stderr).toBe(0);
    expect(classical.stderr).not.toMatch(/deprecated/);
    const alias = cli(['simulate', 'rest', '--res', '8', '--frames', '2', '--solver', 'jacobi', '--quiet']);
    expect(alias.code, alias.stderr).toBe(0);
    expect(alias.stderr.match(/--solver jacobi is deprecated: it means --solver classical/g)).toHaveLength(1);
    const bad = cli(['simulate', 'rest', '--res', '8', '--frames', '1', '--solver', 'sor']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--solver must be classical or latent \(got sor\)/);
  });

  it('an explicit --model that is missing or truncated: the reason, exit 1; --allow-fallback runs Jacobi after a warning', () => {
    const missing = cli(['simulate', 'rest', '--res', '16', '--frames', '1', '--solver', 'latent', '--model', join(dir, 'no-such-model')]);
    expect(missing.code, missing.stderr).toBe(1);
    expect(missing.stderr).toMatch(/--solver latent cannot run: model .*no-such-model: model directory .*no-such-model does not exist/);
    const truncated = join(dir, 'truncated-model');
    mkdirSync(truncated);
    cpSync(join(ROOT, 'models', 'latent-liquid'), truncated, { recursive: true });
    writeFileSync(join(truncated, 'decoder.onnx'), readFileSync(join(ROOT, 'models', 'latent-liquid', 'decoder.onnx')).subarray(0, 5000));
    const broken = cli(['simulate', 'rest', '--res', '16', '--frames', '1', '--solver', 'latent', '--model', truncated]);
    expect(broken.code, broken.stderr).toBe(1);
    expect(broken.stderr).toMatch(/--solver latent cannot run: model .*truncated-model: decoder\.onnx could not be loaded on WebGPU/);
    expect(broken.stderr).not.toMatch(/solving with the classical solver/);
    const fallback = cli(['simulate', 'rest', '--res', '16', '--frames', '1', '--solver', 'latent', '--model', truncated, '--allow-fallback']);
    expect(fallback.code, fallback.stderr).toBe(0);
    expect(fallback.stderr).toMatch(/warning: .*decoder\.onnx could not be loaded on WebGPU.*solving with the classical solver \(jacobi\) only \(--allow-fallback\)/);
    expect(fallback.stderr).toMatch(/pressure: Jacobi, 100 iterations/);
  });

  it('--latent-runtime wgsl: the networks run on the WGSL kernels (named in the description), predictions happen', () => {
    const metrics = join(dir, 'wgsl.jsonl');
    const tiny = join(ROOT, 'test', 'fixtures', 'tiny-model');
    const r = cli(['simulate', 'dam-break', '--res', '16', '--frames', '9', '--solver', 'latent', '--model', tiny, '--latent-runtime', 'wgsl',
      '--interval', '3', '--metrics', metrics]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/pressure: latent \(.*tiny-model, split mode, WGSL runtime\), full solve every 3 steps/);
    expect(r.stderr).not.toMatch(/warning/);
    const modes = readMetrics(metrics).map((m) => m.mode);
    expect(modes.filter((m) => m === 'predict').length).toBeGreaterThan(0);
  });

  it('compare --pressure mgpcg --correction solve: predictions warm-start MGPCG, both runs reach the tolerance, the table compares their iterations', () => {
    const metrics = join(dir, 'compare.jsonl');
    const tiny = join(ROOT, 'test', 'fixtures', 'tiny-model');
    const r = cli(['compare', 'dam-break', '--res', '16', '--frames', '9', '--interval', '2', '--model', tiny, '--latent-runtime', 'wgsl',
      '--pressure', 'mgpcg', '--tolerance', '1e-4', '--correction', 'solve', '--metrics', metrics, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Latent vs reference \(MGPCG to relative residual 0\.0001 \(cap 20 iterations\) every step\)/);
    expect(r.stdout).toMatch(/pressure iterations per predicted frame, latent \/ reference/);
    const rows = readMetrics(metrics);
    expect(rows).toHaveLength(9);
    const predicted = rows.filter((x) => x.mode === 'predict');
    expect(predicted.length).toBeGreaterThan(0);
    for (const x of rows) {
      expect(x.pressureIterations as number).toBeGreaterThan(0);
      expect(x.pressureIterationsReference as number).toBeGreaterThan(0);
      // Both solved to the same tolerance: the divergence left is the reference's order, not a
      // corrected prediction's (0.3 1/s and more at 16^3 with 4 Jacobi corrections, BENCHMARKS.md).
      expect(x.divergenceL2 as number).toBeLessThan(Math.max(10 * (x.divergenceL2Reference as number), 1e-3));
    }
  });
});
