import forcesSource from '../../shaders/solver/forces.wgsl';
import { dispatch, KernelFamily, workgroups3d } from '../gpu/compute-kernel';
import type { ForceFieldDescription } from '../scene/scene-description';
import type { GridLayout } from '../solver/grid-layout';
import type { LiquidFields } from '../solver/liquid-fields';
import { FORCE_FIELD_LIST_LAYOUT, packForceFields } from './force-field';

/**
 * Body forces on the liquid (shaders/solver/forces.wgsl): gravity, and up to MAX_FORCE_FIELDS
 * force fields, each on the faces that touch liquid. Owns the force-field uniform, written
 * only when the fields change.
 */
export class ForcesPass {
  private readonly listData = new ArrayBuffer(FORCE_FIELD_LIST_LAYOUT.size);
  private activeCount = 0;
  private destroyed = false;

  private constructor(private readonly device: GPUDevice, private readonly family: KernelFamily, private readonly bindGroup: GPUBindGroup,
    private readonly fieldList: GPUBuffer, private readonly groups: [number, number, number]) {}

  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<ForcesPass> {
    const family = await KernelFamily.create(device, 'forces', forcesSource, ['addGravity', 'addForceFields']);
    const fieldList = device.createBuffer({ label: 'liquid.forceFields', size: FORCE_FIELD_LIST_LAYOUT.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const bindGroup = family.bindGroup({
      params: fields.params, phi: fields.levelSet, solidPhi: fields.solidLevelSet, velocity: fields.velocity, forceFields: fieldList,
    });
    return new ForcesPass(device, family, bindGroup, fieldList, workgroups3d(grid.faceExtent));
  }

  /** Enabled force fields the kernel applies (0: `addForceFields` encodes nothing). */
  get fieldCount(): number {
    return this.activeCount;
  }

  /**
   * Uploads the fields (grid metres, validated) for the following steps.
   * @throws RangeError when more than MAX_FORCE_FIELDS are given (the previous fields stay)
   */
  setFields(fields: readonly ForceFieldDescription[]): void {
    const { count } = packForceFields(fields, this.listData);
    this.device.queue.writeBuffer(this.fieldList, 0, this.listData);
    this.activeCount = count;
  }

  /** v += g dt on every face that touches liquid. */
  addGravity(pass: GPUComputePassEncoder): void {
    dispatch(pass, this.family.pipeline('addGravity'), this.bindGroup, this.groups);
  }

  /** v += (sum of the fields' accelerations at the face) dt on every face that touches liquid; nothing without fields. */
  addForceFields(pass: GPUComputePassEncoder): void {
    if (this.activeCount === 0) return;
    dispatch(pass, this.family.pipeline('addForceFields'), this.bindGroup, this.groups);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.fieldList.destroy();
  }
}
