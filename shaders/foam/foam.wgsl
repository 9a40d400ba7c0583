// Whitewater foam on the liquid surface: one kernel over the cells (src/foam/foam-field.ts).
//
// Foam is a density in [0, 1] per cell, kept only in the surface band (|phi| <= bandCells cells).
// Each step, per cell:
//   1. advect: semi-Lagrangian, the previous foam sampled trilinearly at x - dt * u(x)
//      (u: the cell-centred velocity, the mean of the cell's two MAC faces per axis);
//   2. decay: minus dt / lifetime (linear, so foam on calm water reaches exactly zero);
//   3. emit: where the surface breaks, emissionRate * dt * speed * potential, where
//        speed     = clamp((|u| - minSpeed) / (fullSpeed - minSpeed), 0, 1)  (slow water never foams:
//                    a liquid at rest emits exactly nothing),
//        crest     = clamp(kappa * h, 0, 1) where the surface moves outwards (u . n > 0),
//                    kappa = laplacian(phi) (the mean curvature times 2 of a distance field):
//                    convex crests, thin sheets and jets,
//        impact    = clamp(|du| / fullSpeed, 0, 1), |du| the sum over the axes of the velocity
//                    differences across the cell (central, half of it): water colliding with
//                    water or a wall, trapped air,
//        potential = max(crest, impact);
//   4. outside the band the foam is zero (submerged or in the air: gone).
// CPU reference: src/reference/reference-foam.ts.

struct FoamParams {
  minSpeed: f32,      // m/s: below it no foam is made
  fullSpeed: f32,     // m/s: the speed (and the velocity jump) of full emission
  emissionRate: f32,  // 1/s: density made per second at full potential and speed
  lifetime: f32,      // s: a full density decays to zero in this time
  bandCells: f32,     // cells: foam lives where |phi| <= bandCells * h
  _pad0: f32,
  _pad1: f32,
  _pad2: f32,
};

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<uniform> foamParams: FoamParams;
@group(0) @binding(2) var<storage, read> phi: array<f32>;
@group(0) @binding(3) var<storage, read> velocity: array<f32>;
@group(0) @binding(4) var<storage, read> foamIn: array<f32>;
@group(0) @binding(5) var<storage, read_write> foamOut: array<f32>;

fn phiAt(c: vec3<i32>) -> f32 {
  return phi[cellIndex(clampCell(c))];
}

fn cellVelocity(cIn: vec3<i32>) -> vec3<f32> {
  let c = clampCell(cIn);
  return vec3<f32>(
    0.5 * (velocity[faceIndex(0u, c)] + velocity[faceIndex(0u, c + vec3<i32>(1, 0, 0))]),
    0.5 * (velocity[faceIndex(1u, c)] + velocity[faceIndex(1u, c + vec3<i32>(0, 1, 0))]),
    0.5 * (velocity[faceIndex(2u, c)] + velocity[faceIndex(2u, c + vec3<i32>(0, 0, 1))]));
}

// Trilinear sample of foamIn at a point (m), cell-centred, clamped to the cell centres.
fn sampleFoam(p: vec3<f32>) -> f32 {
  let g = clamp(p * params.invCellSize - vec3<f32>(0.5), vec3<f32>(0.0), vec3<f32>(dimsI() - vec3<i32>(1)));
  let g0 = floor(g);
  let t = g - g0;
  let c = vec3<i32>(g0);
  let hi = clampCell(c + vec3<i32>(1));
  let v000 = foamIn[cellIndex(c)];
  let v100 = foamIn[cellIndex(vec3<i32>(hi.x, c.y, c.z))];
  let v010 = foamIn[cellIndex(vec3<i32>(c.x, hi.y, c.z))];
  let v110 = foamIn[cellIndex(vec3<i32>(hi.x, hi.y, c.z))];
  let v001 = foamIn[cellIndex(vec3<i32>(c.x, c.y, hi.z))];
  let v101 = foamIn[cellIndex(vec3<i32>(hi.x, c.y, hi.z))];
  let v011 = foamIn[cellIndex(vec3<i32>(c.x, hi.y, hi.z))];
  let v111 = foamIn[cellIndex(hi)];
  let a = mix(mix(v000, v100, t.x), mix(v010, v110, t.x), t.y);
  let b = mix(mix(v001, v101, t.x), mix(v011, v111, t.x), t.y);
  return mix(a, b, t.z);
}

// Emission potential of a surface cell moving at u (see the header).
fn breakingPotential(c: vec3<i32>, u: vec3<f32>) -> f32 {
  let h = params.cellSize;
  let ex = vec3<i32>(1, 0, 0);
  let ey = vec3<i32>(0, 1, 0);
  let ez = vec3<i32>(0, 0, 1);
  let p0 = phiAt(c);
  let px0 = phiAt(c - ex); let px1 = phiAt(c + ex);
  let py0 = phiAt(c - ey); let py1 = phiAt(c + ey);
  let pz0 = phiAt(c - ez); let pz1 = phiAt(c + ez);
  let grad = vec3<f32>(px1 - px0, py1 - py0, pz1 - pz0);
  // kappa * h = (sum of second differences) / h
  let kappaH = (px0 + px1 + py0 + py1 + pz0 + pz1 - 6.0 * p0) / h;
  let outwards = dot(u, grad) > 0.0;
  let crest = select(0.0, clamp(kappaH, 0.0, 1.0), outwards);
  let jump = 0.5 * (length(cellVelocity(c + ex) - cellVelocity(c - ex))
                  + length(cellVelocity(c + ey) - cellVelocity(c - ey))
                  + length(cellVelocity(c + ez) - cellVelocity(c - ez)));
  let impact = clamp(jump / foamParams.fullSpeed, 0.0, 1.0);
  return max(crest, impact);
}

@compute @workgroup_size(WG, WG, WG)
fn updateFoam(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (!inGrid(c)) { return; }
  let idx = cellIndex(c);
  if (abs(phi[idx]) > foamParams.bandCells * params.cellSize) {
    foamOut[idx] = 0.0;
    return;
  }
  let u = cellVelocity(c);
  let carried = sampleFoam(cellCenter(c) - params.dt * u);
  var f = max(carried - params.dt / foamParams.lifetime, 0.0);
  let speed = clamp((length(u) - foamParams.minSpeed) / (foamParams.fullSpeed - foamParams.minSpeed), 0.0, 1.0);
  if (speed > 0.0) {
    f = f + foamParams.emissionRate * params.dt * speed * breakingPotential(c, u);
  }
  foamOut[idx] = min(f, 1.0);
}
