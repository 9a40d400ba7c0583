import encodeSource from '../../shaders/latent/latent-encode.wgsl';
import applySource from '../../shaders/latent/latent-apply.wgsl';
import historySource from '../../shaders/latent/latent-history.wgsl';
import latentCommon from '../../shaders/latent/latent-common.wgsl';
import { dispatch, KernelFamily, workgroups3d } from '../gpu/compute-kernel';
import { WgslStructLayout } from '../gpu/wgsl-struct';
import type { GpuTimer } from '../gpu/gpu-timer';
import { readBuffer } from '../gpu/readback';
import type { Vec3 } from '../scene/scene-description';
import type { LiquidSolver } from '../solver/liquid-solver';
import { DecodedUpsampler } from './decoded-upsampler';
import type { LatentNetwork, LatentNetworks, LatentRuntimeChoice, LatentRuntimeKind, NetworkMultiplyAdds, NetworkStep } from './latent-networks';
import { decodedDims, decoderDownsample, latentDims, ModelError, type ModelFiles, type ModelManifest } from './model-manifest';
import { OrtLatentNetworks } from './ort-latent-networks';
import type { ort, OrtOptions } from './ort-session';
import { StateInputKernel } from './state-input-kernel';
import { WgslLatentNetworks } from './wgsl/wgsl-latent-networks';

export type { LatentNetwork, LatentRuntimeChoice, LatentRuntimeKind } from './latent-networks';

/**
 * How a decoded prediction becomes pressure. 'delta' (default): the change since the last
 * solved step, p = anchor + D(predicted code) - D(anchor code); the decoder's slowly varying
 * reconstruction error cancels (measured: README). 'direct': p = D(predicted code), as in the paper.
 */
export type PredictionForm = 'delta' | 'direct';

/**
 * What a predicted step puts into the history. 'encode-used' (today's fix): the encoder's code
 * of the pressure the step used (the corrected prediction, or a discarded prediction's fallback
 * solve), so the encoder (and in delta form the decoder) run on every predicted step.
 * 'keep-predicted': a kept prediction pushes the LSTM's own predicted code (the corrections are
 * not encoded); the encoder and decoder run, gated on the GPU, only for a discarded prediction.
 * Only the WGSL runtime can gate its work on the GPU: on ORT, and for `correction: 'solve'`,
 * 'keep-predicted' encodes as 'encode-used' does.
 */
export type HistoryUpdate = 'encode-used' | 'keep-predicted';

/** Options of a predictor beyond its model. */
export interface PredictorOptions extends OrtOptions {
  predictionForm?: PredictionForm;
  /** What a predicted step pushes into the history (default 'encode-used'). */
  historyUpdate?: HistoryUpdate;
  /** What runs the networks (default 'auto': WGSL for a model it recognises, else ORT). */
  runtime?: LatentRuntimeChoice;
}

/** Counters the predictor keeps on the GPU. */
export interface LatentCounters {
  /** Predictions checked. */
  predictions: number;
  /** Predictions rejected for non-finite values (a full classical solve ran instead). */
  rejected: number;
  /** Non-finite code values kept out of the history. */
  repairedCodes: number;
  /** Predictions discarded by the adaptive divergence check (a full solve ran instead). */
  adaptiveFallbacks: number;
}

/** `LatentParams` and `LatentState` (shaders/latent/latent-common.wgsl). */
const LATENT_PARAMS = WgslStructLayout.parse(latentCommon, 'LatentParams');
const LATENT_STATE = WgslStructLayout.parse(latentCommon, 'LatentState');

/**
 * The learned pressure predictor (encoder, LSTM, decoder) on the simulation's GPUDevice,
 * through onnxruntime-web's WebGPU provider or our own WGSL kernels (`PredictorOptions.runtime`:
 * the predictor's kernels and buffers are the same, the networks run behind LatentNetworks).
 * The pressure goes to the encoder as a GPU tensor,
 * the history of latent codes stays on the GPU, and the decoded pressure is written straight
 * into the solver's pressure buffer: nothing is read back. A state-conditioned model (manifest
 * `state`) also builds, on every predicted step, the state input from the step's pressure
 * system (kernel prepareStateInput), runs the state encoder on it, and gives the LSTM the
 * state code besides the history (docs/contracts.md "State conditioning").
 */
