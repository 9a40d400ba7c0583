import * as pc from 'playcanvas';
import {
  MAX_DETECTORS, resolveRegion, validateDetectorRegion,
  type DetectorCallback, type DetectorHandle, type DetectorReading, type DetectorRegion, type LiquidSolver, type OrientedRegion, type Vec3,
} from '../src/index';

/** Options of LiquidVolumeController.watch. */
export interface LiquidWatchOptions {
  /**
   * 'local' (default): the region is in the liquid's own frame (metres in the box [0, n*dx] of
   * its entity's local space) and readings' velocities too. 'world': the region is in world
   * space, converted every frame (the liquid entity may move; the liquid entity is assumed
   * unscaled or uniformly scaled), and `meanVelocity` is turned into world space.
   */
  space?: 'local' | 'world';
}

/** A detector of the component: survives rebuilds of the liquid (a new grid, a restored device). */
export interface LiquidWatchHandle {
  /** The region as last given, in its `space`. */
  readonly region: DetectorRegion;
  readonly removed: boolean;
  /**
   * Moves or resizes the region (in its `space`) from the next frame on.
   * @throws SceneValidationError naming the field and its allowed range; the region stays
   */
  setRegion(region: DetectorRegion): void;
  /** Stops it; safe inside its callback. */
  remove(): void;
}

interface Watcher {
  region: DetectorRegion;
  callback: DetectorCallback;
  space: 'local' | 'world';
  /** The region on the current solver, and its detector there. */
  placed: string;
  detector: DetectorHandle | null;
  removed: boolean;
}

/**
 * The detectors of a PlayCanvas liquid: `watch` registers a region (liquid or world space) and a
 * callback once; they are registered on every solver the component builds, and world-space
 * regions follow the liquid entity each frame (`update`).
 */
export class LiquidWatchers {
  private readonly watchers = new Set<Watcher>();
  private solver: LiquidSolver | null = null;
  private readonly inv = new pc.Mat4();
  private readonly rot = new pc.Quat();
  private readonly invRot = new pc.Quat();

  /** @param warn where a world-space region that no longer converts (a degenerate liquid transform) is reported; it keeps its last place */
  constructor(private readonly liquid: pc.Entity, private readonly warn: (message: string) => void = (m) => console.warn(m)) {}

  /**
   * Watches a region: `callback` gets the liquid volume and mean velocity inside it, a frame or
   * two late (see the core's LiquidSolver.watch). At most MAX_DETECTORS (16) on a liquid.
   * @throws SceneValidationError naming the region's wrong field; RangeError beyond MAX_DETECTORS
   */
  watch(region: DetectorRegion, callback: DetectorCallback, options: LiquidWatchOptions = {}): LiquidWatchHandle {
    const checked = validateDetectorRegion(region);
    if (typeof callback !== 'function') throw new TypeError(`watch: callback must be a function (got ${typeof callback})`);
    if (this.watchers.size >= MAX_DETECTORS) throw new RangeError(`watch: at most ${MAX_DETECTORS} detectors on a liquid; remove one first (handle.remove())`);
    const w: Watcher = { region: checked, callback, space: options.space === 'world' ? 'world' : 'local', placed: '', detector: null, removed: false };
    if (this.solver) this.place(w, this.solver);
    this.watchers.add(w);
    return {
      get region() { return structuredClone(w.region); },
      get removed() { return w.removed; },
      setRegion: (next: DetectorRegion) => {
        if (w.removed) return;
        w.region = validateDetectorRegion(next);
        if (this.solver) this.place(w, this.solver);
      },
      remove: () => {
        w.removed = true;
        w.detector?.remove();
        w.detector = null;
        this.watchers.delete(w);
      },
    };
  }

  /** Registers every watcher on a new solver. */
  attach(solver: LiquidSolver): void {
    this.solver = solver;
    for (const w of this.watchers) {
      w.placed = '';
      w.detector = null;
      this.place(w, solver);
    }
  }

  /** The solver went away (its detectors with it). */
  detach(): void {
    this.solver = null;
    for (const w of this.watchers) w.detector = null;
  }

  /** Before a step: world-space regions follow the liquid entity. */
  update(): void {
    const solver = this.solver;
    if (!solver) return;
    for (const w of this.watchers) {
      if (w.space !== 'world') continue;
      try {
        this.place(w, solver);
      } catch (e) {
        this.warn(`latent-liquid: a world-space detector region cannot be placed in the liquid: ${(e as Error).message}`);
      }
    }
  }

  /** Puts the watcher's region on the solver (registering it first if needed); nothing when unchanged. */
  private place(w: Watcher, solver: LiquidSolver): void {
    const region = w.space === 'world' ? this.toLocal(w.region) : w.region;
    const key = JSON.stringify(region);
    if (w.detector && key === w.placed) return;
    if (w.detector) {
      w.detector.setRegion(region);
    } else {
      const callback = w.space === 'world' ? (r: DetectorReading) => w.callback({ ...r, meanVelocity: this.toWorldVector(r.meanVelocity) }) : w.callback;
      w.detector = solver.watch(region, callback);
    }
    w.placed = key;
  }

  /** A world-space region in the liquid's frame (an oriented region). */
  private toLocal(region: DetectorRegion): OrientedRegion {
    const r = resolveRegion(region);
    this.inv.copy(this.liquid.getWorldTransform()).invert();
    const center = this.inv.transformPoint(new pc.Vec3(...r.center), new pc.Vec3());
    this.invRot.copy(this.liquid.getRotation()).invert();
    const q = new pc.Quat().mul2(this.invRot, new pc.Quat(r.rotation[0], r.rotation[1], r.rotation[2], r.rotation[3]));
    const s = this.liquid.getWorldTransform().getScale(new pc.Vec3());
    const scale = Math.max(Math.abs(s.x), Math.abs(s.y), Math.abs(s.z)) || 1;
    return {
      kind: r.kind,
      center: [center.x, center.y, center.z],
      halfExtents: r.kind === 'sphere' ? [r.halfExtents[0] / scale, 0, 0] : [r.halfExtents[0] / scale, r.halfExtents[1] / scale, r.halfExtents[2] / scale],
      rotation: [q.x, q.y, q.z, q.w],
    };
  }

  private toWorldVector(v: Vec3): Vec3 {
    const out = this.rot.copy(this.liquid.getRotation()).transformVector(new pc.Vec3(v[0], v[1], v[2]), new pc.Vec3());
    return [out.x, out.y, out.z];
  }
}
