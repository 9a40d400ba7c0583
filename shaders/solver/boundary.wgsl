// Solid boundary condition on the MAC velocity: the normal velocity on a face that touches a
// solid equals the solid's velocity there (0 on the static domain walls; inside the grid, the
// rigid motion of the solid that owns the deeper of the face's two cells, from the per-cell
// solid id and the solid motion table). Tangential components are left free (free slip).

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<storage, read> solidPhi: array<f32>;
@group(0) @binding(2) var<storage, read> solidId: array<u32>;
@group(0) @binding(3) var<storage, read> solidMotions: array<SolidMotion>;
@group(0) @binding(4) var<storage, read_write> velocity: array<f32>;

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
    let a = cellIndex(f - axisVector(axis));
    let b = cellIndex(f);
    let phiA = solidPhi[a];
    let phiB = solidPhi[b];
    if (phiA < 0.0 || phiB < 0.0) {
      let id = select(solidId[b], solidId[a], phiA < phiB);
      var v = 0.0;
      if (id != 0u) {
        var offset = vec3<f32>(0.5);
        offset[axis] = 0.0;
        v = solidMotionVelocity(solidMotions[id - 1u], (vec3<f32>(f) + offset) * params.cellSize)[axis];
      }
      velocity[fi] = v;
    }
  }
}
