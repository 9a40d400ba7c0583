import * as pc from 'playcanvas';
import { bodyShapeVolume, type BodyShape, type LiquidBody, type LiquidSolver, type Quat, type Vec3 } from '../src/index';

/** Tag that couples a dynamic rigid body with the liquid. */
export const BODY_TAG = 'liquid-body';

/** What the stats overlay shows of a coupled body. */
export interface BodyReadout {
  name: string;
  /** Its density relative to the liquid's. */
  relativeDensity: number;
  /** Fraction of its volume under water (from the pressure force, see BodyForces.submergedFraction); NaN before the first reading. */
  submergedFraction: number;
}

interface Coupled {
  body: LiquidBody;
  /** The shape it was made with (JSON), to notice a changed collision component. */
  key: string;
  /** World mass over the core body's mass (the shape's volume in grid metres differs by the liquid's scale cubed). */
  massScale: number;
}

/**
 * Couples the app's dynamic rigid bodies tagged `liquid-body` with a liquid: each frame, their
 * collision shape (box, sphere, capsule), world transform and velocities go to the solver's
 * bodies in the liquid's frame (grid metres: the liquid entity's local space divided by its
 * scale), and the liquid's force and torque (LiquidBody.appliedForces, one or two frames late)
 * go back to the rigidbody (applyForce / applyTorque, world frame) before the physics step that
 * follows. Density comes from the rigidbody's mass and the shape's volume. The liquid's scale
 * should be uniform: forces scale with it as lengths do.
 *
 * Lockstep: while bodies are coupled, the app's physics advances with the liquid, not with the
 * clock: the rigidbody system's `timeScale` is 0 and each liquid step of t seconds (the scene's
 * frame, or the frames the realtime clock owes) is preceded by the forces and one
 * `app.systems.rigidbody.step(t)`. Physics and liquid share one clock, so a GPU that cannot
 * keep up gives slow motion in both instead of bodies moving on forces the liquid has not
 * computed yet. The time scale comes back when no body is coupled.
 */
export class BodyTracker {
  private readonly coupled = new Map<pc.Entity, Coupled>();
  private solver: LiquidSolver | null = null;
  /** The rigidbody system's time scale before the lockstep took over (null: not locked). */
  private pausedPhysics: number | null = null;
  private readonly inv = new pc.Mat4();
  private readonly invRot = new pc.Quat();
  private readonly rot = new pc.Quat();
  private readonly tmp = new pc.Vec3();

  constructor(private readonly app: pc.AppBase, private readonly liquid: pc.Entity, private readonly warn: (message: string) => void) {}

  /** The coupled bodies' names, densities and submerged fractions (for the stats overlay). */
  get readouts(): BodyReadout[] {
    const density = this.solver?.scene.density ?? 1000;
    return [...this.coupled.values()].map(({ body }) => ({
      name: body.name,
      relativeDensity: body.mass / (body.volume * density),
      submergedFraction: body.forces?.submergedFraction ?? Number.NaN,
    }));
  }

  /** Forgets the bodies (a new solver: they are made again on the next update). */
  reset(): void {
    this.releasePhysics();
    for (const c of this.coupled.values()) c.body.remove();
    this.coupled.clear();
    this.solver = null;
  }

  /**
   * Before each liquid step of `simulated` seconds: finds the tagged bodies, applies the
   * liquid's latest forces to them, steps the app's physics by the same time (lockstep, see
   * the class comment), and sends the bodies' shapes and motion to `solver`.
   */
  update(solver: LiquidSolver, simulated: number): void {
    if (this.solver !== solver) this.reset();
    this.solver = solver;
    const scale = this.liquid.getWorldTransform().getScale(new pc.Vec3()).x;
    this.inv.copy(this.liquid.getWorldTransform()).invert();
    this.invRot.copy(this.liquid.getRotation()).invert();
    const seen = new Set<pc.Entity>();
    for (const node of this.app.root.findByTag(BODY_TAG)) {
      const e = node as pc.Entity;
      const rb = e.rigidbody;
      if (!(e instanceof pc.Entity) || !e.enabled || !rb?.enabled || rb.type !== pc.BODYTYPE_DYNAMIC || !e.collision) continue;
      const shape = shapeOf(e.collision, scale);
      if (!shape) {
        this.warn(`latent-liquid: "${e.name}" is tagged ${BODY_TAG} but its collision type '${e.collision.type}' is not box, sphere or capsule; it is not coupled`);
        continue;
      }
      seen.add(e);
      const key = JSON.stringify([shape, rb.mass]);
      let c = this.coupled.get(e);
      if (c && c.key !== key) {
        c.body.remove();
        c = undefined;
      }
      if (!c) {
        const made = this.add(solver, e, shape, rb.mass, scale, key);
        if (!made) continue;
        c = made;
        this.coupled.set(e, c);
      }
    }
    for (const [e, c] of this.coupled) {
      if (seen.has(e)) continue;
      c.body.remove();
      this.coupled.delete(e);
    }
    const physics = this.app.systems.rigidbody;
    if (this.coupled.size === 0 || !physics) {
      this.releasePhysics();
      return;
    }
    // Lockstep: the physics engine advances only here, by the liquid's time.
    if (this.pausedPhysics === null) {
      this.pausedPhysics = physics.timeScale;
      physics.timeScale = 0;
    }
    for (const [e, c] of this.coupled) this.applyForcesTo(solver, c, e.rigidbody!, scale, simulated);
    physics.step(simulated);
    for (const [e, c] of this.coupled) c.body.setState(this.stateOf(e, e.rigidbody!, scale));
  }

