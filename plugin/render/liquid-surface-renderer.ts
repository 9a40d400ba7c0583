import * as pc from 'playcanvas';
import { DEBUG_COLORS } from './debug-colors';
import type { LiquidDebugSlice, LiquidDebugView } from './debug-view';
import liquidVS from '../../shaders/render/render-liquid-vs.wgsl';
import liquidFS from '../../shaders/render/render-liquid-fs.wgsl';

export type { LiquidDebugSlice, LiquidDebugView } from './debug-view';

/** An RGB triple, components 0..1 (colours) or any non-negative value (absorption). */
export type Rgb = readonly [number, number, number];

/**
 * How the liquid looks. Every field can be changed at run time with
 * {@link LiquidSurfaceRenderer#setLook}.
 */
export interface LiquidLook {
    /**
     * Body colour of the liquid in sRGB (what deep liquid looks like under white light): the light
     * scattered back by the liquid fills in as the transmitted light is absorbed.
     */
    color: Rgb | pc.Color;
    /** Beer-Lambert absorption coefficients per metre (rgb). Larger = murkier in that channel. */
    absorption: Rgb;
    /** Bending of the refracted view: 0 = none, 1 = physical for `ior`, more exaggerates. */
    refractionStrength: number;
    /** Scale of the Fresnel reflection: 0 = none, 1 = physical. */
    reflectionStrength: number;
    /** Surface roughness 0..1 (blurs reflections, refraction and the sun highlight). Default 0.04. */
    roughness?: number;
    /** Index of refraction. Default 1.333 (water). */
    ior?: number;
    /** Colour of the whitewater foam in sRGB (drawn when {@link LiquidSurfaceRenderer#foam} is on), lit by the sun and sky. */
    foamColor?: Rgb;
}

/** Whether the displayed frame came from a pressure solve or from the learned predictor. */
export type LiquidFrameMode = 'solve' | 'predict';

/** Sun and sky used for the highlight, in-scattering and (without a scene env atlas) reflections. */
export interface LiquidLighting {
    /** Direction towards the sun, world space. */
    sunDirection: [number, number, number];
    /** Sun colour times intensity, linear. */
    sunColor: [number, number, number];
    /** Procedural sky (used when the scene has no env atlas): zenith, horizon, ground, linear. */
    skyZenith: [number, number, number];
    skyHorizon: [number, number, number];
    skyGround: [number, number, number];
}

/**
 * Where the sun of the liquid comes from: a light entity (its world -Y axis is the light
 * direction, its colour times intensity the sun's colour), `'auto'` (the brightest enabled
 * directional light of the app's scene, chosen again every frame) or `null` (always the sun of
 * {@link LiquidSurfaceRenderer#lighting}).
 */
export type LiquidSunSource = pc.Entity | 'auto' | null;

/** Options of {@link LiquidSurfaceRenderer}. */
export interface LiquidSurfaceRendererOptions {
    /** Grid resolution [nx, ny, nz] of the level set (cell-centred, x fastest, y up). */
    dims: [number, number, number];
    /** Cell size in metres (in the parent's local units). */
    cellSize: number;
    /** Entity whose local space holds the box [0, dims * cellSize]. */
    parent: pc.Entity;
    /** Initial look; defaults to {@link DEFAULT_LIQUID_LOOK}. */
    look?: Partial<LiquidLook>;
    /** Layers the liquid is drawn in. Default [LAYERID_WORLD]. */
    layers?: number[];
    /**
     * The light to take the sun direction and colour from every frame. Default `'auto'`: the
     * brightest enabled directional light in the app's scene (the sun of
     * {@link LiquidSurfaceRenderer#lighting} while there is none). An entity: that light (the
     * `lighting` sun while it is disabled); `null`: always the `lighting` sun.
     */
    sunLight?: LiquidSunSource;
    /**
     * Darkens the plane the box stands on (its local y = 0) beside the box where the sun's light
     * reaches it through the liquid: the liquid's shadow, tinted by its absorption. Default true. Turn it off
     * when nothing is under the box (a shadow would hang in the air).
     */
    floorShadow?: boolean;
}

