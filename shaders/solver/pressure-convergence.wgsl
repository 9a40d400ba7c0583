// The GPU-side convergence decision of a tolerance-mode pressure solve: folds the residual
// partials of residualPartial (pressure-jacobi.wgsl) and compares with the tolerance. When it
// is met, or the iteration cap is reached, it sets control.converged, so every gated Jacobi
// dispatch queued after it returns at once: the CPU never waits for the answer.
// Criterion 0: relative residual |r|/|b|. Criterion 1: RMS divergence the projection will
// leave in liquid cells (1/s), div = -r*dt/(density*dx^2).

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<storage, read> partials: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> control: SolveControl;

var<workgroup> sharedR: array<vec4<f32>, REDUCE_THREADS>;
var<workgroup> sharedDone: u32;

@compute @workgroup_size(REDUCE_THREADS)
fn residualCheck(@builtin(local_invocation_index) lid: u32) {
  // Uniform control flow for the barriers: every invocation reads the same flag.
  if (lid == 0u) { sharedDone = control.converged; }
  let alreadyDone = workgroupUniformLoad(&sharedDone);
  if (alreadyDone != 0u) { return; }
  var acc = vec4<f32>(0.0);
  let count = reduceWorkgroups(params.cellCount);
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
  let check = checkConvergence(total.x, total.y, total.z, control.criterion, control.tolerance, control.iterations, control.maxIterations);
  control.relativeResidual = check.relativeResidual;
  control.divergenceRms = check.divergenceRms;
  if (control.checks == 0u) {
    control.initialDivergenceRms = check.divergenceRms;
    control.initialRelativeResidual = check.relativeResidual;
  }
  control.checks = control.checks + 1u;
  if (check.state != 0u) { control.converged = check.state; }
}
