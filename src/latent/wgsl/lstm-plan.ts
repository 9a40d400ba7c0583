import { ModelError, UnsupportedGraphError } from '../model-manifest';
import { type CpuTensor, evaluateOnnxGraph } from './onnx-interpreter';
import type { OnnxGraph, OnnxNode, OnnxTensor } from './onnx-model';

/** One LSTM layer as ONNX stores it (gate order i, o, f, c). */
export interface LstmLayerWeights {
  inputSize: number;
  /** [4H, inputSize] */
  w: Float32Array;
  /** [4H, H] */
  r: Float32Array;
  /** [8H]: input biases then recurrent biases (zeros when the graph has none). */
  b: Float32Array;
}

/**
 * The latent LSTM (training/models.py LatentLSTM) as weights: per latent cell n and step t of
 * w - 1, features x_t = [xn_{t+1}, (xn_{t+1} - xn_t) / deltaScale] of the normalized codes
 * xn = (code - mean) / std, f_t = tanh(x_t inpW + inpB + mean_over_cells(x_t) ctxW), a stack of
 * LSTM layers over f, and the prediction of the k-th output
 * (xn_last + baseSteps[k] (xn_last - xn_prev) + (headW h + headB + state^T)[k] * deltaScale) * std + mean,
 * where the state term (a state-conditioned model's second input `state` [C, N], the state
 * encoder's code; only with o = 1) is present when `stateInput` is.
 */
export interface LstmPlan {
  file: string;
  /** History length w. */
  window: number;
  /** Code channels C. */
  channels: number;
  /** Predicted codes o. */
  outputs: number;
  /** LSTM hidden size H. */
  hidden: number;
  /** Width of f (the first LSTM layer's input). */
  features: number;
  mean: Float32Array;
  std: Float32Array;
  deltaScale: Float32Array;
  /** [2C, features] */
  inpW: Float32Array;
  /** [features] */
  inpB: Float32Array;
  /** [2C, features], or null without the context term. */
  ctxW: Float32Array | null;
  layers: LstmLayerWeights[];
  /** [o * C, H] */
  headW: Float32Array;
  /** [o * C] */
  headB: Float32Array;
  /** [o]: 1, 2, ... (linear extrapolation base) or zeros (last-code base). */
  baseSteps: Float32Array;
  /** True for a state-conditioned LSTM: a second input `state` [C, N] whose transpose is added to the head's output. */
  stateInput: boolean;
}

/** What the manifest says the LSTM must look like. */
export interface LstmExpectation {
  window: number;
  channels: number;
  outputs: number;
  /** The manifest has `state`: the graph must take the state as its second input (absent = false). */
  state?: boolean;
}

/** Limits of the WGSL LSTM kernel (workgroup memory). */
export const LSTM_LIMITS = { maxWidth: 256, maxLayers: 4 };

/**
 * Recognises the exported LatentLSTM graph and extracts its weights, then checks them: the plan's
 * CPU reference must reproduce the graph itself (evaluated op by op on the CPU) on a
 * pseudo-random history (and state), so a graph that only looks similar is refused. A
 * state-conditioned graph has a second input whose `Transpose(perm [1, 0])` is added to the
 * head's `Gemm` output.
 * @param expected window, channels and outputs from the manifest, and whether it has `state`
 * @throws UnsupportedGraphError naming the file and what was not recognised (also: a graph with a state input under a manifest without `state`)
 * @throws ModelError when the manifest has `state` but the graph takes no state
 */