/** Clear, slightly blue-green water. */
export const DEFAULT_LIQUID_LOOK: Readonly<Required<LiquidLook>> = Object.freeze({
    color: [0.04, 0.3, 0.36] as Rgb,
    absorption: [2.8, 0.8, 0.55] as Rgb,
    refractionStrength: 1,
    reflectionStrength: 1,
    roughness: 0.04,
    ior: 1.333,
    foamColor: [0.93, 0.96, 1] as Rgb,
});

const FRAME_TINT: Readonly<Record<LiquidFrameMode, [number, number, number, number]>> = {
    solve: [0, 0, 0, 0],
    predict: [...DEBUG_COLORS.predictTint, DEBUG_COLORS.predictTintAmount],
};

const srgbToLinear = (c: number): number => Math.pow(Math.max(c, 0), 2.2);

/** Builds the box [0, size] as 8 corners and 12 triangles wound counter-clockwise seen from outside. */
function createBoxMesh(device: pc.GraphicsDevice, size: pc.Vec3): pc.Mesh {
    const positions: number[] = [];
    for (let i = 0; i < 8; i++) {
        positions.push((i & 1) ? size.x : 0, (i & 2) ? size.y : 0, (i & 4) ? size.z : 0);
    }
    const faces: Array<[number, number, number, number, number, number]> = [
        // corners of a face in order around it, then the outward normal
        [0, 2, 6, 4, -1, 0], [1, 5, 7, 3, 1, 0], // -x, +x
        [0, 4, 5, 1, -1, 1], [2, 3, 7, 6, 1, 1], // -y, +y
        [0, 1, 3, 2, -1, 2], [4, 6, 7, 5, 1, 2], // -z, +z
    ];
    const indices: number[] = [];
    const corner = (i: number) => new pc.Vec3(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]);
    for (const [a, b, c, d, sign, axis] of faces) {
        const e1 = corner(b).sub(corner(a));
        const e2 = corner(c).sub(corner(a));
        const n = new pc.Vec3().cross(e1, e2);
        const outward = [n.x, n.y, n.z][axis] * sign > 0;
        if (outward) indices.push(a, b, c, a, c, d);
        else indices.push(a, c, b, a, d, c);
    }
    const mesh = new pc.Mesh(device);
    mesh.setPositions(positions);
    mesh.setIndices(indices);
    mesh.update(pc.PRIMITIVE_TRIANGLES);
    return mesh;
}

/**
 * The plane under the box (local y = 0) that can receive the liquid's shadow beside it: a ring
 * around the box's footprint, `margin` wide (the shadow of liquid up to the box's top falls within
 * it for a sun higher than atan(height / margin)). Under the box the surface shader itself lights
 * what is seen through the liquid; a quad there would darken it twice and cost a light march on
 * every floor pixel when the camera is in the liquid.
 */
function createFloorRing(device: pc.GraphicsDevice, size: pc.Vec3, margin: number): pc.Mesh {
    const outer = [-margin, -margin, size.x + margin, size.z + margin];
    const inner = [0, 0, size.x, size.z];
    const positions: number[] = [];
    // corners in order around, outer 0..3 then inner 4..7
    for (const [x0, z0, x1, z1] of [outer, inner]) positions.push(x0, 0, z0, x1, 0, z0, x1, 0, z1, x0, 0, z1);
    const indices: number[] = [];
    for (let i = 0; i < 4; i++) {
        const j = (i + 1) % 4;
        indices.push(i, j, 4 + j, i, 4 + j, 4 + i);
    }
    const mesh = new pc.Mesh(device);
    mesh.setPositions(positions);
    mesh.setIndices(indices);
    mesh.update(pc.PRIMITIVE_TRIANGLES);
    return mesh;
}

