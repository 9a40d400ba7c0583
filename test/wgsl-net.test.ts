// The WGSL network runtime (src/latent/wgsl-*.ts): the ONNX reader, graph recognition, each
// kernel against its CPU reference on small odd shapes, and the whole networks of the two tiny
// test models (one with a half-resolution decoder), the state-conditioned one's state encoder and
// two-input LSTM, and both shipped models against their golden files (PyTorch) and against
// onnxruntime-web's WebGPU provider on the same device.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ConvLayer, type ConvNetPlan, convNetOutputDims, convNetScale, recogniseConvNet } from '../src/latent/wgsl/conv-net-plan';
import { type LstmPlan, recogniseLatentLstm } from '../src/latent/wgsl/lstm-plan';
import { ModelError, UnsupportedGraphError } from '../src/latent/model-manifest';
import { opCounts, parseOnnxModel } from '../src/latent/wgsl/onnx-model';
import { createWebGpuSession, gpuTensor, releaseSession } from '../src/latent/ort-session';
import { WgslConvNet } from '../src/latent/wgsl/wgsl-conv-net';
import { WgslLatentLstm } from '../src/latent/wgsl/wgsl-latent-lstm';
import { recogniseLatentModel } from '../src/latent/wgsl/wgsl-latent-runtime';
import { loadModelFromDirectory } from '../src/node/model-directory';
import { type Activation, referenceConv3d, referenceConvNet } from '../src/reference/reference-conv3d';
import { referenceLatentLstm } from '../src/reference/reference-latent-lstm';
import { readFloat32File } from './helpers/files';
import { maxDiff, read, rng, testGpu, upload } from './helpers/gpu';

const ROOT = join(__dirname, '..');
const MODELS = [
  { name: 'tiny test model', dir: join(__dirname, 'fixtures', 'tiny-model') },
  { name: 'models/latent-liquid', dir: join(ROOT, 'models', 'latent-liquid') },
  { name: 'models/latent-liquid-split', dir: join(ROOT, 'models', 'latent-liquid-split') },
  { name: 'tiny coarse-decoder test model', dir: join(__dirname, 'fixtures', 'tiny-coarse-model') },
];
/** The tiny model with a half-resolution decoder (latent.decoderDownsample 2). */
const COARSE = MODELS[3];
/** Whole networks vs PyTorch's golden outputs and vs ORT: max |diff| <= REL * max |reference| + ABS (the ORT golden test's bound). */
const REL = 1e-4;
const ABS = 1e-5;

let device: GPUDevice;
beforeAll(async () => {
  device = (await testGpu()).device;
});

function buffer(floats: number): GPUBuffer {
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  return device.createBuffer({ size: Math.max(16, Math.ceil(floats / 4) * 16), usage });
}

/** Runs a conv chain on the GPU for one input and reads the output. */
async function runConvNet(plan: ConvNetPlan, input: Activation): Promise<Activation> {
  const net = await WgslConvNet.create(device, plan, input.dims);
  const [s0, s1] = net.scratchFloats;
  const bufs = [buffer(input.data.length), buffer(net.outputFloats), buffer(s0), buffer(s1)];
  try {
    upload(device, bufs[0], input.data);
    const binding = net.bind(bufs[0], bufs[1], [bufs[2], bufs[3]]);
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    net.encode(pass, binding);
    pass.end();
    device.queue.submit([encoder.finish()]);
    const data = await read(device, bufs[1], net.outputFloats);
    const last = net.shapes[net.shapes.length - 1];
    return { data, channels: plan.layers[plan.layers.length - 1].cout, dims: last };
  } finally {
    for (const b of bufs) b.destroy();
    net.destroy();
  }
}

function randomLayer(r: () => number, spec: Omit<ConvLayer, 'weights' | 'bias'>): ConvLayer {
  const weights = Float32Array.from({ length: spec.cout * spec.cin * spec.kernel ** 3 }, () => r() * 2 - 1);
  const bias = Float32Array.from({ length: spec.cout }, () => r() - 0.5);
  return { ...spec, weights, bias };
}

function randomActivation(r: () => number, channels: number, dims: [number, number, number]): Activation {
  return { channels, dims, data: Float32Array.from({ length: channels * dims[0] * dims[1] * dims[2] }, () => r() * 2 - 1) };
}

