import * as pc from 'playcanvas';
import { LiquidSolver } from '../src/solver/liquid-solver';
import { presetScene, scaleScene, rescaleScene, isPresetName } from '../src/scene/presets';
import { validateScene } from '../src/scene/scene-validation';
import type { PressureMethod, SceneDescription, Vec3 } from '../src/scene/scene-description';
import { attachLatentPredictor } from '../src/latent/attach-latent';
import { DEFAULT_LATENT_SCHEDULE } from '../src/latent/latent-scheduler';
import type { LatentPressureStage } from '../src/latent/latent-pressure-stage';
import { loadModelFiles, loadModelFromUrl, type ModelFiles } from '../src/latent/model-manifest';
import { LiquidSurfaceRenderer, type LiquidDebugView, type Rgb } from './render';
import { ChildShapeTracker } from './child-shape-tracker';
import { LiquidStats } from './liquid-stats';

/** Everything the liquidVolume script exposes as attributes. */
export interface LiquidVolumeSettings {
  preset: 'dam-break' | 'pour' | 'drop' | 'slosh' | 'rest' | 'custom';
  /** Parsed scene JSON (from a json asset); used when preset is 'custom'. */
  sceneJson: unknown | null;
  /** Cells along the longest axis. */
  resolution: number;
  /** Metres per cell. */
  cellSize: number;
  solver: 'jacobi' | 'latent';
  interval: number;
  correctionIterations: number;
  /** RMS divergence (1/s) above which a predicted step is solved fully; 0 = off. */
  adaptive: number;
  /** The classical solve: 'jacobi' (fixed iterations) or 'mgpcg' (multigrid CG to pressureTolerance). */
  pressureMethod: PressureMethod;
  jacobiIterations: number;
  /** mgpcg: relative residual a solve stops at. */
  pressureTolerance: number;
  /** Base URL of a model set (manifest.json + .onnx), used when no model assets are given. */
  modelUrl: string;
  /** Model set from assets (manifest json + three binary assets), if given. */
  modelAssets: { manifest: unknown; encoder: ArrayBuffer; lstm: ArrayBuffer; decoder: ArrayBuffer } | null;
  /** Where onnxruntime-web's .wasm/.mjs are served ('' = next to the ORT module). */
  ortWasmPath: string;
  /** World gravity (m/s^2); the box's rotation turns it into the liquid's frame. */
  gravity: Vec3;
  color: Rgb;
  absorption: Rgb;
  refraction: number;
  reflection: number;
  roughness: number;
  debugView: LiquidDebugView;
  /** Read per-frame stats back from the GPU (small readbacks; off for shipping). */
  collectStats: boolean;
  paused: boolean;
}

/** Defaults of every setting. */
export const DEFAULT_LIQUID_SETTINGS: Readonly<LiquidVolumeSettings> = Object.freeze({
  preset: 'dam-break',
  sceneJson: null,
  resolution: 32,
  cellSize: 1 / 32,
  solver: 'jacobi',
  interval: DEFAULT_LATENT_SCHEDULE.interval,
  correctionIterations: DEFAULT_LATENT_SCHEDULE.correctionIterations,
  adaptive: DEFAULT_LATENT_SCHEDULE.adaptiveThreshold ?? 0,
  pressureMethod: 'jacobi',
  jacobiIterations: 100,
  pressureTolerance: 1e-3,
  modelUrl: '',
  modelAssets: null,
  ortWasmPath: '',
  gravity: [0, -9.81, 0] as Vec3,
  color: [0.04, 0.3, 0.36] as Rgb,
  absorption: [2.8, 0.8, 0.55] as Rgb,
  refraction: 1,
  reflection: 1,
  roughness: 0.04,
  debugView: 'none',
  collectStats: false,
  paused: false,
});

/** Numeric ranges the settings are clamped to (with a warning naming the attribute). */
export const LIQUID_SETTING_RANGES: Record<string, [number, number]> = {
  resolution: [8, 256],
  cellSize: [0.001, 10],
  interval: [1, 64],
  correctionIterations: [0, 500],
  adaptive: [0, 1000],
  jacobiIterations: [1, 5000],
  pressureTolerance: [1e-6, 0.5],
  refraction: [0, 4],
  reflection: [0, 2],
  roughness: [0, 1],
};

/** What the component is doing. */
export type LiquidStatus = 'starting' | 'running' | 'unsupported' | 'error' | 'device-lost';

const REBUILD_KEYS: (keyof LiquidVolumeSettings)[] = ['preset', 'sceneJson', 'resolution', 'cellSize'];
const MODEL_KEYS: (keyof LiquidVolumeSettings)[] = ['solver', 'modelUrl', 'modelAssets', 'ortWasmPath'];

