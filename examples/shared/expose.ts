import type { LiquidVolume } from '../../plugin/liquid-volume.mjs';

/** What each example exposes as `window.liquid` for automated checks. */
export interface ExposedLiquid {
  component: LiquidVolume;
  readonly stats: LiquidVolume['stats'];
  readonly frame: number;
  readonly status: string;
  readonly message: string;
  /** Every liquid on the page (the tuning page has two). */
  all: LiquidVolume[];
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
  };
  (window as unknown as { liquid: ExposedLiquid }).liquid = exposed;
}
