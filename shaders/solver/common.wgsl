// Shared declarations, prepended to every solver kernel (see src/gpu/compute-kernel.ts).
//
// Grid: nx*ny*nz cells of size `cellSize`, cell (i,j,k) has index i + nx*(j + ny*k).
// MAC velocity in one buffer: u faces (nx+1)*ny*nz, then v faces nx*(ny+1)*nz, then w faces nx*ny*(nz+1).
// Face u(i,j,k) sits at x = i*dx between cells i-1 and i.

struct SimParams {
  dims: vec3<u32>,
  cellCount: u32,
  gravity: vec3<f32>,
  dt: f32,
  cellSize: f32,
  invCellSize: f32,
  density: f32,
  time: f32,
  bandWidth: f32,      // level-set narrow band half-width (m)
  jacobiOmega: f32,    // weighted-Jacobi factor
  thetaMin: f32,       // ghost-fluid interface fraction clamp
  obstacleCount: u32,
  emitterCount: u32,
  sinkCount: u32,
  frame: u32,
  extrapolationLayers: u32,
  liquidShapeCount: u32,
  _pad0: u32,
};

// A primitive shape in grid-local metres: kind 0 = box (halfExtents.xyz), 1 = sphere (halfExtents.x = radius),
// 2 = capsule (halfExtents.x = radius, halfExtents.y = half the length of its segment along local y).
struct Shape {
  center: vec4<f32>,          // xyz, w = kind
  halfExtents: vec4<f32>,
  rotation: vec4<f32>,        // unit quaternion, local -> grid
  linearVelocity: vec4<f32>,  // m/s
  angularVelocity: vec4<f32>, // rad/s about center
};

// The rigid motion of a solid (a primitive obstacle or a mesh collider): one entry of the solid
// motion table, which the per-cell solid id indexes (solidId - 1; 0 = no solid). The velocity of
// the solid's material at x is linearVelocity + angularVelocity x (x - center).
struct SolidMotion {
  center: vec3<f32>,
  linearVelocity: vec3<f32>,   // m/s
  angularVelocity: vec3<f32>,  // rad/s about center
};

fn solidMotionVelocity(m: SolidMotion, p: vec3<f32>) -> vec3<f32> {
  return m.linearVelocity + cross(m.angularVelocity, p - m.center);
}

const WG: u32 = 4u;

// Grid reductions: stage 1 runs REDUCE_THREADS-thread workgroups, each thread folding
// REDUCE_SPAN cells serially (barriers are very slow on software GPUs and unnecessary here),
// so a workgroup covers REDUCE_BLOCK cells and leaves REDUCE_THREADS partials.
const REDUCE_THREADS: u32 = 64u;
const REDUCE_SPAN: u32 = 64u;
const REDUCE_BLOCK: u32 = 4096u;

fn reduceWorkgroups(cells: u32) -> u32 { return (cells + REDUCE_BLOCK - 1u) / REDUCE_BLOCK; }
fn reducePartialCount(cells: u32) -> u32 { return reduceWorkgroups(cells) * REDUCE_THREADS; }
const SOLID_NONE: f32 = 1.0e6;

fn dimsI() -> vec3<i32> { return vec3<i32>(params.dims); }

fn cellIndex(c: vec3<i32>) -> u32 {
  let d = params.dims;
  return u32(c.x) + d.x * (u32(c.y) + d.y * u32(c.z));
}

fn inGrid(c: vec3<i32>) -> bool {
  let d = dimsI();
  return all(c >= vec3<i32>(0)) && all(c < d);
}

fn clampCell(c: vec3<i32>) -> vec3<i32> {
  return clamp(c, vec3<i32>(0), dimsI() - vec3<i32>(1));
}

fn uCount() -> u32 { let d = params.dims; return (d.x + 1u) * d.y * d.z; }
fn vCount() -> u32 { let d = params.dims; return d.x * (d.y + 1u) * d.z; }
fn wCount() -> u32 { let d = params.dims; return d.x * d.y * (d.z + 1u); }

