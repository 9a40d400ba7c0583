// The coarse part of the V-cycle in one dispatch of one workgroup:
//   coarseCycle: from its first level (the finest below level 0 with at most coarseCycleCells
//                cells, see coarseCycleStart in src/solver/pressure/multigrid-levels.ts) down to the
//                coarsest: pre-smoothing, residual, restriction, ..., the coarsest solve, ...,
//                prolongation, post-smoothing; rhs is the first level's right-hand side (from
//                restrictResidual), x its result (read by prolongAdd).
// These levels do almost no work per dispatch, so their per-level dispatches cost their launch
// latency only; here every operation is a phase of the one workgroup, separated by barriers.
// The arithmetic is that of the per-level kernels (multigrid-vcycle.wgsl), in the same order,
// and that of the CPU mirror's vcycle from the first level down
// (src/reference/reference-multigrid.ts): the cycle stays the same symmetric operator.
//
// Every level's x and rhs live in workgroup memory (cycle.levels[m].valueOffset), with one
// scratch level for residuals and Jacobi sweeps; the systems are ranges of one storage buffer
// (cycle.levels[m].systemOffset) that buildLevelSystem writes.

// Bounds of the workgroup arrays (COARSE_CYCLE_* in src/solver/pressure/multigrid-levels.ts):
// 4 * (2 * 1536 + 512) bytes = 14 KiB of the 16 KiB WebGPU guarantees.
const COARSE_CYCLE_MAX_LEVELS: u32 = 8u;
const COARSE_CYCLE_LEVEL_CELLS: u32 = 512u;
const COARSE_CYCLE_TOTAL_CELLS: u32 = 1536u;

struct CoarseLevel {
  dims: vec3<u32>,
  cells: u32,
  systemOffset: u32,  // first cell of the level in `systems`
  valueOffset: u32,   // first cell of the level in cycleX and cycleRhs
  _pad0: u32,
  _pad1: u32,
};

struct CoarseCycleParams {
  levelCount: u32,      // levels cycled here, the coarsest included (>= 2)
  redBlack: u32,        // 0 damped Jacobi, 1 red-black Gauss-Seidel
  sweeps: u32,          // smoothing sweeps before and after each coarse correction
  coarsestSweeps: u32,  // Jacobi sweeps of the coarsest level's solve
  omega: f32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
  levels: array<CoarseLevel, COARSE_CYCLE_MAX_LEVELS>,  // finest first
};

@group(0) @binding(0) var<uniform> cycle: CoarseCycleParams;
@group(0) @binding(1) var<uniform> cg: CgState;
@group(0) @binding(2) var<storage, read> systems: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> rhs: array<f32>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;

var<workgroup> cycleX: array<f32, COARSE_CYCLE_TOTAL_CELLS>;
var<workgroup> cycleRhs: array<f32, COARSE_CYCLE_TOTAL_CELLS>;
var<workgroup> cycleScratch: array<f32, COARSE_CYCLE_LEVEL_CELLS>;

// Each phase below runs over a level's cells, MG_THREADS apart per invocation, and has no
// barrier inside: coarseCycle puts one between phases (uniform control flow).

fn cellSystem(lv: CoarseLevel, i: u32) -> vec4<f32> { return systems[lv.systemOffset + i]; }

// Sum of x over the unknown neighbours named by the mask (A v = diag v - this sum).
fn cycleNeighbourSum(lv: CoarseLevel, i: u32, mask: u32) -> f32 {
  var sum = 0.0;
  for (var n = 0u; n < 6u; n = n + 1u) {
    if ((mask & (1u << n)) != 0u) { sum = sum + cycleX[lv.valueOffset + u32(i32(i) + neighbourOffset(n, lv.dims))]; }
  }
  return sum;
}

// rhs - A x at a cell with an unknown.
fn cycleResidualAt(lv: CoarseLevel, i: u32, s: vec4<f32>) -> f32 {
  return cycleRhs[lv.valueOffset + i] - (s.w * cycleX[lv.valueOffset + i] - cycleNeighbourSum(lv, i, u32(s.z)));
}

