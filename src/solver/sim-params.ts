import commonSource from '../../shaders/solver/common.wgsl';
import { WgslStructLayout } from '../gpu/wgsl-struct';
import type { Vec3 } from '../scene/scene-description';

/** The layout of the WGSL `SimParams` uniform (shaders/solver/common.wgsl), read from its declaration. */
export const SIM_PARAMS_LAYOUT = WgslStructLayout.parse(commonSource, 'SimParams');

/** Byte size of `SimParams` in shaders/solver/common.wgsl. */
export const SIM_PARAMS_BYTES = SIM_PARAMS_LAYOUT.size;

/** The step's parameters as the solver knows them; the derived members are filled in by packSimParams. */
export interface SimParams {
  dims: Vec3;
  gravity: Vec3;
  dt: number;
  cellSize: number;
  density: number;
  time: number;
  bandWidth: number;
  jacobiOmega: number;
  thetaMin: number;
  obstacleCount: number;
  emitterCount: number;
  sinkCount: number;
  frame: number;
  extrapolationLayers: number;
  liquidShapeCount: number;
}

/** Packs params into the WGSL uniform by member name (cellCount and invCellSize derived). */
export function packSimParams(p: SimParams, out = new ArrayBuffer(SIM_PARAMS_BYTES)): ArrayBuffer {
  return SIM_PARAMS_LAYOUT.pack({
    ...p,
    cellCount: p.dims[0] * p.dims[1] * p.dims[2],
    invCellSize: 1 / p.cellSize,
  }, out);
}
