// Floating: PlayCanvas rigid bodies (ammo.js from the `ammojs-typed` package, served from
// ../ammo/) coupled with the liquid through the `liquid-body` tag (plugin/body-tracker.ts).
import * as pc from 'playcanvas';
import { addLiquidTank, createExampleApp, param } from '../shared/example-app';
import { exposeLiquid } from '../shared/expose';

/** Loads ammo.js (wasm, with the asm.js build as fallback) from the site: no network beyond it. */
async function loadAmmo(): Promise<void> {
  pc.WasmModule.setConfig('Ammo', { glueUrl: '../ammo/ammo.wasm.js', wasmUrl: '../ammo/ammo.wasm.wasm', fallbackUrl: '../ammo/ammo.js' });
  await new Promise<void>((resolve) => { pc.WasmModule.getInstance('Ammo', () => resolve()); });
}

const WATER_DENSITY = 1000;
const CRATE_HALF = 0.06;
/** Most bodies one liquid couples (MAX_BODIES). */
const MAX_BODIES = 16;

await loadAmmo();
const ex = await createExampleApp({ cameraTarget: new pc.Vec3(0.5, 0.35, 0.5), distance: 2.1, pitch: -32 });
if (ex) {
  const { app } = ex;
  // The physics world is made when ammo is there; the app was made after it loaded.
  (app.systems as unknown as { rigidbody?: { onLibraryLoaded(): void } }).rigidbody?.onLibraryLoaded();
  // The bodies wait for the liquid (its pipelines take a moment): once it runs, the plugin steps
  // the physics together with it (lockstep, plugin/body-tracker.ts).
  if (app.systems.rigidbody) app.systems.rigidbody.timeScale = 0;

  // The tank turns about its centre: a pivot there, the liquid's corner at (-0.5, 0, -0.5) from it.
  const pivot = new pc.Entity('pivot');
  pivot.setPosition(0.5, 0, 0.5);
  app.root.addChild(pivot);
  const liquid = addLiquidTank(app, { preset: 'rest', showStats: param('stats', '1') === '1' }, { parent: pivot, position: new pc.Vec3(-0.5, 0, -0.5), name: 'pond' });

  // The tank's walls and floor for the physics engine: kinematic, so they follow the tilt.
  const walls: [pc.Vec3, pc.Vec3][] = [
    [new pc.Vec3(0, -0.05, 0), new pc.Vec3(0.6, 0.05, 0.6)],
    [new pc.Vec3(-0.55, 0.5, 0), new pc.Vec3(0.05, 0.6, 0.6)], [new pc.Vec3(0.55, 0.5, 0), new pc.Vec3(0.05, 0.6, 0.6)],
    [new pc.Vec3(0, 0.5, -0.55), new pc.Vec3(0.6, 0.6, 0.05)], [new pc.Vec3(0, 0.5, 0.55), new pc.Vec3(0.6, 0.6, 0.05)],
  ];
  walls.forEach(([position, half], i) => {
    const wall = new pc.Entity(`wall ${i}`);
    wall.setLocalPosition(position);
    wall.addComponent('collision', { type: 'box', halfExtents: half });
    wall.addComponent('rigidbody', { type: pc.BODYTYPE_KINEMATIC, friction: 0.4 });
    pivot.addChild(wall);
  });

  const material = (r: number, g: number, b: number) => {
    const m = new pc.StandardMaterial();
    m.diffuse = new pc.Color(r, g, b);
    m.update();
    return m;
  };
  const crateColors: Record<string, pc.StandardMaterial> = { '0.3': material(0.85, 0.7, 0.45), '0.6': material(0.7, 0.5, 0.3), '0.9': material(0.45, 0.3, 0.18) };

  /** A dynamic rigid body coupled with the liquid: tag, collision shape, mass from the density. */
  const addBody = (name: string, collision: Record<string, unknown>, volume: number, density: number, position: pc.Vec3): pc.Entity => {
    const e = new pc.Entity(name);
    e.tags.add('liquid-body');
    e.setPosition(position);
    e.addComponent('collision', collision);
    e.addComponent('rigidbody', { type: pc.BODYTYPE_DYNAMIC, mass: density * WATER_DENSITY * volume, friction: 0.5, restitution: 0.1 });
    app.root.addChild(e);
    return e;
  };
  const addCrate = (density: number, position: pc.Vec3, name = `crate ${density}`): pc.Entity => {
    const e = addBody(name, { type: 'box', halfExtents: new pc.Vec3(CRATE_HALF, CRATE_HALF, CRATE_HALF) }, (2 * CRATE_HALF) ** 3, density, position);
    e.addComponent('render', { type: 'box', material: crateColors[String(density)] ?? crateColors['0.6'] });
    e.render!.meshInstances[0].node.setLocalScale(2 * CRATE_HALF, 2 * CRATE_HALF, 2 * CRATE_HALF);
    return e;
  };

  const bodies: pc.Entity[] = [];
  // Released just above their floating heights (the pond is 0.4 m deep).
  bodies.push(addCrate(0.3, new pc.Vec3(0.25, 0.44, 0.3)), addCrate(0.6, new pc.Vec3(0.5, 0.42, 0.3)), addCrate(0.9, new pc.Vec3(0.75, 0.4, 0.3)));

  // The boat: a hull and a cabin (render meshes), a box for the physics engine and the liquid.
  const hull: [number, number, number] = [0.13, 0.035, 0.06];
  const boat = addBody('boat', { type: 'box', halfExtents: new pc.Vec3(...hull) }, 8 * hull[0] * hull[1] * hull[2], 0.35, new pc.Vec3(0.35, 0.43, 0.68));
  const hullMesh = new pc.Entity('hull');
  hullMesh.addComponent('render', { type: 'box', material: material(0.8, 0.2, 0.15) });
  hullMesh.setLocalScale(2 * hull[0], 2 * hull[1], 2 * hull[2]);
  boat.addChild(hullMesh);
  const cabin = new pc.Entity('cabin');
  cabin.addComponent('render', { type: 'box', material: material(0.95, 0.95, 0.92) });
  cabin.setLocalScale(0.08, 0.05, 0.07);
  cabin.setLocalPosition(-0.02, hull[1] + 0.025, 0);
  boat.addChild(cabin);
  bodies.push(boat);

  const stoneRadius = 0.045;
  const stone = addBody('stone', { type: 'sphere', radius: stoneRadius }, (4 / 3) * Math.PI * stoneRadius ** 3, 2.5, new pc.Vec3(0.7, 0.55, 0.7));
  stone.addComponent('render', { type: 'sphere', material: material(0.45, 0.45, 0.48) });
  stone.render!.meshInstances[0].node.setLocalScale(2 * stoneRadius, 2 * stoneRadius, 2 * stoneRadius);
  bodies.push(stone);

  // Drop a crate where the water was clicked (a click, not an orbit drag), or at random.
  const densities = [0.3, 0.6, 0.9];
  let drops = 0;
  const drop = (x = 0.15 + 0.7 * Math.random(), z = 0.15 + 0.7 * Math.random()) => {
    if (bodies.length >= MAX_BODIES) return;
    bodies.push(addCrate(densities[drops++ % 3], new pc.Vec3(x, 0.75, z), `dropped ${drops}`));
  };
  const canvas = app.graphicsDevice.canvas as HTMLCanvasElement;
  let down: { x: number; y: number } | null = null;
  canvas.addEventListener('pointerdown', (e) => { down = { x: e.clientX, y: e.clientY }; });
  canvas.addEventListener('pointerup', (e) => {
    if (!down || Math.hypot(e.clientX - down.x, e.clientY - down.y) > 4) return;
    const camera = ex.camera.camera!;
    const from = camera.screenToWorld(e.clientX, e.clientY, camera.nearClip);
    const to = camera.screenToWorld(e.clientX, e.clientY, camera.farClip);
    // Where the ray meets the water's plane (y = 0.4), kept inside the tank.
    const t = (0.4 - from.y) / (to.y - from.y);
    const clamp = (v: number) => Math.min(0.88, Math.max(0.12, v));
    if (t > 0 && t < 1) drop(clamp(from.x + t * (to.x - from.x)), clamp(from.z + t * (to.z - from.z)));
  });
  document.getElementById('drop')?.addEventListener('click', () => drop());

  // Tilting: +-8 degrees about z, two periods of 1.6 s, then level again.
  let tiltStart = param('tilt', '0') === '1' ? 0 : -1;
  let time = 0;
  const startTilt = () => { tiltStart = time; };
  document.getElementById('tilt')?.addEventListener('click', startTilt);
  window.addEventListener('keydown', (e) => { if (e.key === 't' || e.key === 'T') startTilt(); });
  app.on('update', (dt: number) => {
    time += dt;
    const age = time - tiltStart;
    const angle = tiltStart >= 0 && age < 3.2 ? 8 * Math.sin((2 * Math.PI * age) / 1.6) : 0;
    pivot.setEulerAngles(0, 0, angle);
  });

  exposeLiquid([liquid]);
  /** For automated checks: the bodies' heights and the overlay's readouts. */
  (window as unknown as { floating: unknown }).floating = {
    bodies,
    heights: () => Object.fromEntries(bodies.map((b) => [b.name, b.getPosition().y])),
    readouts: () => liquid.controller?.bodies.readouts ?? [],
    startTilt,
    drop,
  };
}
