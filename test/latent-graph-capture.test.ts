// onnxruntime-web's WebGPU graph capture (`ort: { graphCapture: true }`): why the predictor
// runs every captured session on fixed buffers (ORT keeps the buffers of a session's first
// run), that a captured closed loop is the same step by step as the uncaptured one for a plain
// and a coarse-decoder model (or, in some runs, hits ORT 1.30's replay bug and falls back: the
// experimental path's expected failure, see ORT_REPLAY_BUG), and that a state-conditioned model
// is refused with the reason.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachLatentPredictor } from '../src/latent/attach-latent';
import type { LatentPressureStage } from '../src/latent/latent-pressure-stage';
import { ortTakesDevicePerSession } from '../src/latent/ort-device-lending';
import { createWebGpuSession, gpuTensor, ORT_VERSION, releaseSession } from '../src/latent/ort-session';
import { presetScene } from '../src/scene/presets';
import { LiquidSolver } from '../src/solver/liquid-solver';
import { loadModelFromDirectory } from '../src/node/model-directory';
import { maxDiff, read, testGpu, upload } from './helpers/gpu';
import { latentDamBreak16 } from './helpers/latent';

const FIXTURES = join(__dirname, 'fixtures');
// From onnxruntime-web 1.31 the sessions run on ORT's default context with the solver's device
// lent to it, and a captured session there replays other buffers (the raw session fails in
// createBindGroup; the predictor's history differed by 165 after one solve): the predictor
// refuses graph capture on 1.31 (tested last). The capture tests run on 1.30.
const CAPTURE_WORKS = ortTakesDevicePerSession(ORT_VERSION);
let device: GPUDevice;
const owned: LiquidSolver[] = [];

beforeAll(async () => {
  device = (await testGpu()).device;
});
afterAll(() => {
  for (const s of owned) s.destroy();
});

describe('a captured ORT session', () => {
  it.skipIf(!CAPTURE_WORKS)('replays the buffers of its first run: a new input buffer is ignored, new contents of the same buffer are read', async () => {
    const files = await loadModelFromDirectory(join(FIXTURES, 'tiny-model'));
    const n = 16;
    const lat = n / files.manifest.latent.downsample;
    const C = files.manifest.latent.channels;
    const codeCount = C * lat ** 3;
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const buffer = (floats: number) => device.createBuffer({ size: floats * 4, usage });
    const [a, b, out] = [buffer(codeCount), buffer(codeCount), buffer(n ** 3)];
    const codeA = new Float32Array(codeCount).map((_, i) => Math.sin(i));
    const codeB = new Float32Array(codeCount).map((_, i) => Math.cos(3 * i));
    const io = { inputs: ['code'], outputs: ['pressure'] };
    const plain = await createWebGpuSession(device, files.decoder, 'decoder', io);
    const captured = await createWebGpuSession(device, files.decoder, 'decoder', io, { graphCapture: true });
    const decode = async (session: typeof plain, input: GPUBuffer) => {
      await session.run({ code: gpuTensor(input, [1, C, lat, lat, lat]) }, { pressure: gpuTensor(out, [1, 1, n, n, n]) });
      return read(device, out, n ** 3);
    };
    try {
      upload(device, a, codeA);
      upload(device, b, codeB);
      const [pa, pb] = [await decode(plain, a), await decode(plain, b)];
      expect(maxDiff(pa, pb).abs).toBeGreaterThan(0.1);
      expect(maxDiff(await decode(captured, a), pa).abs).toBe(0);
      // Stale: the second run is given buffer b and decodes a again.
      expect(maxDiff(await decode(captured, b), pa).abs).toBe(0);
      // What the predictor does instead: copy into the buffer of the first run.
      upload(device, a, codeB);
      expect(maxDiff(await decode(captured, a), pb).abs).toBe(0);
    } finally {
      for (const x of [a, b, out]) x.destroy();
      await releaseSession(plain);
      await releaseSession(captured);
    }
  });
});

function latentSolver(model: string, graphCapture: boolean, warnings: string[] | null = null): Promise<{ solver: LiquidSolver; stage: LatentPressureStage }> {
  // Adaptive check on: kept and discarded predictions both occur, so the decoder decodes
  // predicted codes and used-pressure codes, and the LSTM reads both history buffers.
  return latentDamBreak16(device, owned, loadModelFromDirectory(join(FIXTURES, model)), {
    schedule: { interval: 3, correctionIterations: 2, adaptiveThreshold: 1 }, ort: { graphCapture },
  }, warnings);
}

/**
 * ORT 1.30's replay bug (README, "Graph capture"): onnxruntime-web drops its registration of a
 * caller's GPU buffer after every run while the captured binding keeps the handle of the first
 * run, so a replay throws this whenever the handle numbers do not come back the same, which
 * depends on what else the process allocated (not deterministic across runs and machines).
 */
const ORT_REPLAY_BUG = /Cannot set properties of undefined \(setting 'Symbol\(gpuBufferMetadata\)'\)/;

