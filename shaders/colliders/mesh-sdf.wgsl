// Signed distance field of a triangle mesh in its own frame, built on the GPU (one build per
// mesh and resolution; src/colliders/mesh-sdf-builder.ts encodes it):
//   clearVoxels          no nearest triangle, no crossings
//   splatDistances       one thread per triangle: exact point-triangle distance at the voxels
//                        of its box grown by the band; atomicMin of (distance quantized over the
//                        band << 17 | triangle index) keeps the nearest triangle per voxel
//   countCrossings       one thread per triangle and axis: every grid line along the axis that
//                        crosses the triangle gets +1 (entering) or -1 (leaving) at the first
//                        voxel past the crossing
//   accumulateCrossings  one thread per line: prefix sums turn crossings into winding numbers
//   sweepNearest         one thread per line: voxels outside the band take the nearer of their
//                        own and the carried candidate triangle, forward then backward
//   writeSdf             |distance to the nearest triangle| * voxelSize, negative where at least
//                        two of the three axes' winding numbers are non-zero
// Voxel coordinates: voxel (i, j, k) is centred at (i, j, k) + 0.5; the triangles come in those
// coordinates. CPU mirror: src/reference/reference-mesh-sdf.ts.

struct SdfBuildParams {
  dims: vec3<u32>,
  voxelCount: u32,
  splatTriangleCount: u32,
  crossingTriangleCount: u32,
  band: f32,        // half-width of the exact band (voxels)
  voxelSize: f32,   // metres (mesh frame) per voxel
  atlasOffset: u32, // first float of this SDF in the atlas
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
};

@group(0) @binding(0) var<uniform> build: SdfBuildParams;
@group(0) @binding(1) var<storage, read> splatTriangles: array<vec4<f32>>;     // 3 per triangle
@group(0) @binding(2) var<storage, read> crossingTriangles: array<vec4<f32>>;  // 3 per triangle
@group(0) @binding(3) var<storage, read_write> nearest: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> crossings: array<atomic<u32>>;  // per voxel, see CROSSING_BIAS
@group(0) @binding(5) var<storage, read_write> atlas: array<f32>;

const NEAREST_NONE: u32 = 0xffffffffu;
const INDEX_BITS: u32 = 17u;
const INDEX_MASK: u32 = 0x1ffffu;
const FAR_LEVEL: u32 = 0x7fffu;   // the quantized level of voxels outside the band
const NO_CANDIDATE: u32 = 0xffffffffu;
// Crossings per voxel: three 10-bit fields (axis x at bit 0, y at 10, z at 20), each the count
// plus CROSSING_BIAS, so +-1 steps never borrow from a neighbour field while |count| < 512.
const CROSSING_BIAS: u32 = 512u;
const CROSSINGS_CLEAR: u32 = 0x20080200u;  // 512 in every field
const FIELD_MASK: u32 = 0x3ffu;
const TRIANGLE_WG: u32 = 64u;
const LINE_WG: u32 = 8u;

fn dimsI() -> vec3<i32> { return vec3<i32>(build.dims); }

fn voxelIndex(c: vec3<i32>) -> u32 {
  return u32(c.x) + build.dims.x * (u32(c.y) + build.dims.y * u32(c.z));
}

fn voxelCentre(c: vec3<i32>) -> vec3<f32> { return vec3<f32>(c) + vec3<f32>(0.5); }

fn splatCorner(t: u32, v: u32) -> vec3<f32> { return splatTriangles[3u * t + v].xyz; }

