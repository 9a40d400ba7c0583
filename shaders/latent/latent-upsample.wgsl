// The decoder's coarse output (a model with latent.decoderDownsample s = 2 or 4) to the grid:
// trilinear, cell-centred upsampling exactly as PyTorch's
// F.interpolate(mode='trilinear', align_corners=False), through which the model was trained
// (training/models.py, upsample_to_grid). Per axis, fine cell i reads the source coordinate
// c = max((i + 0.5) / s - 0.5, 0) from coarse cells i0 = floor(c) and i1 = min(i0 + 1, n - 1)
// with weights 1 - t and t, t = c - i0. With s a power of two, c and the weights are exact;
// the interpolation runs in float32 (x, then y, then z), within a few ulps of PyTorch's
// correctly rounded result. CPU reference: src/reference/reference-upsample.ts.
// Layouts (x fastest): coarse [nz][ny][nx], decoded [nz*s][ny*s][nx*s].

// Built without common.wgsl (it needs no SimParams); WORKGROUP_EDGE of compute-kernel.ts.
const WG: u32 = 4u;

struct UpsampleParams {
  coarseDims: vec3<u32>,  // [nx, ny, nz] of the decoder's output
  factor: u32,            // s
};

@group(0) @binding(0) var<uniform> up: UpsampleParams;
@group(0) @binding(1) var<storage, read> coarse: array<f32>;
@group(0) @binding(2) var<storage, read_write> decoded: array<f32>;

struct Taps {
  i0: u32,
  i1: u32,
  w0: f32,
  w1: f32,
};

fn taps(i: u32, n: u32) -> Taps {
  let c = max((f32(i) + 0.5) * (1.0 / f32(up.factor)) - 0.5, 0.0);
  let i0 = u32(c);  // floor, c >= 0; c < n - 0.5, so i0 <= n - 1
  let t = c - f32(i0);
  return Taps(i0, min(i0 + 1u, n - 1u), 1.0 - t, t);
}

// Linear along x in coarse row (y, z).
fn alongX(y: u32, z: u32, tx: Taps) -> f32 {
  let row = (z * up.coarseDims.y + y) * up.coarseDims.x;
  return coarse[row + tx.i0] * tx.w0 + coarse[row + tx.i1] * tx.w1;
}

// Bilinear in coarse slice z.
fn alongXY(z: u32, tx: Taps, ty: Taps) -> f32 {
  return alongX(ty.i0, z, tx) * ty.w0 + alongX(ty.i1, z, tx) * ty.w1;
}

@compute @workgroup_size(WG, WG, WG)
fn upsampleDecoded(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = up.coarseDims;
  let fine = n * up.factor;
  if (any(gid >= fine)) { return; }
  let tx = taps(gid.x, n.x);
  let ty = taps(gid.y, n.y);
  let tz = taps(gid.z, n.z);
  decoded[(gid.z * fine.y + gid.y) * fine.x + gid.x] = alongXY(tz.i0, tx, ty) * tz.w0 + alongXY(tz.i1, tx, ty) * tz.w1;
}
