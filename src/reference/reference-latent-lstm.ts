import type { LstmPlan } from '../latent/lstm-plan';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * CPU reference of the latent LSTM as the WGSL kernels compute it (double precision):
 * history [w, C, N] (raw codes) -> prediction [o, C, N]. See LstmPlan for the formula.
 */
export function referenceLatentLstm(plan: LstmPlan, history: ArrayLike<number>, cells: number): Float64Array {
  const { window: w, channels: C, outputs: o, hidden: H, features: F } = plan;
  const N = cells;
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
        const last = xn(w - 1, ch, n), prev = xn(w - 2, ch, n);
        const v = last + plan.baseSteps[k] * (last - prev) + d * plan.deltaScale[ch];
        out[(k * C + ch) * N + n] = v * plan.std[ch] + plan.mean[ch];
      }
    }
  }
  return out;
}
