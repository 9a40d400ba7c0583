import lstmSource from '../../../shaders/latent/net-lstm.wgsl';
import { dispatch, KernelFamily } from '../../gpu/compute-kernel';
import { WgslStructLayout } from '../../gpu/wgsl-struct';
import type { LstmPlan } from './lstm-plan';

/** The bind group of the LSTM bound to one history and one prediction buffer (and a state buffer for a state-conditioned LSTM). */
export interface LstmBinding {
  readonly group: GPUBindGroup;
}

/** `LstmParams` of net-lstm.wgsl. */
const LSTM_PARAMS = WgslStructLayout.parse(lstmSource, 'LstmParams');
const MAX_GROUPS_X = 65535;

const families = new WeakMap<GPUDevice, Promise<KernelFamily>>();

function lstmFamily(device: GPUDevice): Promise<KernelFamily> {
  let f = families.get(device);
  if (!f) {
    f = KernelFamily.create(device, 'netLstm', lstmSource, ['lstmContext', 'lstmCells'], undefined, { prependCommon: false });
    f.catch(() => families.delete(device));
    families.set(device, f);
  }
  return f;
}

/**
 * Packs the plan for the kernels: `scalars` (normalization, input/context projections, head,
 * base steps) and `gates` (per layer W^T [input][H], R^T [H][H] and the summed biases [H], each
 * entry the vec4 (i, o, f, c) of one hidden unit), with their offsets in the params block.
 */
export function packLstmPlan(plan: LstmPlan, cells: number): { params: ArrayBuffer; scalars: Float32Array; gates: Float32Array } {
  const C = plan.channels, H = plan.hidden, F = plan.features, o = plan.outputs;
  const parts: [string, ArrayLike<number>][] = [
    ['mean', plan.mean], ['std', plan.std], ['delta', plan.deltaScale], ['inpW', plan.inpW], ['inpB', plan.inpB],
    ['ctxW', plan.ctxW ?? [0]], ['headW', plan.headW], ['headB', plan.headB], ['steps', plan.baseSteps],
  ];
  const at: Record<string, number> = {};
  let total = 0;
  for (const [name, data] of parts) { at[name] = total; total += data.length; }
  const scalars = new Float32Array(total);
  for (const [name, data] of parts) scalars.set(data, at[name]);
  const gateVecs = plan.layers.reduce((s, l) => s + (l.inputSize + H + 1) * H, 0);
  const gates = new Float32Array(gateVecs * 4);
  const layerAt: number[] = [];
  let g = 0;
  for (const l of plan.layers) {
    const I = l.inputSize;
    layerAt.push(g, g + I * H, g + (I + H) * H, I);
    for (let k = 0; k < I; k++) for (let u = 0; u < H; u++) for (let q = 0; q < 4; q++) gates[(g + k * H + u) * 4 + q] = l.w[(q * H + u) * I + k];
    g += I * H;
    for (let k = 0; k < H; k++) for (let u = 0; u < H; u++) for (let q = 0; q < 4; q++) gates[(g + k * H + u) * 4 + q] = l.r[(q * H + u) * H + k];
    g += H * H;
    for (let u = 0; u < H; u++) for (let q = 0; q < 4; q++) gates[(g + u) * 4 + q] = l.b[q * H + u] + l.b[4 * H + q * H + u];
    g += H;
  }
  const params = LSTM_PARAMS.pack({
    cells, window: plan.window, channels: C, outputs: o, hidden: H, features: F, layers: plan.layers.length, hasContext: plan.ctxW ? 1 : 0,
    meanAt: at.mean, stdAt: at.std, deltaAt: at.delta, inpWAt: at.inpW, inpBAt: at.inpB, ctxWAt: at.ctxW, headWAt: at.headW, headBAt: at.headB,
    stepsAt: at.steps, hasState: plan.stateInput ? 1 : 0, layerAt,
  });
  return { params, scalars, gates };
}

/**
 * The latent LSTM (from `recogniseLatentLstm`) as two WGSL kernels for N latent cells: the
 * mean of the features over cells, then one workgroup per cell for the LSTM stack, the head and
 * the residual base. Reads history [w, C, N] (and, for a state-conditioned plan, the state
 * [C, N], added to the head's output), writes prediction [o, C, N]; encoding records
 * dispatches only.
 */
export class WgslLatentLstm {
  readonly plan: LstmPlan;
  /** Latent cells N. */
  readonly cells: number;
  private readonly kernels: KernelFamily;
  private readonly buffers: { params: GPUBuffer; scalars: GPUBuffer; gates: GPUBuffer; context: GPUBuffer };
  private destroyed = false;