function expectClose(got: Float32Array, want: Float32Array, what: string, rel = REL, abs = ABS): void {
  const d = maxDiff(got, want);
  expect(d.abs, `${what}: max |diff| ${d.abs} at ${d.at}, scale ${d.scale}`).toBeLessThanOrEqual(rel * d.scale + abs);
}

describe('the ONNX reader', () => {
  it('reads every graph of the three model sets: op counts equal the manifests, inputs and outputs as in docs/contracts.md', async () => {
    for (const m of MODELS) {
      const files = await loadModelFromDirectory(m.dir);
      const info = files.manifest.fileInfo as Record<string, { ops: Record<string, number> }>;
      for (const net of ['encoder', 'decoder', 'lstm'] as const) {
        const g = parseOnnxModel(files[net], `${m.name}/${net}.onnx`);
        expect(opCounts(g), `${m.name} ${net}`).toEqual(info[net].ops);
        expect(g.opset).toBe(17);
      }
      const enc = parseOnnxModel(files.encoder, 'encoder.onnx');
      expect(enc.inputs).toEqual([{ name: 'pressure', dims: [1, files.manifest.inputChannels.length, 'nz', 'ny', 'nx'] }]);
      expect(enc.outputs).toEqual([{ name: 'code', dims: [1, files.manifest.latent.channels, 'lz', 'ly', 'lx'] }]);
    }
  });

  it('reads hand-encoded protobuf: float_data and packed/unpacked int64 tensors, negative ints, Constant value_floats, external data refused', () => {
    // A minimal protobuf writer: fields as [number, wire type, value].
    type F = [number, 0, number | bigint] | [number, 2, Uint8Array | string | F[]] | [number, 5, number];
    const varint = (v: number | bigint) => {
      let x = BigInt.asUintN(64, BigInt(v));
      const out: number[] = [];
      do { let b = Number(x & 0x7fn); x >>= 7n; if (x) b |= 0x80; out.push(b); } while (x);
      return out;
    };
    const msg = (fields: F[]): Uint8Array => {
      const out: number[] = [];
      for (const [num, wire, value] of fields) {
        out.push(...varint(num * 8 + wire));
        if (wire === 0) out.push(...varint(value));
        else if (wire === 5) out.push(...new Uint8Array(Float32Array.of(value).buffer));
        else {
          const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value instanceof Uint8Array ? value : msg(value);
          out.push(...varint(bytes.length), ...bytes);
        }
      }
      return new Uint8Array(out);
    };
    const packedFloats = (xs: number[]) => new Uint8Array(Float32Array.from(xs).buffer);
    const packedInts = (xs: number[]) => new Uint8Array(xs.flatMap((x) => varint(x)));
    const model = msg([
      [1, 0, 8],
      [8, 2, [[1, 2, ''], [2, 0, 17]]],
      [7, 2, [
        [5, 2, [[1, 0, 2], [1, 0, 3], [2, 0, 1], [8, 2, 'w'], [4, 2, packedFloats([1, 2, 3, 4, 5, 6])]]],
        [5, 2, [[1, 0, 2], [2, 0, 7], [8, 2, 'shape'], [7, 0, -1], [7, 0, 6]]],
        [5, 2, [[1, 0, 3], [2, 0, 7], [8, 2, 'packed'], [7, 2, packedInts([-2, 0, 9007199254740991])]]],
        [5, 2, [[1, 0, 2], [2, 0, 1], [8, 2, 'unpacked'], [4, 5, 0.5], [4, 5, -0.25]]],
        [1, 2, [[1, 2, 'x'], [2, 2, 'y'], [3, 2, 'n0'], [4, 2, 'Concat'], [5, 2, [[1, 2, 'axis'], [20, 0, 2], [3, 0, -1]]]]],
        [1, 2, [[2, 2, 'c'], [3, 2, 'n1'], [4, 2, 'Constant'], [5, 2, [[1, 2, 'value_floats'], [20, 0, 6], [7, 2, packedFloats([0.5, 1.5])]]]]],
        [11, 2, [[1, 2, 'x'], [2, 2, [[1, 2, [[1, 0, 1], [2, 2, [[1, 2, [[1, 0, 4]]], [1, 2, [[2, 2, 'N']]]]]]]]]]],
        [12, 2, [[1, 2, 'y']]],
      ]],
    ]);
    const g = parseOnnxModel(model, 'hand.onnx');
    expect(g.opset).toBe(17);
    expect(g.constants.get('w')).toMatchObject({ dims: [2, 3], type: 'float32' });
    expect(Array.from(g.constants.get('w')!.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(g.constants.get('shape')!.data).toEqual([-1, 6]);
    expect(g.constants.get('packed')!.data).toEqual([-2, 0, 9007199254740991]);
    expect(Array.from(g.constants.get('unpacked')!.data)).toEqual([0.5, -0.25]);
    expect(Array.from(g.constants.get('c')!.data)).toEqual([0.5, 1.5]);
    expect(g.nodes[0].attributes.get('axis')).toEqual({ kind: 'int', value: -1 });
    expect(g.inputs).toEqual([{ name: 'x', dims: [4, 'N'] }]);
    const external = msg([[7, 2, [[5, 2, [[1, 0, 1], [2, 0, 1], [8, 2, 'big'], [14, 0, 1]]]]]]);
    expect(() => parseOnnxModel(external, 'ext.onnx')).toThrow(/ext\.onnx: tensor 'big' keeps its data in an external file/);
    const float16 = msg([[7, 2, [[5, 2, [[1, 0, 1], [2, 0, 10], [8, 2, 'half']]]]]]);
    expect(() => parseOnnxModel(float16, 'half.onnx')).toThrow(/half\.onnx: tensor 'half' has data type float16/);
  });

  it('refuses bytes that are not an ONNX model, naming the file', () => {
    expect(() => parseOnnxModel(new Uint8Array([0x0a, 0xff, 0xff]), 'broken.onnx')).toThrow(ModelError);
    expect(() => parseOnnxModel(new Uint8Array([0x0a, 0xff, 0xff]), 'broken.onnx')).toThrow(/broken\.onnx: not a readable ONNX model/);
    expect(() => parseOnnxModel(new TextEncoder().encode('{"json": true}'), 'x.onnx')).toThrow(/x\.onnx/);
  });
});

describe('graph recognition', () => {
  it('recognises the encoder and decoder layer sequences of the shipped model', async () => {
    const files = await loadModelFromDirectory(MODELS[1].dir);
    const enc = recogniseConvNet(parseOnnxModel(files.encoder, 'encoder.onnx'));
    expect(enc.layers.map((l) => `${l.cin}>${l.cout} k${l.kernel}s${l.stride}p${l.pad}${l.upsampleInput ? 'u' : ''}${l.leak === null ? '' : 'L'}`).join(' '))
      .toBe('2>8 k3s1p1L 8>16 k3s2p1L 16>16 k3s1p1L 16>32 k3s2p1L 32>32 k3s1p1L 32>32 k3s2p1L 32>32 k3s1p1L 32>16 k1s1p0');
    const dec = recogniseConvNet(parseOnnxModel(files.decoder, 'decoder.onnx'));
    expect(dec.layers.map((l) => `${l.cin}>${l.cout}${l.upsampleInput ? 'u' : ''}`).join(' '))
      .toBe('16>32 32>32 32>32u 32>32 32>16u 16>16 16>8u 8>8 8>1');
    expect(dec.layers.every((l, i) => (i === dec.layers.length - 1 ? l.leak === null : Math.abs((l.leak ?? 0) - 0.1) < 1e-7))).toBe(true);
  });

  it('accepts a coarse decoder (one Resize fewer) and reports its coarse output extent; a manifest that contradicts it is a ModelError', async () => {
    const files = await loadModelFromDirectory(COARSE.dir);
    expect(files.manifest.latent.decoderDownsample).toBe(2);
    const dec = recogniseConvNet(parseOnnxModel(files.decoder, 'decoder.onnx'));
    expect(dec.layers.map((l) => `${l.cin}>${l.cout}${l.upsampleInput ? 'u' : ''}`).join(' ')).toBe('8>8 8>8 8>8u 8>8 8>4u 4>4 4>1');
    expect(convNetScale(dec)).toEqual({ stride: 1, upsample: 4 });
    expect(convNetOutputDims(dec, [2, 2, 3])).toEqual([8, 8, 12]);
    const full = recogniseConvNet(parseOnnxModel((await loadModelFromDirectory(MODELS[0].dir)).decoder, 'decoder.onnx'));
    expect(convNetScale(full)).toEqual({ stride: 1, upsample: 8 });
    expect(convNetOutputDims(full, [2, 2, 3])).toEqual([16, 16, 24]);
    expect(convNetScale(recogniseConvNet(parseOnnxModel(files.encoder, 'encoder.onnx')))).toEqual({ stride: 8, upsample: 1 });
    expect(recogniseLatentModel(files).decoder.layers).toHaveLength(7);
    // The same coarse decoder under a manifest that says full resolution (absent = 1), or 4.
    for (const [latent, says] of [[{ channels: 8, downsample: 8 }, 1], [{ channels: 8, downsample: 8, decoderDownsample: 4 }, 4]] as const) {
      const wrong = { ...files, manifest: { ...files.manifest, latent } };
      expect(() => recogniseLatentModel(wrong)).toThrow(ModelError);
      expect(() => recogniseLatentModel(wrong)).not.toThrow(UnsupportedGraphError);
      expect(() => recogniseLatentModel(wrong)).toThrow(new RegExp(`decoder\\.onnx: upsamples the latent grid 4x, but the manifest wants the grid / latent\\.decoderDownsample ${says}, i\\.e\\. ${8 / says}x`));
    }
  });

  it('refuses graphs it does not know, naming the file and the node', async () => {
    const files = await loadModelFromDirectory(MODELS[0].dir);
    const g = parseOnnxModel(files.decoder, 'decoder.onnx');
    const resize = g.nodes.find((n) => n.opType === 'Resize')!;
    resize.attributes.set('mode', { kind: 'string', value: 'linear' });
    expect(() => recogniseConvNet(g)).toThrow(UnsupportedGraphError);
    expect(() => recogniseConvNet(g)).toThrow(/decoder\.onnx: Resize '.*' is not nearest-neighbour/);
    const e = parseOnnxModel(files.encoder, 'encoder.onnx');
    e.nodes[1].opType = 'Sigmoid';
    expect(() => recogniseConvNet(e)).toThrow(/encoder\.onnx: op Sigmoid \('.*'\) is not supported by the WGSL runtime/);
    const lstm = parseOnnxModel(files.lstm, 'lstm.onnx');
    expect(() => recogniseConvNet(lstm)).toThrow(/lstm\.onnx: op Transpose/);
  });
});

describe('the conv3d kernel against its CPU reference (small odd shapes)', () => {
  const cases: { name: string; dims: [number, number, number]; layer: Omit<ConvLayer, 'weights' | 'bias'> }[] = [
    { name: '3 -> 5, 3^3 stride 1, LeakyReLU', dims: [5, 7, 3], layer: { cin: 3, cout: 5, kernel: 3, stride: 1, pad: 1, leak: 0.1, upsampleInput: false } },
    { name: '2 -> 6, 3^3 stride 2, odd extents', dims: [7, 5, 6], layer: { cin: 2, cout: 6, kernel: 3, stride: 2, pad: 1, leak: 0.1, upsampleInput: false } },
    { name: '5 -> 3, 1^3, linear', dims: [3, 4, 5], layer: { cin: 5, cout: 3, kernel: 1, stride: 1, pad: 0, leak: null, upsampleInput: false } },
    { name: '3 -> 7, nearest x2 upsampled input, ReLU', dims: [3, 2, 5], layer: { cin: 3, cout: 7, kernel: 3, stride: 1, pad: 1, leak: 0, upsampleInput: true } },
    { name: '4 -> 1, 3^3 stride 2 without padding', dims: [9, 6, 5], layer: { cin: 4, cout: 1, kernel: 3, stride: 2, pad: 0, leak: 0.2, upsampleInput: false } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = rng(c.name.length * 7919);
      const layer = randomLayer(r, c.layer);
      const input = randomActivation(r, layer.cin, c.dims);
      const plan: ConvNetPlan = { file: 'test', layers: [layer], inputName: 'x', outputName: 'y' };
      const got = await runConvNet(plan, input);
      const want = referenceConv3d(input, layer);
      expect(got.dims).toEqual(want.dims);
      expectClose(got.data, want.data, c.name, 1e-5, 1e-6);
    });
  }

  it('a chain with stride, upsampling and ping-pong scratch buffers', async () => {
    const r = rng(42);
    const layers = [
      randomLayer(r, { cin: 2, cout: 5, kernel: 3, stride: 1, pad: 1, leak: 0.1, upsampleInput: false }),
      randomLayer(r, { cin: 5, cout: 6, kernel: 3, stride: 2, pad: 1, leak: 0.1, upsampleInput: false }),
      randomLayer(r, { cin: 6, cout: 3, kernel: 1, stride: 1, pad: 0, leak: null, upsampleInput: false }),
      randomLayer(r, { cin: 3, cout: 9, kernel: 3, stride: 1, pad: 1, leak: 0.1, upsampleInput: true }),
      randomLayer(r, { cin: 9, cout: 2, kernel: 3, stride: 1, pad: 1, leak: null, upsampleInput: true }),
    ];
    const plan: ConvNetPlan = { file: 'chain', layers, inputName: 'x', outputName: 'y' };
    const input = randomActivation(r, 2, [6, 5, 3]);
    const got = await runConvNet(plan, input);
    const want = referenceConvNet(plan, input);
    expect(got.dims).toEqual([12, 12, 8]);
    expectClose(got.data, want.data, 'chain', 1e-5, 1e-6);
  });
});

interface GoldenCase { net: 'encoder' | 'decoder' | 'lstm'; name: string; inputs: Record<string, { file: string; dims: number[] }>; outputs: Record<string, { file: string; dims: number[] }> }

function goldenCases(dir: string): GoldenCase[] {
  return JSON.parse(readFileSync(join(dir, 'golden', 'golden.json'), 'utf8')).cases;
}

function goldenTensor(dir: string, t: { file: string; dims: number[] }): Float32Array {
  return readFloat32File(join(dir, 'golden', t.file));
}

/** Runs one network through ORT's WebGPU provider on `device`. */
async function runOrt(bytes: Uint8Array, net: string, io: { input: string; output: string }, x: Float32Array, inDims: number[], outDims: number[]): Promise<Float32Array> {
  const session = await createWebGpuSession(device, bytes, net, { inputs: [io.input], outputs: [io.output] });
  const outCount = outDims.reduce((a, b) => a * b, 1);
  const inBuf = buffer(x.length);
  const outBuf = buffer(outCount);
  try {
    upload(device, inBuf, x);
    await session.run({ [io.input]: gpuTensor(inBuf, inDims) }, { [io.output]: gpuTensor(outBuf, outDims) });
    return await read(device, outBuf, outCount);
  } finally {
    inBuf.destroy();
    outBuf.destroy();
    await releaseSession(session);
  }
}

describe('whole encoder and decoder networks', () => {
  for (const m of MODELS) {
    it(`${m.name}: WGSL matches the golden outputs (PyTorch) and onnxruntime-web on the same device`, async () => {
      const files = await loadModelFromDirectory(m.dir);
      let checked = 0;
      for (const c of goldenCases(m.dir)) {
        if (c.net === 'lstm') continue;
        const [[inName, inT]] = Object.entries(c.inputs);
        const [[outName, outT]] = Object.entries(c.outputs);
        const plan = recogniseConvNet(parseOnnxModel(files[c.net], `${c.net}.onnx`));
        const [, channels, nz, ny, nx] = inT.dims;
        const x = goldenTensor(m.dir, inT);
        const want = goldenTensor(m.dir, outT);
        const got = await runConvNet(plan, { data: x, channels, dims: [nx, ny, nz] });
        expect(got.dims).toEqual([outT.dims[4], outT.dims[3], outT.dims[2]]);
        expectClose(got.data, want, `${m.name} ${c.name} vs golden`);
        const ort = await runOrt(files[c.net], c.net, { input: inName, output: outName }, x, inT.dims, outT.dims);
        expectClose(got.data, ort, `${m.name} ${c.name} vs ORT`);
        checked++;
      }
      expect(checked).toBe(4);
    });
  }

  it('the CPU reference of the tiny models\' networks matches the golden outputs (the recognised plan is the exported network)', async () => {
    for (const { dir } of [MODELS[0], COARSE]) {
      const files = await loadModelFromDirectory(dir);
      for (const c of goldenCases(dir)) {
        if (c.net === 'lstm') continue;
        const plan = recogniseConvNet(parseOnnxModel(files[c.net], `${c.net}.onnx`));
        const [inT] = Object.values(c.inputs);
        const [outT] = Object.values(c.outputs);
        const [, channels, nz, ny, nx] = inT.dims;
        const got = referenceConvNet(plan, { data: goldenTensor(dir, inT), channels, dims: [nx, ny, nz] });
        expectClose(got.data, goldenTensor(dir, outT), `${dir} ${c.name} CPU reference vs golden`);
      }
    }
  });
});

function randomLstmPlan(r: () => number, s: { window: number; channels: number; outputs: number; hidden: number; features: number; layers: number; context: boolean; state?: boolean }): LstmPlan {
  const u = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
  const C = s.channels, H = s.hidden;
  return {
    file: 'random', window: s.window, channels: C, outputs: s.outputs, hidden: H, features: s.features,
    mean: u(C), std: Float32Array.from({ length: C }, () => 0.5 + r()), deltaScale: Float32Array.from({ length: C }, () => 0.2 + r()),
    inpW: u(2 * C * s.features, 0.5), inpB: u(s.features, 0.2), ctxW: s.context ? u(2 * C * s.features, 0.5) : null,
    layers: Array.from({ length: s.layers }, (_, l) => ({ inputSize: l === 0 ? s.features : H, w: u(4 * H * (l === 0 ? s.features : H), 0.4), r: u(4 * H * H, 0.4), b: u(8 * H, 0.3) })),
    headW: u(s.outputs * C * H, 0.3), headB: u(s.outputs * C, 0.1), baseSteps: Float32Array.from({ length: s.outputs }, (_, k) => k + 1),
    stateInput: s.state ?? false,
  };
}

/** Runs the WGSL LSTM on one history (and state, for a state-conditioned plan) and reads the prediction. */
async function runLstm(plan: LstmPlan, history: Float32Array, cells: number, state?: Float32Array): Promise<Float32Array> {
  const net = await WgslLatentLstm.create(device, plan, cells);
  const h = buffer(history.length);
  const p = buffer(net.predictionFloats);
  const s = state ? buffer(state.length) : null;
  try {
    upload(device, h, history);
    if (s) upload(device, s, state!);
    const binding = net.bind(h, p, s ?? undefined);
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    net.encode(pass, binding);
    pass.end();
    device.queue.submit([encoder.finish()]);
    return await read(device, p, net.predictionFloats);
  } finally {
    h.destroy();
    p.destroy();
    s?.destroy();
    net.destroy();
  }
}

describe('the LSTM kernels against their CPU reference', () => {
  const cases = [
    { name: '2 layers, context, odd widths (C 3, H 12, features 10, o 2, w 4), 7 cells', cells: 7, spec: { window: 4, channels: 3, outputs: 2, hidden: 12, features: 10, layers: 2, context: true } },
    { name: 'hidden 70 and 2C 80 (threads loop over units), 3 layers, 1 cell', cells: 1, spec: { window: 3, channels: 40, outputs: 1, hidden: 70, features: 70, layers: 3, context: true } },
    { name: 'no context, 1 layer, 129 cells', cells: 129, spec: { window: 6, channels: 5, outputs: 3, hidden: 9, features: 9, layers: 1, context: false } },
    { name: 'a state input (C 6, H 11, o 1), 2 layers, context, 13 cells', cells: 13, spec: { window: 5, channels: 6, outputs: 1, hidden: 11, features: 7, layers: 2, context: true, state: true } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = rng(c.cells * 31 + c.spec.hidden);
      const plan = randomLstmPlan(r, c.spec);
      const history = Float32Array.from({ length: c.spec.window * c.spec.channels * c.cells }, () => r() * 4 - 2);
      const state = plan.stateInput ? Float32Array.from({ length: c.spec.channels * c.cells }, () => r() * 2 - 1) : undefined;
      const got = await runLstm(plan, history, c.cells, state);
      const want = referenceLatentLstm(plan, history, c.cells, state);
      expectClose(got, Float32Array.from(want), c.name, 1e-5, 1e-5);
      if (state) {
        // The state moves the prediction by state * deltaScale * std: far more than the bound.
        const without = referenceLatentLstm(plan, history, c.cells, new Float32Array(state.length));
        expect(maxDiff(without, want).abs).toBeGreaterThan(0.1);
        expect(() => referenceLatentLstm(plan, history, c.cells)).toThrow(/needs a state/);
      }
    });
  }
});

