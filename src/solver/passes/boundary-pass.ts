import source from '../../../shaders/boundary.wgsl';
import { dispatch, KernelFamily, workgroups3d } from '../../gpu/compute-kernel';
import type { GridLayout } from '../grid-layout';
import type { LiquidFields } from '../liquid-fields';

/** Solid-wall and obstacle velocity boundary condition (shaders/boundary.wgsl). */
export class BoundaryPass {
  private constructor(private readonly family: KernelFamily, private readonly bindGroup: GPUBindGroup, private readonly grid: GridLayout) {}

  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<BoundaryPass> {
    const family = await KernelFamily.create(device, 'boundary', source, ['enforceSolidVelocity']);
    const bindGroup = family.bindGroup({ params: fields.params, shapes: fields.shapes, solidPhi: fields.solidLevelSet, velocity: fields.velocity });
    return new BoundaryPass(family, bindGroup, grid);
  }

  enforceSolidVelocity(pass: GPUComputePassEncoder): void {
    dispatch(pass, this.family.pipeline('enforceSolidVelocity'), this.bindGroup, workgroups3d(this.grid.faceExtent));
  }
}
