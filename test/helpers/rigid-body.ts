import { bodyShapeExtents, bodyShapeInertia, rotationAxes, type Quat } from '../../src/bodies/body-shape';
import type { LiquidBody } from '../../src/bodies/liquid-body';
import type { Vec3 } from '../../src/scene/scene-description';

/**
 * A minimal rigid-body integrator for the coupling tests (what a physics engine does in a game):
 * semi-implicit Euler with gravity and the liquid's applied forces, the world inertia tensor from
 * the body's principal moments, and the tank's walls as a box the body's bounds stay inside
 * (the velocity into a wall is removed, and a body on the floor loses half its sliding speed).
 */
export class TestRigidBody {
  position: Vec3;
  rotation: Quat;
  velocity: Vec3 = [0, 0, 0];
  angularVelocity: Vec3 = [0, 0, 0];
  private readonly inertia: Vec3;

  constructor(readonly body: LiquidBody, private readonly tank: Vec3) {
    const s = body.state;
    this.position = s.position;
    this.rotation = s.rotation;
    this.velocity = s.linearVelocity;
    this.angularVelocity = s.angularVelocity;
    this.inertia = bodyShapeInertia(body.shape, body.mass);
  }

  /** Kinetic energy (J). */
  get kineticEnergy(): number {
    const v = this.velocity;
    const w = this.toBody(this.angularVelocity);
    return 0.5 * this.body.mass * (v[0] ** 2 + v[1] ** 2 + v[2] ** 2)
      + 0.5 * (this.inertia[0] * w[0] ** 2 + this.inertia[1] * w[1] ** 2 + this.inertia[2] * w[2] ** 2);
  }

  /** The lowest point of the body's bounds (m). */
  get bottom(): number {
    return this.position[1] - bodyShapeExtents(this.body.shape, this.rotation)[1];
  }

  private toBody(v: Vec3): Vec3 {
    const axes = rotationAxes(this.rotation);
    return axes.map((a) => a[0] * v[0] + a[1] * v[1] + a[2] * v[2]) as Vec3;
  }

  private toWorld(v: Vec3): Vec3 {
    const axes = rotationAxes(this.rotation);
    return [0, 1, 2].map((i) => axes[0][i] * v[0] + axes[1][i] * v[1] + axes[2][i] * v[2]) as Vec3;
  }

  /** One step of length dt: forces from the liquid (as an engine would apply them), gravity, walls; then the body's new state goes to the liquid. */
  step(dt: number, gravity: Vec3, liquidDensity: number): void {
    const { force, torque } = this.body.appliedForces(gravity, liquidDensity, dt);
    const m = this.body.mass;
    for (let a = 0; a < 3; a++) this.velocity[a] += dt * (force[a] / m + gravity[a]);
    const local = this.toBody(torque);
    const dw = this.toWorld([local[0] / this.inertia[0], local[1] / this.inertia[1], local[2] / this.inertia[2]]);
    for (let a = 0; a < 3; a++) {
      this.angularVelocity[a] += dt * dw[a];
      this.position[a] += dt * this.velocity[a];
    }
    this.integrateRotation(dt);
    this.keepInside();
    this.body.setState({ position: [...this.position], rotation: [...this.rotation], linearVelocity: [...this.velocity], angularVelocity: [...this.angularVelocity] });
  }

  private integrateRotation(dt: number): void {
    const [wx, wy, wz] = this.angularVelocity;
    const [x, y, z, w] = this.rotation;
    // dq/dt = 0.5 (0, omega) q
    const q: Quat = [
      x + 0.5 * dt * (wx * w + wy * z - wz * y),
      y + 0.5 * dt * (wy * w + wz * x - wx * z),
      z + 0.5 * dt * (wz * w + wx * y - wy * x),
      w + 0.5 * dt * (-wx * x - wy * y - wz * z),
    ];
    const n = Math.hypot(...q);
    this.rotation = [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
  }

  private keepInside(): void {
    const e = bodyShapeExtents(this.body.shape, this.rotation);
    for (let a = 0; a < 3; a++) {
      const lo = e[a];
      const hi = this.tank[a] - e[a];
      if (this.position[a] < lo) {
        this.position[a] = lo;
        this.velocity[a] = Math.max(0, this.velocity[a]);
        if (a === 1) {
          this.velocity[0] *= 0.5;
          this.velocity[2] *= 0.5;
          this.angularVelocity = this.angularVelocity.map((v) => v * 0.5) as Vec3;
        }
      } else if (this.position[a] > hi) {
        this.position[a] = hi;
        this.velocity[a] = Math.min(0, this.velocity[a]);
      }
    }
  }
}
