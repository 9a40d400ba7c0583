import type { Vec3 } from '../../scene/scene-description';
import type { LatentNetwork, LatentNetworkBuffers, LatentNetworks, NetworkMultiplyAdds, NetworkStep } from '../latent-networks';
import type { ModelFiles } from '../model-manifest';
import type { ort } from '../ort-session';
import type { ConvNetBinding } from './wgsl-conv-net';
import type { LstmBinding } from './wgsl-latent-lstm';
import { WgslLatentRuntime } from './wgsl-latent-runtime';
import { GatedDispatchArgs } from '../../gpu/gated-dispatch-args';

/**
 * The networks as our own WGSL kernels (WgslLatentRuntime), bound once to the predictor's
 * buffers. Everything is recorded into the step's command encoder: no flush, no await, no
 * readback.
 */
export class WgslLatentNetworks implements LatentNetworks {
  readonly kind = 'wgsl' as const;
  private readonly bound: {
    encoder: ConvNetBinding; decodeCode: ConvNetBinding; decodePrediction: ConvNetBinding;
    /** The LSTM on history buffer 0 or 1 (and on `stateCode` for a state-conditioned model). */
    lstm: [LstmBinding, LstmBinding];
    /** stateInput -> stateCode (state-conditioned model), else null. */
    stateEncoder: ConvNetBinding | null;
  };

  /** The encoder's then the decoder's dispatches, gated on the fallback's arguments (recordGatedEncode). */
  private readonly gated: GatedDispatchArgs;

  private constructor(private readonly device: GPUDevice, private readonly runtime: WgslLatentRuntime, b: LatentNetworkBuffers, gated: GatedDispatchArgs) {
    this.gated = gated;
    const w = runtime;
    const stateCode = b.stateCode ?? undefined;
    this.bound = {
      encoder: w.bindEncoder(b.encoderInput, b.code),
      decodeCode: w.bindDecoder(b.code, b.decoderOutput),
      decodePrediction: w.bindDecoder(b.prediction, b.decoderOutput),
      lstm: [w.bindLstm(b.history[0], b.prediction, stateCode), w.bindLstm(b.history[1], b.prediction, stateCode)],
      stateEncoder: b.stateInput && b.stateCode ? w.bindStateEncoder(b.stateInput, b.stateCode) : null,
    };
  }

  /**
   * Recognises the model's graphs, builds their kernels for the grid and binds them.
   * @throws UnsupportedGraphError when a graph is not one the WGSL runtime knows or the shapes do not fit
   */
  static async create(device: GPUDevice, files: ModelFiles, grid: Vec3, latentGrid: Vec3, buffers: LatentNetworkBuffers): Promise<WgslLatentNetworks> {
    const runtime = await WgslLatentRuntime.create(device, files, grid, latentGrid);
    let gated: GatedDispatchArgs | null = null;
    try {
      gated = await GatedDispatchArgs.create(device, [...runtime.encoder.workgroupCounts, ...runtime.decoder.workgroupCounts], buffers.fallbackArgs, 'latent.wgsl.gatedEncode');
      return new WgslLatentNetworks(device, runtime, buffers, gated);
    } catch (e) {
      gated?.destroy();
      runtime.destroy();
      throw e;
    }
  }

  async encode(step: NetworkStep, spanName: string, decode: boolean): Promise<GPUCommandEncoder> {
    const pass = step.encoder.beginComputePass(step.timer?.computePass(spanName) ?? { label: spanName });
    this.runtime.encoder.encode(pass, this.bound.encoder);
    if (decode) {
      this.runtime.decoder.encode(pass, this.bound.decodeCode);
      step.upsample?.(pass);
    }
    pass.end();
    return step.encoder;
  }

  recordGatedEncode(pass: GPUComputePassEncoder, decode: boolean): void {
    this.gated.arm(pass);
    this.runtime.encoder.encode(pass, this.bound.encoder, { args: this.gated, first: 0 });
    if (decode) this.runtime.decoder.encode(pass, this.bound.decodeCode, { args: this.gated, first: this.runtime.encoder.plan.layers.length });
  }

