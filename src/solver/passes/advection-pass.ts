import source from '../../../shaders/solver/advect.wgsl';
import { dispatch, KernelFamily, workgroups3d } from '../../gpu/compute-kernel';
import type { GridLayout } from '../grid-layout';
import type { LiquidFields } from '../liquid-fields';

/**
 * MacCormack advection of the level set and of the MAC velocity (shaders/solver/advect.wgsl).
 * The advected level set lands in `levelSetScratch[2]` (redistancing reads it); the advected
 * velocity is copied back into `velocity`.
 */
export class AdvectionPass {
  private constructor(
    private readonly family: KernelFamily,
    private readonly groups: Record<'scalarForward' | 'scalarBackward' | 'scalarCorrect' | 'velocityForward' | 'velocityBackward' | 'velocityCorrect', GPUBindGroup>,
    private readonly grid: GridLayout,
    private readonly fields: LiquidFields,
  ) {}

  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<AdvectionPass> {
    const family = await KernelFamily.create(device, 'advect', source, [
      'advectScalarForward', 'advectScalarBackward', 'advectScalarCorrect',
      'advectVelocityForward', 'advectVelocityBackward', 'advectVelocityCorrect',
    ]);
    const [s0, s1, s2] = fields.levelSetScratch;
    const [v0, v1, v2] = fields.velocityScratch;
    const bg = (fieldA: GPUBuffer, fieldB: GPUBuffer, fieldC: GPUBuffer, outField: GPUBuffer, label: string) =>
      family.bindGroup({ params: fields.params, velocity: fields.velocity, fieldA, fieldB, fieldC, outField }, label);
    return new AdvectionPass(family, {
      scalarForward: bg(fields.levelSet, s1, s1, s0, 'advect.scalarForward'),
      scalarBackward: bg(s0, s0, s0, s1, 'advect.scalarBackward'),
      scalarCorrect: bg(fields.levelSet, s0, s1, s2, 'advect.scalarCorrect'),
      velocityForward: bg(fields.velocity, v1, v1, v0, 'advect.velocityForward'),
      velocityBackward: bg(v0, v0, v0, v1, 'advect.velocityBackward'),
      velocityCorrect: bg(fields.velocity, v0, v1, v2, 'advect.velocityCorrect'),
    }, grid, fields);
  }

  /** Level set -> levelSetScratch[2]. */
  advectLevelSet(pass: GPUComputePassEncoder): void {
    const g = workgroups3d(this.grid.dims);
    dispatch(pass, this.family.pipeline('advectScalarForward'), this.groups.scalarForward, g);
    dispatch(pass, this.family.pipeline('advectScalarBackward'), this.groups.scalarBackward, g);
    dispatch(pass, this.family.pipeline('advectScalarCorrect'), this.groups.scalarCorrect, g);
  }

  /** Velocity -> velocityScratch[2]; call `commitVelocity` after the pass ends. */
  advectVelocity(pass: GPUComputePassEncoder): void {
    const g = workgroups3d(this.grid.faceExtent);
    dispatch(pass, this.family.pipeline('advectVelocityForward'), this.groups.velocityForward, g);
    dispatch(pass, this.family.pipeline('advectVelocityBackward'), this.groups.velocityBackward, g);
    dispatch(pass, this.family.pipeline('advectVelocityCorrect'), this.groups.velocityCorrect, g);
  }

  /** Copies the advected velocity into `velocity`. */
  commitVelocity(encoder: GPUCommandEncoder): void {
    encoder.copyBufferToBuffer(this.fields.velocityScratch[2], 0, this.fields.velocity, 0, this.grid.faceCount * 4);
  }
}
