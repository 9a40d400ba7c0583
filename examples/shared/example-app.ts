import * as pc from 'playcanvas';
import { OrbitCamera } from './orbit-camera';
import { LiquidVolume } from '../../plugin/liquid-volume.mjs';

/** What every example page gets. */
export interface ExampleApp {
  app: pc.Application;
  camera: pc.Entity;
  orbit: OrbitCamera;
  sun: pc.Entity;
}

/** Shows a message in place of the canvas (no WebGPU, start failure). */
export function showMessage(html: string): void {
  const box = document.getElementById('message') ?? document.body.appendChild(document.createElement('div'));
  box.id = 'message';
  box.className = 'message';
  box.innerHTML = html;
  box.hidden = false;
  document.getElementById('app')?.setAttribute('hidden', '');
}

const NO_WEBGPU = `<h2>This example needs WebGPU</h2>
<p>Your browser did not provide a WebGPU device. Use a recent Chrome, Edge or Firefox with WebGPU enabled
(on Linux Chrome: <code>--enable-unsafe-webgpu --enable-features=Vulkan</code>), or Safari 26+.</p>`;

/**
 * Creates a PlayCanvas app on WebGPU with a floor, a sun, a sky colour and an orbit camera.
 * Returns null (after showing a clear message) when WebGPU is not available.
 */
export async function createExampleApp(options: {
  cameraTarget?: pc.Vec3; distance?: number; pitch?: number; yaw?: number;
  /** Size the canvas to this element (a part of the page) instead of the whole window. */
  container?: HTMLElement;
} = {}): Promise<ExampleApp | null> {
  const canvas = document.getElementById('app') as HTMLCanvasElement;
  setUpPanel();
  if (!('gpu' in navigator) || !navigator.gpu) {
    showMessage(NO_WEBGPU);
    return null;
  }
  let device: pc.GraphicsDevice;
  try {
    device = await pc.createGraphicsDevice(canvas, { deviceTypes: [pc.DEVICETYPE_WEBGPU], antialias: true });
  } catch (e) {
    showMessage(`${NO_WEBGPU}<p>Details: ${(e as Error).message}</p>`);
    return null;
  }
  // createGraphicsDevice silently falls back to WebGL2: the liquid needs WebGPU.
  if (device.deviceType !== pc.DEVICETYPE_WEBGPU) {
    device.destroy();
    showMessage(NO_WEBGPU);
    return null;
  }
  const app = new pc.Application(canvas, { graphicsDevice: device, mouse: new pc.Mouse(canvas), keyboard: new pc.Keyboard(window) });
  app.setCanvasResolution(pc.RESOLUTION_AUTO);
  const container = options.container;
  if (container) {
    app.setCanvasFillMode(pc.FILLMODE_NONE);
    const fitCanvas = () => app.resizeCanvas(container.clientWidth, container.clientHeight);
    const observer = new ResizeObserver(fitCanvas);
    observer.observe(container);
    fitCanvas();
    app.on('destroy', () => observer.disconnect());
  } else {
    app.setCanvasFillMode(pc.FILLMODE_FILL_WINDOW);
    const resize = () => app.resizeCanvas();
    window.addEventListener('resize', resize);
    app.on('destroy', () => window.removeEventListener('resize', resize));
  }

  app.scene.ambientLight = new pc.Color(0.32, 0.36, 0.42);
  app.scene.exposure = 1;

  const floorMaterial = new pc.StandardMaterial();
  floorMaterial.diffuse = new pc.Color(0.78, 0.78, 0.8);
  floorMaterial.diffuseMap = checkerTexture(device);
  floorMaterial.diffuseMapTiling = new pc.Vec2(12, 12);
  floorMaterial.update();
  const floor = new pc.Entity('floor');
  floor.addComponent('render', { type: 'plane', material: floorMaterial });
  floor.setLocalScale(12, 1, 12);
  floor.setPosition(0.5, -0.001, 0.5);
  app.root.addChild(floor);

  const sun = new pc.Entity('sun');
  sun.addComponent('light', { type: 'directional', color: new pc.Color(1, 0.97, 0.9), intensity: 1.4, castShadows: true, shadowDistance: 6, shadowResolution: 2048, normalOffsetBias: 0.05 });
  sun.setEulerAngles(50, 35, 0);
  app.root.addChild(sun);

  const camera = new pc.Entity('camera');
  camera.addComponent('camera', { clearColor: new pc.Color(0.62, 0.72, 0.84), fov: 50, nearClip: 0.02, farClip: 50 });
  app.root.addChild(camera);
  const orbit = new OrbitCamera(app, camera, options.cameraTarget ?? new pc.Vec3(0.5, 0.3, 0.5), options.distance ?? 2.4, options.pitch ?? -28, options.yaw ?? 35);

  app.start();
  return { app, camera, orbit, sun };
}

