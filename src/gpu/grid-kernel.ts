import { dispatch, type KernelFamily, workgroups3d } from './compute-kernel';

/**
 * A kernel that runs one entry point once per cell of a grid, with its own small parameter
 * (uniform) buffer: the part its drivers share (recording, memory, destroy). A subclass writes
 * its parameters and builds its bind groups.
 */
export abstract class GridKernel {
  /** The entry point's family (pipelines and bind-group layouts built once). */
  protected readonly kernels: KernelFamily;
  /** The kernel's uniform buffer (written once by the subclass). */
  protected readonly params: GPUBuffer;
  private readonly entryPoint: string;
  private readonly extent: readonly [number, number, number];
  private destroyed = false;

  /**
   * @param label the parameter buffer's label
   * @param paramsBytes the parameter struct's size
   * @param extent the cells one dispatch covers [x, y, z]
   */
  protected constructor(device: GPUDevice, kernels: KernelFamily, entryPoint: string, label: string, paramsBytes: number,
    extent: readonly [number, number, number]) {
    this.kernels = kernels;
    this.entryPoint = entryPoint;
    this.extent = [extent[0], extent[1], extent[2]];
    this.params = device.createBuffer({ label, size: paramsBytes, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  }

  /** Records the kernel into a compute pass (one dispatch over its extent). */
  encode(pass: GPUComputePassEncoder, group: GPUBindGroup): void {
    dispatch(pass, this.kernels.pipeline(this.entryPoint), group, workgroups3d(this.extent));
  }

  /** GPU memory of its parameters (bytes). */
  get gpuBytes(): number {
    return this.params.size;
  }

  /** Frees the parameter buffer. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.params.destroy();
  }
}
