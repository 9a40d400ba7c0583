import type { Vec3 } from '../scene/scene-description';
import { type ConvNetPlan, convNetScale, recogniseConvNet } from './conv-net-plan';
import { type LstmPlan, recogniseLatentLstm } from './lstm-plan';
import { decodedDims, decoderDownsample, ModelError, type ModelFiles, UnsupportedGraphError } from './model-manifest';
import { parseOnnxModel } from './onnx-model';
import { type ConvNetBinding, WgslConvNet } from './wgsl-conv-net';
import { type LstmBinding, WgslLatentLstm } from './wgsl-latent-lstm';

/** The plans of a model set's three networks (recognised from the ONNX files, no GPU). */
export interface LatentPlans {
  encoder: ConvNetPlan;
  lstm: LstmPlan;
  decoder: ConvNetPlan;
}

/**
 * Reads and recognises the three networks of a model set and checks that they fit together
 * and the manifest (input channels, code channels, one decoded channel, the decoder's
 * upsampling against latent.downsample / latent.decoderDownsample).
 * @throws UnsupportedGraphError (a ModelError) naming the file and what the WGSL runtime does not know
 * @throws ModelError when a recognised decoder's output resolution contradicts the manifest
 */
export function recogniseLatentModel(files: ModelFiles): LatentPlans {
  const m = files.manifest;
  const name = (k: 'encoder' | 'lstm' | 'decoder') => `${files.source}/${m.files[k]}`;
  const encoder = recogniseConvNet(parseOnnxModel(files.encoder, name('encoder')));
  const decoder = recogniseConvNet(parseOnnxModel(files.decoder, name('decoder')));
  const lstm = recogniseLatentLstm(parseOnnxModel(files.lstm, name('lstm')), { window: m.window, channels: m.latent.channels, outputs: m.outputs });
  const C = m.latent.channels;
  const check = (ok: boolean, message: string) => {
    if (!ok) throw new UnsupportedGraphError(message);
  };
  check(encoder.layers[0].cin === m.inputChannels.length, `${encoder.file}: ${encoder.layers[0].cin} input channels, the manifest names ${m.inputChannels.length}`);
  check(encoder.layers[encoder.layers.length - 1].cout === C, `${encoder.file}: the code has ${encoder.layers[encoder.layers.length - 1].cout} channels, the manifest says ${C}`);
  check(decoder.layers[0].cin === C, `${decoder.file}: reads ${decoder.layers[0].cin} channels, the code has ${C}`);
  check(decoder.layers[decoder.layers.length - 1].cout === 1, `${decoder.file}: decodes ${decoder.layers[decoder.layers.length - 1].cout} channels, 1 expected`);
  const s = decoderDownsample(m);
  const { stride, upsample } = convNetScale(decoder);
  if (stride !== 1 || upsample * s !== m.latent.downsample) {
    // A broken model set (not an unknown architecture): ORT would fail on it too.
    throw new ModelError(`${decoder.file}: upsamples the latent grid ${upsample}x${stride === 1 ? '' : ` with strides ${stride}`}, `
      + `but the manifest wants the grid / latent.decoderDownsample ${s}, i.e. ${m.latent.downsample / s}x (latent.downsample ${m.latent.downsample})`);
  }
  return { encoder, lstm, decoder };
}

/**
 * The three networks of a model set as WGSL kernels for one simulation grid: the encoder on
 * the grid, the decoder on the latent grid (its output is the grid, or the grid /
 * latent.decoderDownsample for a coarse decoder), the LSTM on its cells, sharing two scratch buffers
 * for the conv activations. Everything is recorded into the caller's command encoder
 * (no await, no flush, no readback).
 */
export class WgslLatentRuntime {
  readonly plans: LatentPlans;
  readonly encoder: WgslConvNet;
  readonly decoder: WgslConvNet;
  readonly lstm: WgslLatentLstm;
  private readonly scratch: [GPUBuffer, GPUBuffer];
  private destroyed = false;

  private constructor(plans: LatentPlans, encoder: WgslConvNet, decoder: WgslConvNet, lstm: WgslLatentLstm, scratch: [GPUBuffer, GPUBuffer]) {
    this.plans = plans;
    this.encoder = encoder;
    this.decoder = decoder;
    this.lstm = lstm;
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
      const sizes = [0, 1].map((i) => Math.max(encoder.scratchFloats[i], decoder.scratchFloats[i]));
      const usage = GPUBufferUsage.STORAGE;
      const scratch = sizes.map((f, i) => {
        const b = device.createBuffer({ label: `latent.wgsl.scratch${i}`, size: Math.max(16, Math.ceil(f / 4) * 16), usage });
        owned.push(b);
        return b;
      }) as [GPUBuffer, GPUBuffer];
      return new WgslLatentRuntime(plans, encoder, decoder, lstm, scratch);
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

  /** The LSTM's bind group for a history [w, C, N] and a prediction [o, C, N] buffer. */
  bindLstm(history: GPUBuffer, prediction: GPUBuffer): LstmBinding {
    return this.lstm.bind(history, prediction);
  }

  /** GPU memory of the weights, parameters and scratch buffers (bytes). */
  get gpuBytes(): number {
    return this.encoder.gpuBytes + this.decoder.gpuBytes + this.lstm.gpuBytes + this.scratch[0].size + this.scratch[1].size;
  }

  /** Frees every buffer of the three networks. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.encoder.destroy();
    this.decoder.destroy();
    this.lstm.destroy();
    for (const b of this.scratch) b.destroy();
  }
}