/**
 * The liquid of one entity: builds the core solver from the settings on the app's own
 * GPUDevice, attaches the latent predictor, steps it once per frame without stalling the
 * frame (one step in flight at a time), feeds obstacles and emitters from child entities,
 * turns the entity's rotation into gravity in the liquid's frame, copies the level set to the
 * renderer on the GPU, and keeps stats. The PlayCanvas script (liquid-volume.mjs) is a thin
 * shell around it; code users can drive it directly.
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
   * Set when `solver` is 'latent' but the predictor could not be attached (no model set, a model
   * that fails to load or does not fit the grid, onnxruntime-web's .wasm missing): the reason.
   * The liquid then runs on Jacobi only. '' when the latent solver runs or was not asked for.
   */
  latentUnavailable = '';
  solver: LiquidSolver | null = null;
  renderer: LiquidSurfaceRenderer | null = null;
  latent: LatentPressureStage | null = null;
  /** Warnings go here (default console.warn); each distinct message once. */
  onWarning: (message: string) => void;

  private settings: LiquidVolumeSettings = { ...DEFAULT_LIQUID_SETTINGS };
  private applied: Partial<LiquidVolumeSettings> = {};
  private readonly tracker: ChildShapeTracker;
  private building: Promise<void> | null = null;
  /** The grid settings of the last rebuild asked for (builds take a while; do not restart them). */
  private requestedKey = '';
  private stepping = false;
  private generation = 0;
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

  /** Clamps numeric settings to their ranges, warning with the attribute's name. */
  private sanitize(input: Partial<LiquidVolumeSettings>): LiquidVolumeSettings {
    const s = { ...this.settings, ...input } as LiquidVolumeSettings & Record<string, unknown>;
    for (const [key, [lo, hi]] of Object.entries(LIQUID_SETTING_RANGES)) {
      const v = s[key] as number;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        this.warn(`liquidVolume.${key} must be a number in [${lo}, ${hi}] (got ${String(v)}); using ${DEFAULT_LIQUID_SETTINGS[key as keyof LiquidVolumeSettings]}`);
        s[key] = DEFAULT_LIQUID_SETTINGS[key as keyof LiquidVolumeSettings];
      } else if (v < lo || v > hi) {
        const c = Math.min(hi, Math.max(lo, v));
        this.warn(`liquidVolume.${key} = ${v} is out of range [${lo}, ${hi}]; clamped to ${c}`);
        s[key] = c;
      }
    }
    for (const key of ['resolution', 'interval', 'correctionIterations', 'jacobiIterations']) s[key] = Math.round(s[key] as number);
    if (s.solver !== 'jacobi' && s.solver !== 'latent') {
      this.warn(`liquidVolume.solver must be 'jacobi' or 'latent' (got ${String(s.solver)}); using 'jacobi'`);
      s.solver = 'jacobi';
    }
    if (s.preset !== 'custom' && !isPresetName(s.preset)) {
      this.warn(`liquidVolume.preset must be one of dam-break, pour, drop, slosh, rest, custom (got ${String(s.preset)}); using 'dam-break'`);
      s.preset = 'dam-break';
    }
    return s;
  }

  /**
   * Applies settings; call every frame with the script's attributes (cheap when nothing
   * changed). Grid changes rebuild the liquid, model changes reattach the predictor, the
   * rest takes effect on the next step.
   */
  apply(input: Partial<LiquidVolumeSettings>): void {
    if (this.destroyed) return;
    const s = this.sanitize(input);
    const changed = (k: keyof LiquidVolumeSettings) => JSON.stringify(s[k]) !== JSON.stringify(this.applied[k]);
    this.settings = s;
    const key = JSON.stringify(REBUILD_KEYS.map((k) => s[k]));
    if (key !== this.requestedKey) {
      this.requestedKey = key;
      if (this.status !== 'unsupported') this.rebuild();
      return;
    }
    if (!this.solver) return; // building, failed, or unsupported
    if (MODEL_KEYS.some(changed)) this.attachModel();
    this.applyLive();
  }

  /** Settings that change without rebuilding. */
  private applyLive(): void {
    const s = this.settings;
    if (this.solver) {
      if (this.applied.pressureMethod !== s.pressureMethod || this.applied.jacobiIterations !== s.jacobiIterations
        || this.applied.pressureTolerance !== s.pressureTolerance) {
        const solver = this.solver;
        solver.configurePressure({
          method: s.pressureMethod, iterations: s.jacobiIterations, tolerance: s.pressureMethod === 'mgpcg' ? s.pressureTolerance : undefined,
        }).catch((e: Error) => this.warn(`latent-liquid: liquidVolume.pressureMethod '${s.pressureMethod}' cannot be used: ${e.message}`));
      }
      if (this.latent) {
        this.latent.scheduler.update({
          interval: s.interval, correctionIterations: s.correctionIterations,
          adaptiveThreshold: s.adaptive > 0 ? s.adaptive : undefined,
        });
      }
    }
    if (this.renderer) {
      this.renderer.setLook({ color: s.color, absorption: s.absorption, refractionStrength: s.refraction, reflectionStrength: s.reflection, roughness: s.roughness });
      this.renderer.debugView = s.debugView;
      this.renderer.frameTintEnabled = s.debugView !== 'none';
    }
    if (this.solver) this.solver.collectMetrics = s.collectStats;
    Object.assign(this.applied, {
      pressureMethod: s.pressureMethod, jacobiIterations: s.jacobiIterations, pressureTolerance: s.pressureTolerance, interval: s.interval, correctionIterations: s.correctionIterations, adaptive: s.adaptive,
      color: s.color, absorption: s.absorption, refraction: s.refraction, reflection: s.reflection, roughness: s.roughness,
      debugView: s.debugView, collectStats: s.collectStats,
    });
  }

  private sceneFromSettings(): SceneDescription {
    const s = this.settings;
    if (s.preset === 'custom') {
      if (!s.sceneJson) throw new Error("liquidVolume.preset is 'custom' but no scene JSON asset is set");
      const scene = validateScene(s.sceneJson);
      return rescaleScene(scene, s.resolution);
    }
    // Presets are a 1 m tank: scale the geometry to resolution * cellSize metres.
    return scaleScene(presetScene(s.preset, s.resolution), s.resolution * s.cellSize);
  }

  /** Tears down and rebuilds solver, renderer and predictor (after the step in flight). */
  rebuild(): void {
    const generation = ++this.generation;
    const previous = this.building ?? Promise.resolve();
    this.building = previous.then(async () => {
      await this.waitForStep();
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
        const camera = this.app.root.findComponents('camera')[0] as pc.CameraComponent | undefined;
        if (camera) this.renderer.attachCamera(camera);
        this.applied = {
          preset: this.settings.preset, sceneJson: this.settings.sceneJson, resolution: this.settings.resolution, cellSize: this.settings.cellSize,
          pressureMethod: scene.pressure.method, jacobiIterations: scene.pressure.iterations, pressureTolerance: scene.pressure.tolerance,
        };
        this.tracker.reset();
        this.stats.reset(scene);
        this.status = 'running';
        this.message = '';
        this.applyLive();
        await this.attachModel();
      } catch (e) {
        this.status = 'error';
        this.message = (e as Error).message;
        this.warn(`latent-liquid: the liquid could not start: ${this.message}`);
        this.teardown();
      }
    });
  }

  /** (Re)attaches or detaches the latent predictor per the solver setting. */
  private attachModel(): Promise<void> {
    const s = this.settings;
    this.applied.solver = s.solver;
    this.applied.modelUrl = s.modelUrl;
    this.applied.modelAssets = s.modelAssets;
    this.applied.ortWasmPath = s.ortWasmPath;
    const solver = this.solver;
    if (!solver) return Promise.resolve();
    const run = async () => {
      await this.waitForStep();
      if (this.solver !== solver) return;
      this.clearLatentUnavailable();
      if (this.latent) {
        solver.setPressureStage(solver.classicalStage);
        this.latent = null;
      }
      if (s.solver !== 'latent') return;
      const files = this.modelFiles();
      if (!files) {
        this.reportLatentUnavailable('neither model assets nor liquidVolume.modelUrl are set');
        return;
      }
      this.stepping = true; // no steps while the networks load
      try {
        let failure = '';
        const stage = await attachLatentPredictor(solver, files, {
          schedule: { interval: s.interval, correctionIterations: s.correctionIterations, adaptiveThreshold: s.adaptive > 0 ? s.adaptive : undefined },
          ort: s.ortWasmPath ? { wasmPaths: s.ortWasmPath } : {},
          onWarning: (m) => { failure = m; this.warn(m); },
        });
        if (this.solver === solver) {
          this.latent = stage;
          if (!stage) this.reportLatentUnavailable(failure.replace(/^latent-liquid: the latent model cannot be used, solving with Jacobi only: /, '') || 'the model could not be loaded', true);
        } else stage?.destroy();
        this.applyLive();
      } finally {
        this.stepping = false;
      }
    };
    return run();
  }

  /**
   * `solver: 'latent'` was asked for but cannot run: says so where users look (the status
   * message and the stats overlay) besides the console, and keeps the reason in
   * `latentUnavailable`. `warned`: the console already has the reason.
   */
  private reportLatentUnavailable(reason: string, warned = false): void {
    this.latentUnavailable = reason;
    this.message = `latent solver unavailable, solving with Jacobi only: ${reason}`;
    if (!warned) this.warn(`latent-liquid: ${this.message}`);
  }

  private clearLatentUnavailable(): void {
    if (this.latentUnavailable && this.status === 'running') this.message = '';
    this.latentUnavailable = '';
  }

  private modelFiles(): Promise<ModelFiles> | null {
    const s = this.settings;
    if (s.modelAssets) {
      const a = s.modelAssets;
      const bytes: Record<string, Uint8Array> = {
        'manifest.json': new TextEncoder().encode(typeof a.manifest === 'string' ? a.manifest : JSON.stringify(a.manifest)),
      };
      return loadModelFiles('model assets', async (name) => {
        if (bytes[name]) return bytes[name];
        const key = /encoder/.test(name) ? 'encoder' : /lstm/.test(name) ? 'lstm' : /decoder/.test(name) ? 'decoder' : '';
        const buffer = key ? (a as unknown as Record<string, ArrayBuffer>)[key] : undefined;
        if (!buffer) throw new Error(`no asset for ${name}`);
        return new Uint8Array(buffer);
      });
    }
    if (s.modelUrl) return loadModelFromUrl(s.modelUrl);
    return null;
  }

  private async waitForStep(): Promise<void> {
    while (this.stepping) await new Promise((r) => setTimeout(r, 1));
  }

  /** Advances the liquid by one step if none is in flight; never blocks the frame. */
  update(dt: number): void {
    const solver = this.solver;
    if (this.destroyed || !solver || this.status !== 'running' || this.settings.paused || this.stepping) return;
    if (solver.lostReason) {
      this.status = 'device-lost';
      this.message = `the GPU device was lost (${solver.lostReason}); the liquid waits for the device to be restored`;
      this.warn(`latent-liquid: ${this.message}`);
      return;
    }
    this.updateFrame(solver, dt);
    this.stepping = true;
    const started = performance.now();
    solver.step()
      .then(async () => {
        const cpuSubmitMs = performance.now() - started;
        this.copyToRenderer(solver);
        const mode = solver.lastPressureMode ?? 'solve';
        this.renderer?.setFrameMode(mode);
        if (solver.collectMetrics) {
          const metrics = await solver.readMetrics();
          this.stats.push(metrics, performance.now() - started, cpuSubmitMs);
        } else {
          this.stats.pushLight(solver.frame, solver.time, mode, cpuSubmitMs);
        }
      })
      .catch((e: Error) => {
        this.warn(`latent-liquid: a simulation step failed: ${e.message}`);
      })
      .finally(() => { this.stepping = false; });
  }

  /** Gravity in the box frame and the child obstacles/emitters, before a step. */
  private updateFrame(solver: LiquidSolver, dt: number): void {
    const g = this.settings.gravity;
    // World gravity into the box's frame: rotate by the inverse of the entity's rotation.
    this.tmpQuat.copy(this.entity.getRotation()).invert();
    this.tmpVec.set(g[0], g[1], g[2]);
    this.tmpQuat.transformVector(this.tmpVec, this.tmpVec);
    solver.setGravity([this.tmpVec.x, this.tmpVec.y, this.tmpVec.z]);
    const shapes = this.tracker.update(dt);
    if (shapes.obstaclesChanged) solver.setObstacles(shapes.obstacles);
    solver.setRuntimeEmitters(shapes.emitters);
  }

  private copyToRenderer(solver: LiquidSolver): void {
    const r = this.renderer;
    if (!r || r.destroyed) return;
    const encoder = solver.device.createCommandEncoder({ label: 'liquidVolume.copyToRenderer' });
    encoder.copyBufferToBuffer(solver.fields.levelSet, 0, r.getLevelSetGpuBuffer(), 0, r.byteSize);
    if (r.debugView === 'pressure-slice') encoder.copyBufferToBuffer(solver.fields.pressure, 0, r.getPressureGpuBuffer(), 0, r.byteSize);
    solver.device.queue.submit([encoder.finish()]);
  }

  /** Restarts the liquid from its initial state. */
  reset(): void {
    void this.waitForStep().then(() => {
      this.solver?.reset();
      this.latent?.reset();
      this.stats.reset(this.solver?.scene ?? null);
    });
  }

  private teardown(): void {
    this.latent = null;
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
    void this.waitForStep().then(() => this.teardown());
  }
}

