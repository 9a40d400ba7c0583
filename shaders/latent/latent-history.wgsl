// The history of the last `window` latent codes, oldest first, shifted by one code per push.
// Every step pushes the encoder's code of the pressure it actually used: a solved step's
// solution, an accepted prediction after its corrections, or a discarded prediction's fallback
// solve (LatentPressurePredictor.encodeUsedPressure), so a rejected prediction never enters
// the history. Non-finite code values (a broken encoder) are replaced by the newest code and
// counted, so one bad step cannot poison the ones after it.

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<uniform> latent: LatentParams;
@group(0) @binding(2) var<storage, read> historyIn: array<f32>;
@group(0) @binding(3) var<storage, read_write> historyOut: array<f32>;
@group(0) @binding(4) var<storage, read> code: array<f32>;
@group(0) @binding(5) var<storage, read_write> state: LatentState;

const PUSH_THREADS: u32 = 64u;

@compute @workgroup_size(PUSH_THREADS)
fn pushCode(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x;
  let n = latent.codeCount;
  if (e >= n * latent.window) { return; }
  let slot = e / n;
  if (slot + 1u < latent.window) {
    historyOut[e] = historyIn[e + n];
    return;
  }
  let v = code[e - slot * n];
  if (isFiniteF32(v)) {
    historyOut[e] = v;
  } else {
    historyOut[e] = historyIn[e];
    atomicAdd(&state.repairedCodes, 1u);
  }
}
