import type { Vec3 } from '../../scene/scene-description';
import type { NetworkMultiplyAdds } from '../latent-networks';
import { type ConvNetPlan, convNetScale, recogniseConvNet } from './conv-net-plan';
import { type LstmPlan, recogniseLatentLstm } from './lstm-plan';
import { decodedDims, decoderDownsample, ModelError, type ModelFiles, stateEncoderBytes, UnsupportedGraphError } from '../model-manifest';
import { parseOnnxModel } from './onnx-model';
import { type ConvNetBinding, WgslConvNet } from './wgsl-conv-net';
import { type LstmBinding, WgslLatentLstm } from './wgsl-latent-lstm';

/** The plans of a model set's networks (recognised from the ONNX files, no GPU). */
export interface LatentPlans {
  encoder: ConvNetPlan;
  lstm: LstmPlan;
  decoder: ConvNetPlan;
  /** The state encoder of a state-conditioned model (manifest `state`), else null. */
  stateEncoder: ConvNetPlan | null;
}

/**
 * Reads and recognises the networks of a model set and checks that they fit together
 * and the manifest (input channels, code channels, one decoded channel, the decoder's
 * upsampling against latent.downsample / latent.decoderDownsample; for a state-conditioned
 * model the state encoder's channels against `state.inputChannels` and C, and the LSTM's state input).
 * @throws UnsupportedGraphError (a ModelError) naming the file and what the WGSL runtime does not know
 * @throws ModelError when a recognised network contradicts the manifest (channels, the decoder's
 *   upsampling, the state encoder's downsampling), or the manifest has `state` and the state
 *   encoder's bytes are missing or the LSTM takes no state
 */
export function recogniseLatentModel(files: ModelFiles): LatentPlans {
  const m = files.manifest;
  const name = (k: 'encoder' | 'lstm' | 'decoder' | 'stateEncoder') => `${files.source}/${m.files[k]}`;
  const encoder = recogniseConvNet(parseOnnxModel(files.encoder, name('encoder')));
  const decoder = recogniseConvNet(parseOnnxModel(files.decoder, name('decoder')));
  const lstm = recogniseLatentLstm(parseOnnxModel(files.lstm, name('lstm')), { window: m.window, channels: m.latent.channels, outputs: m.outputs, state: m.state !== undefined });
  const stateBytes = stateEncoderBytes(files);
  const stateEncoder = stateBytes ? recogniseConvNet(parseOnnxModel(stateBytes, name('stateEncoder'))) : null;
  checkConvNetsAgainstManifest(m, encoder, decoder, stateEncoder);
  return { encoder, lstm, decoder, stateEncoder };
}

/**
 * A model set whose recognised conv chains contradict its manifest is broken (not an unknown
 * architecture: ORT would fail on it too, at its first run): the encoder's input channels against
 * inputChannels and its code channels against latent.channels, the decoder's channels and its
 * upsampling against latent.downsample / latent.decoderDownsample, a state encoder's channels
 * against state.inputChannels and latent.channels and its downsampling against latent.downsample.
 * @throws ModelError naming the file, what it does and what the manifest says
 */
function checkConvNetsAgainstManifest(m: ModelFiles['manifest'], encoder: ConvNetPlan | null, decoder: ConvNetPlan | null, stateEncoder: ConvNetPlan | null): void {
  const C = m.latent.channels;
  const check = (ok: boolean, message: string) => {
    if (!ok) throw new ModelError(message);
  };
  const cin = (p: ConvNetPlan) => p.layers[0].cin;
  const cout = (p: ConvNetPlan) => p.layers[p.layers.length - 1].cout;
  if (encoder) {
    check(cin(encoder) === m.inputChannels.length, `${encoder.file}: ${cin(encoder)} input channels, the manifest names ${m.inputChannels.length}`);
    check(cout(encoder) === C, `${encoder.file}: the code has ${cout(encoder)} channels, the manifest says ${C}`);
  }
  if (decoder) {
    check(cin(decoder) === C, `${decoder.file}: reads ${cin(decoder)} channels, the code has ${C}`);
    check(cout(decoder) === 1, `${decoder.file}: decodes ${cout(decoder)} channels, 1 expected`);
    const s = decoderDownsample(m);
    const { stride, upsample } = convNetScale(decoder);
    check(stride === 1 && upsample * s === m.latent.downsample, `${decoder.file}: upsamples the latent grid ${upsample}x${stride === 1 ? '' : ` with strides ${stride}`}, `
      + `but the manifest wants the grid / latent.decoderDownsample ${s}, i.e. ${m.latent.downsample / s}x (latent.downsample ${m.latent.downsample})`);
  }
  if (stateEncoder && m.state) {
    check(cin(stateEncoder) === m.state.inputChannels.length, `${stateEncoder.file}: ${cin(stateEncoder)} input channels, the manifest's state.inputChannels names ${m.state.inputChannels.length} (${m.state.inputChannels.join(', ')})`);
    check(cout(stateEncoder) === C, `${stateEncoder.file}: the state code has ${cout(stateEncoder)} channels, the manifest says ${C} (latent.channels)`);
    const { stride, upsample } = convNetScale(stateEncoder);
    check(upsample === 1 && stride === m.latent.downsample, `${stateEncoder.file}: downsamples the grid ${stride}x${upsample === 1 ? '' : ` and upsamples ${upsample}x`}, `
      + `the state code must be on the latent grid (latent.downsample ${m.latent.downsample})`);
  }
}

