import * as pc from 'playcanvas';
import { boxScene, defaultPressureMethod, LiquidSolver, presetScene, rescaleScene, scaleScene, validateScene, type LatentPressureStage, type PresetName, type SceneDescription } from '../src/index';
import { MAX_FORCE_FIELDS, type DetectorCallback, type DetectorRegion } from '../src/index';
import { ForceFieldTracker } from './force-field-tracker';
import { LiquidWatchers, type LiquidWatchHandle, type LiquidWatchOptions } from './liquid-watchers';
import { LiquidSurfaceRenderer } from './render';
import { ChildShapeTracker } from './child-shape-tracker';
import { MeshObstacleTracker, type TrackedObstacle } from './mesh-obstacle-tracker';
import { BodyTracker } from './body-tracker';
import { LiquidStats } from './liquid-stats';
import { LiquidStepper, realtimeFrames } from './liquid-stepper';
import { LatentAttachment } from './latent-attachment';
import {
  changedSettings, DEFAULT_LIQUID_SETTINGS, LOOK_SETTINGS, MODEL_SETTINGS, PRESSURE_SETTINGS, REBUILD_SETTINGS,
  sanitizeSettings, SCHEDULE_SETTINGS, STATS_SETTINGS, type LiquidVolumeSettings,
} from './liquid-settings';

/** What the component is doing. */
export type LiquidStatus = 'starting' | 'running' | 'unsupported' | 'error' | 'device-lost';

/**
 * The liquid of one entity: builds the core solver from the settings on the app's own
 * GPUDevice and rebuilds it when the grid settings change or the device comes back, applies
 * the other settings live, and each frame turns the entity's rotation into gravity in the
 * liquid's frame, feeds obstacles and emitters from child entities and starts a step (one in
 * flight at a time, see LiquidStepper). The latent predictor is LatentAttachment's. The
 * PlayCanvas script (liquid-volume.mjs) is a thin shell around it; code users can drive it
 * directly.
 */
export class LiquidVolumeController {
  readonly app: pc.AppBase;
  readonly entity: pc.Entity;
  /** Per-frame numbers for tech artists (filled when `collectStats` is on; mode/frame always). */
  readonly stats = new LiquidStats();
  status: LiquidStatus = 'starting';
  /**
   * Why the component is not running, if it is not; while it runs, why the latent solver that
   * was asked for is not in use (see `latentUnavailable`). The stats overlay shows it.
   */
  message = '';
  /**
   * Set when `solver` is 'latent' but the latent path is off: the predictor could not be attached
   * (no model set, a model that fails to load or does not fit the grid, onnxruntime-web's .wasm
   * missing), or it was disabled at run time (its network runs kept failing, its predictions
   * kept holding NaN/Inf): the reason. The liquid then runs on the classical solve only. '' when
   * the latent solver runs or was not asked for.
   */
  latentUnavailable = '';
  solver: LiquidSolver | null = null;
  renderer: LiquidSurfaceRenderer | null = null;
  /** The app's dynamic rigid bodies tagged `liquid-body`, coupled with this liquid. */
  readonly bodies: BodyTracker;
  /** Warnings go here (default console.warn); each distinct message once. */
  onWarning: (message: string) => void;
  /**
   * Called before each step is prepared (before the obstacles are read), with the simulated time
   * the step starts at and the seconds it advances: move obstacles here to animate them in
   * simulated time (a paddle at a set angular speed turns omega * dt per step however slow the GPU).
   */
  beforeStep: ((time: number, dt: number) => void) | null = null;

  private settings: LiquidVolumeSettings = { ...DEFAULT_LIQUID_SETTINGS };
  /** The settings the solver, renderer and predictor have now (per key, see applyChanges). */
  private applied: Partial<LiquidVolumeSettings> = {};
  /** The grid settings of the last rebuild asked for (builds take a while; do not restart them). */
  private requested: Partial<LiquidVolumeSettings> = {};
  private readonly tracker: ChildShapeTracker;
  /** The scene's `liquid-obstacle` entities as mesh colliders. */
  private readonly obstacles: MeshObstacleTracker;
  /** The app's liquidForce scripts, in this liquid's frame. */
  private readonly forces: ForceFieldTracker;
  /** The detectors of `watch`, kept across rebuilds. */
  private readonly watchers: LiquidWatchers;
  private readonly stepper = new LiquidStepper();
  private readonly model: LatentAttachment;
  private generation = 0;
  private enabled = true;
  private readonly warned = new Set<string>();
  private readonly onLost: () => void;
  private readonly onRestored: () => void;
  private destroyed = false;
  private readonly tmpQuat = new pc.Quat();
  private readonly tmpVec = new pc.Vec3();

