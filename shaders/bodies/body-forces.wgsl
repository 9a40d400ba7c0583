// Rigid bodies: the force and torque of the liquid's pressure on up to 16 bodies, in two dispatches.
//   measureBodies: workgroup (x, b) folds its share of body b's box of cells, one partial per thread
//   foldBodies:    one workgroup per body folds its partials into results[b]
// A face between a non-solid cell c and a cell whose solid id is the body's own is a face of the
// body's rasterized boundary. Every such face adds dx^2 to the body's boundary area along its
// axis (twice the grid's projected area: the driver rescales the force to the shape's exact
// projected area). A face whose cell c is liquid is wetted: the pressure at c is carried to the
// body's surface (distance d = the body's SDF at c, at most one cell) along the face's
// direction with the hydrostatic gradient, p_s = p_c + density * gravity . (x_s - x_c), and
// pushes the body along the direction from c into it: dF = p_s dx^2 e. Exact for a liquid at
// rest, and continuous as the body moves through the cells. Torque about the body's centre:
// (x_s - center) x dF, summed per face axis (torqueX: the faces along x, ...) so that the driver
// rescales each axis's torque by the same projected-area factor as that axis's force. The drag's input: the liquid's cell-centred velocity relative to the
// body's material at x_s, summed with weight dx^2 (the normal component from the face one cell
// out: the face on the body carries the body's velocity).

struct Body {
  center: vec3<f32>,
  kind: u32,                 // as Shape.center.w: 0 box, 1 sphere, 2 capsule
  halfExtents: vec3<f32>,    // as Shape.halfExtents
  solidId: u32,              // the id its cells carry in solidId (1 + its motion table entry)
  rotation: vec4<f32>,       // unit quaternion, body to grid
  linearVelocity: vec3<f32>,
  _pad0: u32,
  angularVelocity: vec3<f32>,
  _pad1: u32,
  firstCell: vec3<u32>,      // the box of cells around it (the body's bounds plus one cell)
  _pad2: u32,
  cellBox: vec3<u32>,        // its extent per axis (0: no cell)
  _pad3: u32,
};

// The bodies measured; `bodies` has room for MAX_BODIES (the TypeScript side reads it from here).
struct BodyList {
  count: u32,
  groups: u32,               // workgroups per body in measureBodies
  _pad0: u32,
  _pad1: u32,
  bodies: array<Body, 16>,
};

struct BodySums {
  force: vec3<f32>,          // sum of p_s dx^2 e over wetted faces (N)
  wettedArea: f32,           // m^2
  torqueX: vec3<f32>,        // about the body's centre, of the wetted faces along x (N m)
  _pad0: f32,
  torqueY: vec3<f32>,        // ... along y
  _pad1: f32,
  torqueZ: vec3<f32>,        // ... along z
  _pad2: f32,
  relativeVelocity: vec3<f32>, // sum of dx^2 (u_liquid - v_body) over wetted faces (m^3/s)
  _pad3: f32,
  boundaryArea: vec3<f32>,   // per axis, dx^2 for every face of the rasterized boundary (m^2)
  _pad4: f32,
};

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<uniform> bodyList: BodyList;
@group(0) @binding(2) var<storage, read> phi: array<f32>;
@group(0) @binding(3) var<storage, read> solidPhi: array<f32>;
@group(0) @binding(4) var<storage, read> solidId: array<u32>;
@group(0) @binding(5) var<storage, read> pressure: array<f32>;
@group(0) @binding(6) var<storage, read> velocity: array<f32>;
@group(0) @binding(7) var<storage, read_write> partials: array<BodySums>;
@group(0) @binding(8) var<storage, read_write> results: array<BodySums>;

fn noBodySums() -> BodySums {
  return BodySums(vec3<f32>(0.0), 0.0, vec3<f32>(0.0), 0.0, vec3<f32>(0.0), 0.0, vec3<f32>(0.0), 0.0,
    vec3<f32>(0.0), 0.0, vec3<f32>(0.0), 0.0);
}

fn addBodySums(a: BodySums, b: BodySums) -> BodySums {
  return BodySums(a.force + b.force, a.wettedArea + b.wettedArea, a.torqueX + b.torqueX, 0.0, a.torqueY + b.torqueY, 0.0,
    a.torqueZ + b.torqueZ, 0.0, a.relativeVelocity + b.relativeVelocity, 0.0, a.boundaryArea + b.boundaryArea, 0.0);
}