export class LatentPressurePredictor {
  readonly manifest: ModelManifest;
  /** Latent grid [lx, ly, lz]. */
  readonly latentGrid: Vec3;
  /** Floats per latent code (C * N). */
  readonly codeCount: number;
  /** Where the model came from. */
  readonly source: string;
  /** How predictions become pressure. */
  readonly predictionForm: PredictionForm;
  /** What runs the networks. */
  readonly runtime: LatentRuntimeKind;
  /** What a predicted step pushes into the history ('keep-predicted' only where the runtime gates its work: WGSL). */
  readonly historyUpdate: HistoryUpdate;
  /** The factor s between the grid and the decoder's output (manifest latent.decoderDownsample, 1 = full resolution). */
  readonly decoderDownsample: number;
  /** Extent [x, y, z] of the decoder's output: the grid / decoderDownsample. */
  readonly decodedGrid: Vec3;

  private readonly solver: LiquidSolver;
  private readonly device: GPUDevice;
  /** The networks on the runtime asked for, bound to the buffers below. */
  private readonly networks: LatentNetworks;
  /** A state-conditioned model's state input kernel and its bind group on the solver's fields, else null. */
  private readonly stateInput: { kernel: StateInputKernel; group: GPUBindGroup } | null;
  private readonly buffers: {
    params: GPUBuffer; encoderInput: GPUBuffer; code: GPUBuffer; history: [GPUBuffer, GPUBuffer];
    prediction: GPUBuffer;
    /** The GPU counters (LatentState of latent-common.wgsl). */
    state: GPUBuffer;
    fallbackArgs: GPUBuffer;
    /**
     * A state-conditioned model's state input [Cs, nz, ny, nx] (manifest `state.inputChannels`:
     * residual, level set, solid), built on predicted steps by prepareStateInput; null without `state`.
     */
    stateInput: GPUBuffer | null;
    /**
     * Its state code [C, lz, ly, lx] from the state encoder, which the LSTM reads as its second
     * input `state` [C, N] (the same buffer, reinterpreted); null without `state`.
     */
    stateCode: GPUBuffer | null;
    /** The decoded (normalized) pressure on the grid, what the anchor and apply kernels read. */
    decoded: GPUBuffer;
    /** A coarse decoder's output (decodedGrid), upsampled into `decoded`; null when s = 1 (the decoder writes `decoded`). */
    coarse: GPUBuffer | null;
    /** [normalized dynamic pressure | its decoded reconstruction] of the last solved step. */
    anchor: GPUBuffer;
    /** The pressure before a prediction overwrote it (restored when the prediction is discarded). */
    warmStart: GPUBuffer;
    /**
     * ORT graph capture only (else null): the fixed inputs of the LSTM and the decoder. A
     * captured session replays the buffers of its first run, so the current history [w, C, N]
     * and the code to decode (this step's code or the predicted one) are copied in first.
     */
    captured: { lstmHistory: GPUBuffer; decoderInput: GPUBuffer } | null;
  };
  private readonly kernels: { encode: KernelFamily; apply: KernelFamily; history: KernelFamily };
  private readonly groups: { encode: GPUBindGroup; apply: GPUBindGroup; push: [GPUBindGroup, GPUBindGroup] };
  /** The trilinear upsampling of a coarse decoder's output into `decoded` (null when s = 1). */
  private readonly upsample: { upsampler: DecodedUpsampler; group: GPUBindGroup } | null;
  /** Index of the history buffer that holds the current history. */
  private current = 0;
  private destroyed = false;

