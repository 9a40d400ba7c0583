import bodyForcesSource from '../../shaders/bodies/body-forces.wgsl';
import { BoxReductionPass, createBoxReductionFamily } from '../gpu/box-reduction-pass';
import type { KernelFamily } from '../gpu/compute-kernel';
import { WgslStructLayout } from '../gpu/wgsl-struct';
import type { Vec3 } from '../scene/scene-description';
import type { GridLayout } from '../solver/grid-layout';
import type { LiquidFields } from '../solver/liquid-fields';
import { SHAPE_KIND_CODES, type GpuShape } from '../solver/shape-packing';
import { bodyShapeExtents, type BodyShape, type Quat } from './body-shape';

/** The layout of the WGSL `BodyList` uniform (shaders/bodies/body-forces.wgsl). */
export const BODY_LIST_LAYOUT = WgslStructLayout.parse(bodyForcesSource, 'BodyList');
/** The layout of one body's sums (`BodySums`), as the results buffer holds them. */
export const BODY_SUMS_LAYOUT = WgslStructLayout.parse(bodyForcesSource, 'BodySums');
/** How many bodies are coupled at once at most: the length of `BodyList.bodies` in the shader. */
export const MAX_BODIES = BODY_LIST_LAYOUT.member('bodies').arrayLength;

/** One body as the kernel measures it (grid metres). */
export interface MeasuredBody {
  shape: BodyShape;
  /** As GpuShape: centre, half extents, rotation and rigid motion. */
  gpu: GpuShape;
  /** The id its cells carry in `fields.solidId` (1 + its entry of the motion table). */
  solidId: number;
}

/** The cells around a body: its bounds plus one cell, clipped to the grid (count 0 when it misses). */
export function bodyCellBox(shape: BodyShape, center: Vec3, rotation: Quat, dims: Vec3, cellSize: number): { first: Vec3; count: Vec3 } {
  const extents = bodyShapeExtents(shape, rotation);
  const first: Vec3 = [0, 0, 0];
  const count: Vec3 = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    const lo = Math.max(0, Math.floor((center[a] - extents[a]) / cellSize) - 1);
    const hi = Math.min(dims[a] - 1, Math.floor((center[a] + extents[a]) / cellSize) + 1);
    if (!(hi >= lo)) return { first: [0, 0, 0], count: [0, 0, 0] };
    first[a] = lo;
    count[a] = hi - lo + 1;
  }
  return { first, count };
}

/**
 * The bodies' GPU side (shaders/bodies/body-forces.wgsl): the body list uniform, per-thread
 * partials and one results buffer for all bodies (MAX_BODIES `BodySums`). `measure` encodes one
 * dispatch over every body's box of cells and a fold of one workgroup per body. The buffers are
 * made at the first `setBodies` (a liquid without bodies holds none).
 */
export class BodyForcesPass extends BoxReductionPass {
  private constructor(device: GPUDevice, family: KernelFamily, fields: LiquidFields, private readonly grid: GridLayout) {
    super(device, family, {
      label: 'liquid.bodies', listLayout: BODY_LIST_LAYOUT, itemsMember: 'bodies', sumsLayout: BODY_SUMS_LAYOUT, maxItems: MAX_BODIES,
      cellCount: grid.cellCount, measureEntry: 'measureBodies', foldEntry: 'foldBodies',
      bind: ({ list, partials, results }) => ({
        params: fields.params, bodyList: list, phi: fields.levelSet, solidPhi: fields.solidLevelSet, solidId: fields.solidId,
        pressure: fields.pressure, velocity: fields.velocity, partials, results,
      }),
    });
  }

  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<BodyForcesPass> {
    const family = await createBoxReductionFamily(device, 'bodyForces', bodyForcesSource, ['measureBodies', 'foldBodies']);
    return new BodyForcesPass(device, family, fields, grid);
  }

  /** Bytes of the results of `count` bodies (what a readback copies). */
  static resultBytes(count: number): number {
    return count * BODY_SUMS_LAYOUT.stride;
  }

  /**
   * Uploads the bodies measured by the next `measure` (grid metres).
   * @throws RangeError with more than MAX_BODIES bodies
   */
  setBodies(bodies: readonly MeasuredBody[]): void {
    if (bodies.length > MAX_BODIES) throw new RangeError(`bodies: at most ${MAX_BODIES} are coupled at once (got ${bodies.length})`);
    this.setItems(bodies.map((b) => {
      const box = bodyCellBox(b.shape, b.gpu.center, b.gpu.rotation, this.grid.dims, this.grid.cellSize);
      const values = {
        center: b.gpu.center, kind: SHAPE_KIND_CODES[b.gpu.kind], halfExtents: b.gpu.halfExtents, solidId: b.solidId, rotation: b.gpu.rotation,
        linearVelocity: b.gpu.linearVelocity, angularVelocity: b.gpu.angularVelocity, firstCell: box.first, cellBox: box.count,
      };
      return { values, box };
    }));
  }
}
