import type { GpuTimer } from '../gpu/gpu-timer';
import type { ort } from './ort-session';

/**
 * What runs the networks. 'ort' (default): onnxruntime-web's WebGPU provider on the
 * solver's device; each run is submitted on its own and awaited, so the step's encoder is
 * flushed around it. 'wgsl': our own WGSL kernels for our architectures (src/latent/wgsl/),
 * recorded into the step's command encoder with no flush and no await; a model whose graphs
 * they do not recognise is refused (UnsupportedGraphError; attachLatentPredictor then falls back to 'ort').
 */
export type LatentRuntimeKind = 'ort' | 'wgsl';

/**
 * What to run the networks on: a runtime, or 'auto' (the default): the WGSL runtime when it
 * recognises all of the model's graphs, onnxruntime-web otherwise (any model the WGSL runtime
 * refuses, broken ones included, whose errors are then ORT's; and always with ORT graph capture,
 * an ORT option), without a warning. `LatentPressurePredictor.runtime` says which ran.
 */
export type LatentRuntimeChoice = LatentRuntimeKind | 'auto';

/** The networks a predictor runs (`runNetwork`): the state encoder only for a state-conditioned model. */
export type LatentNetwork = 'encoder' | 'lstm' | 'decoder' | 'stateEncoder';

/** Multiply-adds of one run of each network (the state encoder's 0 without one). */
export type NetworkMultiplyAdds = Record<LatentNetwork, number>;

/** The predictor's buffers that the networks read and write (the predictor owns them). */
export interface LatentNetworkBuffers {
  /** The encoder's input [Cin, nz, ny, nx]. */
  encoderInput: GPUBuffer;
  /** The code of this step [C, lz, ly, lx]. */
  code: GPUBuffer;
  /** The two history buffers [w, C, N] (the current one alternates). */
  history: readonly [GPUBuffer, GPUBuffer];
  /** The LSTM's prediction [o, C, N]. */
  prediction: GPUBuffer;
  /** Where the decoder writes: the decoded pressure on the grid, or a coarse decoder's output (upsampled after it). */
  decoderOutput: GPUBuffer;
  /** A state-conditioned model's state input [Cs, nz, ny, nx] and state code [C, lz, ly, lx], else null. */
  stateInput: GPUBuffer | null;
  stateCode: GPUBuffer | null;
  /**
   * The fallback solve's indirect arguments: its first u32 is not zero only after a discarded
   * prediction (the gate of `recordGatedEncode`).
   */
  fallbackArgs: GPUBuffer;
  /** ORT graph capture only: the fixed inputs of the LSTM [w, C, N] and the decoder [C, N], else null. */
  captured: { lstmHistory: GPUBuffer; decoderInput: GPUBuffer } | null;
}

/** The step a network run belongs to. */
export interface NetworkStep {
  /** The step's encoder so far (unsubmitted). */
  encoder: GPUCommandEncoder;
  /** Submits what was encoded so far and gives a fresh encoder (needed before awaiting another GPU user). */
  flush(): GPUCommandEncoder;
  timer: GpuTimer | null;
  /** Records the upsampling of a coarse decoder's output onto the grid into a pass, or null (full-resolution decoder). */
  upsample: ((pass: GPUComputePassEncoder) => void) | null;
}

/**
 * A model set's networks on one runtime, bound to the predictor's buffers. Each call records
 * or runs its networks after the step's work so far and returns the encoder the step goes on
 * with: the same one (WGSL, recorded) or a fresh one after the step was flushed (ORT, awaited).
 */
export interface LatentNetworks {
  readonly kind: LatentRuntimeKind;
  /**
   * The encoder (`encoderInput` -> `code`) and, with `decode`, the decoder on that code and the
   * upsampling; timed as `spanName`.
   */
  encode(step: NetworkStep, spanName: string, decode: boolean): Promise<GPUCommandEncoder>;
  /**
   * The prediction from history buffer `history`: for a state-conditioned model first the state
   * input (`recordStateInput` records its kernel) and the state encoder (timed 'state'), then
   * the LSTM ('lstm'), then the decoder on the prediction and the upsampling ('decode').
   */
  predict(step: NetworkStep, history: number, recordStateInput: ((pass: GPUComputePassEncoder) => void) | null): Promise<GPUCommandEncoder>;
  /**
   * Records the encoder (`encoderInput` -> `code`) and, with `decode`, the decoder on that code
   * (not the upsampling) into `pass` as dispatches that run only when the fallback was armed
   * (a discarded prediction; `fallbackArgs`), with the arming before them. Absent where a
   * runtime cannot gate its work on the GPU (ORT): the predictor then encodes every step.
   */
  recordGatedEncode?(pass: GPUComputePassEncoder, decode: boolean): void;
  /** Runs one network on caller-provided GPU tensors, submitted and awaited (see LatentPressurePredictor.runNetwork). */
  runNetwork(net: LatentNetwork, feeds: Record<string, ort.Tensor>, fetches: Record<string, ort.Tensor>): Promise<void>;
  /** GPU memory of the weights and scratch activations (bytes), or null when the runtime does not say (ORT). */
  readonly gpuBytes: number | null;
  /** Multiply-adds of one run of each network on this grid, where the runtime knows them (WGSL; absent for ORT). */
  readonly multiplyAdds?: NetworkMultiplyAdds;
  /** Frees the networks (ORT sessions are released; the device stays alive). */
  destroy(): void;
}
