import * as pc from 'playcanvas';
import { OBSTACLE_TAG } from '../../plugin/mesh-obstacle-tracker';
import { addLiquidTank, createExampleApp } from '../shared/example-app';
import { exposeLiquid } from '../shared/expose';
import { addMouseDrag } from '../shared/mouse-drag';

const ex = await createExampleApp({ distance: 2.2 });
if (ex) {
  const { app, camera, orbit } = ex;
  // The tank pivots about its centre, so it sits under a pivot entity.
  const pivot = new pc.Entity('pivot');
  pivot.setPosition(0.5, 0.5, 0.5);
  app.root.addChild(pivot);
  const liquid = addLiquidTank(app, { preset: 'rest' }, { parent: pivot, position: new pc.Vec3(-0.5, -0.5, -0.5) });
  const tank = liquid.entity;

  const makeObstacle = (type: 'box' | 'sphere', color: pc.Color, position: pc.Vec3, scale: number) => {
    const m = new pc.StandardMaterial();
    m.diffuse = color;
    m.gloss = 0.5;
    m.update();
    const e = new pc.Entity(type);
    e.addComponent('render', { type, material: m });
    e.tags.add(OBSTACLE_TAG);
    e.setLocalPosition(position);
    e.setLocalScale(scale, scale, scale);
    tank.addChild(e);
    return e;
  };
  const ball = makeObstacle('sphere', new pc.Color(0.85, 0.25, 0.2), new pc.Vec3(0.3, 0.75, 0.5), 0.2);
  const block = makeObstacle('box', new pc.Color(0.95, 0.75, 0.2), new pc.Vec3(0.72, 0.75, 0.4), 0.16);
  const draggable = [ball, block];

  exposeLiquid([liquid]);

  // Dragging: pick an obstacle under the mouse, move it in the plane facing the camera,
  // clamped inside the tank.
  addMouseDrag({
    app, camera, orbit, targets: draggable,
    radius: (d) => d.getLocalScale().x * 0.75,
    move: (d, hit) => {
      const local = tank.getWorldTransform().clone().invert().transformPoint(hit);
      const r = d.getLocalScale().x / 2 + 0.02;
      local.set(Math.min(1 - r, Math.max(r, local.x)), Math.min(1.2, Math.max(r, local.y)), Math.min(1 - r, Math.max(r, local.z)));
      d.setLocalPosition(local);
    },
  });

  // Tilting with keys, about the tank's centre; the tank then rests on its lowest corner (a tank
  // tilted about its centre alone would push that corner through the floor).
  const basis = [new pc.Vec3(), new pc.Vec3(), new pc.Vec3()];
  const restOnFloor = (e: pc.Entity) => {
    const q = e.getLocalRotation();
    q.transformVector(pc.Vec3.RIGHT, basis[0]);
    q.transformVector(pc.Vec3.UP, basis[1]);
    q.transformVector(pc.Vec3.BACK, basis[2]);
    // the corners are the centre +-0.5 along each rotated axis: the lowest is this far below it
    const drop = 0.5 * (Math.abs(basis[0].y) + Math.abs(basis[1].y) + Math.abs(basis[2].y));
    const p = e.getLocalPosition();
    e.setLocalPosition(p.x, drop, p.z);
  };
  let tiltX = 0, tiltZ = 0;
  const kb = app.keyboard!;
  app.on('update', (dt: number) => {
    const rate = 40 * dt;
    if (kb.isPressed(pc.KEY_UP) || kb.isPressed(pc.KEY_W)) tiltX = Math.max(-35, tiltX - rate);
    if (kb.isPressed(pc.KEY_DOWN) || kb.isPressed(pc.KEY_S)) tiltX = Math.min(35, tiltX + rate);
    if (kb.isPressed(pc.KEY_LEFT) || kb.isPressed(pc.KEY_A)) tiltZ = Math.min(35, tiltZ + rate);
    if (kb.isPressed(pc.KEY_RIGHT) || kb.isPressed(pc.KEY_D)) tiltZ = Math.max(-35, tiltZ - rate);
    if (kb.wasPressed(pc.KEY_SPACE)) { tiltX = 0; tiltZ = 0; }
    if (kb.wasPressed(pc.KEY_R)) liquid.resetLiquid();
    pivot.setLocalEulerAngles(tiltX, 0, tiltZ);
    restOnFloor(pivot);
  });
  (window as unknown as { playground: unknown }).playground = {
    tilt: (x: number, z: number) => { tiltX = x; tiltZ = z; },
    /** World-space y of the tank's 8 corners (the floor is at y = 0). */
    cornerHeights: () => {
      const m = tank.getWorldTransform();
      const ys: number[] = [];
      for (let i = 0; i < 8; i++) ys.push(m.transformPoint(new pc.Vec3(i & 1, (i >> 1) & 1, (i >> 2) & 1)).y);
      return ys;
    },
    moveObstacle: (i: number, x: number, y: number, z: number) => draggable[i].setLocalPosition(x, y, z),
  };
}