// smoothFromZero's x: omega * rhs / diag. (Its fused residual reads these same values at the
// neighbours, so cycleResidual after it is bit for bit the residual it leaves.)
fn cycleJacobiFromZero(lv: CoarseLevel, lid: u32) {
  for (var i = lid; i < lv.cells; i = i + MG_THREADS) {
    let s = cellSystem(lv, i);
    var v = 0.0;
    if (s.w != 0.0) { v = cycle.omega * cycleRhs[lv.valueOffset + i] * s.x; }
    cycleX[lv.valueOffset + i] = v;
  }
}

// A damped-Jacobi sweep (smoothSweep, and coarsestSolve's sweep) into the scratch; every cell
// reads the old x, so the result is copied back after a barrier (cycleTakeScratch).
fn cycleJacobiSweep(lv: CoarseLevel, lid: u32) {
  for (var i = lid; i < lv.cells; i = i + MG_THREADS) {
    let s = cellSystem(lv, i);
    var v = 0.0;
    if (s.w != 0.0) { v = cycleX[lv.valueOffset + i] + cycle.omega * s.x * cycleResidualAt(lv, i, s); }
    cycleScratch[i] = v;
  }
}

fn cycleTakeScratch(lv: CoarseLevel, lid: u32) {
  for (var i = lid; i < lv.cells; i = i + MG_THREADS) { cycleX[lv.valueOffset + i] = cycleScratch[i]; }
}

fn cycleZero(lv: CoarseLevel, lid: u32) {
  for (var i = lid; i < lv.cells; i = i + MG_THREADS) { cycleX[lv.valueOffset + i] = 0.0; }
}

// smoothRedFromZero: rhs / diag on red cells with an unknown, 0 elsewhere.
fn cycleRedFromZero(lv: CoarseLevel, lid: u32) {
  for (var i = lid; i < lv.cells; i = i + MG_THREADS) {
    let s = cellSystem(lv, i);
    var v = 0.0;
    if (s.w > 0.0 && isRed(levelCoords(i, lv.dims))) { v = cycleRhs[lv.valueOffset + i] * s.x; }
    cycleX[lv.valueOffset + i] = v;
  }
}

// smoothRed / smoothBlack: Gauss-Seidel on the cells of one colour, in place (their
// neighbours all have the other colour).
fn cycleColour(lv: CoarseLevel, lid: u32, colour: u32) {
  for (var i = lid; i < lv.cells; i = i + MG_THREADS) {
    let c = levelCoords(i, lv.dims);
    if (((c.x + c.y + c.z) & 1u) != colour) { continue; }
    let s = cellSystem(lv, i);
    if (s.w == 0.0) { continue; }
    cycleX[lv.valueOffset + i] = (cycleRhs[lv.valueOffset + i] + cycleNeighbourSum(lv, i, u32(s.z))) * s.x;
  }
}

// levelResidual, into the scratch.
fn cycleResidual(lv: CoarseLevel, lid: u32) {
  for (var i = lid; i < lv.cells; i = i + MG_THREADS) {
    let s = cellSystem(lv, i);
    var r = 0.0;
    if (s.w != 0.0) { r = cycleResidualAt(lv, i, s); }
    cycleScratch[i] = r;
  }
}

// restrictResidual: the coarser level's rhs from the residual in the scratch.
fn cycleRestrict(fine: CoarseLevel, coarse: CoarseLevel, lid: u32) {
  for (var idx = lid; idx < coarse.cells; idx = idx + MG_THREADS) {
    var value = 0.0;
    if (cellSystem(coarse, idx).w != 0.0) {
      let c = levelCoords(idx, coarse.dims);
      let tx = axisTaps(c.x, fine.dims.x, coarse.dims.x);
      let ty = axisTaps(c.y, fine.dims.y, coarse.dims.y);
      let tz = axisTaps(c.z, fine.dims.z, coarse.dims.z);
      var sum = 0.0;
      for (var k = 0u; k < 4u; k = k + 1u) {
        for (var j = 0u; j < 4u; j = j + 1u) {
          let row = (tz.index[k] * fine.dims.y + ty.index[j]) * fine.dims.x;
          let wkj = tz.weight[k] * ty.weight[j];
          let r = vec4<f32>(cycleScratch[row + tx.index[0]], cycleScratch[row + tx.index[1]], cycleScratch[row + tx.index[2]], cycleScratch[row + tx.index[3]]);
          sum = sum + wkj * dot(tx.weight, r);
        }
      }
      value = 0.5 * sum;
    }
    cycleRhs[coarse.valueOffset + idx] = value;
  }
}

