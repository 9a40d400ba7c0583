import type { SceneDescription, SceneInput, ShapeDescription, Vec3 } from './scene-description';
import { SCENE_LIMITS, SceneValidationError, validateScene } from './scene-validation';

/** Names of the built-in scenes. */
export const PRESET_NAMES = ['rest', 'dam-break', 'drop', 'pour', 'slosh'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** Default resolution (cells per edge of the 1 m tank) of the presets. */
export const PRESET_DEFAULT_RESOLUTION = 32;

/** The presets in a 1 m cube tank, positions in metres; `cellSize` follows the resolution. */
function presetInput(name: PresetName, n: number): SceneInput {
  const base = { name, resolution: [n, n, n] as Vec3, cellSize: 1 / n };
  switch (name) {
    case 'rest':
      // A still pool: the projection must hold it exactly at rest.
      return { ...base, liquid: [{ type: 'box', min: [0, 0, 0], max: [1, 0.4, 1] }] };
    case 'dam-break':
      // A column of liquid against the x = 0 wall, released at t = 0.
      return { ...base, liquid: [{ type: 'box', min: [0, 0, 0], max: [0.3, 0.65, 1] }] };
    case 'drop':
      // A ball of liquid falling into a pool.
      return {
        ...base,
        liquid: [
          { type: 'box', min: [0, 0, 0], max: [1, 0.3, 1] },
          { type: 'sphere', center: [0.5, 0.68, 0.5], radius: 0.16 },
        ],
      };
    case 'pour':
      // An emitter above the tank fills it; a shallow layer wets the floor.
      return {
        ...base,
        liquid: [{ type: 'box', min: [0, 0, 0], max: [1, 0.12, 1] }],
        emitters: [{
          shape: { type: 'sphere', center: [0.3, 0.8, 0.5], radius: 0.09 },
          velocity: [0.5, -2, 0],
          start: 0,
          end: 6,
        }],
      };
    case 'slosh':
      // A pool whose gravity direction tilts back and forth about z.
      return {
        ...base,
        liquid: [{ type: 'box', min: [0, 0, 0], max: [1, 0.35, 1] }],
        gravityTilt: { axis: [0, 0, 1], amplitude: 18, period: 1.6 },
      };
  }
}

/** True when `name` is a built-in preset. */
export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/**
 * A built-in scene at a resolution (cells per edge of the 1 m tank).
 * @throws SceneValidationError for an unknown name or a bad resolution
 */
export function presetScene(name: string, resolution = PRESET_DEFAULT_RESOLUTION): SceneDescription {
  if (!isPresetName(name)) {
    throw new SceneValidationError([`preset must be one of ${PRESET_NAMES.join(', ')}`
      + ` (got ${JSON.stringify(name)})`]);
  }
  return validateScene(presetInput(name, resolution));
}

/**
 * Rescales a scene to `n` cells along its longest axis, keeping its physical size: positions
 * stay in metres, the cell size changes.
 */
export function rescaleScene(scene: SceneDescription, n: number): SceneDescription {
  if (!Number.isInteger(n) || n < 4 || n > 512) {
    throw new SceneValidationError([`--res must be an integer in [4, 512] (got ${n})`]);
  }
  const longest = Math.max(...scene.resolution);
  const size = longest * scene.cellSize;
  const cellSize = size / n;
  const resolution = scene.resolution.map((r) => Math.max(4, Math.round((r * scene.cellSize) / cellSize))) as Vec3;
  return validateScene({ ...scene, resolution, cellSize });
}

/**
 * Scales a scene's geometry by `factor` (positions, sizes, velocities stay in m and m/s, force
 * strengths in m/s^2; the cell size scales, the resolution stays): a 1 m preset becomes a
 * `factor` m tank.
 */
export function scaleScene(scene: SceneDescription, factor: number): SceneDescription {
  if (!(factor > 0) || !Number.isFinite(factor)) throw new SceneValidationError([`scale factor must be a positive number (got ${factor})`]);
  const v = (x: Vec3): Vec3 => [x[0] * factor, x[1] * factor, x[2] * factor];
  const shape = (s: ShapeDescription): ShapeDescription => (s.type === 'box'
    ? { ...s, min: v(s.min), max: v(s.max) }
    : { ...s, center: v(s.center), radius: s.radius * factor });
  return validateScene({
    ...scene,
    cellSize: scene.cellSize * factor,
    liquid: scene.liquid.map(shape),
    obstacles: scene.obstacles.map((s) => (s.type === 'mesh'
      ? { ...s, position: v(s.position ?? [0, 0, 0]), scale: typeof s.scale === 'number' || s.scale === undefined ? (s.scale ?? 1) * factor : v(s.scale) }
      : shape(s))),
    emitters: scene.emitters.map((e) => ({ ...e, shape: shape(e.shape) })),
    sinks: scene.sinks.map((e) => ({ ...e, shape: shape(e.shape) })),
    forces: scene.forces.map((f) => ({ ...f, position: v(f.position), ...(f.radius !== undefined ? { radius: f.radius * factor } : {}) })),
  });
}

/**
 * A scene stretched into a box of `size` metres (x, y, z) with `n` cells along its longest
 * axis: shape positions and box extents scale per axis, sphere radii by the smallest axis
 * factor, velocities stay. A 1 m preset becomes, say, a 10 m x 1.5 m x 10 m pool.
 * @throws SceneValidationError naming `size` (three positive numbers) or a resulting grid out of range
 */
export function boxScene(scene: SceneDescription, size: Vec3, n: number): SceneDescription {
  if (!Array.isArray(size) || size.length !== 3 || !size.every((x) => Number.isFinite(x) && x > 0)) {
    throw new SceneValidationError([`size must be three positive numbers in metres (got ${JSON.stringify(size)})`]);
  }
  const from = scene.resolution.map((r) => r * scene.cellSize);
  const f = size.map((x, i) => x / from[i]) as Vec3;
  const v = (x: Vec3): Vec3 => [x[0] * f[0], x[1] * f[1], x[2] * f[2]];
  const radius = Math.min(...f);
  const shape = (s: ShapeDescription): ShapeDescription => (s.type === 'box'
    ? { ...s, min: v(s.min), max: v(s.max) }
    : { ...s, center: v(s.center), radius: s.radius * radius });
  const cellSize = Math.max(...size) / n;
  const resolution = size.map((x) => Math.max(SCENE_LIMITS.minResolution, Math.round(x / cellSize))) as Vec3;
  return validateScene({
    ...scene,
    resolution,
    cellSize,
    liquid: scene.liquid.map(shape),
    obstacles: scene.obstacles.map((s) => (s.type === 'mesh'
      ? { ...s, position: v(s.position ?? [0, 0, 0]), scale: v(Array.isArray(s.scale) ? s.scale : [s.scale ?? 1, s.scale ?? 1, s.scale ?? 1]) }
      : shape(s))),
    emitters: scene.emitters.map((e) => ({ ...e, shape: shape(e.shape) })),
    sinks: scene.sinks.map((e) => ({ ...e, shape: shape(e.shape) })),
    forces: scene.forces.map((fo) => ({ ...fo, position: v(fo.position), ...(fo.radius !== undefined ? { radius: fo.radius * radius } : {}) })),
  });
}
