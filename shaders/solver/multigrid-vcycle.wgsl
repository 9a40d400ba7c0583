// The V-cycle of the multigrid preconditioner, per level (one thread per cell):
//   smoothFromZero:     x = omega * rhs / diag (a damped-Jacobi sweep from zero) and the residual it leaves,
//   smoothSweep:        x = xIn + omega / diag * (rhs - A xIn),
//   smoothSweepWithDot: smoothSweep, plus workgroup partials of rhs . x (the finest level's last sweep: r . z),
//   levelResidual:      residual = rhs - A xIn (after more than one pre-smoothing sweep, or red-black ones),
// or, with the red-black Gauss-Seidel smoother (colour of a cell: (i + j + k) & 1, red = 0):
//   smoothRedFromZero:  x = rhs / diag on red cells, 0 on black ones (the red half-sweep from zero),
//   smoothRed, smoothBlack: x = (rhs + neighbour sum) / diag on one colour, in place (one thread per
//                       pair of cells along x, updating the pair's cell of that colour),
//   smoothRedWithDot:   smoothRed, plus workgroup partials of rhs . x over all cells (the finest level's last).
// Red-black order: red then black before the coarse correction, black then red after it.
//   restrictResidual:   coarseRhs = 1/2 P^T residual (one thread per coarse cell),
//   prolongAdd:         x += P coarseX (trilinear, cell-centred),
//   coarsestSolve:      coarsestSweeps damped-Jacobi sweeps from zero in workgroup memory (one workgroup).
// The levels of at most coarseCycleCells cells below the finest run all of these in one dispatch
// instead (coarseCycle, multigrid-coarse-cycle.wgsl).
// Equal sweeps before and after, P = 2 R^T and a fixed coarsest solve make the cycle a
// symmetric operator, as conjugate gradients needs. Every kernel returns at once when the
// solve has converged (cg.control.converged, uniform), so queued cycles after convergence cost little.

@group(0) @binding(0) var<uniform> level: LevelParams;
@group(0) @binding(1) var<uniform> cg: CgState;
@group(0) @binding(2) var<storage, read> system: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> coarseSystem: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> rhs: array<f32>;
@group(0) @binding(5) var<storage, read> xIn: array<f32>;
@group(0) @binding(6) var<storage, read_write> x: array<f32>;
@group(0) @binding(7) var<storage, read_write> residual: array<f32>;
@group(0) @binding(8) var<storage, read_write> coarseRhs: array<f32>;
@group(0) @binding(9) var<storage, read> coarseX: array<f32>;
@group(0) @binding(10) var<storage, read_write> partials: array<vec4<f32>>;

// Sum of xIn over the unknown neighbours named by the mask (A v = diag v - this sum).
fn neighbourSum(idx: u32, mask: u32) -> f32 {
  var sum = 0.0;
  for (var n = 0u; n < 6u; n = n + 1u) {
    if ((mask & (1u << n)) != 0u) { sum = sum + xIn[u32(i32(idx) + neighbourOffset(n, level.dims))]; }
  }
  return sum;
}

fn smoothedValue(idx: u32) -> f32 {
  let s = system[idx];
  if (s.w == 0.0) { return 0.0; }
  let v = xIn[idx];
  let r = rhs[idx] - (s.w * v - neighbourSum(idx, u32(s.z)));
  return v + level.omega * s.x * r;
}

@compute @workgroup_size(MG_THREADS)
fn smoothFromZero(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  let idx = foldedIndex(wid, lid, level.groupsX);
  if (idx >= level.cells) { return; }
  let s = system[idx];
  if (s.w == 0.0) {
    x[idx] = 0.0;
    residual[idx] = 0.0;
    return;
  }
  // The sweep's result at the neighbours is omega * rhs_j / diag_j: computed here, not read back.
  let mask = u32(s.z);
  var sum = 0.0;
  for (var n = 0u; n < 6u; n = n + 1u) {
    if ((mask & (1u << n)) != 0u) {
      let j = u32(i32(idx) + neighbourOffset(n, level.dims));
      sum = sum + level.omega * rhs[j] * system[j].x;
    }
  }
  let v = level.omega * rhs[idx] * s.x;
  x[idx] = v;
  residual[idx] = rhs[idx] - (s.w * v - sum);
}

