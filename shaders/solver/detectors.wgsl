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

// Thread t of detector d's workgroups takes cells t, t + threads, ... of the region's cell box
// (x fastest, so neighbouring threads read neighbouring cells).
@compute @workgroup_size(REDUCE_THREADS)
fn measureDetectors(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let d = wid.y;
  let threads = detectors.groups * REDUCE_THREADS;
  let t = wid.x * REDUCE_THREADS + lid;
  let region = detectors.regions[d];
  let shape = regionShape(region);
  let box = region.cellBox;
  let total = box.x * box.y * box.z;
  var acc = noSums();
  for (var n = t; n < total; n = n + threads) {
    let c = vec3<i32>(region.firstCell + vec3<u32>(n % box.x, (n / box.x) % box.y, n / (box.x * box.y)));
    if (shapeDistance(shape, cellCenter(c)) > 0.0) { continue; }
    let idx = cellIndex(c);
    if (solidPhi[idx] < 0.0) { continue; }
    acc.regionCells = acc.regionCells + 1u;
    let p = phi[idx];
    if (p < 0.0) { acc.liquidCells = acc.liquidCells + 1u; }
    let h = liquidFraction(p);
    if (h > 0.0) {
      acc.liquidFraction = acc.liquidFraction + h;
      acc.weightedVelocity = acc.weightedVelocity + h * cellVelocity(c);
    }
  }
  partials[d * threads + t] = acc;
}

var<workgroup> foldScratch: array<DetectorSums, REDUCE_THREADS>;

// One workgroup per detector: serial folds of its partials, then a 64-wide tree.
@compute @workgroup_size(REDUCE_THREADS)
fn foldDetectors(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let d = wid.x;
  let threads = detectors.groups * REDUCE_THREADS;
  var acc = noSums();
  for (var n = lid; n < threads; n = n + REDUCE_THREADS) {
    acc = addSums(acc, partials[d * threads + n]);
  }
  foldScratch[lid] = acc;
  workgroupBarrier();
  for (var stride = REDUCE_THREADS / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { foldScratch[lid] = addSums(foldScratch[lid], foldScratch[lid + stride]); }
    workgroupBarrier();
  }
  if (lid == 0u) { results[d] = foldScratch[0]; }
}