  private constructor(device: GPUDevice, plan: LstmPlan, cells: number, kernels: KernelFamily) {
    this.plan = plan;
    this.cells = cells;
    this.kernels = kernels;
    const packed = packLstmPlan(plan, cells);
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    const made: GPUBuffer[] = [];
    const make = (label: string, bytes: number, usage: number) => {
      const b = device.createBuffer({ label: `${plan.file}.${label}`, size: Math.max(16, Math.ceil(bytes / 16) * 16), usage });
      made.push(b);
      return b;
    };
    try {
      this.buffers = {
        params: make('params', LSTM_PARAMS.size, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
        scalars: make('scalars', packed.scalars.byteLength, storage),
        gates: make('gates', packed.gates.byteLength, storage),
        context: make('context', (plan.window - 1) * 2 * plan.channels * 4, storage),
      };
    } catch (e) {
      for (const b of made) b.destroy();
      throw e;
    }
    device.queue.writeBuffer(this.buffers.params, 0, packed.params);
    device.queue.writeBuffer(this.buffers.scalars, 0, packed.scalars);
    device.queue.writeBuffer(this.buffers.gates, 0, packed.gates);
  }

  /** Builds the kernels (shared per device) and uploads the weights for `cells` latent cells. */
  static async create(device: GPUDevice, plan: LstmPlan, cells: number): Promise<WgslLatentLstm> {
    if (!Number.isInteger(cells) || cells < 1) throw new Error(`the LSTM needs at least one latent cell (got ${cells})`);
    return new WgslLatentLstm(device, plan, cells, await lstmFamily(device));
  }

  /** Floats of the history [w, C, N]. */
  get historyFloats(): number {
    return this.plan.window * this.plan.channels * this.cells;
  }

  /** Floats of the prediction [o, C, N]. */
  get predictionFloats(): number {
    return this.plan.outputs * this.plan.channels * this.cells;
  }

  /**
   * Multiply-adds of one run: the context means ((w - 1) * 2C * N accumulations, with a
   * context term), then per cell and each of the w - 1 steps the feature projection (2C * F,
   * twice with the context term: the kernel applies it per cell) and each layer's gates
   * (4H * (input + H)), then the head (o * C * H).
   */
  get multiplyAdds(): number {
    const p = this.plan, steps = p.window - 1, twoC = 2 * p.channels, H = p.hidden;
    const context = p.ctxW ? steps * twoC * this.cells : 0;
    const features = twoC * p.features * (p.ctxW ? 2 : 1);
    const gates = p.layers.reduce((s, l) => s + 4 * H * (l.inputSize + H), 0);
    return context + this.cells * (steps * (features + gates) + p.outputs * p.channels * H);
  }

  /** GPU memory of the weights, parameters and the context buffer (bytes). */
  get gpuBytes(): number {
    return Object.values(this.buffers).reduce((s, b) => s + b.size, 0);
  }

  /** Floats of the state [C, N] a state-conditioned LSTM reads (0 without a state input). */
  get stateFloats(): number {
    return this.plan.stateInput ? this.plan.channels * this.cells : 0;
  }

  /**
   * The bind group for a history, a prediction and, for a state-conditioned LSTM (only then),
   * a state buffer [C, N] (build once, reuse every frame).
   */
  bind(history: GPUBuffer, prediction: GPUBuffer, state?: GPUBuffer): LstmBinding {
    if (history.size < this.historyFloats * 4) throw new Error(`${this.plan.file}: the history buffer holds ${history.size} bytes, ${this.historyFloats * 4} needed`);
    if (prediction.size < this.predictionFloats * 4) throw new Error(`${this.plan.file}: the prediction buffer holds ${prediction.size} bytes, ${this.predictionFloats * 4} needed`);
    if (this.plan.stateInput && !state) throw new Error(`${this.plan.file}: a state-conditioned LSTM needs a state buffer of ${this.stateFloats * 4} bytes`);
    if (!this.plan.stateInput && state) throw new Error(`${this.plan.file}: this LSTM takes no state`);
    if (state && state.size < this.stateFloats * 4) throw new Error(`${this.plan.file}: the state buffer holds ${state.size} bytes, ${this.stateFloats * 4} needed`);
    const b = this.buffers;
    // Without a state input the kernel never reads `state`: the history (also read-only) fills the binding.
    return {
      group: this.kernels.bindGroup({ lstm: b.params, scalars: b.scalars, gates: b.gates, context: b.context, history, prediction, state: state ?? history }, `${this.plan.file}.lstm`),
    };
  }

  /** Records the LSTM into a compute pass (two dispatches). */
  encode(pass: GPUComputePassEncoder, binding: LstmBinding): void {
    const p = this.plan;
    if (p.ctxW) dispatch(pass, this.kernels.pipeline('lstmContext'), binding.group, [2 * p.channels, p.window - 1, 1]);
    const x = Math.min(this.cells, MAX_GROUPS_X);
    dispatch(pass, this.kernels.pipeline('lstmCells'), binding.group, [x, Math.ceil(this.cells / x), 1]);
  }

  /** Frees the weight, parameter and context buffers (the kernels are shared per device). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const b of Object.values(this.buffers)) b.destroy();
  }
}
