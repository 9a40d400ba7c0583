import { existsSync } from 'node:fs';

/** Raised when no WebGPU adapter can be found; the message says how to get one. */
export class NoWebGpuAdapterError extends Error {
  constructor(detail: string) {
    super(`No WebGPU adapter found${detail ? ` (${detail})` : ''}.\n`
      + 'latent-liquid runs WebGPU in Node through the `webgpu` npm package (Dawn over Vulkan). To get an adapter:\n'
      + '  - on a machine with a GPU: install its Vulkan driver and the loader (Debian: apt-get install libvulkan1 mesa-vulkan-drivers, or the NVIDIA driver);\n'
      + '  - on a machine without a GPU: apt-get install chromium libvulkan1 (ships SwiftShader), then\n'
      + '    export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json');
    this.name = 'NoWebGpuAdapterError';
  }
}

/** Where Debian's chromium package puts SwiftShader's Vulkan driver. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** A device and what it runs on. */
export interface NodeGpu {
  adapter: GPUAdapter;
  device: GPUDevice;
  /** Human-readable adapter description. */
  adapterName: string;
  /** True for a software adapter (SwiftShader). */
  isFallbackAdapter: boolean;
}

let installed = false;

/**
 * Dawn's Node binding rejects writeBuffer from views of a SharedArrayBuffer, which is what
 * onnxruntime-web's threaded wasm hands it; copy such data first.
 */
function installSharedArrayBufferShim(queue: GPUQueue): void {
  if (installed) return;
  installed = true;
  const proto = Object.getPrototypeOf(queue) as GPUQueue;
  const original = proto.writeBuffer;
  proto.writeBuffer = function writeBuffer(this: GPUQueue, buffer: GPUBuffer, offset: number, data: BufferSource | SharedArrayBuffer,
    dataOffset?: number, size?: number) {
    const view = data as ArrayBufferView;
    if (view && view.buffer instanceof SharedArrayBuffer) {
      const element = (view as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
      const start = (dataOffset ?? 0) * element;
      const length = size !== undefined ? size * element : view.byteLength - start;
      const copy = new Uint8Array(view.buffer, view.byteOffset + start, length).slice();
      return original.call(this, buffer, offset, copy);
    }
    if (data instanceof SharedArrayBuffer) {
      return original.call(this, buffer, offset, new Uint8Array(data).slice(), dataOffset, size);
    }
    return original.call(this, buffer, offset, data as BufferSource, dataOffset, size);
  } as GPUQueue['writeBuffer'];
}

/**
 * Creates a WebGPU device in Node with the `webgpu` package. If no adapter is found and
 * VK_ICD_FILENAMES is unset, tries SwiftShader from Debian's chromium package.
 * The device asks for the adapter's larger storage limits and timestamp queries if present.
 * @throws NoWebGpuAdapterError with instructions when there is no adapter
 */
export async function createNodeGpu(options: { powerPreference?: GPUPowerPreference } = {}): Promise<NodeGpu> {
  let webgpu: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    webgpu = await import('webgpu') as unknown as typeof webgpu;
  } catch (e) {
    throw new NoWebGpuAdapterError(`the 'webgpu' package failed to load: ${(e as Error).message}`);
  }
  Object.assign(globalThis, webgpu.globals);
  const tryAdapter = async () => {
    const gpu = webgpu.create([]);
    return { gpu, adapter: await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' }) };
  };
  let { gpu, adapter } = await tryAdapter();
  if (!adapter && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    ({ gpu, adapter } = await tryAdapter());
  }
  if (!adapter) {
    throw new NoWebGpuAdapterError(process.env.VK_ICD_FILENAMES ? `VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}` : 'no Vulkan driver');
  }
  // onnxruntime-web looks for navigator.gpu.
  const nav = (globalThis as unknown as { navigator?: Record<string, unknown> }).navigator;
  if (!nav) (globalThis as unknown as { navigator?: unknown }).navigator = { gpu };
  else if (!nav.gpu) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });

  const limits = adapter.limits;
  const requiredFeatures: GPUFeatureName[] = [];
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  const device = await adapter.requestDevice({
    label: 'latent-liquid',
    requiredFeatures,
    requiredLimits: {
      maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
    },
  });
  installSharedArrayBufferShim(device.queue);
  const info = adapter.info;
  const adapterName = [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' ') || 'unknown adapter';
  return { adapter, device, adapterName, isFallbackAdapter: /swiftshader/i.test(adapterName) || Boolean((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter) };
}
