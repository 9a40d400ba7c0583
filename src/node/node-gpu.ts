import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

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

/**
 * Raised when the optional `webgpu` package (Dawn for Node) is not installed. Browser apps do
 * not need it, so installing latent-liquid does not pull it in; Node users add it.
 */
export class WebGpuPackageMissingError extends Error {
  constructor(detail: string) {
    super("The 'webgpu' package is not installed, and latent-liquid needs it for WebGPU in Node (the CLI and "
      + "'latent-liquid/node'). Install it next to latent-liquid: npm install webgpu"
      + `${detail ? ` (${detail})` : ''}`);
    this.name = 'WebGpuPackageMissingError';
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
  /** A one-line note for the user about how the adapter was found (e.g. SwiftShader picked because no Vulkan driver is installed), or null. */
  notice: string | null;
}

/**
 * Whether the Vulkan loader can find any driver (ICD) on Linux: the paths named by
 * VK_ICD_FILENAMES / VK_DRIVER_FILES / VK_ADD_DRIVER_FILES, or a .json manifest in the loader's
 * search folders. Only a definite "no" skips asking Dawn, which otherwise prints its own
 * multi-line 'vkCreateInstance: Found no drivers!' warning with a source path.
 */
export function vulkanDriversVisible(env: NodeJS.ProcessEnv = process.env): boolean {
  const listed = [env.VK_DRIVER_FILES, env.VK_ICD_FILENAMES, env.VK_ADD_DRIVER_FILES]
    .filter((v): v is string => Boolean(v)).flatMap((v) => v.split(':')).filter(Boolean);
  if (env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES) return listed.some((f) => existsSync(f));
  if (listed.some((f) => existsSync(f))) return true;
  const home = env.HOME ?? homedir();
  const configDirs = [env.XDG_CONFIG_HOME ?? join(home, '.config'), ...(env.XDG_CONFIG_DIRS ?? '/etc/xdg').split(':'), '/usr/local/etc', '/etc'];
  const dataDirs = [env.XDG_DATA_HOME ?? join(home, '.local/share'), ...(env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share').split(':')];
  for (const base of [...configDirs, ...dataDirs]) {
    if (!base) continue;
    try {
      if (readdirSync(join(base, 'vulkan', 'icd.d')).some((f) => f.endsWith('.json'))) return true;
    } catch {
      // no such folder
    }
  }
  return false;
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
    const err = e as NodeJS.ErrnoException;
    if ((err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND') && /'webgpu'|"webgpu"/.test(err.message)) {
      throw new WebGpuPackageMissingError('');
    }
    throw new NoWebGpuAdapterError(`the 'webgpu' package failed to load: ${err.message}`);
  }
  Object.assign(globalThis, webgpu.globals);
  const tryAdapter = async () => {
    const gpu = webgpu.create([]);
    return { gpu, adapter: await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' }) };
  };
  let notice: string | null = null;
  // On Linux Dawn goes through Vulkan. Where the loader has no driver at all, asking Dawn only
  // prints its own warning: go to SwiftShader directly, or say what to install.
  if (process.platform === 'linux' && !vulkanDriversVisible()) {
    const named = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
    if (named) throw new NoWebGpuAdapterError(`VK_ICD_FILENAMES=${named} names no existing file`);
    if (!existsSync(SWIFTSHADER_ICD)) throw new NoWebGpuAdapterError('no Vulkan driver is installed');
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    notice = `no Vulkan driver is installed: using SwiftShader (${SWIFTSHADER_ICD}, software, slow); `
      + 'install your GPU\'s Vulkan driver for real speed';
  }
  let { gpu, adapter } = await tryAdapter();
  if (!adapter && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    notice = `the Vulkan driver gave no WebGPU adapter: using SwiftShader (${SWIFTSHADER_ICD}, software, slow)`;
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
  return {
    adapter, device, adapterName, notice,
    isFallbackAdapter: /swiftshader/i.test(adapterName) || Boolean((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter),
  };
}
