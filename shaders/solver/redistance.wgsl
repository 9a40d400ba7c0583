// Level-set redistancing in a narrow band, fully parallel:
//   redistanceInit:  cells next to a sign change get their distance from the linearly
//                    interpolated crossings (exact for planes) and are frozen; all others
//                    start at +-band.
//   redistanceSweep: one Jacobi iteration of the Godunov upwind Eikonal update |grad phi| = 1
//                    for the unfrozen cells; k sweeps give correct distances k cells out.
//   extendIntoSolids: obstacle cells take the mean level set of their fluid neighbours, so
//                    advection and rendering near obstacles see no false surface.
// Solid cells neither create nor take part in interface crossings.

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<storage, read> phiIn: array<f32>;
@group(0) @binding(2) var<storage, read_write> phiOut: array<f32>;
@group(0) @binding(3) var<storage, read_write> frozen: array<u32>;
@group(0) @binding(4) var<storage, read> solidPhi: array<f32>;

fn isSolidCell(c: vec3<i32>) -> bool {
  return solidPhi[cellIndex(c)] < 0.0;
}

@compute @workgroup_size(WG, WG, WG)
fn redistanceInit(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (!inGrid(c)) { return; }
  let idx = cellIndex(c);
  let p = phiIn[idx];
  let inside = p < 0.0;
  let sgn = select(1.0, -1.0, inside);
  let band = params.bandWidth;
  if (isSolidCell(c)) {
    phiOut[idx] = sgn * band;
    frozen[idx] = 0u;
    return;
  }
  // Per-axis distance to the nearest crossing; 0 means "no crossing on this axis".
  var invSq = 0.0;
  var touching = false;
  var found = false;
  for (var axis = 0u; axis < 3u; axis = axis + 1u) {
    var best = 3.4e38;
    for (var s = -1; s <= 1; s = s + 2) {
      let n = c + s * axisVector(axis);
      if (!inGrid(n) || isSolidCell(n)) { continue; }
      let pn = phiIn[cellIndex(n)];
      if ((pn < 0.0) != inside) {
        let theta = p / (p - pn);
        best = min(best, theta * params.cellSize);
      }
    }
    if (best < 3.0e38) {
      found = true;
      if (best <= 1.0e-6 * params.cellSize) { touching = true; } else { invSq = invSq + 1.0 / (best * best); }
    }
  }
  if (found) {
    var d = 0.0;
    if (!touching) { d = inverseSqrt(invSq); }
    phiOut[idx] = sgn * d;
    frozen[idx] = 1u;
  } else {
    phiOut[idx] = sgn * band;
    frozen[idx] = 0u;
  }
}

fn neighbourDistance(c: vec3<i32>, axis: u32) -> f32 {
  var best = params.bandWidth;
  for (var s = -1; s <= 1; s = s + 2) {
    let n = c + s * axisVector(axis);
    if (!inGrid(n) || isSolidCell(n)) { continue; }
    best = min(best, abs(phiIn[cellIndex(n)]));
  }
  return best;
}

// Solution of the upwind Eikonal equation from the smallest neighbour distance per axis.
fn eikonal(a0: f32, a1: f32, a2: f32, h: f32) -> f32 {
  // sort ascending
  let lo = min(a0, min(a1, a2));
  let hi = max(a0, max(a1, a2));
  let mid = a0 + a1 + a2 - lo - hi;
  var d = lo + h;
  if (d > mid) {
    let diff = lo - mid;
    d = 0.5 * (lo + mid + sqrt(max(0.0, 2.0 * h * h - diff * diff)));
    if (d > hi) {
      let s = lo + mid + hi;
      let q = s * s - 3.0 * (lo * lo + mid * mid + hi * hi - h * h);
      d = (s + sqrt(max(0.0, q))) / 3.0;
    }
  }
  return d;
}

@compute @workgroup_size(WG, WG, WG)
fn redistanceSweep(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (!inGrid(c)) { return; }
  let idx = cellIndex(c);
  let p = phiIn[idx];
  if (frozen[idx] != 0u || isSolidCell(c)) {
    phiOut[idx] = p;
    return;
  }
  let d = eikonal(neighbourDistance(c, 0u), neighbourDistance(c, 1u), neighbourDistance(c, 2u), params.cellSize);
  phiOut[idx] = select(1.0, -1.0, p < 0.0) * min(min(d, abs(p)), params.bandWidth);
}

@compute @workgroup_size(WG, WG, WG)
fn extendIntoSolids(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (!inGrid(c)) { return; }
  let idx = cellIndex(c);
  if (!isSolidCell(c)) {
    phiOut[idx] = phiIn[idx];
    return;
  }
  var sum = 0.0;
  var count = 0.0;
  for (var axis = 0u; axis < 3u; axis = axis + 1u) {
    for (var s = -1; s <= 1; s = s + 2) {
      let n = c + s * axisVector(axis);
      if (!inGrid(n) || isSolidCell(n)) { continue; }
      sum = sum + phiIn[cellIndex(n)];
      count = count + 1.0;
    }
  }
  phiOut[idx] = select(params.bandWidth, sum / count, count > 0.0);
}
