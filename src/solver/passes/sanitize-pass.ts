import source from '../../../shaders/sanitize.wgsl';
import { dispatch, KernelFamily, workgroups3d } from '../../gpu/compute-kernel';
import type { GridLayout } from '../grid-layout';
import type { LiquidFields } from '../liquid-fields';

/** Repairs and counts non-finite values in the state (shaders/sanitize.wgsl). */
export class SanitizePass {
  private constructor(private readonly family: KernelFamily, private readonly bindGroup: GPUBindGroup, private readonly grid: GridLayout) {}

  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<SanitizePass> {
    const family = await KernelFamily.create(device, 'sanitize', source, ['sanitizeState']);
    const bindGroup = family.bindGroup({ params: fields.params, phi: fields.levelSet, velocity: fields.velocity, pressure: fields.pressure, health: fields.health });
    return new SanitizePass(family, bindGroup, grid);
  }

  sanitizeState(pass: GPUComputePassEncoder): void {
    dispatch(pass, this.family.pipeline('sanitizeState'), this.bindGroup, workgroups3d(this.grid.faceExtent));
  }
}