// Index of face `f` of velocity component `axis` (0 u, 1 v, 2 w) in the packed velocity buffer.
fn faceIndex(axis: u32, f: vec3<i32>) -> u32 {
  let d = params.dims;
  if (axis == 0u) {
    return u32(f.x) + (d.x + 1u) * (u32(f.y) + d.y * u32(f.z));
  } else if (axis == 1u) {
    return uCount() + u32(f.x) + d.x * (u32(f.y) + (d.y + 1u) * u32(f.z));
  }
  return uCount() + vCount() + u32(f.x) + d.x * (u32(f.y) + d.y * u32(f.z));
}

// Face-grid dimensions of one velocity component.
fn faceDims(axis: u32) -> vec3<i32> {
  var d = dimsI();
  d[axis] = d[axis] + 1;
  return d;
}

fn axisVector(axis: u32) -> vec3<i32> {
  var e = vec3<i32>(0);
  e[axis] = 1;
  return e;
}

// Inf and NaN both have an all-ones exponent; this survives fast-math style optimizations.
fn isFiniteF32(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

fn quatRotate(q: vec4<f32>, v: vec3<f32>) -> vec3<f32> {
  let t = 2.0 * cross(q.xyz, v);
  return v + q.w * t + cross(q.xyz, t);
}

fn quatRotateInverse(q: vec4<f32>, v: vec3<f32>) -> vec3<f32> {
  return quatRotate(vec4<f32>(-q.xyz, q.w), v);
}

// Signed distance (m) from point p to a shape: negative inside.
fn shapeDistance(s: Shape, p: vec3<f32>) -> f32 {
  let local = quatRotateInverse(s.rotation, p - s.center.xyz);
  if (s.center.w < 0.5) {
    let q = abs(local) - s.halfExtents.xyz;
    return length(max(q, vec3<f32>(0.0))) + min(max(q.x, max(q.y, q.z)), 0.0);
  }
  if (s.center.w < 1.5) { return length(local) - s.halfExtents.x; }
  let axial = clamp(local.y, -s.halfExtents.y, s.halfExtents.y);
  return length(local - vec3<f32>(0.0, axial, 0.0)) - s.halfExtents.x;
}

// Velocity of the rigid shape's material at point p.
fn shapeVelocity(s: Shape, p: vec3<f32>) -> vec3<f32> {
  return s.linearVelocity.xyz + cross(s.angularVelocity.xyz, p - s.center.xyz);
}

fn cellCenter(c: vec3<i32>) -> vec3<f32> {
  return (vec3<f32>(c) + vec3<f32>(0.5)) * params.cellSize;
}

// Ghost-fluid interface fraction between a liquid cell (phiLiquid < 0) and an air neighbour:
// the free surface p = 0 lies theta*dx from the liquid cell centre.
fn ghostTheta(phiLiquid: f32, phiAir: f32) -> f32 {
  return clamp(phiLiquid / (phiLiquid - phiAir), params.thetaMin, 1.0);
}

// One convergence check of a GPU-decided solve (Jacobi's residualCheck, MGPCG's cgCheck), from
// the folded sums |r|^2, |b|^2 and the liquid cell count: the relative residual, the RMS
// divergence the projection would leave (div = r dt / (density dx^2)), and the state
// (0 running, 1 tolerance met, 2 iteration cap reached). A non-finite residual never counts as met.
struct ConvergenceCheck {
  relativeResidual: f32,
  divergenceRms: f32,
  state: u32,
};

fn checkConvergence(rr: f32, bb: f32, cells: f32, criterion: u32, tolerance: f32, iterations: u32, maxIterations: u32) -> ConvergenceCheck {
  var out: ConvergenceCheck;
  out.relativeResidual = sqrt(rr / max(bb, 1.0e-30));
  out.divergenceRms = sqrt(rr / max(cells, 1.0)) * params.dt / (params.density * params.cellSize * params.cellSize);
  let metric = select(out.relativeResidual, out.divergenceRms, criterion == 1u);
  out.state = 0u;
  if (isFiniteF32(metric) && metric <= tolerance) { out.state = 1u; }
  else if (iterations >= maxIterations) { out.state = 2u; }
  return out;
}
