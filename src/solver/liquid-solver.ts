import { BodyForcesPass } from '../bodies/body-forces-pass';
import { LiquidBodies } from '../bodies/liquid-bodies';
import type { MeshColliderSet } from '../colliders/mesh-collider-set';
import { SolidComposer } from '../colliders/solid-composer';
import type { DetectorRegion } from '../detectors/detector-region';
import { DetectorsPass } from '../detectors/detectors-pass';
import { LiquidDetectors, type DetectorCallback, type DetectorHandle } from '../detectors/liquid-detectors';
import { FoamField } from '../foam/foam-field';
import type { FoamSettings } from '../foam/foam-settings';
import { ForcesPass } from '../forces/forces-pass';
import { MAX_FORCE_FIELDS } from '../forces/force-field';
import { GpuTimer, type PassTimes } from '../gpu/gpu-timer';
import { countReadback, readBuffer, readFloat32 } from '../gpu/readback';
import { domainSize, type ForceFieldDescription, type ForceFieldInput, type MeshShape, type SceneDescription, type ShapeDescription, type Vec3 } from '../scene/scene-description';
import { GridLayout } from './grid-layout';
import { LiquidFields, STATS_COUNT, VOLUME_STATE_LAYOUT } from './liquid-fields';
import { AdvectionPass } from './passes/advection-pass';
import { DiagnosticsPass } from './passes/diagnostics-pass';
import { JacobiPressureSolver } from './pressure/jacobi-pressure-solver';
import type { SolveReport } from './pressure/solve-control';
import { ProjectionPass } from './passes/projection-pass';
import { RedistancePass } from './passes/redistance-pass';
import {
  createBoundaryPass, createHydrostaticPass, createSanitizePass,
  type BoundaryPass, type HydrostaticPass, type SanitizePass,
} from './passes/single-kernel-passes';
import { SceneShapesPass } from './passes/scene-shapes-pass';
import type { ClassicalPressureStage, PressureMode, PressureStage, PressureStepResult } from './pressure/pressure-stage';
import { type MultigridTuning, PressureStages } from './pressure/pressure-stages';
import type { PressureDescription } from '../scene/scene-description';
import { validateForceFields } from '../scene/scene-validation';
import { extendThroughWalls, packShapes, rotateByQuaternion, toGpuShape, type GpuShape } from './shape-packing';
import { packSimParams, SIM_PARAMS_BYTES } from './sim-params';

/** Options of a solver beyond its scene. */
export interface LiquidSolverOptions {
  /** Time each pass with GPU timestamps (needs the device feature 'timestamp-query'). */
  timing?: boolean;
  /** Ghost-fluid interface fraction clamp (default 0.05). */
  thetaMin?: number;
  /** Room for obstacles/emitters/sinks added at run time beyond the scene's (default 16). */
  extraShapeCapacity?: number;
  /** Whitewater foam from the first step (`true`, or numbers over the defaults); default off (see `LiquidSolver.foam`). */
  foam?: boolean | Partial<FoamSettings>;
}

/** Per-frame numbers, read back only when asked for. */
export interface FrameMetrics {
  frame: number;
  /** Simulated time at the end of the frame (s). */
  t: number;
  /** Liquid volume (m^3), smoothed-Heaviside measure of the level set. */
  volume: number;
  /** Volume the liquid should have: initial plus emitted minus drained (m^3). */
  targetVolume: number;
  /** (volume - targetVolume) / targetVolume. */
  volumeDrift: number;
  /** Max speed in liquid cells (m/s). */
  maxSpeed: number;
  /** RMS divergence of the velocity over liquid cells after the projection (1/s). */
  divergenceL2: number;
  /** Max |divergence| over liquid cells after the projection (1/s). */
  divergenceLinf: number;
  /** Jacobi iterations of the frame (summed over its steps). */
  pressureIterations: number;
  /** 'solve' if any step of the frame solved, else 'predict'. */
  mode: PressureMode;
  /** Steps this frame took. */
  substeps: number;
  liquidCells: number;
  kineticEnergy: number;
  /** Non-finite values repaired so far (level set, velocity, pressure). */
  repairedValues: number;
  /** Time per pass (ms): GPU timestamps when `timing` is on and supported, else the frame's wall time as `frame`. */
  ms: PassTimes;
  /** 'gpu-timestamps' or 'wall-clock'. */
  timingSource: 'gpu-timestamps' | 'wall-clock';
  /** Extra numbers a pressure stage adds (latent runtime: residuals, fallbacks). */
  extra?: Record<string, number | string | boolean>;
}

/** Per-step information that a frame collects. */
interface StepRecord {
  result: PressureStepResult;
  solveReport?: Promise<SolveReport>;
}