export function recogniseLatentLstm(graph: OnnxGraph, expected: LstmExpectation): LstmPlan {
  const file = graph.file;
  const fail = (m: string): never => { throw new UnsupportedGraphError(`${file}: ${m} (the WGSL runtime knows only the LatentLSTM of training/models.py)`); };
  if (graph.inputs.length < 1 || graph.inputs.length > 2 || graph.outputs.length !== 1) fail('one input (history), or two (history, state), and one output expected');
  const producer = new Map<string, OnnxNode>();
  for (const n of graph.nodes) for (const o of n.outputs) if (o) producer.set(o, n);
  const constant = (name: string | undefined): (OnnxTensor & { type: 'float32' }) | null => {
    const t = name ? graph.constants.get(name) : undefined;
    return t?.type === 'float32' ? t : null;
  };
  const op = (name: string | undefined, type: string): OnnxNode | null => {
    const n = name ? producer.get(name) : undefined;
    return n?.opType === type ? n : null;
  };
  /** The constant operand and the other operand of a binary node. */
  const split = (n: OnnxNode): { c: (OnnxTensor & { type: 'float32' }) | null; other: string } => {
    const c0 = constant(n.inputs[0]);
    return c0 ? { c: c0, other: n.inputs[1] } : { c: constant(n.inputs[1]), other: n.inputs[0] };
  };
  const { window: w, channels: C, outputs: o } = expected;
  const consumers = (name: string) => graph.nodes.filter((n) => n.inputs.includes(name));

  // The LSTM chain: the first reads Tanh(features), each next one the Squeeze of the previous Y.
  const lstms = graph.nodes.filter((n) => n.opType === 'LSTM');
  if (lstms.length === 0) fail('no LSTM node');
  const first = lstms.find((n) => op(n.inputs[0], 'Tanh'));
  if (!first) fail('no LSTM reads a Tanh of the features');
  const chain: OnnxNode[] = [first!];
  for (;;) {
    const last = chain[chain.length - 1];
    const next = lstms.find((n) => {
      const sq = op(n.inputs[0], 'Squeeze');
      return sq && sq.inputs[0] === last.outputs[0];
    });
    if (!next) break;
    chain.push(next);
  }
  if (chain.length !== lstms.length) fail(`${lstms.length} LSTM nodes, of which ${chain.length} form a chain`);
  const layers: LstmLayerWeights[] = chain.map((n, i) => {
    const W = constant(n.inputs[1]), R = constant(n.inputs[2]);
    if (!W || !R) return fail(`LSTM '${n.name}' weights are not constant`);
    const H = R.dims[2];
    const B = n.inputs[3] ? constant(n.inputs[3]) : null;
    if (n.inputs[3] && !B) fail(`LSTM '${n.name}' bias is not constant`);
    if (W.dims.length !== 3 || W.dims[0] !== 1 || W.dims[1] !== 4 * H || R.dims[1] !== 4 * H) fail(`LSTM '${n.name}' is bidirectional or has unexpected weights`);
    if (i > 0 && W.dims[2] !== H) fail(`LSTM '${n.name}' input ${W.dims[2]} differs from the hidden size ${H}`);
    return { inputSize: W.dims[2], w: W.data, r: R.data, b: B ? B.data : new Float32Array(8 * H) };
  });
  const hidden = chain[0].inputs[2] ? (constant(chain[0].inputs[2])?.dims[2] ?? 0) : 0;
  if (layers.some((l) => l.r.length !== 4 * hidden * hidden)) fail('LSTM layers of different hidden sizes');

  // Features: Tanh of a sum of MatMul(x, inpW), inpB and MatMul(ReduceMean(x), ctxW).
  const tanh = op(first!.inputs[0], 'Tanh')!;
  const terms: string[] = [];
  const flatten = (name: string) => {
    const add = op(name, 'Add');
    if (add && !constant(name)) { flatten(add.inputs[0]); flatten(add.inputs[1]); } else terms.push(name);
  };
  flatten(tanh.inputs[0]);
  let inpW: Float32Array | null = null, ctxW: Float32Array | null = null, x: string | null = null;
  let inpB: Float32Array | null = null;
  const features = layers[0].inputSize;
  for (const t of terms) {
    const c = constant(t);
    if (c) {
      if (c.data.length !== features || inpB) fail('unexpected constant in the feature sum');
      inpB = c.data;
      continue;
    }
    const mm = op(t, 'MatMul');
    const weight = mm ? constant(mm.inputs[1]) : null;
    if (!mm || !weight || weight.dims.length !== 2) return fail('the feature sum holds something other than MatMul with a constant weight');
    const mean = op(mm.inputs[0], 'ReduceMean');
    if (mean) {
      if (ctxW) fail('two context terms');
      ctxW = weight.data;
      if (x !== null && mean.inputs[0] !== x) fail('the context term reads other features');
      x = mean.inputs[0];
    } else {
      if (inpW) fail('two input projections');
      inpW = weight.data;
      if (x !== null && mm.inputs[0] !== x) fail('the context term reads other features');
      x = mm.inputs[0];
    }
  }
  if (!inpW || inpW.length !== 2 * C * features) return fail(`no input projection [${2 * C}, ${features}]`);
  if (ctxW && ctxW.length !== 2 * C * features) fail(`the context projection is not [${2 * C}, ${features}]`);
  inpB ??= new Float32Array(features);

  // x = Concat(xn[1:], (xn[1:] - xn[:-1]) / deltaScale); xn = (Transpose(history) - mean) / std.
  const concat = op(x!, 'Concat');
  if (concat?.inputs.length !== 2) return fail('the features are not a Concat of two parts');
  const scaled = op(concat.inputs[1], 'Div');
  const ds = scaled ? split(scaled).c : null;
  if (!ds || ds.data.length !== C) return fail('the change features are not divided by a constant per channel');
  const normDiv = graph.nodes.find((n) => n.opType === 'Div' && op(n.inputs[0], 'Sub') && op(op(n.inputs[0], 'Sub')!.inputs[0], 'Transpose'));
  if (!normDiv) return fail('no normalization (Transpose(history) - mean) / std');
  const std = constant(normDiv.inputs[1]);
  const mean = constant(op(normDiv.inputs[0], 'Sub')!.inputs[1]);
  if (!std || !mean || std.data.length !== C || mean.data.length !== C) return fail('the normalization constants are not per channel');

  // Head: Gemm on the last step of the last layer.
  const gemms = graph.nodes.filter((n) => n.opType === 'Gemm');
  if (gemms.length !== 1) fail('one Gemm (the head) expected');
  const gemm = gemms[0];
  const hw = constant(gemm.inputs[1]);
  if (!hw || hw.data.length !== o * C * hidden) return fail(`the head is not [${o * C}, ${hidden}]`);
  const attr = (name: string, fallback: number) => {
    const a = gemm.attributes.get(name);
    return a && (a.kind === 'int' || a.kind === 'float') ? a.value : fallback;
  };
  if (attr('transA', 0) !== 0) fail('the head Gemm transposes its input');
  const alpha = attr('alpha', 1), beta = attr('beta', 1);
  const headW = new Float32Array(o * C * hidden);
  for (let r = 0; r < o * C; r++) {
    for (let k = 0; k < hidden; k++) headW[r * hidden + k] = alpha * (attr('transB', 0) ? hw.data[r * hidden + k] : hw.data[k * o * C + r]);
  }
  const hb = gemm.inputs[2] ? constant(gemm.inputs[2]) : null;
  if (gemm.inputs[2] && (!hb || (hb.data.length !== o * C && hb.data.length !== 1))) fail('the head bias is not constant');
  const headB = new Float32Array(o * C);
  for (let r = 0; r < o * C; r++) headB[r] = hb ? beta * hb.data[hb.data.length === 1 ? 0 : r] : 0;

  // The state: Add(head output, Transpose(state, perm [1, 0])).
  const stateName = findStateInput();
  if (stateName !== null && !expected.state) {
    fail(`the graph takes a state input '${stateName}' (a state-conditioned LSTM) but the manifest has no state; `
      + 'a state model needs the manifest\'s state and files.stateEncoder (docs/contracts.md "State conditioning")');
  }
  if (stateName === null && expected.state) {
    throw new ModelError(`${file}: the manifest has state, but the LSTM graph takes no state input (inputs ${graph.inputs.map((i) => `'${i.name}'`).join(', ')}); `
      + 'a state-conditioned lstm.onnx takes (history [w, C, N], state [C, N]) and adds Transpose(state) to the head output (docs/contracts.md "State conditioning")');
  }
  const history = graph.inputs.find((i) => i.name !== stateName)!;
  if (stateName !== null && o !== 1) fail(`a state input with ${o} outputs (only outputs 1 takes a state)`);

  // Base steps: the Mul of a constant [o, 1] with the last change.
  const stepsNode = graph.nodes.find((n) => n.opType === 'Mul' && split(n).c?.dims.join() === `${o},1`);
  if (!stepsNode) return fail(`no base steps [${o}, 1]`);
  const baseSteps = Float32Array.from(split(stepsNode).c!.data);

  const plan: LstmPlan = {
    file, window: w, channels: C, outputs: o, hidden, features, mean: mean.data, std: std.data, deltaScale: ds.data,
    inpW, inpB, ctxW, layers, headW, headB, baseSteps, stateInput: stateName !== null,
  };
  if (hidden > LSTM_LIMITS.maxWidth || features > LSTM_LIMITS.maxWidth || 2 * C > LSTM_LIMITS.maxWidth || o * C > LSTM_LIMITS.maxWidth * 4) {
    fail(`widths (hidden ${hidden}, features ${features}, 2C ${2 * C}) above ${LSTM_LIMITS.maxWidth}`);
  }
  if (layers.length > LSTM_LIMITS.maxLayers) fail(`${layers.length} LSTM layers (at most ${LSTM_LIMITS.maxLayers})`);
  verifyPlan(graph, plan, history.name, stateName);
  return plan;

  /**
   * The name of the graph input that is the state, or null: a second input must be read only
   * by a Transpose with perm [1, 0] whose output one Add adds to the head Gemm's output.
   */
  function findStateInput(): string | null {
    if (graph.inputs.length === 1) return null;
    const candidates = graph.inputs.filter((input) => {
      const uses = consumers(input.name);
      if (uses.length !== 1 || uses[0].opType !== 'Transpose') return false;
      const perm = uses[0].attributes.get('perm');
      if (!(perm?.kind === 'ints' && perm.value.join() === '1,0')) return false;
      const adds = consumers(uses[0].outputs[0]);
      return adds.length === 1 && adds[0].opType === 'Add' && adds[0].inputs.includes(gemm.outputs[0]);
    });
    if (candidates.length !== 1) return fail(`two inputs (${graph.inputs.map((i) => `'${i.name}'`).join(', ')}), but none is a state added as Transpose(state, perm [1, 0]) to the head's Gemm output`);
    const state = candidates[0];
    const channels = state.dims?.[0];
    if (typeof channels === 'number' && channels !== C) fail(`the state input '${state.name}' has ${channels} channels, the code has ${C}`);
    return state.name;
  }
}

