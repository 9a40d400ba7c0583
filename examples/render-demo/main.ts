// Liquid rendering demo: a small PlayCanvas scene on WebGPU with a synthetic, animated level set
// (a pool with ripples and a falling sphere of liquid) written by a raw WebGPU compute pass
// straight into the renderer's storage buffers. No solver needed.
//
// URL parameters: t=<seconds> start time, paused=1, view=none|pressure-slice|levelset-slice,
// predict=1 (tint as a predicted frame), hud=0, aa=0 (no MSAA), sceneColor=0 (procedural
// refraction fallback), dist/yaw/pitch=<camera orbit>.
import * as pc from 'playcanvas';
import { LiquidSurfaceRenderer, type LiquidDebugView } from '../../plugin/render/liquid-surface-renderer';
import levelSetWGSL from './render-demo-levelset.wgsl';

const params = new URLSearchParams(location.search);
const num = (name: string, fallback: number): number => {
    const v = params.get(name);
    return v !== null && v !== '' && Number.isFinite(Number(v)) ? Number(v) : fallback;
};

const DIMS: [number, number, number] = [64, 32, 64];
const CELL = 2 / 64; // box of 2 m x 1 m x 2 m
const POOL_HEIGHT = 0.42;
const SPHERE_RADIUS = 0.17;
const DROP_HEIGHT = 0.95;
const DEMO_GRAVITY = 2.5; // slowed down so the fall can be watched
const CYCLE = 3.0;
const SUN_DIR = new pc.Vec3(-0.3, 0.55, -0.75).normalize();

function showMessage(title: string, detail: string): void {
    const el = document.getElementById('message');
    if (!el) return;
    el.innerHTML = '';
    const h = document.createElement('h1');
    h.textContent = title;
    const p = document.createElement('p');
    p.textContent = detail;
    el.append(h, p);
    el.classList.add('visible');
    document.getElementById('hud')?.classList.add('hidden');
}

/** Sky radiance (linear HDR) used for the skybox and the reflections. */
function skyRadiance(d: pc.Vec3, out: number[]): void {
    const zenith = [0.08, 0.22, 0.62];
    const horizon = [0.45, 0.6, 0.85];
    const ground = [0.21, 0.2, 0.18];
    const y = d.y;
    const s = Math.max(0, d.dot(SUN_DIR));
    for (let c = 0; c < 3; c++) {
        let v: number;
        if (y >= 0) v = horizon[c] + (zenith[c] - horizon[c]) * Math.pow(y, 0.6);
        else v = horizon[c] * 0.7 + (ground[c] - horizon[c] * 0.7) * Math.min(1, -y / 0.2);
        // sun disc and glow
        v += [1.0, 0.93, 0.8][c] * (Math.pow(s, 12000) * 60 + Math.pow(s, 16) * 0.3);
        out[c] = v;
    }
}

/** A procedural HDR sky cubemap (RGBA16F). Faces follow PlayCanvas's mirrored-x convention. */
function createSkyCubemap(device: pc.GraphicsDevice, size: number): pc.Texture {
    const faces: Uint16Array[] = [];
    const d = new pc.Vec3();
    const rgb = [0, 0, 0];
    const half = pc.FloatPacking.float2Half;
    for (let face = 0; face < 6; face++) {
        const data = new Uint16Array(size * size * 4);
        for (let y = 0; y < size; y++) {
            for (let x = 0; x < size; x++) {
                const s = (2 * (x + 0.5)) / size - 1;
                const t = (2 * (y + 0.5)) / size - 1;
                switch (face) {
                    case 0: d.set(1, -t, -s); break;
                    case 1: d.set(-1, -t, s); break;
                    case 2: d.set(s, 1, t); break;
                    case 3: d.set(s, -1, -t); break;
                    case 4: d.set(s, -t, 1); break;
                    default: d.set(-s, -t, -1); break;
                }
                d.normalize();
                d.x = -d.x; // PlayCanvas samples cubemaps with x mirrored
                skyRadiance(d, rgb);
                const o = 4 * (y * size + x);
                data[o] = half(rgb[0]);
                data[o + 1] = half(rgb[1]);
                data[o + 2] = half(rgb[2]);
                data[o + 3] = half(1);
            }
        }
        faces.push(data);
    }
    return new pc.Texture(device, {
        name: 'demo-sky',
        cubemap: true,
        width: size,
        height: size,
        format: pc.PIXELFORMAT_RGBA16F,
        mipmaps: true,
        levels: [faces] as unknown as Uint8Array[][], // typings only list Uint8Array cubemap faces
    });
}

