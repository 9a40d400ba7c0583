// The latent LSTM (WGSL runtime, src/latent/wgsl/wgsl-latent-lstm.ts; formula: LstmPlan in
// src/latent/wgsl/lstm-plan.ts). history [w][C][N] raw codes -> prediction [o][C][N]; a
// state-conditioned model (hasState = 1, outputs 1) adds state[c][n] (the state encoder's code)
// to the head's output before the scaling by deltaScale.
// lstmContext: the mean over all cells of each step's features (one workgroup per step and
// feature, a tree reduction). lstmCells: one workgroup per latent cell runs the features,
// every LSTM layer over the w - 1 steps, the head and the residual base, with the hidden and
// cell states in workgroup memory (threads loop over units, so any width up to MAX_WIDTH).

const THREADS: u32 = 64u;
const MAX_WIDTH: u32 = 256u;
const MAX_LAYERS: u32 = 4u;

struct LstmParams {
  cells: u32,
  window: u32,
  channels: u32,
  outputs: u32,
  hidden: u32,
  features: u32,
  layers: u32,
  hasContext: u32,
  // offsets into `scalars`
  meanAt: u32,
  stdAt: u32,
  deltaAt: u32,
  inpWAt: u32,   // [2C][features]
  inpBAt: u32,   // [features]
  ctxWAt: u32,   // [2C][features]
  headWAt: u32,  // [o * C][hidden]
  headBAt: u32,  // [o * C]
  stepsAt: u32,  // [o]
  hasState: u32, // 1: add state[c][n] to the head output (else `state` is not read)
  _pad1: u32,
  _pad2: u32,
  // per layer, offsets into `gates` (vec4 units): W^T [input][hidden], R^T [hidden][hidden],
  // bias [hidden] (input + recurrent), and the layer's input size
  layerAt: array<vec4<u32>, 4>,
};

@group(0) @binding(0) var<uniform> lstm: LstmParams;
@group(0) @binding(1) var<storage, read> scalars: array<f32>;
@group(0) @binding(2) var<storage, read> gates: array<vec4<f32>>;  // (i, o, f, c) of one unit
@group(0) @binding(3) var<storage, read> history: array<f32>;
@group(0) @binding(4) var<storage, read_write> context: array<f32>;  // [w - 1][2C] means over cells
@group(0) @binding(5) var<storage, read_write> prediction: array<f32>;
@group(0) @binding(6) var<storage, read> state: array<f32>;  // [C][N], read only when hasState == 1

var<workgroup> partial: array<f32, THREADS>;
var<workgroup> xs: array<f32, MAX_WIDTH>;                          // features x_t [2C]
var<workgroup> fs: array<f32, MAX_WIDTH>;                          // f_t, the first layer's input
var<workgroup> hs: array<f32, 2048>;                               // [layer][2][MAX_WIDTH] hidden states (double-buffered)
var<workgroup> cs: array<f32, 1024>;                               // [layer][MAX_WIDTH] cell states

fn normalized(t: u32, c: u32, n: u32) -> f32 {
  return (history[(t * lstm.channels + c) * lstm.cells + n] - scalars[lstm.meanAt + c]) / scalars[lstm.stdAt + c];
}

/** Feature j of step t (x_t = [xn_{t+1}, (xn_{t+1} - xn_t) / deltaScale]) of cell n. */
fn feature(t: u32, j: u32, n: u32) -> f32 {
  let C = lstm.channels;
  if (j < C) { return normalized(t + 1u, j, n); }
  let c = j - C;
  return (normalized(t + 1u, c, n) - normalized(t, c, n)) / scalars[lstm.deltaAt + c];
}

fn sigmoid(x: f32) -> f32 {
  return 1.0 / (1.0 + exp(-x));
}

// Some tanh implementations return NaN for large |x| (exp overflow); tanh(15) is 1 in f32.
// NaN inputs stay NaN (select keeps x when the comparison fails).
fn safeTanh(x: f32) -> f32 {
  return tanh(select(x, sign(x) * 15.0, abs(x) > 15.0));
}

