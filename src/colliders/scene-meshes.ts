import type { MeshShape, Vec3 } from '../scene/scene-description';
import { quaternionFromEulerDegrees } from '../solver/shape-packing';
import type { MeshColliderOptions } from './mesh-collider-set';
import { quatFromAxisAngle, quatMultiply, type ResolvedTransform } from './mesh-transform';

/**
 * The collider of a scene's mesh obstacle (`obstacles[index]`).
 * @throws Error when the mesh names an .obj file that was not loaded (no positions)
 */
export function sceneMeshColliderOptions(m: MeshShape, index: number): MeshColliderOptions {
  const name = m.name ?? (m.obj ? `${m.obj} (obstacles[${index}])` : `obstacles[${index}]`);
  if (!m.positions || !m.indices) {
    throw new Error(`obstacles[${index}]: mesh "${name}" names the .obj file '${m.obj}' but holds no positions and indices: load it first `
      + `(Node: loadSceneMeshes from latent-liquid/node, which the CLI does) or give positions and indices inline`);
  }
  return {
    name,
    mesh: { positions: m.positions, indices: m.indices },
    transform: { translation: m.position ?? [0, 0, 0], rotation: m.rotation ? quaternionFromEulerDegrees(m.rotation) : [0, 0, 0, 1], scale: m.scale ?? 1 },
    ...(m.resolution !== undefined ? { resolution: m.resolution } : {}),
    ...(m.thickness !== undefined ? { thickness: m.thickness } : {}),
    ...(m.velocity ? { linearVelocity: m.velocity } : {}),
    ...(m.angularVelocity ? { angularVelocity: m.angularVelocity } : {}),
  };
}

/** Where an animated scene mesh is at time t: moved by velocity * t, turned by |w| t about w through its position. */
export function animatedTransform(base: ResolvedTransform, velocity: Vec3, angularVelocity: Vec3, t: number): ResolvedTransform {
  const w = Math.hypot(...angularVelocity);
  const rotation = w > 0 ? quatMultiply(quatFromAxisAngle(angularVelocity, w * t), base.rotation) : base.rotation;
  return {
    translation: [base.translation[0] + velocity[0] * t, base.translation[1] + velocity[1] * t, base.translation[2] + velocity[2] * t],
    rotation,
    scale: base.scale,
  };
}