/** Named cell-centred fields that can be read back. */
export type FieldName = 'levelset' | 'pressure' | 'hydrostatic' | 'solid';

/**
 * A free-surface liquid on a plain GPUDevice: level set + MAC velocity, MacCormack advection,
 * narrow-band redistancing with volume correction, gravity, solid walls and obstacles,
 * ghost-fluid free-surface pressure, velocity extrapolation. The pressure comes from the
 * pressure stage in use (src/solver/pressure/: Jacobi iterations, multigrid-preconditioned CG,
 * or the latent predictor with one of them behind it).
 * All state stays on the GPU; nothing is read back unless a caller asks.
 */
export class LiquidSolver {
  readonly device: GPUDevice;
  readonly scene: SceneDescription;
  readonly grid: GridLayout;
  readonly fields: LiquidFields;
  readonly timer: GpuTimer;
  /** The pressure system's assembly and the Jacobi kernels (fixed-count, tolerance-mode and GPU-gated solves). */
  readonly pressureSolver: JacobiPressureSolver;
  /** Simulated time (s). */
  time = 0;
  /** Frames completed. */
  frame = 0;
  /** Steps completed. */
  stepCount = 0;
  /** Collect the state stats each frame so `readMetrics()` can return them. */
  collectMetrics = false;
  /** Why the device was lost, once it was; the solver then stops stepping. */
  lostReason: string | null = null;

  /** @internal The kernel families, exposed for tests and the latent runtime. */
  readonly kernels: {
    shapes: SceneShapesPass; advection: AdvectionPass; redistance: RedistancePass; forces: ForcesPass;
    boundary: BoundaryPass; hydrostatic: HydrostaticPass; projection: ProjectionPass; diagnostics: DiagnosticsPass;
    sanitize: SanitizePass; detectors: DetectorsPass; bodies: BodyForcesPass;
  };
  /** The detectors made by `watch` (counters, callback error handler). */
  readonly detectors: LiquidDetectors;
  /**
   * The rigid bodies coupled with the liquid: each is a moving solid here and gets the liquid's
   * pressure and drag back one or two frames later (docs/bodies.md).
   */
  readonly bodies: LiquidBodies;
  /**
   * Whitewater foam on the surface (src/foam/): off by default; `solver.foam.enabled = true`
   * runs its pass (`foam`) at the end of every step, and `solver.foam.buffer` holds the density.
   */
  readonly foam: FoamField;
  private readonly thetaMin: number;
  private readonly paramsData = new ArrayBuffer(SIM_PARAMS_BYTES);
  private obstacles: GpuShape[];
  /** Every solid (obstacles and mesh colliders) into the solid level set, ids and motion table. */
  private readonly solids: SolidComposer;
  private runtimeEmitters: GpuShape[] = [];
  private obstaclesDirty = true;
  private gravityOverride: Vec3 | null = null;
  private runtimeForces: ForceFieldDescription[] = [];
  private lastFrame: { steps: StepRecord[]; metricsPending: boolean; timed: boolean; wallMs: number } | null = null;
  private knownMaxSpeed = 0;
  private speedProbe: { buffer: GPUBuffer; busy: boolean } | null = null;
  private destroyed = false;
  /** The stage each step runs, the classical one, and the multigrid hierarchies. */
  private readonly pressureStages: PressureStages;
  private lastMode: PressureMode | null = null;

  private constructor(device: GPUDevice, scene: SceneDescription, grid: GridLayout, fields: LiquidFields,
    kernels: LiquidSolver['kernels'], pressureSolver: JacobiPressureSolver, pressureStages: PressureStages, foam: FoamField, options: LiquidSolverOptions) {
    this.device = device;
    this.foam = foam;
    this.scene = scene;
    this.grid = grid;
    this.fields = fields;
    this.kernels = kernels;
    this.pressureSolver = pressureSolver;
    this.thetaMin = options.thetaMin ?? 0.05;
    this.timer = new GpuTimer(device);
    this.timer.enabled = options.timing ?? false;
    this.pressureStages = pressureStages;
    this.obstacles = scene.obstacles.filter((s): s is ShapeDescription => s.type !== 'mesh').map((s) => toGpuShape(s));
    this.detectors = new LiquidDetectors(device, kernels.detectors, grid.cellSize ** 3);
    this.bodies = new LiquidBodies(device, kernels.bodies, () => this.shapeRoom() - this.obstacles.length - this.bodies.bodies.length, scene.density);
    this.solids = new SolidComposer(device, grid, fields, (pass) => kernels.shapes.rasterizeObstacles(pass), scene.timeStep.frame);
    device.lost.then((info) => { this.lostReason = `${info.reason}: ${info.message}`; });
  }