  private constructor(init: {
    solver: LiquidSolver; files: ModelFiles; latentGrid: Vec3; buffers: LatentPressurePredictor['buffers'];
    kernels: LatentPressurePredictor['kernels']; predictionForm: PredictionForm; upsampler: DecodedUpsampler | null;
    stateKernel: StateInputKernel | null; networks: LatentNetworks; historyUpdate: HistoryUpdate;
  }) {
    this.predictionForm = init.predictionForm;
    this.historyUpdate = init.historyUpdate === 'keep-predicted' && init.networks.recordGatedEncode ? 'keep-predicted' : 'encode-used';
    this.solver = init.solver;
    this.device = init.solver.device;
    this.manifest = init.files.manifest;
    this.source = init.files.source;
    this.latentGrid = init.latentGrid;
    this.networks = init.networks;
    this.runtime = init.networks.kind;
    this.buffers = init.buffers;
    this.kernels = init.kernels;
    this.decoderDownsample = decoderDownsample(this.manifest);
    this.decodedGrid = decodedDims(this.manifest, init.solver.grid.dims);
    const [lx, ly, lz] = this.latentGrid;
    this.codeCount = this.manifest.latent.channels * lx * ly * lz;
    const b = this.buffers;
    // A coarse decoder writes `coarse`; upsampleDecoded then fills `decoded` for the kernels below.
    this.upsample = init.upsampler && b.coarse ? { upsampler: init.upsampler, group: init.upsampler.bind(b.coarse, b.decoded) } : null;
    const f = init.solver.fields;
    const k = this.kernels;
    const pushGroup = (from: number) => k.history.bindGroup({
      params: f.params, latent: b.params, historyIn: b.history[from], historyOut: b.history[1 - from], code: b.code, state: b.state, predicted: b.prediction,
    });
    this.groups = {
      encode: k.encode.bindGroup({
        params: f.params, latent: b.params, phi: f.levelSet, solidPhi: f.solidLevelSet, pressure: f.pressure,
        hydrostatic: f.hydrostaticPressure, encoderInput: b.encoderInput, decoded: b.decoded, anchor: b.anchor, state: b.state,
      }),
      apply: k.apply.bindGroup({
        params: f.params, latent: b.params, phi: f.levelSet, solidPhi: f.solidLevelSet, hydrostatic: f.hydrostaticPressure,
        decoded: b.decoded, pressure: f.pressure, state: b.state, fallbackArgs: b.fallbackArgs, anchor: b.anchor,
        warmStart: b.warmStart, solveControl: f.solveControl,
      }),
      push: [pushGroup(0), pushGroup(1)],
    };
    const sk = init.stateKernel;
    this.stateInput = sk && b.stateInput ? {
      kernel: sk,
      group: sk.bind({ params: f.params, system: f.pressureSystem, hydrostatic: f.hydrostaticPressure, phi: f.levelSet, solidPhi: f.solidLevelSet, stateInput: b.stateInput }),
    } : null;
    this.writeParams();
  }

