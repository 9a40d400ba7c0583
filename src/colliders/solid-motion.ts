import commonSource from '../../shaders/solver/common.wgsl';
import { WgslStructLayout } from '../gpu/wgsl-struct';
import type { Vec3 } from '../scene/scene-description';
import type { GpuShape } from '../solver/shape-packing';

/** The layout of the WGSL `SolidMotion` (shaders/solver/common.wgsl), read from its declaration. */
export const SOLID_MOTION_LAYOUT = WgslStructLayout.parse(commonSource, 'SolidMotion');

/**
 * The rigid motion of a solid (grid frame): the velocity of its material at x is
 * linearVelocity + angularVelocity x (x - center). One entry of the solid motion table.
 */
export interface SolidMotion {
  /** Centre of rotation (m). */
  center: Vec3;
  /** m/s. */
  linearVelocity: Vec3;
  /** rad/s about `center`. */
  angularVelocity: Vec3;
}

/** A solid at rest. */
export const SOLID_AT_REST: Readonly<SolidMotion> = Object.freeze({ center: [0, 0, 0], linearVelocity: [0, 0, 0], angularVelocity: [0, 0, 0] } as SolidMotion);

/** The motion of a primitive obstacle. */
export function motionOfShape(s: GpuShape): SolidMotion {
  return { center: [...s.center], linearVelocity: [...s.linearVelocity], angularVelocity: [...s.angularVelocity] };
}

/** Velocity of the solid's material at p (mirror of solidMotionVelocity). */
export function solidMotionVelocity(m: SolidMotion, p: Vec3): Vec3 {
  const r = [p[0] - m.center[0], p[1] - m.center[1], p[2] - m.center[2]];
  const w = m.angularVelocity;
  return [
    m.linearVelocity[0] + w[1] * r[2] - w[2] * r[1],
    m.linearVelocity[1] + w[2] * r[0] - w[0] * r[2],
    m.linearVelocity[2] + w[0] * r[1] - w[1] * r[0],
  ];
}

/** Packs a solid motion table (`array<SolidMotion>`); entries left undefined are at rest. */
export function packSolidMotions(table: readonly (SolidMotion | undefined)[], out?: ArrayBuffer): ArrayBuffer {
  return SOLID_MOTION_LAYOUT.packArray(table.map((m) => ({ ...(m ?? SOLID_AT_REST) })), out);
}
