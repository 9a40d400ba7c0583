import { MESH_COLLIDER_LIMITS } from '../colliders/collider-mesh';
import type { DetectorRegion } from '../detectors/detector-region';
import { defaultPressure, PRESSURE_VALUES, resolvePressure } from './pressure-settings';
import { MAX_FORCE_FIELDS } from '../forces/force-field';
import type {
  ForceFalloff, ForceFieldDescription, ForceFieldKind,
  EmitterDescription, MeshShape, MultigridDescription, ObstacleDescription, PressureDescription, PressureMethod, SceneDescription, ShapeDescription,
  SinkDescription, TimeStepDescription, Vec3,
} from './scene-description';

/** Limits that scenes are checked against. */
export const SCENE_LIMITS = {
  minResolution: 4,
  maxResolution: 512,
  maxCells: 512 * 512 * 512,
  maxCellSize: 100,
  maxGravity: 1000,
  maxShapes: 64,
  /** Jacobi iterations (fixed count or cap): PRESSURE_VALUES.maxIterations. */
  maxIterations: PRESSURE_VALUES.maxIterations.max,
  /** Every CG iteration up to the cap is encoded each step (those after convergence do nothing): PRESSURE_VALUES.mgpcgMaxIterations. */
  maxMgpcgIterations: PRESSURE_VALUES.mgpcgMaxIterations.max,
} as const;

