import type { Vec3 } from '../scene/scene-description';
import type { GpuShape } from '../solver/shape-packing';
import { bodyShapeHalfExtents, bodyShapeInertia, bodyShapeProjectedAreas, bodyShapeRadius, bodyShapeVolume, type BodyShape, type Quat } from './body-shape';

/** Where a body is and how it moves (grid frame: metres from the domain's min corner). */
export interface BodyState {
  /** Centre of mass, the shape's centre (m). */
  position: Vec3;
  /** Unit quaternion [x, y, z, w], body to grid (normalized when set). */
  rotation: Quat;
  /** m/s. */
  linearVelocity: Vec3;
  /** rad/s about `position`. */
  angularVelocity: Vec3;
}

/** How the liquid pushes a body, read back one or two frames after the frame it describes. */
export interface BodyForces {
  /** The solver's frame it describes (as FrameMetrics.frame). */
  frame: number;
  /** Pressure force, integrated over the wetted surface and rescaled to the shape's projected areas (N). */
  pressureForce: Vec3;
  /** Pressure torque about the centre (N m). */
  pressureTorque: Vec3;
  /** Drag from the liquid's velocity relative to the body (N), see docs/bodies.md. */
  dragForce: Vec3;
  /** Wetted boundary area on the grid (m^2). */
  wettedArea: number;
  /** Mean velocity of the liquid next to the wetted surface relative to the body's material there (m/s). */
  relativeVelocity: Vec3;
  /**
   * The pressure force against gravity over the weight of the liquid the whole body would
   * displace, in [0, 1]: in still liquid, the fraction of the body's volume under water.
   */
  submergedFraction: number;
}

/** Options of a coupled body. */
export interface LiquidBodyOptions {
  /** Names the body in warnings (an entity's name). */
  name?: string;
  shape: BodyShape;
  /** kg, > 0. Its density relative to the liquid's is mass / (volume * liquid density). */
  mass: number;
  /** Quadratic drag coefficient C_d of the drag model (default 1, range [0, 10]). */
  dragCoefficient?: number;
  /** Linear drag speed k (m/s) of the drag model (default 0.25, range [0, 10]). */
  linearDrag?: number;
  /** Added mass coefficient C_a of the stability remedy (default 0.5, range [0, 5]). */
  addedMassCoefficient?: number;
  /** The first state (default: at the origin, at rest). */
  state?: BodyState;
}

/** What the physics engine should apply this frame (before its step), besides its own gravity. */
export interface AppliedForces {
  /** N. */
  force: Vec3;
  /** N m. */
  torque: Vec3;
}

/**
 * A rigid body coupled with the liquid (made by `solver.bodies.add`): the liquid sees it as a
 * moving solid of its shape with its velocities; it gets the liquid's pressure and drag back
 * (`forces`, one or two frames late) and `appliedForces` turns them into what an engine applies.
 */
export class LiquidBody {
  readonly id: number;
  readonly name: string;
  readonly shape: BodyShape;
  readonly mass: number;
  /** m^3. */
  readonly volume: number;
  readonly dragCoefficient: number;
  readonly linearDrag: number;
  readonly addedMassCoefficient: number;
  /** The latest reading (null before the first arrives). */
  forces: BodyForces | null = null;
  /** The smoothed liquid force and torque that `appliedForces` uses (the stability remedy's filter). */
  private smoothed: { force: Vec3; torque: Vec3; drag: Vec3; relativeSpeed: number; submerged: number; at: Vec3 } | null = null;
  private current: BodyState;
  private isRemoved = false;

  /** @internal made by LiquidBodies.add (validated there). */
  constructor(id: number, options: Required<Omit<LiquidBodyOptions, 'state' | 'name'>> & { name: string; state: BodyState },
    private readonly onRemove: (body: LiquidBody) => void, private readonly warn: (message: string) => void) {
    this.id = id;
    this.name = options.name;
    this.shape = options.shape;
    this.mass = options.mass;
    this.volume = bodyShapeVolume(options.shape);
    this.dragCoefficient = options.dragCoefficient;
    this.linearDrag = options.linearDrag;
    this.addedMassCoefficient = options.addedMassCoefficient;
    this.current = options.state;
  }

  /** The last state set (copies). */
  get state(): BodyState {
    return structuredClone(this.current);
  }

  /** Whether `remove()` was called (or the solver destroyed). */
  get removed(): boolean {
    return this.isRemoved;
  }

  /** Radius of the sphere about the centre that holds the shape (m). */
  get radius(): number {
    return bodyShapeRadius(this.shape);
  }