// Closest point of triangle abc to p (Ericson, Real-Time Collision Detection 5.1.5).
fn closestPointOnTriangle(p: vec3<f32>, a: vec3<f32>, b: vec3<f32>, c: vec3<f32>) -> vec3<f32> {
  let ab = b - a;
  let ac = c - a;
  let ap = p - a;
  let d1 = dot(ab, ap);
  let d2 = dot(ac, ap);
  if (d1 <= 0.0 && d2 <= 0.0) { return a; }
  let bp = p - b;
  let d3 = dot(ab, bp);
  let d4 = dot(ac, bp);
  if (d3 >= 0.0 && d4 <= d3) { return b; }
  let vc = d1 * d4 - d3 * d2;
  if (vc <= 0.0 && d1 >= 0.0 && d3 <= 0.0) { return a + (d1 / (d1 - d3)) * ab; }
  let cp = p - c;
  let d5 = dot(ab, cp);
  let d6 = dot(ac, cp);
  if (d6 >= 0.0 && d5 <= d6) { return c; }
  let vb = d5 * d2 - d1 * d6;
  if (vb <= 0.0 && d2 >= 0.0 && d6 <= 0.0) { return a + (d2 / (d2 - d6)) * ac; }
  let va = d3 * d6 - d5 * d4;
  if (va <= 0.0 && (d4 - d3) >= 0.0 && (d5 - d6) >= 0.0) {
    return b + ((d4 - d3) / ((d4 - d3) + (d5 - d6))) * (c - b);
  }
  let denom = 1.0 / (va + vb + vc);
  return a + ab * (vb * denom) + ac * (vc * denom);
}

fn triangleDistance(t: u32, p: vec3<f32>) -> f32 {
  return length(p - closestPointOnTriangle(p, splatCorner(t, 0u), splatCorner(t, 1u), splatCorner(t, 2u)));
}

@compute @workgroup_size(4, 4, 4)
fn clearVoxels(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (any(gid >= build.dims)) { return; }
  let v = voxelIndex(vec3<i32>(gid));
  atomicStore(&nearest[v], NEAREST_NONE);
  atomicStore(&crossings[v], CROSSINGS_CLEAR);
}

@compute @workgroup_size(TRIANGLE_WG)
fn splatDistances(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= build.splatTriangleCount) { return; }
  let a = splatCorner(t, 0u);
  let b = splatCorner(t, 1u);
  let c = splatCorner(t, 2u);
  let band = build.band;
  let lo = max(vec3<i32>(ceil(min(a, min(b, c)) - band - 0.5)), vec3<i32>(0));
  let hi = min(vec3<i32>(floor(max(a, max(b, c)) + band - 0.5)), dimsI() - vec3<i32>(1));
  let n = normalize(cross(b - a, c - a));
  for (var k = lo.z; k <= hi.z; k = k + 1) {
    for (var j = lo.y; j <= hi.y; j = j + 1) {
      for (var i = lo.x; i <= hi.x; i = i + 1) {
        let cell = vec3<i32>(i, j, k);
        let p = voxelCentre(cell);
        // Far from the triangle's plane: far from the triangle (cheap rejection).
        if (abs(dot(n, p - a)) >= band) { continue; }
        let d = length(p - closestPointOnTriangle(p, a, b, c));
        if (!(d < band)) { continue; }
        let q = min(u32(d / band * 32767.0), 32766u);
        atomicMin(&nearest[voxelIndex(cell)], (q << INDEX_BITS) | t);
      }
    }
  }
}

// The edge function of p0 -> p1 at q, always computed from the lexicographically smaller end:
// two triangles that share the edge get exactly opposite values.
fn canonicalEdge(p0: vec2<f32>, p1: vec2<f32>, q: vec2<f32>) -> f32 {
  let swap = p1.x < p0.x || (p1.x == p0.x && p1.y < p0.y);
  let a = select(p0, p1, swap);
  let b = select(p1, p0, swap);
  let w = (b.x - a.x) * (q.y - a.y) - (b.y - a.y) * (q.x - a.x);
  return select(w, -w, swap);
}

// Fill rule for points exactly on an edge (direction d of a counter-clockwise triangle): as if
// the point moved by an infinitesimal step along +u (then +v), so exactly one of the triangles
// around an edge or a vertex owns it.
fn ownsEdge(d: vec2<f32>) -> bool {
  return d.y < 0.0 || (d.y == 0.0 && d.x > 0.0);
}