@compute @workgroup_size(MG_THREADS)
fn smoothSweep(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  let idx = foldedIndex(wid, lid, level.groupsX);
  if (idx >= level.cells) { return; }
  x[idx] = smoothedValue(idx);
}

@compute @workgroup_size(MG_THREADS)
fn smoothSweepWithDot(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  let idx = foldedIndex(wid, lid, level.groupsX);
  var product = 0.0;
  if (idx < level.cells) {
    let v = smoothedValue(idx);
    x[idx] = v;
    product = rhs[idx] * v;
  }
  let total = workgroupSum(vec4<f32>(product, 0.0, 0.0, 0.0), lid);
  if (lid == 0u) { partials[wid.y * level.groupsX + wid.x] = total; }
}

// Gauss-Seidel value of cell idx from the current x of its neighbours (all of the other colour).
fn gaussSeidelValue(idx: u32, s: vec4<f32>) -> f32 {
  let mask = u32(s.z);
  var sum = 0.0;
  for (var n = 0u; n < 6u; n = n + 1u) {
    if ((mask & (1u << n)) != 0u) { sum = sum + x[u32(i32(idx) + neighbourOffset(n, level.dims))]; }
  }
  return (rhs[idx] + sum) * s.x;
}

@compute @workgroup_size(MG_THREADS)
fn smoothRedFromZero(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  let idx = foldedIndex(wid, lid, level.groupsX);
  if (idx >= level.cells) { return; }
  let s = system[idx];
  x[idx] = select(0.0, rhs[idx] * s.x, s.w > 0.0 && isRed(levelCoords(idx, level.dims)));
}

// The cell of `colour` in pair p: pairs are (2t, 2t + 1) along x in each row.
fn pairCell(p: u32, colour: u32) -> u32 {
  let pairsPerRow = (level.dims.x + 1u) / 2u;
  let row = p / pairsPerRow;
  let j = row % level.dims.y;
  let k = row / level.dims.y;
  let i = 2u * (p % pairsPerRow) + ((j + k + colour) & 1u);
  if (i >= level.dims.x || k >= level.dims.z) { return 0xffffffffu; }
  return i + level.dims.x * row;
}

fn smoothColour(wid: vec3<u32>, lid: u32, colour: u32) {
  let idx = pairCell(foldedIndex(wid, lid, level.pairGroupsX), colour);
  if (idx == 0xffffffffu) { return; }
  let s = system[idx];
  if (s.w == 0.0) { return; }
  x[idx] = gaussSeidelValue(idx, s);
}

@compute @workgroup_size(MG_THREADS)
fn smoothRed(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  smoothColour(wid, lid, 0u);
}

@compute @workgroup_size(MG_THREADS)
fn smoothBlack(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  smoothColour(wid, lid, 1u);
}

// One thread per cell (the partials' layout is that of every other dot of the solve): red cells
// update from their black neighbours, which this dispatch does not change, and black cells
// only read their own final value.
@compute @workgroup_size(MG_THREADS)
fn smoothRedWithDot(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  let idx = foldedIndex(wid, lid, level.groupsX);
  var product = 0.0;
  if (idx < level.cells) {
    let s = system[idx];
    if (s.w > 0.0) {
      var v = x[idx];
      if (isRed(levelCoords(idx, level.dims))) {
        v = gaussSeidelValue(idx, s);
        x[idx] = v;
      }
      product = rhs[idx] * v;
    }
  }
  let total = workgroupSum(vec4<f32>(product, 0.0, 0.0, 0.0), lid);
  if (lid == 0u) { partials[wid.y * level.groupsX + wid.x] = total; }
}

