// GPU reductions over the grid and the level-set volume correction.
//   measureVolume / measureState: per-workgroup partial sums/maxima (stage 1)
//   finishStats:                  one workgroup folds the partials into `stats` (stage 2)
//   volume*:                      single-thread bookkeeping of the target volume, and the
//                                 uniform level-set shift that restores it
// stats: [0] volume (m^3, smoothed Heaviside), [1] surface area (m^2, smoothed delta),
//        [2] liquid cells, [3] sum of div^2 over liquid cells (1/s^2), [4] max |div| (1/s),
//        [5] max speed in liquid (m/s), [6] non-finite values seen, [7] kinetic energy (J).

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<storage, read_write> phi: array<f32>;
@group(0) @binding(2) var<storage, read> solidPhi: array<f32>;
@group(0) @binding(3) var<storage, read> velocity: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32, 8>;
@group(0) @binding(6) var<storage, read_write> volumeState: VolumeState;

struct VolumeState {
  targetVolume: f32, // volume the liquid should have (m^3)
  before: f32,   // volume measured before emitters/sinks acted this step
  shift: f32,    // last level-set shift applied (m)
  emitted: f32,  // net volume added by emitters minus sinks so far (m^3)
};

const STATS: u32 = 8u;
const PI: f32 = 3.14159265;

fn heavisideEpsilon() -> f32 { return 1.5 * params.cellSize; }

// Smoothed Heaviside H(x): 0 for x < -eps, 1 for x > eps.
fn smoothHeaviside(x: f32) -> f32 {
  let eps = heavisideEpsilon();
  if (x <= -eps) { return 0.0; }
  if (x >= eps) { return 1.0; }
  return 0.5 * (1.0 + x / eps + sin(PI * x / eps) / PI);
}

fn smoothDelta(x: f32) -> f32 {
  let eps = heavisideEpsilon();
  if (abs(x) >= eps) { return 0.0; }
  return 0.5 / eps * (1.0 + cos(PI * x / eps));
}

fn isMaxSlot(q: u32) -> bool { return q == 4u || q == 5u; }

fn cellOfIndex(idx: u32) -> vec3<i32> {
  let d = params.dims;
  return vec3<i32>(i32(idx % d.x), i32((idx / d.x) % d.y), i32(idx / (d.x * d.y)));
}

fn cellStats(idx: u32, full: bool) -> array<f32, 8> {
  var s = array<f32, 8>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
  if (idx >= params.cellCount) { return s; }
  let p = phi[idx];
  if (!isFiniteF32(p)) { s[6] = 1.0; return s; }
  if (solidPhi[idx] < 0.0) { return s; }
  let cellVolume = params.cellSize * params.cellSize * params.cellSize;
  s[0] = smoothHeaviside(-p) * cellVolume;
  s[1] = smoothDelta(p) * cellVolume;
  if (!full || p >= 0.0) { return s; }
  let c = cellOfIndex(idx);
  var outflow = 0.0;
  var centre = vec3<f32>(0.0);
  for (var axis = 0u; axis < 3u; axis = axis + 1u) {
    let lo = velocity[faceIndex(axis, c)];
    let hi = velocity[faceIndex(axis, c + axisVector(axis))];
    outflow = outflow + hi - lo;
    centre[axis] = 0.5 * (lo + hi);
  }
  let div = outflow * params.invCellSize;
  let speed = length(centre);
  if (!isFiniteF32(div) || !isFiniteF32(speed)) { s[6] = 1.0; return s; }
  s[2] = 1.0;
  s[3] = div * div;
  s[4] = abs(div);
  s[5] = speed;
  s[7] = 0.5 * params.density * speed * speed * cellVolume;
  return s;
}

fn combine(a: array<f32, 8>, b: array<f32, 8>) -> array<f32, 8> {
  var r = a;
  for (var q = 0u; q < STATS; q = q + 1u) { r[q] = select(a[q] + b[q], max(a[q], b[q]), isMaxSlot(q)); }
  return r;
}

// Stage 1, no barriers: thread t of workgroup w folds the REDUCE_SPAN cells
// w*REDUCE_BLOCK + r*REDUCE_THREADS + t (coalesced across the workgroup) into partial w*64+t.
fn measure(gid: u32, lid: u32, wid: u32, full: bool) {
  var acc = array<f32, 8>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
  let base = wid * REDUCE_BLOCK + lid;
  for (var r = 0u; r < REDUCE_SPAN; r = r + 1u) {
    acc = combine(acc, cellStats(base + r * REDUCE_THREADS, full));
  }
  for (var q = 0u; q < STATS; q = q + 1u) { partials[gid * STATS + q] = acc[q]; }
}

@compute @workgroup_size(REDUCE_THREADS)
fn measureVolume(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
                 @builtin(workgroup_id) wid: vec3<u32>) {
  measure(gid.x, lid, wid.x, false);
}

@compute @workgroup_size(REDUCE_THREADS)
fn measureState(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
                @builtin(workgroup_id) wid: vec3<u32>) {
  measure(gid.x, lid, wid.x, true);
}

var<workgroup> sharedStats: array<array<f32, 8>, REDUCE_THREADS>;

// Stage 2, one workgroup: serial folds of the partials, then a 64-wide tree.
@compute @workgroup_size(REDUCE_THREADS)
fn finishStats(@builtin(local_invocation_index) lid: u32) {
  let count = reducePartialCount(params.cellCount);
  var acc = array<f32, 8>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
  for (var g = lid; g < count; g = g + REDUCE_THREADS) {
    var v: array<f32, 8>;
    for (var q = 0u; q < STATS; q = q + 1u) { v[q] = partials[g * STATS + q]; }
    acc = combine(acc, v);
  }
  sharedStats[lid] = acc;
  workgroupBarrier();
  for (var stride = REDUCE_THREADS / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { sharedStats[lid] = combine(sharedStats[lid], sharedStats[lid + stride]); }
    workgroupBarrier();
  }
  if (lid == 0u) {
    for (var q = 0u; q < STATS; q = q + 1u) { stats[q] = sharedStats[0][q]; }
  }
}

@compute @workgroup_size(1)
fn volumeInitTarget() {
  volumeState.targetVolume = stats[0];
  volumeState.shift = 0.0;
  volumeState.emitted = 0.0;
}

@compute @workgroup_size(1)
fn volumeRecordBefore() {
  volumeState.before = stats[0];
}

@compute @workgroup_size(1)
fn volumeAddEmitted() {
  let delta = stats[0] - volumeState.before;
  volumeState.targetVolume = volumeState.targetVolume + delta;
  volumeState.emitted = volumeState.emitted + delta;
}

// Shifting phi by s changes the volume by about -area*s; at most half a cell per step.
@compute @workgroup_size(1)
fn volumeComputeShift() {
  let area = max(stats[1], 1.0e-12);
  let s = (stats[0] - volumeState.targetVolume) / area;
  let limit = 0.5 * params.cellSize;
  volumeState.shift = select(0.0, clamp(s, -limit, limit), isFiniteF32(s) && stats[1] > 1.0e-12);
}

@compute @workgroup_size(WG, WG, WG)
fn volumeApplyShift(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (!inGrid(c)) { return; }
  let idx = cellIndex(c);
  phi[idx] = phi[idx] + volumeState.shift;
}