  /**
   * Allocates the latent buffers (and, for a state-conditioned model, the state input and state
   * code buffers and the state input kernel) and loads the networks onto the solver's device
   * (through ORT or as WGSL kernels, see `PredictorOptions.runtime`).
   * @throws ModelCompatibilityError if the model cannot serve the solver's grid
   * @throws ModelError if a network fails to load or does not have the contract's inputs/outputs
   * @throws UnsupportedGraphError (a ModelError) with runtime 'wgsl' when a graph is not one the WGSL runtime knows ('auto' runs such a model on ORT)
   */
  static async create(solver: LiquidSolver, files: ModelFiles, ortOptions: PredictorOptions = {}): Promise<LatentPressurePredictor> {
    const m = files.manifest;
    const grid = solver.grid;
    const latentGrid = latentDims(m, grid.dims);
    const device = solver.device;
    const C = m.latent.channels;
    const N = latentGrid[0] * latentGrid[1] * latentGrid[2];
    const s = decoderDownsample(m);
    const coarseGrid = decodedDims(m, grid.dims);
    // 'auto' tries the WGSL runtime first; graph capture is an ORT option, so it means ORT.
    const choice: LatentRuntimeChoice = ortOptions.runtime === 'auto' && ortOptions.graphCapture ? 'ort' : ortOptions.runtime ?? (ortOptions.graphCapture ? 'ort' : 'auto');
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const made: GPUBuffer[] = [];
    let upsampler: DecodedUpsampler | null = null;
    let stateKernel: StateInputKernel | null = null;
    let networks: LatentNetworks | null = null;
    const make = (label: string, floats: number, extraUsage = 0) => {
      const b = device.createBuffer({ label, size: Math.max(16, Math.ceil((floats * 4) / 16) * 16), usage: usage | extraUsage });
      made.push(b);
      return b;
    };
    try {
      const buffers = {
        params: device.createBuffer({ label: 'latent.params', size: LATENT_PARAMS.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }),
        encoderInput: make('latent.encoderInput', m.inputChannels.length * grid.cellCount),
        code: make('latent.code', C * N),
        history: [make('latent.historyA', m.window * C * N), make('latent.historyB', m.window * C * N)] as [GPUBuffer, GPUBuffer],
        prediction: make('latent.prediction', m.outputs * C * N),
        decoded: make('latent.decoded', grid.cellCount),
        coarse: s > 1 ? make('latent.decodedCoarse', coarseGrid[0] * coarseGrid[1] * coarseGrid[2]) : null,
        state: make('latent.state', LATENT_STATE.size / 4),
        fallbackArgs: make('latent.fallbackArgs', 4, GPUBufferUsage.INDIRECT),
        anchor: make('latent.anchor', 2 * grid.cellCount),
        warmStart: make('latent.warmStart', grid.cellCount),
        stateInput: m.state ? make('latent.stateInput', m.state.inputChannels.length * grid.cellCount) : null,
        stateCode: m.state ? make('latent.stateCode', C * N) : null,
        captured: choice === 'ort' && ortOptions.graphCapture
          ? { lstmHistory: make('latent.capturedHistory', m.window * C * N), decoderInput: make('latent.capturedDecoderInput', C * N) } : null,
      };
      made.push(buffers.params);
      const bound = { ...buffers, decoderOutput: buffers.coarse ?? buffers.decoded };
      const onOrt = () => OrtLatentNetworks.create(device, files, bound, { grid: grid.dims, latentGrid, decodedGrid: coarseGrid }, ortOptions);
      if (choice === 'ort') networks = await onOrt();
      else {
        try {
          networks = await WgslLatentNetworks.create(device, files, grid.dims, latentGrid, bound);
        } catch (e) {
          // 'auto' leaves every model the WGSL runtime refuses (an unknown graph, unreadable bytes,
          // a contradiction with the manifest) to ORT, which reports broken ones as it always did.
          if (choice !== 'auto' || !(e instanceof ModelError)) throw e;
          networks = await onOrt();
        }
      }
      if (s > 1) upsampler = await DecodedUpsampler.create(device, coarseGrid, s);
      if (m.state) stateKernel = await StateInputKernel.create(device, grid.dims, m.state, m.levelSetClamp);
      const [encode, apply, history] = await Promise.all([
        KernelFamily.create(device, 'latentEncode', encodeSource, ['prepareEncoderInput', 'setAnchorIfDiscarded'], undefined, { prelude: latentCommon }),
        KernelFamily.create(device, 'latentApply', applySource, ['resetPredictionCheck', 'checkPrediction', 'decidePrediction', 'applyPrediction', 'decideAdaptive', 'restoreWarmStart'], undefined, { prelude: latentCommon }),
        KernelFamily.create(device, 'latentHistory', historySource, ['pushCode', 'pushUsedCode'], undefined, { prelude: latentCommon }),
      ]);
      return new LatentPressurePredictor({
        solver, files, latentGrid, buffers, kernels: { encode, apply, history }, predictionForm: ortOptions.predictionForm ?? 'delta', upsampler, stateKernel, networks,
        historyUpdate: ortOptions.historyUpdate ?? 'encode-used',
      });
    } catch (e) {
      for (const b of made) b.destroy();
      upsampler?.destroy();
      stateKernel?.destroy();
      networks?.destroy();
      throw e;
    }
  }

  private writeParams(): void {
    const m = this.manifest;
    this.device.queue.writeBuffer(this.buffers.params, 0, LATENT_PARAMS.pack({
      pressureScale: m.normalization.pressureScale, split: m.mode === 'split' ? 1 : 0, inputChannels: m.inputChannels.length,
      levelSetClamp: m.levelSetClamp, codeCount: this.codeCount, window: m.window, deltaForm: this.predictionForm === 'delta' ? 1 : 0,
      adaptiveThreshold: this.adaptiveThreshold, jacobiGroups: workgroups3d(this.solver.grid.dims),
    }));
  }

  private adaptiveThreshold = 0;

  /** Adaptive mode: the RMS divergence (1/s) above which a prediction is discarded; 0 = off. */
  setAdaptiveThreshold(threshold: number): void {
    if (threshold === this.adaptiveThreshold) return;
    this.adaptiveThreshold = threshold;
    this.writeParams();
  }

  /** Keeps the current pressure (the warm start) in case the coming prediction is discarded. */
  saveWarmStart(encoder: GPUCommandEncoder): void {
    encoder.copyBufferToBuffer(this.solver.fields.pressure, 0, this.buffers.warmStart, 0, this.solver.grid.cellCount * 4);
  }