  constructor(app: pc.AppBase, entity: pc.Entity, onWarning?: (message: string) => void) {
    this.app = app;
    this.entity = entity;
    this.onWarning = onWarning ?? ((m) => console.warn(m));
    this.tracker = new ChildShapeTracker(entity);
    this.obstacles = new MeshObstacleTracker(app, entity);
    this.bodies = new BodyTracker(app, entity, (m) => this.warn(m));
    this.forces = new ForceFieldTracker(app, entity);
    this.watchers = new LiquidWatchers(entity, (m) => this.warn(m));
    this.model = new LatentAttachment((m) => this.warn(m));
    const device = app.graphicsDevice;
    this.onLost = () => {
      this.status = 'device-lost';
      this.message = 'the GPU device was lost; waiting for it to come back';
      this.warn(`latent-liquid: ${this.message}`);
    };
    this.onRestored = () => {
      this.warned.delete(`latent-liquid: ${this.message}`);
      this.rebuild();
    };
    device.on('devicelost', this.onLost);
    device.on('devicerestored', this.onRestored);
    // PlayCanvas treats a GPUDevice lost with reason 'destroyed' (someone called destroy()) as
    // intentional and keeps rendering, which then throws inside its buffer uploads every
    // frame. The device is gone either way: mark the context lost so the app stops drawing.
    const wgpu = (device as pc.GraphicsDevice & { wgpu?: GPUDevice }).wgpu;
    void wgpu?.lost.then((info) => {
      if (this.destroyed || info.reason !== 'destroyed' || device.contextLost) return;
      try { device.loseContext(); } catch { /* a device being torn down */ }
      this.onLost();
    });
  }

