// Hydrostatic pressure from the surface: p_s = density * |g| * depth, where depth is the
// distance from the cell centre against gravity to the free surface (the level set's zero),
// found by sphere tracing the level set and a linear refinement of the last step. Where the
// column ends at a solid or the domain boundary before reaching air, depth stops there.
// For a still pool this is exactly what the ghost-fluid pressure solve converges to.

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<storage, read> phi: array<f32>;
@group(0) @binding(2) var<storage, read> solidPhi: array<f32>;
@group(0) @binding(3) var<storage, read_write> hydrostatic: array<f32>;

fn samplePhi(p: vec3<f32>) -> f32 {
  let g = p * params.invCellSize - vec3<f32>(0.5);
  let base = floor(g);
  let t = g - base;
  let i0 = vec3<i32>(base);
  var acc = 0.0;
  for (var n = 0u; n < 8u; n = n + 1u) {
    let corner = vec3<i32>(i32(n & 1u), i32((n >> 1u) & 1u), i32((n >> 2u) & 1u));
    let w = select(1.0 - t.x, t.x, corner.x == 1) * select(1.0 - t.y, t.y, corner.y == 1) * select(1.0 - t.z, t.z, corner.z == 1);
    acc = acc + w * phi[cellIndex(clampCell(i0 + corner))];
  }
  return acc;
}

fn insideFluidDomain(p: vec3<f32>) -> bool {
  let extent = vec3<f32>(params.dims) * params.cellSize;
  if (any(p < vec3<f32>(0.0)) || any(p > extent)) { return false; }
  return solidPhi[cellIndex(clampCell(vec3<i32>(floor(p * params.invCellSize))))] >= 0.0;
}

@compute @workgroup_size(WG, WG, WG)
fn hydrostaticPressure(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (!inGrid(c)) { return; }
  let idx = cellIndex(c);
  let g = length(params.gravity);
  if (phi[idx] >= 0.0 || solidPhi[idx] < 0.0 || g < 1.0e-6) {
    hydrostatic[idx] = 0.0;
    return;
  }
  let up = -params.gravity / g;
  let origin = cellCenter(c);
  let maxDepth = length(vec3<f32>(params.dims)) * params.cellSize;
  let minStep = 0.25 * params.cellSize;
  var depth = 0.0;
  var value = phi[idx];
  for (var i = 0u; i < 1024u; i = i + 1u) {
    let stepLength = max(-value, minStep);
    let next = origin + up * (depth + stepLength);
    if (!insideFluidDomain(next)) {
      // The column ends at a wall or obstacle: bisect for where.
      var lo = 0.0;
      var hi = stepLength;
      for (var k = 0u; k < 8u; k = k + 1u) {
        let mid = 0.5 * (lo + hi);
        if (insideFluidDomain(origin + up * (depth + mid))) { lo = mid; } else { hi = mid; }
      }
      let t = lo;
      depth = depth + t;
      break;
    }
    let nextValue = samplePhi(next);
    if (nextValue >= 0.0) {
      depth = depth + stepLength * (-value) / (nextValue - value);
      break;
    }
    depth = depth + stepLength;
    value = nextValue;
    if (depth > maxDepth) { break; }
  }
  hydrostatic[idx] = params.density * g * depth;
}
