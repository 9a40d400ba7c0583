import conv3dSource from '../../../shaders/latent/net-conv3d.wgsl';
import { dispatch, KernelFamily } from '../../gpu/compute-kernel';
import { WgslStructLayout } from '../../gpu/wgsl-struct';
import { type ConvLayer, type ConvNetPlan, convNetShapes } from './conv-net-plan';
import type { GatedDispatchArgs } from '../../gpu/gated-dispatch-args';

/** The bind groups of a network bound to its input, output and scratch buffers (see `WgslConvNet.bind`). */
export interface ConvNetBinding {
  readonly groups: readonly GPUBindGroup[];
}

/** `ConvParams` of net-conv3d.wgsl. */
const CONV_PARAMS = WgslStructLayout.parse(conv3dSource, 'ConvParams');
/** Workgroup extent of net-conv3d.wgsl. */
const TILE = [8, 4, 2] as const;

const families = new WeakMap<GPUDevice, Map<string, Promise<KernelFamily>>>();

/** The conv3d pipeline for a kernel edge, stride and upsampling (built once per device). */
function conv3dFamily(device: GPUDevice, layer: ConvLayer): Promise<KernelFamily> {
  let byKey = families.get(device);
  if (!byKey) {
    byKey = new Map();
    families.set(device, byKey);
  }
  const key = `${layer.kernel}/${layer.stride}/${layer.upsampleInput ? 1 : 0}`;
  let f = byKey.get(key);
  if (!f) {
    f = KernelFamily.create(device, `netConv3d.k${layer.kernel}s${layer.stride}${layer.upsampleInput ? 'u' : ''}`, conv3dSource, ['conv3d'],
      { K: layer.kernel, STRIDE: layer.stride, UPSAMPLE: layer.upsampleInput ? 1 : 0 }, { prependCommon: false });
    f.catch(() => byKey.delete(key));
    byKey.set(key, f);
  }
  return f;
}

/** Weights [cout, cin, k^3] regrouped as [ceil(cout / 4)][cin][k^3] vec4s of four output channels (zero padded). */
export function packConvWeights(layer: ConvLayer): Float32Array {
  const k3 = layer.kernel ** 3;
  const groups = Math.ceil(layer.cout / 4);
  const out = new Float32Array(groups * layer.cin * k3 * 4);
  for (let co = 0; co < layer.cout; co++) {
    const g = co >> 2, j = co & 3;
    for (let ci = 0; ci < layer.cin; ci++) {
      for (let kk = 0; kk < k3; kk++) out[((g * layer.cin + ci) * k3 + kk) * 4 + j] = layer.weights[(co * layer.cin + ci) * k3 + kk];
    }
  }
  return out;
}

/**
 * A convolution chain (the encoder or decoder, from `recogniseConvNet`) as WGSL kernels for one
 * input extent: one dispatch per layer, weights in storage buffers, intermediate activations
 * in two scratch buffers the caller provides (ping-pong; `scratchFloats` says how large).
 * Encoding records dispatches only: no await, no readback, no submit.
 */
export class WgslConvNet {
  readonly plan: ConvNetPlan;
  /** Input extent [x, y, z]. */
  readonly inputDims: [number, number, number];
  /** Output extent of every layer. */
  readonly shapes: [number, number, number][];
  private readonly kernels: KernelFamily[];
  private readonly layerBuffers: { params: GPUBuffer; weights: GPUBuffer; bias: GPUBuffer }[];
  private destroyed = false;

