// The history of the last `window` latent codes, oldest first, shifted by one code per push.
// Every step pushes the encoder's code of the pressure it actually used: a solved step's
// solution, an accepted prediction after its corrections, or a discarded prediction's fallback
// solve (LatentPressurePredictor.encodeUsedPressure), so a rejected prediction never enters
// the history. With the history update 'keep-predicted' (pushUsedCode) a kept prediction
// pushes the LSTM's predicted code instead, and only a discarded one the encoder's code (the
// encoder ran, gated, only then). Non-finite code values (a broken encoder) are replaced by the newest code and
// counted, so one bad step cannot poison the ones after it.

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<uniform> latent: LatentParams;
@group(0) @binding(2) var<storage, read> historyIn: array<f32>;
@group(0) @binding(3) var<storage, read_write> historyOut: array<f32>;
@group(0) @binding(4) var<storage, read> code: array<f32>;
@group(0) @binding(5) var<storage, read_write> state: LatentState;
@group(0) @binding(6) var<storage, read> predicted: array<f32>;  // the LSTM's prediction [o][C][N]; its first code

const PUSH_THREADS: u32 = 64u;

/** Entry e of the shifted history, `fresh` the newest code's value at e's place. */
fn pushEntry(e: u32, fresh: f32) {
  let n = latent.codeCount;
  let slot = e / n;
  if (slot + 1u < latent.window) {
    historyOut[e] = historyIn[e + n];
    return;
  }
  if (isFiniteF32(fresh)) {
    historyOut[e] = fresh;
  } else {
    historyOut[e] = historyIn[e];
    atomicAdd(&state.repairedCodes, 1u);
  }
}

@compute @workgroup_size(PUSH_THREADS)
fn pushCode(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x;
  if (e >= latent.codeCount * latent.window) { return; }
  pushEntry(e, code[e % latent.codeCount]);
}

// The end of a predicted step under 'keep-predicted': the predicted code if the prediction was
// kept, the encoder's code of the fallback solve if it was discarded (flags reset per prediction
// by resetPredictionCheck, as setAnchorIfDiscarded reads them).
@compute @workgroup_size(PUSH_THREADS)
fn pushUsedCode(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x;
  if (e >= latent.codeCount * latent.window) { return; }
  let discarded = atomicLoad(&state.nonFinite) > 0u || atomicLoad(&state.restore) != 0u;
  let i = e % latent.codeCount;
  pushEntry(e, select(predicted[i], code[i], discarded));
}
