// MacCormack advection (Selle et al. 2008) with an RK2 backtrace, for the cell-centred level set
// and for the staggered (MAC) velocity. Each pass reads the pre-step `velocity` to trace.
//   forward:  hat = field(x - dt*u)
//   backward: bar = hat(x + dt*u)
//   correct:  new = hat + (field - bar)/2, clamped to the range of the 8 values around the
//             backtraced point (keeps the scheme from creating extrema). Clamping rather than
//             reverting to `hat` is continuous, so rounding cannot flip the choice between
//             mirrored cells and symmetric scenes stay symmetric.

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<storage, read> velocity: array<f32>;
@group(0) @binding(2) var<storage, read> fieldA: array<f32>;   // field (forward, correct) or hat (backward)
@group(0) @binding(3) var<storage, read> fieldB: array<f32>;   // hat (correct)
@group(0) @binding(4) var<storage, read> fieldC: array<f32>;   // bar (correct)
@group(0) @binding(5) var<storage, read_write> outField: array<f32>;

// A sample lattice: cell centres (kind 3) or the faces of one velocity component (0, 1, 2).
struct Lattice {
  dims: vec3<i32>,
  offset: vec3<f32>,  // position of point (0,0,0) in cells
  base: u32,          // first index in the buffer
};

fn lattice(kind: u32) -> Lattice {
  let d = dimsI();
  switch kind {
    case 0u: { return Lattice(d + vec3<i32>(1, 0, 0), vec3<f32>(0.0, 0.5, 0.5), 0u); }
    case 1u: { return Lattice(d + vec3<i32>(0, 1, 0), vec3<f32>(0.5, 0.0, 0.5), uCount()); }
    case 2u: { return Lattice(d + vec3<i32>(0, 0, 1), vec3<f32>(0.5, 0.5, 0.0), uCount() + vCount()); }
    default: { return Lattice(d, vec3<f32>(0.5), 0u); }
  }
}

fn latticeIndex(l: Lattice, c: vec3<i32>) -> u32 {
  return l.base + u32(c.x) + u32(l.dims.x) * (u32(c.y) + u32(l.dims.y) * u32(c.z));
}

// The 8 indices and trilinear weights around p (clamped to the lattice).
struct Stencil {
  i0: u32, i1: u32, i2: u32, i3: u32, i4: u32, i5: u32, i6: u32, i7: u32,
  t: vec3<f32>,
};

fn stencil(l: Lattice, p: vec3<f32>) -> Stencil {
  let g = p * params.invCellSize - l.offset;
  let f = floor(g);
  let hiBound = l.dims - vec3<i32>(1);
  let lo = clamp(vec3<i32>(f), vec3<i32>(0), hiBound);
  let hi = clamp(vec3<i32>(f) + vec3<i32>(1), vec3<i32>(0), hiBound);
  let sy = u32(l.dims.x);
  let sz = u32(l.dims.x * l.dims.y);
  let x0 = l.base + u32(lo.x);
  let x1 = l.base + u32(hi.x);
  let y0 = u32(lo.y) * sy;
  let y1 = u32(hi.y) * sy;
  let z0 = u32(lo.z) * sz;
  let z1 = u32(hi.z) * sz;
  return Stencil(x0 + y0 + z0, x1 + y0 + z0, x0 + y1 + z0, x1 + y1 + z0,
                 x0 + y0 + z1, x1 + y0 + z1, x0 + y1 + z1, x1 + y1 + z1, clamp(g - f, vec3<f32>(0.0), vec3<f32>(1.0)));
}

fn blend(v0: f32, v1: f32, v2: f32, v3: f32, v4: f32, v5: f32, v6: f32, v7: f32, t: vec3<f32>) -> f32 {
  let a = mix(mix(v0, v1, t.x), mix(v2, v3, t.x), t.y);
  let b = mix(mix(v4, v5, t.x), mix(v6, v7, t.x), t.y);
  return mix(a, b, t.z);
}

fn sampleVelocityComponent(kind: u32, p: vec3<f32>) -> f32 {
  let s = stencil(lattice(kind), p);
  return blend(velocity[s.i0], velocity[s.i1], velocity[s.i2], velocity[s.i3],
               velocity[s.i4], velocity[s.i5], velocity[s.i6], velocity[s.i7], s.t);
}

fn sampleVelocity(p: vec3<f32>) -> vec3<f32> {
  return vec3<f32>(sampleVelocityComponent(0u, p), sampleVelocityComponent(1u, p), sampleVelocityComponent(2u, p));
}

fn clampToDomain(p: vec3<f32>) -> vec3<f32> {
  return clamp(p, vec3<f32>(0.0), vec3<f32>(params.dims) * params.cellSize);
}

