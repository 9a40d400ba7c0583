import { resolveRegion, type DetectorRegion } from '../detectors/detector-region';
import type { Vec3 } from '../scene/scene-description';
import { shapeDistance, type GpuShape } from '../solver/shape-packing';
import { axisVec, type ReferenceGrid } from './reference-grid';

/** Mirror of shaders/solver/detectors.wgsl (measureDetectors + foldDetectors), over every cell of the grid. */

/** One detector's sums, as the results buffer holds them. */
export interface ReferenceDetectorSums {
  /** Sum of H(-phi) over the region's cells. */
  liquidFraction: number;
  /** Sum of H(-phi) times the cell-centred velocity. */
  weightedVelocity: Vec3;
  liquidCells: number;
  regionCells: number;
}

function liquidFraction(g: ReferenceGrid, phi: number): number {
  const eps = 1.5 * g.h;
  const x = -phi;
  if (x <= -eps) return 0;
  if (x >= eps) return 1;
  return 0.5 * (1 + x / eps + Math.sin((Math.PI * x) / eps) / Math.PI);
}

/** The sums of each region: cells whose centres lie in it (distance <= 0) and are not solid. */
export function measureDetectors(g: ReferenceGrid, phi: Float32Array, solidPhi: Float32Array, velocity: Float32Array,
  regions: readonly DetectorRegion[]): ReferenceDetectorSums[] {
  return regions.map((region) => {
    const r = resolveRegion(region);
    const shape: GpuShape = { ...r, linearVelocity: [0, 0, 0], angularVelocity: [0, 0, 0] };
    const out: ReferenceDetectorSums = { liquidFraction: 0, weightedVelocity: [0, 0, 0], liquidCells: 0, regionCells: 0 };
    g.forCells((i, j, k, idx) => {
      if (shapeDistance(shape, [(i + 0.5) * g.h, (j + 0.5) * g.h, (k + 0.5) * g.h]) > 0) return;
      if (solidPhi[idx] < 0) return;
      out.regionCells++;
      if (phi[idx] < 0) out.liquidCells++;
      const h = liquidFraction(g, phi[idx]);
      if (h <= 0) return;
      out.liquidFraction += h;
      for (let axis = 0; axis < 3; axis++) {
        const e = axisVec(axis);
        const v = 0.5 * (velocity[g.face(axis, i, j, k)] + velocity[g.face(axis, i + e[0], j + e[1], k + e[2])]);
        out.weightedVelocity[axis] += h * v;
      }
    });
    return out;
  });
}
