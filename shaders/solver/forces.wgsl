// Body forces. Gravity is applied on faces that touch liquid; air faces get their velocity
// from extrapolation, so they never accumulate free-fall speed.

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<storage, read> phi: array<f32>;
@group(0) @binding(2) var<storage, read> solidPhi: array<f32>;
@group(0) @binding(3) var<storage, read_write> velocity: array<f32>;

fn isLiquidCell(c: vec3<i32>) -> bool {
  let idx = cellIndex(c);
  return phi[idx] < 0.0 && solidPhi[idx] >= 0.0;
}

@compute @workgroup_size(WG, WG, WG)
fn addGravity(@builtin(global_invocation_id) gid: vec3<u32>) {
  let f = vec3<i32>(gid);
  let n = dimsI();
  for (var axis = 0u; axis < 3u; axis = axis + 1u) {
    if (!all(f < faceDims(axis)) || f[axis] == 0 || f[axis] == n[axis]) { continue; }
    let a = f - axisVector(axis);
    if (isLiquidCell(a) || isLiquidCell(f)) {
      let fi = faceIndex(axis, f);
      velocity[fi] = velocity[fi] + params.gravity[axis] * params.dt;
    }
  }
}