/** Raised for an invalid scene; `problems` lists every field that is wrong. */
export class SceneValidationError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid scene:\n  - ${problems.join('\n  - ')}`);
    this.name = 'SceneValidationError';
    this.problems = problems;
  }
}

type Obj = Record<string, unknown>;

class Checker {
  readonly problems: string[] = [];

  fail(path: string, message: string, got?: unknown): void {
    const shown = got === undefined ? '' : ` (got ${JSON.stringify(got)})`;
    this.problems.push(`${path} ${message}${shown}`);
  }

  number(v: unknown, path: string, min: number, max: number, opts: { exclusiveMin?: boolean; integer?: boolean } = {}): number {
    const range = `${opts.exclusiveMin ? '(' : '['}${min}, ${max}]`;
    const what = opts.integer ? 'an integer' : 'a number';
    if (typeof v !== 'number' || !Number.isFinite(v)) { this.fail(path, `must be ${what} in ${range}`, v); return NaN; }
    if (opts.integer && !Number.isInteger(v)) { this.fail(path, `must be ${what} in ${range}`, v); return NaN; }
    if (v < min || v > max || (opts.exclusiveMin && v === min)) { this.fail(path, `must be ${what} in ${range}`, v); return NaN; }
    return v;
  }

  vec3(v: unknown, path: string, min = -1e6, max = 1e6): Vec3 {
    if (!Array.isArray(v) || v.length !== 3) { this.fail(path, 'must be an array of 3 numbers [x, y, z]', v); return [NaN, NaN, NaN]; }
    return [this.number(v[0], `${path}[0]`, min, max), this.number(v[1], `${path}[1]`, min, max), this.number(v[2], `${path}[2]`, min, max)];
  }

  object(v: unknown, path: string): Obj | null {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) { this.fail(path, 'must be an object', v); return null; }
    return v as Obj;
  }

  array(v: unknown, path: string): unknown[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) { this.fail(path, 'must be an array', v); return []; }
    if (v.length > SCENE_LIMITS.maxShapes) this.fail(path, `may hold at most ${SCENE_LIMITS.maxShapes} entries`, v.length);
    return v;
  }

  unknownKeys(o: Obj, path: string, allowed: string[]): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.fail(`${path}${path ? '.' : ''}${k}`, `is not a known field (known: ${allowed.join(', ')})`);
    }
  }

  optionalTime(o: Obj, key: string, path: string): number | undefined {
    if (o[key] === undefined) return undefined;
    return this.number(o[key], `${path}.${key}`, 0, 1e6);
  }

  shape(v: unknown, path: string): ShapeDescription {
    const o = this.object(v, path);
    if (!o) return { type: 'sphere', center: [0, 0, 0], radius: 0 };
    if (o.type === 'box') {
      this.unknownKeys(o, path, ['type', 'min', 'max', 'rotation', 'velocity']);
      const min = this.vec3(o.min, `${path}.min`);
      const max = this.vec3(o.max, `${path}.max`);
      for (let a = 0; a < 3; a++) {
        if (Number.isFinite(min[a]) && Number.isFinite(max[a]) && !(max[a] > min[a])) {
          this.fail(`${path}.max[${a}]`, `must be greater than ${path}.min[${a}] = ${min[a]}`, max[a]);
        }
      }
      const box: ShapeDescription = { type: 'box', min, max };
      if (o.rotation !== undefined) box.rotation = this.vec3(o.rotation, `${path}.rotation`, -360, 360);
      if (o.velocity !== undefined) box.velocity = this.vec3(o.velocity, `${path}.velocity`, -1000, 1000);
      return box;
    }
    if (o.type === 'sphere') {
      this.unknownKeys(o, path, ['type', 'center', 'radius', 'velocity']);
      const s: ShapeDescription = {
        type: 'sphere',
        center: this.vec3(o.center, `${path}.center`),
        radius: this.number(o.radius, `${path}.radius`, 0, 1e6, { exclusiveMin: true }),
      };
      if (o.velocity !== undefined) s.velocity = this.vec3(o.velocity, `${path}.velocity`, -1000, 1000);
      return s;
    }
    if (o.type === 'mesh') this.fail(`${path}.type`, `"mesh" is allowed in obstacles only; here it must be "box" or "sphere"`, o.type);
    else this.fail(`${path}.type`, `must be "box" or "sphere"`, o.type);
    return { type: 'sphere', center: [0, 0, 0], radius: 0 };
  }

  /** An obstacle: a box, a sphere or a mesh. */
  obstacle(v: unknown, path: string): ObstacleDescription {
    const o = this.object(v, path);
    if (o?.type === 'mesh') return this.mesh(o, path);
    if (o && o.type !== 'box' && o.type !== 'sphere') {
      this.fail(`${path}.type`, `must be "box", "sphere" or "mesh"`, o.type);
      return { type: 'sphere', center: [0, 0, 0], radius: 0 };
    }
    return this.shape(v, path);
  }

  mesh(o: Obj, path: string): MeshShape {
    this.unknownKeys(o, path, ['type', 'obj', 'positions', 'indices', 'position', 'rotation', 'scale', 'velocity', 'angularVelocity', 'animate', 'name', 'resolution', 'thickness']);
    const m: MeshShape = { type: 'mesh' };
    const maxIndices = 3 * MESH_COLLIDER_LIMITS.maxTriangles;
    if (o.obj !== undefined) {
      if (typeof o.obj !== 'string' || !/\.obj$/i.test(o.obj.trim())) this.fail(`${path}.obj`, 'must be the path of an .obj file (relative to the scene file)', o.obj);
      else m.obj = o.obj;
    }
    if (o.positions !== undefined || o.indices !== undefined) {
      let vertices = 0;
      if (!Array.isArray(o.positions) || o.positions.length === 0 || o.positions.length % 3 !== 0) {
        this.fail(`${path}.positions`, 'must be an array of x, y, z numbers (3 per vertex) together with indices', Array.isArray(o.positions) ? `${o.positions.length} numbers` : o.positions);
      } else if (o.positions.length > 3 * maxIndices) {
        this.fail(`${path}.positions`, `may hold at most ${3 * maxIndices} numbers`, o.positions.length);
      } else {
        const bad = o.positions.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
        if (bad >= 0) this.fail(`${path}.positions[${bad}]`, 'must be a finite number', o.positions[bad]);
        else { m.positions = o.positions as number[]; vertices = o.positions.length / 3; }
      }
      if (!Array.isArray(o.indices) || o.indices.length === 0 || o.indices.length % 3 !== 0) {
        this.fail(`${path}.indices`, 'must be an array of vertex indices (3 per triangle) together with positions', Array.isArray(o.indices) ? `${o.indices.length} numbers` : o.indices);
      } else if (o.indices.length > maxIndices) {
        this.fail(`${path}.indices`, `hold ${o.indices.length / 3} triangles; at most ${MESH_COLLIDER_LIMITS.maxTriangles} per mesh`);
      } else if (vertices > 0) {
        const bad = o.indices.findIndex((x) => typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= vertices);
        if (bad >= 0) this.fail(`${path}.indices[${bad}]`, `must be an integer in [0, ${vertices - 1}] (the mesh has ${vertices} vertices)`, o.indices[bad]);
        else m.indices = o.indices as number[];
      }
    }
    if (o.obj === undefined && o.positions === undefined && o.indices === undefined) {
      this.fail(path, 'needs "obj" (an .obj file) or "positions" and "indices"');
    }
    if (o.position !== undefined) m.position = this.vec3(o.position, `${path}.position`);
    if (o.rotation !== undefined) m.rotation = this.vec3(o.rotation, `${path}.rotation`, -360, 360);
    if (o.scale !== undefined) {
      const lo = MESH_COLLIDER_LIMITS.minScale;
      const check = (x: unknown, p: string) => {
        if (typeof x !== 'number' || !Number.isFinite(x) || Math.abs(x) < lo || Math.abs(x) > 1e6) this.fail(p, `must be a number with ${lo} <= |scale| <= 1e6 (zero scale is not allowed)`, x);
        return x as number;
      };
      if (typeof o.scale === 'number') m.scale = check(o.scale, `${path}.scale`);
      else if (Array.isArray(o.scale) && o.scale.length === 3) m.scale = o.scale.map((x, i) => check(x, `${path}.scale[${i}]`)) as Vec3;
      else this.fail(`${path}.scale`, 'must be a number or [sx, sy, sz]', o.scale);
    }
    if (o.velocity !== undefined) m.velocity = this.vec3(o.velocity, `${path}.velocity`, -1000, 1000);
    if (o.angularVelocity !== undefined) m.angularVelocity = this.vec3(o.angularVelocity, `${path}.angularVelocity`, -1000, 1000);
    if (o.animate !== undefined) {
      if (typeof o.animate !== 'boolean') this.fail(`${path}.animate`, 'must be true or false', o.animate);
      else m.animate = o.animate;
    }
    if (o.name !== undefined) {
      if (typeof o.name !== 'string') this.fail(`${path}.name`, 'must be a string', o.name);
      else m.name = o.name;
    }
    if (o.resolution !== undefined) {
      m.resolution = this.number(o.resolution, `${path}.resolution`, MESH_COLLIDER_LIMITS.minResolution, MESH_COLLIDER_LIMITS.maxResolution, { integer: true });
    }
    if (o.thickness !== undefined) m.thickness = this.number(o.thickness, `${path}.thickness`, 0, 1e6);
    return m;
  }
}

/** Grids with at least this many cells along their longest axis solve pressure with MGPCG by default. */
export const MGPCG_DEFAULT_FROM_RESOLUTION = 64;

/**
 * The pressure method of a scene that names none: what measured cheapest per millisecond at
 * its size (NVIDIA H200, dam break, BENCHMARKS.md). At 32^3, 100 Jacobi iterations (0.26 ms)
 * reach 0.06 1/s RMS divergence, which MGPCG needs 0.4-0.5 ms for. From 64 up a Jacobi-only
 * simulation's divergence builds up (1.3 1/s at 64^3, 3.9 at 128^3 after 24 frames) while
 * MGPCG reaches a relative residual of 1e-3 in 1.2-1.5 ms at 64^3 and 3.7 ms at 128^3, and
 * any RMS divergence from 1 to 0.01 1/s at 128^3 7x-27x cheaper than Jacobi.
 */
export function defaultPressureMethod(resolution: Vec3): PressureMethod {
  return Math.max(...resolution) >= MGPCG_DEFAULT_FROM_RESOLUTION ? 'mgpcg' : 'jacobi';
}

/** Defaults for optional scene fields. */
export const SCENE_DEFAULTS = {
  gravity: [0, -9.81, 0] as Vec3,
  density: 1000,
  timeStep: { frame: 1 / 60, substeps: 1, cfl: 2, maxSubsteps: 8 } as TimeStepDescription,
  /** A Jacobi scene's pressure settings (each number's default and range: PRESSURE_VALUES in pressure-settings.ts). */
  pressure: defaultPressure('jacobi'),
  /** The V-cycle of mgpcg scenes that name none (measured on an H200: README "Pressure solvers"). */
  multigrid: { smoother: 'jacobi', sweeps: 1 } as MultigridDescription,
  levelSetBand: 4,
  extrapolationLayers: 4,
};

const TOP_LEVEL_KEYS = ['name', 'resolution', 'cellSize', 'gravity', 'gravityTilt', 'density', 'timeStep', 'pressure',
  'levelSetBand', 'extrapolationLayers', 'liquid', 'obstacles', 'emitters', 'sinks', 'forces', '$schema', 'description'];

/**
 * Validates a scene (parsed JSON or an object) and fills in defaults.
 * @throws SceneValidationError naming every wrong field and its allowed range
 */
export function validateScene(input: unknown, opts: { maxCells?: number; maxDimension?: number } = {}): SceneDescription {
  const c = new Checker();
  const o = c.object(input, 'scene');
  if (!o) throw new SceneValidationError(c.problems);
  c.unknownKeys(o, '', TOP_LEVEL_KEYS);

  const maxDim = Math.min(opts.maxDimension ?? SCENE_LIMITS.maxResolution, SCENE_LIMITS.maxResolution);
  let resolution: Vec3 = [NaN, NaN, NaN];
  if (typeof o.resolution === 'number') {
    const n = c.number(o.resolution, 'resolution', SCENE_LIMITS.minResolution, maxDim, { integer: true });
    resolution = [n, n, n];
  } else if (o.resolution === undefined) {
    c.fail('resolution', `is required: [nx, ny, nz], integers in [${SCENE_LIMITS.minResolution}, ${maxDim}]`);
  } else if (Array.isArray(o.resolution) && o.resolution.length === 3) {
    resolution = o.resolution.map((v, i) => c.number(v, `resolution[${i}]`, SCENE_LIMITS.minResolution, maxDim, { integer: true })) as Vec3;
  } else {
    c.fail('resolution', `must be [nx, ny, nz], integers in [${SCENE_LIMITS.minResolution}, ${maxDim}]`, o.resolution);
  }
  const maxCells = Math.min(opts.maxCells ?? SCENE_LIMITS.maxCells, SCENE_LIMITS.maxCells);
  const cells = resolution[0] * resolution[1] * resolution[2];
  if (Number.isFinite(cells) && cells > maxCells) {
    c.fail('resolution', `has ${cells} cells; this device allows at most ${maxCells}`, resolution);
  }

  const cellSize = o.cellSize === undefined
    ? (c.fail('cellSize', `is required: metres per cell in (0, ${SCENE_LIMITS.maxCellSize}]`), NaN)
    : c.number(o.cellSize, 'cellSize', 0, SCENE_LIMITS.maxCellSize, { exclusiveMin: true });
  const gravity = o.gravity === undefined ? SCENE_DEFAULTS.gravity : c.vec3(o.gravity, 'gravity', -SCENE_LIMITS.maxGravity, SCENE_LIMITS.maxGravity);
  const density = o.density === undefined ? SCENE_DEFAULTS.density : c.number(o.density, 'density', 1, 1e5);

  let gravityTilt: SceneDescription['gravityTilt'];
  if (o.gravityTilt !== undefined) {
    const g = c.object(o.gravityTilt, 'gravityTilt');
    if (g) {
      c.unknownKeys(g, 'gravityTilt', ['axis', 'amplitude', 'period']);
      const axis = c.vec3(g.axis, 'gravityTilt.axis', -1e3, 1e3);
      if (axis.every((v) => v === 0)) c.fail('gravityTilt.axis', 'must not be the zero vector', g.axis);
      gravityTilt = {
        axis,
        amplitude: c.number(g.amplitude, 'gravityTilt.amplitude', 0, 180),
        period: c.number(g.period, 'gravityTilt.period', 0, 1e6, { exclusiveMin: true }),
      };
    }
  }

  const timeStep: TimeStepDescription = { ...SCENE_DEFAULTS.timeStep };
  if (o.timeStep !== undefined) {
    const t = c.object(o.timeStep, 'timeStep');
    if (t) {
      c.unknownKeys(t, 'timeStep', ['frame', 'substeps', 'cfl', 'maxSubsteps']);
      if (t.frame !== undefined) timeStep.frame = c.number(t.frame, 'timeStep.frame', 0, 1, { exclusiveMin: true });
      if (t.substeps !== undefined) {
        timeStep.substeps = t.substeps === 'auto' ? 'auto' : c.number(t.substeps, 'timeStep.substeps (or "auto")', 1, 64, { integer: true });
      }
      if (t.cfl !== undefined) timeStep.cfl = c.number(t.cfl, 'timeStep.cfl', 0, 10, { exclusiveMin: true });
      if (t.maxSubsteps !== undefined) timeStep.maxSubsteps = c.number(t.maxSubsteps, 'timeStep.maxSubsteps', 1, 64, { integer: true });
    }
  }

  let pressure = defaultPressure(defaultPressureMethod(resolution));
  if (o.pressure !== undefined) {
    const p = c.object(o.pressure, 'pressure');
    if (p) {
      c.unknownKeys(p, 'pressure', ['method', 'iterations', 'tolerance', 'maxIterations', 'checkInterval', 'omega', 'iterationBudget', 'multigrid']);
      const { multigrid: m, iterationBudget, ...numbers } = p;
      const change = numbers as Partial<PressureDescription>;
      if (m !== undefined) {
        const mo = c.object(m, 'pressure.multigrid');
        if (mo) {
          c.unknownKeys(mo, 'pressure.multigrid', ['smoother', 'sweeps']);
          const multigrid = { ...SCENE_DEFAULTS.multigrid };
          if (mo.smoother !== undefined) {
            if (mo.smoother === 'jacobi' || mo.smoother === 'red-black') multigrid.smoother = mo.smoother;
            else c.fail('pressure.multigrid.smoother', 'must be "jacobi" or "red-black"', mo.smoother);
          }
          if (mo.sweeps !== undefined) multigrid.sweeps = c.number(mo.sweeps, 'pressure.multigrid.sweeps', 1, 4, { integer: true });
          change.multigrid = multigrid;
        }
      }
      if (iterationBudget !== undefined) {
        if (iterationBudget === 'adaptive' || iterationBudget === 'cap') change.iterationBudget = iterationBudget;
        else c.fail('pressure.iterationBudget', 'must be "adaptive" or "cap"', iterationBudget);
      }
      const resolved = resolvePressure(pressure, change);
      for (const problem of resolved.problems) c.fail(`pressure.${problem.field}`, problem.message, problem.got);
      pressure = resolved.settings;
    }
  }

  const levelSetBand = o.levelSetBand === undefined ? SCENE_DEFAULTS.levelSetBand : c.number(o.levelSetBand, 'levelSetBand', 2, 16, { integer: true });
  const extrapolationLayers = o.extrapolationLayers === undefined ? SCENE_DEFAULTS.extrapolationLayers : c.number(o.extrapolationLayers, 'extrapolationLayers', 1, 16, { integer: true });

  const liquid = c.array(o.liquid, 'liquid').map((s, i) => c.shape(s, `liquid[${i}]`));
  const obstacles = c.array(o.obstacles, 'obstacles').map((s, i) => c.obstacle(s, `obstacles[${i}]`));
  const meshCount = obstacles.filter((s) => s.type === 'mesh').length;
  if (meshCount > MESH_COLLIDER_LIMITS.maxColliders) c.fail('obstacles', `hold ${meshCount} meshes; at most ${MESH_COLLIDER_LIMITS.maxColliders}`);
  const emitters: EmitterDescription[] = c.array(o.emitters, 'emitters').map((e, i) => {
    const path = `emitters[${i}]`;
    const eo = c.object(e, path) ?? {};
    c.unknownKeys(eo, path, ['shape', 'velocity', 'start', 'end']);
    const em: EmitterDescription = { shape: c.shape(eo.shape, `${path}.shape`), velocity: c.vec3(eo.velocity ?? [0, 0, 0], `${path}.velocity`, -1000, 1000) };
    const start = c.optionalTime(eo, 'start', path);
    const end = c.optionalTime(eo, 'end', path);
    if (start !== undefined) em.start = start;
    if (end !== undefined) em.end = end;
    if (start !== undefined && end !== undefined && end < start) c.fail(`${path}.end`, `must not be before ${path}.start = ${start}`, end);
    return em;
  });
  const sinks: SinkDescription[] = c.array(o.sinks, 'sinks').map((e, i) => {
    const path = `sinks[${i}]`;
    const so = c.object(e, path) ?? {};
    c.unknownKeys(so, path, ['shape', 'start', 'end']);
    const sk: SinkDescription = { shape: c.shape(so.shape, `${path}.shape`) };
    const start = c.optionalTime(so, 'start', path);
    const end = c.optionalTime(so, 'end', path);
    if (start !== undefined) sk.start = start;
    if (end !== undefined) sk.end = end;
    return sk;
  });
  if (liquid.length === 0 && emitters.length === 0) {
    c.fail('liquid', 'must hold at least one shape (or the scene must have an emitter)');
  }
  const forces = checkForceFields(c, o.forces, 'forces');
  const totalShapes = liquid.length + obstacles.length + emitters.length + sinks.length;
  if (totalShapes > SCENE_LIMITS.maxShapes) c.fail('scene', `has ${totalShapes} shapes; at most ${SCENE_LIMITS.maxShapes} in all`);

  if (c.problems.length > 0) throw new SceneValidationError(c.problems);
  return {
    name: typeof o.name === 'string' ? o.name : 'scene',
    resolution, cellSize, gravity, density, timeStep, pressure, levelSetBand, extrapolationLayers,
    liquid, obstacles, emitters, sinks, forces,
    ...(gravityTilt ? { gravityTilt } : {}),
  };
}

/** Parses JSON text and validates it; JSON syntax errors name the position. */
export function parseScene(text: string, opts?: Parameters<typeof validateScene>[1]): SceneDescription {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SceneValidationError([`scene JSON does not parse: ${(e as Error).message}`]);
  }
  return validateScene(parsed, opts);
}

/** Largest force-field strength (m/s^2), as for gravity. */
const MAX_FORCE_STRENGTH = SCENE_LIMITS.maxGravity;
/** Largest falloff exponent. */
const MAX_FALLOFF_POWER = 16;
const FORCE_KINDS: readonly ForceFieldKind[] = ['directional', 'radial', 'vortex'];

/** A non-zero direction (or axis) vector. */
function nonZeroVec3(c: Checker, v: unknown, path: string): Vec3 {
  const d = c.vec3(v, path);
  if (d.every((x) => x === 0)) c.fail(path, 'must not be the zero vector', v);
  return d;
}

/** One force field: defaults filled in, every problem reported by field. */
function checkForceField(c: Checker, v: unknown, path: string): ForceFieldDescription {
  const o = c.object(v, path) ?? {};
  c.unknownKeys(o, path, ['kind', 'position', 'direction', 'strength', 'radius', 'falloff', 'enabled']);
  let kind: ForceFieldKind = 'directional';
  if (FORCE_KINDS.includes(o.kind as ForceFieldKind)) kind = o.kind as ForceFieldKind;
  else c.fail(`${path}.kind`, `must be one of ${FORCE_KINDS.map((k) => `"${k}"`).join(', ')}`, o.kind);
  const field: ForceFieldDescription = {
    kind,
    // A radial field's centre and a vortex's axis point have no sensible default.
    position: o.position === undefined && kind === 'directional' ? [0, 0, 0] : c.vec3(o.position, `${path}.position`),
    // A radial field has no direction; any given is kept but unused.
    direction: o.direction === undefined && kind === 'radial' ? [0, 1, 0] : nonZeroVec3(c, o.direction, `${path}.direction`),
    strength: c.number(o.strength, `${path}.strength`, -MAX_FORCE_STRENGTH, MAX_FORCE_STRENGTH),
    falloff: 'none',
    enabled: true,
  };
  if (o.radius !== undefined && o.radius !== Infinity) field.radius = c.number(o.radius, `${path}.radius`, 0, 1e6, { exclusiveMin: true });
  if (o.falloff !== undefined) {
    if (o.falloff === 'none' || o.falloff === 'linear' || o.falloff === 'smooth') field.falloff = o.falloff;
    else if (typeof o.falloff === 'number') field.falloff = c.number(o.falloff, `${path}.falloff (an exponent)`, 0, MAX_FALLOFF_POWER) as ForceFalloff;
    else c.fail(`${path}.falloff`, `must be "none", "linear", "smooth" or an exponent in [0, ${MAX_FALLOFF_POWER}]`, o.falloff);
  }
  if (o.enabled !== undefined) {
    if (typeof o.enabled === 'boolean') field.enabled = o.enabled;
    else c.fail(`${path}.enabled`, 'must be true or false', o.enabled);
  }
  return field;
}

/** A list of force fields (`forces` of a scene), at most `max` of them. */
function checkForceFields(c: Checker, v: unknown, path: string, max = MAX_FORCE_FIELDS): ForceFieldDescription[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) { c.fail(path, 'must be an array', v); return []; }
  if (v.length > max) c.fail(path, `may hold at most ${max} force fields`, v.length);
  return v.map((f, i) => checkForceField(c, f, `${path}[${i}]`));
}

/**
 * Validates force fields given at run time (grid metres) and fills in defaults, as the scene's
 * `forces` are: kind 'directional' | 'radial' | 'vortex'; `position` (m; required for radial
 * and vortex); `direction` (non-zero; required for directional and vortex); `strength` in
 * [-1000, 1000] m/s^2; `radius` in (0, 1e6] m or absent/Infinity (unbounded); `falloff`
 * 'none' (default), 'linear', 'smooth' or an exponent in [0, 16]; `enabled` (default true).
 * @param max how many may be given (default MAX_FORCE_FIELDS)
 * @throws SceneValidationError naming every wrong field and its allowed range
 */
export function validateForceFields(input: unknown, path = 'forces', max = MAX_FORCE_FIELDS): ForceFieldDescription[] {
  const c = new Checker();
  const fields = checkForceFields(c, input, path, max);
  if (c.problems.length > 0) throw new SceneValidationError(c.problems);
  return fields;
}

/**
 * Validates a detector region (grid metres): a scene box (`min` < `max`, optional Euler
 * `rotation` in degrees) or sphere (`center`, `radius` > 0), or an oriented region (`kind` 'box'
 * or 'sphere', `center`, `halfExtents` > 0 (a sphere's radius first), optional unit quaternion
 * `rotation`; a GpuShape's velocities are allowed and ignored).
 * @throws SceneValidationError naming every wrong field and its allowed range
 */
export function validateDetectorRegion(input: unknown, path = 'region'): DetectorRegion {
  const c = new Checker();
  const o = c.object(input, path);
  let region: DetectorRegion = { type: 'sphere', center: [0, 0, 0], radius: 1 };
  if (o && o.type !== undefined) {
    region = c.shape(o, path);
    delete region.velocity;
  } else if (o) {
    c.unknownKeys(o, path, ['kind', 'center', 'halfExtents', 'rotation', 'linearVelocity', 'angularVelocity']);
    if (o.kind !== 'box' && o.kind !== 'sphere') c.fail(`${path}.kind`, 'must be "box" or "sphere" (or give a scene shape with "type")', o.kind);
    const kind = o.kind === 'sphere' ? 'sphere' : 'box';
    const center = c.vec3(o.center, `${path}.center`);
    let halfExtents: Vec3 = [NaN, NaN, NaN];
    if (kind === 'sphere' && Array.isArray(o.halfExtents)) {
      halfExtents = [c.number(o.halfExtents[0], `${path}.halfExtents[0] (the radius)`, 0, 1e6, { exclusiveMin: true }), 0, 0];
    } else {
      halfExtents = c.vec3(o.halfExtents, `${path}.halfExtents`, 0, 1e6);
      halfExtents.forEach((h, a) => { if (h === 0) c.fail(`${path}.halfExtents[${a}]`, 'must be a number in (0, 1000000]', h); });
    }
    region = { kind, center, halfExtents };
    if (o.rotation !== undefined) {
      const q = o.rotation;
      if (!Array.isArray(q) || q.length !== 4) c.fail(`${path}.rotation`, 'must be a quaternion [x, y, z, w]', q);
      else {
        const r = q.map((x, i) => c.number(x, `${path}.rotation[${i}]`, -1e6, 1e6)) as [number, number, number, number];
        if (r.every((x) => x === 0)) c.fail(`${path}.rotation`, 'must be a non-zero quaternion [x, y, z, w]', q);
        region.rotation = r;
      }
    }
  }
  if (c.problems.length > 0) throw new SceneValidationError(c.problems);
  return region;
}
