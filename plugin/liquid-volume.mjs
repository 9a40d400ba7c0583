// @ts-check
// The PlayCanvas component of latent-liquid. Plain JS with JSDoc on purpose: the PlayCanvas
// Editor reads the @attribute tags from this file's text. The work happens in
// LiquidVolumeController (TypeScript); this class only maps attributes onto it.
import { Script, Asset, Color, Entity, Vec3 } from 'playcanvas';
import { LiquidVolumeController } from './liquid-volume-controller';
import { settingsFromAttributes } from './liquid-settings';
import { StatsOverlay } from './stats-overlay';

/**
 * A real-time 3D liquid inside the entity's box [0, resolution * cellSize] (in the entity's
 * local space): the entity's transform places it, rotating the entity sloshes the liquid.
 * Entities anywhere in the scene tagged `liquid-obstacle` (`obstacleTag`) whose bounds reach the
 * box are mesh colliders that push the liquid as they move; child entities tagged
 * `liquid-emitter` pour it (speed from a liquidEmitter script, along -Z).
 * Needs a WebGPU graphics device.
 */
export class LiquidVolume extends Script {
  /** @override */
  static scriptName = 'liquidVolume';

  /**
   * Built-in scene, or 'custom' for the scene JSON asset.
   *
   * @attribute
   * @type {'dam-break' | 'pour' | 'drop' | 'slosh' | 'rest' | 'custom'}
   */
  preset = 'dam-break';

  /**
   * Scene JSON (see the README's scene format), used when preset is 'custom'.
   *
   * @attribute
   * @type {Asset}
   * @resource json
   */
  sceneAsset;

  /**
   * Cells along the longest axis of the box (multiples of 8 for the latent models).
   *
   * @attribute
   * @range [8, 256]
   * @step 8
   * @precision 0
   */
  resolution = 32;

  /**
   * Size of one cell of a preset in metres: the box is a cube of resolution * cellSize. Not used
   * with `size`, nor with a custom scene (its JSON sets the box; a different value is refused
   * with a warning).
   *
   * @attribute
   * @title Cell Size (m)
   * @range [0.001, 10]
   * @precision 4
   */
  cellSize = 0.03125;

  /**
   * The box of a preset in metres (x, y, z), e.g. (10, 1.5, 10) for a shallow pool: the preset
   * is stretched into it, `resolution` cells along its longest side. (0, 0, 0): a cube of
   * resolution * cellSize.
   *
   * @attribute
   * @title Size (m)
   */
  size = new Vec3(0, 0, 0);

  /**
   * Where the pressure comes from: 'classical', the pressureMethod solve every frame
   * (recommended for games), or 'latent', the learned predictor with a solve every `interval`
   * frames. 'jacobi' is a deprecated alias of 'classical' (it warns once).
   *
   * @attribute
   * @type {'classical' | 'latent'}
   */
  solver = 'classical';

  /**
   * Latent: a full classical solve every N-th frame, predictions in between (1 = never predict).
   *
   * @attribute
   * @range [1, 64]
   * @precision 0
   * @step 1
   * @enabledif {solver === 'latent'}
   */
  interval = 4;

  /**
   * Latent: Jacobi iterations warm-started from each prediction.
   *
   * @attribute
   * @range [0, 500]
   * @precision 0
   * @step 1
   * @enabledif {solver === 'latent'}
   */
  correctionIterations = 4;

  /**
   * Latent: discard a prediction whose RMS divergence after the corrections exceeds this (1/s)
   * and solve that frame fully from the previous pressure (decided on the GPU); 0 = off.
   *
   * @attribute
   * @range [0, 1000]
   * @precision 3
   * @enabledif {solver === 'latent'}
   */
  adaptive = 1;

  /**
   * The classical pressure solve: Jacobi (a fixed iteration count), multigrid-preconditioned
   * conjugate gradients to a tolerance (converged pressure), or auto: what measured cheapest
   * at the grid size (jacobi below 64 cells, mgpcg from 64; see the README's "Pressure solvers").
   *
   * @attribute
   * @type {'auto' | 'jacobi' | 'mgpcg'}
   */
  pressureMethod = 'auto';

  /**
   * Jacobi iterations of a full pressure solve.
   *
   * @attribute
   * @range [0, 100000]
   * @precision 0
   * @step 1
   */
  jacobiIterations = 100;

  /**
   * mgpcg (also when auto picks it): the relative residual |b - Ap| / |b| a pressure solve stops at.
   *
   * @attribute
   * @range [0.000001, 1]
   * @precision 6
   * @enabledif {pressureMethod !== 'jacobi'}
   */
  pressureTolerance = 0.001;

  /**
   * Latent: base URL of a model set (manifest.json + three .onnx files), used when the model
   * assets below are not set.
   *
   * @attribute
   * @enabledif {solver === 'latent'}
   */
  modelUrl = '';

  /**
   * Latent: the model's manifest.json.
   *
   * @attribute
   * @type {Asset}
   * @resource json
   * @enabledif {solver === 'latent'}
   */
  modelManifest;

