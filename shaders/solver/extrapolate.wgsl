// Velocity extrapolation into air: each pass gives every invalid face the mean of its valid
// neighbours on the same face lattice (one layer per pass); faces with none get 0, so air far
// from the liquid never accumulates stale velocities.

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<storage, read> velocityIn: array<f32>;
@group(0) @binding(2) var<storage, read_write> velocityOut: array<f32>;
@group(0) @binding(3) var<storage, read> validIn: array<u32>;
@group(0) @binding(4) var<storage, read_write> validOut: array<u32>;

@compute @workgroup_size(WG, WG, WG)
fn extrapolateVelocity(@builtin(global_invocation_id) gid: vec3<u32>) {
  let f = vec3<i32>(gid);
  for (var axis = 0u; axis < 3u; axis = axis + 1u) {
    let fd = faceDims(axis);
    if (!all(f < fd)) { continue; }
    let fi = faceIndex(axis, f);
    if (validIn[fi] != 0u) {
      velocityOut[fi] = velocityIn[fi];
      validOut[fi] = 1u;
      continue;
    }
    var sum = 0.0;
    var count = 0u;
    for (var dir = 0u; dir < 3u; dir = dir + 1u) {
      for (var s = -1; s <= 1; s = s + 2) {
        let nb = f + s * axisVector(dir);
        if (any(nb < vec3<i32>(0)) || any(nb >= fd)) { continue; }
        let ni = faceIndex(axis, nb);
        if (validIn[ni] != 0u) {
          sum = sum + velocityIn[ni];
          count = count + 1u;
        }
      }
    }
    if (count > 0u) {
      velocityOut[fi] = sum / f32(count);
      validOut[fi] = 1u;
    } else {
      velocityOut[fi] = 0.0;
      validOut[fi] = 0u;
    }
  }
}
