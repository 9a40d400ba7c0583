import * as pc from 'playcanvas';
import type { LiquidVolume } from '../../plugin/liquid-volume.mjs';
import { StatsOverlay } from '../../plugin/stats-overlay';
import { debugLegend } from '../../plugin/render/debug-colors';
import { addLiquidTank, createExampleApp, param } from '../shared/example-app';
import { exposeLiquid } from '../shared/expose';

/** What a tank's solver switch offers: the liquidVolume `solver` and `pressureMethod` behind it. */
const SOLVERS = {
  jacobi: { solver: 'classical', pressureMethod: 'jacobi' },
  mgpcg: { solver: 'classical', pressureMethod: 'mgpcg' },
  latent: { solver: 'latent', pressureMethod: 'jacobi' },
} as const;
type SolverChoice = keyof typeof SOLVERS;

const stage = document.getElementById('stage')!;
const ex = await createExampleApp({ cameraTarget: new pc.Vec3(1.1, 0.35, 0.5), distance: 3, pitch: -22, yaw: 0, container: stage });
if (ex) {
  const preset = param('preset', 'dam-break');
  const initial: [SolverChoice, SolverChoice] = [param('left', 'jacobi') as SolverChoice, param('right', 'latent') as SolverChoice];
  const tanks = initial.map((choice, i) => addLiquidTank(ex.app, { preset, ...SOLVERS[choice] ?? SOLVERS.jacobi, collectStats: true, showStats: false },
    { name: i === 0 ? 'left' : 'right', position: new pc.Vec3(i * 1.2, 0, 0) })) as [LiquidVolume, LiquidVolume];
  // window.liquid is the right (latent) tank first, as before; window.tuning has both in screen order
  exposeLiquid([tanks[1], tanks[0]]);

  // Each card under the canvas: the tank's solver switch and a compact stats overlay.
  const cards = [...document.querySelectorAll<HTMLElement>('.tank-card')];
  const overlays = tanks.map((_, i) => new StatsOverlay(null, 'top-left', { compact: true, parent: cards[i].querySelector<HTMLElement>('.stats-slot')! }));
  const switches = cards.map((c) => c.querySelector<HTMLSelectElement>('.solver-switch')!);
  const setSolver = (i: number, choice: SolverChoice) => {
    const s = SOLVERS[choice];
    if (!s) throw new Error(`unknown solver '${choice}' (jacobi, mgpcg or latent)`);
    tanks[i].solver = s.solver;
    tanks[i].pressureMethod = s.pressureMethod;
    switches[i].value = choice;
  };
  switches.forEach((sel, i) => {
    sel.value = initial[i];
    sel.addEventListener('change', () => setSolver(i, sel.value as SolverChoice));
  });

  // One simulated clock: a tank whose simulated time is ahead of the other's pauses until the
  // other catches up (both run the same scene, so equal time means equal frame counts); a tank
  // also waits while the other is still being built. When the other has failed (error, device
  // lost) it runs on its own. Decided on 'frameupdate', right before the scripts' update in the
  // same animation frame: a step that ends in between cannot slip past a stale decision.
  const sync = { enabled: param('sync', '1') !== '0', waitingFrames: [0, 0] };
  const waiting = cards.map((c) => c.querySelector<HTMLElement>('.waiting')!);
  ex.app.on('frameupdate', () => {
    const status = tanks.map((t) => t.controller?.status ?? 'starting');
    const times = tanks.map((t) => t.stats?.t ?? 0);
    tanks.forEach((t, i) => {
      const other = status[1 - i];
      const ahead = sync.enabled && status[i] === 'running'
        && (other === 'starting' || (other === 'running' && times[i] > times[1 - i] + 1e-6));
      t.paused = ahead;
      if (ahead) sync.waitingFrames[i]++;
      waiting[i].hidden = !ahead;
      if (t.controller) overlays[i].update(t.controller);
    });
  });

  // Camera: both tanks (2.2 m wide) fit the canvas's width whatever its aspect.
  const fitCanvas = () => {
    const aspect = Math.max(stage.clientWidth, 1) / Math.max(stage.clientHeight, 1);
    const halfWidth = 1.35;
    const tanHalfH = Math.tan(pc.math.DEG_TO_RAD * 25) * aspect;
    ex.orbit.distance = Math.max(2.6, halfWidth / tanHalfH + 0.7);
  };
  new ResizeObserver(fitCanvas).observe(stage);
  fitCanvas();

  const controls = document.getElementById('controls')!;
  const slider = (label: string, min: number, max: number, step: number, value: number, apply: (v: number) => void, format = (v: number) => String(v)) => {
    const row = document.createElement('label');
    const input = document.createElement('input');
    Object.assign(input, { type: 'range', min: String(min), max: String(max), step: String(step), value: String(value) });
    input.dataset.name = label;
    const out = document.createElement('span');
    out.textContent = ` ${format(value)}`;
    input.addEventListener('input', () => { apply(Number(input.value)); out.textContent = ` ${format(Number(input.value))}`; });
    row.append(`${label} `, input, out);
    controls.appendChild(row);
  };
  const both = (f: (t: LiquidVolume) => void) => tanks.forEach(f);
  slider('latent interval', 1, 16, 1, tanks[1].interval, (v) => both((t) => { t.interval = v; }));
  slider('correction iterations', 0, 32, 1, tanks[1].correctionIterations, (v) => both((t) => { t.correctionIterations = v; }));
  slider('adaptive threshold', 0, 2, 0.01, tanks[1].adaptive, (v) => both((t) => { t.adaptive = v; }), (v) => (v === 0 ? 'off' : `${v} 1/s`));
  slider('Jacobi iterations', 10, 400, 10, 100, (v) => both((t) => { t.jacobiIterations = v; }));

  const legend = document.getElementById('legend')!;
  const showLegend = (view: LiquidVolume['debugView']) => {
    const renderer = tanks[0].controller?.renderer;
    const l = renderer ? debugLegend(view, renderer.debugSlice) : null;
    legend.hidden = !l;
    legend.replaceChildren();
    if (!l) return;
    const title = document.createElement('div');
    title.textContent = l.title;
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.background = l.gradient;
    const ends = document.createElement('div');
    ends.className = 'ends';
    for (const text of l.labels) ends.appendChild(Object.assign(document.createElement('span'), { textContent: text }));
    const keys = document.createElement('div');
    for (const k of l.keys) {
      const key = document.createElement('span');
      key.className = 'key';
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = k.color;
      key.append(swatch, k.label);
      keys.appendChild(key);
    }
    legend.append(title, bar, ends, keys);
  };
  const view = document.createElement('label');
  view.innerHTML = 'debug view <select id="debug-view"><option>none</option><option>pressure-slice</option><option>levelset-slice</option></select>';
  view.querySelector('select')!.addEventListener('change', (e) => {
    const v = (e.target as HTMLSelectElement).value as LiquidVolume['debugView'];
    both((t) => { t.debugView = v; });
    showLegend(v);
  });
  controls.appendChild(view);
  const syncBox = document.createElement('label');
  syncBox.innerHTML = '<input type="checkbox" id="sync"> one simulated clock';
  const syncInput = syncBox.querySelector('input')!;
  syncInput.checked = sync.enabled;
  syncInput.addEventListener('change', () => { sync.enabled = syncInput.checked; });
  controls.appendChild(syncBox);
  const reset = document.createElement('button');
  reset.textContent = 'restart both';
  reset.addEventListener('click', () => both((t) => t.resetLiquid()));
  controls.appendChild(reset);

  (window as unknown as { tuning: unknown }).tuning = { tanks, overlays, sync, setSolver, showLegend };
}
