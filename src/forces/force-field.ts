import forcesSource from '../../shaders/solver/forces.wgsl';
import { WgslStructLayout, type WgslValues } from '../gpu/wgsl-struct';
import type { ForceFalloff, ForceFieldDescription, ForceFieldKind } from '../scene/scene-description';

/** The layout of the WGSL `ForceFieldList` uniform (shaders/solver/forces.wgsl), read from its declaration. */
export const FORCE_FIELD_LIST_LAYOUT = WgslStructLayout.parse(forcesSource, 'ForceFieldList');

/**
 * How many force fields act at once at most (the scene's and those added at run time
 * together): the length of `ForceFieldList.fields` in shaders/solver/forces.wgsl.
 */
export const MAX_FORCE_FIELDS = FORCE_FIELD_LIST_LAYOUT.member('fields').arrayLength;

const KIND_CODES: Record<ForceFieldKind, number> = { directional: 0, radial: 1, vortex: 2 };

/** The falloff as the kernel evaluates it: a power of (1 - d/R), or the smoothstep. */
function falloffCode(falloff: ForceFalloff): { falloffPower: number; smoothFalloff: number } {
  if (falloff === 'smooth') return { falloffPower: 1, smoothFalloff: 1 };
  const power = falloff === 'none' ? 0 : falloff === 'linear' ? 1 : falloff;
  return { falloffPower: power, smoothFalloff: 0 };
}

/** Unit vector along v (v is non-zero in validated fields; a radial field's is unused). */
function unit(v: readonly number[]): [number, number, number] {
  const n = Math.hypot(v[0], v[1], v[2]);
  return n > 0 ? [v[0] / n, v[1] / n, v[2] / n] : [0, 0, 0];
}

/** One field's values for the WGSL `ForceField` (direction normalized, radius 0 for unbounded). */
export function forceFieldValues(f: ForceFieldDescription): WgslValues {
  return {
    position: f.position,
    kind: KIND_CODES[f.kind],
    direction: unit(f.direction),
    strength: f.strength,
    radius: f.radius ?? 0,
    ...falloffCode(f.falloff),
  };
}

/**
 * Packs the enabled fields into the `ForceFieldList` uniform (disabled ones are left out).
 * @throws RangeError when more than MAX_FORCE_FIELDS are given
 */
export function packForceFields(fields: readonly ForceFieldDescription[], out = new ArrayBuffer(FORCE_FIELD_LIST_LAYOUT.size)): { data: ArrayBuffer; count: number } {
  if (fields.length > MAX_FORCE_FIELDS) {
    throw new RangeError(`forces: at most ${MAX_FORCE_FIELDS} force fields act at once (got ${fields.length})`);
  }
  const enabled = fields.filter((f) => f.enabled);
  new Uint8Array(out, 0, FORCE_FIELD_LIST_LAYOUT.size).fill(0);
  FORCE_FIELD_LIST_LAYOUT.pack({ count: enabled.length, fields: enabled.map(forceFieldValues) }, out);
  return { data: out, count: enabled.length };
}
