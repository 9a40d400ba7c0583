import { FrameReadout } from '../gpu/frame-readout';
import type { Vec3 } from '../scene/scene-description';
import type { GpuShape } from '../solver/shape-packing';
import { BODY_SUMS_LAYOUT, BodyForcesPass, MAX_BODIES } from './body-forces-pass';
import { bodyShapeProjectedAreas, validateBodyShape, type Quat } from './body-shape';
import { LiquidBody, stateProblem, type BodyForces, type BodyState, type LiquidBodyOptions } from './liquid-body';

/** Staging buffers of the bodies' readback ring: a frame is skipped (never waited for) when all are mapping. */
export const BODY_READBACK_SLOTS = 3;

/** A liquid force larger than this many times the weight of the liquid the body displaces whole is clamped to it. */
export const BODY_FORCE_LIMIT = 4;

/** Counters of the readback ring, for tests and overlays. */
export interface BodyCounters {
  /** Frames whose sums were copied and mapped (one readback each, for all bodies). */
  measuredFrames: number;
  /** Frames with bodies not measured because every staging buffer was still mapping. */
  skippedFrames: number;
  /** Readings handed to bodies. */
  deliveredReadings: number;
}

/** What a measured frame's readback carries besides the sums. */
interface FrameMeta {
  frame: number;
  gravity: Vec3;
  bodies: { body: LiquidBody; state: BodyState }[];
}

const DEFAULTS = { dragCoefficient: 1, linearDrag: 0.25, addedMassCoefficient: 0.5 };
const RANGES = { dragCoefficient: [0, 10], linearDrag: [0, 10], addedMassCoefficient: [0, 5] } as const;

/**
 * The rigid bodies coupled with one liquid (`solver.bodies`). Each body is a moving solid of
 * its shape (the obstacle path, after the solver's own obstacles); at the end of each frame one
 * GPU reduction measures the pressure and drag input of every body, copied into a free buffer
 * of a small ring of staging buffers and mapped without waiting: each body's `forces` is
 * updated one or two frames later. The frame never waits for it.
 */
export class LiquidBodies extends FrameReadout<FrameMeta> {
  /** Where warnings about bad body states go (default console.warn). */
  onWarning: (message: string) => void = (message) => console.warn(`latent-liquid: ${message}`);
  readonly counters: BodyCounters = { measuredFrames: 0, skippedFrames: 0, deliveredReadings: 0 };
  private readonly list: LiquidBody[] = [];
  private nextId = 1;
  private removedSinceStep = false;
  private measured: FrameMeta['bodies'] = [];

  /**
   * @param room how many more solids the solver's shape table holds
   * @param density the liquid's density (kg/m^3)
   */
  constructor(device: GPUDevice, private readonly pass: BodyForcesPass, private readonly room: () => number, private readonly density: number) {
    super(device, 'liquid.bodies', BODY_READBACK_SLOTS, BodyForcesPass.resultBytes(MAX_BODIES));
  }

  /** The coupled bodies, in the order they were added. */
  get bodies(): readonly LiquidBody[] {
    return this.list;
  }

  /**
   * Couples a body from the next step on. At most MAX_BODIES (16), and only while the solver's
   * shape table has room (LiquidSolverOptions.extraShapeCapacity).
   * @throws RangeError naming the wrong field and its allowed range, or the limit reached
   */
  add(options: LiquidBodyOptions): LiquidBody {
    if (this.destroyed) throw new Error('bodies.add: the solver was destroyed');
    const shape = validateBodyShape(options?.shape);
    const mass = options.mass;
    if (typeof mass !== 'number' || !Number.isFinite(mass) || mass <= 0) throw new RangeError(`mass must be a finite number > 0 (kg) (got ${String(mass)})`);
    const tuning = { ...DEFAULTS };
    for (const key of Object.keys(RANGES) as (keyof typeof RANGES)[]) {
      const v = options[key];
      if (v === undefined) continue;
      const [lo, hi] = RANGES[key];
      if (typeof v !== 'number' || !(v >= lo && v <= hi)) throw new RangeError(`${key} must be a number in [${lo}, ${hi}] (got ${String(v)})`);
      tuning[key] = v;
    }
    const state: BodyState = options.state ?? { position: [0, 0, 0], rotation: [0, 0, 0, 1], linearVelocity: [0, 0, 0], angularVelocity: [0, 0, 0] };
    const problem = stateProblem(state);
    if (problem) throw new RangeError(problem);
    if (this.list.length >= MAX_BODIES) throw new RangeError(`bodies.add: at most ${MAX_BODIES} bodies at once; remove one first (body.remove())`);
    if (this.room() < 1) throw new RangeError('bodies.add: the solver\'s shape table is full (raise LiquidSolverOptions.extraShapeCapacity)');
    const body = new LiquidBody(this.nextId++, { name: options.name ?? `body ${this.nextId - 1}`, shape, mass, ...tuning, state },
      (b) => this.drop(b), (m) => this.onWarning(m));
    body.setState(state);
    this.list.push(body);
    return body;
  }

  private drop(body: LiquidBody): void {
    const i = this.list.indexOf(body);
    if (i >= 0) this.list.splice(i, 1);
    this.removedSinceStep = true;
  }

  /** @internal Whether the solids must be recomposed this step (bodies move every step; a removal too). */
  consumeChanged(): boolean {
    const changed = this.list.length > 0 || this.removedSinceStep;
    this.removedSinceStep = false;
    return changed;
  }

