// Mesh colliders -> the solver's solid level set and solid ids. Runs after rasterizeObstacles
// (shapes.wgsl) has written the primitive obstacles: each cell keeps the minimum over all solids
// and, where that minimum is negative, the id of the solid it came from.
//
// Each collider's SDF (built in its mesh's frame by mesh-sdf.wgsl, stored in the atlas) is
// sampled trilinearly at the cell centre mapped into the mesh frame by the inverse transform
// (x_local = S^-1 R^-1 (x - t)). The local distance is scaled by the smallest |scale| factor,
// a lower bound on the world distance under non-uniform scale (exact under uniform scale).
// Beyond the SDF's grid a lower bound is used: the larger of the distance to the mesh's bounds
// and the value at the nearest grid point minus the distance to it (the SDF is 1-Lipschitz),
// positive there. Cells beyond the collider's cell box (its bounds plus a margin) are left as
// they are.
// CPU mirror: src/reference/reference-mesh-resample.ts.

struct MeshColliderInstance {
  translation: vec3<f32>,     // grid metres
  distanceScale: f32,         // smallest |scale| factor
  rotation: vec4<f32>,        // unit quaternion, mesh -> grid
  inverseScale: vec3<f32>,
  thickness: f32,             // m: also solid within thickness/2 of the surface (open sheets); 0 = off
  sdfOrigin: vec3<f32>,       // mesh frame: min corner of the SDF grid
  voxelSize: f32,             // mesh frame
  sdfDims: vec3<u32>,
  atlasOffset: u32,
  cellMin: vec3<i32>,         // the cells this collider can reach (inclusive)
  solidIndex: u32,            // entry in the solid motion table (solid id - 1)
  cellMax: vec3<i32>,
  _pad0: u32,
  boundsMin: vec3<f32>,       // mesh frame: the mesh's bounds
  _pad1: u32,
  boundsMax: vec3<f32>,
  _pad2: u32,
};

struct MeshResampleParams {
  colliderCount: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
};

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<uniform> resample: MeshResampleParams;
@group(0) @binding(2) var<storage, read> colliders: array<MeshColliderInstance>;
@group(0) @binding(3) var<storage, read> atlas: array<f32>;
@group(0) @binding(4) var<storage, read_write> solidPhi: array<f32>;
@group(0) @binding(5) var<storage, read_write> solidId: array<u32>;

fn sdfAt(m: MeshColliderInstance, c: vec3<u32>) -> f32 {
  return atlas[m.atlasOffset + c.x + m.sdfDims.x * (c.y + m.sdfDims.y * c.z)];
}

// The collider's SDF at a mesh-frame point (m, mesh frame): trilinear within the grid of voxel
// centres, a lower bound beyond it.
fn sampleSdf(m: MeshColliderInstance, local: vec3<f32>) -> f32 {
  let g = (local - m.sdfOrigin) / m.voxelSize - vec3<f32>(0.5);
  let top = vec3<f32>(m.sdfDims - vec3<u32>(1u));
  let gc = clamp(g, vec3<f32>(0.0), top);
  let beyond = length(g - gc) * m.voxelSize;
  let base = min(floor(gc), top - vec3<f32>(1.0));
  let t = gc - base;
  let i0 = vec3<u32>(base);
  let i1 = i0 + vec3<u32>(1u);
  let a = mix(mix(sdfAt(m, vec3<u32>(i0.x, i0.y, i0.z)), sdfAt(m, vec3<u32>(i1.x, i0.y, i0.z)), t.x),
              mix(sdfAt(m, vec3<u32>(i0.x, i1.y, i0.z)), sdfAt(m, vec3<u32>(i1.x, i1.y, i0.z)), t.x), t.y);
  let b = mix(mix(sdfAt(m, vec3<u32>(i0.x, i0.y, i1.z)), sdfAt(m, vec3<u32>(i1.x, i0.y, i1.z)), t.x),
              mix(sdfAt(m, vec3<u32>(i0.x, i1.y, i1.z)), sdfAt(m, vec3<u32>(i1.x, i1.y, i1.z)), t.x), t.y);
  let sampled = mix(a, b, t.z);
  if (beyond == 0.0) { return sampled; }
  let toBounds = length(local - clamp(local, m.boundsMin, m.boundsMax));
  return max(toBounds, sampled - beyond);
}

// Signed distance (grid metres) from p to collider m.
fn colliderDistance(m: MeshColliderInstance, p: vec3<f32>) -> f32 {
  let local = quatRotateInverse(m.rotation, p - m.translation) * m.inverseScale;
  var d = sampleSdf(m, local) * m.distanceScale;
  if (m.thickness > 0.0) { d = min(d, abs(d) - 0.5 * m.thickness); }
  return d;
}

@compute @workgroup_size(WG, WG, WG)
fn resampleMeshColliders(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (!inGrid(c)) { return; }
  let idx = cellIndex(c);
  var best = solidPhi[idx];
  var id = solidId[idx];
  let p = cellCenter(c);
  for (var n = 0u; n < resample.colliderCount; n = n + 1u) {
    let m = colliders[n];
    if (any(c < m.cellMin) || any(c > m.cellMax)) { continue; }
    let d = colliderDistance(m, p);
    if (d < best) {
      best = d;
      id = select(0u, m.solidIndex + 1u, d < 0.0);
    }
  }
  solidPhi[idx] = best;
  solidId[idx] = id;
}
