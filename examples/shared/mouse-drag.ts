import * as pc from 'playcanvas';
import type { OrbitCamera } from './orbit-camera';

/** What addMouseDrag needs. */
export interface MouseDragOptions {
  app: pc.AppBase;
  camera: pc.Entity;
  /** Paused while something is dragged. */
  orbit: OrbitCamera;
  /** The entities that can be picked. */
  targets: readonly pc.Entity[];
  /** Picking radius of a target (world metres) around its position. */
  radius: (target: pc.Entity) => number;
  /** Called with the world point under the mouse, in the plane through the target facing the camera. */
  move: (target: pc.Entity, world: pc.Vec3) => void;
}

/**
 * Dragging with the left mouse button: picks the nearest target whose sphere the mouse ray
 * hits and moves it in the plane through it that faces the camera.
 */
export function addMouseDrag(options: MouseDragOptions): void {
  const { app, camera, orbit, targets } = options;
  let dragged: pc.Entity | null = null;
  const plane = new pc.Plane();
  const ray = new pc.Ray();
  const hit = new pc.Vec3();
  const cam = camera.camera!;
  const screenRay = (x: number, y: number) => {
    cam.screenToWorld(x, y, cam.nearClip, ray.origin);
    cam.screenToWorld(x, y, cam.farClip, ray.direction);
    ray.direction.sub(ray.origin).normalize();
  };
  const mouse = app.mouse!;
  mouse.on(pc.EVENT_MOUSEDOWN, (e: pc.MouseEvent) => {
    if (e.button !== pc.MOUSEBUTTON_LEFT) return;
    screenRay(e.x, e.y);
    let best = Infinity;
    for (const d of targets) {
      const oc = new pc.Vec3().sub2(d.getPosition(), ray.origin);
      const t = oc.dot(ray.direction);
      const r = options.radius(d);
      if (t > 0 && oc.lengthSq() - t * t < r * r && t < best) { best = t; dragged = d; }
    }
    if (dragged) {
      orbit.enabled = false;
      plane.setFromPointNormal(dragged.getPosition(), camera.forward.clone().mulScalar(-1));
    }
  });
  mouse.on(pc.EVENT_MOUSEMOVE, (e: pc.MouseEvent) => {
    if (!dragged) return;
    screenRay(e.x, e.y);
    if (plane.intersectsRay(ray, hit)) options.move(dragged, hit);
  });
  mouse.on(pc.EVENT_MOUSEUP, () => { dragged = null; orbit.enabled = true; });
}
