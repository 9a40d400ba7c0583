import { FrameReadout } from '../gpu/frame-readout';
import type { Vec3 } from '../scene/scene-description';
import { validateDetectorRegion } from '../scene/scene-validation';
import { resolveRegion, type DetectorRegion } from './detector-region';
import { DETECTOR_SUMS_LAYOUT, DetectorsPass, MAX_DETECTORS } from './detectors-pass';

/** What a detector saw at the end of one frame. */
export interface DetectorReading {
  /** The frame it describes: the solver's `frame` once that frame's step() resolved (as FrameMetrics.frame). */
  frame: number;
  /** Simulated time at the end of that frame (s). */
  time: number;
  /** Liquid volume in the region (m^3): the sum of H(-phi) cellSize^3 over its cells, H the diagnostics' smoothed Heaviside. */
  volume: number;
  /** The region's cells whose level set is negative (liquid). */
  liquidCells: number;
  /** The region's cells: non-solid grid cells whose centres lie in the region. */
  regionCells: number;
  /** regionCells * cellSize^3 (m^3): what `volume` is when the region is full. */
  regionVolume: number;
  /** volume / regionVolume, in [0, 1] (0 for a region without cells). */
  fillFraction: number;
  /** Mean velocity of the liquid in the region (m/s): cell-centred velocities weighted by H(-phi); zero without liquid. */
  meanVelocity: Vec3;
}

/** Called with each reading of a detector, one or two frames after the frame it describes. */
export type DetectorCallback = (reading: DetectorReading) => void;

/** A detector made by `watch`. */
export interface DetectorHandle {
  /** Unique per solver. */
  readonly id: number;
  /** The region (grid metres), as last given. */
  readonly region: DetectorRegion;
  /** Whether `remove()` was called (or the solver destroyed). */
  readonly removed: boolean;
  /**
   * Moves or resizes the region from the next frame on (readings already in flight keep the old one).
   * @throws SceneValidationError naming the field and its allowed range; the region stays
   */
  setRegion(region: DetectorRegion): void;
  /** Stops the detector: its callback is never called again, also for readings in flight. Safe inside its callback. */
  remove(): void;
}

/** Counters of the readback ring, for tests and overlays. */
export interface DetectorCounters {
  /** Frames whose readings were copied and mapped. */
  measuredFrames: number;
  /** Frames with detectors that were not measured because every staging buffer was still mapping. */
  skippedFrames: number;
  /** Readings handed to callbacks. */
  deliveredReadings: number;
  /** Callbacks that threw (reported to `onCallbackError`). */
  callbackErrors: number;
}

/** Staging buffers of the readback ring: a frame is skipped (never waited for) when all are mapping. */
export const DETECTOR_READBACK_SLOTS = 3;

interface Detector {
  handle: DetectorHandle;
  callback: DetectorCallback;
}

/** What a measured frame's readback carries besides the sums. */
interface FrameMeta {
  frame: number;
  time: number;
  /** The detectors measured, in results order. */
  ids: number[];
}

/**
 * The detectors of one solver: `watch` registers a region and a callback; at the end of each
 * frame with detectors, one measurement of all of them is copied from the shared results
 * buffer into a free buffer of a small ring of mappable staging buffers and mapped without
 * waiting; when the map resolves (a frame or two later) each detector's callback gets its
 * reading. With every staging buffer still mapping the frame is not measured (counted in
 * `counters.skippedFrames`); the frame never waits for a readback.
 */
export class LiquidDetectors extends FrameReadout<FrameMeta> {
  /** Where a throwing callback's error goes (default console.error); the other detectors still get theirs. */
  onCallbackError: (error: unknown, handle: DetectorHandle) => void = (error, handle) => {
    console.error(`latent-liquid: the callback of detector ${handle.id} threw`, error);
  };
  readonly counters: DetectorCounters = { measuredFrames: 0, skippedFrames: 0, deliveredReadings: 0, callbackErrors: 0 };
  private readonly detectors = new Map<number, Detector>();
  /** The regions by detector id, in results order (insertion order). */
  private readonly regionOf = new Map<number, DetectorRegion>();
  private nextId = 1;
  private regionsDirty = false;

  constructor(device: GPUDevice, private readonly pass: DetectorsPass, private readonly cellVolume: number) {
    super(device, 'liquid.detectors', DETECTOR_READBACK_SLOTS, DetectorsPass.resultBytes(MAX_DETECTORS));
  }