/**
 * Evaluates the graph and the plan on the same pseudo-random history (and state, of the size
 * of the head's output, so a state that entered elsewhere or scaled shows); refuses the plan if they differ.
 */
function verifyPlan(graph: OnnxGraph, plan: LstmPlan, historyName: string, stateName: string | null): void {
  const cells = 3;
  const count = plan.window * plan.channels * cells;
  const history = new Float32Array(count);
  let s = 12345;
  const next = () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return (s / 4294967296) * 2 - 1;
  };
  for (let i = 0; i < count; i++) {
    const c = Math.floor(i / cells) % plan.channels;
    history[i] = plan.mean[c] + plan.std[c] * next();
  }
  const state = stateName === null ? undefined : Float32Array.from({ length: plan.channels * cells }, next);
  const [output] = graph.outputs;
  const feeds: Record<string, CpuTensor> = { [historyName]: { dims: [plan.window, plan.channels, cells], data: Float64Array.from(history) } };
  if (stateName !== null) feeds[stateName] = { dims: [plan.channels, cells], data: Float64Array.from(state!) };
  let want: Float64Array;
  try {
    want = evaluateOnnxGraph(graph, feeds)[output.name].data;
  } catch (e) {
    throw new UnsupportedGraphError(`${graph.file}: the graph could not be evaluated to check the extracted weights: ${(e as Error).message}`);
  }
  const got = evaluateLstmPlan(plan, history, cells, state);
  let worst = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  if (want.length !== got.length || !(worst <= 1e-6 * scale + 1e-9)) {
    throw new UnsupportedGraphError(`${graph.file}: the recognised LSTM does not reproduce the graph (max difference ${worst}, scale ${scale}); `
      + 'the WGSL runtime knows only the LatentLSTM of training/models.py');
  }
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * The plan's prediction on the CPU (double precision): history [w, C, N] (raw codes) and, for a
 * state-conditioned plan, state [C, N] -> prediction [o, C, N]. Used at load to check the
 * extracted weights against the graph.
 */
