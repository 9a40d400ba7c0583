// The Python training pipeline (training/) end to end on a tiny SYNTHETIC dataset, and its
// errors on bad datasets. Needs /usr/bin/python3 with torch + onnx (apt: python3-torch
// python3-onnx python3-matplotlib python3-tqdm); skipped, saying so, when torch is missing
// (failing under CI=true).
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt } from './helpers/cli';
import { PYTHON, pythonMissing, requirePython } from './helpers/python';
import { readFloat32File } from './helpers/files';
import { readNpy } from '../src/node/npy';
import { referenceStateInput } from '../src/reference/reference-state-input';

const root = path.resolve(__dirname, '..');
const skipReason = pythonMissing(['torch', 'onnx', 'numpy', 'matplotlib']);
requirePython('training tests', skipReason);

function py(args: string[], timeout = 110_000): SpawnSyncReturns<string> {
  return spawnSync(PYTHON, args, {
    cwd: root, encoding: 'utf8', timeout, maxBuffer: 64 << 20,
    env: { ...process.env, PYTHONUNBUFFERED: '1', OMP_NUM_THREADS: '1' },
  });
}

// Tiny networks so each run takes seconds.
const TINY = ['--epochs', '2', '--lstm-epochs', '2', '--base-width', '2', '--latent-channels', '4',
  '--hidden', '8', '--layers', '1', '--horizon', '4', '--threads', '1'];

/** The pipeline in split mode unless `extra` names a mode (most tests were written for split; the default, total, has its own test). */
function pipeline(data: string, out: string, extra: string[] = []) {
  const mode = extra.includes('--mode') ? [] : ['--mode', 'split'];
  return py(['-m', 'training.pipeline', '--data', data, '--out', out, ...TINY, ...mode, ...extra]);
}

function sha(file: string) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function checkManifest(dir: string, mode: string, decoderDownsample = 1, state = false) {
  const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  for (const key of ['format', 'version', 'mode', 'window', 'outputs', 'latent', 'inputChannels', 'levelSetClamp',
    'resolutions', 'normalization', 'files', 'training', 'evaluation', 'golden']) {
    expect(m, `manifest.${key}`).toHaveProperty(key);
  }
  expect(m.format).toBe('latent-liquid-model');
  expect(m.version).toBe(1);
  expect(m.mode).toBe(mode);
  expect(m.window).toBe(6);
  expect(m.outputs).toBe(1);
  expect(m.latent).toEqual({ channels: 4, downsample: 8, decoderDownsample });
  expect(m.inputChannels).toEqual(['pressure', 'levelset']);
  expect(m.resolutions.kind).toBe('multiple-of');
  expect(m.normalization.pressureScale).toBeGreaterThan(0);
  expect(m.files).toEqual({ encoder: 'encoder.onnx', lstm: 'lstm.onnx', decoder: 'decoder.onnx',
    ...(state ? { stateEncoder: 'state-encoder.onnx' } : {}) });
  // Only state models have the state part (docs/contracts.md "State conditioning").
  expect(m.state !== undefined, 'manifest.state').toBe(state);
  for (const net of ['encoder', 'lstm', 'decoder']) {
    expect(m.fileInfo[net].bytes).toBe(readFileSync(path.join(dir, `${net}.onnx`)).length);
    expect(Object.keys(m.fileInfo[net].ops)).not.toContain('ConvTranspose');
    expect(Object.keys(m.fileInfo[net].ops)).not.toContain('Shape');
  }
  const t = m.training;
  expect(t.seed).toBe(0);
  expect(typeof t.torch).toBe('string');
  expect(t.data.synthetic).toBe(true);
  expect(t.heldOutScenes.length).toBeGreaterThan(0);
  for (const s of t.heldOutScenes) expect(t.trainScenes).not.toContain(s);
  const e = m.evaluation;
  for (const r of [e.autoencoder, e.lstm['1step'], e.lstm['4step'], e.persistence['1step']]) {
    expect(Number.isFinite(r.relL2)).toBe(true);
    expect(Number.isFinite(r.relL2Dyn)).toBe(true);
    expect(r.frames).toBeGreaterThan(0);
  }
  expect(e.lstm.horizon).toHaveLength(4);
  return m;
}

type GoldenCase = {
  net: string; name: string; inputs: Record<string, { file: string; dims: number[] }>; outputs: Record<string, { file: string; dims: number[] }>;
  stateEffect?: number;
};

/** Runs every golden case of a model set in onnxruntime-web: outputs within 1e-4 of PyTorch's, the golden dims. */
async function checkGolden(out: string): Promise<{ cases: GoldenCase[] }> {
  const golden = JSON.parse(readFileSync(path.join(out, 'golden/golden.json'), 'utf8')) as { cases: GoldenCase[] };
  const files = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')).files as Record<string, string>;
  for (const c of golden.cases) {
    const s = await ort.InferenceSession.create(readFileSync(path.join(out, files[c.net])));
    const feeds: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(c.inputs)) {
      feeds[k] = new ort.Tensor('float32', readFloat32File(path.join(out, 'golden', v.file)), v.dims);
    }
    const res = await s.run(feeds);
    for (const [k, v] of Object.entries(c.outputs)) {
      const ref = readFloat32File(path.join(out, 'golden', v.file));
      const got = res[k].data as Float32Array;
      expect(res[k].dims).toEqual(v.dims);
      let maxAbs = 0;
      let maxRef = 0;
      for (let i = 0; i < ref.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(got[i] - ref[i]));
        maxRef = Math.max(maxRef, Math.abs(ref[i]));
      }
      expect(maxAbs, c.name).toBeLessThanOrEqual(1e-4 * Math.max(1, maxRef));
    }
    await s.release();
  }
  return golden;
}

