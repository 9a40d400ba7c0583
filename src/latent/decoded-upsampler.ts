import upsampleSource from '../../shaders/latent/latent-upsample.wgsl';
import { KernelFamily } from '../gpu/compute-kernel';
import { GridKernel } from '../gpu/grid-kernel';
import { WgslStructLayout } from '../gpu/wgsl-struct';
import type { Vec3 } from '../scene/scene-description';

/** `UpsampleParams` of latent-upsample.wgsl. */
const UPSAMPLE_PARAMS = WgslStructLayout.parse(upsampleSource, 'UpsampleParams');

/**
 * Trilinear upsampling of a coarse decoder's output to the grid on the GPU (kernel
 * `upsampleDecoded`, shaders/latent/latent-upsample.wgsl): PyTorch's
 * F.interpolate(trilinear, align_corners=False) by the model's `latent.decoderDownsample`.
 * Recording it only adds one dispatch to the caller's pass: no await, no readback.
 */
export class DecodedUpsampler extends GridKernel {
  /** The factor s per axis. */
  readonly factor: number;
  /** Extent [x, y, z] of the coarse input. */
  readonly coarseDims: Vec3;
  /** Extent [x, y, z] of the output (coarseDims * factor). */
  readonly fineDims: Vec3;

  private constructor(device: GPUDevice, kernels: KernelFamily, coarseDims: Vec3, factor: number) {
    const fineDims: Vec3 = [coarseDims[0] * factor, coarseDims[1] * factor, coarseDims[2] * factor];
    super(device, kernels, 'upsampleDecoded', 'latent.upsample.params', UPSAMPLE_PARAMS.size, fineDims);
    this.factor = factor;
    this.coarseDims = [coarseDims[0], coarseDims[1], coarseDims[2]];
    this.fineDims = fineDims;
    device.queue.writeBuffer(this.params, 0, UPSAMPLE_PARAMS.pack({ coarseDims: this.coarseDims, factor }));
  }

  /**
   * Builds the kernel for one coarse extent and factor.
   * @param coarseDims extent [x, y, z] of the decoder's output
   * @param factor s, 2 or 4 (any integer >= 2 works; torch's weights are exact for powers of two)
   */
  static async create(device: GPUDevice, coarseDims: Vec3, factor: number): Promise<DecodedUpsampler> {
    if (!Number.isInteger(factor) || factor < 2) throw new Error(`DecodedUpsampler: factor must be an integer >= 2 (got ${factor}); a factor of 1 needs no upsampling`);
    if (!coarseDims.every((d) => Number.isInteger(d) && d >= 1)) throw new Error(`DecodedUpsampler: coarse extent [${coarseDims.join(', ')}] must be positive integers`);
    const kernels = await KernelFamily.create(device, 'latentUpsample', upsampleSource, ['upsampleDecoded'], undefined, { prependCommon: false });
    return new DecodedUpsampler(device, kernels, coarseDims, factor);
  }

  /** The bind group for a coarse buffer (at least prod(coarseDims) floats) and an output buffer (prod(fineDims) floats). */
  bind(coarse: GPUBuffer, decoded: GPUBuffer): GPUBindGroup {
    const [cx, cy, cz] = this.coarseDims;
    const [fx, fy, fz] = this.fineDims;
    if (coarse.size < cx * cy * cz * 4) throw new Error(`DecodedUpsampler: the coarse buffer holds ${coarse.size} bytes, ${cx * cy * cz * 4} needed`);
    if (decoded.size < fx * fy * fz * 4) throw new Error(`DecodedUpsampler: the output buffer holds ${decoded.size} bytes, ${fx * fy * fz * 4} needed`);
    return this.kernels.bindGroup({ up: this.params, coarse, decoded }, 'latent.upsample');
  }
}