  private constructor(device: GPUDevice, plan: ConvNetPlan, inputDims: [number, number, number], kernels: KernelFamily[]) {
    this.plan = plan;
    this.inputDims = inputDims;
    this.shapes = convNetShapes(plan, inputDims);
    this.kernels = kernels;
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    this.layerBuffers = [];
    try {
      plan.layers.forEach((layer, i) => {
        const weights = packConvWeights(layer);
        const bias = new Float32Array(Math.ceil(layer.cout / 4) * 4);
        bias.set(layer.bias);
        const src = i === 0 ? inputDims : this.shapes[i - 1];
        const out = this.shapes[i];
        const params = CONV_PARAMS.pack({
          srcDims: src, cin: layer.cin, outDims: out, cout: layer.cout, pad: layer.pad,
          leak: layer.leak ?? 0, activate: layer.leak === null ? 0 : 1, zTiles: Math.ceil(out[2] / TILE[2]),
        });
        const b = {
          params: device.createBuffer({ label: `${plan.file}.conv${i}.params`, size: CONV_PARAMS.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }),
          weights: device.createBuffer({ label: `${plan.file}.conv${i}.weights`, size: weights.byteLength, usage: storage }),
          bias: device.createBuffer({ label: `${plan.file}.conv${i}.bias`, size: bias.byteLength, usage: storage }),
        };
        this.layerBuffers.push(b);
        device.queue.writeBuffer(b.params, 0, params);
        device.queue.writeBuffer(b.weights, 0, weights);
        device.queue.writeBuffer(b.bias, 0, bias);
      });
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  /**
   * Builds the kernels (shared per device) and uploads the weights.
   * @param inputDims the input extent [x, y, z]
   * @throws UnsupportedGraphError when a layer's output would be empty for this extent
   */
  static async create(device: GPUDevice, plan: ConvNetPlan, inputDims: readonly [number, number, number]): Promise<WgslConvNet> {
    const dims: [number, number, number] = [inputDims[0], inputDims[1], inputDims[2]];
    convNetShapes(plan, dims);
    const kernels = await Promise.all(plan.layers.map((l) => conv3dFamily(device, l)));
    return new WgslConvNet(device, plan, dims, kernels);
  }

  /** Floats of the input ([cin, z, y, x]). */
  get inputFloats(): number {
    return this.plan.layers[0].cin * this.inputDims[0] * this.inputDims[1] * this.inputDims[2];
  }

  /** Output extent [x, y, z] (a coarse decoder's: smaller than the grid). */
  get outputDims(): [number, number, number] {
    return this.shapes[this.shapes.length - 1];
  }

  /** Floats of the output ([cout, z, y, x]). */
  get outputFloats(): number {
    return this.layerFloats(this.plan.layers.length - 1);
  }

  private layerFloats(i: number): number {
    const s = this.shapes[i];
    return this.plan.layers[i].cout * s[0] * s[1] * s[2];
  }

  /** Floats each of the two scratch buffers must hold (layer i < last writes scratch[i % 2]). */
  get scratchFloats(): [number, number] {
    const out: [number, number] = [0, 0];
    for (let i = 0; i < this.plan.layers.length - 1; i++) out[i % 2] = Math.max(out[i % 2], this.layerFloats(i));
    return out;
  }

  /**
   * Multiply-adds of one run, per layer: output voxels * cout * cin * k^3 (a dense count: the
   * taps that fall into the zero padding are included, as the kernel's loop bounds skip them).
   */
  get multiplyAdds(): number {
    return this.plan.layers.reduce((sum, layer, i) => {
      const s = this.shapes[i];
      return sum + s[0] * s[1] * s[2] * layer.cout * layer.cin * layer.kernel ** 3;
    }, 0);
  }

  /** Dispatches of one run (one per layer). */
  get dispatchCount(): number {
    return this.plan.layers.length;
  }

  /** GPU memory of the weights and layer parameters (bytes). */
  get gpuBytes(): number {
    return this.layerBuffers.reduce((s, b) => s + b.params.size + b.weights.size + b.bias.size, 0);
  }

  /**
   * Bind groups for one set of buffers (build once, reuse every frame). `input` holds at least
   * `inputFloats`, `output` at least `outputFloats`, scratch[i] at least scratchFloats[i]
   * (buffers of 16 bytes or more; unused scratch may be any storage buffer).
   */
  bind(input: GPUBuffer, output: GPUBuffer, scratch: readonly [GPUBuffer, GPUBuffer]): ConvNetBinding {
    const last = this.plan.layers.length - 1;
    const need = this.scratchFloats;
    for (const s of [0, 1]) {
      if (need[s] * 4 > scratch[s].size) throw new Error(`${this.plan.file}: scratch buffer ${s} holds ${scratch[s].size} bytes, ${need[s] * 4} needed`);
    }
    if (input.size < this.inputFloats * 4) throw new Error(`${this.plan.file}: the input buffer holds ${input.size} bytes, ${this.inputFloats * 4} needed`);
    if (output.size < this.outputFloats * 4) throw new Error(`${this.plan.file}: the output buffer holds ${output.size} bytes, ${this.outputFloats * 4} needed`);
    const groups = this.plan.layers.map((_, i) => this.kernels[i].bindGroup({
      conv: this.layerBuffers[i].params,
      weights: this.layerBuffers[i].weights,
      bias: this.layerBuffers[i].bias,
      src: i === 0 ? input : scratch[(i - 1) % 2],
      dst: i === last ? output : scratch[i % 2],
    }, `${this.plan.file}.conv${i}`));
    return { groups };
  }

  /** Workgroups [x, y, z] of each layer's dispatch. */
  get workgroupCounts(): [number, number, number][] {
    return this.plan.layers.map((layer, i) => {
      const s = this.shapes[i];
      return [Math.ceil(s[0] / TILE[0]), Math.ceil(s[1] / TILE[1]), Math.ceil(s[2] / TILE[2]) * Math.ceil(layer.cout / 4)];
    });
  }

  /**
   * Records the whole network into a compute pass (one dispatch per layer). With `gated`, each
   * layer is an indirect dispatch on the armed arguments (`gated.args`, whose dispatches
   * `gated.first` + i hold this net's `workgroupCounts`), so it runs only when the GPU armed them.
   */
  encode(pass: GPUComputePassEncoder, binding: ConvNetBinding, gated?: { args: GatedDispatchArgs; first: number }): void {
    const counts = this.workgroupCounts;
    this.plan.layers.forEach((_, i) => {
      const pipeline = this.kernels[i].pipeline('conv3d');
      if (!gated) {
        dispatch(pass, pipeline, binding.groups[i], counts[i]);
        return;
      }
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, binding.groups[i]);
      pass.dispatchWorkgroupsIndirect(gated.args.args, gated.args.offset(gated.first + i));
    });
  }

  /** Frees the weight and parameter buffers (the kernels are shared per device). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const b of this.layerBuffers) {
      b.params.destroy();
      b.weights.destroy();
      b.bias.destroy();
    }
  }
}