describe('the whole LSTM', () => {
  it('is recognised in all four model sets; a graph computing something else is refused', async () => {
    const shapes: string[] = [];
    for (const m of MODELS) {
      const files = await loadModelFromDirectory(m.dir);
      const mf = files.manifest;
      const plan = recogniseLatentLstm(parseOnnxModel(files.lstm, 'lstm.onnx'), { window: mf.window, channels: mf.latent.channels, outputs: mf.outputs });
      shapes.push(`${plan.layers.length}x${plan.hidden} f${plan.features} c${plan.channels} ctx ${plan.ctxW !== null} steps ${Array.from(plan.baseSteps)}`);
    }
    expect(shapes).toEqual(['1x16 f16 c8 ctx true steps 1', '2x64 f64 c16 ctx true steps 1', '2x64 f64 c16 ctx true steps 1', '1x16 f16 c8 ctx true steps 1']);
    const files = await loadModelFromDirectory(MODELS[0].dir);
    const expected = { window: 6, channels: 8, outputs: 1 };
    const g = parseOnnxModel(files.lstm, 'lstm.onnx');
    const mean = g.nodes.find((n) => n.opType === 'ReduceMean')!;
    mean.attributes.set('axes', { kind: 'ints', value: [0] });
    expect(() => recogniseLatentLstm(g, expected)).toThrow(/lstm\.onnx: the recognised LSTM does not reproduce the graph/);
    const g2 = parseOnnxModel(files.lstm, 'lstm.onnx');
    g2.nodes.find((n) => n.opType === 'Tanh')!.opType = 'Sigmoid';
    expect(() => recogniseLatentLstm(g2, expected)).toThrow(UnsupportedGraphError);
    expect(() => recogniseLatentLstm(g2, expected)).toThrow(/lstm\.onnx: no LSTM reads a Tanh/);
  });

  for (const m of MODELS) {
    it(`${m.name}: WGSL matches the golden outputs (PyTorch) and onnxruntime-web on the same device`, async () => {
      const files = await loadModelFromDirectory(m.dir);
      const mf = files.manifest;
      const plan = recogniseLatentLstm(parseOnnxModel(files.lstm, 'lstm.onnx'), { window: mf.window, channels: mf.latent.channels, outputs: mf.outputs });
      let checked = 0;
      for (const c of goldenCases(m.dir)) {
        if (c.net !== 'lstm') continue;
        const inT = c.inputs.history;
        const outT = c.outputs.prediction;
        const x = goldenTensor(m.dir, inT);
        const want = goldenTensor(m.dir, outT);
        const got = await runLstm(plan, x, inT.dims[2]);
        expectClose(got, want, `${m.name} ${c.name} vs golden`);
        const ort = await runOrt(files.lstm, 'lstm', { input: 'history', output: 'prediction' }, x, inT.dims, outT.dims);
        expectClose(got, ort, `${m.name} ${c.name} vs ORT`);
        checked++;
      }
      expect(checked).toBe(2);
    });
  }
});

