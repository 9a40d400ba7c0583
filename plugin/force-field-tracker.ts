import * as pc from 'playcanvas';
import { MAX_FORCE_FIELDS, SceneValidationError, validateForceFields, type ForceFalloff, type ForceFieldInput, type ForceFieldKind } from '../src/index';

/** The falloff attribute of a liquidForce script: the core's, with the exponent apart. */
export type LiquidForceFalloff = 'none' | 'linear' | 'smooth' | 'power';

/**
 * What a liquidForce script gives the liquids (its attributes and state). Its entity's transform
 * places it: the position is the centre, the forward axis (-Z) a directional field's push, the
 * up axis (+Y) a vortex's axis.
 */
export interface LiquidForceSource {
  readonly entity: pc.Entity;
  /** Whether it acts now (the script's and its entity's enabled state). */
  readonly enabled: boolean;
  kind: ForceFieldKind;
  /** m/s^2 at full weight (see the core's ForceFieldDescription for the signs). */
  strength: number;
  /** Radius of influence in world metres; 0: unbounded. */
  radius: number;
  falloff: LiquidForceFalloff;
  /** The exponent p of falloff 'power': w = (1 - d/R)^p. */
  falloffExponent: number;
  /** The liquidVolume entity it acts on; null or unset: every liquid of the app. */
  liquid?: pc.Entity | null;
}

/** The liquidForce scripts of each app, registered by the scripts themselves (any entity, anywhere in the scene). */
const registry = new WeakMap<object, Set<LiquidForceSource>>();

/** Registers a force with the liquids of `app`; returns the function that unregisters it. */
export function registerLiquidForce(app: object, source: LiquidForceSource): () => void {
  let set = registry.get(app);
  if (!set) registry.set(app, (set = new Set()));
  set.add(source);
  return () => { set.delete(source); };
}

/** The forces registered with `app`, in registration order. */
export function liquidForcesOf(app: object): readonly LiquidForceSource[] {
  return [...(registry.get(app) ?? [])];
}

/**
 * Turns the app's liquidForce scripts into force fields in one liquid's own frame (the box
 * [0, n*dx] of its entity's local space, as ChildShapeTracker does for obstacles): positions
 * through the inverse of the liquid's world transform, axes through the inverse of its
 * rotation, radii divided by its (uniform) scale; strengths stay in m/s^2, as gravity does.
 * Forces that fail validation are left out with a warning naming the entity and the field.
 */
export class ForceFieldTracker {
  private last = '';
  private readonly inv = new pc.Mat4();
  private readonly invRot = new pc.Quat();
  private readonly tmp = new pc.Vec3();

  constructor(private readonly app: object, private readonly liquid: pc.Entity) {}

  /** Forgets the last fields, so the next update reports them changed (a new solver needs them). */
  reset(): void {
    this.last = '';
  }

  /**
   * This frame's fields (at most `room`, MAX_FORCE_FIELDS by default: the solver's room beside
   * the scene's own); `changed` is false when they equal the last update's.
   */
  update(warn: (message: string) => void, room = MAX_FORCE_FIELDS): { fields: ForceFieldInput[]; changed: boolean } {
    this.inv.copy(this.liquid.getWorldTransform()).invert();
    this.invRot.copy(this.liquid.getRotation()).invert();
    const scale = this.liquid.getWorldTransform().getScale(this.tmp);
    const liquidScale = Math.max(Math.abs(scale.x), Math.abs(scale.y), Math.abs(scale.z)) || 1;
    const fields: ForceFieldInput[] = [];
    for (const source of liquidForcesOf(this.app)) {
      if (!source.enabled || (source.liquid && source.liquid !== this.liquid)) continue;
      const field = this.fieldOf(source, liquidScale);
      const name = `liquidForce '${source.entity.name}'`;
      try {
        validateForceFields([field], name);
      } catch (e) {
        const problems = e instanceof SceneValidationError ? e.problems.map((p) => p.replace(`${name}[0]`, name)) : [(e as Error).message];
        warn(`latent-liquid: ${problems.join('; ')}; the force is ignored`);
        continue;
      }
      if (fields.length === room) {
        warn(`latent-liquid: at most ${MAX_FORCE_FIELDS} force fields act on a liquid (with its scene's); liquidForce '${source.entity.name}' and later ones are ignored`);
        break;
      }
      fields.push(field);
    }
    const key = JSON.stringify(fields);
    const changed = key !== this.last;
    this.last = key;
    return { fields, changed };
  }

  private fieldOf(source: LiquidForceSource, liquidScale: number): ForceFieldInput {
    const e = source.entity;
    const position = this.inv.transformPoint(e.getPosition(), new pc.Vec3());
    const axis = this.invRot.transformVector(source.kind === 'vortex' ? e.up : e.forward, new pc.Vec3());
    const falloff: ForceFalloff = source.falloff === 'power' ? source.falloffExponent : source.falloff;
    return {
      kind: source.kind,
      position: [position.x, position.y, position.z],
      direction: [axis.x, axis.y, axis.z],
      strength: source.strength,
      // 0 (or less) is the script's "unbounded"; a radius that validation refuses stays to be named.
      ...(source.radius === 0 ? {} : { radius: source.radius / liquidScale }),
      falloff,
      enabled: true,
    };
  }
}
