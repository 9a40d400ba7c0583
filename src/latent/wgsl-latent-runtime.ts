import type { Vec3 } from '../scene/scene-description';
import { type ConvNetPlan, convNetScale, recogniseConvNet } from './conv-net-plan';
import { type LstmPlan, recogniseLatentLstm } from './lstm-plan';
import { decodedDims, decoderDownsample, ModelError, type ModelFiles, UnsupportedGraphError } from './model-manifest';
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
 * @throws ModelError when a recognised decoder's output resolution contradicts the manifest, or
 *   the manifest has `state` and the state encoder's bytes are missing or the LSTM takes no state
 */
export function recogniseLatentModel(files: ModelFiles): LatentPlans {
  const m = files.manifest;
  const name = (k: 'encoder' | 'lstm' | 'decoder' | 'stateEncoder') => `${files.source}/${m.files[k]}`;
  const encoder = recogniseConvNet(parseOnnxModel(files.encoder, name('encoder')));
  const decoder = recogniseConvNet(parseOnnxModel(files.decoder, name('decoder')));
  const lstm = recogniseLatentLstm(parseOnnxModel(files.lstm, name('lstm')), { window: m.window, channels: m.latent.channels, outputs: m.outputs, state: m.state !== undefined });
  let stateEncoder: ConvNetPlan | null = null;
  if (m.state) {
    if (!files.stateEncoder) throw new ModelError(`${files.source}: the manifest has state but no state encoder was loaded (files.stateEncoder ${JSON.stringify(m.files.stateEncoder)})`);
    stateEncoder = recogniseConvNet(parseOnnxModel(files.stateEncoder, name('stateEncoder')));
  }
  const C = m.latent.channels;
  const check = (ok: boolean, message: string) => {
    if (!ok) throw new UnsupportedGraphError(message);
  };
  check(encoder.layers[0].cin === m.inputChannels.length, `${encoder.file}: ${encoder.layers[0].cin} input channels, the manifest names ${m.inputChannels.length}`);
  check(encoder.layers[encoder.layers.length - 1].cout === C, `${encoder.file}: the code has ${encoder.layers[encoder.layers.length - 1].cout} channels, the manifest says ${C}`);
  check(decoder.layers[0].cin === C, `${decoder.file}: reads ${decoder.layers[0].cin} channels, the code has ${C}`);
  check(decoder.layers[decoder.layers.length - 1].cout === 1, `${decoder.file}: decodes ${decoder.layers[decoder.layers.length - 1].cout} channels, 1 expected`);
  if (stateEncoder && m.state) {
    const cin = stateEncoder.layers[0].cin, cout = stateEncoder.layers[stateEncoder.layers.length - 1].cout;
    check(cin === m.state.inputChannels.length, `${stateEncoder.file}: ${cin} input channels, the manifest's state.inputChannels names ${m.state.inputChannels.length} (${m.state.inputChannels.join(', ')})`);
    check(cout === C, `${stateEncoder.file}: the state code has ${cout} channels, the manifest says ${C} (latent.channels)`);
  }
  checkDecoderUpsampling(decoder, m);
  return { encoder, lstm, decoder, stateEncoder };
}

/**
 * A broken model set (not an unknown architecture, ORT would fail on it too): a decoder whose
 * upsampling contradicts latent.downsample / latent.decoderDownsample.
 * @throws ModelError naming the decoder file, its upsampling and the manifest's
 */
function checkDecoderUpsampling(decoder: ConvNetPlan, m: ModelFiles['manifest']): void {
  const s = decoderDownsample(m);
  const { stride, upsample } = convNetScale(decoder);
  if (stride !== 1 || upsample * s !== m.latent.downsample) {
    throw new ModelError(`${decoder.file}: upsamples the latent grid ${upsample}x${stride === 1 ? '' : ` with strides ${stride}`}, `
      + `but the manifest wants the grid / latent.decoderDownsample ${s}, i.e. ${m.latent.downsample / s}x (latent.downsample ${m.latent.downsample})`);
  }
}

/**
 * The check onnxruntime-web cannot make at load: its sessions take any output size, so a decoder
 * that contradicts latent.decoderDownsample would only fail on the first predicted step. A decoder
 * of an architecture the WGSL runtime does not recognise, or bytes it cannot parse, are left to
 * ORT (nothing to check here).
 * @throws ModelError as recogniseLatentModel does for the decoder's upsampling
 */
export function checkDecoderForManifest(files: ModelFiles): void {
  let plan: ConvNetPlan;
  try {
    plan = recogniseConvNet(parseOnnxModel(files.decoder, `${files.source}/${files.manifest.files.decoder}`));
  } catch {
    return; // unreadable bytes are ORT's to report (with its own message), as for the other files
  }
  checkDecoderUpsampling(plan, files.manifest);
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
      const encoder = await WgslConvNet.create(device, plans.encoder, grid);
      owned.push(encoder);
      const code = encoder.shapes[encoder.shapes.length - 1];
      if (code.some((d, a) => d !== latentGrid[a])) {
        throw new UnsupportedGraphError(`${plans.encoder.file}: encodes the grid [${grid.join(', ')}] to [${code.join(', ')}], the manifest says [${latentGrid.join(', ')}]`);
      }
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
      let stateEncoder: WgslConvNet | null = null;
      if (plans.stateEncoder) {
        stateEncoder = await WgslConvNet.create(device, plans.stateEncoder, grid);
        owned.push(stateEncoder);
        const stateCode = stateEncoder.shapes[stateEncoder.shapes.length - 1];
        if (stateCode.some((d, a) => d !== latentGrid[a])) {
          throw new UnsupportedGraphError(`${plans.stateEncoder.file}: encodes the grid [${grid.join(', ')}] to [${stateCode.join(', ')}], the latent grid is [${latentGrid.join(', ')}]`);
        }
      }
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