fn bodyShape(b: Body) -> Shape {
  var s: Shape;
  s.center = vec4<f32>(b.center, f32(b.kind));
  s.halfExtents = vec4<f32>(b.halfExtents, 0.0);
  s.rotation = b.rotation;
  s.linearVelocity = vec4<f32>(b.linearVelocity, 0.0);
  s.angularVelocity = vec4<f32>(b.angularVelocity, 0.0);
  return s;
}

fn cellVelocityAt(c: vec3<i32>) -> vec3<f32> {
  var v = vec3<f32>(0.0);
  for (var axis = 0u; axis < 3u; axis = axis + 1u) {
    v[axis] = 0.5 * (velocity[faceIndex(axis, c)] + velocity[faceIndex(axis, c + axisVector(axis))]);
  }
  return v;
}

// The liquid's velocity in cell c beside a face of the body (along `axis`, the body on side
// `dir`): cell-centred, except the component along the face's axis, which is the one of the
// face on c's other side. The face shared with the body carries the body's own velocity (the
// boundary condition), so a cell-centred average would see half the relative motion.
fn liquidVelocityBeside(c: vec3<i32>, axis: u32, dir: i32) -> vec3<f32> {
  var v = cellVelocityAt(c);
  let far = select(c + axisVector(axis), c, dir == 1);
  v[axis] = velocity[faceIndex(axis, far)];
  return v;
}

// The faces between cell c (not solid) and the body's cells.
fn bodyFaces(b: Body, shape: Shape, c: vec3<i32>) -> BodySums {
  var acc = noBodySums();
  let idx = cellIndex(c);
  if (solidPhi[idx] < 0.0) { return acc; }
  let area = params.cellSize * params.cellSize;
  let liquid = phi[idx] < 0.0;
  let xc = cellCenter(c);
  let toSurface = clamp(shapeDistance(shape, xc), 0.0, params.cellSize);
  for (var n = 0u; n < 6u; n = n + 1u) {
    let axis = n / 2u;
    let dir = select(-1, 1, (n & 1u) == 1u);
    let nb = c + dir * axisVector(axis);
    if (!inGrid(nb) || solidId[cellIndex(nb)] != b.solidId) { continue; }
    acc.boundaryArea[axis] = acc.boundaryArea[axis] + area;
    if (!liquid) { continue; }
    let e = vec3<f32>(dir * axisVector(axis));
    let xs = xc + toSurface * e;
    let ps = pressure[idx] + params.density * dot(params.gravity, xs - xc);
    let dF = ps * area * e;
    acc.force = acc.force + dF;
    let dT = cross(xs - b.center, dF);
    if (axis == 0u) { acc.torqueX = acc.torqueX + dT; } else if (axis == 1u) { acc.torqueY = acc.torqueY + dT; } else { acc.torqueZ = acc.torqueZ + dT; }
    acc.wettedArea = acc.wettedArea + area;
    acc.relativeVelocity = acc.relativeVelocity + area * (liquidVelocityBeside(c, axis, dir) - shapeVelocity(shape, xs));
  }
  return acc;
}

// The sums of box reductions (shaders/gpu/box-reduction.wgsl, prepended).
alias BoxSums = BodySums;
fn noBoxSums() -> BodySums { return noBodySums(); }
fn addBoxSums(a: BodySums, b: BodySums) -> BodySums { return addBodySums(a, b); }

// The body a thread of measureBodies measures, set once before its cells.
var<private> measuredBody: Body;
var<private> measuredShape: Shape;

fn boxCellSums(c: vec3<i32>) -> BodySums { return bodyFaces(measuredBody, measuredShape, c); }

// Workgroup (x, b) folds its share of body b's box of cells.
@compute @workgroup_size(REDUCE_THREADS)
fn measureBodies(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  measuredBody = bodyList.bodies[wid.y];
  measuredShape = bodyShape(measuredBody);
  measureBox(wid, lid, bodyList.groups, measuredBody.firstCell, measuredBody.cellBox);
}

@compute @workgroup_size(REDUCE_THREADS)
fn foldBodies(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  foldBox(wid.x, bodyList.groups, lid);
}
