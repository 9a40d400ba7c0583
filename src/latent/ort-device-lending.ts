/**
 * How onnxruntime-web's WebGPU provider gets the simulation's GPUDevice.
 *
 * 1.30 takes a device per session (`executionProviders: [{ name: 'webgpu', device }]`) and binds
 * GPU-buffer tensors on it. From 1.31 a device given that way becomes a second WebGPU context
 * (DeviceId 1) while GPU-buffer tensors are always placed on the default context (DeviceId 0),
 * so every run fails with "There's no data transfer registered for copying tensors from
 * Device:[... DeviceId:0] to Device:[... DeviceId:1]". There, sessions run on ORT's default
 * context, and the solver's device is lent to it: the default context gets its device from
 * `navigator.gpu.requestAdapter()` and `adapter.requestDevice()` when its first session is
 * created, and while a session is created here those calls answer with the solver's device.
 * ORT then reports that device as `ort.env.webgpu.device`; a default context already made on
 * another device (a second GPUDevice in the same page) cannot serve this one, which is an error.
 * Releasing the last session does not destroy the lent device (see lentDevice).
 */

/** The ORT versions (`major.minor`) whose sessions take the device per session. */
const PER_SESSION_DEVICE_BEFORE = [1, 31] as const;

/** Whether this onnxruntime-web takes the device per session (1.30) or needs it lent to its default context (1.31 on). */
export function ortTakesDevicePerSession(version: string): boolean {
  const [major, minor] = version.split('.').map((x) => Number.parseInt(x, 10));
  if (!Number.isFinite(major) || !Number.isFinite(minor)) return false;
  return major < PER_SESSION_DEVICE_BEFORE[0] || (major === PER_SESSION_DEVICE_BEFORE[0] && minor < PER_SESSION_DEVICE_BEFORE[1]);
}

/** The slice of onnxruntime-web's `env.webgpu` this uses. */
export interface OrtWebGpuEnv {
  device?: unknown;
}

/** The device as ORT's default context holds it: the same device, whose `destroy()` does nothing. */
const lentDevices = new WeakMap<GPUDevice, GPUDevice>();

/**
 * ORT destroys its default context's device when the last session on it is released; lent, that
 * would be the solver's device. The context gets a view of it whose `destroy()` does nothing
 * (everything else reaches the device itself, `this` bound to it).
 */
function lentDevice(device: GPUDevice): GPUDevice {
  let lent = lentDevices.get(device);
  if (!lent) {
    lent = new Proxy(device, {
      get: (target, key) => {
        if (key === 'destroy') return () => undefined;
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
      set: (target, key, value) => Reflect.set(target, key, value, target),
    });
    lentDevices.set(device, lent);
  }
  return lent;
}

/** Session creations run one at a time while a device is lent (two liquids may load models at once). */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `create` (which creates one ORT session on the default WebGPU context) with `device` lent
 * to that context, and checks that the context runs on it.
 * @throws Error when ORT's default context already runs on another device (then the session is released)
 */
export function withLentDevice<T>(device: GPUDevice, env: OrtWebGpuEnv, create: () => Promise<T>, release: (t: T) => Promise<void>): Promise<T> {
  const run = queue.then(async () => {
    const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    if (!gpu) throw new Error('onnxruntime-web needs navigator.gpu for its WebGPU provider');
    const own = Object.hasOwn(gpu, 'requestAdapter');
    const previous = gpu.requestAdapter;
    const realRequest = previous.bind(gpu);
    // The default context asks for an adapter, then for a device on it: the device is ours.
    gpu.requestAdapter = async (options?: GPURequestAdapterOptions) => {
      const adapter = await realRequest(options);
      if (!adapter) return adapter;
      return new Proxy(adapter, {
        get: (target, key) => {
          if (key === 'requestDevice') return async () => lentDevice(device);
          const value = Reflect.get(target, key, target) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    };
    let result: T;
    try {
      result = await create();
    } finally {
      if (own) gpu.requestAdapter = previous;
      else delete (gpu as { requestAdapter?: unknown }).requestAdapter;
    }
    if (env.device !== lentDevice(device)) {
      await release(result);
      throw new Error('onnxruntime-web runs on another GPUDevice in this page (its default WebGPU context serves one device per page from 1.31 on); '
        + 'the latent networks need the simulation\'s device');
    }
    return result;
  });
  queue = run.catch(() => undefined);
  return run;
}