function checkerTexture(device: pc.GraphicsDevice): pc.Texture {
  const size = 64;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = ((x >> 5) ^ (y >> 5)) & 1 ? 235 : 200;
      data.set([v, v, v, 255], 4 * (x + size * y));
    }
  }
  const tex = new pc.Texture(device, { width: size, height: size, format: pc.PIXELFORMAT_RGBA8, mipmaps: true, addressU: pc.ADDRESS_REPEAT, addressV: pc.ADDRESS_REPEAT });
  tex.lock().set(data);
  tex.unlock();
  return tex;
}

/**
 * A transparent-looking tank outline: 12 thin edges around [0, size]. The edges lie exactly on the
 * liquid's box, where refracted rays leave the liquid, so they are drawn in the transparent pass
 * (opaque-looking, alpha 1): that keeps them out of the scene colour and depth grabs the liquid
 * refracts, which would otherwise show them as dark seams across the water.
 */
export function addTankEdges(parent: pc.Entity, size: pc.Vec3): void {
  const m = new pc.StandardMaterial();
  m.diffuse = new pc.Color(0.2, 0.22, 0.25);
  m.blendType = pc.BLEND_NORMAL;
  m.opacity = 1;
  m.depthWrite = true;
  m.update();
  const t = 0.008;
  const edges: [number, number, number, number, number, number][] = [];
  for (const y of [0, size.y]) for (const z of [0, size.z]) edges.push([size.x / 2, y, z, size.x + t, t, t]);
  for (const x of [0, size.x]) for (const z of [0, size.z]) edges.push([x, size.y / 2, z, t, size.y + t, t]);
  for (const x of [0, size.x]) for (const y of [0, size.y]) edges.push([x, y, size.z / 2, t, t, size.z + t]);
  for (const [x, y, z, sx, sy, sz] of edges) {
    const e = new pc.Entity('tankEdge');
    e.addComponent('render', { type: 'box', material: m, castShadows: false });
    e.setLocalPosition(x, y, z);
    e.setLocalScale(sx, sy, sz);
    parent.addChild(e);
  }
}

/** Reads a URL query parameter. */
export function param(name: string, fallback: string): string {
  return new URLSearchParams(location.search).get(name) ?? fallback;
}

/** The info panel folds on a click on its title; `?panel=0` hides it (screenshots). */
function setUpPanel(): void {
  const panel = document.getElementById('panel');
  if (!panel) return;
  if (param('panel', '1') === '0') panel.hidden = true;
  panel.querySelector('h1')?.addEventListener('click', () => panel.classList.toggle('collapsed'));
}

/**
 * A 1 m tank entity at `position` under `parent` with its outline and a liquidVolume script
 * (the examples' shared defaults: URL resolution/solver/stats, the shipped model, ORT's wasm
 * from ../ort/), plus `properties` on top.
 */
export function addLiquidTank(app: pc.AppBase, properties: Record<string, unknown>, options: { parent?: pc.Entity; position?: pc.Vec3; name?: string } = {}): LiquidVolume {
  const res = Number(param('res', '32'));
  const tank = new pc.Entity(options.name ?? 'tank');
  if (options.position) tank.setLocalPosition(options.position);
  tank.addComponent('script');
  (options.parent ?? app.root).addChild(tank);
  addTankEdges(tank, new pc.Vec3(1, 1, 1));
  return tank.script!.create(LiquidVolume, {
    properties: {
      resolution: res, cellSize: 1 / res, solver: param('solver', 'classical'), modelUrl: param('model', '../models/latent-liquid/'), latentRuntime: param('runtime', 'auto'),
      ortWasmPath: '../ort/', showStats: param('stats', '0') === '1', foam: param('foam', '0') === '1', ...properties,
    },
  }) as LiquidVolume;
}