  /**
   * Builds the solver's buffers and pipelines and initializes the scene on the GPU.
   * @throws Error naming the limit when the grid does not fit the device
   */
  static async create(device: GPUDevice, scene: SceneDescription, options: LiquidSolverOptions = {}): Promise<LiquidSolver> {
    const grid = new GridLayout(scene.resolution, scene.cellSize);
    checkDeviceLimits(device, grid);
    const capacity = scene.obstacles.filter((s) => s.type !== 'mesh').length + scene.emitters.length + scene.sinks.length + scene.liquid.length + (options.extraShapeCapacity ?? 16);
    const fields = new LiquidFields(device, grid, capacity);
    try {
      const [shapes, advection, redistance, forces, boundary, hydrostatic, projection, diagnostics, sanitize, detectors, bodies, pressureSolver, foam] = await Promise.all([
        SceneShapesPass.create(device, grid, fields),
        AdvectionPass.create(device, grid, fields),
        RedistancePass.create(device, grid, fields, scene.levelSetBand),
        ForcesPass.create(device, grid, fields),
        createBoundaryPass(device, grid, fields),
        createHydrostaticPass(device, grid, fields),
        ProjectionPass.create(device, grid, fields, scene.extrapolationLayers),
        DiagnosticsPass.create(device, grid, fields),
        createSanitizePass(device, grid, fields),
        DetectorsPass.create(device, grid, fields),
        BodyForcesPass.create(device, grid, fields),
        JacobiPressureSolver.create(device, grid, fields),
        FoamField.create(device, grid, fields),
      ]);
      const pressureStages = await PressureStages.create(device, grid, fields, pressureSolver, scene.pressure);
      const solver = new LiquidSolver(device, scene, grid, fields,
        { shapes, advection, redistance, forces, boundary, hydrostatic, projection, diagnostics, sanitize, detectors, bodies }, pressureSolver, pressureStages, foam, options);
      if (options.foam) {
        if (typeof options.foam === 'object') foam.configure(options.foam);
        foam.enabled = true;
      }
      forces.setFields(scene.forces);
      const meshes = scene.obstacles.flatMap((shape, index) => (shape.type === 'mesh' ? [{ shape, index }] : [])) as { shape: MeshShape; index: number }[];
      if (meshes.length > 0) {
        solver.solids.addSceneMeshes(meshes);
        await solver.solids.ready();
      }
      solver.initializeState();
      return solver;
    } catch (e) {
      fields.destroy();
      throw e;
    }
  }

  /** The pressure stage of each step (a classical solve, or the latent runtime). */
  get pressureStage(): PressureStage {
    return this.pressureStages.current;
  }

  /**
   * Makes `stage` the pressure stage of the following steps and destroys the previous one
   * (unless it is the same stage, the classical stage the new one solves with, or
   * `keepPrevious` is set: tools that switch between stages they own).
   */
  setPressureStage(stage: PressureStage, options: { keepPrevious?: boolean } = {}): void {
    this.pressureStages.use(stage, options);
  }

  /** The classical pressure solve in use (directly, or inside the latent stage). */
  get classicalStage(): ClassicalPressureStage {
    return this.pressureStages.classical;
  }

  /**
   * A classical stage for `settings.method`, on this solver's kernels. The multigrid
   * hierarchy is built on first use (its pipelines compile once) and lives with the solver;
   * `tuning` picks its coarse-cycle threshold (bench comparisons), validated there.
   */
  createClassicalStage(settings: PressureDescription, tuning: MultigridTuning = {}): Promise<ClassicalPressureStage> {
    return this.pressureStages.createClassical(settings, tuning);
  }

  /**
   * Changes the classical solve's settings from the next step on: iterations, tolerances, or
   * the method (a new stage; a latent stage keeps predicting and falls back to the new one).
   * A method switch that names no `tolerance` or `maxIterations` gets the new method's
   * defaults for them (Jacobi: a fixed iteration count; mgpcg: PRESSURE_VALUES' tolerance and
   * CG cap), not the old method's. Checked by `resolvePressure` (src/scene/pressure-settings.ts).
   * @throws RangeError naming each refused field and its allowed range
   */
  configurePressure(settings: Partial<PressureDescription>): Promise<void> {
    return this.pressureStages.configure(settings);
  }

  /** How the last step got its pressure ('solve' or 'predict'); null before the first step. */
  get lastPressureMode(): PressureMode | null {
    return this.lastMode;
  }

  /** Level-set narrow band half-width (m). */
  get bandWidth(): number {
    return this.scene.levelSetBand * this.scene.cellSize;
  }