/** A two-tone tiled texture for the floor (makes refraction easy to see). */
function createTileTexture(device: pc.GraphicsDevice): pc.Texture {
    const size = 128;
    const data = new Uint8Array(size * size * 4);
    for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
            const tile = ((x >> 4) + (y >> 4)) & 1;
            const grout = (x & 15) === 0 || (y & 15) === 0;
            const v = grout ? 120 : tile ? 236 : 198;
            const o = 4 * (y * size + x);
            data[o] = v;
            data[o + 1] = v - (tile ? 6 : 10);
            data[o + 2] = v - (tile ? 16 : 24);
            data[o + 3] = 255;
        }
    }
    const tex = new pc.Texture(device, {
        name: 'demo-tiles',
        width: size,
        height: size,
        format: pc.PIXELFORMAT_SRGBA8,
        mipmaps: true,
        addressU: pc.ADDRESS_REPEAT,
        addressV: pc.ADDRESS_REPEAT,
        anisotropy: 4,
        levels: [data],
    });
    return tex;
}

function material(color: [number, number, number], gloss = 0.5, map: pc.Texture | null = null, tiling = 1): pc.StandardMaterial {
    const m = new pc.StandardMaterial();
    m.diffuse = new pc.Color(color[0], color[1], color[2]);
    m.gloss = gloss;
    m.useMetalness = true;
    m.metalness = 0;
    if (map) {
        m.diffuseMap = map;
        m.diffuseMapTiling = new pc.Vec2(tiling, tiling);
    }
    m.update();
    return m;
}

function addBox(app: pc.AppBase, name: string, pos: [number, number, number], scale: [number, number, number], mat: pc.Material): pc.Entity {
    const e = new pc.Entity(name);
    e.addComponent('render', { type: 'box', material: mat, castShadows: true, receiveShadows: true });
    e.setLocalPosition(pos[0], pos[1], pos[2]);
    e.setLocalScale(scale[0], scale[1], scale[2]);
    app.root.addChild(e);
    return e;
}

