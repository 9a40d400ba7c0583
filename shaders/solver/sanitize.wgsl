// Repairs non-finite values in the liquid state and counts them, so one bad value (a broken
// prediction, an overflow) can never spread: velocity -> 0, pressure -> 0, level set -> air.
// health: [0] level-set, [1] velocity, [2] pressure values repaired (running totals).

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<storage, read_write> phi: array<f32>;
@group(0) @binding(2) var<storage, read_write> velocity: array<f32>;
@group(0) @binding(3) var<storage, read_write> pressure: array<f32>;
@group(0) @binding(4) var<storage, read_write> health: array<atomic<u32>, 4>;

@compute @workgroup_size(WG, WG, WG)
fn sanitizeState(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (inGrid(c)) {
    let idx = cellIndex(c);
    if (!isFiniteF32(phi[idx])) { phi[idx] = params.bandWidth; atomicAdd(&health[0], 1u); }
    if (!isFiniteF32(pressure[idx])) { pressure[idx] = 0.0; atomicAdd(&health[2], 1u); }
  }
  for (var axis = 0u; axis < 3u; axis = axis + 1u) {
    if (!all(c < faceDims(axis))) { continue; }
    let fi = faceIndex(axis, c);
    if (!isFiniteF32(velocity[fi])) { velocity[fi] = 0.0; atomicAdd(&health[1], 1u); }
  }
}
