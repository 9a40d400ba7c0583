import boundarySource from '../../../shaders/solver/boundary.wgsl';
import hydrostaticSource from '../../../shaders/solver/hydrostatic.wgsl';
import sanitizeSource from '../../../shaders/solver/sanitize.wgsl';
import { dispatch, KernelFamily, workgroups3d, type BufferResource } from '../../gpu/compute-kernel';
import type { GridLayout } from '../grid-layout';
import type { LiquidFields } from '../liquid-fields';

/** A kernel file with one entry point over a fixed bind group: a method named after the entry encodes it. */
export type SingleKernelPass<Entry extends string> = Readonly<Record<Entry, (pass: GPUComputePassEncoder) => void>>;

/**
 * The factory of a single-kernel pass: builds the pipeline of `entry` in `source` once, binds
 * the buffers `resources` picks from the fields and dispatches one thread per cell or face.
 */
function singleKernelPass<Entry extends string>(label: string, source: string, entry: Entry, over: 'cells' | 'faces',
  resources: (fields: LiquidFields) => Record<string, BufferResource>) {
  return async (device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<SingleKernelPass<Entry>> => {
    const family = await KernelFamily.create(device, label, source, [entry]);
    const pipeline = family.pipeline(entry);
    const bindGroup = family.bindGroup(resources(fields));
    const groups = workgroups3d(over === 'cells' ? grid.dims : grid.faceExtent);
    return { [entry]: (pass: GPUComputePassEncoder) => dispatch(pass, pipeline, bindGroup, groups) } as SingleKernelPass<Entry>;
  };
}

/** Solid-wall and obstacle velocity boundary condition (shaders/solver/boundary.wgsl). */
export type BoundaryPass = SingleKernelPass<'enforceSolidVelocity'>;
export const createBoundaryPass = singleKernelPass('boundary', boundarySource, 'enforceSolidVelocity', 'faces',
  (f) => ({ params: f.params, solidPhi: f.solidLevelSet, solidId: f.solidId, solidMotions: f.solidMotions, velocity: f.velocity }));

/** Hydrostatic pressure from the surface and gravity (shaders/solver/hydrostatic.wgsl). */
export type HydrostaticPass = SingleKernelPass<'hydrostaticPressure'>;
export const createHydrostaticPass = singleKernelPass('hydrostatic', hydrostaticSource, 'hydrostaticPressure', 'cells',
  (f) => ({ params: f.params, phi: f.levelSet, solidPhi: f.solidLevelSet, hydrostatic: f.hydrostaticPressure }));

/** Repairs and counts non-finite values in the state (shaders/solver/sanitize.wgsl). */
export type SanitizePass = SingleKernelPass<'sanitizeState'>;
export const createSanitizePass = singleKernelPass('sanitize', sanitizeSource, 'sanitizeState', 'faces',
  (f) => ({ params: f.params, phi: f.levelSet, velocity: f.velocity, pressure: f.pressure, health: f.health }));
