import * as pc from 'playcanvas';
import type { LiquidVolume } from '../../plugin/liquid-volume.mjs';
import { ortSessionCounts } from '../../src/tools';

/** What each example exposes as `window.liquid` for automated checks. */
export interface ExposedLiquid {
  component: LiquidVolume;
  readonly stats: LiquidVolume['stats'];
  readonly frame: number;
  readonly status: string;
  readonly message: string;
  /** Every liquid on the page (the tuning page has two). */
  all: LiquidVolume[];
  /** Screen rectangle (CSS pixels) of the liquid's box, for pixel checks. */
  screenRect(index?: number): { x0: number; y0: number; x1: number; y1: number } | null;
  /** Hides or shows the rendered liquid (the simulation goes on). */
  setVisible(visible: boolean): void;
  /** Resolves after `n` rendered frames. */
  waitRendered(n: number): Promise<void>;
  /** ORT sessions created so far and those not released (leak checks). */
  ortSessions(): { created: number; live: number };
}

/** Sets window.liquid to the page's (first) liquid component. */
export function exposeLiquid(components: LiquidVolume[]): void {
  const [component] = components;
  const exposed: ExposedLiquid = {
    component,
    get stats() { return component.stats; },
    get frame() { return component.stats?.frame ?? 0; },
    get status() { return component.controller?.status ?? 'none'; },
    get message() { return component.controller?.message ?? ''; },
    all: components,
    screenRect(index = 0) {
      const c = components[index];
      const r = c.controller?.renderer;
      const cam = c.app.root.findComponents('camera')[0] as pc.CameraComponent | undefined;
      if (!r || !cam) return null;
      const [nx, ny, nz] = r.dims;
      const m = c.entity.getWorldTransform();
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (let i = 0; i < 8; i++) {
        const local = new pc.Vec3(i & 1 ? nx * r.cellSize : 0, i & 2 ? ny * r.cellSize : 0, i & 4 ? nz * r.cellSize : 0);
        const s = cam.worldToScreen(m.transformPoint(local));
        x0 = Math.min(x0, s.x); y0 = Math.min(y0, s.y); x1 = Math.max(x1, s.x); y1 = Math.max(y1, s.y);
      }
      return { x0, y0, x1, y1 };
    },
    setVisible(visible: boolean) {
      for (const c of components) if (c.controller?.renderer) c.controller.renderer.enabled = visible;
    },
    ortSessions() {
      return { created: ortSessionCounts.created, live: ortSessionCounts.created - ortSessionCounts.released };
    },
    waitRendered(n: number) {
      return new Promise<void>((resolve) => {
        let left = n;
        const app = component.app;
        const tick = () => { if (--left <= 0) { app.off('frameend', tick); resolve(); } };
        app.on('frameend', tick);
      });
    },
  };
  (window as unknown as { liquid: ExposedLiquid }).liquid = exposed;
}