/**
 * Draws a liquid stored as a level set on the GPU inside a PlayCanvas scene (WebGPU only).
 *
 * The renderer owns a storage buffer of `nx * ny * nz` float32 level-set values (metres, negative
 * inside the liquid, index `i + nx * (j + ny * k)`), which the simulation fills with a GPU copy
 * every frame (see {@link LiquidSurfaceRenderer#getLevelSetGpuBuffer}). The liquid is ray-marched
 * in the fragment shader of a box proxy spanning `[0, dims * cellSize]` in the parent entity's
 * local space; the parent's transform places, rotates and scales the box in the world.
 *
 * For refraction of the scene behind the liquid, call {@link LiquidSurfaceRenderer#attachCamera}
 * with the camera that draws it (it requests the camera's scene colour and depth grabs). The grab
 * is taken at the Depth layer; to see the skybox through the liquid, put the Skybox layer before
 * the Depth layer. Reflections use the scene's env atlas when there is one, otherwise a procedural
 * sky ({@link LiquidSurfaceRenderer#lighting}).
 *
 * ```ts
 * const liquid = new LiquidSurfaceRenderer(app, { dims: [64, 32, 64], cellSize: 1 / 32, parent: box });
 * liquid.attachCamera(camera.camera!);
 * // every frame, after the simulation step (same GPUDevice as app.graphicsDevice.wgpu):
 * encoder.copyBufferToBuffer(simLevelSet, 0, liquid.getLevelSetGpuBuffer(), 0, liquid.byteSize);
 * ```
 */
export class LiquidSurfaceRenderer {
    /** Grid resolution [nx, ny, nz]. */
    readonly dims: readonly [number, number, number];

    /** Cell size in metres. */
    readonly cellSize: number;

    /** Size in bytes of one field (`nx * ny * nz * 4`). */
    readonly byteSize: number;

    /**
     * The level set the liquid is drawn from: `nx * ny * nz` float32 values, STORAGE | COPY_SRC |
     * COPY_DST. Initialised to "no liquid" (+1 m everywhere).
     */
    readonly levelSetBuffer: pc.StorageBuffer;

    /** Child entity of the parent holding the box proxy mesh. */
    readonly entity: pc.Entity;

    /** The ray-marching material of the proxy. */
    readonly material: pc.ShaderMaterial;

    /** The proxy mesh instance. */
    readonly meshInstance: pc.MeshInstance;

    /** Material of the liquid's shadow on the plane under the box (see `floorShadow`). */
    readonly floorShadowMaterial: pc.ShaderMaterial;

    /** The mesh instance of that shadow (in the same render component as the surface). */
    readonly floorShadowInstance: pc.MeshInstance;

    /**
     * Sun and procedural sky. Mutate the arrays freely; they are read every frame. The sun is
     * replaced by the light {@link LiquidSurfaceRenderer#sunLight} selects, when there is one.
     */
    readonly lighting: LiquidLighting = {
        sunDirection: [0.35, 0.8, 0.45],
        sunColor: [2.2, 2.0, 1.75],
        skyZenith: [0.16, 0.33, 0.7],
        skyHorizon: [0.62, 0.72, 0.82],
        skyGround: [0.2, 0.19, 0.17],
    };

    /**
     * Where the sun comes from (see {@link LiquidSunSource}): `'auto'` (default), a light entity,
     * or null for the sun of {@link LiquidSurfaceRenderer#lighting}. Read every frame.
     */
    sunLight: LiquidSunSource;

    private readonly app: pc.AppBase;
    private readonly mesh: pc.Mesh;
    private readonly floorShadowMesh: pc.Mesh;
    private _floorShadow: boolean;
    private _look: Required<LiquidLook>;
    private _pressureBuffer: pc.StorageBuffer | null = null;
    private _foamBuffer: pc.StorageBuffer | null = null;
    private _foam = false;
    private _debugView: LiquidDebugView = 'none';
    private _debugSlice: LiquidDebugSlice;
    private _frameMode: LiquidFrameMode = 'solve';
    private _frameTintEnabled = false;
    private _camera: pc.CameraComponent | null = null;
    private _cameraColor = false;
    private _cameraDepth = false;
    private _envAtlas: pc.Texture | null = null;
    private _destroyed = false;
    private readonly _onPrerender: () => void;
    /** The light components of the app (kept by the light system's add/remove events), for 'auto'. */
    private readonly _lights: pc.LightComponent[] = [];
    private readonly _lightSystem: pc.LightComponentSystem | null;
    private readonly _onLightAdd = (_entity: pc.Entity, light: pc.LightComponent): void => {
        this._lights.push(light);
    };
    private readonly _onLightRemove = (_entity: pc.Entity, light: pc.LightComponent): void => {
        const i = this._lights.indexOf(light);
        if (i >= 0) this._lights.splice(i, 1);
    };