  /**
   * Sets where the body is and how it moves, for the next step (every frame, from the physics
   * engine). A state with a non-finite number or a zero quaternion is refused with a warning
   * naming the body; the previous state stays.
   */
  setState(state: BodyState): void {
    const problem = stateProblem(state);
    if (problem) {
      this.warn(`liquid body "${this.name}": ${problem}; the previous state stays`);
      return;
    }
    const q = state.rotation;
    const n = Math.hypot(q[0], q[1], q[2], q[3]);
    this.current = {
      position: [...state.position], rotation: [q[0] / n, q[1] / n, q[2] / n, q[3] / n],
      linearVelocity: [...state.linearVelocity], angularVelocity: [...state.angularVelocity],
    };
  }

  /** Stops coupling the body from the next step on; readings in flight are dropped. */
  remove(): void {
    if (this.isRemoved) return;
    this.isRemoved = true;
    this.onRemove(this);
  }

  /** @internal The body as a moving solid for the solver. */
  solidShape(): GpuShape {
    const s = this.current;
    return {
      kind: this.shape.kind, center: [...s.position], halfExtents: bodyShapeHalfExtents(this.shape), rotation: [...s.rotation],
      linearVelocity: [...s.linearVelocity], angularVelocity: [...s.angularVelocity],
    };
  }

  /** @internal A reading arrived: keep it and update the smoothed pressure force and torque and the drag. */
  receive(forces: BodyForces, limit: number, measuredAt: BodyState): void {
    this.forces = forces;
    // Clamp: a pressure force beyond `limit` (an impact, a pressure spike) is scaled down to it.
    const size = Math.hypot(...forces.pressureForce);
    const force = size > limit ? scale(forces.pressureForce, limit / size) : forces.pressureForce;
    const prev = this.smoothed;
    // Smoothing: each reading moves the force, torque and drag halfway (an exponential filter
    // over about two frames). The pressure of a step answers the body's acceleration in the
    // step before (the liquid it pushes away: added mass); used as read, that reaction swings
    // sign every frame on a light body.
    this.smoothed = prev
      ? {
        force: mix(prev.force, force, 0.5), torque: mix(prev.torque, forces.pressureTorque, 0.5), drag: mix(prev.drag, forces.dragForce, 0.5),
        relativeSpeed: 0.5 * (prev.relativeSpeed + Math.hypot(...forces.relativeVelocity)), submerged: 0.5 * (prev.submerged + forces.submergedFraction),
        // Where the smoothed force was measured: the same filter over the readings' positions.
        at: mix(prev.at, measuredAt.position, 0.5),
      }
      : {
        force, torque: forces.pressureTorque, drag: forces.dragForce, relativeSpeed: Math.hypot(...forces.relativeVelocity), submerged: forces.submergedFraction,
        at: [...measuredAt.position],
      };
  }

  /**
   * What the physics engine applies this frame, before its step of `dt` seconds, for a body
   * whose mass it integrates with `gravity` (m/s^2, the frame the forces are in) applied by
   * itself. Stability remedy (docs/bodies.md): the pressure force is clamped (BODY_FORCE_LIMIT
   * times the weight of the liquid the whole body displaces) and smoothed over about two
   * readings; the drag is limited to what stops the relative motion within one step (explicit
   * drag on a light body would overshoot), the angular drag uses the body's angular velocity
   * now; the liquid force is corrected for the added mass m_a = C_a * density * submerged volume
   * that the lagged pressure cannot resolve: the engine's m a = F + m g then equals
   * (m + m_a) a = F_liquid + m g, so F = (m F_liquid - m_a m g) / (m + m_a); the torque is scaled
   * by m / (m + m_a). Zero before the first reading.
   * @param liquidDensity kg/m^3 (the scene's density)
   */
  appliedForces(gravity: Vec3, liquidDensity: number, dt: number): AppliedForces {
    const s = this.smoothed;
    if (!s || !(dt > 0)) return { force: [0, 0, 0], torque: [0, 0, 0] };
    const m = this.mass;
    const ma = this.addedMassCoefficient * liquidDensity * this.volume * Math.min(1, Math.max(0, s.submerged));
    const k = m / (m + ma);
    const dragLimit = ((m + ma) * s.relativeSpeed) / dt;
    const dragSize = Math.hypot(...s.drag);
    const drag = dragSize > dragLimit ? scale(s.drag, dragLimit / dragSize) : s.drag;
    const w = this.current.angularVelocity;
    const r = this.radius;
    const wetted = this.forces?.wettedArea ?? 0;
    const spin = Math.hypot(...w);
    let angular = liquidDensity * wetted * r * r * (this.linearDrag + (this.dragCoefficient * spin * r) / 8);
    angular = Math.min(angular, Math.min(...bodyShapeInertia(this.shape, m)) / dt);
    const liquid = add(add(s.force, drag), this.lagCompensation(gravity, liquidDensity, s));
    // Along gravity, a body crossing the surface has the heave added mass of its waterplane
    // (heaveAddedMass); across it, ma. Each direction: F = (m F_liquid - m_a m g) / (m + m_a).
    const g = Math.hypot(...gravity);
    const maHeave = Math.max(ma, this.heaveAddedMass(gravity, liquidDensity, s.submerged));
    if (g === 0 || maHeave === ma) {
      return {
        force: [0, 1, 2].map((a) => k * liquid[a] - ma * k * gravity[a]) as Vec3,
        torque: [0, 1, 2].map((a) => k * s.torque[a] - angular * w[a]) as Vec3,
      };
    }
    const up: Vec3 = [-gravity[0] / g, -gravity[1] / g, -gravity[2] / g];
    const vertical = dot(liquid, up);
    const heave = (m * vertical + maHeave * m * g) / (m + maHeave);
    return {
      force: [0, 1, 2].map((a) => k * (liquid[a] - vertical * up[a]) + heave * up[a]) as Vec3,
      torque: [0, 1, 2].map((a) => k * s.torque[a] - angular * w[a]) as Vec3,
    };
  }

