// Body forces. Gravity and the force fields are applied on faces that touch liquid; air faces
// get their velocity from extrapolation, so they never accumulate free-fall speed.

// One force field (src/forces/force-field.ts packs it by member name; the formulas are in
// docs/forces-and-detectors.md). Positions in grid metres.
struct ForceField {
  position: vec3<f32>,
  kind: u32,              // 0 directional, 1 radial, 2 vortex
  direction: vec3<f32>,   // unit: a directional field's push, a vortex's axis
  strength: f32,          // m/s^2 at full weight
  radius: f32,            // m; 0 = unbounded (weight 1 everywhere)
  falloffPower: f32,      // w = (1 - d/R)^falloffPower unless smoothFalloff
  smoothFalloff: u32,     // 1: w = 1 - smoothstep(0, 1, d/R)
  _pad0: u32,
};

// The force fields of the step; `fields` has room for MAX_FORCE_FIELDS (its length here is
// the limit: the TypeScript side reads it from this declaration).
struct ForceFieldList {
  count: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
  fields: array<ForceField, 16>,
};

const FORCE_DIRECTIONAL: u32 = 0u;
const FORCE_RADIAL: u32 = 1u;
const FORCE_VORTEX: u32 = 2u;

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<storage, read> phi: array<f32>;
@group(0) @binding(2) var<storage, read> solidPhi: array<f32>;
@group(0) @binding(3) var<storage, read_write> velocity: array<f32>;
@group(0) @binding(4) var<uniform> forceFields: ForceFieldList;

fn isLiquidCell(c: vec3<i32>) -> bool {
  let idx = cellIndex(c);
  return phi[idx] < 0.0 && solidPhi[idx] >= 0.0;
}

// Whether face f of `axis` is an inner face next to a liquid cell (the faces body forces act on).
fn isLiquidFace(axis: u32, f: vec3<i32>) -> bool {
  let n = dimsI();
  if (!all(f < faceDims(axis)) || f[axis] == 0 || f[axis] == n[axis]) { return false; }
  return isLiquidCell(f - axisVector(axis)) || isLiquidCell(f);
}

@compute @workgroup_size(WG, WG, WG)
fn addGravity(@builtin(global_invocation_id) gid: vec3<u32>) {
  let f = vec3<i32>(gid);
  for (var axis = 0u; axis < 3u; axis = axis + 1u) {
    if (isLiquidFace(axis, f)) {
      let fi = faceIndex(axis, f);
      velocity[fi] = velocity[fi] + params.gravity[axis] * params.dt;
    }
  }
}

// Weight of a field at distance d from its centre (or axis).
fn forceWeight(field: ForceField, d: f32) -> f32 {
  if (field.radius <= 0.0) { return 1.0; }
  let x = d / field.radius;
  if (x >= 1.0) { return 0.0; }
  if (field.smoothFalloff == 1u) { return 1.0 - x * x * (3.0 - 2.0 * x); }
  if (field.falloffPower == 0.0) { return 1.0; }
  return pow(1.0 - x, field.falloffPower);
}

// Acceleration (m/s^2) of one field at point p; zero on a radial field's centre and a vortex's axis.
fn forceAcceleration(field: ForceField, p: vec3<f32>) -> vec3<f32> {
  let r = p - field.position;
  if (field.kind == FORCE_DIRECTIONAL) {
    return field.strength * forceWeight(field, length(r)) * field.direction;
  }
  if (field.kind == FORCE_RADIAL) {
    let d = length(r);
    if (d <= 1.0e-6) { return vec3<f32>(0.0); }
    return (field.strength * forceWeight(field, d) / d) * r;
  }
  let perp = r - dot(r, field.direction) * field.direction;
  let rho = length(perp);
  if (rho <= 1.0e-6) { return vec3<f32>(0.0); }
  return (field.strength * forceWeight(field, rho) / rho) * cross(field.direction, perp);
}

// Centre of face f of `axis` (m): on the cell boundary along the axis, mid-cell across it.
fn faceCenter(axis: u32, f: vec3<i32>) -> vec3<f32> {
  var p = (vec3<f32>(f) + vec3<f32>(0.5)) * params.cellSize;
  p[axis] = f32(f[axis]) * params.cellSize;
  return p;
}

@compute @workgroup_size(WG, WG, WG)
fn addForceFields(@builtin(global_invocation_id) gid: vec3<u32>) {
  let f = vec3<i32>(gid);
  for (var axis = 0u; axis < 3u; axis = axis + 1u) {
    if (!isLiquidFace(axis, f)) { continue; }
    let p = faceCenter(axis, f);
    var a = 0.0;
    for (var n = 0u; n < forceFields.count; n = n + 1u) {
      a = a + forceAcceleration(forceFields.fields[n], p)[axis];
    }
    let fi = faceIndex(axis, f);
    velocity[fi] = velocity[fi] + a * params.dt;
  }
}
