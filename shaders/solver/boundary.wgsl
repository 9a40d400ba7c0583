// Solid boundary condition on the MAC velocity: the normal velocity on a face that touches a
// solid equals the solid's velocity there (0 on the static domain walls, the rigid velocity of
// the nearest obstacle otherwise). Tangential components are left free (free slip).

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<storage, read> shapes: array<Shape>;
@group(0) @binding(2) var<storage, read> solidPhi: array<f32>;
@group(0) @binding(3) var<storage, read_write> velocity: array<f32>;

fn obstacleVelocityAt(axis: u32, p: vec3<f32>) -> f32 {
  var best = SOLID_NONE;
  var v = 0.0;
  for (var s = 0u; s < params.obstacleCount; s = s + 1u) {
    let d = shapeDistance(shapes[s], p);
    if (d < best) {
      best = d;
      v = shapeVelocity(shapes[s], p)[axis];
    }
  }
  return v;
}

@compute @workgroup_size(WG, WG, WG)
fn enforceSolidVelocity(@builtin(global_invocation_id) gid: vec3<u32>) {
  let f = vec3<i32>(gid);
  let n = dimsI();
  for (var axis = 0u; axis < 3u; axis = axis + 1u) {
    if (!all(f < faceDims(axis))) { continue; }
    let fi = faceIndex(axis, f);
    if (f[axis] == 0 || f[axis] == n[axis]) {
      velocity[fi] = 0.0;
      continue;
    }
    let a = f - axisVector(axis);
    if (solidPhi[cellIndex(a)] < 0.0 || solidPhi[cellIndex(f)] < 0.0) {
      var offset = vec3<f32>(0.5);
      offset[axis] = 0.0;
      velocity[fi] = obstacleVelocityAt(axis, (vec3<f32>(f) + offset) * params.cellSize);
    }
  }
}
