// Assembles the pressure Poisson system of the current step, once per step:
//   diag * p_i - sum_{liquid nbrs} p_j = b_i,   b_i = -(density*dx/dt) * (net outflow of cell i)
// Solid neighbours drop out (Neumann, their face velocity was set by the boundary pass); air
// neighbours use the ghost-fluid condition p = 0 at the interpolated surface (adds 1/theta to
// diag). Per cell we store vec4(1/diag, b/diag, liquid-neighbour bitmask, diag); non-liquid
// cells store zeros and get p = 0.
// Warm start: a cell that just became liquid (p == 0) starts from the hydrostatic pressure.

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<storage, read> phi: array<f32>;
@group(0) @binding(2) var<storage, read> solidPhi: array<f32>;
@group(0) @binding(3) var<storage, read> velocity: array<f32>;
@group(0) @binding(4) var<storage, read> hydrostatic: array<f32>;
@group(0) @binding(5) var<storage, read_write> pressure: array<f32>;
@group(0) @binding(6) var<storage, read_write> system: array<vec4<f32>>;

fn isSolidCell(c: vec3<i32>) -> bool { return solidPhi[cellIndex(c)] < 0.0; }
fn isLiquidCell(c: vec3<i32>) -> bool {
  let idx = cellIndex(c);
  return phi[idx] < 0.0 && solidPhi[idx] >= 0.0;
}

@compute @workgroup_size(WG, WG, WG)
fn buildPressureSystem(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (!inGrid(c)) { return; }
  let idx = cellIndex(c);
  if (!isLiquidCell(c)) {
    system[idx] = vec4<f32>(0.0);
    pressure[idx] = 0.0;
    return;
  }
  var diag = 0.0;
  var mask = 0u;
  var outflow = 0.0;
  for (var axis = 0u; axis < 3u; axis = axis + 1u) {
    let e = axisVector(axis);
    outflow = outflow + velocity[faceIndex(axis, c + e)] - velocity[faceIndex(axis, c)];
    for (var side = 0u; side < 2u; side = side + 1u) {
      let n = select(c - e, c + e, side == 1u);
      if (!inGrid(n) || isSolidCell(n)) { continue; }
      if (isLiquidCell(n)) {
        diag = diag + 1.0;
        mask = mask | (1u << (axis * 2u + side));
      } else {
        diag = diag + 1.0 / ghostTheta(phi[idx], phi[cellIndex(n)]);
      }
    }
  }
  if (diag == 0.0) {
    // Liquid sealed in by solids: no pressure can act on it.
    system[idx] = vec4<f32>(0.0);
    pressure[idx] = 0.0;
    return;
  }
  let b = -params.density * params.cellSize / params.dt * outflow;
  let invDiag = 1.0 / diag;
  system[idx] = vec4<f32>(invDiag, b * invDiag, f32(mask), diag);
  if (pressure[idx] == 0.0) { pressure[idx] = hydrostatic[idx]; }
}