    private readonly _model = new pc.Mat4();
    private readonly _modelInv = new pc.Mat4();
    private readonly _f3 = {
        dims: new Float32Array(3),
        color: new Float32Array(3),
        absorption: new Float32Array(3),
        foamColor: new Float32Array(3),
        sunDir: new Float32Array(3),
        sunColor: new Float32Array(3),
        zenith: new Float32Array(3),
        horizon: new Float32Array(3),
        ground: new Float32Array(3),
    };
    private readonly _optics = new Float32Array(4);
    private readonly _tint = new Float32Array(4);
    private readonly _debug = new Float32Array(4);
    private readonly _debugRange = new Float32Array(4);

    /**
     * @param app - The application; its graphics device must be WebGPU.
     * @param options - Grid, parent entity and look.
     */
    constructor(app: pc.AppBase, options: LiquidSurfaceRendererOptions) {
        const device = app.graphicsDevice;
        if (!device.isWebGPU) {
            throw new Error(`LiquidSurfaceRenderer needs a WebGPU graphics device (got '${device.deviceType}')`);
        }
        const [nx, ny, nz] = options.dims;
        for (const n of options.dims) {
            if (!Number.isInteger(n) || n < 2) throw new Error(`LiquidSurfaceRenderer: invalid dims [${options.dims.join(', ')}]`);
        }
        if (!(options.cellSize > 0)) throw new Error(`LiquidSurfaceRenderer: invalid cellSize ${options.cellSize}`);

        this.app = app;
        this.dims = [nx, ny, nz];
        this.cellSize = options.cellSize;
        this.byteSize = nx * ny * nz * 4;
        this.sunLight = options.sunLight === undefined ? 'auto' : options.sunLight;
        // the scene's lights, for the 'auto' sun: those there now, then as they come and go
        this._lightSystem = (app.systems as { light?: pc.LightComponentSystem }).light ?? null;
        if (this._lightSystem) {
            const store = this._lightSystem.store as Record<string, { entity: pc.Entity }>;
            for (const id of Object.keys(store)) {
                const light = store[id].entity.light;
                if (light) this._lights.push(light);
            }
            this._lightSystem.on('add', this._onLightAdd);
            this._lightSystem.on('beforeremove', this._onLightRemove);
        }
        this._look = { ...DEFAULT_LIQUID_LOOK } as Required<LiquidLook>;
        this._debugSlice = {
            axis: 'z',
            position: 0.5,
            pressureRange: [0, 1000 * 9.81 * ny * options.cellSize],
            levelSetRange: 4,
        };

        this.levelSetBuffer = new pc.StorageBuffer(device, this.byteSize, pc.BUFFERUSAGE_COPY_SRC | pc.BUFFERUSAGE_COPY_DST);
        this.levelSetBuffer.write(0, new Float32Array(nx * ny * nz).fill(1));

        this.material = new pc.ShaderMaterial({
            uniqueName: 'LatentLiquidSurface',
            vertexWGSL: liquidVS,
            fragmentWGSL: liquidFS,
            attributes: { vertex_position: pc.SEMANTIC_POSITION },
        });
        this.material.name = 'LatentLiquidSurface';
        // back faces: one fragment per covered pixel whether the camera is outside or inside
        this.material.cull = pc.CULLFACE_FRONT;
        // drawn with the transparent objects, after the scene colour grab; the shader writes
        // alpha 1, so it replaces what is behind
        this.material.blendType = pc.BLEND_NORMAL;
        this.material.depthWrite = true;
        this.material.depthTest = true;
        this.material.setParameter('liquidPhi', this.levelSetBuffer);

        const size = new pc.Vec3(nx * this.cellSize, ny * this.cellSize, nz * this.cellSize);
        this.mesh = createBoxMesh(device, size);
        this.meshInstance = new pc.MeshInstance(this.mesh, this.material);
        this.meshInstance.cull = true;

        // the liquid's shadow on what the box stands on: the same shader with its floor-shadow
        // entry point, multiplied into the floor's colour (its parameters are the surface's own,
        // shared by reference, see _syncFloorShadow)
        this.floorShadowMaterial = new pc.ShaderMaterial({
            uniqueName: 'LatentLiquidFloorShadow',
            vertexWGSL: liquidVS,
            fragmentWGSL: liquidFS,
            attributes: { vertex_position: pc.SEMANTIC_POSITION },
        });
        this.floorShadowMaterial.name = 'LatentLiquidFloorShadow';
        this.floorShadowMaterial.setDefine('LIQUID_FLOOR_SHADOW', '');
        this.floorShadowMaterial.cull = pc.CULLFACE_NONE;
        this.floorShadowMaterial.blendType = pc.BLEND_MULTIPLICATIVE;
        this.floorShadowMaterial.depthWrite = false;
        this.floorShadowMaterial.depthTest = true;
        this.floorShadowMesh = createFloorRing(device, size, 2 * size.y);
        this.floorShadowInstance = new pc.MeshInstance(this.floorShadowMesh, this.floorShadowMaterial);
        this.floorShadowInstance.cull = true;

        this.entity = new pc.Entity('LiquidSurface');
        this._floorShadow = options.floorShadow ?? true;
        this.floorShadowInstance.visible = this._floorShadow;
        this.entity.addComponent('render', {
            meshInstances: [this.meshInstance, this.floorShadowInstance],
            castShadows: false,
            receiveShadows: false,
            layers: options.layers ?? [pc.LAYERID_WORLD],
        });
        options.parent.addChild(this.entity);

        this.setLook(options.look ?? {});
        this._onPrerender = () => this._update();
        app.on('prerender', this._onPrerender);
        this._update();
    }