  /**
   * Latent: encoder.onnx.
   *
   * @attribute
   * @type {Asset}
   * @resource binary
   * @enabledif {solver === 'latent'}
   */
  modelEncoder;

  /**
   * Latent: lstm.onnx.
   *
   * @attribute
   * @type {Asset}
   * @resource binary
   * @enabledif {solver === 'latent'}
   */
  modelLstm;

  /**
   * Latent: decoder.onnx.
   *
   * @attribute
   * @type {Asset}
   * @resource binary
   * @enabledif {solver === 'latent'}
   */
  modelDecoder;

  /**
   * Latent: URL folder serving onnxruntime-web's ort-wasm-simd-threaded.asyncify.wasm ('' =
   * next to the onnxruntime module).
   *
   * @attribute
   * @enabledif {solver === 'latent'}
   */
  ortWasmPath = '';

  /**
   * Latent: what runs the networks: 'auto' our own WGSL kernels for a model they recognise, else
   * onnxruntime-web; 'ort' onnxruntime-web's WebGPU provider; 'wgsl' our kernels recorded into
   * the step (no per-run overhead; a model they do not recognise falls back to ORT with a warning).
   *
   * @attribute
   * @type {'auto' | 'ort' | 'wgsl'}
   * @enabledif {solver === 'latent'}
   */
  latentRuntime = 'auto';

  /**
   * Gravity in world space (m/s^2).
   *
   * @attribute
   */
  gravity = new Vec3(0, -9.81, 0);

  /**
   * Entities with this tag, anywhere in the scene, whose world bounds reach the box are mesh
   * colliders: the meshes of their collision component (mesh, box, sphere, capsule, cylinder,
   * cone, compound) or else of their render component (assets and every primitive), following
   * their world transform every frame. '' = none.
   *
   * @attribute
   */
  obstacleTag = 'liquid-obstacle';

  /**
   * SDF voxels along an obstacle mesh's longest axis (8 to 256); 0 = automatic (two per grid
   * cell at the entity's scale).
   *
   * @attribute
   * @range [0, 256]
   * @step 8
   * @precision 0
   */
  colliderResolution = 0;

  /**
   * Colour of deep liquid (sRGB).
   *
   * @attribute
   */
  color = new Color(0.04, 0.3, 0.36);

  /**
   * Absorption per metre (rgb): larger values make that channel fade faster with depth.
   *
   * @attribute
   */
  absorption = new Vec3(2.8, 0.8, 0.55);

  /**
   * Refraction strength (1 = physical for water).
   *
   * @attribute
   * @range [0, 4]
   * @precision 2
   */
  refraction = 1;

  /**
   * Reflection strength (1 = physical Fresnel).
   *
   * @attribute
   * @range [0, 2]
   * @precision 2
   */
  reflection = 1;

  /**
   * Surface roughness.
   *
   * @attribute
   * @range [0, 1]
   * @precision 2
   */
  roughness = 0.04;

  /**
   * Whitewater: foam made where fast water breaks (crests moving out, impacts), carried on the
   * surface, fading in 1.5 s. Costs one GPU pass over the cells per step and one foam lookup
   * per surface pixel; off: neither runs.
   *
   * @attribute
   */
  foam = false;

  /**
   * Colour of the foam (sRGB), lit by the sun and the sky.
   *
   * @attribute
   */
  foamColor = new Color(0.93, 0.96, 1);

  /**
   * The light the liquid is lit by (its direction and colour; under the surface, the light's way
   * down through the liquid). Empty: the brightest enabled directional light in the scene,
   * picked again every frame (with none, a default sun 55 degrees up).
   *
   * @attribute
   * @type {Entity}
   */
  sunLight;

  /**
   * Debug view: a slice of the pressure or the level set; predicted frames get an orange tint.
   *
   * @attribute
   * @type {'none' | 'pressure-slice' | 'levelset-slice'}
   */
  debugView = 'none';

  /**
   * Read per-frame stats back from the GPU (time per pass, divergence, volume drift).
   * Costs small readbacks: leave off in shipped games.
   *
   * @attribute
   */
  collectStats = false;

  /**
   * Draw the stats overlay with live plots (turns collectStats on).
   *
   * @attribute
   */
  showStats = false;

  /**
   * Corner of the canvas the stats overlay sits in.
   *
   * @attribute
   * @type {'top-left' | 'top-right' | 'bottom-left' | 'bottom-right'}
   */
  statsCorner = 'top-left';

  /**
   * The stats overlay: compact (four lines, one plot), full (the full text, two plots), or auto:
   * full when it fits in a quarter of the canvas, else compact. Either way it is scaled down to
   * cover at most a quarter of the canvas.
   *
   * @attribute
   * @type {'auto' | 'compact' | 'full'}
   */
  statsLayout = 'auto';