@compute @workgroup_size(MG_THREADS)
fn levelResidual(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  let idx = foldedIndex(wid, lid, level.groupsX);
  if (idx >= level.cells) { return; }
  let s = system[idx];
  if (s.w == 0.0) {
    residual[idx] = 0.0;
    return;
  }
  residual[idx] = rhs[idx] - (s.w * xIn[idx] - neighbourSum(idx, u32(s.z)));
}

// One thread per coarse cell: gathers the fine residuals whose prolongation weights name it.
@compute @workgroup_size(MG_THREADS)
fn restrictResidual(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  let idx = foldedIndex(wid, lid, level.coarseGroupsX);
  if (idx >= level.coarseCells) { return; }
  if (coarseSystem[idx].w == 0.0) {
    coarseRhs[idx] = 0.0;
    return;
  }
  let c = levelCoords(idx, level.coarseDims);
  let tx = axisTaps(c.x, level.dims.x, level.coarseDims.x);
  let ty = axisTaps(c.y, level.dims.y, level.coarseDims.y);
  let tz = axisTaps(c.z, level.dims.z, level.coarseDims.z);
  var sum = 0.0;
  for (var k = 0u; k < 4u; k = k + 1u) {
    for (var j = 0u; j < 4u; j = j + 1u) {
      let row = (tz.index[k] * level.dims.y + ty.index[j]) * level.dims.x;
      let wkj = tz.weight[k] * ty.weight[j];
      let r = vec4<f32>(residual[row + tx.index[0]], residual[row + tx.index[1]], residual[row + tx.index[2]], residual[row + tx.index[3]]);
      sum = sum + wkj * dot(tx.weight, r);
    }
  }
  coarseRhs[idx] = 0.5 * sum;
}

@compute @workgroup_size(MG_THREADS)
fn prolongAdd(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  let idx = foldedIndex(wid, lid, level.groupsX);
  if (idx >= level.cells) { return; }
  if (system[idx].w == 0.0) { return; }
  let f = levelCoords(idx, level.dims);
  let parent = f >> vec3<u32>(1u);
  let side = vec3<u32>(sideCell(f.x, level.coarseDims.x), sideCell(f.y, level.coarseDims.y), sideCell(f.z, level.coarseDims.z));
  var sum = 0.0;
  for (var n = 0u; n < 8u; n = n + 1u) {
    let pick = vec3<bool>((n & 1u) != 0u, (n & 2u) != 0u, (n & 4u) != 0u);
    let cc = select(parent, side, pick);
    let w = select(vec3<f32>(0.75), vec3<f32>(0.25), pick);
    sum = sum + w.x * w.y * w.z * coarseX[levelIndex(cc, level.coarseDims)];
  }
  x[idx] = x[idx] + sum;
}

const COARSEST_CELLS: u32 = 64u;
var<workgroup> coarsestX: array<f32, COARSEST_CELLS>;

// One workgroup; the coarsest level has at most 4 x 4 x 4 cells.
@compute @workgroup_size(MG_THREADS)
fn coarsestSolve(@builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  let hasCell = lid < level.cells;
  var s = vec4<f32>(0.0);
  var b = 0.0;
  if (hasCell) {
    s = system[lid];
    b = rhs[lid];
  }
  if (lid < COARSEST_CELLS) { coarsestX[lid] = 0.0; }
  workgroupBarrier();
  for (var sweep = 0u; sweep < level.coarsestSweeps; sweep = sweep + 1u) {
    var v = 0.0;
    if (hasCell && s.w > 0.0) {
      let mask = u32(s.z);
      var sum = 0.0;
      for (var n = 0u; n < 6u; n = n + 1u) {
        if ((mask & (1u << n)) != 0u) { sum = sum + coarsestX[u32(i32(lid) + neighbourOffset(n, level.dims))]; }
      }
      let old = coarsestX[lid];
      v = old + level.omega * s.x * (b - (s.w * old - sum));
    }
    workgroupBarrier();
    if (hasCell) { coarsestX[lid] = v; }
    workgroupBarrier();
  }
  if (hasCell) { x[lid] = coarsestX[lid]; }
}
