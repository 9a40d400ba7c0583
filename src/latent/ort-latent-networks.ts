import type { Vec3 } from '../scene/scene-description';
import type { LatentNetwork, LatentNetworkBuffers, LatentNetworks, NetworkStep } from './latent-networks';
import { type ModelFiles, type ModelManifest, stateEncoderBytes } from './model-manifest';
import { ortTakesDevicePerSession } from './ort-device-lending';
import { createWebGpuSession, gpuTensor, ORT_VERSION, releaseSession, type ort, type OrtOptions } from './ort-session';
import { checkModelForOrt } from './wgsl/wgsl-latent-runtime';

/** The extents of the networks' tensors: the grid, the latent grid and the decoder's output. */
export interface LatentExtents {
  grid: Vec3;
  latentGrid: Vec3;
  decodedGrid: Vec3;
}

interface Sessions {
  encoder: ort.InferenceSession;
  lstm: ort.InferenceSession;
  decoder: ort.InferenceSession;
  /** Only for a state-conditioned model. */
  stateEncoder: ort.InferenceSession | null;
}

/**
 * The networks as onnxruntime-web sessions on the simulation's device (its WebGPU provider),
 * reading and writing the predictor's buffers as GPU tensors. Each run is submitted by ORT
 * on its own and awaited, so the step's work before it is flushed first. With graph capture,
 * each session always runs on the same buffers (`captured`): the LSTM's history and the
 * decoder's input are copied in before their runs.
 */
export class OrtLatentNetworks implements LatentNetworks {
  readonly kind = 'ort' as const;
  readonly gpuBytes = null;
  private readonly tensors: {
    encoderInput: ort.Tensor; code: ort.Tensor; history: [ort.Tensor, ort.Tensor]; prediction: ort.Tensor;
    /** The decoder's inputs: this step's code and the predicted code (both `captured.decoderInput` under graph capture). */
    decodeCode: ort.Tensor; predictedCode: ort.Tensor; decoded: ort.Tensor;
    /** Over stateInput [1, Cs, nz, ny, nx], stateCode [1, C, lz, ly, lx] and stateCode as the LSTM's [C, N] (state models), else null. */
    state: { input: ort.Tensor; code: ort.Tensor; lstm: ort.Tensor } | null;
  };
  private released = false;

  private constructor(private readonly device: GPUDevice, private readonly sessions: Sessions, private readonly buffers: LatentNetworkBuffers,
    m: ModelManifest, extents: LatentExtents) {
    const [nx, ny, nz] = extents.grid;
    const [lx, ly, lz] = extents.latentGrid;
    const [cx, cy, cz] = extents.decodedGrid;
    const C = m.latent.channels;
    const N = lx * ly * lz;
    const b = buffers;
    const cap = b.captured;
    const capturedHistory = cap && gpuTensor(cap.lstmHistory, [m.window, C, N]);
    this.tensors = {
      encoderInput: gpuTensor(b.encoderInput, [1, m.inputChannels.length, nz, ny, nx]),
      code: gpuTensor(b.code, [1, C, lz, ly, lx]),
      history: capturedHistory ? [capturedHistory, capturedHistory]
        : [gpuTensor(b.history[0], [m.window, C, N]), gpuTensor(b.history[1], [m.window, C, N])],
      prediction: gpuTensor(b.prediction, [m.outputs, C, N]),
      decodeCode: gpuTensor(cap ? cap.decoderInput : b.code, [1, C, lz, ly, lx]),
      predictedCode: gpuTensor(cap ? cap.decoderInput : b.prediction, [1, C, lz, ly, lx]),
      decoded: gpuTensor(b.decoderOutput, [1, 1, cz, cy, cx]),
      state: m.state && b.stateInput && b.stateCode ? {
        input: gpuTensor(b.stateInput, [1, m.state.inputChannels.length, nz, ny, nx]),
        code: gpuTensor(b.stateCode, [1, C, lz, ly, lx]),
        lstm: gpuTensor(b.stateCode, [C, N]),
      } : null,
    };
  }

