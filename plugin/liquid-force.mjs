// @ts-check
// The liquidForce script of latent-liquid. Plain JS with JSDoc on purpose: the PlayCanvas
// Editor reads the @attribute tags from this file's text. The liquids find it through a
// registry (plugin/force-field-tracker.ts); this class only holds the attributes.
import { Script, Entity } from 'playcanvas';
import { registerLiquidForce } from './force-field-tracker';

/**
 * A force field acting on the liquids of the scene (the entity may be anywhere in the
 * hierarchy): a current or wind ('directional', along the entity's forward -Z axis), a point that
 * attracts or repels ('radial', at the entity's position), or a swirl ('vortex', about the
 * entity's up +Y axis through its position). The weight of the field falls from 1 at the centre
 * (a vortex: its axis) to 0 at `radius` as `falloff` says. Disable the script or its entity to
 * switch it off. At most 16 force fields act on a liquid (its scene's included); see
 * docs/forces-and-detectors.md for the formulas.
 */
export class LiquidForce extends Script {
  /** @override */
  static scriptName = 'liquidForce';

  /**
   * directional: a push along the entity's -Z axis; radial: away from the entity's position
   * (toward it with a negative strength); vortex: a swirl about the entity's +Y axis,
   * counter-clockwise seen from above for a positive strength.
   *
   * @attribute
   * @type {'directional' | 'radial' | 'vortex'}
   */
  kind = 'directional';

  /**
   * Acceleration at full weight (m/s^2); negative reverses it (a radial field then attracts).
   *
   * @attribute
   * @title Strength (m/s^2)
   * @range [-1000, 1000]
   * @precision 2
   */
  strength = 5;

  /**
   * Radius of influence in metres (from the position; a vortex: from its axis); 0 = unbounded
   * (the whole liquid, no falloff).
   *
   * @attribute
   * @title Radius (m)
   * @range [0, 1000]
   * @precision 3
   */
  radius = 1;

  /**
   * How the field fades to 0 at the radius (x = distance / radius): none (1 inside), linear
   * (1 - x), smooth (1 - smoothstep(x)), power ((1 - x)^falloffExponent).
   *
   * @attribute
   * @type {'none' | 'linear' | 'smooth' | 'power'}
   */
  falloff = 'linear';

  /**
   * The exponent of falloff 'power'.
   *
   * @attribute
   * @range [0, 16]
   * @precision 2
   * @enabledif {falloff === 'power'}
   */
  falloffExponent = 2;

  /**
   * The liquidVolume entity this force acts on; empty: every liquid of the app.
   *
   * @attribute
   * @type {Entity}
   */
  liquid;

  initialize() {
    const unregister = registerLiquidForce(this.app, /** @type {any} */ (this));
    this.on('destroy', unregister);
  }
}
