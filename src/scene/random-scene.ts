import { rockMesh } from '../colliders/procedural-meshes';
import type { MeshShape, ObstacleDescription, SceneInput, ShapeDescription, Vec3 } from './scene-description';
import { validateScene } from './scene-validation';
import type { SceneDescription } from './scene-description';

/** A small deterministic PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Kinds of randomized training scenes. */
export const RANDOM_SCENE_KINDS = ['dam-break', 'drop', 'pour', 'slosh', 'mixed'] as const;
export type RandomSceneKind = (typeof RANDOM_SCENE_KINDS)[number];

/**
 * A randomized scene in a 1 m tank at n^3 cells for training data: liquid boxes and drops of
 * random size and place, obstacles, emitters and tilting gravity, all from `seed`. With
 * `meshObstacles`, each obstacle becomes a non-convex rock mesh of its size and place with
 * probability 1/2 (drawn from a second stream: the rest of the scene is the same as without).
 */
export function randomScene(seed: number, n: number, options: { meshObstacles?: boolean } = {}): { scene: SceneDescription; kind: RandomSceneKind } {
  const r = seededRandom(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * r();
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length) % xs.length];
  const kind = pick(RANDOM_SCENE_KINDS);
  const liquid: ShapeDescription[] = [];
  const obstacles: ShapeDescription[] = [];
  const emitters: SceneInput['emitters'] = [];
  let gravityTilt: SceneInput['gravityTilt'];
  const poolDepth = u(0.08, 0.4);
  const pool = (): ShapeDescription => ({ type: 'box', min: [0, 0, 0], max: [1, poolDepth, 1] });
  const column = (): ShapeDescription => {
    const w = u(0.2, 0.45), d = u(0.3, 1), h = u(0.35, 0.75);
    const atX = r() < 0.5, far = r() < 0.5;
    const x0 = atX ? (far ? 1 - w : 0) : u(0, 1 - d);
    const z0 = atX ? u(0, 1 - d) : (far ? 1 - w : 0);
    const sx = atX ? w : d, sz = atX ? d : w;
    return { type: 'box', min: [x0, 0, z0], max: [x0 + sx, h, z0 + sz] };
  };
  const drop = (): ShapeDescription => {
    const radius = u(0.08, 0.18);
    return { type: 'sphere', center: [u(radius, 1 - radius), u(poolDepth + radius + 0.05, 0.9 - radius), u(radius, 1 - radius)], radius, velocity: [u(-1, 1), u(-1.5, 0), u(-1, 1)] };
  };
  const obstacle = (): ShapeDescription => {
    if (r() < 0.5) {
      const s: Vec3 = [u(0.08, 0.25), u(0.08, 0.4), u(0.08, 0.25)];
      const c: Vec3 = [u(0.2, 0.8), s[1] / 2, u(0.2, 0.8)];
      return { type: 'box', min: [c[0] - s[0] / 2, 0, c[2] - s[2] / 2], max: [c[0] + s[0] / 2, s[1], c[2] + s[2] / 2], rotation: [0, u(0, 90), 0] };
    }
    const radius = u(0.06, 0.15);
    return { type: 'sphere', center: [u(0.2, 0.8), u(0.05, 0.4), u(0.2, 0.8)], radius };
  };
  switch (kind) {
    case 'dam-break':
      liquid.push(column());
      if (r() < 0.5) liquid.push({ type: 'box', min: [0, 0, 0], max: [1, u(0.05, 0.15), 1] });
      break;
    case 'drop':
      liquid.push(pool());
      liquid.push(drop());
      if (r() < 0.4) liquid.push(drop());
      break;
    case 'pour': {
      liquid.push({ type: 'box', min: [0, 0, 0], max: [1, u(0.06, 0.2), 1] });
      const radius = u(0.06, 0.1);
      emitters.push({ shape: { type: 'sphere', center: [u(0.2, 0.8), u(0.65, 0.85), u(0.2, 0.8)], radius }, velocity: [u(-0.8, 0.8), u(-2, -0.5), u(-0.8, 0.8)], start: 0, end: u(0.8, 2) });
      break;
    }
    case 'slosh': {
      liquid.push(pool());
      const a = u(0, Math.PI);
      gravityTilt = { axis: [Math.cos(a), 0, Math.sin(a)], amplitude: u(6, 25), period: u(0.8, 2.5) };
      break;
    }
    case 'mixed':
      liquid.push(pool());
      if (r() < 0.7) liquid.push(drop()); else liquid.push(column());
      if (r() < 0.5) {
        const a = u(0, Math.PI);
        gravityTilt = { axis: [Math.cos(a), 0, Math.sin(a)], amplitude: u(4, 15), period: u(1, 3) };
      }
      break;
  }
  const obstacleCount = kind === 'slosh' ? Math.floor(u(0, 2)) : Math.floor(u(0, 3));
  for (let i = 0; i < obstacleCount; i++) obstacles.push(obstacle());
  const input: SceneInput = {
    name: `random-${kind}-${seed}`, resolution: [n, n, n], cellSize: 1 / n, liquid, obstacles: options.meshObstacles ? withRocks(obstacles, seed) : obstacles, emitters,
    ...(gravityTilt ? { gravityTilt } : {}),
  };
  return { scene: validateScene(input), kind };
}

/** Replaces each obstacle by a rock mesh of its size and place with probability 1/2 (own random stream). */
function withRocks(obstacles: ShapeDescription[], seed: number): ObstacleDescription[] {
  const r = seededRandom(seed ^ 0x5eed_0b57);
  return obstacles.map((o) => {
    if (r() < 0.5) return o;
    const rock = rockMesh({ radius: 1, subdivisions: 2, roughness: 0.3, seed: Math.floor(r() * 1e6) + 1 });
    const mesh: MeshShape = {
      type: 'mesh', name: 'rock', positions: Array.from(rock.positions), indices: Array.from(rock.indices),
      ...(o.type === 'sphere'
        ? { position: o.center, scale: o.radius }
        : { position: [0, 1, 2].map((a) => (o.min[a] + o.max[a]) / 2) as Vec3, scale: [0, 1, 2].map((a) => (o.max[a] - o.min[a]) / 2) as Vec3, rotation: o.rotation ?? [0, 0, 0] }),
    };
    return mesh;
  });
}