fn covers(w: f32, d: vec2<f32>) -> bool {
  return w > 0.0 || (w == 0.0 && ownsEdge(d));
}

@compute @workgroup_size(TRIANGLE_WG, 1, 1)
fn countCrossings(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  let axis = gid.y;
  if (t >= build.crossingTriangleCount || axis > 2u) { return; }
  let u = (axis + 1u) % 3u;
  let v = (axis + 2u) % 3u;
  let A = crossingTriangles[3u * t].xyz;
  let B = crossingTriangles[3u * t + 1u].xyz;
  let C = crossingTriangles[3u * t + 2u].xyz;
  let a2 = vec2<f32>(A[u], A[v]);
  let b2 = vec2<f32>(B[u], B[v]);
  let c2 = vec2<f32>(C[u], C[v]);
  let area = (b2.x - a2.x) * (c2.y - a2.y) - (b2.y - a2.y) * (c2.x - a2.x);
  if (area == 0.0) { return; }  // edge-on: its neighbours cover the lines
  let s = select(-1.0, 1.0, area > 0.0);
  let d = dimsI();
  let lo = max(vec2<i32>(ceil(min(a2, min(b2, c2)) - 0.5)), vec2<i32>(0));
  let hi = min(vec2<i32>(floor(max(a2, max(b2, c2)) - 0.5)), vec2<i32>(d[u] - 1, d[v] - 1));
  let dirBC = s * (c2 - b2);
  let dirCA = s * (a2 - c2);
  let dirAB = s * (b2 - a2);
  // Entering a solid whose normals point out: the normal's axis component (the area) is negative.
  let entering = area < 0.0;
  let step = 1u << (10u * axis);
  for (var jv = lo.y; jv <= hi.y; jv = jv + 1) {
    for (var ju = lo.x; ju <= hi.x; ju = ju + 1) {
      let q = vec2<f32>(f32(ju) + 0.5, f32(jv) + 0.5);
      let w0 = s * canonicalEdge(b2, c2, q);
      let w1 = s * canonicalEdge(c2, a2, q);
      let w2 = s * canonicalEdge(a2, b2, q);
      let sum = w0 + w1 + w2;
      if (!(covers(w0, dirBC) && covers(w1, dirCA) && covers(w2, dirAB)) || !(sum > 0.0)) { continue; }
      let crossingAt = (w0 * A[axis] + w1 * B[axis] + w2 * C[axis]) / sum;
      let k = max(i32(ceil(crossingAt - 0.5)), 0);
      if (k >= d[axis]) { continue; }
      var cell = vec3<i32>(0);
      cell[axis] = k;
      cell[u] = ju;
      cell[v] = jv;
      if (entering) { atomicAdd(&crossings[voxelIndex(cell)], step); } else { atomicSub(&crossings[voxelIndex(cell)], step); }
    }
  }
}

// Voxel s of line (ju, jv) along `axis`.
fn lineCell(axis: u32, ju: i32, jv: i32, s: i32) -> vec3<i32> {
  var cell = vec3<i32>(0);
  cell[axis] = s;
  cell[(axis + 1u) % 3u] = ju;
  cell[(axis + 2u) % 3u] = jv;
  return cell;
}

fn lineExists(axis: u32, gid: vec3<u32>) -> bool {
  let d = build.dims;
  return gid.x < d[(axis + 1u) % 3u] && gid.y < d[(axis + 2u) % 3u];
}

// The axis's field becomes the winding number (clamped to +-511) plus the bias; each voxel's
// word is touched by one thread of the pass, and the other axes' fields are kept.
fn accumulateAlong(axis: u32, gid: vec3<u32>) {
  if (!lineExists(axis, gid)) { return; }
  let shift = 10u * axis;
  var sum = 0;
  for (var s = 0; s < i32(build.dims[axis]); s = s + 1) {
    let at = voxelIndex(lineCell(axis, i32(gid.x), i32(gid.y), s));
    let word = atomicLoad(&crossings[at]);
    sum = sum + i32((word >> shift) & FIELD_MASK) - i32(CROSSING_BIAS);
    let field = u32(clamp(sum, -511, 511) + i32(CROSSING_BIAS));
    atomicStore(&crossings[at], (word & ~(FIELD_MASK << shift)) | (field << shift));
  }
}