  /**
   * Creates the sessions (one at a time: ORT's WebGPU provider creates one at a time) on `device`.
   * @throws Error for graph capture with a state-conditioned model
   * @throws ModelError if a network fails to load, does not have the contract's inputs/outputs,
   *   or (when the WGSL plans recognise it) contradicts the manifest
   */
  static async create(device: GPUDevice, files: ModelFiles, buffers: LatentNetworkBuffers, extents: LatentExtents, options: OrtOptions): Promise<OrtLatentNetworks> {
    const m = files.manifest;
    if (options.graphCapture && m.state) {
      throw new Error(`graphCapture cannot run the state-conditioned model ${files.source}: with its four sessions onnxruntime-web `
        + '1.30 loses the buffers a captured session was bound to (README, "Graph capture"); use graphCapture: false or runtime: \'wgsl\'');
    }
    if (options.graphCapture && !ortTakesDevicePerSession(ORT_VERSION)) {
      // Measured on 1.31.1 (test/latent-graph-capture.test.ts): a captured session on the lent
      // device replays buffers that are not the predictor's, so its predictions would be wrong.
      throw new Error(`graphCapture needs onnxruntime-web 1.30 (this is ${ORT_VERSION}): from 1.31 a captured session `
        + 'replays other buffers than the predictor\'s; use graphCapture: false or runtime: \'wgsl\'');
    }
    checkModelForOrt(files);
    const stateEncoder = stateEncoderBytes(files);
    const sessions: ort.InferenceSession[] = [];
    try {
      sessions.push(await createWebGpuSession(device, files.encoder, 'encoder', { inputs: ['pressure'], outputs: ['code'] }, options));
      const lstmInputs = m.state ? ['history', 'state'] : ['history'];
      sessions.push(await createWebGpuSession(device, files.lstm, 'lstm', { inputs: lstmInputs, outputs: ['prediction'] }, options));
      sessions.push(await createWebGpuSession(device, files.decoder, 'decoder', { inputs: ['code'], outputs: ['pressure'] }, options));
      if (stateEncoder) sessions.push(await createWebGpuSession(device, stateEncoder, 'state-encoder', { inputs: ['state'], outputs: ['stateCode'] }, options));
      return new OrtLatentNetworks(device, { encoder: sessions[0], lstm: sessions[1], decoder: sessions[2], stateEncoder: sessions[3] ?? null }, buffers, m, extents);
    } catch (e) {
      await Promise.all(sessions.map((s) => releaseSession(s)));
      throw e;
    }
  }

  async encode(step: NetworkStep, spanName: string, decode: boolean): Promise<GPUCommandEncoder> {
    const t = this.tensors;
    step.flush();
    const span = step.timer?.beginSpan(spanName) ?? -1;
    await this.sessions.encoder.run({ pressure: t.encoderInput }, { code: t.code });
    if (decode) {
      this.copyToDecoderInput(this.buffers.code);
      await this.sessions.decoder.run({ code: t.decodeCode }, { pressure: t.decoded });
    }
    step.timer?.endSpan(span);
    const next = step.flush();
    if (decode) this.recordUpsample(next, step, spanName);
    return next;
  }

  async predict(step: NetworkStep, history: number, recordStateInput: ((pass: GPUComputePassEncoder) => void) | null): Promise<GPUCommandEncoder> {
    const { timer } = step;
    const t = this.tensors;
    const current = step.encoder;
    if (recordStateInput) {
      // Recorded with the step's work so far (after the pressure system it reads).
      const statePass = current.beginComputePass(timer?.computePass('state') ?? { label: 'stateInput' });
      recordStateInput(statePass);
      statePass.end();
    }
    const cap = this.buffers.captured;
    if (cap) current.copyBufferToBuffer(this.buffers.history[history], 0, cap.lstmHistory, 0, cap.lstmHistory.size);
    step.flush();
    let span: number;
    if (recordStateInput && t.state) {
      span = timer?.beginSpan('state') ?? -1;
      await this.sessions.stateEncoder!.run({ state: t.state.input }, { stateCode: t.state.code });
      timer?.endSpan(span);
    }
    span = timer?.beginSpan('lstm') ?? -1;
    const h = t.history[history];
    await this.sessions.lstm.run(t.state ? { history: h, state: t.state.lstm } : { history: h }, { prediction: t.prediction });
    timer?.endSpan(span);
    span = timer?.beginSpan('decode') ?? -1;
    this.copyToDecoderInput(this.buffers.prediction);
    await this.sessions.decoder.run({ code: t.predictedCode }, { pressure: t.decoded });
    timer?.endSpan(span);
    const encoder = step.flush();
    this.recordUpsample(encoder, step, 'decode');
    return encoder;
  }

  async runNetwork(net: LatentNetwork, feeds: Record<string, ort.Tensor>, fetches: Record<string, ort.Tensor>): Promise<void> {
    if (this.buffers.captured) throw new Error(`runNetwork(${net}) is not available with graphCapture: captured sessions replay the predictor's own buffers`);
    await this.sessions[net]!.run(feeds, fetches);
  }

  destroy(): void {
    if (this.released) return;
    this.released = true;
    for (const s of Object.values(this.sessions)) if (s) void releaseSession(s).catch(() => undefined);
  }

  /**
   * Graph capture: copies the code in `from` (its first C*N values) into the decoder's fixed
   * input, in its own submission between two ORT runs (queue order keeps it after the run that
   * wrote `from` and before the decoder's). Nothing without graph capture.
   */
  private copyToDecoderInput(from: GPUBuffer): void {
    const target = this.buffers.captured?.decoderInput;
    if (!target) return;
    const encoder = this.device.createCommandEncoder({ label: 'latent.copyToCaptured' });
    encoder.copyBufferToBuffer(from, 0, target, 0, target.size);
    this.device.queue.submit([encoder.finish()]);
  }

  /**
   * A coarse decoder's output to the grid: the decoder ran in ORT's own submission, so this opens
   * the encoder that follows it, timed under the decoder's span name (its cost is part of decoding).
   */
  private recordUpsample(encoder: GPUCommandEncoder, step: NetworkStep, spanName: string): void {
    if (!step.upsample) return;
    const pass = encoder.beginComputePass(step.timer?.computePass(spanName) ?? { label: 'upsampleDecoded' });
    step.upsample(pass);
    pass.end();
  }
}