@compute @workgroup_size(THREADS)
fn lstmContext(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let j = wid.x;  // feature
  let t = wid.y;  // step
  var sum = 0.0;
  for (var n = lid.x; n < lstm.cells; n += THREADS) { sum += feature(t, j, n); }
  partial[lid.x] = sum;
  workgroupBarrier();
  for (var s = THREADS / 2u; s > 0u; s /= 2u) {
    if (lid.x < s) { partial[lid.x] += partial[lid.x + s]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { context[t * 2u * lstm.channels + j] = partial[0] / f32(lstm.cells); }
}

@compute @workgroup_size(THREADS)
fn lstmCells(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let n = wid.x + wid.y * 65535u;
  if (n >= lstm.cells) { return; }
  let C = lstm.channels;
  let H = lstm.hidden;
  let F = lstm.features;
  let L = lstm.layers;
  let steps = lstm.window - 1u;
  for (var i = lid.x; i < MAX_LAYERS * MAX_WIDTH; i += THREADS) {
    cs[i] = 0.0;
    hs[2u * i] = 0.0;
    hs[2u * i + 1u] = 0.0;
  }
  for (var t = 0u; t < steps; t++) {
    for (var j = lid.x; j < 2u * C; j += THREADS) { xs[j] = feature(t, j, n); }
    workgroupBarrier();
    for (var u = lid.x; u < F; u += THREADS) {
      var acc = scalars[lstm.inpBAt + u];
      for (var j = 0u; j < 2u * C; j++) {
        acc += xs[j] * scalars[lstm.inpWAt + j * F + u];
        if (lstm.hasContext == 1u) { acc += context[t * 2u * C + j] * scalars[lstm.ctxWAt + j * F + u]; }
      }
      fs[u] = safeTanh(acc);
    }
    workgroupBarrier();
    // hs[l][t % 2] holds h_{t-1} of layer l; h_t goes to hs[l][(t + 1) % 2].
    let cur = t % 2u;
    let nxt = 1u - cur;
    for (var l = 0u; l < L; l++) {
      let at = lstm.layerAt[l];
      let inputSize = at.w;
      let hPrev = (2u * l + cur) * MAX_WIDTH;
      let hNext = (2u * l + nxt) * MAX_WIDTH;
      let below = (2u * (l - 1u) + nxt) * MAX_WIDTH;  // h_t of the layer below (l > 0)
      for (var u = lid.x; u < H; u += THREADS) {
        var g = gates[at.z + u];
        for (var k = 0u; k < inputSize; k++) {
          var input: f32;
          if (l == 0u) { input = fs[k]; } else { input = hs[below + k]; }
          g += input * gates[at.x + k * H + u];
        }
        for (var k = 0u; k < H; k++) { g += hs[hPrev + k] * gates[at.y + k * H + u]; }
        let c = sigmoid(g.z) * cs[l * MAX_WIDTH + u] + sigmoid(g.x) * safeTanh(g.w);
        cs[l * MAX_WIDTH + u] = c;
        hs[hNext + u] = sigmoid(g.y) * safeTanh(c);
      }
      workgroupBarrier();
    }
  }
  let top = (2u * (L - 1u) + steps % 2u) * MAX_WIDTH;
  for (var r = lid.x; r < lstm.outputs * C; r += THREADS) {
    var d = scalars[lstm.headBAt + r];
    for (var u = 0u; u < H; u++) { d += scalars[lstm.headWAt + r * H + u] * hs[top + u]; }
    let k = r / C;
    let c = r % C;
    if (lstm.hasState == 1u) { d += state[c * lstm.cells + n]; }
    let last = normalized(lstm.window - 1u, c, n);
    let prev = normalized(lstm.window - 2u, c, n);
    let v = last + scalars[lstm.stepsAt + k] * (last - prev) + d * scalars[lstm.deltaAt + c];
    prediction[r * lstm.cells + n] = v * scalars[lstm.stdAt + c] + scalars[lstm.meanAt + c];
  }
}
