// The Jacobi pressure solve of the system built by buildPressureSystem.
//   pressureJacobi:   one weighted-Jacobi iteration,
//                     p_new = (1 - omega) * p + omega * (sum_{liquid nbrs} p_j + b) / diag
//   residualPartial:  stage 1 of the residual r = b + sum p_j - diag*p reduction; stage 2 and
//                     the convergence decision are in pressure-convergence.wgsl.
//   pressureJacobiGated, residualPartialGated: the same, returning at once when the tolerance
//                     solve's control block says it is done. Plain dispatches of these replace
//                     indirect ones, which cost about ten times a Jacobi iteration each on an
//                     NVIDIA GPU through Dawn (the indirect arguments are validated and copied).

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<storage, read> system: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> pressureIn: array<f32>;
@group(0) @binding(3) var<storage, read_write> pressureOut: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<vec4<f32>>;
@group(0) @binding(5) var<uniform> control: SolveControl;

// Sum of p over the liquid neighbours named by the bitmask (-x,+x,-y,+y,-z,+z).
fn liquidNeighbourSum(idx: u32, mask: u32) -> f32 {
  let sx = 1u;
  let sy = params.dims.x;
  let sz = params.dims.x * params.dims.y;
  var sum = 0.0;
  if ((mask & 1u) != 0u) { sum = sum + pressureIn[idx - sx]; }
  if ((mask & 2u) != 0u) { sum = sum + pressureIn[idx + sx]; }
  if ((mask & 4u) != 0u) { sum = sum + pressureIn[idx - sy]; }
  if ((mask & 8u) != 0u) { sum = sum + pressureIn[idx + sy]; }
  if ((mask & 16u) != 0u) { sum = sum + pressureIn[idx - sz]; }
  if ((mask & 32u) != 0u) { sum = sum + pressureIn[idx + sz]; }
  return sum;
}

fn jacobiIteration(gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (!inGrid(c)) { return; }
  let idx = cellIndex(c);
  let s = system[idx];
  if (s.w == 0.0) {
    pressureOut[idx] = 0.0;
    return;
  }
  let pNew = s.x * liquidNeighbourSum(idx, u32(s.z)) + s.y;
  let p = pressureIn[idx];
  pressureOut[idx] = p + params.jacobiOmega * (pNew - p);
}

@compute @workgroup_size(WG, WG, WG)
fn pressureJacobi(@builtin(global_invocation_id) gid: vec3<u32>) {
  jacobiIteration(gid);
}

@compute @workgroup_size(WG, WG, WG)
fn pressureJacobiGated(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (control.converged != 0u) { return; }
  jacobiIteration(gid);
}

fn cellResidual(idx: u32) -> vec4<f32> {
  if (idx >= params.cellCount) { return vec4<f32>(0.0); }
  let s = system[idx];
  if (s.w == 0.0) { return vec4<f32>(0.0); }
  let r = s.w * (s.x * liquidNeighbourSum(idx, u32(s.z)) + s.y - pressureIn[idx]);
  let b = s.y * s.w;
  return vec4<f32>(r * r, b * b, 1.0, 0.0);
}

// Stage 1 (see REDUCE_* in common.wgsl): per workgroup (sum r^2, sum b^2, liquid cells, 0).
var<workgroup> sharedResidual: array<vec4<f32>, REDUCE_THREADS>;

// One partial per workgroup (a 64-wide tree after the serial folds), so the check folds only
// cells / REDUCE_BLOCK values: with one partial per thread its single workgroup spent longer
// on them than ten Jacobi iterations took (measured at 128^3 on an NVIDIA H200).
fn residualPartialSums(lid: u32, wid: vec3<u32>) {
  var acc = vec4<f32>(0.0);
  let base = wid.x * REDUCE_BLOCK + lid;
  for (var r = 0u; r < REDUCE_SPAN; r = r + 1u) { acc = acc + cellResidual(base + r * REDUCE_THREADS); }
  sharedResidual[lid] = acc;
  workgroupBarrier();
  for (var stride = REDUCE_THREADS / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { sharedResidual[lid] = sharedResidual[lid] + sharedResidual[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u) { partials[wid.x] = sharedResidual[0]; }
}

@compute @workgroup_size(REDUCE_THREADS)
fn residualPartial(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  residualPartialSums(lid, wid);
}

@compute @workgroup_size(REDUCE_THREADS)
fn residualPartialGated(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  if (control.converged != 0u) { return; }
  residualPartialSums(lid, wid);
}

