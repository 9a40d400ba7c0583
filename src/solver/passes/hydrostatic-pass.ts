import source from '../../../shaders/hydrostatic.wgsl';
import { dispatch, KernelFamily, workgroups3d } from '../../gpu/compute-kernel';
import type { GridLayout } from '../grid-layout';
import type { LiquidFields } from '../liquid-fields';

/** Hydrostatic pressure from the surface and gravity (shaders/hydrostatic.wgsl). */
export class HydrostaticPass {
  private constructor(private readonly family: KernelFamily, private readonly bindGroup: GPUBindGroup, private readonly grid: GridLayout) {}

  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<HydrostaticPass> {
    const family = await KernelFamily.create(device, 'hydrostatic', source, ['hydrostaticPressure']);
    const bindGroup = family.bindGroup({ params: fields.params, phi: fields.levelSet, solidPhi: fields.solidLevelSet, hydrostatic: fields.hydrostaticPressure });
    return new HydrostaticPass(family, bindGroup, grid);
  }

  hydrostaticPressure(pass: GPUComputePassEncoder): void {
    dispatch(pass, this.family.pipeline('hydrostaticPressure'), this.bindGroup, workgroups3d(this.grid.dims));
  }
}
