import type { LiquidVolumeController } from './liquid-volume-controller';
import type { Series } from './liquid-stats';

/** Where the overlay sits over the canvas. */
export type StatsCorner = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';

/** Which text and plots the overlay shows (see StatsOverlayOptions.layout). */
export type StatsLayout = 'auto' | 'compact' | 'full';

/** Options of {@link StatsOverlay}. */
export interface StatsOverlayOptions {
  /**
   * 'compact': four lines (scene and status; frame and pressure method; solver and solved/predicted
   * counts; time, iterations, divergence and drift) and one small frame-time plot; 'full': the full text with time per pass and two
   * plots; 'auto' (default): full when it fits in `maxCanvasFraction` of the canvas, else compact.
   */
  layout?: StatsLayout;
  /** Same as `layout: 'compact'` (true) or `'full'` (false); `layout` wins. */
  compact?: boolean;
  /** Size factor of the text and plots (1 = 11 px text), before the canvas-fraction limit (default 1). */
  scale?: number;
  /**
   * The largest part of the canvas's area the overlay may cover (default 0.25): a larger overlay
   * is scaled down to fit. Not applied with `parent` (the overlay is then beside the canvas).
   */
  maxCanvasFraction?: number;
  /**
   * Put the overlay in this element, in its flow (no absolute position over the canvas), e.g. a
   * side bar beside the canvas so that it never covers the scene. `corner` is ignored then.
   */
  parent?: HTMLElement;
}

const SOLVE_COLOR = '#4fc3f7';
const PREDICT_COLOR = '#ffa040';

/** The overlay's timing line: says whether the number is GPU time. */
function timingLine(source: string, frameMs: string, cpuSubmitMs: string): string {
  if (source === 'gpu-timestamps') return `GPU ${frameMs} ms per frame (timestamps)   CPU submit ${cpuSubmitMs} ms`;
  if (source === 'wall-clock') return `frame ${frameMs} ms wall clock (no GPU timestamps here)   CPU submit ${cpuSubmitMs} ms`;
  return `CPU submit ${cpuSubmitMs} ms (not GPU time; collectStats measures the GPU)`;
}

/** The solver line's words: the latent schedule, or the classical solve (and why the latent one is off). */
/** Each coupled body's submerged fraction (issue 21), in both layouts. */
function bodyLines(controller: LiquidVolumeController): string[] {
  return controller.bodies.readouts.map((b) => `body ${b.name} (density ${b.relativeDensity.toFixed(2)}) submerged ${Number.isFinite(b.submergedFraction) ? b.submergedFraction.toFixed(2) : '-'}`);
}

function solverText(controller: LiquidVolumeController): string {
  const latent = controller.latent;
  if (controller.latentUnavailable) return 'classical (latent off, see above)';
  if (latent) return `latent on ${latent.predictor.runtime === 'wgsl' ? 'WGSL' : 'ORT'} (every ${latent.scheduler.settings.interval}, K=${latent.scheduler.settings.correctionIterations})`;
  return 'classical';
}

/**
 * A small HTML overlay over the canvas for tech artists: the pressure method of each frame,
 * time per pass, solve/predict per frame, divergence and volume drift, with live plots of the
 * last 240 frames (bars coloured by mode). Reads only what the controller's stats already hold.
 * Over a canvas it covers at most a quarter of it by default (scaled down, compact when the full
 * text does not fit).
 */
export class StatsOverlay {
  readonly element: HTMLDivElement;
  private readonly text: HTMLPreElement;
  private readonly timePlot: HTMLCanvasElement;
  private readonly timeLabel: HTMLDivElement;
  private readonly compactPlot: HTMLCanvasElement;
  /** What only the full layout shows. */
  private readonly fullOnly: HTMLElement[];
  private readonly driftPlot: HTMLCanvasElement;
  private readonly layout: StatsLayout;
  private readonly scale: number;
  private readonly maxFraction: number;
  private readonly canvas: HTMLCanvasElement | null;
  private compact: boolean;
  /** The canvas size auto mode last fell back to compact at (it tries full again when it changes). */
  private compactAt = '';

