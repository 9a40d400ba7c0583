// The conjugate-gradient part of the multigrid-preconditioned pressure solve on the finest
// level (one thread per cell; system from buildPressureSystem, pressure = the solution x):
//   cgStart:      r = b - A x from the warm start, partials (|r|^2, |b|^2, liquid cells),
//   cgDirection:  p = z + beta * pIn, q = A p (p at the neighbours computed the same way), partials p . q,
//   cgUpdate:     x += alpha * p, r -= alpha * q, partials |r|^2.
// The scalars (alpha, beta, the convergence decision) come from pressure-mgpcg-scalars.wgsl.

@group(0) @binding(0) var<uniform> level: LevelParams;
@group(0) @binding(1) var<uniform> cg: CgState;
@group(0) @binding(2) var<storage, read> system: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> pressure: array<f32>;
@group(0) @binding(4) var<storage, read_write> residual: array<f32>;
@group(0) @binding(5) var<storage, read> preconditioned: array<f32>;
@group(0) @binding(6) var<storage, read> directionIn: array<f32>;
@group(0) @binding(7) var<storage, read_write> direction: array<f32>;
@group(0) @binding(8) var<storage, read_write> product: array<f32>;
@group(0) @binding(9) var<storage, read_write> partials: array<vec4<f32>>;

fn partialIndex(wid: vec3<u32>) -> u32 { return wid.y * level.groupsX + wid.x; }

@compute @workgroup_size(MG_THREADS)
fn cgStart(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  let idx = foldedIndex(wid, lid, level.groupsX);
  var acc = vec4<f32>(0.0);
  if (idx < level.cells) {
    let s = system[idx];
    var r = 0.0;
    if (s.w > 0.0) {
      let mask = u32(s.z);
      var sum = 0.0;
      for (var n = 0u; n < 6u; n = n + 1u) {
        if ((mask & (1u << n)) != 0u) { sum = sum + pressure[u32(i32(idx) + neighbourOffset(n, level.dims))]; }
      }
      let b = s.y * s.w;
      r = b - (s.w * pressure[idx] - sum);
      acc = vec4<f32>(r * r, b * b, 1.0, 0.0);
    }
    residual[idx] = r;
  }
  let total = workgroupSum(acc, lid);
  if (lid == 0u) { partials[partialIndex(wid)] = total; }
}

// The new direction at cell j; beta == 0 restarts from z (and ignores whatever pIn holds).
fn newDirection(j: u32) -> f32 {
  if (cg.beta == 0.0) { return preconditioned[j]; }
  return preconditioned[j] + cg.beta * directionIn[j];
}

@compute @workgroup_size(MG_THREADS)
fn cgDirection(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  let idx = foldedIndex(wid, lid, level.groupsX);
  var pq = 0.0;
  if (idx < level.cells) {
    let s = system[idx];
    var p = 0.0;
    var q = 0.0;
    if (s.w > 0.0) {
      p = newDirection(idx);
      let mask = u32(s.z);
      var sum = 0.0;
      for (var n = 0u; n < 6u; n = n + 1u) {
        if ((mask & (1u << n)) != 0u) { sum = sum + newDirection(u32(i32(idx) + neighbourOffset(n, level.dims))); }
      }
      q = s.w * p - sum;
    }
    direction[idx] = p;
    product[idx] = q;
    pq = p * q;
  }
  let total = workgroupSum(vec4<f32>(pq, 0.0, 0.0, 0.0), lid);
  if (lid == 0u) { partials[partialIndex(wid)] = total; }
}

@compute @workgroup_size(MG_THREADS)
fn cgUpdate(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  let idx = foldedIndex(wid, lid, level.groupsX);
  var rr = 0.0;
  if (idx < level.cells && system[idx].w > 0.0) {
    pressure[idx] = pressure[idx] + cg.alpha * directionIn[idx];
    let r = residual[idx] - cg.alpha * product[idx];
    residual[idx] = r;
    rr = r * r;
  }
  let total = workgroupSum(vec4<f32>(rr, 0.0, 0.0, 0.0), lid);
  if (lid == 0u) { partials[partialIndex(wid)] = total; }
}