  /** Gives the physics engine its own clock back (no body coupled, a new solver, or the end). */
  releasePhysics(): void {
    const physics = this.app.systems.rigidbody;
    if (this.pausedPhysics !== null && physics) physics.timeScale = this.pausedPhysics;
    this.pausedPhysics = null;
  }

  private add(solver: LiquidSolver, e: pc.Entity, shape: BodyShape, mass: number, scale: number, key: string): Coupled | null {
    const worldVolume = bodyShapeVolume(shape) * scale ** 3;
    const coreMass = (mass / worldVolume) * bodyShapeVolume(shape);
    try {
      const body = solver.bodies.add({ name: e.name, shape, mass: coreMass });
      return { body, key, massScale: mass / coreMass };
    } catch (err) {
      this.warn(`latent-liquid: "${e.name}" (${BODY_TAG}) is not coupled: ${(err as Error).message}`);
      return null;
    }
  }

  /** The liquid's push, in the world frame, onto the rigidbody (wakes it up: a sleeping body ignores forces). */
  private applyForcesTo(solver: LiquidSolver, c: Coupled, rb: pc.RigidBodyComponent, scale: number, dt: number): void {
    const { force, torque } = c.body.appliedForces(solver.gravityAt(solver.time), solver.scene.density, dt);
    if (force.every((v) => v === 0) && torque.every((v) => v === 0)) return;
    const rotation = this.liquid.getRotation();
    // Grid-frame forces to world: rotate by the liquid's rotation; lengths scale by `scale`.
    this.tmp.set(force[0], force[1], force[2]);
    rotation.transformVector(this.tmp, this.tmp).mulScalar(c.massScale * scale);
    rb.activate();
    rb.applyForce(this.tmp.x, this.tmp.y, this.tmp.z);
    this.tmp.set(torque[0], torque[1], torque[2]);
    rotation.transformVector(this.tmp, this.tmp).mulScalar(c.massScale * scale * scale);
    rb.applyTorque(this.tmp.x, this.tmp.y, this.tmp.z);
  }

  private stateOf(e: pc.Entity, rb: pc.RigidBodyComponent, scale: number) {
    const p = this.inv.transformPoint(e.getPosition(), new pc.Vec3()).mulScalar(1 / scale);
    this.rot.copy(this.invRot).mul(e.getRotation());
    if (e.collision?.type === 'capsule') this.rot.mul(capsuleAxisRotation(e.collision.axis));
    const v = this.invRot.transformVector(rb.linearVelocity, new pc.Vec3()).mulScalar(1 / scale);
    const w = this.invRot.transformVector(rb.angularVelocity, new pc.Vec3());
    return {
      position: [p.x, p.y, p.z] as Vec3,
      rotation: [this.rot.x, this.rot.y, this.rot.z, this.rot.w] as Quat,
      linearVelocity: [v.x, v.y, v.z] as Vec3,
      angularVelocity: [w.x, w.y, w.z] as Vec3,
    };
  }
}

/** The core's capsules lie along their y axis: a PlayCanvas capsule along x (axis 0) or z (axis 2) is turned onto it. */
function capsuleAxisRotation(axis: number): pc.Quat {
  if (axis === 0) return new pc.Quat().setFromEulerAngles(0, 0, 90);
  if (axis === 2) return new pc.Quat().setFromEulerAngles(90, 0, 0);
  return new pc.Quat();
}

/** The body shape of a collision component in grid metres (PlayCanvas does not scale primitive collision shapes with the entity). */
function shapeOf(collision: pc.CollisionComponent, scale: number): BodyShape | null {
  if (collision.type === 'box') {
    const h = collision.halfExtents;
    return { kind: 'box', halfExtents: [h.x / scale, h.y / scale, h.z / scale] };
  }
  if (collision.type === 'sphere') return { kind: 'sphere', radius: collision.radius / scale };
  if (collision.type === 'capsule') {
    const radius = collision.radius / scale;
    return { kind: 'capsule', radius, halfHeight: Math.max(0, collision.height / scale / 2 - radius) };
  }
  return null;
}
