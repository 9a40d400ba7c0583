import source from '../../shaders/foam/foam.wgsl';
import { dispatch, KernelFamily, workgroups3d } from '../gpu/compute-kernel';
import { readFloat32 } from '../gpu/readback';
import { WgslStructLayout } from '../gpu/wgsl-struct';
import type { GridLayout } from '../solver/grid-layout';
import type { LiquidFields } from '../solver/liquid-fields';
import { DEFAULT_FOAM_SETTINGS, resolveFoamSettings, type FoamSettings } from './foam-settings';

/** The layout of the WGSL `FoamParams` uniform (shaders/foam/foam.wgsl). */
export const FOAM_PARAMS_LAYOUT = WgslStructLayout.parse(source, 'FoamParams');

/**
 * Whitewater foam on the liquid surface: a density in [0, 1] per cell, made where the surface
 * breaks (fast water at convex crests moving outwards, or where the velocity jumps across a
 * cell: impacts), carried with the liquid, decaying linearly, zero away from the surface
 * (shaders/foam/foam.wgsl). The solver runs it at the end of each step while `enabled`; off,
 * it records nothing and the field is cleared when it is turned on again. Nothing is read
 * back unless `read()` is called.
 */
export class FoamField {
  private _enabled = false;
  private _settings: FoamSettings = { ...DEFAULT_FOAM_SETTINGS };
  private current = 0;
  private needsClear = true;
  private destroyed = false;

  private constructor(
    private readonly device: GPUDevice,
    private readonly grid: GridLayout,
    private readonly family: KernelFamily,
    private readonly buffers: [GPUBuffer, GPUBuffer],
    private readonly paramsBuffer: GPUBuffer,
    /** bindGroups[i] reads buffers[i] and writes buffers[1 - i]. */
    private readonly bindGroups: [GPUBindGroup, GPUBindGroup],
  ) {
    this.writeParams();
  }

  /** Builds the kernel and the two density buffers (ping-pong) of the grid. */
  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<FoamField> {
    const family = await KernelFamily.create(device, 'foam', source, ['updateFoam']);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const size = Math.max(16, Math.ceil((grid.cellCount * 4) / 16) * 16);
    const buffers: [GPUBuffer, GPUBuffer] = [
      device.createBuffer({ label: 'liquid.foam0', size, usage }),
      device.createBuffer({ label: 'liquid.foam1', size, usage }),
    ];
    const paramsBuffer = device.createBuffer({ label: 'liquid.foamParams', size: FOAM_PARAMS_LAYOUT.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const bg = (i: 0 | 1) => family.bindGroup({
      params: fields.params, foamParams: paramsBuffer, phi: fields.levelSet, velocity: fields.velocity,
      foamIn: buffers[i], foamOut: buffers[1 - i],
    }, `foam.update${i}`);
    return new FoamField(device, grid, family, buffers, paramsBuffer, [bg(0), bg(1)]);
  }

  /** Whether the solver makes and carries foam (default off). Turning it on starts from no foam. */
  get enabled(): boolean {
    return this._enabled;
  }

  set enabled(value: boolean) {
    if (value && !this._enabled) this.needsClear = true;
    this._enabled = value;
  }

  /** The foam numbers in use (a copy). */
  get settings(): FoamSettings {
    return { ...this._settings };
  }

  /**
   * Changes some of the foam numbers from the next step on.
   * @throws RangeError naming the field and its range
   */
  configure(settings: Partial<FoamSettings>): void {
    this._settings = resolveFoamSettings(settings, this._settings);
    this.writeParams();
  }

  private writeParams(): void {
    this.device.queue.writeBuffer(this.paramsBuffer, 0, FOAM_PARAMS_LAYOUT.pack({ ...this._settings }));
  }

  /** The buffer holding the latest density (`nx * ny * nz` float32, cell order of the level set). */
  get buffer(): GPUBuffer {
    return this.buffers[this.current];
  }

  /** Clears the foam at the next step (a reset of the liquid). */
  reset(): void {
    this.needsClear = true;
  }

  /** Before the foam pass, outside any pass: clears the field after a reset or a turn-on. */
  prepare(encoder: GPUCommandEncoder): void {
    if (!this.needsClear) return;
    for (const b of this.buffers) encoder.clearBuffer(b);
    this.needsClear = false;
  }

  /** One step of foam (the step's dt from SimParams): reads the current buffer, writes the other. */
  encode(pass: GPUComputePassEncoder): void {
    dispatch(pass, this.family.pipeline('updateFoam'), this.bindGroups[this.current], workgroups3d(this.grid.dims));
    this.current = 1 - this.current;
  }

  /** Reads the density (waits for the GPU; for tests and tools). */
  read(): Promise<Float32Array> {
    return readFloat32(this.device, this.buffer, this.grid.cellCount);
  }

  /** GPU memory held (bytes). */
  get byteSize(): number {
    return this.buffers[0].size + this.buffers[1].size + this.paramsBuffer.size;
  }

  /** Frees the buffers. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const b of this.buffers) b.destroy();
    this.paramsBuffer.destroy();
  }
}
