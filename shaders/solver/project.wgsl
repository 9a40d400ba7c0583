// Velocity update from the pressure: u -= dt/(density*dx) * (p_b - p_a) on every face between
// two non-solid cells of which at least one is liquid. An air side uses the ghost-fluid value
// p_air = p_liquid * (1 - 1/theta), matching buildPressureSystem exactly, so the projected
// velocity is divergence-free to the solver's residual. Marks faces with a valid velocity
// (liquid, solid or wall faces) for extrapolation.

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<storage, read> phi: array<f32>;
@group(0) @binding(2) var<storage, read> solidPhi: array<f32>;
@group(0) @binding(3) var<storage, read> pressure: array<f32>;
@group(0) @binding(4) var<storage, read_write> velocity: array<f32>;
@group(0) @binding(5) var<storage, read_write> valid: array<u32>;

fn isSolidCell(c: vec3<i32>) -> bool { return solidPhi[cellIndex(c)] < 0.0; }

@compute @workgroup_size(WG, WG, WG)
fn projectVelocity(@builtin(global_invocation_id) gid: vec3<u32>) {
  let f = vec3<i32>(gid);
  let n = dimsI();
  let scale = params.dt / (params.density * params.cellSize);
  for (var axis = 0u; axis < 3u; axis = axis + 1u) {
    if (!all(f < faceDims(axis))) { continue; }
    let fi = faceIndex(axis, f);
    if (f[axis] == 0 || f[axis] == n[axis]) { valid[fi] = 1u; continue; }
    let a = f - axisVector(axis);
    if (isSolidCell(a) || isSolidCell(f)) { valid[fi] = 1u; continue; }
    let ia = cellIndex(a);
    let ib = cellIndex(f);
    let phiA = phi[ia];
    let phiB = phi[ib];
    let liquidA = phiA < 0.0;
    let liquidB = phiB < 0.0;
    if (!liquidA && !liquidB) { valid[fi] = 0u; continue; }
    var pa = pressure[ia];
    var pb = pressure[ib];
    if (!liquidA) { pa = pb * (1.0 - 1.0 / ghostTheta(phiB, phiA)); }
    if (!liquidB) { pb = pa * (1.0 - 1.0 / ghostTheta(phiA, phiB)); }
    velocity[fi] = velocity[fi] - scale * (pb - pa);
    valid[fi] = 1u;
  }
}
