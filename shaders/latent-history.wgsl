// The history of the last `window` latent codes, oldest first, shifted by one code per push.
// A rejected prediction (non-finite values) repeats the newest code instead, and non-finite
// values never enter the history, so one bad step cannot poison the ones after it.

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<uniform> latent: LatentParams;
@group(0) @binding(2) var<storage, read> historyIn: array<f32>;
@group(0) @binding(3) var<storage, read_write> historyOut: array<f32>;
@group(0) @binding(4) var<storage, read> code: array<f32>;
@group(0) @binding(5) var<storage, read_write> state: LatentState;

const PUSH_THREADS: u32 = 64u;

fn push(e: u32, rejectWhole: bool) {
  let n = latent.codeCount;
  if (e >= n * latent.window) { return; }
  let slot = e / n;
  if (slot + 1u < latent.window) {
    historyOut[e] = historyIn[e + n];
    return;
  }
  let newest = historyIn[e];
  let v = code[e - slot * n];
  if (rejectWhole) {
    historyOut[e] = newest;
  } else if (!isFiniteF32(v)) {
    historyOut[e] = newest;
    atomicAdd(&state.repairedCodes, 1u);
  } else {
    historyOut[e] = v;
  }
}

@compute @workgroup_size(PUSH_THREADS)
fn pushEncodedCode(@builtin(global_invocation_id) gid: vec3<u32>) {
  push(gid.x, false);
}

@compute @workgroup_size(PUSH_THREADS)
fn pushPredictedCode(@builtin(global_invocation_id) gid: vec3<u32>) {
  push(gid.x, atomicLoad(&state.nonFinite) > 0u);
}
