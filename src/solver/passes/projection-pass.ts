import projectSource from '../../../shaders/solver/project.wgsl';
import extrapolateSource from '../../../shaders/solver/extrapolate.wgsl';
import { dispatch, KernelFamily, workgroups3d } from '../../gpu/compute-kernel';
import type { GridLayout } from '../grid-layout';
import type { LiquidFields } from '../liquid-fields';

/**
 * The velocity update from the pressure (shaders/solver/project.wgsl) and the extrapolation of the
 * result into the air (shaders/solver/extrapolate.wgsl).
 */
export class ProjectionPass {
  private constructor(
    private readonly project: KernelFamily,
    private readonly extrapolate: KernelFamily,
    private readonly projectGroup: GPUBindGroup,
    private readonly extrapolateForward: GPUBindGroup,
    private readonly extrapolateBackward: GPUBindGroup,
    private readonly grid: GridLayout,
    private readonly fields: LiquidFields,
    /** Layers of extrapolation per step. */
    readonly layers: number,
  ) {}

  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields, layers: number): Promise<ProjectionPass> {
    const [project, extrapolate] = await Promise.all([
      KernelFamily.create(device, 'project', projectSource, ['projectVelocity']),
      KernelFamily.create(device, 'extrapolate', extrapolateSource, ['extrapolateVelocity']),
    ]);
    const projectGroup = project.bindGroup({
      params: fields.params, phi: fields.levelSet, solidPhi: fields.solidLevelSet, pressure: fields.pressure,
      velocity: fields.velocity, valid: fields.faceValid[0],
    });
    const eg = (velocityIn: GPUBuffer, velocityOut: GPUBuffer, validIn: GPUBuffer, validOut: GPUBuffer, label: string) =>
      extrapolate.bindGroup({ params: fields.params, velocityIn, velocityOut, validIn, validOut }, label);
    return new ProjectionPass(project, extrapolate, projectGroup,
      eg(fields.velocity, fields.velocityScratch[0], fields.faceValid[0], fields.faceValid[1], 'extrapolate.forward'),
      eg(fields.velocityScratch[0], fields.velocity, fields.faceValid[1], fields.faceValid[0], 'extrapolate.backward'),
      grid, fields, layers);
  }

  /** u -= dt/rho grad p on liquid faces. */
  projectVelocity(pass: GPUComputePassEncoder): void {
    dispatch(pass, this.project.pipeline('projectVelocity'), this.projectGroup, workgroups3d(this.grid.faceExtent));
  }

  /** Extends the liquid velocity `layers` faces into the air; call `finish` after the pass. */
  extrapolateVelocity(pass: GPUComputePassEncoder): void {
    const g = workgroups3d(this.grid.faceExtent);
    const pipeline = this.extrapolate.pipeline('extrapolateVelocity');
    for (let i = 0; i < this.layers; i++) dispatch(pass, pipeline, i % 2 === 0 ? this.extrapolateForward : this.extrapolateBackward, g);
  }

  /** With an odd layer count the result sits in scratch: copy it home. */
  finish(encoder: GPUCommandEncoder): void {
    if (this.layers % 2 === 1) encoder.copyBufferToBuffer(this.fields.velocityScratch[0], 0, this.fields.velocity, 0, this.grid.faceCount * 4);
  }
}
