// The multigrid hierarchy of one step's pressure system, rebuilt after buildPressureSystem:
//   coarsenFinestLabels: level-1 labels from the finest system and level sets,
//   coarsenLabels:       labels of the next coarser level,
//   buildLevelSystem:    a coarse level's 7-point Laplacian from its labels.
// Labels (McAdams, Sifakis, Teran 2010): a coarse cell is air (Dirichlet, p = 0) if any child
// is air, else an unknown if any child is one, else solid (Neumann). Fine cells without an
// unknown that are solid or sealed liquid count as solid. A solve the GPU skipped (cgGate)
// skips these too.

@group(0) @binding(0) var<uniform> level: LevelParams;
@group(0) @binding(7) var<uniform> cg: CgState;
@group(0) @binding(1) var<storage, read> systemIn: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> phi: array<f32>;
@group(0) @binding(3) var<storage, read> solidPhi: array<f32>;
@group(0) @binding(4) var<storage, read> labelsIn: array<u32>;
@group(0) @binding(5) var<storage, read_write> labelsOut: array<u32>;
@group(0) @binding(6) var<storage, read_write> systemOut: array<vec4<f32>>;

const LABEL_SOLID: u32 = 0u;
const LABEL_INTERIOR: u32 = 1u;
const LABEL_AIR: u32 = 2u;

fn finestLabel(idx: u32) -> u32 {
  if (systemIn[idx].w > 0.0) { return LABEL_INTERIOR; }
  if (solidPhi[idx] < 0.0 || phi[idx] < 0.0) { return LABEL_SOLID; }
  return LABEL_AIR;
}

// Folds the labels of the up to eight children of coarse cell c (from the finest level's
// fields or from labelsIn) into the coarse label.
fn coarsen(idx: u32, finest: bool) {
  let c = levelCoords(idx, level.coarseDims);
  var air = false;
  var interior = false;
  for (var n = 0u; n < 8u; n = n + 1u) {
    let f = 2u * c + vec3<u32>(n & 1u, (n >> 1u) & 1u, (n >> 2u) & 1u);
    if (any(f >= level.dims)) { continue; }
    let fi = levelIndex(f, level.dims);
    let label = select(labelsIn[fi], finestLabel(fi), finest);
    air = air || label == LABEL_AIR;
    interior = interior || label == LABEL_INTERIOR;
  }
  labelsOut[idx] = select(select(LABEL_SOLID, LABEL_INTERIOR, interior), LABEL_AIR, air);
}

// One thread per cell of the coarser level.
@compute @workgroup_size(MG_THREADS)
fn coarsenFinestLabels(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  let idx = foldedIndex(wid, lid, level.coarseGroupsX);
  if (idx >= level.coarseCells) { return; }
  coarsen(idx, true);
}

@compute @workgroup_size(MG_THREADS)
fn coarsenLabels(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  let idx = foldedIndex(wid, lid, level.coarseGroupsX);
  if (idx >= level.coarseCells) { return; }
  coarsen(idx, false);
}

// One thread per cell of this level (labelsIn holds its labels).
@compute @workgroup_size(MG_THREADS)
fn buildLevelSystem(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (cg.control.converged != 0u) { return; }
  let idx = foldedIndex(wid, lid, level.groupsX);
  if (idx >= level.cells) { return; }
  if (labelsIn[idx] != LABEL_INTERIOR) {
    systemOut[idx] = vec4<f32>(0.0);
    return;
  }
  let c = levelCoords(idx, level.dims);
  var diag = 0.0;
  var mask = 0u;
  for (var n = 0u; n < 6u; n = n + 1u) {
    let axis = n / 2u;
    let up = (n & 1u) == 1u;
    if ((!up && c[axis] == 0u) || (up && c[axis] + 1u >= level.dims[axis])) { continue; }
    let label = labelsIn[u32(i32(idx) + neighbourOffset(n, level.dims))];
    if (label == LABEL_SOLID) { continue; }
    diag = diag + 1.0;
    if (label == LABEL_INTERIOR) { mask = mask | (1u << n); }
  }
  systemOut[idx] = select(vec4<f32>(1.0 / diag, 0.0, f32(mask), diag), vec4<f32>(0.0), diag == 0.0);
}