    /** The GPUBuffer behind {@link LiquidSurfaceRenderer#levelSetBuffer}, for GPU copies. */
    getLevelSetGpuBuffer(): GPUBuffer {
        return (this.levelSetBuffer.impl as { buffer: GPUBuffer }).buffer;
    }

    /**
     * The pressure field for the pressure-slice debug view (Pa, same layout as the level set),
     * created on first use.
     */
    get pressureBuffer(): pc.StorageBuffer {
        if (!this._pressureBuffer) {
            this._pressureBuffer = new pc.StorageBuffer(this.app.graphicsDevice, this.byteSize,
                pc.BUFFERUSAGE_COPY_SRC | pc.BUFFERUSAGE_COPY_DST);
            this._pressureBuffer.clear();
            this.material.setParameter('liquidPressure', this._pressureBuffer);
        }
        return this._pressureBuffer;
    }

    /** The GPUBuffer behind {@link LiquidSurfaceRenderer#pressureBuffer}, for GPU copies. */
    getPressureGpuBuffer(): GPUBuffer {
        return (this.pressureBuffer.impl as { buffer: GPUBuffer }).buffer;
    }

    /**
     * Whitewater foam (default off): the surface is whitened towards `look.foamColor` by the foam
     * density at the hit point, read from {@link LiquidSurfaceRenderer#foamBuffer} (the solver's
     * `foam.buffer`, copied on the GPU every frame). Off, the shader has no foam code and binds no
     * foam buffer. Cost on: one trilinear sample (8 loads) of the density per pixel that hits the
     * surface from the air, and a few multiply-adds to light the foam.
     */
    get foam(): boolean {
        return this._foam;
    }

    set foam(value: boolean) {
        if (value === this._foam) return;
        this._foam = value;
        if (value) void this.foamBuffer; // the foam variant binds it
        this.material.setDefine('LIQUID_FOAM', value ? '' : false);
        this.material.update();
    }

    /** The foam density (0..1, same layout as the level set), created on first use, initialised to no foam. */
    get foamBuffer(): pc.StorageBuffer {
        if (!this._foamBuffer) {
            this._foamBuffer = new pc.StorageBuffer(this.app.graphicsDevice, this.byteSize, pc.BUFFERUSAGE_COPY_SRC | pc.BUFFERUSAGE_COPY_DST);
            this._foamBuffer.clear();
            this.material.setParameter('liquidFoam', this._foamBuffer);
        }
        return this._foamBuffer;
    }