describe.skipIf(skipReason !== null)('training pipeline (python, synthetic data)', () => {
  let tmp = '';
  let data = '';
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'latent-liquid-training-'));
    data = path.join(tmp, 'data');
    const r = py(['-m', 'training.synthetic_dataset', '--out', data, '--scenes', '3', '--frames', '12',
      '--resolution', '16', '16', '16', '--seed', '3']);
    expect(r.status, r.stderr).toBe(0);
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('trains, exports and evaluates end to end (split mode)', async () => {
    const out = path.join(tmp, 'split');
    const r = pipeline(data, out);
    expect(r.status, r.stderr + r.stdout.slice(-3000)).toBe(0);
    expect(r.stdout).toContain('[6/6] evaluating');
    for (const f of ['manifest.json', 'encoder.onnx', 'lstm.onnx', 'decoder.onnx', 'REPORT.md', 'golden/golden.json']) {
      expect(existsSync(path.join(out, f)), f).toBe(true);
    }
    const m = checkManifest(out, 'split');
    for (const img of m.report.images) expect(existsSync(path.join(out, img)), img).toBe(true);
    expect(readdirSync(path.join(out, 'images')).filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(3);
    // The fresh graphs reproduce PyTorch's golden outputs in onnxruntime-web.
    const golden = await checkGolden(out);
    expect(golden.cases.map((c) => c.name).sort()).toEqual(
      ['decoder_alt', 'decoder_main', 'encoder_alt', 'encoder_main', 'lstm_alt', 'lstm_main']);
  }, 120_000);

  it('a coarse decoder (--decoder-downsample 2): decoder.onnx outputs half the grid per axis with one Resize fewer, golden pairs match onnxruntime-web', async () => {
    const out = path.join(tmp, 'coarse');
    const r = pipeline(data, out, ['--decoder-downsample', '2']);
    expect(r.status, r.stderr + r.stdout.slice(-3000)).toBe(0);
    const m = checkManifest(out, 'split', 2);
    expect(m.training.autoencoder.decoder_downsample).toBe(2);
    expect(m.fileInfo.decoder.ops.Resize).toBe(2);
    expect(m.fileInfo.encoder.ops).not.toHaveProperty('Resize');
    const golden = await checkGolden(out);
    const dims = Object.fromEntries(golden.cases.filter((c) => c.net === 'decoder').map((c) => [c.name, c.outputs.pressure.dims]));
    // The synthetic grid is 16^3; the "alt" case is 8 cells wider in x (24).
    expect(dims).toEqual({ decoder_main: [1, 1, 8, 8, 8], decoder_alt: [1, 1, 8, 8, 12] });
    expect(readFileSync(path.join(out, 'REPORT.md'), 'utf8')).toContain('decoder output at 1/2 resolution');
  }, 120_000);

  it('--decoder-downsample accepts only 1, 2 and 4', () => {
    const r = pipeline(data, path.join(tmp, 'never'), ['--decoder-downsample', '3']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--decoder-downsample: invalid choice: 3 \(choose from 1, 2, 4\)/);
  });

  it('upsample_to_grid is F.interpolate(trilinear, align_corners=False) and its deterministic backward is its adjoint', () => {
    // Backward checked against torch's own autograd of F.interpolate (float64), forward bit for bit.
    const r = py(['-c', `
import torch, torch.nn.functional as F
from training.models import AEConfig, Autoencoder, upsample_to_grid
torch.manual_seed(1)
for s in (2, 4):
    x = torch.randn(2, 1, 3, 5, 2, dtype=torch.float64, requires_grad=True)
    y = upsample_to_grid(x, s)
    ref = F.interpolate(x, scale_factor=s, mode="trilinear", align_corners=False)
    assert torch.equal(y, ref), s
    g = torch.randn_like(y)
    (a,) = torch.autograd.grad((y * g).sum(), x)
    (b,) = torch.autograd.grad((ref * g).sum(), x)
    print(s, tuple(y.shape), float((a - b).abs().max()), float(b.abs().max()))
x = torch.randn(1, 1, 2, 2, 2)
assert upsample_to_grid(x, 1) is x
for s in (1, 2, 4):
    ae = Autoencoder(AEConfig(2, 4, 2, decoder_downsample=s)).eval()
    z = ae.encoder(torch.zeros(1, 2, 16, 16, 24))
    print("ae", s, tuple(ae.decoder(z).shape), tuple(ae.decode_full(z).shape), tuple(ae(torch.zeros(1, 2, 16, 16, 24)).shape))
try:
    AEConfig(decoder_downsample=8)
except ValueError as e:
    print("error", e)
`]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    for (const [s, shape] of [['2', '(2, 1, 6, 10, 4)'], ['4', '(2, 1, 12, 20, 8)']]) {
      const [, got, diff, scale] = lines.find((l) => l.startsWith(`${s} `))!.match(/^\d (\(.*\)) (\S+) (\S+)$/)!;
      expect(got).toBe(shape);
      expect(Number(diff)).toBeLessThanOrEqual(1e-12 * Number(scale));
    }
    expect(lines).toContain('ae 1 (1, 1, 16, 16, 24) (1, 1, 16, 16, 24) (1, 1, 16, 16, 24)');
    expect(lines).toContain('ae 2 (1, 1, 8, 8, 12) (1, 1, 16, 16, 24) (1, 1, 16, 16, 24)');
    expect(lines).toContain('ae 4 (1, 1, 4, 4, 6) (1, 1, 16, 16, 24) (1, 1, 16, 16, 24)');
    expect(lines).toContain('error decoder_downsample must be one of (1, 2, 4) (got 8)');
  }, 60_000);

  it('is deterministic for a seed (same ONNX bytes, same numbers)', () => {
    const a = path.join(tmp, 'det-a');
    const b = path.join(tmp, 'det-b');
    for (const out of [a, b]) {
      const r = pipeline(data, out, ['--seed', '0']);
      expect(r.status, r.stderr).toBe(0);
    }
    for (const f of ['encoder.onnx', 'lstm.onnx', 'decoder.onnx']) expect(sha(path.join(a, f)), f).toBe(sha(path.join(b, f)));
    const ma = JSON.parse(readFileSync(path.join(a, 'manifest.json'), 'utf8'));
    const mb = JSON.parse(readFileSync(path.join(b, 'manifest.json'), 'utf8'));
    expect(ma.evaluation).toEqual(mb.evaluation);
  }, 120_000);

  it('trains in total mode, the default', () => {
    const out = path.join(tmp, 'total');
    const r = py(['-m', 'training.pipeline', '--data', data, '--out', out, ...TINY]);
    expect(r.status, r.stderr).toBe(0);
    const e = checkManifest(out, 'total').evaluation;
    // In total mode copying the last frame IS copying the last total pressure (the classical warm start).
    // (persistence goes through the network's scaling and back: equal up to float32 rounding)
    for (const steps of ['1step', '4step']) {
      expect(e.persistenceTotal[steps].frames).toBe(e.persistence[steps].frames);
      for (const k of ['relL2', 'relL2Dyn', 'relL2Pooled', 'relL2DynPooled']) {
        expect(Math.abs(e.persistenceTotal[steps][k] - e.persistence[steps][k]), `${steps} ${k}`).toBeLessThan(1e-6 * e.persistence[steps][k]);
      }
    }
  }, 120_000);

  it('ae_from_model: the total run\'s autoencoder rebuilt from its ONNX files trains a new LSTM (--ae-checkpoint) and exports the same encoder and decoder', () => {
    // Uses the model set of 'trains in total mode' above.
    const from = path.join(tmp, 'total');
    const ck = path.join(tmp, 'ae-from-total.pt');
    const r = py(['-m', 'training.ae_from_model', from, ck]);
    expect(r.status, r.stderr).toBe(0);
    const err = Number(/golden cases within ([0-9.e+-]+) of their scale/.exec(r.stdout)?.[1]);
    expect(err).toBeLessThanOrEqual(1e-6);
    const out = path.join(tmp, 'total-lstm-only');
    const t = py(['-m', 'training.pipeline', '--data', data, '--out', out, ...TINY, '--ae-checkpoint', ck]);
    expect(t.status, t.stderr + t.stdout.slice(-2000)).toBe(0);
    expect(t.stdout).toContain('loading the autoencoder from');
    for (const f of ['encoder.onnx', 'decoder.onnx']) expect(readFileSync(path.join(out, f)).equals(readFileSync(path.join(from, f))), f).toBe(true);
    // A model set without its training record cannot give a checkpoint: exit 2 naming what is missing.
    const bare = path.join(tmp, 'bare-model');
    mkdirSync(bare, { recursive: true });
    const manifest = JSON.parse(readFileSync(path.join(from, 'manifest.json'), 'utf8'));
    delete manifest.training;
    writeFileSync(path.join(bare, 'manifest.json'), JSON.stringify(manifest));
    const b = py(['-m', 'training.ae_from_model', bare, path.join(tmp, 'bare.pt')]);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/manifest\.json has no training\.autoencoder/);
  }, 120_000);

  it('trains data-parallel under torchrun (2 CPU processes, gloo)', () => {
    const out = path.join(tmp, 'ddp');
    // training.torchrun = torch.distributed.run, repaired for torch 1.13 on Python 3.11 (Debian 12).
    const r = py(['-m', 'training.torchrun', '--standalone', '--nproc_per_node=2', '-m', 'training.pipeline',
      '--data', data, '--out', out, ...TINY, '--mode', 'split']);
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    const m = checkManifest(out, 'split');
    expect(m.training.processes).toBe(2);
    expect(r.stdout).toContain('weights identical on all 2 processes');
  }, 120_000);

  describe('bad datasets give a clear error (exit code 2)', () => {
    function expectError(dir: string, pattern: RegExp) {
      const r = pipeline(dir, path.join(tmp, 'never'));
      expect(r.status, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^error: dataset /m);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/Traceback/);
      expect(existsSync(path.join(tmp, 'never', 'manifest.json'))).toBe(false);
    }
    function variant(name: string) {
      const dir = path.join(tmp, name);
      cpSync(data, dir, { recursive: true });
      return dir;
    }
    function writeNpy(file: string, expr: string) {
      const r = py(['-c', `import numpy as np; np.save(${JSON.stringify(file)}, ${expr})`]);
      expect(r.status, r.stderr).toBe(0);
    }

    it('empty directory', () => {
      const dir = path.join(tmp, 'empty');
      mkdirSync(dir);
      expectError(dir, /index\.json not found/);
    });
    it('missing directory', () => {
      expectError(path.join(tmp, 'does-not-exist'), /directory does not exist/);
    });
    it('pressure shape disagrees with index.json', () => {
      const dir = variant('bad-shape');
      writeNpy(path.join(dir, 'scene_00001/pressure.npy'), 'np.zeros((12, 16, 16, 8), np.float32)');
      expectError(dir, /scene_00001\/pressure\.npy has shape \(12, 16, 16, 8\).*expects \(12, 16, 16, 16\)/);
    });
    it('fewer frames than index.json says', () => {
      const dir = variant('bad-frames');
      writeNpy(path.join(dir, 'scene_00000/levelset.npy'), 'np.zeros((11, 16, 16, 16), np.float32)');
      expectError(dir, /scene_00000\/levelset\.npy has shape \(11, 16, 16, 16\)/);
    });
    it('missing field file', () => {
      const dir = variant('bad-missing');
      rmSync(path.join(dir, 'scene_00002/hydrostatic.npy'));
      expectError(dir, /scene_00002\/hydrostatic\.npy is missing/);
    });
    it('NaN values', () => {
      const dir = variant('bad-nan');
      writeNpy(path.join(dir, 'scene_00000/pressure.npy'),
        'np.where(np.arange(12*16*16*16).reshape(12,16,16,16) == 5000, np.nan, 0).astype(np.float32)');
      expectError(dir, /scene_00000\/pressure\.npy contains 1 NaN\/Inf values/);
    });
    it('wrong dtype', () => {
      const dir = variant('bad-dtype');
      writeNpy(path.join(dir, 'scene_00001/hydrostatic.npy'), 'np.zeros((12, 16, 16, 16), np.float64)');
      expectError(dir, /scene_00001\/hydrostatic\.npy has dtype float64, expected float32/);
    });
  });
});