  async predict(step: NetworkStep, history: number, recordStateInput: ((pass: GPUComputePassEncoder) => void) | null): Promise<GPUCommandEncoder> {
    const { encoder, timer } = step;
    const w = this.runtime;
    if (recordStateInput) {
      const statePass = encoder.beginComputePass(timer?.computePass('state') ?? { label: 'state' });
      recordStateInput(statePass);
      w.stateEncoder!.encode(statePass, this.bound.stateEncoder!);
      statePass.end();
    }
    const lstmPass = encoder.beginComputePass(timer?.computePass('lstm') ?? { label: 'lstm' });
    w.lstm.encode(lstmPass, this.bound.lstm[history]);
    lstmPass.end();
    const decodePass = encoder.beginComputePass(timer?.computePass('decode') ?? { label: 'decode' });
    w.decoder.encode(decodePass, this.bound.decodePrediction);
    step.upsample?.(decodePass);
    decodePass.end();
    return encoder;
  }

  /**
   * One network on caller-provided GPU tensors of this grid's shapes (the decoder's output:
   * the decoder's extent, coarse for a coarse decoder, not upsampled here); submitted and awaited.
   */
  async runNetwork(net: LatentNetwork, feeds: Record<string, ort.Tensor>, fetches: Record<string, ort.Tensor>): Promise<void> {
    const w = this.runtime;
    const stateful = net === 'lstm' && w.lstm.plan.stateInput;
    const names = net === 'lstm' ? (stateful ? ['history', 'state'] : ['history']) : [Object.keys(feeds)[0]];
    if (Object.keys(feeds).length !== names.length || names.some((n) => !feeds[n])) {
      throw new Error(`runNetwork(${net}) takes the inputs ${names.join(', ')}; got ${Object.keys(feeds).join(', ')}`);
    }
    const input = feeds[names[0]];
    const [output] = Object.values(fetches);
    const conv = net === 'encoder' ? w.encoder : net === 'decoder' ? w.decoder : net === 'stateEncoder' ? w.stateEncoder! : null;
    const want = conv ? [conv.inputFloats, conv.outputFloats] : [w.lstm.historyFloats, w.lstm.predictionFloats];
    if (input.size !== want[0] || output.size !== want[1]) {
      throw new Error(`runNetwork(${net}) on the WGSL runtime takes tensors of ${want[0]} and ${want[1]} values (this grid); got ${input.size} and ${output.size}`);
    }
    if (stateful && feeds.state.size !== w.lstm.stateFloats) {
      throw new Error(`runNetwork(lstm) on the WGSL runtime takes a state of ${w.lstm.stateFloats} values (this grid); got ${feeds.state.size}`);
    }
    const inBuf = input.gpuBuffer as unknown as GPUBuffer;
    const outBuf = output.gpuBuffer as unknown as GPUBuffer;
    const encoder = this.device.createCommandEncoder({ label: `latent.runNetwork.${net}` });
    const pass = encoder.beginComputePass({ label: net });
    if (net === 'lstm') w.lstm.encode(pass, w.bindLstm(inBuf, outBuf, stateful ? feeds.state.gpuBuffer as unknown as GPUBuffer : undefined));
    else if (net === 'encoder') w.encoder.encode(pass, w.bindEncoder(inBuf, outBuf));
    else if (net === 'stateEncoder') w.stateEncoder!.encode(pass, w.bindStateEncoder(inBuf, outBuf));
    else w.decoder.encode(pass, w.bindDecoder(inBuf, outBuf));
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    await this.device.queue.onSubmittedWorkDone();
  }

  get gpuBytes(): number {
    return this.runtime.gpuBytes;
  }

  get multiplyAdds(): NetworkMultiplyAdds {
    return this.runtime.multiplyAdds;
  }

  destroy(): void {
    this.gated.destroy(); // idempotent
    this.runtime.destroy(); // idempotent
  }
}