    /** The GPUBuffer behind {@link LiquidSurfaceRenderer#foamBuffer}, for GPU copies. */
    getFoamGpuBuffer(): GPUBuffer {
        return (this.foamBuffer.impl as { buffer: GPUBuffer }).buffer;
    }

    /** The current look (a copy; `color` as an sRGB triple). */
    get look(): Required<LiquidLook> {
        const { color, absorption, foamColor } = this._look;
        return {
            ...this._look, color: [...(color as Rgb)] as unknown as Rgb, absorption: [...absorption] as unknown as Rgb,
            foamColor: [...foamColor] as unknown as Rgb,
        };
    }

    /** Replaces the look; missing fields keep their current value. */
    set look(value: Partial<LiquidLook>) {
        this.setLook(value);
    }

    /** Changes some or all of the look parameters; missing fields keep their current value. */
    setLook(look: Partial<LiquidLook>): void {
        const next = { ...this._look };
        for (const [k, v] of Object.entries(look)) {
            if (v !== undefined) (next as Record<string, unknown>)[k] = v;
        }
        this._look = next;
        if (next.color instanceof pc.Color) next.color = [next.color.r, next.color.g, next.color.b];
        const f = this._f3;
        const color = next.color as Rgb;
        for (let i = 0; i < 3; i++) {
            f.color[i] = srgbToLinear(color[i]);
            f.absorption[i] = Math.max(0, next.absorption[i]);
            f.foamColor[i] = srgbToLinear(Math.min(1, Math.max(0, next.foamColor[i])));
        }
        this._optics[0] = Math.max(0, next.refractionStrength);
        this._optics[1] = Math.max(0, next.reflectionStrength);
        this._optics[2] = Math.min(1, Math.max(0, next.roughness));
        this._optics[3] = Math.max(1.0001, next.ior);
        this.material.setParameter('liquid_color', f.color);
        this.material.setParameter('liquid_absorption', f.absorption);
        this.material.setParameter('liquid_foamColor', f.foamColor);
        this.material.setParameter('liquid_optics', this._optics);
        this._syncFloorShadow();
    }

    /** Whether the liquid is drawn. */
    get enabled(): boolean {
        return this.entity.enabled;
    }

    set enabled(value: boolean) {
        this.entity.enabled = value;
    }

    /**
     * Whether the liquid darkens the plane it stands on (the box's local y = 0) beside the box where
     * the sun's light comes through it (under the box the surface shader lights what it shows).
     * Costs a slab test per covered floor pixel, and a light march where the light crosses liquid.
     */
    get floorShadow(): boolean {
        return this._floorShadow;
    }

    set floorShadow(value: boolean) {
        if (value === this._floorShadow) return;
        this._floorShadow = value;
        this.floorShadowInstance.visible = value;
    }

    /** Debug view: a slice with a colour map of the pressure or the level set, or 'none'. */
    get debugView(): LiquidDebugView {
        return this._debugView;
    }

    set debugView(view: LiquidDebugView) {
        if (view !== 'none' && view !== 'pressure-slice' && view !== 'levelset-slice') {
            throw new Error(`LiquidSurfaceRenderer: unknown debug view '${view as string}'`);
        }
        this._debugView = view;
        if (view !== 'none') {
            void this.pressureBuffer; // the debug variant binds it
            this.material.setDefine('LIQUID_DEBUG', '');
        } else {
            this.material.setDefine('LIQUID_DEBUG', false);
        }
        this.material.update();
    }

    /** Slice placement and colour ranges of the debug view (a copy). */
    get debugSlice(): LiquidDebugSlice {
        return { ...this._debugSlice, pressureRange: [...this._debugSlice.pressureRange] };
    }

    /** Changes the debug slice; missing fields keep their current value. */
    setDebugSlice(slice: Partial<LiquidDebugSlice>): void {
        this._debugSlice = { ...this._debugSlice, ...slice };
    }

    /** Marks the displayed frame as solved or predicted (predicted frames are tinted when enabled). */
    setFrameMode(mode: LiquidFrameMode): void {
        if (mode !== 'solve' && mode !== 'predict') throw new Error(`LiquidSurfaceRenderer: unknown frame mode '${mode as string}'`);
        this._frameMode = mode;
    }