// prolongAdd: x += P coarseX on the fine cells with an unknown.
fn cycleProlongAdd(fine: CoarseLevel, coarse: CoarseLevel, lid: u32) {
  for (var idx = lid; idx < fine.cells; idx = idx + MG_THREADS) {
    if (cellSystem(fine, idx).w == 0.0) { continue; }
    let f = levelCoords(idx, fine.dims);
    let parent = f >> vec3<u32>(1u);
    let side = vec3<u32>(sideCell(f.x, coarse.dims.x), sideCell(f.y, coarse.dims.y), sideCell(f.z, coarse.dims.z));
    var sum = 0.0;
    for (var n = 0u; n < 8u; n = n + 1u) {
      let pick = vec3<bool>((n & 1u) != 0u, (n & 2u) != 0u, (n & 4u) != 0u);
      let cc = select(parent, side, pick);
      let w = select(vec3<f32>(0.75), vec3<f32>(0.25), pick);
      sum = sum + w.x * w.y * w.z * cycleX[coarse.valueOffset + levelIndex(cc, coarse.dims)];
    }
    cycleX[fine.valueOffset + idx] = cycleX[fine.valueOffset + idx] + sum;
  }
}

// Jacobi sweeps, each a sweep into the scratch and a copy back (two barriers).
fn cycleJacobiSweeps(lv: CoarseLevel, lid: u32, count: u32) {
  for (var s = 0u; s < count; s = s + 1u) {
    cycleJacobiSweep(lv, lid);
    workgroupBarrier();
    cycleTakeScratch(lv, lid);
    workgroupBarrier();
  }
}

// Before the coarse correction: Jacobi from zero then sweeps - 1 sweeps, or red-black from
// zero (red, black) then (red, black) sweeps - 1 times.
fn cyclePreSmooth(lv: CoarseLevel, lid: u32) {
  if (cycle.redBlack != 0u) {
    cycleRedFromZero(lv, lid);
    workgroupBarrier();
    cycleColour(lv, lid, 1u);
    workgroupBarrier();
    for (var s = 1u; s < cycle.sweeps; s = s + 1u) {
      cycleColour(lv, lid, 0u);
      workgroupBarrier();
      cycleColour(lv, lid, 1u);
      workgroupBarrier();
    }
  } else {
    cycleJacobiFromZero(lv, lid);
    workgroupBarrier();
    cycleJacobiSweeps(lv, lid, cycle.sweeps - 1u);
  }
}

// After it: sweeps Jacobi sweeps, or (black, red) sweeps times, mirroring the pre-smoothing.
fn cyclePostSmooth(lv: CoarseLevel, lid: u32) {
  if (cycle.redBlack != 0u) {
    for (var s = 0u; s < cycle.sweeps; s = s + 1u) {
      cycleColour(lv, lid, 1u);
      workgroupBarrier();
      cycleColour(lv, lid, 0u);
      workgroupBarrier();
    }
  } else {
    cycleJacobiSweeps(lv, lid, cycle.sweeps);
  }
}

@compute @workgroup_size(MG_THREADS)
fn coarseCycle(@builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  let first = cycle.levels[0];
  for (var i = lid; i < first.cells; i = i + MG_THREADS) { cycleRhs[first.valueOffset + i] = rhs[i]; }
  workgroupBarrier();
  let last = cycle.levelCount - 1u;
  for (var m = 0u; m < last; m = m + 1u) {
    let lv = cycle.levels[m];
    cyclePreSmooth(lv, lid);
    cycleResidual(lv, lid);
    workgroupBarrier();
    cycleRestrict(lv, cycle.levels[m + 1u], lid);
    workgroupBarrier();
  }
  // coarsestSolve: Jacobi sweeps from zero.
  let coarsest = cycle.levels[last];
  cycleZero(coarsest, lid);
  workgroupBarrier();
  cycleJacobiSweeps(coarsest, lid, cycle.coarsestSweeps);
  for (var m = last; m > 0u; m = m - 1u) {
    let lv = cycle.levels[m - 1u];
    cycleProlongAdd(lv, cycle.levels[m], lid);
    workgroupBarrier();
    cyclePostSmooth(lv, lid);
  }
  for (var i = lid; i < first.cells; i = i + MG_THREADS) { x[i] = cycleX[first.valueOffset + i]; }
}
