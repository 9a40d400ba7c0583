// The scalar steps of the multigrid-preconditioned CG solve, one workgroup each: they fold the
// partials of the kernel before them (pressure-mgpcg.wgsl, multigrid-vcycle.wgsl smoothSweepWithDot).
//   cgCheck:     |r| against the tolerance (before the first iteration and after each); sets
//                cg.control.converged, which turns every later kernel of the solve into a no-op,
//   cgBeta:      beta = (r . z) / previous (r . z)  (0 on the first direction),
//   cgStepLength: alpha = (r . z) / (p . A p),
//   cgGate:      marks the solve skipped (converged = 3) unless the GPU armed it: gate holds
//                indirect dispatch arguments whose x is non-zero to run (a discarded prediction).
// A non-finite scalar restarts from z (beta) or takes no step (alpha): NaN never spreads from here.

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<uniform> level: LevelParams;
@group(0) @binding(2) var<storage, read_write> cg: CgState;
@group(0) @binding(3) var<storage, read> partials: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> gate: array<u32>;

var<workgroup> sharedDone: u32;

// Every invocation reads the same flag, so the early return keeps the barriers uniform.
fn solveFinished(lid: u32) -> bool {
  if (lid == 0u) { sharedDone = cg.control.converged; }
  return workgroupUniformLoad(&sharedDone) != 0u;
}

// Four independent sums per thread, so the loads of one workgroup overlap (it is the only
// workgroup running: latency, not bandwidth, bounds it).
fn foldPartials(lid: u32) -> vec4<f32> {
  var acc = array<vec4<f32>, 4>();
  let count = (level.cells + MG_THREADS - 1u) / MG_THREADS;
  for (var i = lid; i < count; i = i + 4u * MG_THREADS) {
    for (var u = 0u; u < 4u; u = u + 1u) {
      let k = i + u * MG_THREADS;
      acc[u] = acc[u] + select(vec4<f32>(0.0), partials[min(k, count - 1u)], k < count);
    }
  }
  return workgroupSum(acc[0] + acc[1] + acc[2] + acc[3], lid);
}

@compute @workgroup_size(MG_THREADS)
fn cgCheck(@builtin(local_invocation_index) lid: u32) {
  if (solveFinished(lid)) { return; }
  let total = foldPartials(lid);
  if (lid != 0u) { return; }
  if (cg.control.checks == 0u) {
    cg.bNorm2 = total.y;
    cg.liquidCells = total.z;
  } else {
    cg.control.iterations = cg.control.iterations + 1u;
  }
  let check = checkConvergence(total.x, cg.bNorm2, cg.liquidCells, cg.control.criterion, cg.control.tolerance, cg.control.iterations, cg.control.maxIterations);
  cg.control.relativeResidual = check.relativeResidual;
  cg.control.divergenceRms = check.divergenceRms;
  if (cg.control.checks == 0u) {
    cg.control.initialRelativeResidual = check.relativeResidual;
    cg.control.initialDivergenceRms = check.divergenceRms;
  }
  cg.control.checks = cg.control.checks + 1u;
  let state = check.state;
  cg.control.converged = state;
}

@compute @workgroup_size(MG_THREADS)
fn cgBeta(@builtin(local_invocation_index) lid: u32) {
  if (solveFinished(lid)) { return; }
  let rz = foldPartials(lid).x;
  if (lid != 0u) { return; }
  var beta = 0.0;
  if (cg.rz > 0.0) { beta = rz / cg.rz; }
  if (!isFiniteValue(beta) || beta < 0.0) { beta = 0.0; }
  cg.beta = beta;
  cg.rz = rz;
}

@compute @workgroup_size(MG_THREADS)
fn cgStepLength(@builtin(local_invocation_index) lid: u32) {
  if (solveFinished(lid)) { return; }
  let pq = foldPartials(lid).x;
  if (lid != 0u) { return; }
  var alpha = 0.0;
  if (pq > 0.0) { alpha = cg.rz / pq; }
  if (!isFiniteValue(alpha)) { alpha = 0.0; }
  cg.alpha = alpha;
}

@compute @workgroup_size(1)
fn cgGate() {
  if (gate[0] == 0u) { cg.control.converged = 3u; }
}