    /** The mode given to the last {@link LiquidSurfaceRenderer#setFrameMode}. */
    get frameMode(): LiquidFrameMode {
        return this._frameMode;
    }

    /**
     * Whether predicted frames are tinted (orange). Off by default; a debug overlay turns it on.
     * Also on while a debug view is shown.
     */
    get frameTintEnabled(): boolean {
        return this._frameTintEnabled;
    }

    set frameTintEnabled(value: boolean) {
        this._frameTintEnabled = value;
    }

    /**
     * Lets the liquid refract what the given camera renders behind it: requests the camera's scene
     * colour grab and (with `sceneDepth`) depth grab, used to limit the march at opaque geometry
     * and to avoid refracting objects in front of the liquid. Other cameras then draw the liquid
     * with the procedural fallback only if you detach; the liquid should be drawn by this camera.
     */
    attachCamera(camera: pc.CameraComponent, options: { sceneColor?: boolean; sceneDepth?: boolean } = {}): void {
        this.detachCamera();
        this._camera = camera;
        this._cameraColor = options.sceneColor ?? true;
        this._cameraDepth = options.sceneDepth ?? true;
        if (this._cameraColor) camera.requestSceneColorMap(true);
        if (this._cameraDepth) camera.requestSceneDepthMap(true);
        this.material.setDefine('LIQUID_SCENE_COLOR', this._cameraColor ? '' : false);
        this.material.setDefine('LIQUID_SCENE_DEPTH', this._cameraDepth ? '' : false);
        this.material.update();
    }

    /** Releases the grabs requested by {@link LiquidSurfaceRenderer#attachCamera}. */
    detachCamera(): void {
        const camera = this._camera;
        if (camera) {
            // the component may already be gone with its entity
            if (camera.system) {
                if (this._cameraColor) camera.requestSceneColorMap(false);
                if (this._cameraDepth) camera.requestSceneDepthMap(false);
            }
            this._camera = null;
        }
        this._cameraColor = false;
        this._cameraDepth = false;
        this.material.setDefine('LIQUID_SCENE_COLOR', false);
        this.material.setDefine('LIQUID_SCENE_DEPTH', false);
        this.material.update();
    }

    /**
     * The light entity the sun follows now ({@link LiquidSurfaceRenderer#sunLight} resolved: the
     * scene's brightest enabled directional light for 'auto'), or null when the sun of
     * {@link LiquidSurfaceRenderer#lighting} is used.
     */
    get activeSunLight(): pc.Entity | null {
        const source = this.sunLight;
        if (source === null) return null;
        if (source !== 'auto') {
            return source.light?.enabled && source.enabled ? source : null;
        }
        // the brightest (intensity times the luminance of the linear colour); ties: the first
        let best: pc.Entity | null = null;
        let bestPower = -1;
        const lights = this._lights;
        for (let i = 0; i < lights.length; i++) {
            const light = lights[i];
            if (light.type !== 'directional' || !light.enabled || !light.entity.enabled) continue;
            const c = light.color;
            const power = light.intensity * (0.2126 * srgbToLinear(c.r) + 0.7152 * srgbToLinear(c.g) + 0.0722 * srgbToLinear(c.b));
            if (power > bestPower) {
                best = light.entity;
                bestPower = power;
            }
        }
        return best;
    }

    /** True once {@link LiquidSurfaceRenderer#destroy} was called. */
    get destroyed(): boolean {
        return this._destroyed;
    }

    /** Frees the buffers, the mesh, the material and the proxy entity; releases camera grabs. */
    destroy(): void {
        if (this._destroyed) return;
        this._destroyed = true;
        this.app.off('prerender', this._onPrerender);
        this._lightSystem?.off('add', this._onLightAdd);
        this._lightSystem?.off('beforeremove', this._onLightRemove);
        this._lights.length = 0;
        this.detachCamera();
        // the render component destroys the mesh instance and the (then unreferenced) mesh;
        // Mesh.destroy is idempotent, in case the entity was detached from it before
        this.entity.destroy();
        this.mesh.destroy();
        this.material.destroy();
        this.floorShadowMesh.destroy();
        this.floorShadowMaterial.destroy();
        this.levelSetBuffer.destroy();
        this._pressureBuffer?.destroy();
        this._pressureBuffer = null;
        this._foamBuffer?.destroy();
        this._foamBuffer = null;
    }

