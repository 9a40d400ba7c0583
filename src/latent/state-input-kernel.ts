import stateSource from '../../shaders/latent/latent-state.wgsl';
import { KernelFamily } from '../gpu/compute-kernel';
import { GridKernel } from '../gpu/grid-kernel';
import { WgslStructLayout } from '../gpu/wgsl-struct';
import type { Vec3 } from '../scene/scene-description';
import type { ModelStateSpec } from './model-manifest';

/** `StateParams` of latent-state.wgsl. */
const STATE_PARAMS = WgslStructLayout.parse(stateSource, 'StateParams');

/** The buffers the state input is built from and written to (the solver's fields and the predictor's `stateInput`). */
export interface StateInputSources {
  /** The solver's SimParams uniform. */
  params: GPUBuffer;
  /** The step's pressure system, vec4(1/diag, b/diag, mask, diag) per cell (`fields.pressureSystem`). */
  system: GPUBuffer;
  /** The hydrostatic pressure p_s (`fields.hydrostaticPressure`). */
  hydrostatic: GPUBuffer;
  /** The level set (`fields.levelSet`). */
  phi: GPUBuffer;
  /** The solid level set (`fields.solidLevelSet`). */
  solidPhi: GPUBuffer;
  /** Output [Cs, nz, ny, nx]. */
  stateInput: GPUBuffer;
}

/**
 * The WGSL kernel `prepareStateInput` (shaders/latent/latent-state.wgsl): the state encoder's
 * input of a state-conditioned model, [residual / residualScale, clamped level set, clamped
 * solid level set] (the manifest's `state.inputChannels`) at full resolution, from the step's
 * pressure system and hydrostatic pressure. One dispatch over the grid, recorded into the
 * caller's pass; nothing is read back. CPU reference: src/reference/reference-state-input.ts.
 */
export class StateInputKernel extends GridKernel {
  /** Channels Cs of the output. */
  readonly channels: number;
  /** The grid [nx, ny, nz]. */
  readonly grid: Vec3;

  private constructor(device: GPUDevice, kernels: KernelFamily, grid: Vec3, spec: ModelStateSpec, levelSetClamp: number) {
    super(device, kernels, 'prepareStateInput', 'latent.stateInput.params', STATE_PARAMS.size, grid);
    this.grid = [grid[0], grid[1], grid[2]];
    this.channels = spec.inputChannels.length;
    device.queue.writeBuffer(this.params, 0, STATE_PARAMS.pack({
      residualScale: spec.residualScale, levelSetClamp,
      levelsetChannel: spec.inputChannels.indexOf('levelset'), solidChannel: spec.inputChannels.indexOf('solid'),
    }));
  }

  /**
   * Builds the kernel for a grid and the manifest's `state` (validated by validateManifest).
   * @param levelSetClamp the manifest's `levelSetClamp` (cells), used by the level set and solid channels
   */
  static async create(device: GPUDevice, grid: Vec3, spec: ModelStateSpec, levelSetClamp: number): Promise<StateInputKernel> {
    if (spec.inputChannels[0] !== 'residual') throw new Error(`StateInputKernel: state.inputChannels must start with "residual" (got ${JSON.stringify(spec.inputChannels)})`);
    if (!(spec.residualScale > 0) || !Number.isFinite(spec.residualScale)) throw new Error(`StateInputKernel: state.residualScale must be a finite number > 0 (got ${spec.residualScale})`);
    if (!(levelSetClamp > 0)) throw new Error(`StateInputKernel: levelSetClamp must be > 0 (got ${levelSetClamp})`);
    const kernels = await KernelFamily.create(device, 'latentState', stateSource, ['prepareStateInput']);
    return new StateInputKernel(device, kernels, grid, spec, levelSetClamp);
  }

  /** Floats of the output [Cs, nz, ny, nx]. */
  get outputFloats(): number {
    return this.channels * this.grid[0] * this.grid[1] * this.grid[2];
  }

  /** The bind group on the solver's fields and an output buffer (build once, reuse every step). */
  bind(sources: StateInputSources): GPUBindGroup {
    if (sources.stateInput.size < this.outputFloats * 4) {
      throw new Error(`StateInputKernel: the output buffer holds ${sources.stateInput.size} bytes, ${this.outputFloats * 4} needed`);
    }
    const { params, system, hydrostatic, phi, solidPhi, stateInput } = sources;
    return this.kernels.bindGroup({ params, state: this.params, system, hydrostatic, phi, solidPhi, stateInput }, 'latent.stateInput');
  }
}