// Position reached from p after time `signedDt` along the flow (RK2 midpoint).
fn trace(p: vec3<f32>, signedDt: f32) -> vec3<f32> {
  let mid = clampToDomain(p + 0.5 * signedDt * sampleVelocity(p));
  return clampToDomain(p + signedDt * sampleVelocity(mid));
}

struct Sample { value: f32, lo: f32, hi: f32 };

// Trilinear sample of fieldA, plus the min/max of the values that carry weight. A trace that
// ends on a lattice line (zero velocity across a mirror plane, for example) would otherwise
// take its range from whichever side rounding picked.
fn sampleFieldA(l: Lattice, p: vec3<f32>) -> Sample {
  let s = stencil(l, p);
  let v0 = fieldA[s.i0]; let v1 = fieldA[s.i1]; let v2 = fieldA[s.i2]; let v3 = fieldA[s.i3];
  let v4 = fieldA[s.i4]; let v5 = fieldA[s.i5]; let v6 = fieldA[s.i6]; let v7 = fieldA[s.i7];
  let eps = 1.0e-4;
  let use0 = s.t < vec3<f32>(1.0 - eps);  // the low corner on each axis carries weight
  let use1 = s.t > vec3<f32>(eps);        // the high corner does
  var lo = 3.4e38;
  var hi = -3.4e38;
  if (use0.x && use0.y && use0.z) { lo = min(lo, v0); hi = max(hi, v0); }
  if (use1.x && use0.y && use0.z) { lo = min(lo, v1); hi = max(hi, v1); }
  if (use0.x && use1.y && use0.z) { lo = min(lo, v2); hi = max(hi, v2); }
  if (use1.x && use1.y && use0.z) { lo = min(lo, v3); hi = max(hi, v3); }
  if (use0.x && use0.y && use1.z) { lo = min(lo, v4); hi = max(hi, v4); }
  if (use1.x && use0.y && use1.z) { lo = min(lo, v5); hi = max(hi, v5); }
  if (use0.x && use1.y && use1.z) { lo = min(lo, v6); hi = max(hi, v6); }
  if (use1.x && use1.y && use1.z) { lo = min(lo, v7); hi = max(hi, v7); }
  return Sample(blend(v0, v1, v2, v3, v4, v5, v6, v7, s.t), lo, hi);
}

fn advectAt(kind: u32, c: vec3<i32>, stage: u32) {
  let l = lattice(kind);
  let idx = latticeIndex(l, c);
  let p = (vec3<f32>(c) + l.offset) * params.cellSize;
  if (stage == 1u) {
    outField[idx] = sampleFieldA(l, trace(p, params.dt)).value;
    return;
  }
  let back = sampleFieldA(l, trace(p, -params.dt));
  if (stage == 0u) {
    outField[idx] = back.value;
    return;
  }
  let hat = fieldB[idx];
  let corrected = hat + 0.5 * (fieldA[idx] - fieldC[idx]);
  outField[idx] = clamp(corrected, back.lo, back.hi);
}

fn advectCell(gid: vec3<u32>, stage: u32) {
  let c = vec3<i32>(gid);
  if (inGrid(c)) { advectAt(3u, c, stage); }
}

fn advectFaces(gid: vec3<u32>, stage: u32) {
  let c = vec3<i32>(gid);
  let d = dimsI();
  if (c.x <= d.x && c.y < d.y && c.z < d.z) { advectAt(0u, c, stage); }
  if (c.x < d.x && c.y <= d.y && c.z < d.z) { advectAt(1u, c, stage); }
  if (c.x < d.x && c.y < d.y && c.z <= d.z) { advectAt(2u, c, stage); }
}

@compute @workgroup_size(WG, WG, WG)
fn advectScalarForward(@builtin(global_invocation_id) gid: vec3<u32>) { advectCell(gid, 0u); }

@compute @workgroup_size(WG, WG, WG)
fn advectScalarBackward(@builtin(global_invocation_id) gid: vec3<u32>) { advectCell(gid, 1u); }

@compute @workgroup_size(WG, WG, WG)
fn advectScalarCorrect(@builtin(global_invocation_id) gid: vec3<u32>) { advectCell(gid, 2u); }

// Velocity passes run one thread per (i,j,k) in [0,nx]x[0,ny]x[0,nz] and handle u, v and w.
@compute @workgroup_size(WG, WG, WG)
fn advectVelocityForward(@builtin(global_invocation_id) gid: vec3<u32>) { advectFaces(gid, 0u); }

@compute @workgroup_size(WG, WG, WG)
fn advectVelocityBackward(@builtin(global_invocation_id) gid: vec3<u32>) { advectFaces(gid, 1u); }

@compute @workgroup_size(WG, WG, WG)
fn advectVelocityCorrect(@builtin(global_invocation_id) gid: vec3<u32>) { advectFaces(gid, 2u); }
