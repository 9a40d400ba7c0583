import boundarySource from '../../../shaders/boundary.wgsl';
import forcesSource from '../../../shaders/forces.wgsl';
import hydrostaticSource from '../../../shaders/hydrostatic.wgsl';
import sanitizeSource from '../../../shaders/sanitize.wgsl';
import { dispatch, KernelFamily, workgroups3d, type BufferResource } from '../../gpu/compute-kernel';
import type { GridLayout } from '../grid-layout';
import type { LiquidFields } from '../liquid-fields';

/** A kernel file with one entry point over a fixed bind group: a method named after the entry encodes it. */
export type SingleKernelPass<Entry extends string> = Readonly<Record<Entry, (pass: GPUComputePassEncoder) => void>>;

/** Builds the pipeline of `entry` in `source`, binds `resources` and dispatches over `extent` (one thread per item). */
async function singleKernelPass<Entry extends string>(device: GPUDevice, label: string, source: string, entry: Entry,
  resources: Record<string, BufferResource>, extent: readonly [number, number, number]): Promise<SingleKernelPass<Entry>> {
  const family = await KernelFamily.create(device, label, source, [entry]);
  const pipeline = family.pipeline(entry);
  const bindGroup = family.bindGroup(resources);
  const groups = workgroups3d(extent);
  return { [entry]: (pass: GPUComputePassEncoder) => dispatch(pass, pipeline, bindGroup, groups) } as SingleKernelPass<Entry>;
}

/** Solid-wall and obstacle velocity boundary condition (shaders/boundary.wgsl). */
export type BoundaryPass = SingleKernelPass<'enforceSolidVelocity'>;
export const createBoundaryPass = (device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<BoundaryPass> =>
  singleKernelPass(device, 'boundary', boundarySource, 'enforceSolidVelocity',
    { params: fields.params, shapes: fields.shapes, solidPhi: fields.solidLevelSet, velocity: fields.velocity }, grid.faceExtent);

/** Body forces on the liquid (shaders/forces.wgsl). */
export type ForcesPass = SingleKernelPass<'addGravity'>;
export const createForcesPass = (device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<ForcesPass> =>
  singleKernelPass(device, 'forces', forcesSource, 'addGravity',
    { params: fields.params, phi: fields.levelSet, solidPhi: fields.solidLevelSet, velocity: fields.velocity }, grid.faceExtent);

/** Hydrostatic pressure from the surface and gravity (shaders/hydrostatic.wgsl). */
export type HydrostaticPass = SingleKernelPass<'hydrostaticPressure'>;
export const createHydrostaticPass = (device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<HydrostaticPass> =>
  singleKernelPass(device, 'hydrostatic', hydrostaticSource, 'hydrostaticPressure',
    { params: fields.params, phi: fields.levelSet, solidPhi: fields.solidLevelSet, hydrostatic: fields.hydrostaticPressure }, grid.dims);

/** Repairs and counts non-finite values in the state (shaders/sanitize.wgsl). */
export type SanitizePass = SingleKernelPass<'sanitizeState'>;
export const createSanitizePass = (device: GPUDevice, grid: GridLayout, fields: LiquidFields): Promise<SanitizePass> =>
  singleKernelPass(device, 'sanitize', sanitizeSource, 'sanitizeState',
    { params: fields.params, phi: fields.levelSet, velocity: fields.velocity, pressure: fields.pressure, health: fields.health }, grid.faceExtent);
