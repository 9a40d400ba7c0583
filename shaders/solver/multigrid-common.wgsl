// Shared declarations of the multigrid-preconditioned CG pressure solve, prepended to
// multigrid-setup.wgsl, multigrid-vcycle.wgsl, multigrid-coarse-cycle.wgsl, pressure-mgpcg.wgsl and
// pressure-mgpcg-scalars.wgsl (see src/solver/pressure/mgpcg-pressure-solver.ts). The CPU mirror is
// src/reference/reference-multigrid.ts.
//
// Levels: level 0 is the simulation grid, each coarser level halves every axis (rounding up).
// Every level's system has the layout of buildPressureSystem: per cell vec4(1/diag, b/diag,
// neighbour mask, diag), diag == 0 where the cell has no unknown. Kernels run one thread per
// cell of a level, 256-thread workgroups folded into a 2D dispatch (groupsX wide).

struct LevelParams {
  dims: vec3<u32>,
  cells: u32,
  coarseDims: vec3<u32>,  // the next coarser level (unused on the coarsest)
  coarseCells: u32,
  groupsX: u32,           // workgroups along x of a dispatch over this level's cells
  omega: f32,             // damped-Jacobi weight of the smoother
  coarsestSweeps: u32,    // Jacobi sweeps of the coarsest level's solve
  coarseGroupsX: u32,     // workgroups along x of a dispatch over the coarser level's cells
  pairGroupsX: u32,       // workgroups along x of a dispatch over this level's cell pairs (red-black sweeps)
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
};

// The solve's state: the control block both GPU-decided solvers share (SolveControl of
// common.wgsl, so both report alike and one decoder reads both), then CG's scalars.
struct CgState {
  control: SolveControl,      // iterations: CG iterations done; chunk: 1; converged 3: skipped (a gated solve the GPU did not arm), every kernel then returns at once
  rz: f32,                    // r . z of the current direction
  alpha: f32,                 // step length
  beta: f32,                  // direction update weight (0: restart from z)
  bNorm2: f32,                // |b|^2
  liquidCells: f32,
  _pad1: u32,
  _pad2: u32,
  _pad3: u32,
};

const MG_THREADS: u32 = 256u;

// Cell of this invocation in a 2D-folded 1D dispatch.
fn foldedIndex(wid: vec3<u32>, lid: u32, groupsX: u32) -> u32 {
  return (wid.y * groupsX + wid.x) * MG_THREADS + lid;
}

fn levelCoords(idx: u32, d: vec3<u32>) -> vec3<u32> {
  return vec3<u32>(idx % d.x, (idx / d.x) % d.y, idx / (d.x * d.y));
}

fn levelIndex(c: vec3<u32>, d: vec3<u32>) -> u32 {
  return c.x + d.x * (c.y + d.y * c.z);
}

// Index offset of neighbour n (-x, +x, -y, +y, -z, +z), as in the system's neighbour mask.
fn neighbourOffset(n: u32, d: vec3<u32>) -> i32 {
  var stride = array<i32, 3>(1, i32(d.x), i32(d.x * d.y));
  return select(-stride[n / 2u], stride[n / 2u], (n & 1u) == 1u);
}

fn isFiniteValue(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

// The coarse cell on fine cell f's side along one axis: the parent's neighbour towards f,
// clamped to the coarse grid (the prolongation's 1/4 weight; see prolongationWeight in TS).
fn sideCell(f: u32, coarseCount: u32) -> u32 {
  let parent = i32(f >> 1u);
  let side = parent + select(-1, 1, (f & 1u) == 1u);
  return u32(clamp(side, 0, i32(coarseCount) - 1));
}

// Per-axis weight of coarse cell c in the prolongation to fine cell f.
fn prolongationWeight(f: u32, c: u32, coarseCount: u32) -> f32 {
  return select(0.0, 0.75, (f >> 1u) == c) + select(0.0, 0.25, sideCell(f, coarseCount) == c);
}

// The four fine cells along one axis whose prolongation names coarse cell c (2c-1 .. 2c+2),
// with their weights (0 outside the grid) and clamped indices: fixed trip counts and no
// branches, so the 64 loads of a coarse cell issue together instead of one after another
// (measured: 13 us per dispatch even on a 512-cell level with the branchy loop).
struct AxisTaps {
  index: vec4<u32>,
  weight: vec4<f32>,
};

fn axisTaps(c: u32, fineCount: u32, coarseCount: u32) -> AxisTaps {
  var taps: AxisTaps;
  for (var t = 0u; t < 4u; t = t + 1u) {
    let f = i32(2u * c + t) - 1;
    let inside = f >= 0 && f < i32(fineCount);
    let fc = u32(clamp(f, 0, i32(fineCount) - 1));
    taps.index[t] = fc;
    taps.weight[t] = select(0.0, prolongationWeight(fc, c, coarseCount), inside);
  }
  return taps;
}

// Red-black colour of a cell: red (true) where i + j + k is even.
fn isRed(c: vec3<u32>) -> bool { return ((c.x + c.y + c.z) & 1u) == 0u; }

var<workgroup> sharedSum: array<vec4<f32>, MG_THREADS>;

// Sums v over the workgroup (all invocations must call it); the total is valid in invocation 0.
fn workgroupSum(v: vec4<f32>, lid: u32) -> vec4<f32> {
  sharedSum[lid] = v;
  workgroupBarrier();
  for (var stride = MG_THREADS / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { sharedSum[lid] = sharedSum[lid] + sharedSum[lid + stride]; }
    workgroupBarrier();
  }
  return sharedSum[0];
}