// State conditioning (docs/contracts.md "State conditioning"): a state encoder maps the predicted
// step's hydrostatic residual, level set and solid level set to a code that the LSTM adds to its
// output. Synthetic data with --system has the pressure system (rhs, diag) and a solid box.
describe.skipIf(skipReason !== null)('state-conditioned LSTM (--state, synthetic data with --system)', () => {
  let tmp = '';
  let data = '';
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'latent-liquid-state-'));
    data = path.join(tmp, 'data');
    const r = py(['-m', 'training.synthetic_dataset', '--out', data, '--scenes', '3', '--frames', '12',
      '--resolution', '16', '16', '16', '--seed', '3', '--system']);
    expect(r.status, r.stderr).toBe(0);
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('synthetic --system: the stored pressure solves the stored system, solid cells drop out of it', () => {
    const r = py(['-c', `
import json, numpy as np
from training.data import SceneArrays, load_dataset
ds = load_dataset(${JSON.stringify(data)})
out = []
for s in ds.scenes:
    a = SceneArrays(s)
    p, b, d, solid, phi = (np.asarray(x, dtype=np.float64) for x in (a.pressure, a.rhs, a.diag, a.solid, a.levelset))
    # b - A p with A from diag and the active neighbours, written out here in numpy.
    act = d > 0
    pa = np.where(act, p, 0)
    pad = np.pad(pa, ((0, 0), (1, 1), (1, 1), (1, 1)))
    nb = sum(np.roll(pad, k, ax)[:, 1:-1, 1:-1, 1:-1] for ax in (1, 2, 3) for k in (1, -1))
    r = np.where(act, b - d * pa + nb, 0)
    out.append([float(np.linalg.norm(r) / np.linalg.norm(b)), int((solid < 0).sum()), int((act & (solid < 0)).sum()),
                int(((phi < 0) & (solid >= 0) & ~act).sum()), int(act.sum())])
print(json.dumps([ds.index["fields"], out]))
`]);
    expect(r.status, r.stderr).toBe(0);
    const [fields, rows] = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(fields).toEqual(['pressure', 'hydrostatic', 'levelset', 'rhs', 'diag', 'solid']);
    for (const [rel, inSolid, activeInSolid, liquidInactive, active] of rows) {
      expect(rel).toBeLessThan(1e-5); // float32 storage of rhs = A p
      expect(inSolid).toBeGreaterThan(0);
      expect(activeInSolid).toBe(0);
      expect(liquidInactive).toBe(0);
      expect(active).toBeGreaterThan(100);
    }
  });

  it('trains and exports a state model: manifest state, state-encoder.onnx, lstm.onnx inputs history + state, golden pairs depend on the state', async () => {
    const out = path.join(tmp, 'state');
    // 10 LSTM epochs (TINY has 2): the state encoder starts at zero and needs a few to matter.
    const r = pipeline(data, out, ['--state', '--state-width', '2', '--lstm-epochs', '10']);
    expect(r.status, r.stderr + r.stdout.slice(-3000)).toBe(0);
    expect(r.stdout).toMatch(/state channels \['residual', 'levelset', 'solid'\], residualScale \d/);
    const m = checkManifest(out, 'split', 1, true);
    expect(m.state.inputChannels).toEqual(['residual', 'levelset', 'solid']);
    expect(m.training.lstm).toMatchObject({ state: true, state_channels: 3, state_width: 2, outputs: 1 });
    expect(m.fileInfo.stateEncoder.bytes).toBe(readFileSync(path.join(out, 'state-encoder.onnx')).length);
    expect(Object.keys(m.fileInfo.stateEncoder.ops).sort()).toEqual(['Conv', 'LeakyRelu']);
    expect(m.fileInfo.lstm.ops.Transpose).toBeGreaterThanOrEqual(3);
    // residualScale: the RMS of b - A p_s over the training frames' active cells, recomputed here.
    const scale = py(['-c', `
import numpy as np
from training.data import SceneArrays, load_dataset
ds = load_dataset(${JSON.stringify(data)})
tot = n = 0.0
for sid in ${JSON.stringify(m.training.trainScenes)}:
    a = SceneArrays(ds.scene(sid))
    ps, b, d = (np.asarray(x, dtype=np.float64) for x in (a.hydrostatic, a.rhs, a.diag))
    act = d > 0
    pa = np.where(act, ps, 0)
    pad = np.pad(pa, ((0, 0), (1, 1), (1, 1), (1, 1)))
    nb = sum(np.roll(pad, k, ax)[:, 1:-1, 1:-1, 1:-1] for ax in (1, 2, 3) for k in (1, -1))
    r = (b - d * pa + nb)[act]
    tot += float((r * r).sum()); n += r.size
print((tot / n) ** 0.5)
`]);
    expect(scale.status, scale.stderr).toBe(0);
    expect(Math.abs(m.state.residualScale - Number(scale.stdout.trim())) / m.state.residualScale).toBeLessThan(1e-9);
    const e = m.evaluation;
    for (const form of ['persistence', 'direct', 'delta']) {
      for (const steps of ['1step', '4step']) expect(Number.isFinite(e.residual[form][steps]), `${form} ${steps}`).toBe(true);
    }
    for (const steps of ['1step', '4step']) expect(Number.isFinite(e.lstm.delta[steps].relL2Dyn)).toBe(true);

    const golden = await checkGolden(out);
    expect(golden.cases.map((c) => c.name).sort()).toEqual(['decoder_alt', 'decoder_main', 'encoder_alt', 'encoder_main',
      'lstm_alt', 'lstm_main', 'stateEncoder_alt', 'stateEncoder_main']);
    const lstm = await ort.InferenceSession.create(readFileSync(path.join(out, 'lstm.onnx')));
    expect(lstm.inputNames).toEqual(['history', 'state']);
    const enc = await ort.InferenceSession.create(readFileSync(path.join(out, 'state-encoder.onnx')));
    expect([enc.inputNames, enc.outputNames]).toEqual([['state'], ['stateCode']]);
    await enc.release();
    const byName = Object.fromEntries(golden.cases.map((c) => [c.name, c]));
    for (const tag of ['main', 'alt']) {
      const c = byName[`lstm_${tag}`];
      const n = c.inputs.history.dims[2];
      expect(c.inputs.state.dims).toEqual([4, n]);
      expect(byName[`stateEncoder_${tag}`].inputs.state.dims[1]).toBe(3);
      // The LSTM's state input is the state encoder's output, one buffer reinterpreted.
      expect(Array.from(readFloat32File(path.join(out, 'golden', c.inputs.state.file))))
        .toEqual(Array.from(readFloat32File(path.join(out, 'golden', byName[`stateEncoder_${tag}`].outputs.stateCode.file))));
      // A zero state moves the prediction far beyond the golden tolerance: a runtime that ignores
      // the state fails the golden comparison.
      const hist = new ort.Tensor('float32', readFloat32File(path.join(out, 'golden', c.inputs.history.file)), c.inputs.history.dims);
      const res = await lstm.run({ history: hist, state: new ort.Tensor('float32', new Float32Array(4 * n), [4, n]) });
      const ref = readFloat32File(path.join(out, 'golden', c.outputs.prediction.file));
      const got = res.prediction.data as Float32Array;
      let maxAbs = 0;
      let maxRef = 0;
      for (let i = 0; i < ref.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(got[i] - ref[i]));
        maxRef = Math.max(maxRef, Math.abs(ref[i]));
      }
      expect(maxAbs, `lstm_${tag} without its state`).toBeGreaterThan(10 * 1e-4 * Math.max(1, maxRef));
      expect(c.stateEffect).toBeCloseTo(maxAbs / maxRef, 4);
    }
    await lstm.release();

    // Without solid.npy (datasets written before it) the state has two channels.
    const nosolid = path.join(tmp, 'data-nosolid');
    cpSync(data, nosolid, { recursive: true });
    for (const s of readdirSync(nosolid).filter((d) => d.startsWith('scene_'))) rmSync(path.join(nosolid, s, 'solid.npy'));
    const out2 = path.join(tmp, 'state-nosolid');
    const r2 = pipeline(nosolid, out2, ['--state', '--state-width', '2', '--lstm-epochs', '1']);
    expect(r2.status, r2.stderr).toBe(0);
    const m2 = JSON.parse(readFileSync(path.join(out2, 'manifest.json'), 'utf8'));
    expect(m2.state.inputChannels).toEqual(['residual', 'levelset']);
    const g2 = JSON.parse(readFileSync(path.join(out2, 'golden/golden.json'), 'utf8')) as { cases: GoldenCase[] };
    expect(g2.cases.find((c) => c.name === 'stateEncoder_main')!.inputs.state.dims).toEqual([1, 2, 16, 16, 16]);
  }, 240_000);

  it('an untrained state model predicts what the unconditioned one predicts (zero-init state encoder)', () => {
    const r = py(['-c', `
import torch
from training.models import LatentLSTM, LSTMConfig
cfg = dict(channels=4, window=6, hidden=8, layers=1)
torch.manual_seed(5)
plain = LatentLSTM(LSTMConfig(**cfg)).eval()
torch.manual_seed(5)
st = LatentLSTM(LSTMConfig(**cfg, state=True, state_channels=3, state_width=2)).eval()
with torch.no_grad():
    # A trained head (the untrained one is zero) and the same normalization in both.
    for m in (plain, st):
        torch.manual_seed(6)
        m.head.weight.normal_(); m.head.bias.normal_()
        m.set_normalization(torch.tensor([0.1, -0.2, 0.3, 0.0]), torch.tensor([1.0, 2.0, 0.5, 1.5]), torch.tensor([0.3, 0.2, 0.1, 0.4]))
    ps, ss = plain.state_dict(), st.state_dict()
    same = list(ss)[:len(ps)] == list(ps) and all(torch.equal(ps[k], ss[k]) for k in ps)
    hist = torch.randn(6, 4, 8)
    s = torch.randn(1, 3, 16, 16, 16)
    code = st.state_encoder(s).reshape(4, -1)
    d0 = float((st(hist, code) - plain(hist)).abs().max())
    xn = torch.randn(6, 2, 8, 4)
    d1 = float((st.forward_normalized(xn, st.encode_state(s.expand(2, -1, -1, -1, -1))) - plain.forward_normalized(xn)).abs().max())
    # A nonzero state code: exactly d + state in normalized-change units.
    torch.nn.init.normal_(st.state_encoder.net[-1].weight)
    code = st.state_encoder(s).reshape(4, -1)
    want = plain.denormalize(plain.normalize(plain(hist).permute(0, 2, 1)) + code.t() * plain.delta_scale).permute(0, 2, 1)
    d2 = float((st(hist, code) - want).abs().max())
    moved = float((st(hist, code) - plain(hist)).abs().max())
print(same, d0, d1, d2, moved)
try:
    LSTMConfig(state=True, state_channels=3, outputs=2)
except ValueError as e:
    print("error", e)
try:
    plain(torch.zeros(6, 4, 8), torch.zeros(4, 8))
except ValueError as e:
    print("error", e)
`]);
    expect(r.status, r.stderr).toBe(0);
    const [line, err1, err2] = r.stdout.trim().split('\n');
    const [same, d0, d1, d2, moved] = line.split(' ');
    expect(same).toBe('True');
    expect(Number(d0)).toBe(0);
    expect(Number(d1)).toBe(0);
    expect(Number(d2)).toBeLessThan(1e-5);
    expect(Number(moved)).toBeGreaterThan(1e-2);
    expect(err1).toMatch(/^error a state-conditioned LSTM needs outputs == 1 \(got outputs=2\)/);
    expect(err2).toMatch(/^error this LSTM has no state input/);
  }, 60_000);

  it('each predicted step gets the state of the frame it predicts (training windows and evaluation rollout)', () => {
    const r = py(['-c', `
import numpy as np, torch
from training.data import SceneArrays, StateSpec, load_dataset, make_state
from training.evaluate import rollout
from training.models import LatentLSTM, LSTMConfig
from training.train_lstm import StateWindows, WindowDataset
ds = load_dataset(${JSON.stringify(data)})
spec = StateSpec(["residual", "levelset", "solid"], 7.0, ds.cell_size, 4.0)
arrays = [SceneArrays(s) for s in ds.scenes]
codes = {s.id: torch.randn(s.frames, 4, 2, 2, 2) for s in ds.scenes}
w, steps = 6, 3
win = WindowDataset(codes, w + steps)
sw = StateWindows(win, win, arrays, spec, w + steps, w)
k = len(sw) - 1
i, t = win.items[k]
a = arrays[i]
seq, states = sw[k]
want = np.stack([make_state(spec, a.hydrostatic[f], a.rhs[f], a.diag[f], a.levelset[f], a.solid[f]) for f in range(t + w, t + w + steps)])
ok_windows = bool(np.array_equal(states.numpy(), want)) and states.shape == (steps, 3, 16, 16, 16)
# the residual channel is (b - A p_s) / scale and is not zero; the level set channels are clamped to [-1, 1]
ok_channels = float(np.abs(want[:, 0]).max()) > 0 and float(np.abs(want[:, 1:]).max()) <= 1.0
torch.manual_seed(0)
lstm = LatentLSTM(LSTMConfig(channels=4, window=w, hidden=8, layers=1, state=True, state_channels=3, state_width=2)).eval()
torch.nn.init.normal_(lstm.state_encoder.net[-1].weight)
zf = torch.randn(12, 4, 8)
sc = torch.randn(12, 8, 4)
with torch.no_grad():
    got = rollout(lstm, zf, [6, 8], 3, sc)
    hist = lstm.normalize(torch.stack([zf[0:6], zf[2:8]], 1).permute(0, 1, 3, 2))
    manual = []
    for h in range(3):
        p = lstm.forward_normalized(hist, torch.stack([sc[6 + h], sc[8 + h]]))
        manual.append(p[0])
        hist = torch.cat([hist[1:], p], 0)
    manual = lstm.denormalize(torch.stack(manual)).permute(0, 1, 3, 2)
    shifted = rollout(lstm, zf, [6, 8], 3, torch.roll(sc, 1, 0))
print(ok_windows, ok_channels, float((got - manual).abs().max()), float((got - shifted).abs().max()))
`]);
    expect(r.status, r.stderr).toBe(0);
    const [okWindows, okChannels, diff, shifted] = r.stdout.trim().split('\n').pop()!.split(' ');
    expect([okWindows, okChannels]).toEqual(['True', 'True']);
    expect(Number(diff)).toBe(0);
    expect(Number(shifted)).toBeGreaterThan(1e-3); // a state one frame off changes the rollout
  }, 60_000);

  it('errors: --state without rhs/diag names the missing files, --state with --outputs 2 names the option', () => {
    const plain = path.join(tmp, 'plain');
    expect(py(['-m', 'training.synthetic_dataset', '--out', plain, '--scenes', '2', '--frames', '12',
      '--resolution', '16', '16', '16', '--seed', '3']).status).toBe(0);
    const r = pipeline(plain, path.join(tmp, 'never'), ['--state']);
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^error: dataset .*--state needs each frame's pressure system \(rhs\.npy and diag\.npy.*missing scene_00000\/rhs\.npy, scene_00000\/diag\.npy, scene_00001\/rhs\.npy/m);
    expect(r.stderr).not.toMatch(/Traceback/);
    const o = pipeline(data, path.join(tmp, 'never'), ['--state', '--outputs', '2']);
    expect(o.status).toBe(2);
    expect(o.stderr).toMatch(/--state needs --outputs 1 \(got --outputs 2\)/);
    const w = pipeline(data, path.join(tmp, 'never'), ['--state', '--state-width', '0']);
    expect(w.status).toBe(2);
    expect(w.stderr).toMatch(/--state-width must be at least 1/);
    expect(existsSync(path.join(tmp, 'never', 'manifest.json'))).toBe(false);
  }, 60_000);
});