/**
 * The checks onnxruntime-web cannot make at load: its sessions take any shapes, so a conv net that
 * contradicts the manifest (channels, the decoder's upsampling, a state encoder's downsampling)
 * would only fail on the first step that runs it. Each net is checked if the WGSL runtime
 * recognises it; one of another architecture, or bytes it cannot parse, is left to ORT.
 * @throws ModelError as recogniseLatentModel does for these checks
 */
export function checkModelForOrt(files: ModelFiles): void {
  const m = files.manifest;
  const plan = (bytes: Uint8Array | undefined, file: string): ConvNetPlan | null => {
    if (!bytes) return null;
    try {
      return recogniseConvNet(parseOnnxModel(bytes, `${files.source}/${file}`));
    } catch {
      return null; // unreadable bytes are ORT's to report (with its own message), as for the other files
    }
  };
  checkConvNetsAgainstManifest(m, plan(files.encoder, m.files.encoder), plan(files.decoder, m.files.decoder),
    m.files.stateEncoder ? plan(files.stateEncoder, m.files.stateEncoder) : null);
}

/**
 * The networks of a model set as WGSL kernels for one simulation grid: the encoder (and a
 * state-conditioned model's state encoder) on the grid, the decoder on the latent grid (its
 * output is the grid, or the grid / latent.decoderDownsample for a coarse decoder), the LSTM
 * on its cells, sharing two scratch buffers for the conv activations. Everything is recorded
 * into the caller's command encoder (no await, no flush, no readback).
 */
export class WgslLatentRuntime {
  readonly plans: LatentPlans;
  readonly encoder: WgslConvNet;
  readonly decoder: WgslConvNet;
  readonly lstm: WgslLatentLstm;
  /** The state encoder (grid -> latent grid) of a state-conditioned model, else null. */
  readonly stateEncoder: WgslConvNet | null;
  private readonly scratch: [GPUBuffer, GPUBuffer];
  private destroyed = false;

  private constructor(plans: LatentPlans, nets: { encoder: WgslConvNet; decoder: WgslConvNet; lstm: WgslLatentLstm; stateEncoder: WgslConvNet | null },
    scratch: [GPUBuffer, GPUBuffer]) {
    this.plans = plans;
    this.encoder = nets.encoder;
    this.decoder = nets.decoder;
    this.lstm = nets.lstm;
    this.stateEncoder = nets.stateEncoder;
    this.scratch = scratch;
  }