  /**
   * Adaptive mode, after the corrections and `measureDivergence`: discards a prediction whose
   * divergence is above the threshold (restores the warm start and arms `fallbackArgs`).
   */
  decideAdaptive(encoder: GPUCommandEncoder, timer: GpuTimer | null): void {
    const pass = encoder.beginComputePass(timer?.computePass('adaptiveDecision') ?? { label: 'adaptiveDecision' });
    dispatch(pass, this.kernels.apply.pipeline('decideAdaptive'), this.groups.apply, 1);
    dispatch(pass, this.kernels.apply.pipeline('restoreWarmStart'), this.groups.apply, workgroups3d(this.solver.grid.dims));
    pass.end();
  }

  /** GPU memory of the latent buffers (bytes; ORT's own buffers and weights, and the WGSL runtime's, not included). */
  get gpuBytes(): number {
    return this.ownedBuffers.reduce((s, x) => s + x.size, 0) + (this.upsample?.upsampler.gpuBytes ?? 0) + (this.stateInput?.kernel.gpuBytes ?? 0);
  }

  /** GPU memory of the WGSL runtime's weights and scratch activations (bytes), or null with ORT (not known). */
  get networkGpuBytes(): number | null {
    return this.networks.gpuBytes;
  }

  /** Multiply-adds of one run of each network on this grid, or null when the runtime does not say (ORT). */
  get networkMultiplyAdds(): NetworkMultiplyAdds | null {
    return this.networks.multiplyAdds ?? null;
  }

  /** Every GPU buffer this predictor allocated. */
  private get ownedBuffers(): GPUBuffer[] {
    const b = this.buffers;
    return [b.params, b.encoderInput, b.code, ...b.history, b.prediction, b.decoded, ...(b.coarse ? [b.coarse] : []), b.state, b.fallbackArgs, b.anchor, b.warmStart,
      ...(b.stateInput ? [b.stateInput] : []), ...(b.stateCode ? [b.stateCode] : []),
      ...(b.captured ? [b.captured.lstmHistory, b.captured.decoderInput] : [])];
  }

  /** Model weights (bytes of the ONNX files, the state encoder's included). */
  static modelBytes(files: ModelFiles): number {
    return files.encoder.byteLength + files.lstm.byteLength + files.decoder.byteLength + (files.stateEncoder?.byteLength ?? 0);
  }

  /**
   * Encodes the solved pressure (in `fields.pressure`) into the history and, in delta form,
   * makes it the anchor of the next predictions. `encoder` holds the step's work so far; it is
   * submitted, the networks run, and the returned encoder carries the anchor update and the
   * push into the history.
   */
  encodeSolvedPressure(encoder: GPUCommandEncoder, flush: () => GPUCommandEncoder, timer: GpuTimer | null): Promise<GPUCommandEncoder> {
    return this.encodePressure(encoder, flush, timer, 'solved');
  }

  /**
   * The end of a predicted step, after the corrections, the adaptive decision and the
   * (indirect) fallback solve: encodes the pressure the step actually used into the history,
   * i.e. the corrected prediction, or the fallback solve of a discarded one. The CPU does not
   * know which (the decision is on the GPU and is never read back), so the encoder runs on
   * every predicted step; in delta form the decoder runs on the new code too, and a GPU kernel
   * makes a discarded step (which was a full solve) the anchor, as a solved step is, while an
   * accepted prediction leaves the anchor on the last solved step.
   * Cost per predicted step: one encoder run, plus one decoder run in delta form (and its
   * upsampling for a coarse decoder), plus the input kernel, the conditional anchor kernel and
   * the push (README, "The latent runtime").
   */
  encodeUsedPressure(encoder: GPUCommandEncoder, flush: () => GPUCommandEncoder, timer: GpuTimer | null, correctedBySolve = false): Promise<GPUCommandEncoder> {
    if (this.historyUpdate === 'keep-predicted' && !correctedBySolve) return Promise.resolve(this.pushKeptOrEncodeDiscarded(encoder, timer));
    return this.encodePressure(encoder, flush, timer, 'used');
  }

