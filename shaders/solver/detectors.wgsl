// Detectors: the liquid inside up to 16 regions, measured for all of them in two dispatches.
//   measureDetectors: workgroup (x, d) folds its share of detector d's box of cells, one
//                     partial per thread (no barriers, like the diagnostics' stage 1)
//   foldDetectors:    one workgroup per detector folds its partials into results[d]
// A cell belongs to a region when its centre lies inside (shapeDistance <= 0) and it is not
// solid. Sums per region: the liquid fraction H(-phi) (the diagnostics' smoothed Heaviside;
// times cellSize^3 the liquid volume), H-weighted cell-centred velocity, the cells with
// phi < 0, and the region's cells.

struct DetectorRegion {
  center: vec3<f32>,
  kind: u32,             // 0 box, 1 sphere (as Shape.center.w)
  halfExtents: vec3<f32>, // sphere: x = radius
  _pad0: u32,
  rotation: vec4<f32>,   // unit quaternion, region to grid
  firstCell: vec3<u32>,  // the box of cells whose centres may lie inside (regionCellBox)
  _pad1: u32,
  cellBox: vec3<u32>,    // its extent per axis (0: no cell)
  _pad2: u32,
};

// The regions of the detectors; `regions` has room for MAX_DETECTORS (its length here is the
// limit: the TypeScript side reads it from this declaration).
struct DetectorList {
  count: u32,
  groups: u32,           // workgroups per detector in measureDetectors
  _pad0: u32,
  _pad1: u32,
  regions: array<DetectorRegion, 16>,
};

struct DetectorSums {
  weightedVelocity: vec3<f32>, // sum of H(-phi) * cell-centred velocity (m/s)
  liquidFraction: f32,         // sum of H(-phi)
  liquidCells: u32,            // cells with phi < 0
  regionCells: u32,            // cells in the region
  _pad0: u32,
  _pad1: u32,
};

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<uniform> detectors: DetectorList;
@group(0) @binding(2) var<storage, read> phi: array<f32>;
@group(0) @binding(3) var<storage, read> solidPhi: array<f32>;
@group(0) @binding(4) var<storage, read> velocity: array<f32>;
@group(0) @binding(5) var<storage, read_write> partials: array<DetectorSums>;
@group(0) @binding(6) var<storage, read_write> results: array<DetectorSums>;

const PI: f32 = 3.14159265;

// The diagnostics' liquid measure, smoothHeaviside(-phi) of diagnostics.wgsl: 0 for phi >= eps,
// 1 for phi <= -eps, eps = 1.5 cells.
fn liquidFraction(p: f32) -> f32 {
  let eps = 1.5 * params.cellSize;
  let x = -p;
  if (x <= -eps) { return 0.0; }
  if (x >= eps) { return 1.0; }
  return 0.5 * (1.0 + x / eps + sin(PI * x / eps) / PI);
}

fn noSums() -> DetectorSums {
  return DetectorSums(vec3<f32>(0.0), 0.0, 0u, 0u, 0u, 0u);
}

fn addSums(a: DetectorSums, b: DetectorSums) -> DetectorSums {
  return DetectorSums(a.weightedVelocity + b.weightedVelocity, a.liquidFraction + b.liquidFraction,
    a.liquidCells + b.liquidCells, a.regionCells + b.regionCells, 0u, 0u);
}

// Mean of the cell's two faces per axis.
fn cellVelocity(c: vec3<i32>) -> vec3<f32> {
  var v = vec3<f32>(0.0);
  for (var axis = 0u; axis < 3u; axis = axis + 1u) {
    v[axis] = 0.5 * (velocity[faceIndex(axis, c)] + velocity[faceIndex(axis, c + axisVector(axis))]);
  }
  return v;
}

fn regionShape(r: DetectorRegion) -> Shape {
  var s: Shape;
  s.center = vec4<f32>(r.center, f32(r.kind));
  s.halfExtents = vec4<f32>(r.halfExtents, 0.0);
  s.rotation = r.rotation;
  s.linearVelocity = vec4<f32>(0.0);
  s.angularVelocity = vec4<f32>(0.0);
  return s;
}

// The sums of box reductions (shaders/gpu/box-reduction.wgsl, prepended).
alias BoxSums = DetectorSums;
fn noBoxSums() -> DetectorSums { return noSums(); }
fn addBoxSums(a: DetectorSums, b: DetectorSums) -> DetectorSums { return addSums(a, b); }

// The region a thread of measureDetectors measures, set once before its cells.
var<private> measuredShape: Shape;

// Cell c of the region's box: counted when its centre lies inside and it is not solid.
fn boxCellSums(c: vec3<i32>) -> DetectorSums {
  var acc = noSums();
  if (shapeDistance(measuredShape, cellCenter(c)) > 0.0) { return acc; }
  let idx = cellIndex(c);
  if (solidPhi[idx] < 0.0) { return acc; }
  acc.regionCells = 1u;
  let p = phi[idx];
  if (p < 0.0) { acc.liquidCells = 1u; }
  let h = liquidFraction(p);
  if (h > 0.0) {
    acc.liquidFraction = h;
    acc.weightedVelocity = h * cellVelocity(c);
  }
  return acc;
}

// Workgroup (x, d) folds its share of detector d's box of cells.
@compute @workgroup_size(REDUCE_THREADS)
fn measureDetectors(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let region = detectors.regions[wid.y];
  measuredShape = regionShape(region);
  measureBox(wid, lid, detectors.groups, region.firstCell, region.cellBox);
}

@compute @workgroup_size(REDUCE_THREADS)
fn foldDetectors(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  foldBox(wid.x, detectors.groups, lid);
}
