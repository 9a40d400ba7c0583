import source from '../../../shaders/solver/diagnostics.wgsl';
import { dispatch, KernelFamily, workgroups3d } from '../../gpu/compute-kernel';
import type { GridLayout } from '../grid-layout';
import type { LiquidFields } from '../liquid-fields';

/**
 * GPU reductions (volume, divergence, speed, energy) and the level-set volume correction
 * (shaders/solver/diagnostics.wgsl). Results stay in `fields.stats` / `fields.volumeState` until
 * someone reads them.
 */
export class DiagnosticsPass {
  private constructor(private readonly family: KernelFamily, private readonly bindGroup: GPUBindGroup, private readonly grid: GridLayout) {}

  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<DiagnosticsPass> {
    const family = await KernelFamily.create(device, 'diagnostics', source, [
      'measureVolume', 'measureState', 'finishStats', 'volumeInitTarget', 'volumeRecordBefore', 'volumeAddEmitted',
      'volumeComputeShift', 'volumeApplyShift',
    ]);
    const bindGroup = family.bindGroup({
      params: fields.params, phi: fields.levelSet, solidPhi: fields.solidLevelSet, velocity: fields.velocity,
      partials: fields.partials, stats: fields.stats, volumeState: fields.volumeState,
    });
    return new DiagnosticsPass(family, bindGroup, grid);
  }

  private run(pass: GPUComputePassEncoder, entry: string, groups: number | [number, number, number] = 1): void {
    dispatch(pass, this.family.pipeline(entry), this.bindGroup, groups);
  }

  /** Volume and surface area only (cheap), into `stats`. */
  measureVolume(pass: GPUComputePassEncoder): void {
    this.run(pass, 'measureVolume', this.grid.reductionGroups);
    this.run(pass, 'finishStats');
  }

  /** Every stat (volume, divergence, speed, energy, non-finite count), into `stats`. */
  measureState(pass: GPUComputePassEncoder): void {
    this.run(pass, 'measureState', this.grid.reductionGroups);
    this.run(pass, 'finishStats');
  }

  /** Sets the target volume to the current one. */
  initVolumeTarget(pass: GPUComputePassEncoder): void {
    this.measureVolume(pass);
    this.run(pass, 'volumeInitTarget');
  }

  /** Before emitters/sinks act: remember the volume. */
  recordVolumeBefore(pass: GPUComputePassEncoder): void {
    this.measureVolume(pass);
    this.run(pass, 'volumeRecordBefore');
  }

  /** After emitters/sinks acted: move the target by what they added or removed. */
  addEmittedVolume(pass: GPUComputePassEncoder): void {
    this.measureVolume(pass);
    this.run(pass, 'volumeAddEmitted');
  }

  /** Shifts the level set so the volume returns to the target. */
  correctVolume(pass: GPUComputePassEncoder): void {
    this.measureVolume(pass);
    this.run(pass, 'volumeComputeShift');
    this.run(pass, 'volumeApplyShift', workgroups3d(this.grid.dims));
  }
}
