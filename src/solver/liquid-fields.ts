import type { GridLayout } from './grid-layout';
import { SIM_PARAMS_BYTES } from './sim-params';
import { SHAPE_FLOATS } from './shape-packing';
import { MESH_COLLIDER_LIMITS } from '../colliders/collider-mesh';
import { SOLID_MOTION_LAYOUT } from '../colliders/solid-motion';
import { SOLVE_CONTROL_LAYOUT } from './pressure/solve-control';
import diagnosticsSource from '../../shaders/solver/diagnostics.wgsl';
import { WgslStructLayout } from '../gpu/wgsl-struct';

/** The volume bookkeeping `VolumeState` (shaders/solver/diagnostics.wgsl) in `volumeState`. */
export const VOLUME_STATE_LAYOUT = WgslStructLayout.parse(diagnosticsSource, 'VolumeState');
/** Stats slots written by finishStats (shaders/solver/diagnostics.wgsl). */
export const STATS_COUNT = 8;

/**
 * Every GPU buffer of one liquid: the state (level set, MAC velocity, pressure), the solid
 * level set, and the scratch the passes need. Created once; nothing is reallocated per frame.
 */
export class LiquidFields {
  /** SimParams uniform. */
  readonly params: GPUBuffer;
  /** Scene shapes: [obstacles | emitters | sinks | initial liquid]. */
  readonly shapes: GPUBuffer;
  readonly shapeCapacity: number;
  /** Level set phi (m), cell-centred: negative in liquid. */
  readonly levelSet: GPUBuffer;
  /** Three level-set-sized scratch buffers (MacCormack intermediates, redistancing ping-pong). */
  readonly levelSetScratch: [GPUBuffer, GPUBuffer, GPUBuffer];
  /**
   * Signed distance to the nearest solid (m), cell-centred: negative inside solids. The minimum
   * over primitive obstacles (exact) and mesh colliders (within a few cells of them; docs/colliders.md).
   */
  readonly solidLevelSet: GPUBuffer;
  /**
   * Per cell (u32): 0 outside solids, else 1 + the entry of `solidMotions` of the solid whose
   * distance is the minimum there (obstacle s: entry s; mesh collider slot m: shapeCapacity + m).
   */
  readonly solidId: GPUBuffer;
  /** The solid motion table: `array<SolidMotion>` (shaders/solver/common.wgsl), solidMotionCapacity entries. */
  readonly solidMotions: GPUBuffer;
  readonly solidMotionCapacity: number;
  /** Redistancing: cells whose distance is fixed by a nearby crossing. */
  readonly frozen: GPUBuffer;
  /** MAC velocity [u | v | w] (m/s). */
  readonly velocity: GPUBuffer;
  readonly velocityScratch: [GPUBuffer, GPUBuffer, GPUBuffer];
  /** Per-face validity for extrapolation, and its ping-pong partner. */
  readonly faceValid: [GPUBuffer, GPUBuffer];
  /** Pressure (Pa), cell-centred; overwritable before the velocity update. */
  readonly pressure: GPUBuffer;
  /** Jacobi ping-pong partner of `pressure`. */
  readonly pressureScratch: GPUBuffer;
  /** Hydrostatic part of the pressure (Pa), from the surface and gravity. */
  readonly hydrostaticPressure: GPUBuffer;
  /** Per cell vec4(1/diag, b/diag, neighbour mask, diag) of the pressure system. */
  readonly pressureSystem: GPUBuffer;
  /** Reduction partials (8 floats each, see GridLayout.reductionPartials). */
  readonly partials: GPUBuffer;
  /** Last finished reduction, 8 floats (see diagnostics.wgsl). */
  readonly stats: GPUBuffer;
  /** Volume bookkeeping: target, before, shift, emitted. */
  readonly volumeState: GPUBuffer;
  /** Counts of repaired non-finite values (level set, velocity, pressure). */
  readonly health: GPUBuffer;
  /** Tolerance-mode control block (iterations, residuals, outcome). */
  readonly solveControl: GPUBuffer;

  private readonly owned: GPUBuffer[] = [];

  constructor(device: GPUDevice, grid: GridLayout, shapeCapacity: number) {
    // GPUBufferUsage is read here, not at module load: in Node it exists only once a device was made.
    const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const make = (label: string, size: number, usage = STORAGE): GPUBuffer => {
      const b = device.createBuffer({ label, size: Math.max(16, Math.ceil(size / 16) * 16), usage });
      this.owned.push(b);
      return b;
    };
    const cells = grid.cellCount * 4;
    const faces = grid.faceCount * 4;
    this.params = make('liquid.params', SIM_PARAMS_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.shapeCapacity = Math.max(1, shapeCapacity);
    this.shapes = make('liquid.shapes', this.shapeCapacity * SHAPE_FLOATS * 4);
    this.levelSet = make('liquid.levelSet', cells);
    this.levelSetScratch = [make('liquid.levelSetScratch0', cells), make('liquid.levelSetScratch1', cells), make('liquid.levelSetScratch2', cells)];
    this.solidLevelSet = make('liquid.solidLevelSet', cells);
    this.solidId = make('liquid.solidId', cells);
    this.solidMotionCapacity = this.shapeCapacity + MESH_COLLIDER_LIMITS.maxColliders;
    this.solidMotions = make('liquid.solidMotions', this.solidMotionCapacity * SOLID_MOTION_LAYOUT.stride);
    this.frozen = make('liquid.frozen', cells);
    this.velocity = make('liquid.velocity', faces);
    this.velocityScratch = [make('liquid.velocityScratch0', faces), make('liquid.velocityScratch1', faces), make('liquid.velocityScratch2', faces)];
    this.faceValid = [make('liquid.faceValid0', faces), make('liquid.faceValid1', faces)];
    this.pressure = make('liquid.pressure', cells);
    this.pressureScratch = make('liquid.pressureScratch', cells);
    this.hydrostaticPressure = make('liquid.hydrostaticPressure', cells);
    this.pressureSystem = make('liquid.pressureSystem', cells * 4);
    this.partials = make('liquid.partials', grid.reductionPartials * 8 * 4);
    this.stats = make('liquid.stats', 8 * 4);
    this.volumeState = make('liquid.volumeState', VOLUME_STATE_LAYOUT.size);
    this.health = make('liquid.health', 4 * 4);
    // Written by the convergence check (storage), read by the gated Jacobi kernels (uniform).
    this.solveControl = make('liquid.solveControl', SOLVE_CONTROL_LAYOUT.size, STORAGE | GPUBufferUsage.UNIFORM);
  }

  /** GPU memory held (bytes). */
  get byteSize(): number {
    return this.owned.reduce((s, b) => s + b.size, 0);
  }

  /** Frees every buffer. */
  destroy(): void {
    for (const b of this.owned) b.destroy();
    this.owned.length = 0;
  }
}