    /**
     * Gives the floor shadow's material the surface material's parameters: the same objects (the
     * typed arrays are updated in place), so a frame costs a walk over about 20 names.
     */
    private _syncFloorShadow(): void {
        const shadow = this.floorShadowMaterial;
        if (!shadow) return; // setLook runs once before it exists
        const params = this.material.parameters as Record<string, { data: unknown }>;
        for (const name of Object.keys(params)) shadow.setParameter(name, params[name].data as number[]);
    }

    /** Per-frame uniform update (runs on the app's 'prerender'). */
    private _update(): void {
        const m = this.material;
        const f = this._f3;

        this._model.copy(this.entity.getWorldTransform());
        this._modelInv.copy(this._model).invert();
        m.setParameter('liquid_model', this._model.data);
        m.setParameter('liquid_modelInv', this._modelInv.data);
        f.dims[0] = this.dims[0];
        f.dims[1] = this.dims[1];
        f.dims[2] = this.dims[2];
        m.setParameter('liquid_dims', f.dims);
        m.setParameter('liquid_cellSize', this.cellSize);

        // sun: from the light entity if any (PlayCanvas directional lights shine along -Y)
        const L = this.lighting;
        const sun = this.activeSunLight;
        const light = sun?.light;
        if (sun && light) {
            const up = sun.up;
            f.sunDir[0] = up.x;
            f.sunDir[1] = up.y;
            f.sunDir[2] = up.z;
            const c = light.color;
            const k = light.intensity;
            f.sunColor[0] = srgbToLinear(c.r) * k;
            f.sunColor[1] = srgbToLinear(c.g) * k;
            f.sunColor[2] = srgbToLinear(c.b) * k;
        } else {
            f.sunDir.set(L.sunDirection);
            f.sunColor.set(L.sunColor);
        }
        f.zenith.set(L.skyZenith);
        f.horizon.set(L.skyHorizon);
        f.ground.set(L.skyGround);
        m.setParameter('liquid_sunDir', f.sunDir);
        m.setParameter('liquid_sunColor', f.sunColor);
        m.setParameter('liquid_skyZenith', f.zenith);
        m.setParameter('liquid_skyHorizon', f.horizon);
        m.setParameter('liquid_skyGround', f.ground);

        // frame-mode tint
        const tint = this._frameTintEnabled || this._debugView !== 'none' ? FRAME_TINT[this._frameMode] : FRAME_TINT.solve;
        this._tint.set(tint);
        m.setParameter('liquid_tint', this._tint);

        // debug slice
        const s = this._debugSlice;
        this._debug[0] = this._debugView === 'pressure-slice' ? 1 : this._debugView === 'levelset-slice' ? 2 : 0;
        this._debug[1] = s.axis === 'x' ? 0 : s.axis === 'y' ? 1 : 2;
        this._debug[2] = s.position;
        this._debugRange[0] = s.pressureRange[0];
        this._debugRange[1] = s.pressureRange[1];
        this._debugRange[2] = s.levelSetRange;
        m.setParameter('liquid_debug', this._debug);
        m.setParameter('liquid_debugRange', this._debugRange);

        // environment: the scene's env atlas when there is one
        const atlas = this.app.scene.envAtlas ?? null;
        if (atlas !== this._envAtlas) {
            this._envAtlas = atlas;
            for (const material of [m, this.floorShadowMaterial]) {
                if (atlas) {
                    material.setDefine('LIQUID_ENV_ATLAS', '');
                    material.setDefine('{LIQUID_ENV_DECODE}', pc.ChunkUtils.decodeFunc(atlas.encoding));
                } else {
                    material.setDefine('LIQUID_ENV_ATLAS', false);
                    material.setDefine('{LIQUID_ENV_DECODE}', false);
                }
                material.update();
            }
        }
        this._syncFloorShadow();
    }
}