  /** Gravity at the current time: the override if set, else the scene's (tilted) gravity. */
  gravityAt(t: number): Vec3 {
    if (this.gravityOverride) return this.gravityOverride;
    const g = this.scene.gravity;
    const tilt = this.scene.gravityTilt;
    if (!tilt || tilt.amplitude === 0) return [...g];
    const angle = ((tilt.amplitude * Math.PI) / 180) * Math.sin((2 * Math.PI * t) / tilt.period);
    const len = Math.hypot(...tilt.axis);
    const s = Math.sin(angle / 2) / len;
    return rotateByQuaternion([tilt.axis[0] * s, tilt.axis[1] * s, tilt.axis[2] * s, Math.cos(angle / 2)], g);
  }

  /** Overrides gravity (m/s^2, grid frame) from now on; null returns to the scene's. */
  setGravity(g: Vec3 | null): void {
    this.gravityOverride = g ? [...g] : null;
  }

  /**
   * The mesh colliders (triangle meshes the liquid cannot enter): add, move, enable, disable and
   * remove them at any frame (docs/colliders.md).
   */
  get meshColliders(): MeshColliderSet {
    return this.solids.meshColliders;
  }

  /** Replaces the obstacles (grid-frame metres, with their rigid velocities); rasterized next step. */
  setObstacles(shapes: GpuShape[]): void {
    const room = this.shapeRoom() - this.bodies.bodies.length;
    if (shapes.length > room) throw new RangeError(`obstacles: at most ${room} fit this solver (got ${shapes.length})`);
    this.obstacles = shapes.map((s) => ({ ...s }));
    this.obstaclesDirty = true;
  }

  /**
   * Emitters added at run time (grid-frame metres; `linearVelocity` is the emitted liquid's
   * velocity), active every step until replaced. They add to the scene's own emitters.
   */
  setRuntimeEmitters(shapes: GpuShape[]): void {
    const room = this.shapeRoom() - this.obstacles.length - this.bodies.bodies.length;
    if (shapes.length > room) throw new RangeError(`emitters: at most ${room} fit this solver (got ${shapes.length})`);
    this.runtimeEmitters = shapes.map((s) => ({ ...s }));
  }

  /**
   * Force fields added at run time (grid-frame metres, like obstacles), acting from the next
   * step on in addition to the scene's `forces`; they replace the previous runtime fields.
   * Validated as the scene's are (see validateForceFields); the scene's and these together
   * may be at most MAX_FORCE_FIELDS (16).
   * @throws SceneValidationError naming the field and its allowed range; the previous fields stay
   */
  setRuntimeForceFields(fields: readonly ForceFieldInput[]): void {
    const room = MAX_FORCE_FIELDS - this.scene.forces.length;
    const checked = validateForceFields(fields, 'forces', room);
    this.kernels.forces.setFields([...this.scene.forces, ...checked]);
    this.runtimeForces = checked;
  }

  /** The force fields acting now: the scene's, then those set at run time (copies). */
  get forceFields(): ForceFieldDescription[] {
    return [...this.scene.forces, ...this.runtimeForces].map((f) => structuredClone(f));
  }

  /**
   * Watches a region (grid metres, see DetectorRegion): `callback` gets the liquid volume, fill
   * fraction and mean velocity inside it for every frame measured, one or two frames after the
   * frame (`reading.frame` says which). All detectors are measured on the GPU together at the
   * end of a frame and read back through one small buffer; step() never waits for it (with
   * every staging buffer still mapping, the frame is not measured). At most 16 at once;
   * `handle.remove()` stops one (safe inside its callback).
   * @throws SceneValidationError naming the region's wrong field; RangeError beyond 16 detectors
   */
  watch(region: DetectorRegion, callback: DetectorCallback): DetectorHandle {
    return this.detectors.watch(region, callback);
  }

  /** Room of the shape table beyond the scene's emitters, sinks and initial liquid. */
  private shapeRoom(): number {
    return this.fields.shapeCapacity - this.scene.emitters.length - this.scene.sinks.length - this.scene.liquid.length;
  }

  /** The solids of the obstacle path: the obstacles, then the coupled bodies. */
  private solidObstacles(): GpuShape[] {
    return this.bodies.bodies.length > 0 ? [...this.obstacles, ...this.bodies.solidShapes()] : this.obstacles;
  }

  /** Current obstacle shapes. */
  getObstacles(): GpuShape[] {
    return this.obstacles.map((s) => ({ ...s }));
  }

