/** A 3-vector [x, y, z]. */
export type Vec3 = [number, number, number];

/** An axis-aligned (optionally rotated) box in scene metres, from the domain's min corner. */
export interface BoxShape {
  type: 'box';
  min: Vec3;
  max: Vec3;
  /** Euler angles in degrees (XYZ order), about the box centre. Default none. */
  rotation?: Vec3;
  /** Velocity (m/s): initial velocity of liquid, or the motion of an obstacle. Default 0. */
  velocity?: Vec3;
}

/** A sphere in scene metres. */
export interface SphereShape {
  type: 'sphere';
  center: Vec3;
  radius: number;
  velocity?: Vec3;
}

export type ShapeDescription = BoxShape | SphereShape;

/**
 * A triangle mesh obstacle (a mesh collider, docs/colliders.md): an `.obj` file or inline
 * positions and indices, placed by position, rotation and scale. Only in `obstacles`.
 */
export interface MeshShape {
  type: 'mesh';
  /**
   * An .obj file, relative to the scene file. Node tools (the CLI, `loadSceneMeshes`) read it
   * into `positions` and `indices`; in a browser give those instead.
   */
  obj?: string;
  /** Vertex positions x, y, z in the mesh's own frame (m before scale); used when present. */
  positions?: number[];
  /** Three vertex indices per triangle. */
  indices?: number[];
  /** Where the mesh's origin goes (scene metres from the domain's min corner). Default [0, 0, 0]. */
  position?: Vec3;
  /** Euler angles in degrees (XYZ order, like boxes), about the mesh's origin. Default none. */
  rotation?: Vec3;
  /** Scale along the mesh's own axes (a number: uniform). Default 1. */
  scale?: Vec3 | number;
  /** Velocity of the solid (m/s). Default 0. */
  velocity?: Vec3;
  /** Angular velocity of the solid about its position (rad/s). Default 0. */
  angularVelocity?: Vec3;
  /**
   * true: the mesh moves by `velocity` and turns by `angularVelocity` every frame (a paddle
   * wheel); false (default): it stays put and its surface imposes that motion (a conveyor).
   */
  animate?: boolean;
  /** Name used in messages. */
  name?: string;
  /** SDF voxels along the mesh's longest axis (default: about one per cell). */
  resolution?: number;
  /** Metres: also solid within thickness / 2 of the surface (for open sheets). Default 0. */
  thickness?: number;
}

/** What `obstacles` holds: primitive shapes and meshes. */
export type ObstacleDescription = ShapeDescription | MeshShape;

/** Adds liquid in its shape with a velocity, over a time window. */
export interface EmitterDescription {
  shape: ShapeDescription;
  /** Velocity of the emitted liquid (m/s). */
  velocity: Vec3;
  /** Start time (s), default 0. */
  start?: number;
  /** End time (s), default forever. */
  end?: number;
}

/** Removes liquid in its shape over a time window. */
export interface SinkDescription {
  shape: ShapeDescription;
  start?: number;
  end?: number;
}

/** The kinds of force field: a uniform push (current, wind), a point that attracts or repels, a swirl about an axis. */
export type ForceFieldKind = 'directional' | 'radial' | 'vortex';

/**
 * How a force field fades from its centre (distance d) to its `radius` R, with x = d / R:
 * 'none' w = 1, 'linear' w = 1 - x, 'smooth' w = 1 - (3x^2 - 2x^3), a number p: w = (1 - x)^p
 * (p in [0, 16]); w = 0 from x = 1 on. A field without a radius is unbounded (w = 1 everywhere).
 */
export type ForceFalloff = 'none' | 'linear' | 'smooth' | number;

/**
 * A body force acting on the liquid (an acceleration, m/s^2, added like gravity on the faces
 * that touch liquid). With u the unit `direction` and r = p - position:
 *  - 'directional': a = strength * w(|r|) * u
 *  - 'radial':      a = strength * w(|r|) * r / |r|   (positive pushes away, negative attracts)
 *  - 'vortex':      a = strength * w(rho) * (u x r_perp) / rho, r_perp = r - (r.u) u, rho = |r_perp|
 *                   (counter-clockwise about u by the right-hand rule for positive strength)
 * See docs/forces-and-detectors.md.
 */
export interface ForceFieldDescription {
  kind: ForceFieldKind;
  /** Centre (m, scene frame): the point of a radial field, a point on a vortex's axis, the centre of a bounded directional field. */
  position: Vec3;
  /** Unit vector: a directional field's push, a vortex's axis; unused by radial fields. */
  direction: Vec3;
  /** Acceleration at full weight (m/s^2), in [-1000, 1000]. */
  strength: number;
  /** Radius of influence (m); absent: unbounded. */
  radius?: number;
  falloff: ForceFalloff;
  enabled: boolean;
}

