import * as pc from 'playcanvas';
import type { GpuShape } from '../src/index';

/** Tag that makes a child entity an emitter of the liquid. */
export const EMITTER_TAG = 'liquid-emitter';

/** Emitter settings an entity can carry (the liquidEmitter script, or defaults). */
export interface EmitterSettings {
  /** Speed of the emitted liquid along the entity's forward (-Z) axis (m/s). */
  speed: number;
  /** Whether it emits now. */
  active: boolean;
}

interface Tracked {
  position: pc.Vec3;
  rotation: pc.Quat;
}

/**
 * Turns the liquid entity's descendants tagged `liquid-emitter` into solver emitter shapes in the
 * liquid's own frame (the box [0, n*dx] of the entity's local space): spheres sized by their
 * scale, emitting along their forward axis. (Obstacles, `liquid-obstacle`, are mesh colliders of
 * any entity in the scene: MeshObstacleTracker.)
 */
export class ChildShapeTracker {
  private readonly previous = new Map<pc.Entity, Tracked>();
  private readonly inv = new pc.Mat4();
  private readonly local = new pc.Mat4();
  private readonly invRot = new pc.Quat();

  constructor(private readonly liquid: pc.Entity) {}

  reset(): void {
    this.previous.clear();
  }

  /** The emitters of this frame. */
  update(dt: number): { emitters: GpuShape[] } {
    const emitters: GpuShape[] = [];
    this.inv.copy(this.liquid.getWorldTransform()).invert();
    this.invRot.copy(this.liquid.getRotation()).invert();
    const liquidScale = this.liquid.getWorldTransform().getScale(new pc.Vec3());
    const seen = new Set<pc.Entity>();
    const visit = (e: pc.Entity) => {
      for (const child of e.children as pc.Entity[]) {
        if (!(child instanceof pc.Entity) || !child.enabled) continue;
        if (child.tags.has(EMITTER_TAG)) {
          seen.add(child);
          const shape = this.shapeOf(child, liquidScale, dt);
          const settings = emitterSettings(child);
          if (settings.active) {
            const forward = new pc.Vec3();
            this.invRot.transformVector(child.forward, forward);
            forward.normalize().mulScalar(settings.speed);
            emitters.push({ ...shape, kind: 'sphere', halfExtents: [shape.kind === 'sphere' ? shape.halfExtents[0] : Math.max(...shape.halfExtents), 0, 0], linearVelocity: [forward.x, forward.y, forward.z], angularVelocity: [0, 0, 0] });
          }
        }
        visit(child);
      }
    };
    visit(this.liquid);
    for (const e of [...this.previous.keys()]) if (!seen.has(e)) this.previous.delete(e);
    return { emitters };
  }

  private shapeOf(e: pc.Entity, liquidScale: pc.Vec3, dt: number): GpuShape {
    this.local.mul2(this.inv, e.getWorldTransform());
    const position = this.local.getTranslation(new pc.Vec3());
    const rotation = new pc.Quat().mul2(this.invRot, e.getRotation());
    const scale = e.getWorldTransform().getScale(new pc.Vec3());
    const half: [number, number, number] = [scale.x / liquidScale.x / 2, scale.y / liquidScale.y / 2, scale.z / liquidScale.z / 2];
    const last = this.previous.get(e);
    let linear: [number, number, number] = [0, 0, 0];
    let angular: [number, number, number] = [0, 0, 0];
    if (last && dt > 0) {
      linear = [(position.x - last.position.x) / dt, (position.y - last.position.y) / dt, (position.z - last.position.z) / dt];
      // Angular velocity from the rotation delta q = r * last^-1 (axis * angle / dt).
      const delta = new pc.Quat().mul2(rotation, last.rotation.clone().invert());
      if (delta.w < 0) delta.set(-delta.x, -delta.y, -delta.z, -delta.w);
      const s = Math.sqrt(Math.max(0, 1 - delta.w * delta.w));
      if (s > 1e-6) {
        const angle = 2 * Math.acos(Math.min(1, delta.w));
        angular = [(delta.x / s) * angle / dt, (delta.y / s) * angle / dt, (delta.z / s) * angle / dt];
      }
    }
    this.previous.set(e, { position, rotation });
    const isSphere = (e.render as pc.RenderComponent | undefined)?.type === 'sphere';
    return {
      kind: isSphere ? 'sphere' : 'box',
      center: [position.x, position.y, position.z],
      halfExtents: isSphere ? [Math.max(...half), 0, 0] : half,
      rotation: [rotation.x, rotation.y, rotation.z, rotation.w],
      linearVelocity: linear,
      angularVelocity: angular,
    };
  }
}

function emitterSettings(e: pc.Entity): EmitterSettings {
  const script = (e.script as unknown as { liquidEmitter?: Partial<EmitterSettings> } | undefined)?.liquidEmitter;
  return { speed: script?.speed ?? 1.5, active: script?.active ?? true };
}