describe('the state-conditioned test model (test/fixtures/tiny-state-model)', () => {
  const dir = join(__dirname, 'fixtures', 'tiny-state-model');

  it('state encoder: WGSL and the CPU reference of the recognised plan match the golden outputs (PyTorch), WGSL matches onnxruntime-web', async () => {
    const files = await loadModelFromDirectory(dir);
    const plan = recogniseConvNet(parseOnnxModel(files.stateEncoder!, 'state-encoder.onnx'));
    expect(plan.layers[0].cin).toBe(files.manifest.state!.inputChannels.length);
    expect(plan.layers[plan.layers.length - 1].cout).toBe(files.manifest.latent.channels);
    let checked = 0;
    for (const c of goldenCases(dir)) {
      if ((c.net as string) !== 'stateEncoder') continue;
      const inT = c.inputs.state;
      const outT = c.outputs.stateCode;
      const [, channels, nz, ny, nx] = inT.dims;
      const x = goldenTensor(dir, inT);
      const want = goldenTensor(dir, outT);
      const got = await runConvNet(plan, { data: x, channels, dims: [nx, ny, nz] });
      expect(got.dims).toEqual([outT.dims[4], outT.dims[3], outT.dims[2]]);
      expectClose(got.data, want, `${c.name} vs golden`);
      expectClose(referenceConvNet(plan, { data: x, channels, dims: [nx, ny, nz] }).data, want, `${c.name} CPU reference vs golden`);
      expectClose(got.data, await runOrt(files.stateEncoder!, 'state-encoder', { input: 'state', output: 'stateCode' }, x, inT.dims, outT.dims), `${c.name} vs ORT`);
      checked++;
    }
    expect(checked).toBe(2);
  });

  it('the LSTM with a state input: recognised (stateInput), WGSL and the CPU reference match the golden outputs and onnxruntime-web; a zero state does not', async () => {
    const files = await loadModelFromDirectory(dir);
    const mf = files.manifest;
    const plan = recogniseLatentLstm(parseOnnxModel(files.lstm, 'lstm.onnx'), { window: mf.window, channels: mf.latent.channels, outputs: mf.outputs, state: true });
    expect(plan.stateInput).toBe(true);
    // A state that does not enter as Transpose(state, [1, 0]) added to the head is not recognised.
    const g = parseOnnxModel(files.lstm, 'lstm.onnx');
    g.nodes.find((n) => n.opType === 'Transpose' && n.inputs[0] === 'state')!.attributes.set('perm', { kind: 'ints', value: [0, 1] });
    expect(() => recogniseLatentLstm(g, { window: mf.window, channels: mf.latent.channels, outputs: mf.outputs, state: true }))
      .toThrow(/lstm\.onnx: two inputs \('history', 'state'\), but none is a state added as Transpose\(state, perm \[1, 0\]\) to the head's Gemm output/);
    const session = await createWebGpuSession(device, files.lstm, 'lstm', { inputs: ['history', 'state'], outputs: ['prediction'] });
    let checked = 0;
    try {
      for (const c of goldenCases(dir)) {
        if (c.net !== 'lstm') continue;
        const cells = c.inputs.history.dims[2];
        const history = goldenTensor(dir, c.inputs.history);
        const state = goldenTensor(dir, c.inputs.state);
        const want = goldenTensor(dir, c.outputs.prediction);
        const got = await runLstm(plan, history, cells, state);
        expectClose(got, want, `${c.name} vs golden`);
        expectClose(Float32Array.from(referenceLatentLstm(plan, history, cells, state)), want, `${c.name} CPU reference vs golden`);
        const bufs = [buffer(history.length), buffer(state.length), buffer(want.length)];
        try {
          upload(device, bufs[0], history);
          upload(device, bufs[1], state);
          await session.run({ history: gpuTensor(bufs[0], c.inputs.history.dims), state: gpuTensor(bufs[1], c.inputs.state.dims) },
            { prediction: gpuTensor(bufs[2], c.outputs.prediction.dims) });
          expectClose(got, await read(device, bufs[2], want.length), `${c.name} vs ORT`);
        } finally {
          for (const b of bufs) b.destroy();
        }
        // The state matters: without it the prediction is off by far more than the bound.
        const zero = await runLstm(plan, history, cells, new Float32Array(state.length));
        const d = maxDiff(zero, want);
        expect(d.abs, `${c.name}: zero state`).toBeGreaterThan(20 * (REL * d.scale + ABS));
        checked++;
      }
    } finally {
      await releaseSession(session);
    }
    expect(checked).toBe(2);
  });
});
