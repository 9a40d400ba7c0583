import type { LstmLayerWeights, LstmPlan } from '../latent/wgsl/lstm-plan';

/** One LSTM cell of one layer: its hidden and cell state. */
interface CellState {
  h: number[];
  c: number[];
}

/** One step of an ONNX LSTM layer (gates i, o, f, c; biases Wb + Rb) on one input vector. */
function lstmStep(layer: LstmLayerWeights, hidden: number, input: number[], state: CellState): CellState {
  const H = hidden;
  const gate = (q: number, u: number) => {
    const row = q * H + u;
    let s = layer.b[row] + layer.b[4 * H + row];
    input.forEach((v, k) => { s += layer.w[row * layer.inputSize + k] * v; });
    state.h.forEach((v, k) => { s += layer.r[row * H + k] * v; });
    return s;
  };
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const c = state.c.map((cPrev, u) => sig(gate(2, u)) * cPrev + sig(gate(0, u)) * Math.tanh(gate(3, u)));
  const h = c.map((cu, u) => sig(gate(1, u)) * Math.tanh(cu));
  return { h, c };
}

/**
 * CPU reference of the latent LSTM (the oracle of the WGSL kernels; double precision):
 * history [w, C, N] raw codes (and, for a state-conditioned plan, state [C, N]) -> prediction
 * [o, C, N]. Formula: LstmPlan.
 */
export function referenceLatentLstm(plan: LstmPlan, history: ArrayLike<number>, cells: number, state?: ArrayLike<number>): Float64Array {
  const { window: w, channels: C, outputs: o, hidden: H, features: F } = plan;
  if (plan.stateInput && state?.length !== C * cells) throw new Error(`referenceLatentLstm: a state-conditioned plan needs a state of ${C * cells} values`);
  const code = (t: number, n: number) => Array.from({ length: C }, (_, c) => (history[(t * C + c) * cells + n] - plan.mean[c]) / plan.std[c]);
  // x[t][n]: the 2C features of step t (codes t + 1 and their change since t).
  const x = Array.from({ length: w - 1 }, (_, t) => Array.from({ length: cells }, (_, n) => {
    const now = code(t + 1, n), before = code(t, n);
    return [...now, ...now.map((v, c) => (v - before[c]) / plan.deltaScale[c])];
  }));
  const context = x.map((step) => step[0].map((_, j) => step.reduce((s, cell) => s + cell[j], 0) / cells));
  const project = (weights: Float32Array, v: number[], u: number) => v.reduce((s, vj, j) => s + vj * weights[j * F + u], 0);
  const out = new Float64Array(o * C * cells);
  for (let n = 0; n < cells; n++) {
    let states: CellState[] = plan.layers.map(() => ({ h: new Array(H).fill(0), c: new Array(H).fill(0) }));
    for (let t = 0; t < w - 1; t++) {
      const f = Array.from({ length: F }, (_, u) => Math.tanh(plan.inpB[u] + project(plan.inpW, x[t][n], u) + (plan.ctxW ? project(plan.ctxW, context[t], u) : 0)));
      let input = f;
      states = states.map((s, l) => {
        const next = lstmStep(plan.layers[l], H, input, s);
        input = next.h;
        return next;
      });
    }
    const top = states[states.length - 1].h;
    const last = code(w - 1, n), prev = code(w - 2, n);
    for (let k = 0; k < o; k++) {
      for (let c = 0; c < C; c++) {
        const r = k * C + c;
        const d = top.reduce((s, hu, u) => s + plan.headW[r * H + u] * hu, plan.headB[r]) + (plan.stateInput ? state![c * cells + n] : 0);
        const normalized = last[c] + plan.baseSteps[k] * (last[c] - prev[c]) + d * plan.deltaScale[c];
        out[r * cells + n] = normalized * plan.std[c] + plan.mean[c];
      }
    }
  }
  return out;
}
