import type { Vec3 } from '../scene/scene-description';

/**
 * Sizes and index math of the simulation grid: nx*ny*nz cells (x fastest) and the MAC faces
 * packed as [u | v | w] in one velocity buffer (see shaders/solver/common.wgsl).
 */
export class GridLayout {
  readonly nx: number;
  readonly ny: number;
  readonly nz: number;
  readonly cellSize: number;
  readonly cellCount: number;
  readonly uCount: number;
  readonly vCount: number;
  readonly wCount: number;
  readonly faceCount: number;

  constructor(resolution: Vec3, cellSize: number) {
    [this.nx, this.ny, this.nz] = resolution;
    this.cellSize = cellSize;
    this.cellCount = this.nx * this.ny * this.nz;
    this.uCount = (this.nx + 1) * this.ny * this.nz;
    this.vCount = this.nx * (this.ny + 1) * this.nz;
    this.wCount = this.nx * this.ny * (this.nz + 1);
    this.faceCount = this.uCount + this.vCount + this.wCount;
  }

  get dims(): Vec3 {
    return [this.nx, this.ny, this.nz];
  }

  /** Extent of the face-thread grid that covers every u, v and w face. */
  get faceExtent(): Vec3 {
    return [this.nx + 1, this.ny + 1, this.nz + 1];
  }

  cellIndex(i: number, j: number, k: number): number {
    return i + this.nx * (j + this.ny * k);
  }

  /** Index of face (i,j,k) of component `axis` in the packed velocity buffer. */
  faceIndex(axis: 0 | 1 | 2, i: number, j: number, k: number): number {
    if (axis === 0) return i + (this.nx + 1) * (j + this.ny * k);
    if (axis === 1) return this.uCount + i + this.nx * (j + (this.ny + 1) * k);
    return this.uCount + this.vCount + i + this.nx * (j + this.ny * k);
  }

  /** Face-lattice dimensions of one velocity component. */
  faceDims(axis: 0 | 1 | 2): Vec3 {
    const d: Vec3 = [this.nx, this.ny, this.nz];
    d[axis] += 1;
    return d;
  }

  /** Stage-1 workgroups of a grid reduction (REDUCE_BLOCK = 4096 cells each, common.wgsl). */
  get reductionGroups(): number {
    return Math.ceil(this.cellCount / 4096);
  }

  /** Partial results a grid reduction's stage 1 leaves (64 per workgroup). */
  get reductionPartials(): number {
    return this.reductionGroups * 64;
  }
}
