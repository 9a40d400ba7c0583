/** The two source cells and weights of one output cell along one axis. */
interface Taps {
  i0: number;
  i1: number;
  w0: number;
  w1: number;
}

/**
 * PyTorch's linear interpolation indices with align_corners=False (area_pixel_compute_source_index
 * and compute_source_index_and_lambda in ATen's UpSample): source coordinate
 * (i + 0.5) / s - 0.5 clamped to >= 0, its floor, the next cell clamped to n - 1.
 */
function taps(i: number, n: number, factor: number): Taps {
  const c = Math.max((i + 0.5) / factor - 0.5, 0);
  const i0 = Math.floor(c);
  const t = c - i0;
  return { i0, i1: Math.min(i0 + 1, n - 1), w0: 1 - t, w1: t };
}

/**
 * CPU reference of the `upsampleDecoded` kernel (shaders/latent/latent-upsample.wgsl):
 * F.interpolate(x, scale_factor=factor, mode='trilinear', align_corners=False) of a single-channel
 * field, computed in double precision and rounded to float32 once. That is what PyTorch's CPU
 * kernel returns for one channel (measured: every value of test/fixtures/trilinear-upsample and
 * of 16^3 random fields at s = 2 and 4); the float32 WGSL kernel is within a few ulps of it.
 * @param coarse values [nz][ny][nx], x fastest
 * @param dims [nx, ny, nz] of `coarse`
 * @returns values [nz*s][ny*s][nx*s]
 */
export function referenceUpsampleTrilinear(coarse: ArrayLike<number>, dims: readonly [number, number, number], factor: number): Float32Array {
  const [nx, ny, nz] = dims;
  if (coarse.length !== nx * ny * nz) throw new Error(`referenceUpsampleTrilinear: ${coarse.length} values for [${dims.join(', ')}]`);
  const [fx, fy, fz] = [nx * factor, ny * factor, nz * factor];
  const lerp = (a: number, b: number, t: Taps) => a * t.w0 + b * t.w1;
  const at = (x: number, y: number, z: number) => coarse[(z * ny + y) * nx + x];
  const out = new Float32Array(fx * fy * fz);
  for (let z = 0; z < fz; z++) {
    const tz = taps(z, nz, factor);
    for (let y = 0; y < fy; y++) {
      const ty = taps(y, ny, factor);
      for (let x = 0; x < fx; x++) {
        const tx = taps(x, nx, factor);
        const plane = (cz: number) => lerp(
          lerp(at(tx.i0, ty.i0, cz), at(tx.i1, ty.i0, cz), tx),
          lerp(at(tx.i0, ty.i1, cz), at(tx.i1, ty.i1, cz), tx), ty);
        out[(z * fy + y) * fx + x] = lerp(plane(tz.i0), plane(tz.i1), tz);
      }
    }
  }
  return out;
}
