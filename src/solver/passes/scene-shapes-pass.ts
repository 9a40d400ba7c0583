import source from '../../../shaders/solver/shapes.wgsl';
import { dispatch, KernelFamily, workgroups3d } from '../../gpu/compute-kernel';
import type { GridLayout } from '../grid-layout';
import type { LiquidFields } from '../liquid-fields';

/** Scene shapes to grid: obstacles, the initial liquid, emitters and sinks (shaders/solver/shapes.wgsl). */
export class SceneShapesPass {
  private constructor(private readonly family: KernelFamily, private readonly bindGroup: GPUBindGroup, private readonly grid: GridLayout) {}

  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<SceneShapesPass> {
    const family = await KernelFamily.create(device, 'shapes', source, ['rasterizeObstacles', 'initLiquid', 'emitLiquid', 'drainSinks']);
    const bindGroup = family.bindGroup({
      params: fields.params, shapes: fields.shapes, phi: fields.levelSet, solidPhi: fields.solidLevelSet, velocity: fields.velocity, solidId: fields.solidId,
    });
    return new SceneShapesPass(family, bindGroup, grid);
  }

  rasterizeObstacles(pass: GPUComputePassEncoder): void {
    dispatch(pass, this.family.pipeline('rasterizeObstacles'), this.bindGroup, workgroups3d(this.grid.dims));
  }

  initLiquid(pass: GPUComputePassEncoder): void {
    dispatch(pass, this.family.pipeline('initLiquid'), this.bindGroup, workgroups3d(this.grid.faceExtent));
  }

  emitLiquid(pass: GPUComputePassEncoder): void {
    dispatch(pass, this.family.pipeline('emitLiquid'), this.bindGroup, workgroups3d(this.grid.faceExtent));
  }

  drainSinks(pass: GPUComputePassEncoder): void {
    dispatch(pass, this.family.pipeline('drainSinks'), this.bindGroup, workgroups3d(this.grid.dims));
  }
}