  constructor(canvas: HTMLCanvasElement | { parentElement?: HTMLElement | null } | null, corner: StatsCorner = 'top-left', options: StatsOverlayOptions = {}) {
    this.layout = options.layout ?? (options.compact === undefined ? 'auto' : options.compact ? 'compact' : 'full');
    this.compact = this.layout === 'compact';
    this.scale = options.scale ?? 1;
    this.maxFraction = options.maxCanvasFraction ?? 0.25;
    this.canvas = !options.parent && canvas && 'getBoundingClientRect' in canvas ? canvas as HTMLCanvasElement : null;
    const host = options.parent ?? (canvas as HTMLCanvasElement | null)?.parentElement ?? document.body;
    this.element = document.createElement('div');
    Object.assign(this.element.style, {
      background: 'rgba(10, 14, 20, 0.78)', color: '#e6edf3', borderRadius: '6px', pointerEvents: 'none',
      font: `${11 * this.scale}px/1.35 ui-monospace, Menlo, Consolas, monospace`,
    } as CSSStyleDeclaration);
    if (!options.parent) {
      Object.assign(this.element.style, { position: 'absolute', zIndex: '10' });
      const [v, h] = corner.split('-');
      this.element.style[v as 'top' | 'bottom'] = '8px';
      this.element.style[h as 'left' | 'right'] = '8px';
      this.element.style.transformOrigin = `${v} ${h}`;
    }
    this.text = document.createElement('pre');
    Object.assign(this.text.style, { margin: '0', whiteSpace: 'pre-wrap', maxWidth: `${420 * this.scale}px` });
    this.timeLabel = this.label('frame time (ms): blue solve, orange predict');
    this.timePlot = this.plotCanvas(240, 44);
    this.driftPlot = this.plotCanvas(240, 44);
    this.compactPlot = this.plotCanvas(200, 24);
    this.compactPlot.title = 'frame time (ms): blue solve, orange predict';
    this.fullOnly = [this.timeLabel, this.timePlot, this.label('divergence L2 (1/s, white), volume drift (%, green)'), this.driftPlot];
    this.element.append(this.text, ...this.fullOnly, this.compactPlot);
    this.applyLayout();
    if (!options.parent && getComputedStyle(host).position === 'static') host.style.position = 'relative';
    host.appendChild(this.element);
  }

  /** Whether the compact layout is shown now. */
  get isCompact(): boolean {
    return this.compact;
  }

  private applyLayout(): void {
    this.element.className = `latent-liquid-stats${this.compact ? ' compact' : ''}`;
    this.element.style.padding = this.compact ? '4px 6px' : '6px 8px';
    this.element.style.minWidth = this.compact ? '0' : `${250 * this.scale}px`;
    for (const e of this.fullOnly) e.style.display = this.compact ? 'none' : 'block';
    this.compactPlot.style.display = this.compact ? 'block' : 'none';
  }

  private plotCanvas(width: number, height: number): HTMLCanvasElement {
    const c = document.createElement('canvas');
    c.width = width;
    c.height = height;
    Object.assign(c.style, { display: 'block', width: `${width * this.scale}px`, height: `${height * this.scale}px`, background: 'rgba(255,255,255,0.05)', marginTop: '2px' });
    return c;
  }

  private label(text: string): HTMLDivElement {
    const d = document.createElement('div');
    d.textContent = text;
    Object.assign(d.style, { marginTop: '4px', opacity: '0.7' });
    return d;
  }

  /**
   * Keeps the overlay within `maxCanvasFraction` of the canvas: auto layout falls back to
   * compact, then the overlay is scaled down (a CSS transform from its corner).
   */
  private fit(): void {
    const canvas = this.canvas;
    if (!canvas) return;
    const cw = canvas.clientWidth, ch = canvas.clientHeight;
    if (!(cw > 0 && ch > 0)) return;
    const size = `${cw}x${ch}`;
    if (this.layout === 'auto' && this.compact && this.compactAt !== size) {
      this.compact = false;
      this.applyLayout();
    }
    // 5 % below the limit: the text of later frames may be a little longer than this one's.
    const limit = 0.95 * this.maxFraction * cw * ch;
    const area = () => this.element.offsetWidth * this.element.offsetHeight;
    if (this.layout === 'auto' && !this.compact && area() > limit) {
      this.compact = true;
      this.compactAt = size;
      this.applyLayout();
    }
    const w = this.element.offsetWidth, h = this.element.offsetHeight;
    const k = Math.min(1, Math.sqrt(limit / Math.max(1, w * h)), (cw - 16) / Math.max(1, w), (ch - 16) / Math.max(1, h));
    this.element.style.transform = k < 1 ? `scale(${Math.max(0.05, k).toFixed(4)})` : '';
  }