  /**
   * The history update 'keep-predicted' at the end of a predicted step, in one pass recorded
   * into `encoder`: the encoder input, the encoder and (delta form) the decoder, its upsampling
   * and the anchor run as indirect dispatches armed only for a discarded prediction (the fallback's
   * arguments), then the push takes the predicted code of a kept prediction or the new code of
   * a discarded one (pushUsedCode). A kept prediction thus costs the arming and the push only.
   */
  private pushKeptOrEncodeDiscarded(encoder: GPUCommandEncoder, timer: GpuTimer | null): GPUCommandEncoder {
    const pass = encoder.beginComputePass(timer?.computePass('historyUpdate') ?? { label: 'historyUpdate' });
    const e = this.kernels.encode;
    const gate = this.buffers.fallbackArgs;
    pass.setPipeline(e.pipeline('prepareEncoderInput'));
    pass.setBindGroup(0, this.groups.encode);
    pass.dispatchWorkgroupsIndirect(gate, 0);
    const delta = this.predictionForm === 'delta';
    this.networks.recordGatedEncode!(pass, delta);
    if (delta) {
      // A coarse decoder's upsampling is not gated: it refreshes `decoded`, which only the gated anchor reads.
      this.upsample?.upsampler.encode(pass, this.upsample.group);
      pass.setPipeline(e.pipeline('setAnchorIfDiscarded'));
      pass.setBindGroup(0, this.groups.encode);
      pass.dispatchWorkgroupsIndirect(gate, 0);
    }
    dispatch(pass, this.kernels.history.pipeline('pushUsedCode'), this.groups.push[this.current], Math.ceil((this.manifest.window * this.codeCount) / 64));
    pass.end();
    this.current = 1 - this.current;
    return encoder;
  }

  private async encodePressure(encoder: GPUCommandEncoder, flush: () => GPUCommandEncoder, timer: GpuTimer | null,
    step: 'solved' | 'used'): Promise<GPUCommandEncoder> {
    const grid = workgroups3d(this.solver.grid.dims);
    const pass = encoder.beginComputePass(timer?.computePass('encodeInput') ?? { label: 'encodeInput' });
    dispatch(pass, this.kernels.encode.pipeline('prepareEncoderInput'), this.groups.encode, grid);
    pass.end();
    // In delta form the decoder runs on the new code too: the anchor of the next predictions is
    // this step's dynamic pressure and the decoding of its own code (used only if this step is
    // or replaced a solve).
    const next = await this.networks.encode(this.networkStep(encoder, flush, timer), step === 'solved' ? 'encode' : 'encodeUsed', this.predictionForm === 'delta');
    if (this.predictionForm === 'delta') {
      if (step === 'solved') {
        const bytes = this.solver.grid.cellCount * 4;
        next.copyBufferToBuffer(this.buffers.encoderInput, 0, this.buffers.anchor, 0, bytes);
        next.copyBufferToBuffer(this.buffers.decoded, 0, this.buffers.anchor, bytes, bytes);
      } else {
        const anchorPass = next.beginComputePass(timer?.computePass('anchor') ?? { label: 'anchor' });
        dispatch(anchorPass, this.kernels.encode.pipeline('setAnchorIfDiscarded'), this.groups.encode, grid);
        anchorPass.end();
      }
    }
    const pushPass = next.beginComputePass({ label: 'pushCode' });
    dispatch(pushPass, this.kernels.history.pipeline('pushCode'), this.groups.push[this.current], Math.ceil((this.manifest.window * this.codeCount) / 64));
    pushPass.end();
    this.current = 1 - this.current;
    return next;
  }

