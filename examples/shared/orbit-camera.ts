import * as pc from 'playcanvas';

/** Drag with the left mouse button to orbit, wheel to zoom; keeps looking at `target`. */
export class OrbitCamera {
  enabled = true;
  constructor(app: pc.AppBase, private readonly camera: pc.Entity, public target: pc.Vec3,
    public distance: number, public pitch: number, public yaw: number) {
    const mouse = app.mouse;
    if (mouse) {
      mouse.disableContextMenu();
      mouse.on(pc.EVENT_MOUSEMOVE, (e: pc.MouseEvent) => {
        if (!this.enabled || !mouse.isPressed(pc.MOUSEBUTTON_LEFT)) return;
        this.yaw -= e.dx * 0.3;
        this.pitch = Math.max(-85, Math.min(5, this.pitch - e.dy * 0.3));
      });
      mouse.on(pc.EVENT_MOUSEWHEEL, (e: pc.MouseEvent) => {
        this.distance = Math.max(0.5, Math.min(10, this.distance * (e.wheelDelta > 0 ? 0.9 : 1.1)));
      });
    }
    app.on('update', () => this.apply());
    this.apply();
  }

  apply(): void {
    const q = new pc.Quat().setFromEulerAngles(this.pitch, this.yaw, 0);
    const offset = q.transformVector(new pc.Vec3(0, 0, this.distance));
    this.camera.setPosition(this.target.x + offset.x, this.target.y + offset.y, this.target.z + offset.z);
    this.camera.lookAt(this.target);
  }
}