  /** Detectors watching now. */
  get count(): number {
    return this.detectors.size;
  }

  /**
   * Watches a region: `callback` gets the liquid volume and mean velocity inside it for every
   * measured frame, one or two frames late. At most MAX_DETECTORS (16) at once.
   * @throws SceneValidationError naming the region's wrong field; RangeError beyond MAX_DETECTORS
   */
  watch(region: DetectorRegion, callback: DetectorCallback): DetectorHandle {
    if (this.destroyed) throw new Error('watch: the solver was destroyed');
    if (typeof callback !== 'function') throw new TypeError(`watch: callback must be a function (got ${typeof callback})`);
    let checked = validateDetectorRegion(region);
    if (this.detectors.size >= MAX_DETECTORS) {
      throw new RangeError(`watch: at most ${MAX_DETECTORS} detectors at once; remove one first (handle.remove())`);
    }
    const id = this.nextId++;
    const detectors = this.detectors;
    const self = this;
    const handle: DetectorHandle = {
      id,
      get region() { return structuredClone(checked); },
      get removed() { return !detectors.has(id); },
      setRegion(next: DetectorRegion) {
        if (!detectors.has(id)) return;
        checked = validateDetectorRegion(next);
        self.regionsDirty = true;
        self.regionOf.set(id, checked);
      },
      remove() {
        if (detectors.delete(id)) {
          self.regionOf.delete(id);
          self.regionsDirty = true;
        }
      },
    };
    this.detectors.set(id, { handle, callback });
    this.regionOf.set(id, checked);
    this.regionsDirty = true;
    return handle;
  }

  /**
   * Whether this frame is measured (detectors watch and a staging buffer is free); counts a
   * skipped frame otherwise. Uploads changed regions.
   */
  beginFrame(): boolean {
    if (this.destroyed || this.detectors.size === 0) return false;
    if (!this.ring.acquire()) {
      this.counters.skippedFrames++;
      return false;
    }
    if (this.regionsDirty) {
      this.pass.setRegions([...this.regionOf.values()].map(resolveRegion));
      this.regionsDirty = false;
    }
    return true;
  }

  /** Encodes the measurement (into the frame's compute pass). Only after beginFrame() returned true. */
  measure(pass: GPUComputePassEncoder): void {
    this.pass.measure(pass);
  }

  /** Copies the results into the frame's staging buffer (after `measure`, in the same submission). */
  encodeCopy(encoder: GPUCommandEncoder, frame: number, time: number): void {
    const ids = [...this.regionOf.keys()];
    this.ring.encodeCopy(encoder, this.pass.results, DetectorsPass.resultBytes(ids.length), { frame, time, ids });
  }

  /** After the submission: maps the staging buffer without waiting; callbacks run when it resolves. */
  afterSubmit(): void {
    if (this.ring.afterSubmit()) this.counters.measuredFrames++;
  }

  protected deliver(meta: FrameMeta, data: ArrayBuffer): void {
    if (this.destroyed) return;
    meta.ids.forEach((id, n) => {
      // Looked up per reading: a callback may remove any detector, itself included.
      const detector = this.detectors.get(id);
      if (!detector) return;
      const reading = this.decode(data, n, meta.frame, meta.time);
      this.counters.deliveredReadings++;
      try {
        detector.callback(reading);
      } catch (e) {
        this.counters.callbackErrors++;
        this.onCallbackError(e, detector.handle);
      }
    });
  }

  private decode(data: ArrayBuffer, n: number, frame: number, time: number): DetectorReading {
    const s = DETECTOR_SUMS_LAYOUT.unpack(data, n * DETECTOR_SUMS_LAYOUT.stride);
    const fraction = s.liquidFraction as number;
    const weighted = s.weightedVelocity as number[];
    const regionCells = s.regionCells as number;
    const volume = fraction * this.cellVolume;
    const regionVolume = regionCells * this.cellVolume;
    return {
      frame, time, volume, regionVolume, regionCells,
      liquidCells: s.liquidCells as number,
      fillFraction: regionVolume > 0 ? volume / regionVolume : 0,
      meanVelocity: fraction > 0 ? [weighted[0] / fraction, weighted[1] / fraction, weighted[2] / fraction] : [0, 0, 0],
    };
  }

  /** Removes every detector (`destroy` then frees the staging buffers; maps in flight are abandoned). */
  protected release(): void {
    this.detectors.clear();
    this.regionOf.clear();
  }
}