  /**
   * Predicts this step's pressure from the history: the LSTM predicts the next code, the
   * decoder turns it into pressure, which is checked (non-finite values reject the whole
   * prediction and arm `fallbackArgs` for a full solve) and written into `fields.pressure`.
   * A state-conditioned model first builds the state input from the step's pressure system
   * and hydrostatic pressure (which must be current: the solver's 'pressureSystem' phase ran)
   * and runs the state encoder; the LSTM reads its code besides the history (timed as 'state').
   * The history is not touched here: `encodeUsedPressure` pushes the code of the pressure the
   * step ends up using. With the WGSL runtime everything is recorded into `current` (returned);
   * with ORT the step's work so far is submitted and a fresh encoder returned.
   */
  async predictPressure(current: GPUCommandEncoder, flush: () => GPUCommandEncoder, timer: GpuTimer | null): Promise<GPUCommandEncoder> {
    const st = this.stateInput;
    const encoder = await this.networks.predict(this.networkStep(current, flush, timer), this.current, st ? (pass) => st.kernel.encode(pass, st.group) : null);
    const pass = encoder.beginComputePass(timer?.computePass('applyPrediction') ?? { label: 'applyPrediction' });
    const a = this.kernels.apply;
    const g = workgroups3d(this.solver.grid.dims);
    dispatch(pass, a.pipeline('resetPredictionCheck'), this.groups.apply, 1);
    dispatch(pass, a.pipeline('checkPrediction'), this.groups.apply, g);
    dispatch(pass, a.pipeline('decidePrediction'), this.groups.apply, 1);
    dispatch(pass, a.pipeline('applyPrediction'), this.groups.apply, g);
    pass.end();
    return encoder;
  }

  /** The step as the networks see it; a coarse decoder's output is upsampled onto the grid right after the decoder. */
  private networkStep(encoder: GPUCommandEncoder, flush: () => GPUCommandEncoder, timer: GpuTimer | null): NetworkStep {
    const up = this.upsample;
    return { encoder, flush, timer, upsample: up ? (pass) => up.upsampler.encode(pass, up.group) : null };
  }

  /** Indirect dispatch arguments of the fallback solve: a full grid when the last prediction was rejected, else zero. */
  get fallbackArgs(): GPUBuffer {
    return this.buffers.fallbackArgs;
  }

  /** The GPU buffer holding the current history [w, C, N] (for tests and tools). */
  get historyBuffer(): GPUBuffer {
    return this.buffers.history[this.current];
  }

  /** Reads the current history [w, C, N] (tools: benchmarks restore it between runs). */
  async saveHistory(): Promise<Float32Array> {
    return new Float32Array(await readBuffer(this.device, this.historyBuffer, this.manifest.window * this.codeCount * 4));
  }

  /** Makes `data` (from saveHistory) the current history. */
  restoreHistory(data: Float32Array): void {
    this.device.queue.writeBuffer(this.historyBuffer, 0, data);
  }

  /** Internal buffers, for tests and tools. */
  get gpuBuffers(): Readonly<LatentPressurePredictor['buffers']> {
    return this.buffers;
  }

  /**
   * Runs one network on caller-provided GPU tensors (golden tests, tools), fed by the ONNX
   * input names (a state-conditioned LSTM: `history` and `state`). With the WGSL
   * runtime the tensors must have the shapes of the predictor's grid (the decoder's output:
   * `decodedGrid`, coarse for a coarse decoder, which is not upsampled here); the work is
   * submitted and awaited.
   * @throws Error for 'stateEncoder' when the model has none
   */
  async runNetwork(net: LatentNetwork, feeds: Record<string, ort.Tensor>, fetches: Record<string, ort.Tensor>): Promise<void> {
    if (net === 'stateEncoder' && !this.manifest.state) throw new Error(`runNetwork(stateEncoder): ${this.source} has no state encoder (its manifest has no state)`);
    await this.networks.runNetwork(net, feeds, fetches);
  }

  /** Reads the GPU counters (a small readback; on request only). */
  async readCounters(): Promise<LatentCounters> {
    return this.decodeCounters(await readBuffer(this.device, this.buffers.state, LATENT_STATE.size));
  }

  /** The buffer of the GPU counters and its bytes, for a copy into a readback nobody waits for (decode with `decodeCounters`). */
  get countersSource(): { buffer: GPUBuffer; bytes: number } {
    return { buffer: this.buffers.state, bytes: LATENT_STATE.size };
  }

  /** The counters in bytes copied from `countersSource`. */
  decodeCounters(data: ArrayBuffer): LatentCounters {
    const count = (name: keyof LatentCounters) => LATENT_STATE.scalar(data, name);
    return { predictions: count('predictions'), rejected: count('rejected'), repairedCodes: count('repairedCodes'), adaptiveFallbacks: count('adaptiveFallbacks') };
  }

  /** Releases the ORT sessions (or the WGSL networks) and frees the latent buffers (the state buffers included). The device stays alive. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.upsample?.upsampler.destroy();
    this.stateInput?.kernel.destroy();
    this.networks.destroy();
    for (const x of this.ownedBuffers) x.destroy();
  }
}