async function main(): Promise<void> {
    const canvas = document.getElementById('app') as HTMLCanvasElement;
    if (!('gpu' in navigator) || !navigator.gpu) {
        showMessage('WebGPU is not available', 'This demo needs a browser with WebGPU enabled (Chrome/Edge 113+, or Chromium with --enable-unsafe-webgpu).');
        return;
    }
    let device: pc.GraphicsDevice;
    try {
        device = await pc.createGraphicsDevice(canvas, {
            deviceTypes: [pc.DEVICETYPE_WEBGPU],
            antialias: params.get('aa') !== '0',
        });
    } catch (err) {
        showMessage('Could not create a WebGPU device', String(err));
        return;
    }
    if (device.deviceType !== 'webgpu') {
        showMessage('WebGPU is not available', `PlayCanvas fell back to '${device.deviceType}'; the liquid renderer needs WebGPU.`);
        device.destroy();
        return;
    }

    const app = new pc.Application(canvas, { graphicsDevice: device });
    app.setCanvasFillMode(pc.FILLMODE_FILL_WINDOW);
    app.setCanvasResolution(pc.RESOLUTION_AUTO);
    const onResize = () => app.resizeCanvas();
    window.addEventListener('resize', onResize);
    if (params.get('hud') === '0') document.getElementById('hud')?.classList.add('hidden');

    // ---- environment: procedural HDR sky, used for the skybox and the env atlas ------------
    const sky = createSkyCubemap(device, 128);
    const lightingSource = pc.EnvLighting.generateLightingSource(sky);
    const envAtlas = pc.EnvLighting.generateAtlas(lightingSource, { numReflectionSamples: 256 });
    lightingSource.destroy();
    app.scene.envAtlas = envAtlas;
    app.scene.skybox = sky;
    app.scene.skyboxMip = 0;
    app.scene.skyboxIntensity = 1;
    app.scene.ambientLight = new pc.Color(0.05, 0.05, 0.06);

    // The scene colour grab happens at the Depth layer: draw the skybox before it, so the
    // liquid refracts the sky too.
    const layers = app.scene.layers;
    const depthLayer = layers.getLayerById(pc.LAYERID_DEPTH);
    const skyLayer = layers.getLayerById(pc.LAYERID_SKYBOX);
    if (depthLayer && skyLayer) {
        layers.removeOpaque(depthLayer);
        layers.insertOpaque(depthLayer, layers.getOpaqueIndex(skyLayer) + 1);
    }

    // ---- scene -----------------------------------------------------------------------------
    const tiles = createTileTexture(device);
    const floor = new pc.Entity('floor');
    floor.addComponent('render', { type: 'plane', material: material([1, 1, 1], 0.35, tiles, 20), castShadows: false, receiveShadows: true });
    floor.setLocalScale(40, 1, 40);
    app.root.addChild(floor);

    // a partly submerged post inside the pool, a crate in front of it, a pillar behind
    addBox(app, 'post', [0.55, 0.35, 0.45], [0.18, 0.7, 0.18], material([0.75, 0.18, 0.12], 0.6));
    addBox(app, 'crate', [1.45, 0.2, 1.35], [0.4, 0.4, 0.4], material([0.85, 0.62, 0.2], 0.4));
    addBox(app, 'pillar', [-0.6, 0.9, -1.55], [0.35, 1.8, 0.35], material([0.25, 0.35, 0.75], 0.55));
    addBox(app, 'step', [-1.7, 0.15, 0.4], [0.6, 0.3, 0.9], material([0.55, 0.55, 0.52], 0.3));

    const sun = new pc.Entity('sun');
    sun.addComponent('light', {
        type: 'directional',
        color: new pc.Color(1, 0.96, 0.88),
        intensity: 1.6,
        castShadows: true,
        shadowDistance: 8,
        shadowResolution: 1024,
        shadowBias: 0.3,
        normalOffsetBias: 0.05,
    });
    // directional lights shine along their -Y axis: point +Y at the sun
    sun.lookAt(SUN_DIR.x, SUN_DIR.y, SUN_DIR.z);
    sun.rotateLocal(-90, 0, 0);
    app.root.addChild(sun);

    const camera = new pc.Entity('camera');
    camera.addComponent('camera', {
        clearColor: new pc.Color(0.1, 0.1, 0.12),
        fov: 45,
        nearClip: 0.05,
        farClip: 60,
        toneMapping: pc.TONEMAP_ACES,
    });
    app.root.addChild(camera);
    const orbit = { yaw: num('yaw', 32), pitch: num('pitch', -27), dist: num('dist', 4.6), target: new pc.Vec3(0, 0.3, 0) };
    const placeCamera = () => {
        const q = new pc.Quat().setFromEulerAngles(orbit.pitch, orbit.yaw, 0);
        const offset = q.transformVector(new pc.Vec3(0, 0, orbit.dist));
        camera.setPosition(orbit.target.x + offset.x, orbit.target.y + offset.y, orbit.target.z + offset.z);
        camera.lookAt(orbit.target);
    };
    placeCamera();

    // ---- liquid ----------------------------------------------------------------------------
    const liquidRoot = new pc.Entity('liquid');
    liquidRoot.setLocalPosition(-1, 0, -1); // box [0, 2] x [0, 1] x [0, 2] centred on the origin
    app.root.addChild(liquidRoot);

    const renderer = new LiquidSurfaceRenderer(app, { dims: DIMS, cellSize: CELL, parent: liquidRoot, sunLight: sun });
    if (params.get('sceneColor') !== '0') renderer.attachCamera(camera.camera!);
    const view = (params.get('view') ?? 'none') as LiquidDebugView;
    renderer.debugView = view;
    renderer.setFrameMode(params.get('predict') === '1' ? 'predict' : 'solve');

    // ---- synthetic level set: raw WebGPU compute into the renderer's buffers ---------------
    const gpu = (device as unknown as { wgpu: GPUDevice }).wgpu;
    const module = gpu.createShaderModule({ label: 'demo-levelset', code: levelSetWGSL });
    const pipeline = gpu.createComputePipeline({ label: 'demo-levelset', layout: 'auto', compute: { module, entryPoint: 'main' } });
    const paramsBuffer = gpu.createBuffer({ label: 'demo-levelset-params', size: 80, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    let bindGroup: GPUBindGroup | null = null;
    let boundLevelSet: GPUBuffer | null = null;
    const paramData = new ArrayBuffer(80);
    const u32 = new Uint32Array(paramData);
    const f32 = new Float32Array(paramData);

    const state = { time: num('t', 0), paused: params.get('paused') === '1', frame: 0, synthetic: true };

    const writeLevelSet = (time: number) => {
        const levelSet = renderer.getLevelSetGpuBuffer();
        if (!bindGroup || boundLevelSet !== levelSet) {
            // (re)bind: after a device restore the GPUBuffers are new
            boundLevelSet = levelSet;
            bindGroup = gpu.createBindGroup({
                layout: pipeline.getBindGroupLayout(0),
                entries: [
                    { binding: 0, resource: { buffer: paramsBuffer } },
                    { binding: 1, resource: { buffer: levelSet } },
                    { binding: 2, resource: { buffer: renderer.getPressureGpuBuffer() } },
                ],
            });
        }
        // sphere falls from DROP_HEIGHT, merges with the pool, ripples spread from the impact
        const tc = ((time % CYCLE) + CYCLE) % CYCLE;
        const y = DROP_HEIGHT - 0.5 * DEMO_GRAVITY * tc * tc;
        const tImpact = Math.sqrt((2 * (DROP_HEIGHT - SPHERE_RADIUS - POOL_HEIGHT)) / DEMO_GRAVITY);
        const sphereAlive = y > POOL_HEIGHT - SPHERE_RADIUS - 0.04;
        const sinceImpact = tc >= tImpact ? tc - tImpact : tc + CYCLE - tImpact;
        const cx = 1.15, cz = 0.9;
        u32[0] = DIMS[0]; u32[1] = DIMS[1]; u32[2] = DIMS[2]; u32[3] = 0;
        f32[4] = CELL;
        f32[5] = 4 * CELL;
        f32[6] = POOL_HEIGHT;
        f32[7] = 1000;
        f32.set([cx, y, cz, sphereAlive ? SPHERE_RADIUS : 0], 8);
        f32.set([cx, cz, sinceImpact, 0.03], 12);
        f32[16] = 9.81;
        f32[17] = time;
        gpu.queue.writeBuffer(paramsBuffer, 0, paramData);
        const encoder = gpu.createCommandEncoder({ label: 'demo-levelset' });
        const pass = encoder.beginComputePass({ label: 'demo-levelset' });
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup!);
        pass.dispatchWorkgroups(Math.ceil(DIMS[0] / 4), Math.ceil(DIMS[1] / 4), Math.ceil(DIMS[2] / 4));
        pass.end();
        gpu.queue.submit([encoder.finish()]);
    };

    app.on('update', (dt: number) => {
        if (!state.paused) state.time += Math.min(dt, 1 / 20);
        if (state.synthetic && !renderer.destroyed) writeLevelSet(state.time);
    });
    app.on('postrender', () => {
        state.frame++;
        liquid.frame = state.frame;
        liquid.time = state.time;
    });

    // ---- input: orbit, zoom, debug keys ----------------------------------------------------
    let dragging = false;
    canvas.addEventListener('pointerdown', (e) => { dragging = true; canvas.setPointerCapture(e.pointerId); });
    canvas.addEventListener('pointerup', (e) => { dragging = false; canvas.releasePointerCapture(e.pointerId); });
    canvas.addEventListener('pointermove', (e) => {
        if (!dragging) return;
        orbit.yaw -= e.movementX * 0.3;
        orbit.pitch = pc.math.clamp(orbit.pitch - e.movementY * 0.3, -89, 89);
        placeCamera();
    });
    canvas.addEventListener('wheel', (e) => {
        orbit.dist = pc.math.clamp(orbit.dist * Math.exp(e.deltaY * 0.001), 0.3, 20);
        placeCamera();
        e.preventDefault();
    }, { passive: false });
    window.addEventListener('keydown', (e) => {
        if (e.key === '1') renderer.debugView = 'none';
        if (e.key === '2') renderer.debugView = 'pressure-slice';
        if (e.key === '3') renderer.debugView = 'levelset-slice';
        if (e.key === 'p' || e.key === 'P') {
            renderer.frameTintEnabled = true;
            renderer.setFrameMode(renderer.frameMode === 'predict' ? 'solve' : 'predict');
        }
        if (e.key === ' ') state.paused = !state.paused;
    });

    // ---- hooks for automated checks -----------------------------------------------------
    const toScreen = (x: number, y: number, z: number): [number, number] => {
        const s = camera.camera!.worldToScreen(new pc.Vec3(x, y, z));
        return [s.x, s.y];
    };
    const liquid = {
        renderer,
        app,
        camera,
        liquidRoot,
        frame: 0,
        time: state.time,
        deviceType: device.deviceType,
        setTime(t: number) { state.time = t; },
        setPaused(p: boolean) { state.paused = p; },
        /** Stops/restarts the synthetic level set (to write the buffer from elsewhere). */
        setSynthetic(on: boolean) { state.synthetic = on; },
        /** The raw GPUDevice (shared with PlayCanvas). */
        gpu,
        setOrbit(o: Partial<{ yaw: number; pitch: number; dist: number }>) { Object.assign(orbit, o); placeCamera(); },
        /** World point to canvas CSS pixels. */
        project: toScreen,
        /** Local point of the liquid box (metres) to canvas CSS pixels. */
        projectLocal(x: number, y: number, z: number): [number, number] {
            const w = liquidRoot.getWorldTransform().transformPoint(new pc.Vec3(x, y, z));
            return toScreen(w.x, w.y, w.z);
        },
        /** Screen rectangle covered by the liquid box. */
        boxScreenRect(): { x0: number; y0: number; x1: number; y1: number } {
            const r = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
            for (let i = 0; i < 8; i++) {
                const [sx, sy] = liquid.projectLocal((i & 1) ? 2 : 0, (i & 2) ? 1 : 0, (i & 4) ? 2 : 0);
                r.x0 = Math.min(r.x0, sx); r.y0 = Math.min(r.y0, sy);
                r.x1 = Math.max(r.x1, sx); r.y1 = Math.max(r.y1, sy);
            }
            return r;
        },
        /** Resolves after n more frames were rendered. */
        waitFrames(n: number): Promise<number> {
            const target = state.frame + n;
            return new Promise((resolve) => {
                const check = () => (state.frame >= target ? resolve(state.frame) : requestAnimationFrame(check));
                check();
            });
        },
        constants: { DIMS, CELL, POOL_HEIGHT, SPHERE_RADIUS, DROP_HEIGHT, DEMO_GRAVITY, CYCLE },
    };
    (window as unknown as { liquid: typeof liquid }).liquid = liquid;

    app.start();
}

main().catch((err) => {
    console.error(err);
    showMessage('The demo failed to start', String(err instanceof Error ? err.message : err));
});