  /** The latent pressure stage while the predictor is attached. */
  get latent(): LatentPressureStage | null {
    return this.model.stage;
  }

  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.onWarning(message);
  }

  /** The GPUDevice of the app, or null (with status 'unsupported') when it is not WebGPU. */
  private gpuDevice(): GPUDevice | null {
    const device = this.app.graphicsDevice as pc.GraphicsDevice & { wgpu?: GPUDevice };
    if (device.deviceType !== pc.DEVICETYPE_WEBGPU || !device.wgpu) {
      this.status = 'unsupported';
      this.message = `latent-liquid needs a WebGPU graphics device (this app runs ${device.deviceType}); the liquid is disabled`;
      this.warn(this.message);
      return null;
    }
    return device.wgpu;
  }

  /**
   * Applies settings; call every frame with the script's attributes (cheap when nothing
   * changed: values are compared per setting, assets by identity). Grid changes rebuild the
   * liquid, model changes reattach the predictor, the rest takes effect on the next step.
   */
  apply(input: Partial<LiquidVolumeSettings>): void {
    if (this.destroyed) return;
    const s = sanitizeSettings(input, this.settings, (m) => this.warn(m));
    this.settings = s;
    if (changedSettings(s, this.requested, REBUILD_SETTINGS).size > 0) {
      for (const k of REBUILD_SETTINGS) (this.requested as Record<string, unknown>)[k] = s[k];
      if (this.status !== 'unsupported') this.rebuild();
      return;
    }
    if (!this.solver) return; // building, failed, or unsupported
    if (changedSettings(s, this.applied, MODEL_SETTINGS).size > 0) void this.attachModel();
    this.applyChanges();
  }

  /** Settings that change without rebuilding: those that differ from what is applied. */
  private applyChanges(): void {
    const s = this.settings;
    const changed = changedSettings(s, this.applied, [...PRESSURE_SETTINGS, ...SCHEDULE_SETTINGS, ...LOOK_SETTINGS, ...STATS_SETTINGS]);
    if (changed.size === 0) return;
    const has = (keys: readonly (keyof LiquidVolumeSettings)[]) => keys.some((k) => changed.has(k));
    const solver = this.solver;
    if (solver && has(PRESSURE_SETTINGS)) void this.configurePressure(solver);
    if (has(SCHEDULE_SETTINGS)) this.model.updateSchedule(s);
    const r = this.renderer;
    if (r && has(LOOK_SETTINGS)) {
      r.setLook({ color: s.color, absorption: s.absorption, refractionStrength: s.refraction, reflectionStrength: s.reflection, roughness: s.roughness, foamColor: s.foamColor });
      r.foam = s.foam;
      // no light set: the renderer picks the scene's brightest directional light itself
      r.sunLight = s.sunLight ?? 'auto';
      r.debugView = s.debugView;
      r.frameTintEnabled = s.debugView !== 'none';
    }
    // Off means off: the solver records no foam pass and the renderer has no foam code.
    if (solver && changed.has('foam')) solver.foam.enabled = s.foam;
    if (solver) solver.collectMetrics = s.collectStats;
    for (const k of changed) (this.applied as Record<string, unknown>)[k] = s[k];
  }

  /**
   * The classical solve the settings ask for, from the next step on (errors become a warning).
   * `pressureTolerance` is mgpcg's: the Editor's Jacobi runs its fixed count (no tolerance).
   */
  private configurePressure(solver: LiquidSolver): Promise<void> {
    const s = this.settings;
    const method = s.pressureMethod === 'auto' ? defaultPressureMethod(solver.scene.resolution) : s.pressureMethod;
    return solver.configurePressure({
      method, iterations: s.jacobiIterations, tolerance: method === 'mgpcg' ? s.pressureTolerance : undefined,
    }).catch((e: Error) => this.warn(`latent-liquid: liquidVolume.pressureMethod '${s.pressureMethod}' cannot be used: ${e.message}`));
  }

  private sceneFromSettings(): SceneDescription {
    const s = this.settings;
    const sized = s.size.some((x) => x > 0);
    if (s.preset === 'custom') {
      if (!s.sceneJson) throw new Error("liquidVolume.preset is 'custom' but no scene JSON asset is set");
      const scene = rescaleScene(validateScene(s.sceneJson), s.resolution);
      // The scene JSON sets the box in metres: a cellSize or size that contradicts it is refused, loudly.
      const box = scene.resolution.map((r) => +(r * scene.cellSize).toPrecision(4)).join(' x ');
      if (sized) this.warn(`latent-liquid: liquidVolume.size is not used with preset 'custom': the scene JSON sets the box (${box} m)`);
      if (Math.abs(s.cellSize - DEFAULT_LIQUID_SETTINGS.cellSize) > 1e-9 && Math.abs(s.cellSize - scene.cellSize) > 1e-6 * scene.cellSize) {
        this.warn(`latent-liquid: liquidVolume.cellSize ${s.cellSize} m is not used with preset 'custom': the scene JSON sets the box (${box} m), `
          + `so at resolution ${s.resolution} a cell is ${+scene.cellSize.toPrecision(4)} m; change the box in the JSON or the resolution`);
      }
      return scene;
    }
    const preset = presetScene(s.preset as PresetName, s.resolution);
    if (sized) return boxScene(preset, s.size, s.resolution);
    // Presets are a 1 m tank: scale the geometry to resolution * cellSize metres.
    return scaleScene(preset, s.resolution * s.cellSize);
  }

  /** Tears down and rebuilds solver, renderer and predictor (after the work in flight). */
  rebuild(): void {
    const generation = ++this.generation;
    void this.stepper.exclusive(async () => {
      if (generation !== this.generation || this.destroyed) return;
      this.teardown();
      const device = this.gpuDevice();
      if (!device) return;
      this.status = 'starting';
      try {
        const scene = this.sceneFromSettings();
        const solver = await LiquidSolver.create(device, scene, { timing: true });
        if (generation !== this.generation || this.destroyed) { solver.destroy(); return; }
        this.solver = solver;
        this.renderer = new LiquidSurfaceRenderer(this.app, { dims: scene.resolution, cellSize: scene.cellSize, parent: this.entity });
        this.renderer.enabled = this.enabled;
        const camera = this.app.root.findComponents('camera')[0] as pc.CameraComponent | undefined;
        if (camera) this.renderer.attachCamera(camera);
        const s = this.settings;
        // The classical solve the settings ask for from the first step on (mgpcg from frame 1).
        await this.configurePressure(solver);
        // What the new solver has: the grid and pressure settings; the renderer's look, the schedule and the model still to apply.
        this.applied = Object.fromEntries([...REBUILD_SETTINGS, ...PRESSURE_SETTINGS].map((k) => [k, s[k]]));
        this.tracker.reset();
        this.obstacles.attach(solver, (m) => this.warn(m));
        this.forces.reset();
        this.watchers.attach(solver);
        this.stats.reset(scene);
        this.status = 'running';
        this.message = '';
        this.applyChanges();
        await this.attachModelNow(solver);
      } catch (e) {
        this.status = 'error';
        this.message = (e as Error).message;
        this.warn(`latent-liquid: the liquid could not start: ${this.message}`);
        this.teardown();
      }
    });
  }

  /** (Re)attaches or detaches the latent predictor per the settings, after the work in flight. */
  private attachModel(): Promise<void> {
    for (const k of MODEL_SETTINGS) (this.applied as Record<string, unknown>)[k] = this.settings[k];
    const solver = this.solver;
    return this.stepper.exclusive(() => (solver && this.solver === solver ? this.attachModelNow(solver) : undefined));
  }

  /**
   * `solver: 'latent'` was asked for but cannot run: says so where users look (the status
   * message and the stats overlay) besides the console, and keeps the reason in
   * `latentUnavailable`. `warned`: the console already has the reason.
   */
  private reportLatentUnavailable(reason: string, warned = false): void {
    this.latentUnavailable = reason;
    this.message = `latent solver unavailable, solving with the classical solver (${this.solver?.classicalStage.method ?? 'jacobi'}) only: ${reason}`;
    if (!warned) this.warn(`latent-liquid: ${this.message}`);
  }

  /** A latent stage that gave up at run time (it warned once already): says so where users look. */
  private checkLatentDisabled(): void {
    const stage = this.model.stage;
    if (stage?.stats.disabled && !this.latentUnavailable) this.reportLatentUnavailable(`predictions disabled at run time: ${stage.disabledReason}`, true);
  }

  private clearLatentUnavailable(): void {
    if (this.latentUnavailable && this.status === 'running') this.message = '';
    this.latentUnavailable = '';
  }

  /** Attaches per the settings; runs inside an exclusive task (no step in flight). */
  private async attachModelNow(solver: LiquidSolver): Promise<void> {
    const s = this.settings;
    for (const k of MODEL_SETTINGS) (this.applied as Record<string, unknown>)[k] = s[k];
    this.clearLatentUnavailable();
    const unavailable = await this.model.attach(solver, s, () => this.solver === solver && !this.destroyed);
    if (unavailable && this.solver === solver) this.reportLatentUnavailable(unavailable.reason, unavailable.warned);
    // Schedule settings changed while the model loaded apply now.
    this.model.updateSchedule(this.settings);
  }

  /** Real time not simulated yet (timeMode 'realtime'). */
  private owedTime = 0;

  /**
   * Advances the liquid by a frame (timeMode 'fixed') or by the whole simulation frames the
   * clock asks for ('realtime') if no step is in flight; never blocks the frame.
   */
  update(dt: number): void {
    const solver = this.solver;
    if (this.destroyed || !this.enabled || !solver || this.status !== 'running' || this.settings.paused) return;
    const realtime = this.settings.timeMode === 'realtime';
    // Time passes while a step is in flight, too.
    this.owedTime = realtime ? this.owedTime + Math.max(0, dt) : 0;
    if (this.stepper.busy) return;
    if (solver.lostReason) {
      this.status = 'device-lost';
      this.message = `the GPU device was lost (${solver.lostReason}); the liquid waits for the device to be restored`;
      this.warn(`latent-liquid: ${this.message}`);
      return;
    }
    this.checkLatentDisabled();
    let frames = 1;
    if (realtime) {
      const clock = realtimeFrames(this.owedTime, solver.scene.timeStep.frame);
      if (clock.frames === 0) return;
      frames = clock.frames;
      this.owedTime = clock.owed;
    }
    const frameTime = solver.scene.timeStep.frame;
    try {
      this.beforeStep?.(solver.frame * frameTime, frames * frameTime);
    } catch (e) {
      this.warn(`latent-liquid: the beforeStep callback failed: ${(e as Error).message}`);
    }
    this.updateFrame(solver, dt, frames * frameTime);
    this.stepper.step(solver, this.renderer, this.stats, (e) => this.warn(`latent-liquid: a simulation step failed: ${e.message}`), frames);
  }

  /**
   * Gravity in the box frame, the obstacles, emitters, force fields and the coupled bodies (with
   * their physics step), before a step that advances `simulated` seconds.
   */
  private updateFrame(solver: LiquidSolver, dt: number, simulated: number): void {
    const g = this.settings.gravity;
    // World gravity into the box's frame: rotate by the inverse of the entity's rotation.
    this.tmpQuat.copy(this.entity.getRotation()).invert();
    this.tmpVec.set(g[0], g[1], g[2]);
    this.tmpQuat.transformVector(this.tmpVec, this.tmpVec);
    solver.setGravity([this.tmpVec.x, this.tmpVec.y, this.tmpVec.z]);
    this.obstacles.configure(this.settings.obstacleTag, this.settings.colliderResolution);
    this.obstacles.update(simulated);
    solver.setRuntimeEmitters(this.tracker.update(dt).emitters);
    const forces = this.forces.update((m) => this.warn(m), MAX_FORCE_FIELDS - solver.scene.forces.length);
    if (forces.changed) {
      try { solver.setRuntimeForceFields(forces.fields); } catch (e) { this.warn(`latent-liquid: the liquidForce fields were not applied: ${(e as Error).message}`); }
    }
    this.watchers.update();
    this.bodies.update(solver, simulated);
  }

  /**
   * Watches a region of the liquid: `callback` gets the liquid volume, fill fraction and mean
   * velocity inside it, a frame or two after each frame (see LiquidSolver.watch); the frame
   * never waits for it. The detector lives with the component (rebuilds keep it).
   * @param options `space: 'world'` for a region in world space (followed as the liquid moves)
   * @throws SceneValidationError naming the region's wrong field; RangeError beyond 16 detectors
   */
  watch(region: DetectorRegion, callback: DetectorCallback, options?: LiquidWatchOptions): LiquidWatchHandle {
    return this.watchers.watch(region, callback, options);
  }

  /**
   * Enables or disables the liquid (the script's enable/disable): a disabled liquid takes no
   * steps and is hidden; enabled again, it shows and continues where it stopped.
   */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    if (this.renderer && !this.renderer.destroyed) this.renderer.enabled = enabled;
  }

  /** Whether the liquid is enabled (see setEnabled). */
  get isEnabled(): boolean {
    return this.enabled;
  }

  /** Resolves once no step, rebuild or model load is in flight. */
  whenIdle(): Promise<void> {
    return this.stepper.idle();
  }

  /** Restarts the liquid from its initial state. */
  reset(): void {
    void this.stepper.exclusive(() => {
      this.solver?.reset();
      this.model.stage?.reset();
      this.stats.reset(this.solver?.scene ?? null);
    });
  }

  /** The mesh colliders fed from `liquid-obstacle` entities now, with their entities. */
  get trackedObstacles(): TrackedObstacle[] {
    return this.obstacles.tracked;
  }

  private teardown(): void {
    this.bodies.reset();
    this.watchers.detach();
    this.obstacles.detach();
    this.model.detach(null);
    this.solver?.destroy();
    this.solver = null;
    this.renderer?.destroy();
    this.renderer = null;
  }

  /** Frees the solver, the predictor, the renderer and the listeners. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.generation++;
    const device = this.app.graphicsDevice;
    device.off('devicelost', this.onLost);
    device.off('devicerestored', this.onRestored);
    void this.stepper.exclusive(() => this.teardown());
  }
}