  /**
   * Size of the stats overlay (1 = 11 px text), before the quarter-of-the-canvas limit.
   *
   * @attribute
   * @range [0.25, 2]
   * @precision 2
   */
  statsScale = 1;

  /**
   * Freeze the liquid.
   *
   * @attribute
   */
  paused = false;

  /**
   * fixed: one simulation frame (1/60 s) per rendered frame, so a slow GPU shows slow motion;
   * realtime: simulated time follows the clock in whole simulation frames, at most 4 per
   * rendered frame (beyond that, slow motion).
   *
   * @attribute
   * @type {'fixed' | 'realtime'}
   */
  timeMode = 'fixed';

  /** @type {LiquidVolumeController | null} */
  controller = null;

  /** @type {StatsOverlay | null} */
  overlay = null;

  initialize() {
    this.controller = new LiquidVolumeController(this.app, this.entity);
    // A disabled script takes no steps (PlayCanvas stops calling update) and hides the liquid.
    this.on('enable', () => this.setLiquidEnabled(true));
    this.on('disable', () => this.setLiquidEnabled(false));
    this.on('destroy', () => {
      this.overlay?.destroy();
      this.overlay = null;
      this.controller?.destroy();
      this.controller = null;
    });
  }

  /**
   * The controller's settings from the attributes, by the schema (plugin/liquid-settings.ts;
   * cheap, called every frame).
   *
   * @returns {Partial<import('./liquid-settings').LiquidVolumeSettings>}
   */
  settings() {
    return settingsFromAttributes(/** @type {any} */ (this), this.modelAssets());
  }

  /** @type {{ manifest: unknown, encoder: ArrayBuffer, lstm: ArrayBuffer, decoder: ArrayBuffer } | null} */
  cachedModelAssets = null;

  /**
   * The model set from assets once all four are loaded (null otherwise).
   *
   * @returns {{ manifest: unknown, encoder: ArrayBuffer, lstm: ArrayBuffer, decoder: ArrayBuffer } | null}
   */
  modelAssets() {
    const assets = [this.modelManifest, this.modelEncoder, this.modelLstm, this.modelDecoder];
    if (assets.some((a) => !a)) return null;
    for (const a of assets) if (!a.loaded && !a.loading) this.app.assets.load(a);
    if (!assets.every((a) => a.loaded && a.resource)) return null;
    const manifest = assets[0].resource;
    const [encoder, lstm, decoder] = assets.slice(1).map((a) => /** @type {ArrayBuffer} */ (a.resource));
    const c = this.cachedModelAssets;
    if (!c || c.manifest !== manifest || c.encoder !== encoder || c.lstm !== lstm || c.decoder !== decoder) {
      this.cachedModelAssets = { manifest, encoder, lstm, decoder };
    }
    return this.cachedModelAssets;
  }

  /** @param {number} dt */
  update(dt) {
    const controller = this.controller;
    if (!controller) return;
    controller.apply(this.settings());
    controller.update(dt);
    if (this.showStats && !this.overlay) {
      this.overlay = new StatsOverlay(this.app.graphicsDevice.canvas, /** @type {any} */ (this.statsCorner), {
        layout: /** @type {any} */ (this.statsLayout), scale: this.statsScale,
      });
    }
    if (!this.showStats && this.overlay) {
      this.overlay.destroy();
      this.overlay = null;
    }
    this.overlay?.update(controller);
  }

  /**
   * Shows and resumes the liquid, or hides it and stops stepping (with its overlay).
   *
   * @param {boolean} enabled
   */
  setLiquidEnabled(enabled) {
    this.controller?.setEnabled(enabled);
    if (this.overlay) this.overlay.element.hidden = !enabled;
  }

  /** Restarts the liquid from its initial state. */
  resetLiquid() {
    this.controller?.reset();
  }

  /**
   * Watches a region of the liquid (see LiquidVolumeController.watch): `callback` gets the liquid
   * volume, fill fraction and mean velocity inside it a frame or two late.
   *
   * @param {import('../src/index').DetectorRegion} region
   * @param {import('../src/index').DetectorCallback} callback
   * @param {import('./liquid-watchers').LiquidWatchOptions} [options] `{ space: 'world' }` for a world-space region
   * @returns {import('./liquid-watchers').LiquidWatchHandle | null} null before initialize()
   */
  watch(region, callback, options) {
    return this.controller?.watch(region, callback, options) ?? null;
  }

  /** Per-frame numbers (see LiquidStats). */
  get stats() {
    return this.controller?.stats ?? null;
  }
}

/**
 * Makes its entity pour liquid into the liquidVolume it is a child of (tag the entity
 * `liquid-emitter`; its scale sets the sphere's size, its -Z axis the direction).
 */
export class LiquidEmitter extends Script {
  /** @override */
  static scriptName = 'liquidEmitter';

  /**
   * Speed of the emitted liquid (m/s).
   *
   * @attribute
   * @range [0, 20]
   */
  speed = 1.5;

  /**
   * Whether it pours now.
   *
   * @attribute
   */
  active = true;
}
