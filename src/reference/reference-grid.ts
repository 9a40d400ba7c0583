import type { Vec3 } from '../scene/scene-description';
import type { GpuShape } from '../solver/shape-packing';

/**
 * CPU mirror of shaders/solver/common.wgsl: grid sizes, index math and parameters. The reference
 * kernels in this folder compute in float64 what the WGSL kernels compute in float32, one
 * function per kernel, so tests can compare them on small grids.
 */
export interface ReferenceParams {
  dims: Vec3;
  gravity: Vec3;
  dt: number;
  cellSize: number;
  density: number;
  bandWidth: number;
  jacobiOmega: number;
  thetaMin: number;
  obstacles: GpuShape[];
  emitters: GpuShape[];
  sinks: GpuShape[];
  liquid: GpuShape[];
}

export class ReferenceGrid {
  readonly nx: number;
  readonly ny: number;
  readonly nz: number;
  readonly cellCount: number;
  readonly uCount: number;
  readonly vCount: number;
  readonly wCount: number;
  readonly faceCount: number;
  readonly h: number;

  constructor(readonly p: ReferenceParams) {
    [this.nx, this.ny, this.nz] = p.dims;
    this.cellCount = this.nx * this.ny * this.nz;
    this.uCount = (this.nx + 1) * this.ny * this.nz;
    this.vCount = this.nx * (this.ny + 1) * this.nz;
    this.wCount = this.nx * this.ny * (this.nz + 1);
    this.faceCount = this.uCount + this.vCount + this.wCount;
    this.h = p.cellSize;
  }

  get dims(): Vec3 { return [this.nx, this.ny, this.nz]; }

  cell(i: number, j: number, k: number): number { return i + this.nx * (j + this.ny * k); }

  inGrid(i: number, j: number, k: number): boolean {
    return i >= 0 && j >= 0 && k >= 0 && i < this.nx && j < this.ny && k < this.nz;
  }

  faceDims(axis: number): Vec3 {
    const d: Vec3 = [this.nx, this.ny, this.nz];
    d[axis] += 1;
    return d;
  }

  face(axis: number, i: number, j: number, k: number): number {
    if (axis === 0) return i + (this.nx + 1) * (j + this.ny * k);
    if (axis === 1) return this.uCount + i + this.nx * (j + (this.ny + 1) * k);
    return this.uCount + this.vCount + i + this.nx * (j + this.ny * k);
  }

  /** Calls fn(i, j, k, index) for every cell. */
  forCells(fn: (i: number, j: number, k: number, idx: number) => void): void {
    for (let k = 0; k < this.nz; k++) for (let j = 0; j < this.ny; j++) for (let i = 0; i < this.nx; i++) fn(i, j, k, this.cell(i, j, k));
  }

  /** Calls fn(axis, i, j, k, index) for every face of every component. */
  forFaces(fn: (axis: number, i: number, j: number, k: number, idx: number) => void): void {
    for (let axis = 0; axis < 3; axis++) {
      const [fx, fy, fz] = this.faceDims(axis);
      for (let k = 0; k < fz; k++) for (let j = 0; j < fy; j++) for (let i = 0; i < fx; i++) fn(axis, i, j, k, this.face(axis, i, j, k));
    }
  }

  /** Ghost-fluid interface fraction (mirror of ghostTheta). */
  ghostTheta(phiLiquid: number, phiAir: number): number {
    return Math.min(1, Math.max(this.p.thetaMin, phiLiquid / (phiLiquid - phiAir)));
  }
}

/** Unit vector of an axis. */
export function axisVec(axis: number): Vec3 {
  return [axis === 0 ? 1 : 0, axis === 1 ? 1 : 0, axis === 2 ? 1 : 0];
}

/** Non-finite check (mirror of isFiniteF32). */
export function isFiniteValue(x: number): boolean {
  return Number.isFinite(x);
}
