import source from '../../../shaders/forces.wgsl';
import { dispatch, KernelFamily, workgroups3d } from '../../gpu/compute-kernel';
import type { GridLayout } from '../grid-layout';
import type { LiquidFields } from '../liquid-fields';

/** Body forces on the liquid (shaders/forces.wgsl). */
export class ForcesPass {
  private constructor(private readonly family: KernelFamily, private readonly bindGroup: GPUBindGroup, private readonly grid: GridLayout) {}

  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<ForcesPass> {
    const family = await KernelFamily.create(device, 'forces', source, ['addGravity']);
    const bindGroup = family.bindGroup({ params: fields.params, phi: fields.levelSet, solidPhi: fields.solidLevelSet, velocity: fields.velocity });
    return new ForcesPass(family, bindGroup, grid);
  }

  addGravity(pass: GPUComputePassEncoder): void {
    dispatch(pass, this.family.pipeline('addGravity'), this.bindGroup, workgroups3d(this.grid.faceExtent));
  }
}
