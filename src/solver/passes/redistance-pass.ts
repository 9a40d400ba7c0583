import source from '../../../shaders/solver/redistance.wgsl';
import { dispatch, KernelFamily, workgroups3d } from '../../gpu/compute-kernel';
import type { GridLayout } from '../grid-layout';
import type { LiquidFields } from '../liquid-fields';

/**
 * Narrow-band redistancing (shaders/solver/redistance.wgsl): reads the advected level set from
 * `levelSetScratch[2]` and writes the signed distance into `levelSet`.
 */
export class RedistancePass {
  /** Eikonal sweeps per step (even): enough to reach the band's edge. */
  readonly sweeps: number;

  private constructor(private readonly family: KernelFamily, private readonly groups: Record<'init' | 'sweepA' | 'sweepB' | 'extend', GPUBindGroup>,
    private readonly grid: GridLayout, bandCells: number) {
    this.sweeps = 2 * Math.ceil(bandCells / 2);
  }

  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields, bandCells: number): Promise<RedistancePass> {
    const family = await KernelFamily.create(device, 'redistance', source, ['redistanceInit', 'redistanceSweep', 'extendIntoSolids']);
    const [s0, s1, s2] = fields.levelSetScratch;
    const bg = (phiIn: GPUBuffer, phiOut: GPUBuffer, label: string) =>
      family.bindGroup({ params: fields.params, phiIn, phiOut, frozen: fields.frozen, solidPhi: fields.solidLevelSet }, label);
    return new RedistancePass(family, {
      init: bg(s2, s0, 'redistance.init'),
      sweepA: bg(s0, s1, 'redistance.sweepA'),
      sweepB: bg(s1, s0, 'redistance.sweepB'),
      extend: bg(s0, fields.levelSet, 'redistance.extend'),
    }, grid, bandCells);
  }

  redistance(pass: GPUComputePassEncoder): void {
    const g = workgroups3d(this.grid.dims);
    dispatch(pass, this.family.pipeline('redistanceInit'), this.groups.init, g);
    for (let s = 0; s < this.sweeps; s += 2) {
      dispatch(pass, this.family.pipeline('redistanceSweep'), this.groups.sweepA, g);
      dispatch(pass, this.family.pipeline('redistanceSweep'), this.groups.sweepB, g);
    }
    dispatch(pass, this.family.pipeline('extendIntoSolids'), this.groups.extend, g);
  }
}