  private writeParams(dt: number, shapeCounts: { obstacles: number; emitters: number; sinks: number; liquid: number }): void {
    const s = this.scene;
    packSimParams({
      dims: s.resolution, gravity: this.gravityAt(this.time), dt, cellSize: s.cellSize, density: s.density,
      time: this.time, bandWidth: this.bandWidth, jacobiOmega: s.pressure.omega, thetaMin: this.thetaMin,
      obstacleCount: shapeCounts.obstacles, emitterCount: shapeCounts.emitters, sinkCount: shapeCounts.sinks,
      frame: this.frame, extrapolationLayers: s.extrapolationLayers, liquidShapeCount: shapeCounts.liquid,
    }, this.paramsData);
    this.device.queue.writeBuffer(this.fields.params, 0, this.paramsData);
  }

  /** The shapes acting at time t: obstacles, active emitters and sinks, and (optionally) the initial liquid. */
  shapesAt(t: number, includeLiquid: boolean): { obstacles: GpuShape[]; emitters: GpuShape[]; sinks: GpuShape[]; liquid: GpuShape[] } {
    const active = (w: { start?: number; end?: number }) => t >= (w.start ?? 0) && t < (w.end ?? Infinity);
    const domain = domainSize(this.scene);
    return {
      obstacles: this.solidObstacles().map((s) => ({ ...s })),
      emitters: [...this.scene.emitters.filter(active).map((e) => toGpuShape(e.shape, e.velocity)), ...this.runtimeEmitters.map((e) => ({ ...e }))],
      sinks: this.scene.sinks.filter(active).map((e) => toGpuShape(e.shape)),
      liquid: includeLiquid ? this.scene.liquid.map((s) => extendThroughWalls(toGpuShape(s), domain, 2 * this.bandWidth)) : [],
    };
  }

  /** Writes [obstacles | active emitters | active sinks | initial liquid] and returns the counts. */
  private writeShapes(t: number, includeLiquid: boolean) {
    const { obstacles, emitters, sinks, liquid } = this.shapesAt(t, includeLiquid);
    const all = [...obstacles, ...emitters, ...sinks, ...liquid];
    if (all.length > 0) this.device.queue.writeBuffer(this.fields.shapes, 0, packShapes(all));
    return { obstacles: obstacles.length, emitters: emitters.length, sinks: sinks.length, liquid: liquid.length };
  }

  /**
   * @internal Uploads the parameters and shapes of a step of length dt at the current time
   * (what `step()` does first); tests use it to run single kernels.
   */
  uploadStepParams(dt: number, includeLiquid = false): void {
    this.writeParams(dt, this.writeShapes(this.time, includeLiquid));
    // The solid motion table too (the next step still recomposes the solids).
    this.solids.prepare(this.solidObstacles(), true, this.frame, this.time);
  }

  /** Ghost-fluid interface fraction clamp in use. */
  get ghostThetaMin(): number {
    return this.thetaMin;
  }

  private initializeState(): void {
    const counts = this.writeShapes(0, true);
    this.writeParams(this.scene.timeStep.frame, counts);
    // Mesh colliders whose pipelines are still compiling join at a later step.
    const solids = this.solids.prepare(this.solidObstacles(), true, 0, 0);
    const enc = this.device.createCommandEncoder({ label: 'liquid.init' });
    let pass = enc.beginComputePass({ label: 'init.scene' });
    if (solids.voxelize) this.solids.encodeBuilds(pass);
    this.solids.compose(pass);
    this.kernels.shapes.initLiquid(pass);
    pass.end();
    this.obstaclesDirty = false;
    // The union of shapes is a distance only outside; redistance it like an advected field.
    enc.copyBufferToBuffer(this.fields.levelSet, 0, this.fields.levelSetScratch[2], 0, this.grid.cellCount * 4);
    pass = enc.beginComputePass({ label: 'init.redistance' });
    this.kernels.redistance.redistance(pass);
    this.kernels.diagnostics.initVolumeTarget(pass);
    this.kernels.boundary.enforceSolidVelocity(pass);
    this.kernels.hydrostatic.hydrostaticPressure(pass);
    pass.end();
    // Start the pressure from the hydrostatic part: a still pool is then in balance at once.
    enc.copyBufferToBuffer(this.fields.hydrostaticPressure, 0, this.fields.pressure, 0, this.grid.cellCount * 4);
    this.device.queue.submit([enc.finish()]);
  }

  /**
   * Re-initializes the scene (time 0, initial liquid, velocities zero). The initial liquid
   * leaves out the mesh colliders added so far once their pipelines are compiled
   * (`await meshColliders.ready()` first).
   */
  reset(): void {
    this.pressureStage.reset?.();
    this.lastMode = null;
    this.time = 0;
    this.frame = 0;
    this.stepCount = 0;
    this.detectors.reset();
    this.bodies.reset();
    this.foam.reset();
    this.device.queue.writeBuffer(this.fields.health, 0, new Uint32Array(4));
    this.initializeState();
  }

