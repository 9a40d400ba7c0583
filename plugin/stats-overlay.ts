import type { LiquidVolumeController } from './liquid-volume-controller';
import type { Series } from './liquid-stats';

/** Where the overlay sits over the canvas. */
export type StatsCorner = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';

/** Options of {@link StatsOverlay}. */
export interface StatsOverlayOptions {
  /**
   * Three lines (frame, time, solver; time per frame and iterations; divergence and drift) and
   * one small frame-time plot, instead of the full text with time per pass and two plots.
   */
  compact?: boolean;
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

/**
 * A small HTML overlay over the canvas for tech artists: time per pass, solve/predict per
 * frame, divergence and volume drift, with live plots of the last 240 frames (bars coloured
 * by mode). Reads only what the controller's stats already hold.
 */
export class StatsOverlay {
  readonly element: HTMLDivElement;
  private readonly text: HTMLPreElement;
  private readonly timePlot: HTMLCanvasElement;
  private readonly timeLabel: HTMLDivElement;
  private readonly driftPlot: HTMLCanvasElement | null;
  private readonly compact: boolean;

  constructor(canvas: HTMLCanvasElement | { parentElement?: HTMLElement | null } | null, corner: StatsCorner = 'top-left', options: StatsOverlayOptions = {}) {
    this.compact = options.compact ?? false;
    const host = options.parent ?? (canvas as HTMLCanvasElement | null)?.parentElement ?? document.body;
    this.element = document.createElement('div');
    this.element.className = `latent-liquid-stats${this.compact ? ' compact' : ''}`;
    Object.assign(this.element.style, {
      padding: this.compact ? '4px 6px' : '6px 8px', background: 'rgba(10, 14, 20, 0.78)',
      color: '#e6edf3', font: '11px/1.35 ui-monospace, Menlo, Consolas, monospace', borderRadius: '6px',
      pointerEvents: 'none', minWidth: this.compact ? '0' : '250px',
    } as CSSStyleDeclaration);
    if (!options.parent) {
      Object.assign(this.element.style, { position: 'absolute', zIndex: '10' });
      const [v, h] = corner.split('-');
      this.element.style[v as 'top' | 'bottom'] = '8px';
      this.element.style[h as 'left' | 'right'] = '8px';
    }
    this.text = document.createElement('pre');
    Object.assign(this.text.style, { margin: '0', whiteSpace: 'pre-wrap', maxWidth: '420px' });
    this.timeLabel = this.label('frame time (ms): blue solve, orange predict');
    if (this.compact) {
      this.timePlot = this.plotCanvas(200, 24);
      this.driftPlot = null;
      this.element.append(this.text, this.timePlot);
      this.timePlot.title = 'frame time (ms): blue solve, orange predict';
    } else {
      this.timePlot = this.plotCanvas(240, 44);
      this.driftPlot = this.plotCanvas(240, 44);
      this.element.append(this.text, this.timeLabel, this.timePlot, this.label('divergence L2 (1/s, white), volume drift (%, green)'), this.driftPlot);
    }
    if (!options.parent && getComputedStyle(host).position === 'static') host.style.position = 'relative';
    host.appendChild(this.element);
  }

  private plotCanvas(width: number, height: number): HTMLCanvasElement {
    const c = document.createElement('canvas');
    c.width = width;
    c.height = height;
    Object.assign(c.style, { display: 'block', width: `${width}px`, height: `${height}px`, background: 'rgba(255,255,255,0.05)', marginTop: '2px' });
    return c;
  }

  private label(text: string): HTMLDivElement {
    const d = document.createElement('div');
    d.textContent = text;
    Object.assign(d.style, { marginTop: '4px', opacity: '0.7' });
    return d;
  }

  /** Redraws from the controller's stats (call once per frame). */
  update(controller: LiquidVolumeController): void {
    const s = controller.stats;
    const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toPrecision(digits) : '-');
    const passes = Object.entries(s.ms).sort((a, b) => b[1] - a[1]).slice(0, 7)
      .map(([k, v]) => `  ${k.padEnd(16)}${v.toFixed(2).padStart(8)} ms`).join('\n');
    const latent = controller.latent;
    if (this.compact) {
      const method = controller.solver?.classicalStage.method ?? 'jacobi';
      const solver = latent ? `latent/${latent.scheduler.settings.interval}` : method;
      const timing = s.timingSource === 'gpu-timestamps' ? `GPU ${fmt(s.frameMs)} ms` : s.timingSource === 'wall-clock' ? `${fmt(s.frameMs)} ms wall` : `CPU ${fmt(s.cpuSubmitMs)} ms`;
      const compactLines = [
        `frame ${s.frame}  t ${s.t.toFixed(2)} s  ${solver} ${s.mode}`,
        `${timing}  iter ${fmt(s.pressureIterations, 4)}`,
        `div ${fmt(s.divergenceL2)} 1/s  drift ${Number.isFinite(s.volumeDrift) ? (s.volumeDrift * 100).toFixed(3) : '-'} %`,
      ];
      if (controller.status !== 'running' || controller.message) compactLines.unshift(`${controller.status}${controller.message ? `: ${controller.message}` : ''}`);
      this.text.textContent = compactLines.join('\n');
      this.drawBars(this.timePlot, s.history.frameMs, s.history.predicted);
      return;
    }
    const lines = [
      `${s.scene || 'latent-liquid'}   ${controller.status}${controller.message ? `: ${controller.message}` : ''}`,
      `frame ${s.frame}  t ${s.t.toFixed(2)} s  mode ${s.mode.toUpperCase()}`,
      `solver ${latent ? `latent on ${latent.predictor.runtime === 'wgsl' ? 'WGSL' : 'ORT'} (every ${latent.scheduler.settings.interval}, K=${latent.scheduler.settings.correctionIterations})` : controller.latentUnavailable ? 'jacobi (latent unavailable, see above)' : 'jacobi'}  solved ${s.solvedFrames} / predicted ${s.predictedFrames}`,
      timingLine(s.timingSource, fmt(s.frameMs), fmt(s.cpuSubmitMs)),
      `divergence L2 ${fmt(s.divergenceL2)} 1/s   drift ${Number.isFinite(s.volumeDrift) ? (s.volumeDrift * 100).toFixed(3) : '-'} %`,
      `iterations ${fmt(s.pressureIterations, 4)}   max speed ${fmt(s.maxSpeed)} m/s`,
      passes || '  (enable collectStats for time per pass)',
    ];
    if (typeof s.extra.adaptiveFallbacks === 'number') {
      lines.push(`predictions discarded by the adaptive check ${s.extra.adaptiveFallbacks}${s.extra.predictionDiscarded ? ' (this frame)' : ''}`);
    }
    if (typeof s.extra.rejectedPredictions === 'number' && s.extra.rejectedPredictions > 0) lines.push(`rejected predictions (NaN/Inf) ${s.extra.rejectedPredictions}`);
    this.text.textContent = lines.join('\n');
    this.timeLabel.textContent = `${s.timingSource === 'gpu-timestamps' ? 'GPU time' : s.timingSource === 'wall-clock' ? 'wall-clock time' : 'CPU submit time'} per frame (ms): blue solve, orange predict`;
    this.drawBars(this.timePlot, s.history.frameMs, s.history.predicted);
    if (this.driftPlot) this.drawLines(this.driftPlot, [[s.history.divergence, '#ffffff', 1], [s.history.drift, '#7ee787', 100]]);
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