describe('the predictor with graph capture', () => {
  for (const model of ['tiny-model', 'tiny-coarse-model']) {
    // The experimental path is expected to hit ORT's replay bug in some runs: then the step must
    // fall back (a warning naming the bug, the liquid stepping on, finite), and the frames before
    // it must have matched; any other warning or difference fails.
    it.skipIf(!CAPTURE_WORKS)(`${model}, 16^3 dam break: the same modes, decisions, pressure and history as without capture, frame by frame (or ORT's replay bug, falling back)`, async () => {
      const plain = await latentSolver(model, false);
      const warnings: string[] = [];
      const captured = await latentSolver(model, true, warnings);
      plain.solver.collectMetrics = true;
      captured.solver.collectMetrics = true;
      const codes = plain.stage.predictor.manifest.window * plain.stage.predictor.codeCount;
      const rows: string[] = [];
      let predicted = 0;
      let replayBugAt = -1;
      for (let f = 0; f < 13; f++) {
        await plain.solver.step();
        await captured.solver.step();
        const [mp, mc] = [await plain.solver.readMetrics(), await captured.solver.readMetrics()];
        if (warnings.length > 0) {
          expect(warnings.join('\n'), `frame ${f}: the only warning allowed is ORT's replay bug`).toMatch(ORT_REPLAY_BUG);
          replayBugAt = f;
          break;
        }
        expect(mc.mode, `frame ${f}`).toBe(mp.mode);
        expect(mc.extra?.predictionDiscarded, `frame ${f}`).toBe(mp.extra?.predictionDiscarded);
        const d = maxDiff(await captured.solver.readField('pressure'), await plain.solver.readField('pressure'));
        const dh = maxDiff(await read(device, captured.stage.predictor.historyBuffer, codes), await read(device, plain.stage.predictor.historyBuffer, codes));
        rows.push(`${f} ${mp.mode}${mp.extra?.predictionDiscarded ? ' (discarded)' : ''} pressure ${d.abs.toExponential(2)}/${d.scale.toFixed(1)} history ${dh.abs.toExponential(2)}/${dh.scale.toFixed(2)}`);
        // Equal up to float32 rounding (ORT's captured graph need not pick the same shader
        // variants). Measured (SwiftShader, 2026-11-30): at most 5.4e-5 of the largest pressure
        // and 5.0e-5 of the largest code value; without the copies into fixed buffers (the
        // stale inputs this guards against) the first prediction is off by 15%.
        expect(d.abs, rows.join('\n')).toBeLessThanOrEqual(1e-4 * d.scale + 1e-3);
        expect(dh.abs, rows.join('\n')).toBeLessThanOrEqual(1e-4 * dh.scale + 1e-5);
        if (mp.mode === 'predict') predicted++;
      }
      console.info(`graph capture vs none, ${model}, dam-break 16^3 (max |diff| / max |plain|):\n  ${rows.join('\n  ')}`);
      if (replayBugAt >= 0) {
        // Expected failure of the experimental path (ORT_REPLAY_BUG): the liquid steps on, finite.
        console.warn(`graph capture, ${model}: ORT's replay bug at frame ${replayBugAt} (expected with onnxruntime-web 1.30): ${warnings[0]}`);
        for (let f = 0; f < 3; f++) {
          await captured.solver.step();
          const m = await captured.solver.readMetrics();
          expect(Number.isFinite(m.volume) && Number.isFinite(m.maxSpeed), `frame ${replayBugAt + 1 + f} after the replay bug`).toBe(true);
          expect(Math.abs(m.volumeDrift)).toBeLessThan(0.01);
        }
      } else {
        expect(predicted).toBe(5);
        expect(await captured.stage.predictor.readCounters()).toEqual(await plain.stage.predictor.readCounters());
      }
      // Release both now: with the first model's captured sessions still alive, the second
      // model's first replay sometimes threw inside ORT 1.30 (its registration of our buffers).
      for (const s of [plain.solver, captured.solver]) {
        s.destroy();
        owned.splice(owned.indexOf(s), 1);
      }
    }, 600_000);
  }

  it('a state-conditioned model is refused with the reason, and the solver keeps its classical solve', async () => {
    const solver = await LiquidSolver.create(device, presetScene('dam-break', 16));
    owned.push(solver);
    const warnings: string[] = [];
    const stage = await attachLatentPredictor(solver, loadModelFromDirectory(join(FIXTURES, 'tiny-state-model')), {
      ort: { graphCapture: true }, onWarning: (m) => warnings.push(m),
    });
    expect(stage).toBeNull();
    expect(warnings.join('\n')).toMatch(/graphCapture cannot run the state-conditioned model .*tiny-state-model.*use graphCapture: false or runtime: 'wgsl'/);
    expect(solver.pressureStage).toBe(solver.classicalStage);
    await solver.step();
  });

  it.skipIf(!CAPTURE_WORKS)('runNetwork is refused: captured sessions run only on the predictor\'s own buffers', async () => {
    const { stage } = await latentSolver('tiny-model', true);
    await expect(stage.predictor.runNetwork('decoder', {}, {})).rejects.toThrow(/runNetwork\(decoder\) is not available with graphCapture/);
  });

  it.runIf(!CAPTURE_WORKS)('onnxruntime-web 1.31: graph capture is refused with the reason, and the solver keeps its classical solve', async () => {
    const solver = await LiquidSolver.create(device, presetScene('dam-break', 16));
    owned.push(solver);
    const warnings: string[] = [];
    const stage = await attachLatentPredictor(solver, loadModelFromDirectory(join(FIXTURES, 'tiny-model')), {
      ort: { runtime: 'ort', graphCapture: true }, onWarning: (m) => warnings.push(m),
    });
    expect(stage).toBeNull();
    expect(warnings.join('\n')).toMatch(/graphCapture needs onnxruntime-web 1\.30 \(this is 1\.3[1-9]/);
    expect(solver.pressureStage).toBe(solver.classicalStage);
    await solver.step();
  });
});
