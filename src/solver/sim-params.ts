import type { Vec3 } from '../scene/scene-description';

/** Byte size of `SimParams` in shaders/solver/common.wgsl. */
export const SIM_PARAMS_BYTES = 96;

/** CPU mirror of the WGSL `SimParams` uniform. */
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

/** Packs params with the WGSL uniform layout. */
export function packSimParams(p: SimParams, out = new ArrayBuffer(SIM_PARAMS_BYTES)): ArrayBuffer {
  const u = new Uint32Array(out);
  const f = new Float32Array(out);
  u[0] = p.dims[0]; u[1] = p.dims[1]; u[2] = p.dims[2];
  u[3] = p.dims[0] * p.dims[1] * p.dims[2];
  f[4] = p.gravity[0]; f[5] = p.gravity[1]; f[6] = p.gravity[2];
  f[7] = p.dt;
  f[8] = p.cellSize;
  f[9] = 1 / p.cellSize;
  f[10] = p.density;
  f[11] = p.time;
  f[12] = p.bandWidth;
  f[13] = p.jacobiOmega;
  f[14] = p.thetaMin;
  u[15] = p.obstacleCount;
  u[16] = p.emitterCount;
  u[17] = p.sinkCount;
  u[18] = p.frame;
  u[19] = p.extrapolationLayers;
  u[20] = p.liquidShapeCount;
  u[21] = 0;
  return out;
}