  /**
   * Recognises the model's graphs and builds the kernels for a grid.
   * @param grid simulation grid [nx, ny, nz]
   * @param latentGrid latent grid [lx, ly, lz] (from the manifest's downsampling)
   * @throws UnsupportedGraphError when a graph is not one the runtime knows or the shapes do not fit
   */
  static async create(device: GPUDevice, files: ModelFiles, grid: Vec3, latentGrid: Vec3): Promise<WgslLatentRuntime> {
    const plans = recogniseLatentModel(files);
    const owned: { destroy(): void }[] = [];
    try {
      // The encoder and a state encoder must both map the grid onto the latent grid.
      const gridEncoder = async (plan: ConvNetPlan, what: string) => {
        const net = await WgslConvNet.create(device, plan, grid);
        owned.push(net);
        const code = net.shapes[net.shapes.length - 1];
        if (code.some((d, a) => d !== latentGrid[a])) {
          throw new UnsupportedGraphError(`${plan.file}: encodes the grid [${grid.join(', ')}] to [${code.join(', ')}], ${what} [${latentGrid.join(', ')}]`);
        }
        return net;
      };
      const encoder = await gridEncoder(plans.encoder, 'the manifest says');
      const decoder = await WgslConvNet.create(device, plans.decoder, latentGrid);
      owned.push(decoder);
      const decoded = decoder.outputDims;
      const want = decodedDims(files.manifest, grid);
      if (decoded.some((d, a) => d !== want[a])) {
        throw new UnsupportedGraphError(`${plans.decoder.file}: decodes [${latentGrid.join(', ')}] to [${decoded.join(', ')}], not [${want.join(', ')}] `
          + `(the grid [${grid.join(', ')}] / latent.decoderDownsample ${decoderDownsample(files.manifest)})`);
      }
      const lstm = await WgslLatentLstm.create(device, plans.lstm, latentGrid[0] * latentGrid[1] * latentGrid[2]);
      owned.push(lstm);
      const stateEncoder = plans.stateEncoder ? await gridEncoder(plans.stateEncoder, 'the latent grid is') : null;
      const sizes = [0, 1].map((i) => Math.max(encoder.scratchFloats[i], decoder.scratchFloats[i], stateEncoder?.scratchFloats[i] ?? 0));
      const usage = GPUBufferUsage.STORAGE;
      const scratch = sizes.map((f, i) => {
        const b = device.createBuffer({ label: `latent.wgsl.scratch${i}`, size: Math.max(16, Math.ceil(f / 4) * 16), usage });
        owned.push(b);
        return b;
      }) as [GPUBuffer, GPUBuffer];
      return new WgslLatentRuntime(plans, { encoder, decoder, lstm, stateEncoder }, scratch);
    } catch (e) {
      for (const o of owned) o.destroy();
      throw e;
    }
  }

  /** The encoder's bind groups for an input [Cin, nz, ny, nx] and a code [C, lz, ly, lx] buffer. */
  bindEncoder(input: GPUBuffer, code: GPUBuffer): ConvNetBinding {
    return this.encoder.bind(input, code, this.scratch);
  }

  /** The decoder's bind groups for a code and a pressure buffer ([nz, ny, nx] / latent.decoderDownsample, `decoder.outputDims`). */
  bindDecoder(code: GPUBuffer, pressure: GPUBuffer): ConvNetBinding {
    return this.decoder.bind(code, pressure, this.scratch);
  }

  /**
   * The state encoder's bind groups for a state input [Cs, nz, ny, nx] and a state code [C, lz, ly, lx] buffer.
   * @throws Error when the model has no state encoder
   */
  bindStateEncoder(input: GPUBuffer, stateCode: GPUBuffer): ConvNetBinding {
    if (!this.stateEncoder) throw new Error('this model has no state encoder (its manifest has no state)');
    return this.stateEncoder.bind(input, stateCode, this.scratch);
  }

  /** The LSTM's bind group for a history [w, C, N], a prediction [o, C, N] and, for a state-conditioned model, a state code [C, N] buffer. */
  bindLstm(history: GPUBuffer, prediction: GPUBuffer, state?: GPUBuffer): LstmBinding {
    return this.lstm.bind(history, prediction, state);
  }

  /** Multiply-adds of one run of each network on this grid (WgslConvNet.multiplyAdds, WgslLatentLstm.multiplyAdds). */
  get multiplyAdds(): NetworkMultiplyAdds {
    return { encoder: this.encoder.multiplyAdds, lstm: this.lstm.multiplyAdds, decoder: this.decoder.multiplyAdds, stateEncoder: this.stateEncoder?.multiplyAdds ?? 0 };
  }

  /** GPU memory of the weights, parameters and scratch buffers (bytes). */
  get gpuBytes(): number {
    return this.encoder.gpuBytes + this.decoder.gpuBytes + this.lstm.gpuBytes + (this.stateEncoder?.gpuBytes ?? 0) + this.scratch[0].size + this.scratch[1].size;
  }

  /** Frees every buffer of the networks. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.encoder.destroy();
    this.decoder.destroy();
    this.lstm.destroy();
    this.stateEncoder?.destroy();
    for (const b of this.scratch) b.destroy();
  }
}