  /** Steps the next frame will take. */
  substepsForNextFrame(): number {
    const ts = this.scene.timeStep;
    if (ts.substeps !== 'auto') return ts.substeps;
    // CFL from the last known max speed (read asynchronously), with room for the push of gravity and the force fields.
    let push = Math.hypot(...this.gravityAt(this.time));
    for (const f of [...this.scene.forces, ...this.runtimeForces]) if (f.enabled) push += Math.abs(f.strength);
    const speed = this.knownMaxSpeed + push * ts.frame;
    const n = Math.ceil((speed * ts.frame) / (ts.cfl * this.scene.cellSize));
    return Math.min(ts.maxSubsteps, Math.max(1, n));
  }

  /**
   * Advances one frame (`scene.timeStep.frame` seconds, in one or more steps). Resolves
   * once the frame's GPU work is submitted (not finished): nothing is read back unless
   * `collectMetrics` is set and `readMetrics()` is called, or substeps are 'auto'.
   */
  async step(): Promise<void> {
    if (this.destroyed) throw new Error('LiquidSolver.step: the solver was destroyed');
    if (this.lostReason) return;
    const t0 = performance.now();
    const substeps = this.substepsForNextFrame();
    const dt = this.scene.timeStep.frame / substeps;
    const steps: StepRecord[] = [];
    for (let s = 0; s < substeps; s++) {
      steps.push(await this.advance(dt, s === substeps - 1));
    }
    this.frame++;
    this.lastFrame = { steps, metricsPending: this.collectMetrics, timed: this.timer.enabled && this.timer.supported, wallMs: performance.now() - t0 };
  }

  /** One step of length dt: the algorithm, in order. */
  private async advance(dt: number, lastOfFrame: boolean): Promise<StepRecord> {
    const counts = this.writeShapes(this.time, false);
    this.writeParams(dt, counts);
    if (this.solids.needsPipelines) await this.solids.ready();
    // Before the encoder: a growing SDF atlas submits a copy of itself.
    const bodiesMoved = this.bodies.consumeChanged();
    const solids = this.solids.prepare(this.solidObstacles(), this.obstaclesDirty || bodiesMoved, this.frame, this.time);
    this.obstaclesDirty = false;
    const timer = this.timer.enabled ? this.timer : null;
    let encoder = this.device.createCommandEncoder({ label: `liquid.step${this.stepCount}` });
    const phase = (name: string, body: (pass: GPUComputePassEncoder) => void) => {
      const pass = encoder.beginComputePass(timer?.computePass(name) ?? { label: name });
      body(pass);
      pass.end();
    };

    // Anything written into the state since the last step (user code, a GPU upload) is checked
    // before it can spread; the same pass runs again at the end of the step.
    phase('sanitize', (p) => this.kernels.sanitize.sanitizeState(p));
    if (solids.voxelize) phase('voxelize', (p) => this.solids.encodeBuilds(p));
    if (solids.compose) phase('obstacles', (p) => this.solids.compose(p));
    if (counts.emitters + counts.sinks > 0) {
      phase('emit', (p) => {
        this.kernels.diagnostics.recordVolumeBefore(p);
        if (counts.emitters > 0) this.kernels.shapes.emitLiquid(p);
        if (counts.sinks > 0) this.kernels.shapes.drainSinks(p);
        this.kernels.diagnostics.addEmittedVolume(p);
      });
    }
    phase('advect', (p) => {
      this.kernels.advection.advectLevelSet(p);
      this.kernels.advection.advectVelocity(p);
    });
    this.kernels.advection.commitVelocity(encoder);
    phase('redistance', (p) => this.kernels.redistance.redistance(p));
    phase('volume', (p) => this.kernels.diagnostics.correctVolume(p));
    phase('forces', (p) => {
      this.kernels.forces.addGravity(p);
      this.kernels.forces.addForceFields(p);
      this.kernels.boundary.enforceSolidVelocity(p);
    });
    phase('pressureSystem', (p) => {
      this.kernels.hydrostatic.hydrostaticPressure(p);
      this.pressureSolver.buildSystem(p);
    });

    const stepIndex = this.stepCount;
    const device = this.device;
    const stage = this.pressureStage;
    const result = await stage.computePressure({
      dt, stepIndex, timer,
      get encoder() { return encoder; },
      flush: () => {
        device.queue.submit([encoder.finish()]);
        encoder = device.createCommandEncoder({ label: `liquid.step${stepIndex}.continued` });
        return encoder;
      },
    });
    // The stage may have flushed: `encoder` is the current one.

    phase('project', (p) => {
      this.kernels.projection.projectVelocity(p);
      this.kernels.projection.extrapolateVelocity(p);
    });
    this.kernels.projection.finish(encoder);
    phase('sanitize', (p) => {
      this.kernels.boundary.enforceSolidVelocity(p);
      this.kernels.sanitize.sanitizeState(p);
    });
    // Foam rides on the step's final level set and velocity; off, nothing is recorded.
    if (this.foam.enabled) {
      this.foam.prepare(encoder);
      phase('foam', (p) => this.foam.encode(p));
    }
    const autoSubsteps = this.scene.timeStep.substeps === 'auto';
    if (lastOfFrame && (this.collectMetrics || autoSubsteps)) {
      phase('diagnostics', (p) => this.kernels.diagnostics.measureState(p));
    }
    // Detectors: measured and copied for a readback that nobody waits for (skipped while every staging buffer maps).
    const detect = lastOfFrame && this.detectors.beginFrame();
    if (detect) {
      phase('detectors', (p) => this.detectors.measure(p));
      this.detectors.encodeCopy(encoder, this.frame + 1, this.time + dt);
    }
    // Bodies: the liquid's push on every body, one reduction and one readback nobody waits for.
    const measureBodies = lastOfFrame && this.bodies.beginFrame(this.obstacles.length);
    if (measureBodies) {
      phase('bodies', (p) => this.bodies.measure(p));
      this.bodies.encodeCopy(encoder, this.frame + 1, this.gravityAt(this.time));
    }
    if (lastOfFrame && timer) this.timer.endFrame(encoder);
    const probe = lastOfFrame && autoSubsteps ? this.encodeSpeedProbe(encoder) : false;
    this.device.queue.submit([encoder.finish()]);
    stage.afterSubmit?.();
    if (probe) this.readSpeedProbe();
    if (detect) this.detectors.afterSubmit();
    if (measureBodies) this.bodies.afterSubmit();

    this.time += dt;
    this.stepCount++;
    this.lastMode = result.mode;
    const record: StepRecord = { result };
    if (result.iterationsOnGpu && this.collectMetrics && stage.readSolveReport) record.solveReport = stage.readSolveReport();
    return record;
  }