  /**
   * The added mass along gravity of a body crossing the surface (submerged fraction between 0.02
   * and 0.98; 0 otherwise): C_a density (8/3) a^3, with a = sqrt(A / pi) the radius of a disk of
   * the shape's area A projected along gravity. With the default C_a of 0.5 it is (4/3) density
   * a^3, the impulsive heave added mass of a flat disk on a free surface: the response a
   * projection with zero pressure at the surface gives to a body pushing down on it. A flat
   * body's waterplane pushes far more liquid than its submerged volume does (a flat box of 0.1
   * with a 0.24 m square waterplane: 3.3 kg against 0.35 kg from C_a density V f), and the
   * solver's own reaction to that, a frame late, exceeds such a light body's inertia: explicit
   * coupling then swings and pumps the heave (the added-mass instability of partitioned
   * fluid-structure coupling) unless the body's inertia includes it.
   */
  private heaveAddedMass(gravity: Vec3, liquidDensity: number, submerged: number): number {
    const g = Math.hypot(...gravity);
    if (g === 0 || submerged <= 0.02 || submerged >= 0.98) return 0;
    const up: Vec3 = [-gravity[0] / g, -gravity[1] / g, -gravity[2] / g];
    const areas = bodyShapeProjectedAreas(this.shape, this.current.rotation);
    const waterplane = Math.abs(up[0]) * areas[0] + Math.abs(up[1]) * areas[1] + Math.abs(up[2]) * areas[2];
    const radius = Math.sqrt(waterplane / Math.PI);
    return this.addedMassCoefficient * liquidDensity * (8 / 3) * radius ** 3;
  }

  /**
   * The change of buoyancy since the smoothed force was measured, for a body that crosses the
   * surface: the readings are one or two frames old and the filter averages them over about two
   * more, and a spring force that lags its displacement pumps energy into the motion (negative
   * damping k tau). The smoothed force is the filter's average of readings taken at the
   * readings' positions, so it is the buoyancy at the filter's average of those positions
   * (`at`, the same filter): the hydrostatic stiffness of the waterplane, density |g| A (A the
   * shape's area projected along gravity), times the body's rise since that position is taken off.
   */
  private lagCompensation(gravity: Vec3, liquidDensity: number, s: { submerged: number; at: Vec3 }): Vec3 {
    const g = Math.hypot(...gravity);
    if (g === 0 || s.submerged <= 0.02 || s.submerged >= 0.98) return [0, 0, 0];
    const up: Vec3 = [-gravity[0] / g, -gravity[1] / g, -gravity[2] / g];
    const moved: Vec3 = [0, 1, 2].map((a) => this.current.position[a] - s.at[a]) as Vec3;
    const areas = bodyShapeProjectedAreas(this.shape, this.current.rotation);
    const waterplane = Math.abs(up[0]) * areas[0] + Math.abs(up[1]) * areas[1] + Math.abs(up[2]) * areas[2];
    return scale(up, -liquidDensity * g * waterplane * dot(moved, up));
  }
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

function scale(a: Vec3, k: number): Vec3 {
  return [a[0] * k, a[1] * k, a[2] * k];
}

function mix(a: Vec3, b: Vec3, t: number): Vec3 {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

const finiteVec = (v: unknown, n: number) => Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** Why a state is unusable (null when it is fine). */
export function stateProblem(state: BodyState): string | null {
  if (!state || typeof state !== 'object') return 'state must be { position, rotation, linearVelocity, angularVelocity }';
  for (const key of ['position', 'linearVelocity', 'angularVelocity'] as const) {
    if (!finiteVec(state[key], 3)) return `state.${key} must be three finite numbers (got ${JSON.stringify(state[key])})`;
  }
  if (!finiteVec(state.rotation, 4) || Math.hypot(...state.rotation) < 1e-9) {
    return `state.rotation must be a non-zero quaternion [x, y, z, w] of finite numbers (got ${JSON.stringify(state.rotation)})`;
  }
  return null;
}
