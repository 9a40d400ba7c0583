// Turns the decoder's output into the pressure of a predicted step, on the GPU:
//   resetPredictionCheck -> checkPrediction (count non-finite values in liquid cells)
//   -> decidePrediction (reject the whole prediction if any; arm the fallback Jacobi dispatches)
//   -> applyPrediction (p = scale * decoded + split * p_hydrostatic in liquid, 0 elsewhere,
//      unless rejected: then the warm start stays and the fallback solve runs);
//   adaptive mode, after the corrections: decideAdaptive -> restoreWarmStart.
// Delta form (the default): the network predicts the change since the last solved step, so
// the decoder's reconstruction error, which changes slowly, cancels:
//   p = scale * (anchor dynamic + decoded - decoded anchor) + split * p_hydrostatic,
// where the anchor holds the last solved step's normalized dynamic pressure and the decoding
// of its own latent code.

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<uniform> latent: LatentParams;
@group(0) @binding(2) var<storage, read> phi: array<f32>;
@group(0) @binding(3) var<storage, read> solidPhi: array<f32>;
@group(0) @binding(4) var<storage, read> hydrostatic: array<f32>;
@group(0) @binding(5) var<storage, read> decoded: array<f32>;
@group(0) @binding(6) var<storage, read_write> pressure: array<f32>;
@group(0) @binding(7) var<storage, read_write> state: LatentState;
@group(0) @binding(8) var<storage, read_write> fallbackArgs: array<u32, 4>;
@group(0) @binding(9) var<storage, read> anchor: array<f32>;  // [dynamic | decoded], 2 * cells
@group(0) @binding(10) var<storage, read> warmStart: array<f32>;  // the pressure before the prediction
@group(0) @binding(11) var<storage, read> solveControl: array<u32, 12>;  // SolveControl (pressure-convergence.wgsl)

fn isLiquid(idx: u32) -> bool {
  return phi[idx] < 0.0 && solidPhi[idx] >= 0.0;
}

fn predictedPressure(idx: u32) -> f32 {
  var normalized = decoded[idx];
  if (latent.deltaForm != 0u) { normalized = anchor[idx] + decoded[idx] - anchor[params.cellCount + idx]; }
  return normalized * latent.pressureScale + latent.split * hydrostatic[idx];
}

@compute @workgroup_size(1)
fn resetPredictionCheck() {
  atomicStore(&state.nonFinite, 0u);
  atomicStore(&state.restore, 0u);
}

@compute @workgroup_size(WG, WG, WG)
fn checkPrediction(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (!inGrid(c)) { return; }
  let idx = cellIndex(c);
  if (isLiquid(idx) && !isFiniteF32(predictedPressure(idx))) { atomicAdd(&state.nonFinite, 1u); }
}

@compute @workgroup_size(1)
fn decidePrediction() {
  atomicAdd(&state.predictions, 1u);
  let rejected = atomicLoad(&state.nonFinite) > 0u;
  if (rejected) { atomicAdd(&state.rejected, 1u); }
  let g = select(vec3<u32>(0u), latent.jacobiGroups, rejected);
  fallbackArgs[0] = g.x;
  fallbackArgs[1] = g.y;
  fallbackArgs[2] = g.z;
  fallbackArgs[3] = 0u;
}

@compute @workgroup_size(WG, WG, WG)
fn applyPrediction(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (!inGrid(c)) { return; }
  if (atomicLoad(&state.nonFinite) > 0u) { return; }
  let idx = cellIndex(c);
  pressure[idx] = select(0.0, predictedPressure(idx), isLiquid(idx));
}

// Adaptive mode, after the correction iterations and a divergence measurement
// (JacobiPressureSolver.measureDivergence): a prediction that would leave more RMS divergence
// than the threshold is discarded. The warm start (the previous step's pressure) comes back and
// the fallback dispatches run a full solve from it, because Jacobi removes the low-frequency
// error of a bad prediction far more slowly than it converges from the warm start (measured).
@compute @workgroup_size(1)
fn decideAdaptive() {
  if (latent.adaptiveThreshold <= 0.0 || atomicLoad(&state.nonFinite) > 0u) { return; }
  let divergenceRms = bitcast<f32>(solveControl[8]);
  if (divergenceRms <= latent.adaptiveThreshold) { return; }
  atomicStore(&state.restore, 1u);
  atomicAdd(&state.adaptiveFallbacks, 1u);
  fallbackArgs[0] = latent.jacobiGroups.x;
  fallbackArgs[1] = latent.jacobiGroups.y;
  fallbackArgs[2] = latent.jacobiGroups.z;
}

@compute @workgroup_size(WG, WG, WG)
fn restoreWarmStart(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (!inGrid(c) || atomicLoad(&state.restore) == 0u) { return; }
  let idx = cellIndex(c);
  pressure[idx] = warmStart[idx];
}
