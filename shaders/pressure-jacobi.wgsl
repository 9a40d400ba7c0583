// The Jacobi pressure solve of the system built by buildPressureSystem.
//   pressureJacobi:   one weighted-Jacobi iteration,
//                     p_new = (1 - omega) * p + omega * (sum_{liquid nbrs} p_j + b) / diag
//   residualPartial + residualCheck: the residual r = b + sum p_j - diag*p, reduced on the GPU,
//                     then compared with the tolerance. When it is met (or the iteration cap is
//                     reached) the check zeroes the indirect dispatch arguments, so the Jacobi
//                     dispatches queued after it do nothing: the CPU never waits for the answer.
// Criterion 0: relative residual |r|/|b|. Criterion 1: RMS divergence the projection will leave
// in liquid cells (1/s), div = -r*dt/(density*dx^2).

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<storage, read> system: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> pressureIn: array<f32>;
@group(0) @binding(3) var<storage, read_write> pressureOut: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> control: SolveControl;

struct SolveControl {
  jacobiArgs: vec3<u32>,      // indirect dispatch of pressureJacobi (byte offset 0)
  iterations: u32,            // Jacobi iterations done in this solve
  residualArgs: vec3<u32>,    // indirect dispatch of residualPartial (byte offset 16)
  converged: u32,             // 0 running, 1 tolerance met, 2 iteration cap reached
  fullJacobiArgs: vec3<u32>,
  maxIterations: u32,
  tolerance: f32,
  criterion: u32,
  chunk: u32,                 // iterations between checks
  checks: u32,                // checks done
  relativeResidual: f32,      // at the last check
  divergenceRms: f32,         // at the last check (1/s)
  initialDivergenceRms: f32,  // at the first check
  residualGroups: u32,
};

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

@compute @workgroup_size(WG, WG, WG)
fn pressureJacobi(@builtin(global_invocation_id) gid: vec3<u32>) {
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

var<workgroup> sharedR: array<vec4<f32>, REDUCE_THREADS>;
var<workgroup> sharedDone: u32;

fn cellResidual(idx: u32) -> vec4<f32> {
  if (idx >= params.cellCount) { return vec4<f32>(0.0); }
  let s = system[idx];
  if (s.w == 0.0) { return vec4<f32>(0.0); }
  let r = s.w * (s.x * liquidNeighbourSum(idx, u32(s.z)) + s.y - pressureIn[idx]);
  let b = s.y * s.w;
  return vec4<f32>(r * r, b * b, 1.0, 0.0);
}

// Stage 1 (see REDUCE_* in common.wgsl): per thread (sum r^2, sum b^2, liquid cells, 0).
@compute @workgroup_size(REDUCE_THREADS)
fn residualPartial(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
                   @builtin(workgroup_id) wid: vec3<u32>) {
  var acc = vec4<f32>(0.0);
  let base = wid.x * REDUCE_BLOCK + lid;
  for (var r = 0u; r < REDUCE_SPAN; r = r + 1u) { acc = acc + cellResidual(base + r * REDUCE_THREADS); }
  partials[gid.x] = acc;
}

@compute @workgroup_size(REDUCE_THREADS)
fn residualCheck(@builtin(local_invocation_index) lid: u32) {
  // Uniform control flow for the barriers: every invocation reads the same flag.
  if (lid == 0u) { sharedDone = control.converged; }
  let alreadyDone = workgroupUniformLoad(&sharedDone);
  if (alreadyDone != 0u) { return; }
  var acc = vec4<f32>(0.0);
  let count = reducePartialCount(params.cellCount);
  for (var i = lid; i < count; i = i + REDUCE_THREADS) { acc = acc + partials[i]; }
  sharedR[lid] = acc;
  workgroupBarrier();
  for (var stride = REDUCE_THREADS / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { sharedR[lid] = sharedR[lid] + sharedR[lid + stride]; }
    workgroupBarrier();
  }
  if (lid != 0u) { return; }
  let total = sharedR[0];
  if (control.checks > 0u) { control.iterations = control.iterations + control.chunk; }
  let relative = sqrt(total.x / max(total.y, 1.0e-30));
  let divScale = params.dt / (params.density * params.cellSize * params.cellSize);
  let divRms = sqrt(total.x / max(total.z, 1.0)) * divScale;
  control.relativeResidual = relative;
  control.divergenceRms = divRms;
  if (control.checks == 0u) { control.initialDivergenceRms = divRms; }
  control.checks = control.checks + 1u;
  let metric = select(relative, divRms, control.criterion == 1u);
  // A non-finite residual (NaN pressure) never counts as converged.
  var state = 0u;
  if (isFiniteF32(metric) && metric <= control.tolerance) { state = 1u; }
  else if (control.iterations >= control.maxIterations) { state = 2u; }
  if (state != 0u) {
    control.converged = state;
    control.jacobiArgs = vec3<u32>(0u);
    control.residualArgs = vec3<u32>(0u);
  }
}
