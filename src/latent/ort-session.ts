import * as ort from 'onnxruntime-web/webgpu';
import { ModelError } from './model-manifest';
import { ortTakesDevicePerSession, withLentDevice } from './ort-device-lending';

/** The one file onnxruntime-web's WebGPU build fetches at run time (its .mjs glue is bundled in). */
export const ORT_WASM_FILE = 'ort-wasm-simd-threaded.asyncify.wasm';

/**
 * The URL of onnxruntime-web's .wasm from `wasmPaths`: a folder URL (with or without the
 * trailing slash) gets the file name appended, a URL ending in `.wasm` is used as it is.
 */
export function ortWasmUrl(wasmPaths: string): string {
  if (/\.wasm([?#].*)?$/.test(wasmPaths)) return wasmPaths;
  return `${wasmPaths.endsWith('/') ? wasmPaths : `${wasmPaths}/`}${ORT_WASM_FILE}`;
}

/** Settings for onnxruntime-web. */
export interface OrtOptions {
  /**
   * Where onnxruntime-web's `ort-wasm-simd-threaded.asyncify.wasm` is served (browsers): its
   * folder's URL or the file's URL; default: next to the ORT module. Only the .wasm is fetched:
   * the module glue (.mjs) that onnxruntime-web's bundled build carries is used.
   */
  wasmPaths?: string;
  /** wasm threads; 1 avoids workers and cross-origin isolation needs (default 1). */
  numThreads?: number;
  /** ORT log severity (0 verbose .. 4 fatal; default 3). 0 prints node placement. */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  /**
   * ORT's WebGPU graph capture (default false): the first `run()` of a session records its
   * dispatches, later runs replay them. ORT binds the input and output buffers of the FIRST run
   * and ignores the tensors given later, so each session must always be run on the same GPU
   * buffers (the predictor copies its inputs into fixed ones).
   */
  graphCapture?: boolean;
}

/** The onnxruntime-web in use (e.g. '1.31.1'). */
export const ORT_VERSION: string = ort.env.versions.web ?? ort.env.versions.common;

let configured = false;

/** ORT sessions created and released so far in this page or process (tools and tests check for leaks). */
export const ortSessionCounts = { created: 0, released: 0 };

/** Releases a session made by createWebGpuSession (and counts it). */
export function releaseSession(session: ort.InferenceSession): Promise<void> {
  ortSessionCounts.released++;
  return session.release();
}

function configure(opts: OrtOptions): void {
  if (configured) return;
  configured = true;
  ort.env.wasm.numThreads = opts.numThreads ?? 1;
  // A string prefix would make onnxruntime-web import its .mjs glue from there too (one more
  // file to serve, a 404 that disables the model); naming only the .wasm keeps the bundled glue.
  if (opts.wasmPaths) ort.env.wasm.wasmPaths = { wasm: ortWasmUrl(opts.wasmPaths) };
  ort.env.logLevel = 'warning';
}

/**
 * An inference session on onnxruntime-web's native WebGPU provider, on `device` (the
 * simulation's own GPUDevice, so tensors are plain GPU buffers shared with the solver).
 * @throws ModelError naming the network and the expected inputs/outputs
 */
export async function createWebGpuSession(device: GPUDevice, bytes: Uint8Array, net: string,
  expected: { inputs: string[]; outputs: string[] }, opts: OrtOptions = {}): Promise<ort.InferenceSession> {
  configure(opts);
  let session: ort.InferenceSession;
  const options = {
    graphOptimizationLevel: 'all',
    enableGraphCapture: opts.graphCapture ?? false,
    logSeverityLevel: opts.logSeverityLevel ?? 3,
  } as const;
  try {
    // 1.30: the device per session; from 1.31: ORT's default context, on the solver's device (ort-device-lending.ts).
    session = ortTakesDevicePerSession(ORT_VERSION)
      ? await ort.InferenceSession.create(bytes, { ...options, executionProviders: [{ name: 'webgpu', device } as unknown as ort.InferenceSession.ExecutionProviderConfig] })
      : await withLentDevice(device, ort.env.webgpu as { device?: unknown }, () => ort.InferenceSession.create(bytes, { ...options, executionProviders: ['webgpu'] }), (s) => s.release());
  } catch (e) {
    throw new ModelError(`${net}.onnx could not be loaded on WebGPU: ${(e as Error).message}`);
  }
  ortSessionCounts.created++;
  const same = (a: readonly string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(session.inputNames, expected.inputs) || !same(session.outputNames, expected.outputs)) {
    await releaseSession(session);
    throw new ModelError(`${net}.onnx has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]; `
      + `the runtime needs inputs [${expected.inputs.join(', ')}] and outputs [${expected.outputs.join(', ')}] (docs/contracts.md)`);
  }
  return session;
}

/** A float32 tensor over a GPU buffer (no copy). */
export function gpuTensor(buffer: GPUBuffer, dims: number[]): ort.Tensor {
  return ort.Tensor.fromGpuBuffer(buffer as unknown as ort.Tensor.GpuBufferType, { dataType: 'float32', dims });
}

export { ort };