/** Gravity that tilts over time: g(t) = rotate(gravity, axis, amplitude * sin(2 pi t / period)). */
export interface GravityTilt {
  axis: Vec3;
  /** Degrees. */
  amplitude: number;
  /** Seconds. */
  period: number;
}

/** Time stepping: one frame advances `frame` seconds in `substeps` steps ('auto': CFL-limited). */
export interface TimeStepDescription {
  frame: number;
  substeps: number | 'auto';
  /** Target CFL number for 'auto' substeps (cells per step). */
  cfl: number;
  /** Upper bound on substeps in 'auto' mode. */
  maxSubsteps: number;
}

/** How the pressure system is solved. */
export type PressureMethod = 'jacobi' | 'mgpcg';

/** The pressure methods, as scene files and options name them. */
export const PRESSURE_METHODS: readonly PressureMethod[] = ['jacobi', 'mgpcg'];

/** Pressure projection settings. */
export interface PressureDescription {
  /**
   * 'jacobi': weighted Jacobi, a fixed iteration count (or to `tolerance`); 'mgpcg':
   * multigrid-preconditioned conjugate gradients to `tolerance` (always set for it).
   */
  method: PressureMethod;
  /** Fixed Jacobi iteration count per step (real-time mode). */
  iterations: number;
  /** If set, iterate until the relative residual is below it (checked on the GPU). */
  tolerance?: number;
  /** Iteration cap in tolerance mode (CG iterations for mgpcg). */
  maxIterations: number;
  /**
   * Tolerance mode: 'cap' (default) encodes maxIterations every step (those after
   * convergence are no-ops that still launch); 'adaptive' encodes the last solve's
   * iterations plus a margin, at the price of a 16-byte asynchronous readback per step
   * (never waited on).
   */
  iterationBudget?: 'adaptive' | 'cap';
  /** Iterations between GPU convergence checks in tolerance mode (even). */
  checkInterval: number;
  /** Weighted-Jacobi factor in (0, 1]. */
  omega: number;
  /** The mgpcg V-cycle's smoothing (default: one damped-Jacobi sweep each way). */
  multigrid?: MultigridDescription;
}

/** The smoothing of the multigrid preconditioner's V-cycle. */
export interface MultigridDescription {
  /** 'jacobi' (damped, weight 2/3) or 'red-black' (Gauss-Seidel in red-black order). */
  smoother: 'jacobi' | 'red-black';
  /** Sweeps before and after each coarse correction, 1 to 4. */
  sweeps: number;
}

/** A validated scene, every default filled in. */
export interface SceneDescription {
  name: string;
  resolution: Vec3;
  cellSize: number;
  gravity: Vec3;
  gravityTilt?: GravityTilt;
  density: number;
  timeStep: TimeStepDescription;
  pressure: PressureDescription;
  /** Narrow band half-width of the level set, in cells. */
  levelSetBand: number;
  /** Layers of velocity extrapolation into air. */
  extrapolationLayers: number;
  liquid: ShapeDescription[];
  obstacles: ObstacleDescription[];
  emitters: EmitterDescription[];
  sinks: SinkDescription[];
  /** Force fields (at most MAX_FORCE_FIELDS = 16, with those added at run time). */
  forces: ForceFieldDescription[];
}

/** What a scene file may contain: everything but `resolution`, `cellSize` and `liquid` is optional. */
export type SceneInput = Partial<Omit<SceneDescription, 'timeStep' | 'pressure' | 'forces'>> & {
  resolution: Vec3 | number;
  cellSize: number;
  timeStep?: Partial<TimeStepDescription>;
  pressure?: Partial<PressureDescription>;
  /** Force fields; `position`, `radius`, `falloff` and `enabled` may be left out where the kind allows (see validateForceFields). */
  forces?: ForceFieldInput[];
};

/** A force field as a scene file or `setRuntimeForceFields` may give it (defaults filled in by validation). */
export type ForceFieldInput = Partial<Omit<ForceFieldDescription, 'kind'>> & { kind: ForceFieldKind };

/** Physical extent of the domain (m). */
export function domainSize(scene: Pick<SceneDescription, 'resolution' | 'cellSize'>): Vec3 {
  return [scene.resolution[0] * scene.cellSize, scene.resolution[1] * scene.cellSize, scene.resolution[2] * scene.cellSize];
}