// The physics loss and the residual metrics read each frame's Poisson system, which only real
// solver data has: a tiny dataset from `latent-liquid dataset` (CPU labels on SwiftShader).
describe.skipIf(skipReason !== null)('physics loss on solver data (rhs/diag from latent-liquid dataset)', () => {
  let tmp = '';
  let data = '';
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'latent-liquid-physics-'));
    data = path.join(tmp, 'data');
    ensureBuilt();
    const r = cli(['dataset', '--out', data, '--scenes', '3', '--frames', '12', '--res', '16', '--seed', '4', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
  }, 300_000);
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the state input training builds (make_state) equals the runtime kernel\'s CPU reference on the same frame', () => {
    // The contract between training and runtime (docs/contracts.md "State conditioning"): the same
    // stored frame through training/data.py make_state and src/reference/reference-state-input.ts
    // (which the GPU kernel is tested against) must give the same channels.
    const scene = path.join(data, 'scene_00000');
    const pyOut = path.join(tmp, 'make_state.bin');
    const r = py(['-c', `
import numpy as np
from training.data import SceneArrays, StateSpec, load_dataset, make_state
ds = load_dataset(${JSON.stringify(data)})
a = SceneArrays(ds.scenes[0])
assert a.solid is not None, "the dataset has no solid.npy"
spec = StateSpec(["residual", "levelset", "solid"], 7.0, ds.cell_size, 4.0)
make_state(spec, a.hydrostatic[5], a.rhs[5], a.diag[5], a.levelset[5], a.solid[5]).astype("<f4").tofile(${JSON.stringify(pyOut)})
print(ds.cell_size)
`]);
    expect(r.status, r.stderr).toBe(0);
    const cellSize = Number(r.stdout.trim());
    const frame = (name: string) => {
      const { data: d, shape } = readNpy(path.join(scene, `${name}.npy`));
      const n = shape[1] * shape[2] * shape[3];
      return { values: Float32Array.from((d as Float32Array).subarray(5 * n, 6 * n)), dims: [shape[3], shape[2], shape[1]] as [number, number, number] };
    };
    const [rhs, diag, hydrostatic, phi, solidPhi] = ['rhs', 'diag', 'hydrostatic', 'levelset', 'solid'].map(frame);
    const n = rhs.values.length;
    // The GPU's pressureSystem entries (1/diag, b/diag, mask, diag) from the stored b and diag.
    const system = new Float32Array(4 * n);
    for (let i = 0; i < n; i++) {
      const d = diag.values[i];
      if (d > 0) system.set([1 / d, rhs.values[i] / d, 0, d], 4 * i);
    }
    const ts = referenceStateInput(rhs.dims, cellSize, { system, hydrostatic: hydrostatic.values, phi: phi.values, solidPhi: solidPhi.values },
      { inputChannels: ['residual', 'levelset', 'solid'], residualScale: 7 }, 4);
    const fromPython = readFloat32File(pyOut);
    expect(fromPython.length).toBe(3 * n);
    let scale = 0, worst = 0;
    for (let i = 0; i < 3 * n; i++) {
      scale = Math.max(scale, Math.abs(fromPython[i]));
      worst = Math.max(worst, Math.abs(ts[i] - fromPython[i]));
    }
    expect(scale).toBeGreaterThan(0.5); // the residual channel is not empty
    expect(Array.from(fromPython.subarray(0, n)).some((v) => v !== 0)).toBe(true);
    // float32 rounding of b = (b/diag) * diag and of the residual's sums
    expect(worst, `max |TS - Python| ${worst}, scale ${scale}`).toBeLessThan(1e-5 * scale);
  });

  it('the torch residual of the stored system vanishes at the label and matches the evaluation metric', () => {
    const r = py(['-c', `
import json, numpy as np, torch
from training.data import SceneArrays, load_dataset
from training.evaluate import relative_residual
from training.physics import system_residual
ds = load_dataset(${JSON.stringify(data)})
out = []
for s in ds.scenes:
    a = SceneArrays(s)
    for f in (3, 11):
        p, b, d = (torch.from_numpy(np.array(x[f], dtype=np.float64)) for x in (a.pressure, a.rhs, a.diag))
        label = float(system_residual(p, b, d).norm() / b[d > 0].norm())
        hydro = torch.from_numpy(np.array(a.hydrostatic[f], dtype=np.float64))
        t = float(system_residual(hydro, b, d).norm() / b[d > 0].norm())
        out.append([label, t, relative_residual(a.hydrostatic[f], a.rhs[f], a.diag[f])])
print(json.dumps(out))
`]);
    expect(r.status, r.stderr).toBe(0);
    const rows: number[][] = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(rows).toHaveLength(6);
    for (const [label, hydro, metric] of rows) {
      expect(label).toBeLessThan(1e-4); // labels solved to 1e-6 (float32 storage)
      expect(hydro).toBeGreaterThan(1e-3); // the hydrostatic part alone is not the solution
      expect(Math.abs(metric - hydro)).toBeLessThan(1e-9 + 1e-6 * hydro);
    }
  });

  it('--physics-weight trains the LSTM through the frozen decoder and reports residuals per form', () => {
    const out = path.join(tmp, 'model');
    const r = pipeline(data, out, ['--physics-weight', '1', '--heldout', 'scene_00002']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/mean squared relative residual \d/);
    const m = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    for (const epoch of m.training.losses.lstm) expect(Number.isFinite(epoch.relResidual2)).toBe(true);
    const e = m.evaluation;
    for (const form of ['persistenceTotal', 'persistence', 'direct', 'delta']) {
      for (const steps of ['1step', '4step']) expect(Number.isFinite(e.residual[form][steps])).toBe(true);
    }
    // Split mode: the runtime's anchor (the last dynamic part on the current hydrostatic pressure)
    // and the classical warm start (the last total pressure) are different baselines.
    for (const steps of ['1step', '4step']) {
      expect(Number.isFinite(e.persistenceTotal[steps].relL2Dyn)).toBe(true);
      expect(e.persistenceTotal[steps].relL2Dyn).not.toBe(e.persistence[steps].relL2Dyn);
      expect(e.residual.persistenceTotal[steps]).not.toBe(e.residual.persistence[steps]);
    }
    expect(Object.keys(e.residualByKind)).toEqual(Object.keys(e.byKind));
    for (const steps of ['1step', '4step']) expect(Number.isFinite(e.lstm.delta[steps].relL2Dyn)).toBe(true);
    const report = readFileSync(path.join(out, 'REPORT.md'), 'utf8');
    expect(report).toMatch(/Relative residual \|\|b - A p_hat\|\| \/ \|\|b\|\|/);
    expect(report).toMatch(/\| kind \| copy total 1 \| copy last 1 \| direct 1 \| delta 1 \| copy total 4 \|/);
    expect(report).toMatch(/copy last total pressure \(classical warm start\), 1 step/);
    expect(report).toMatch(/\| LSTM 1-step, delta \(runtime default\) \|/);
    // --time-limit: a limit that has passed after the first epoch stops both trainings there.
    const limited = pipeline(data, path.join(tmp, 'limited'), ['--epochs', '50', '--lstm-epochs', '50', '--time-limit', '0.001']);
    expect(limited.status, limited.stderr).toBe(0);
    expect(limited.stdout).toMatch(/AE: stopping after epoch 1 of 50/);
    expect(limited.stdout).toMatch(/LSTM: stopping after epoch 1 of 50/);
    const lm = JSON.parse(readFileSync(path.join(tmp, 'limited', 'manifest.json'), 'utf8'));
    expect([lm.training.losses.autoencoder.length, lm.training.losses.lstm.length, lm.training.timeLimit]).toEqual([1, 1, 0.001]);
    // Without rhs/diag (synthetic data) the option says what is missing.
    const syn = path.join(tmp, 'syn');
    expect(py(['-m', 'training.synthetic_dataset', '--out', syn, '--scenes', '2', '--frames', '12',
      '--resolution', '16', '16', '16', '--seed', '3']).status).toBe(0);
    const bad = pipeline(syn, path.join(tmp, 'bad'), ['--physics-weight', '1']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--physics-weight needs rhs\.npy and diag\.npy/);
  }, 240_000);
});