  /** CFL support: copy max speed into a small mappable buffer, unless a read is in flight. */
  private encodeSpeedProbe(encoder: GPUCommandEncoder): boolean {
    if (!this.speedProbe) {
      this.speedProbe = { buffer: this.device.createBuffer({ label: 'liquid.speedProbe', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }), busy: false };
    }
    if (this.speedProbe.busy) return false;
    encoder.copyBufferToBuffer(this.fields.stats, 16, this.speedProbe.buffer, 0, 16);
    return true;
  }

  private readSpeedProbe(): void {
    const probe = this.speedProbe!;
    probe.busy = true;
    countReadback();
    probe.buffer.mapAsync(GPUMapMode.READ).then(() => {
      const v = new Float32Array(probe.buffer.getMappedRange())[1];
      probe.buffer.unmap();
      if (Number.isFinite(v)) this.knownMaxSpeed = v;
      probe.busy = false;
    }, () => { probe.busy = false; });
  }

  /**
   * Reads the metrics of the last frame (needs `collectMetrics` set before stepping it).
   * Waits for the GPU; for tools and overlays, not for the frame loop.
   */
  async readMetrics(): Promise<FrameMetrics> {
    const last = this.lastFrame;
    if (!last?.metricsPending) {
      throw new Error('LiquidSolver.readMetrics: set collectMetrics = true before step() to collect metrics');
    }
    last.metricsPending = false;
    const [statsBuf, volumeBuf, healthBuf, times] = await Promise.all([
      readBuffer(this.device, this.fields.stats, STATS_COUNT * 4),
      readBuffer(this.device, this.fields.volumeState, VOLUME_STATE_LAYOUT.size),
      readBuffer(this.device, this.fields.health, 16),
      last.timed ? this.timer.read() : Promise.resolve(null),
    ]);
    const stats = new Float32Array(statsBuf);
    const health = new Uint32Array(healthBuf);
    let iterations = 0;
    let mode: PressureMode = 'predict';
    for (const s of last.steps) {
      if (s.result.mode === 'solve') mode = 'solve';
      iterations += s.result.iterations ?? 0;
      if (s.solveReport) iterations += (await s.solveReport).iterations;
    }
    const stage = this.pressureStage;
    const extra = stage.readFrameExtras ? await stage.readFrameExtras() : undefined;
    if (typeof extra?.fallbackIterations === 'number') iterations += extra.fallbackIterations;
    const liquidCells = stats[2];
    const volume = stats[0];
    const target = VOLUME_STATE_LAYOUT.scalar(volumeBuf, 'targetVolume');
    return {
      frame: this.frame,
      t: this.time,
      volume,
      targetVolume: target,
      volumeDrift: target > 0 ? (volume - target) / target : 0,
      maxSpeed: stats[5],
      divergenceL2: liquidCells > 0 ? Math.sqrt(stats[3] / liquidCells) : 0,
      divergenceLinf: stats[4],
      pressureIterations: iterations,
      mode,
      substeps: last.steps.length,
      liquidCells,
      kineticEnergy: stats[7],
      repairedValues: health[0] + health[1] + health[2],
      ms: times ?? { frame: last.wallMs },
      timingSource: times ? 'gpu-timestamps' : 'wall-clock',
      ...(extra ? { extra } : {}),
    };
  }