  /** Redraws from the controller's stats (call once per frame). */
  update(controller: LiquidVolumeController): void {
    const s = controller.stats;
    const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toPrecision(digits) : '-');
    const status = `${controller.status}${controller.message ? `: ${controller.message}` : ''}`;
    const pressure = s.pressure || '-';
    if (this.compact) {
      const timing = s.timingSource === 'gpu-timestamps' ? `GPU ${fmt(s.frameMs)} ms` : s.timingSource === 'wall-clock' ? `${fmt(s.frameMs)} ms wall` : `CPU ${fmt(s.cpuSubmitMs)} ms`;
      this.text.textContent = [
        `${s.scene || 'latent-liquid'}  ${status}`,
        `frame ${s.frame}  t ${s.t.toFixed(2)} s  pressure ${pressure}`,
        `solver ${solverText(controller)}  solved ${s.solvedFrames} / predicted ${s.predictedFrames}`,
        `${timing}  iter ${fmt(s.pressureIterations, 4)}  div ${fmt(s.divergenceL2)} 1/s  drift ${Number.isFinite(s.volumeDrift) ? (s.volumeDrift * 100).toFixed(3) : '-'} %`,
        ...bodyLines(controller),
      ].join('\n');
      this.drawBars(this.compactPlot, s.history.frameMs, s.history.predicted);
    } else {
      const passes = Object.entries(s.ms).sort((a, b) => b[1] - a[1]).slice(0, 7)
        .map(([k, v]) => `  ${k.padEnd(16)}${v.toFixed(2).padStart(8)} ms`).join('\n');
      const lines = [
        `${s.scene || 'latent-liquid'}   ${status}`,
        `frame ${s.frame}  t ${s.t.toFixed(2)} s  pressure ${pressure}`,
        `solver ${solverText(controller)}  solved ${s.solvedFrames} / predicted ${s.predictedFrames}`,
        timingLine(s.timingSource, fmt(s.frameMs), fmt(s.cpuSubmitMs)),
        `divergence L2 ${fmt(s.divergenceL2)} 1/s   drift ${Number.isFinite(s.volumeDrift) ? (s.volumeDrift * 100).toFixed(3) : '-'} %`,
        `iterations ${fmt(s.pressureIterations, 4)}   max speed ${fmt(s.maxSpeed)} m/s`,
        passes || '  (enable collectStats for time per pass)',
      ];
      if (typeof s.extra.adaptiveFallbacks === 'number') {
        lines.push(`predictions discarded by the adaptive check ${s.extra.adaptiveFallbacks}${s.extra.predictionDiscarded ? ' (this frame)' : ''}`);
      }
      if (typeof s.extra.rejectedPredictions === 'number' && s.extra.rejectedPredictions > 0) lines.push(`rejected predictions (NaN/Inf) ${s.extra.rejectedPredictions}`);
      lines.push(...bodyLines(controller));
      this.text.textContent = lines.join('\n');
      this.timeLabel.textContent = `${s.timingSource === 'gpu-timestamps' ? 'GPU time' : s.timingSource === 'wall-clock' ? 'wall-clock time' : 'CPU submit time'} per frame (ms): blue solve, orange predict`;
      this.drawBars(this.timePlot, s.history.frameMs, s.history.predicted);
      this.drawLines(this.driftPlot, [[s.history.divergence, '#ffffff', 1], [s.history.drift, '#7ee787', 100]]);
    }
    this.fit();
  }

  private drawBars(c: HTMLCanvasElement, values: Series, predicted: Series): void {
    const g = c.getContext('2d');
    if (!g) return;
    g.clearRect(0, 0, c.width, c.height);
    const v = values.values;
    const max = Math.max(1e-6, ...v.filter(Number.isFinite));
    const offset = predicted.values.length - v.length;
    v.forEach((x, i) => {
      if (!Number.isFinite(x)) return;
      const h = (x / max) * (c.height - 2);
      g.fillStyle = predicted.values[i + offset] === 1 ? PREDICT_COLOR : SOLVE_COLOR;
      g.fillRect(c.width - v.length + i, c.height - h, 1, h);
    });
    g.fillStyle = '#e6edf3';
    g.fillText(`${max.toFixed(1)}`, 2, 10);
  }

  private drawLines(c: HTMLCanvasElement, series: [Series, string, number][]): void {
    const g = c.getContext('2d');
    if (!g) return;
    g.clearRect(0, 0, c.width, c.height);
    for (const [s, color, scale] of series) {
      const v = s.values.map((x) => x * scale);
      const finite = v.filter(Number.isFinite);
      if (finite.length < 2) continue;
      const lo = Math.min(0, ...finite), hi = Math.max(1e-9, ...finite);
      g.strokeStyle = color;
      g.beginPath();
      v.forEach((x, i) => {
        if (!Number.isFinite(x)) return;
        const px = c.width - v.length + i;
        const py = c.height - 1 - ((x - lo) / (hi - lo)) * (c.height - 2);
        if (i === 0) g.moveTo(px, py); else g.lineTo(px, py);
      });
      g.stroke();
    }
  }

  /** Removes the overlay. */
  destroy(): void {
    this.element.remove();
  }
}
