// Scene shapes -> grid: the initial liquid, obstacles (a solid level set and solid ids),
// emitters and sinks. `shapes` holds [obstacles | emitters | sinks | initial liquid], counts in
// SimParams. Obstacle s is entry s of the solid motion table (solid id s + 1).

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<storage, read> shapes: array<Shape>;
@group(0) @binding(2) var<storage, read_write> phi: array<f32>;
@group(0) @binding(3) var<storage, read_write> solidPhi: array<f32>;
@group(0) @binding(4) var<storage, read_write> velocity: array<f32>;
@group(0) @binding(5) var<storage, read_write> solidId: array<u32>;

fn emitterStart() -> u32 { return params.obstacleCount; }
fn sinkStart() -> u32 { return params.obstacleCount + params.emitterCount; }
fn liquidStart() -> u32 { return params.obstacleCount + params.emitterCount + params.sinkCount; }

fn facePosition(axis: u32, f: vec3<i32>) -> vec3<f32> {
  var offset = vec3<f32>(0.5);
  offset[axis] = 0.0;
  return (vec3<f32>(f) + offset) * params.cellSize;
}

// Index of the shape in [first, first+count) with the smallest distance, and that distance.
struct Nearest { index: u32, distance: f32 };
fn nearestShape(first: u32, count: u32, p: vec3<f32>) -> Nearest {
  var best = Nearest(0xffffffffu, SOLID_NONE);
  for (var s = first; s < first + count; s = s + 1u) {
    let d = shapeDistance(shapes[s], p);
    if (d < best.distance) { best = Nearest(s, d); }
  }
  return best;
}

@compute @workgroup_size(WG, WG, WG)
fn rasterizeObstacles(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (!inGrid(c)) { return; }
  let idx = cellIndex(c);
  let near = nearestShape(0u, params.obstacleCount, cellCenter(c));
  solidPhi[idx] = near.distance;
  solidId[idx] = select(0u, near.index + 1u, near.distance < 0.0);
}

// Sets the level set and velocity from the initial liquid shapes (velocity elsewhere: 0).
@compute @workgroup_size(WG, WG, WG)
fn initLiquid(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (inGrid(c)) {
    let idx = cellIndex(c);
    let d = nearestShape(liquidStart(), params.liquidShapeCount, cellCenter(c)).distance;
    let inSolid = solidPhi[idx] < 0.0;
    phi[idx] = select(clamp(d, -params.bandWidth, params.bandWidth), params.bandWidth, inSolid);
  }
  for (var axis = 0u; axis < 3u; axis = axis + 1u) {
    if (all(c < faceDims(axis))) {
      let p = facePosition(axis, c);
      let near = nearestShape(liquidStart(), params.liquidShapeCount, p);
      var v = 0.0;
      if (near.distance < 0.0) { v = shapes[near.index].linearVelocity[axis]; }
      velocity[faceIndex(axis, c)] = v;
    }
  }
}

// Emitters add their shape to the liquid and impose their velocity inside it.
@compute @workgroup_size(WG, WG, WG)
fn emitLiquid(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (inGrid(c)) {
    let idx = cellIndex(c);
    if (solidPhi[idx] >= 0.0) {
      let d = nearestShape(emitterStart(), params.emitterCount, cellCenter(c)).distance;
      phi[idx] = min(phi[idx], d);
    }
  }
  for (var axis = 0u; axis < 3u; axis = axis + 1u) {
    if (all(c < faceDims(axis))) {
      let p = facePosition(axis, c);
      let near = nearestShape(emitterStart(), params.emitterCount, p);
      if (near.distance < 0.0) {
        velocity[faceIndex(axis, c)] = shapes[near.index].linearVelocity[axis];
      }
    }
  }
}

// Sinks turn their shape into air.
@compute @workgroup_size(WG, WG, WG)
fn drainSinks(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (!inGrid(c)) { return; }
  let idx = cellIndex(c);
  let d = nearestShape(sinkStart(), params.sinkCount, cellCenter(c)).distance;
  phi[idx] = max(phi[idx], -d);
}