  /** Reads a cell-centred field ([nz][ny][nx], float32). */
  async readField(name: FieldName): Promise<Float32Array> {
    const buffer = { levelset: this.fields.levelSet, pressure: this.fields.pressure, hydrostatic: this.fields.hydrostaticPressure, solid: this.fields.solidLevelSet }[name];
    if (!buffer) throw new Error(`readField: unknown field '${name}' (levelset, pressure, hydrostatic, solid)`);
    return readFloat32(this.device, buffer, this.grid.cellCount);
  }

  /** Reads the packed MAC velocity [u | v | w]. */
  async readVelocity(): Promise<Float32Array> {
    return readFloat32(this.device, this.fields.velocity, this.grid.faceCount);
  }

  /** Cell-centred velocity [nz][ny][nx][3], the mean of each cell's two faces per axis. */
  async readCellVelocity(): Promise<Float32Array> {
    return cellCentredVelocity(this.grid, await this.readVelocity());
  }

  /** GPU memory held by the solver's buffers (bytes), the multigrid hierarchy's once it was built. */
  get gpuBytes(): number {
    return this.fields.byteSize + this.pressureStages.gpuBytes + this.kernels.detectors.byteSize + this.detectors.byteSize + this.solids.byteSize
      + this.kernels.bodies.byteSize + this.bodies.byteSize + this.foam.byteSize;
  }

  /** Frees all GPU resources. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pressureStages.destroy();
    this.timer.destroy();
    this.speedProbe?.buffer.destroy();
    this.kernels.forces.destroy();
    this.detectors.destroy();
    this.kernels.detectors.destroy();
    this.bodies.destroy();
    this.kernels.bodies.destroy();
    this.foam.destroy();
    this.solids.destroy();
    this.fields.destroy();
  }
}

/** Averages MAC faces to cell centres: [nz][ny][nx][3]. */
export function cellCentredVelocity(grid: GridLayout, faces: Float32Array): Float32Array {
  const out = new Float32Array(grid.cellCount * 3);
  for (let k = 0; k < grid.nz; k++) {
    for (let j = 0; j < grid.ny; j++) {
      for (let i = 0; i < grid.nx; i++) {
        const c = grid.cellIndex(i, j, k) * 3;
        out[c] = 0.5 * (faces[grid.faceIndex(0, i, j, k)] + faces[grid.faceIndex(0, i + 1, j, k)]);
        out[c + 1] = 0.5 * (faces[grid.faceIndex(1, i, j, k)] + faces[grid.faceIndex(1, i, j + 1, k)]);
        out[c + 2] = 0.5 * (faces[grid.faceIndex(2, i, j, k)] + faces[grid.faceIndex(2, i, j, k + 1)]);
      }
    }
  }
  return out;
}

/** Rejects grids the device cannot hold, naming the limit. */
export function checkDeviceLimits(device: GPUDevice, grid: GridLayout): void {
  const largest = Math.max(grid.faceCount * 4, grid.cellCount * 16);
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  if (largest > limit) {
    throw new RangeError(`resolution [${grid.dims.join(', ')}] needs a ${largest}-byte buffer; this device allows ${limit} `
      + `(maxStorageBufferBindingSize/maxBufferSize). Use a smaller resolution.`);
  }
  const groups = Math.max(...grid.faceExtent.map((n) => Math.ceil(n / 4)), grid.reductionGroups);
  if (groups > device.limits.maxComputeWorkgroupsPerDimension) {
    throw new RangeError(`resolution [${grid.dims.join(', ')}] needs ${groups} workgroups in one dimension; `
      + `this device allows ${device.limits.maxComputeWorkgroupsPerDimension}. Use a smaller resolution.`);
  }
  if (device.limits.maxStorageBuffersPerShaderStage < 7) {
    throw new RangeError(`the device allows ${device.limits.maxStorageBuffersPerShaderStage} storage buffers per shader stage; the solver needs 7`);
  }
}
