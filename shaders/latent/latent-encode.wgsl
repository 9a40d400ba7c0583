// The encoder's input from the pressure a step used: channel 0 the normalized (dynamic, in
// split mode) pressure in liquid cells, channel 1 (optional) the clamped level set in cells.
// setAnchorIfDiscarded: at the end of a predicted step whose prediction was discarded (NaN/Inf,
// or above the adaptive threshold), that step's pressure came from a full solve, so it becomes
// the delta form's anchor, exactly as a solved step's does: [its normalized pressure (channel 0
// of encoderInput) | the decoding of its own code]. An accepted prediction leaves the anchor.

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<uniform> latent: LatentParams;
@group(0) @binding(2) var<storage, read> phi: array<f32>;
@group(0) @binding(3) var<storage, read> solidPhi: array<f32>;
@group(0) @binding(4) var<storage, read> pressure: array<f32>;
@group(0) @binding(5) var<storage, read> hydrostatic: array<f32>;
@group(0) @binding(6) var<storage, read_write> encoderInput: array<f32>;
@group(0) @binding(7) var<storage, read> decoded: array<f32>;  // the decoding of this step's code
@group(0) @binding(8) var<storage, read_write> anchor: array<f32>;  // [dynamic | decoded], 2 * cells
@group(0) @binding(9) var<storage, read_write> state: LatentState;

fn isLiquid(idx: u32) -> bool {
  return phi[idx] < 0.0 && solidPhi[idx] >= 0.0;
}

@compute @workgroup_size(WG, WG, WG)
fn prepareEncoderInput(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (!inGrid(c)) { return; }
  let idx = cellIndex(c);
  var value = 0.0;
  if (isLiquid(idx)) { value = (pressure[idx] - latent.split * hydrostatic[idx]) / latent.pressureScale; }
  encoderInput[idx] = value;
  if (latent.inputChannels > 1u) {
    let k = latent.levelSetClamp;
    encoderInput[params.cellCount + idx] = clamp(phi[idx] * params.invCellSize, -k, k) / k;
  }
}

@compute @workgroup_size(WG, WG, WG)
fn setAnchorIfDiscarded(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (!inGrid(c)) { return; }
  // Both flags are reset at the start of every predicted step (resetPredictionCheck).
  let discarded = atomicLoad(&state.nonFinite) > 0u || atomicLoad(&state.restore) != 0u;
  if (!discarded) { return; }
  let idx = cellIndex(c);
  anchor[idx] = encoderInput[idx];
  anchor[params.cellCount + idx] = decoded[idx];
}
