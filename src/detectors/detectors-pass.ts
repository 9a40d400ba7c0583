import detectorsSource from '../../shaders/solver/detectors.wgsl';
import { BoxReductionPass, createBoxReductionFamily } from '../gpu/box-reduction-pass';
import type { KernelFamily } from '../gpu/compute-kernel';
import { WgslStructLayout } from '../gpu/wgsl-struct';
import type { GridLayout } from '../solver/grid-layout';
import type { LiquidFields } from '../solver/liquid-fields';
import { regionCellBox, type ResolvedRegion } from './detector-region';

/** The layout of the WGSL `DetectorList` uniform (shaders/solver/detectors.wgsl). */
export const DETECTOR_LIST_LAYOUT = WgslStructLayout.parse(detectorsSource, 'DetectorList');
/** The layout of one detector's sums (`DetectorSums`), as the results buffer holds them. */
export const DETECTOR_SUMS_LAYOUT = WgslStructLayout.parse(detectorsSource, 'DetectorSums');
/** How many detectors are measured at once at most: the length of `DetectorList.regions` in the shader. */
export const MAX_DETECTORS = DETECTOR_LIST_LAYOUT.member('regions').arrayLength;

const KIND_CODES = { box: 0, sphere: 1 } as const;

/**
 * The detectors' GPU side (shaders/solver/detectors.wgsl): the region list uniform, the
 * per-thread partials and the one small results buffer all detectors share (MAX_DETECTORS
 * `DetectorSums`, 32 bytes each), made when the first regions are set. `measure` encodes one
 * dispatch over the detectors' cell boxes and a fold of MAX_DETECTORS workgroups at most.
 */
export class DetectorsPass extends BoxReductionPass {
  private constructor(device: GPUDevice, family: KernelFamily, fields: LiquidFields, private readonly grid: GridLayout) {
    super(device, family, {
      label: 'liquid.detectors', listLayout: DETECTOR_LIST_LAYOUT, itemsMember: 'regions', sumsLayout: DETECTOR_SUMS_LAYOUT,
      maxItems: MAX_DETECTORS, cellCount: grid.cellCount, measureEntry: 'measureDetectors', foldEntry: 'foldDetectors',
      bind: ({ list, partials, results }) => ({
        params: fields.params, detectors: list, phi: fields.levelSet, solidPhi: fields.solidLevelSet, velocity: fields.velocity, partials, results,
      }),
    });
  }

  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<DetectorsPass> {
    const family = await createBoxReductionFamily(device, 'detectors', detectorsSource, ['measureDetectors', 'foldDetectors']);
    return new DetectorsPass(device, family, fields, grid);
  }

  /** Bytes of the results of `count` detectors (what a readback copies). */
  static resultBytes(count: number): number {
    return count * DETECTOR_SUMS_LAYOUT.stride;
  }

  /**
   * Uploads the regions measured from now on (grid metres, resolved): each region's box of
   * cells and enough workgroups for the largest.
   * @throws RangeError with more than MAX_DETECTORS regions
   */
  setRegions(regions: readonly ResolvedRegion[]): void {
    if (regions.length > MAX_DETECTORS) throw new RangeError(`detectors: at most ${MAX_DETECTORS} are measured at once (got ${regions.length})`);
    this.setItems(regions.map((r) => {
      const box = regionCellBox(r, this.grid.dims, this.grid.cellSize);
      return { values: { center: r.center, kind: KIND_CODES[r.kind], halfExtents: r.halfExtents, rotation: r.rotation, firstCell: box.first, cellBox: box.count }, box };
    }));
  }
}
