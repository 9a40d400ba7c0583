import * as pc from 'playcanvas';
import { LiquidEmitter } from '../../plugin/liquid-volume.mjs';
import { LiquidForce } from '../../plugin/liquid-force.mjs';
import { OBSTACLE_TAG } from '../../plugin/mesh-obstacle-tracker';
import { EMITTER_TAG } from '../../plugin/child-shape-tracker';
import { paddleWheelMesh, rockMesh, stairsMesh, type TriangleMesh } from '../../src/index';
import { addLiquidTank, createExampleApp } from '../shared/example-app';
import { exposeLiquid } from '../shared/expose';
import { addMouseDrag } from '../shared/mouse-drag';

/** The paddle wheel's angular speed (rad/s, simulated time). */
const PADDLE_OMEGA = -2.5;
/** The cup lights up when the liquid fills this fraction of the space inside it. */
const CUP_FULL = 0.6;

const ex = await createExampleApp({ distance: 1.75, pitch: -30, yaw: 28, cameraTarget: new pc.Vec3(0.5, 0.18, 0.5) });
if (ex) {
  const { app, camera, orbit } = ex;
  // The course's liquid: a dam against the x = 0 wall and a shallow pool (a 1 m tank).
  const sceneAsset = new pc.Asset('obstacle-course.json', 'json');
  sceneAsset.resource = {
    name: 'obstacle-course', resolution: [32, 32, 32], cellSize: 1 / 32,
    liquid: [{ type: 'box', min: [0, 0, 0], max: [0.22, 0.5, 1] }, { type: 'box', min: [0, 0, 0], max: [1, 0.06, 1] }],
  };
  sceneAsset.loaded = true;
  app.assets.add(sceneAsset);
  const liquid = addLiquidTank(app, { preset: 'custom', sceneAsset });
  const tank = liquid.entity;

  const material = (r: number, g: number, b: number, gloss = 0.35) => {
    const m = new pc.StandardMaterial();
    m.diffuse = new pc.Color(r, g, b);
    m.gloss = gloss;
    m.update();
    return m;
  };
  /** An entity rendering a procedural mesh (flat-shaded: every triangle its own vertices), tagged as an obstacle. */
  const meshEntity = (name: string, mesh: TriangleMesh, m: pc.Material) => {
    const positions: number[] = [];
    for (const v of mesh.indices) positions.push(mesh.positions[3 * v], mesh.positions[3 * v + 1], mesh.positions[3 * v + 2]);
    const indices = Array.from({ length: positions.length / 3 }, (_, i) => i);
    const renderMesh = new pc.Mesh(app.graphicsDevice);
    renderMesh.setPositions(positions);
    renderMesh.setNormals(pc.calculateNormals(positions, indices));
    renderMesh.setIndices(indices);
    renderMesh.update();
    const e = new pc.Entity(name);
    e.addComponent('render', { meshInstances: [new pc.MeshInstance(renderMesh, m)] });
    e.tags.add(OBSTACLE_TAG);
    return e;
  };

  // A non-convex rock in the dam's way and stairs the wave climbs: procedural meshes made here.
  const rock = meshEntity('rock', rockMesh({ radius: 1, subdivisions: 3, roughness: 0.4, seed: 7 }), material(0.45, 0.42, 0.38, 0.2));
  rock.setLocalPosition(0.4, 0.05, 0.55);
  rock.setLocalScale(0.13, 0.1, 0.13);
  tank.addChild(rock);
  const stairs = meshEntity('stairs', stairsMesh({ steps: 4, rise: 0.05, run: 0.07, width: 0.34 }), material(0.82, 0.72, 0.55));
  stairs.setLocalPosition(0.3, 0, 0.04);
  tank.addChild(stairs);

  // A paddle wheel turning at a set speed about z, its blades dipping into the pool; it lives at
  // the scene's root (any tagged entity reaching the box counts, not only the tank's children).
  const paddle = meshEntity('paddle wheel', paddleWheelMesh({ radius: 0.15, hubRadius: 0.035, bladeThickness: 0.045, width: 0.22, blades: 6 }), material(0.7, 0.25, 0.18));
  paddle.setPosition(0.68, 0.17, 0.48);
  app.root.addChild(paddle);

  // The cup: a compound of five collision boxes (the physics shape the liquid sees), drawn by its walls.
  const cupMaterial = material(0.92, 0.92, 0.9, 0.6);
  const cup = new pc.Entity('cup');
  cup.addComponent('collision', { type: 'compound' });
  cup.tags.add(OBSTACLE_TAG);
  cup.setLocalPosition(0.8, 0, 0.8);
  tank.addChild(cup);
  const inner = 0.2, wall = 0.06, height = 0.26;
  const walls: [number, number, number, number, number, number][] = [
    [0, 0.02, 0, inner + 2 * wall, 0.04, inner + 2 * wall],
    [-(inner + wall) / 2, height / 2, 0, wall, height, inner + 2 * wall],
    [(inner + wall) / 2, height / 2, 0, wall, height, inner + 2 * wall],
    [0, height / 2, -(inner + wall) / 2, inner, height, wall],
    [0, height / 2, (inner + wall) / 2, inner, height, wall],
  ];
  for (const [x, y, z, sx, sy, sz] of walls) {
    const w = new pc.Entity('cup wall');
    w.addComponent('render', { type: 'box', material: cupMaterial });
    w.addComponent('collision', { type: 'box', halfExtents: new pc.Vec3(sx / 2, sy / 2, sz / 2) });
    w.setLocalPosition(x, y, z);
    w.setLocalScale(sx, sy, sz);
    cup.addChild(w);
  }
  // A faucet pours into the cup until it is full.
  const faucet = new pc.Entity('faucet');
  faucet.addComponent('render', { type: 'cylinder', material: material(0.55, 0.57, 0.6, 0.7), castShadows: false });
  faucet.setLocalPosition(0.8, 0.6, 0.8);
  faucet.setLocalScale(0.1, 0.12, 0.1);
  tank.addChild(faucet);
  const spout = new pc.Entity('spout');
  spout.tags.add(EMITTER_TAG);
  spout.addComponent('script');
  spout.setLocalPosition(0.8, 0.46, 0.8);
  spout.setLocalScale(0.12, 0.12, 0.12);
  spout.setLocalEulerAngles(-90, 0, 0); // forward (-Z) points down
  tank.addChild(spout);
  const emitter = spout.script!.create(LiquidEmitter, { properties: { speed: 1.5, active: true } }) as LiquidEmitter;

  // A fan blowing along +x over the dam, and a vortex about +y in front of the rock (liquidForce scripts).
  const fan = new pc.Entity('fan');
  fan.addComponent('render', { type: 'cylinder', material: material(0.25, 0.3, 0.35, 0.6) });
  fan.addComponent('script');
  fan.setPosition(-0.12, 0.25, 0.5);
  fan.setLocalScale(0.2, 0.05, 0.2);
  fan.lookAt(1, 0.25, 0.5);
  fan.rotateLocal(90, 0, 0); // the cylinder's axis along the blowing direction
  app.root.addChild(fan);
  const fanForce = new pc.Entity('fan force');
  fanForce.addComponent('script');
  fanForce.setPosition(0, 0.25, 0.5);
  fanForce.lookAt(1, 0.25, 0.5);
  app.root.addChild(fanForce);
  fanForce.script!.create(LiquidForce, { properties: { kind: 'directional', strength: 4, radius: 0.35, falloff: 'smooth' } });
  const vortex = new pc.Entity('vortex');
  vortex.addComponent('script');
  vortex.setLocalPosition(0.42, 0, 0.84);
  tank.addChild(vortex);
  vortex.script!.create(LiquidForce, { properties: { kind: 'vortex', strength: 6, radius: 0.2, falloff: 'linear' } });
  // A thin ring on the floor marks the vortex's radius.
  const swirlMesh = pc.Mesh.fromGeometry(app.graphicsDevice, new pc.TorusGeometry({ ringRadius: 0.2, tubeRadius: 0.006, segments: 48, sides: 8 }));
  const swirl = new pc.Entity('vortex ring');
  swirl.addComponent('render', { meshInstances: [new pc.MeshInstance(swirlMesh, material(0.2, 0.45, 0.95, 0.8))], castShadows: false });
  swirl.setLocalPosition(0.42, 0.01, 0.84);
  tank.addChild(swirl);

  // A torus the player drags through the liquid (an engine primitive, tracked as a mesh).
  const ring = new pc.Entity('dragged torus');
  ring.addComponent('render', { type: 'torus', material: material(0.95, 0.6, 0.15, 0.5) });
  ring.tags.add(OBSTACLE_TAG);
  ring.setLocalPosition(0.8, 0.3, 0.2);
  ring.setLocalScale(0.35, 0.35, 0.35);
  ring.setLocalEulerAngles(90, 0, 0);
  tank.addChild(ring);
  addMouseDrag({
    app, camera, orbit, targets: [ring],
    radius: (d) => d.getLocalScale().x * 0.5,
    move: (d, hit) => {
      const local = tank.getWorldTransform().clone().invert().transformPoint(hit);
      local.set(Math.min(0.9, Math.max(0.1, local.x)), Math.min(0.8, Math.max(0.06, local.y)), Math.min(0.9, Math.max(0.1, local.z)));
      d.setLocalPosition(local);
    },
  });

  // The paddle turns in simulated time, whatever the frame rate.
  app.once('update', () => {
    const controller = liquid.controller!;
    controller.beforeStep = (time) => paddle.setEulerAngles(0, 0, (PADDLE_OMEGA * time * 180) / Math.PI);
  });

  // The cup's detector: the space inside it, in the tank's frame; full: the cup glows and the faucet stops.
  const state = { readings: 0, fill: 0, full: false, fullAtFrame: -1 };
  const glow = new pc.Color(0.25, 0.9, 0.35);
  liquid.watch({ type: 'box', min: [0.8 - inner / 2, 0.04, 0.8 - inner / 2], max: [0.8 + inner / 2, height, 0.8 + inner / 2] }, (r) => {
    state.readings++;
    state.fill = r.fillFraction;
    if (!state.full && r.fillFraction >= CUP_FULL) {
      state.full = true;
      state.fullAtFrame = r.frame;
      emitter.active = false;
      cupMaterial.emissive = glow;
      cupMaterial.update();
    }
  });
  const label = document.getElementById('cup');
  app.on('update', () => {
    if (label) label.textContent = state.full ? 'Cup: full!' : `Cup: ${Math.round((100 * state.fill) / CUP_FULL)}% of full`;
  });
  const kb = app.keyboard!;
  app.on('update', () => {
    if (!kb.wasPressed(pc.KEY_R)) return;
    liquid.resetLiquid();
    Object.assign(state, { fill: 0, full: false, fullAtFrame: -1 });
    emitter.active = true;
    cupMaterial.emissive = pc.Color.BLACK;
    cupMaterial.update();
  });

  exposeLiquid([liquid]);
  (window as unknown as { course: unknown }).course = {
    state,
    /** The mesh colliders fed from the tagged entities: their entity names and states. */
    colliders: () => (liquid.controller?.trackedObstacles ?? []).map(({ entity, collider }) => ({ name: entity.name, state: collider.state, effective: collider.effective })),
    dragTo: (x: number, y: number, z: number) => ring.setLocalPosition(x, y, z),
  };
}