export function evaluateLstmPlan(plan: LstmPlan, history: ArrayLike<number>, cells: number, state?: ArrayLike<number>): Float64Array {
  const { window: w, channels: C, outputs: o, hidden: H, features: F } = plan;
  const N = cells;
  if (plan.stateInput && (!state || state.length !== C * N)) throw new Error(`${plan.file}: a state-conditioned LSTM needs a state of ${C * N} values`);
  const T = w - 1;
  const xn = (t: number, c: number, n: number) => (history[(t * C + c) * N + n] - plan.mean[c]) / plan.std[c];
  // Features x_t [T][N][2C] and their mean over cells [T][2C].
  const x = new Float64Array(T * N * 2 * C);
  const mean = new Float64Array(T * 2 * C);
  for (let t = 0; t < T; t++) {
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        const cur = xn(t + 1, c, n);
        const v = [cur, (cur - xn(t, c, n)) / plan.deltaScale[c]];
        for (let half = 0; half < 2; half++) {
          const j = half * C + c;
          x[(t * N + n) * 2 * C + j] = v[half];
          mean[t * 2 * C + j] += v[half] / N;
        }
      }
    }
  }
  const out = new Float64Array(o * C * N);
  const L = plan.layers.length;
  for (let n = 0; n < N; n++) {
    const h = Array.from({ length: L }, () => new Float64Array(H));
    const c = Array.from({ length: L }, () => new Float64Array(H));
    for (let t = 0; t < T; t++) {
      let input = new Float64Array(F);
      for (let u = 0; u < F; u++) {
        let acc = plan.inpB[u];
        for (let j = 0; j < 2 * C; j++) {
          acc += x[(t * N + n) * 2 * C + j] * plan.inpW[j * F + u];
          if (plan.ctxW) acc += mean[t * 2 * C + j] * plan.ctxW[j * F + u];
        }
        input[u] = Math.tanh(acc);
      }
      for (let l = 0; l < L; l++) {
        const { w: W, r: R, b: B, inputSize: I } = plan.layers[l];
        const next = new Float64Array(H);
        for (let u = 0; u < H; u++) {
          const g = [0, 1, 2, 3].map((gate) => {
            const row = gate * H + u;
            let acc = B[row] + B[4 * H + row];
            for (let k = 0; k < I; k++) acc += W[row * I + k] * input[k];
            for (let k = 0; k < H; k++) acc += R[row * H + k] * h[l][k];
            return acc;
          });
          c[l][u] = sigmoid(g[2]) * c[l][u] + sigmoid(g[0]) * Math.tanh(g[3]);
          next[u] = sigmoid(g[1]) * Math.tanh(c[l][u]);
        }
        h[l] = next;
        input = next;
      }
    }
    for (let k = 0; k < o; k++) {
      for (let ch = 0; ch < C; ch++) {
        const r = k * C + ch;
        let d = plan.headB[r];
        for (let u = 0; u < H; u++) d += plan.headW[r * H + u] * h[L - 1][u];
        if (plan.stateInput) d += state![ch * N + n];
        const last = xn(w - 1, ch, n), prev = xn(w - 2, ch, n);
        const v = last + plan.baseSteps[k] * (last - prev) + d * plan.deltaScale[ch];
        out[(k * C + ch) * N + n] = v * plan.std[ch] + plan.mean[ch];
      }
    }
  }
  return out;
}