  /** @internal The bodies as moving solids, in order (entries `firstSolid + i` of the motion table). */
  solidShapes(): GpuShape[] {
    return this.list.map((b) => b.solidShape());
  }

  /**
   * @internal Whether this frame is measured (bodies exist and a staging buffer is free); counts
   * a skipped frame otherwise. Uploads the bodies; body i is solid `firstSolid + i`.
   */
  beginFrame(firstSolid: number): boolean {
    if (this.destroyed || this.list.length === 0) return false;
    if (!this.ring.acquire()) {
      this.counters.skippedFrames++;
      return false;
    }
    this.measured = this.list.map((body) => ({ body, state: body.state }));
    this.pass.setBodies(this.list.map((body, i) => ({ shape: body.shape, gpu: body.solidShape(), solidId: firstSolid + i + 1 })));
    return true;
  }

  /** @internal Encodes the reduction (after the frame's projection). */
  measure(pass: GPUComputePassEncoder): void {
    this.pass.measure(pass);
  }

  /** @internal Copies the sums into the frame's staging buffer (after `measure`, same submission). */
  encodeCopy(encoder: GPUCommandEncoder, frame: number, gravity: Vec3): void {
    this.ring.encodeCopy(encoder, this.pass.results, BodyForcesPass.resultBytes(this.measured.length), { frame, gravity: [...gravity], bodies: this.measured });
  }

  /** @internal After the submission: maps the staging buffer without waiting. */
  afterSubmit(): void {
    if (this.ring.afterSubmit()) this.counters.measuredFrames++;
  }

  protected deliver(meta: FrameMeta, data: ArrayBuffer): void {
    if (this.destroyed) return;
    meta.bodies.forEach(({ body, state }, n) => {
      if (body.removed) return;
      const sums = BODY_SUMS_LAYOUT.unpack(data, n * BODY_SUMS_LAYOUT.stride);
      const forces = bodyForcesFromSums(body, state.rotation, sums as unknown as BodySumsValues, meta.gravity, this.density, meta.frame);
      this.counters.deliveredReadings++;
      body.receive(forces, BODY_FORCE_LIMIT * this.density * Math.hypot(...meta.gravity) * body.volume, state);
    });
  }

  /** Uncouples every body (`destroy` then frees the staging buffers). */
  protected release(): void {
    for (const b of [...this.list]) b.remove();
  }
}

/** One body's sums as the GPU (or the CPU reference) leaves them. */
export interface BodySumsValues {
  force: Vec3;
  /** The torque of the wetted faces along x (y, z): each rescaled with its axis's force. */
  torqueX: Vec3;
  torqueY: Vec3;
  torqueZ: Vec3;
  wettedArea: number;
  relativeVelocity: Vec3;
  boundaryArea: Vec3;
}

/**
 * A body's forces from its sums: the pressure force rescaled per grid axis from the grid's
 * projected area (half the boundary area along it) to the shape's exact one, and the torque of
 * each axis's faces by the same factor; the drag model
 * (docs/bodies.md) F = density A_w (k + C_d |u| / 8) u with u the mean relative velocity of the
 * liquid over the wetted area A_w (C_d / 8 = (1/2) C_d (A_w / 4): a quarter of the wetted area
 * faces the flow, exact for a sphere). The angular part of the drag is applied with the body's
 * angular velocity at the time (LiquidBody.appliedForces).
 */
export function bodyForcesFromSums(body: LiquidBody, rotation: Quat, sums: BodySumsValues, gravity: Vec3, density: number, frame: number): BodyForces {
  const projected = bodyShapeProjectedAreas(body.shape, rotation);
  const rescale = [0, 1, 2].map((a) => {
    const gridArea = sums.boundaryArea[a] / 2;
    return gridArea > 0 ? projected[a] / gridArea : 0;
  });
  const pressureForce = [0, 1, 2].map((a) => sums.force[a] * rescale[a]) as Vec3;
  // The torque of the faces along each axis is rescaled with that axis's force (same faces, same
  // pressures, same lever arms): a torque-free pressure field stays torque-free.
  const byAxis = [sums.torqueX, sums.torqueY, sums.torqueZ];
  const pressureTorque = [0, 1, 2].map((c) => byAxis[0][c] * rescale[0] + byAxis[1][c] * rescale[1] + byAxis[2][c] * rescale[2]) as Vec3;
  const area = sums.wettedArea;
  const u: Vec3 = area > 0 ? [sums.relativeVelocity[0] / area, sums.relativeVelocity[1] / area, sums.relativeVelocity[2] / area] : [0, 0, 0];
  const linear = density * area * (body.linearDrag + (body.dragCoefficient * Math.hypot(...u)) / 8);
  const g = Math.hypot(...gravity);
  const up = g > 0 ? -(pressureForce[0] * gravity[0] + pressureForce[1] * gravity[1] + pressureForce[2] * gravity[2]) / g : 0;
  const submergedFraction = g > 0 ? Math.min(1, Math.max(0, up / (density * g * body.volume))) : 0;
  return {
    frame, pressureForce, pressureTorque,
    dragForce: [u[0] * linear, u[1] * linear, u[2] * linear],
    wettedArea: area, relativeVelocity: u, submergedFraction,
  };
}