@compute @workgroup_size(LINE_WG, LINE_WG, 1)
fn accumulateCrossingsX(@builtin(global_invocation_id) gid: vec3<u32>) { accumulateAlong(0u, gid); }

@compute @workgroup_size(LINE_WG, LINE_WG, 1)
fn accumulateCrossingsY(@builtin(global_invocation_id) gid: vec3<u32>) { accumulateAlong(1u, gid); }

@compute @workgroup_size(LINE_WG, LINE_WG, 1)
fn accumulateCrossingsZ(@builtin(global_invocation_id) gid: vec3<u32>) { accumulateAlong(2u, gid); }

// One pass of the far-field sweep along a line in one direction; returns nothing, updates `nearest`.
fn sweepLine(axis: u32, ju: i32, jv: i32, forward: bool) {
  let n = i32(build.dims[axis]);
  var carry = NO_CANDIDATE;
  for (var m = 0; m < n; m = m + 1) {
    let s = select(n - 1 - m, m, forward);
    let cell = lineCell(axis, ju, jv, s);
    let v = voxelIndex(cell);
    let own = atomicLoad(&nearest[v]);
    if (own != NEAREST_NONE && (own >> INDEX_BITS) < FAR_LEVEL) {
      carry = own & INDEX_MASK;  // in the band: exact, and the best candidate to carry on
      continue;
    }
    if (carry == NO_CANDIDATE) {
      if (own != NEAREST_NONE) { carry = own & INDEX_MASK; }
      continue;
    }
    if (own != NEAREST_NONE) {
      let mine = own & INDEX_MASK;
      let p = voxelCentre(cell);
      if (mine == carry || triangleDistance(mine, p) <= triangleDistance(carry, p)) {
        carry = mine;
        continue;
      }
    }
    atomicStore(&nearest[v], (FAR_LEVEL << INDEX_BITS) | carry);
  }
}

fn sweepAlong(axis: u32, gid: vec3<u32>) {
  if (!lineExists(axis, gid)) { return; }
  sweepLine(axis, i32(gid.x), i32(gid.y), true);
  sweepLine(axis, i32(gid.x), i32(gid.y), false);
}

@compute @workgroup_size(LINE_WG, LINE_WG, 1)
fn sweepNearestX(@builtin(global_invocation_id) gid: vec3<u32>) { sweepAlong(0u, gid); }

@compute @workgroup_size(LINE_WG, LINE_WG, 1)
fn sweepNearestY(@builtin(global_invocation_id) gid: vec3<u32>) { sweepAlong(1u, gid); }

@compute @workgroup_size(LINE_WG, LINE_WG, 1)
fn sweepNearestZ(@builtin(global_invocation_id) gid: vec3<u32>) { sweepAlong(2u, gid); }

@compute @workgroup_size(4, 4, 4)
fn writeSdf(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (any(gid >= build.dims)) { return; }
  let cell = vec3<i32>(gid);
  let v = voxelIndex(cell);
  let own = atomicLoad(&nearest[v]);
  var d = 3.0e38;
  if (own != NEAREST_NONE) { d = triangleDistance(own & INDEX_MASK, voxelCentre(cell)) * build.voxelSize; }
  let word = atomicLoad(&crossings[v]);
  var votes = 0u;
  for (var axis = 0u; axis < 3u; axis = axis + 1u) {
    if (((word >> (10u * axis)) & FIELD_MASK) != CROSSING_BIAS) { votes = votes + 1u; }
  }
  atlas[build.atlasOffset + v] = select(d, -d, votes >= 2u);
}
