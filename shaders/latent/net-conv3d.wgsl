// One 3D convolution of the encoder or decoder (WGSL runtime, src/latent/wgsl/wgsl-conv-net.ts):
// zero padding, stride, bias and an optional LeakyReLU fused; with UPSAMPLE = 1 the input is
// read as its nearest x2 upsampling (source index floor(i / 2), ONNX Resize nearest with
// asymmetric/floor coordinates), so the upsampled tensor is never stored.
// Layouts (batch 1, x fastest): src [cin][sz][sy][sx], dst [cout][oz][oy][ox].
// Thread mapping: one thread per output voxel and group of four output channels (a vec4
// accumulator). All threads of a workgroup share the channel group, so their weight reads
// are the same address (a broadcast); neighbouring threads read neighbouring input voxels.

override K: u32 = 3u;        // cubic kernel edge
override STRIDE: u32 = 1u;
override UPSAMPLE: u32 = 0u; // 1: the logical input is the nearest x2 upsampling of src

struct ConvParams {
  srcDims: vec3<u32>,  // stored input extent [x, y, z]
  cin: u32,
  outDims: vec3<u32>,  // output extent [x, y, z]
  cout: u32,
  pad: u32,            // zero padding on every side
  leak: f32,           // LeakyReLU slope
  activate: u32,       // 1: apply the LeakyReLU
  zTiles: u32,         // workgroups along z per channel group
};

@group(0) @binding(0) var<uniform> conv: ConvParams;
@group(0) @binding(1) var<storage, read> weights: array<vec4<f32>>;  // [group][cin][K^3], four output channels each
@group(0) @binding(2) var<storage, read> bias: array<vec4<f32>>;     // [group]
@group(0) @binding(3) var<storage, read> src: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(8, 4, 2)
fn conv3d(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let group = wid.z / conv.zTiles;
  let o = vec3<u32>(wid.x * 8u + lid.x, wid.y * 4u + lid.y, (wid.z % conv.zTiles) * 2u + lid.z);
  if (any(o >= conv.outDims)) { return; }
  let inDims = vec3<i32>(conv.srcDims << vec3<u32>(UPSAMPLE));
  let origin = vec3<i32>(o * STRIDE) - vec3<i32>(i32(conv.pad));
  let sx = conv.srcDims.x;
  let sxy = sx * conv.srcDims.y;
  let k3 = K * K * K;
  var acc = bias[group];
  for (var ci = 0u; ci < conv.cin; ci++) {
    let wBase = (group * conv.cin + ci) * k3;
    let cBase = ci * sxy * conv.srcDims.z;
    for (var dz = 0u; dz < K; dz++) {
      let pz = origin.z + i32(dz);
      if (pz < 0 || pz >= inDims.z) { continue; }
      let zBase = cBase + (u32(pz) >> UPSAMPLE) * sxy;
      for (var dy = 0u; dy < K; dy++) {
        let py = origin.y + i32(dy);
        if (py < 0 || py >= inDims.y) { continue; }
        let yBase = zBase + (u32(py) >> UPSAMPLE) * sx;
        let wRow = wBase + (dz * K + dy) * K;
        for (var dx = 0u; dx < K; dx++) {
          let px = origin.x + i32(dx);
          if (px < 0 || px >= inDims.x) { continue; }
          acc += src[yBase + (u32(px) >> UPSAMPLE)] * weights[wRow + dx];
        }
      }
    }
  }
  if (conv.activate == 1u) { acc = select(acc, acc * conv.leak, acc < vec4<f32>(0.0)); }
  let outVox = conv.outDims.x * conv.outDims.y * conv.outDims.z;
  let idx = (o.z * conv.outDims.y + o.y) * conv.outDims.x + o.x;
  for (var j = 0u; j < 4u; j++) {
    let co = group * 4u + j;
    if (co < conv.cout) { dst[co * outVox + idx] = acc[j]; }
  }
}
