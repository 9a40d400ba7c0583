import * as pc from 'playcanvas';
import type { LiquidVolume } from '../../plugin/liquid-volume.mjs';
import { addLiquidTank, createExampleApp, param } from '../shared/example-app';
import { exposeLiquid } from '../shared/expose';

const ex = await createExampleApp({ cameraTarget: new pc.Vec3(1.1, 0.3, 0.5), distance: 3.4, pitch: -24, yaw: 0 });
if (ex) {
  const preset = param('preset', 'dam-break');
  const make = (name: string, x: number, solver: string, corner: string) =>
    addLiquidTank(ex.app, { preset, solver, showStats: true, statsCorner: corner }, { name, position: new pc.Vec3(x, 0, 0) });
  const jacobi = make('jacobi', 0, 'jacobi', 'bottom-left');
  const latent = make('latent', 1.2, 'latent', 'bottom-right');
  exposeLiquid([latent, jacobi]);

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
  slider('interval', 1, 16, 1, latent.interval, (v) => { latent.interval = v; });
  slider('correction iterations', 0, 32, 1, latent.correctionIterations, (v) => { latent.correctionIterations = v; });
  slider('adaptive threshold', 0, 2, 0.01, latent.adaptive, (v) => { latent.adaptive = v; }, (v) => (v === 0 ? 'off' : `${v} 1/s`));
  slider('Jacobi iterations', 10, 400, 10, 100, (v) => { latent.jacobiIterations = v; jacobi.jacobiIterations = v; });
  const view = document.createElement('label');
  view.innerHTML = 'debug view <select><option>none</option><option>pressure-slice</option><option>levelset-slice</option></select>';
  view.querySelector('select')!.addEventListener('change', (e) => {
    const v = (e.target as HTMLSelectElement).value as LiquidVolume['debugView'];
    latent.debugView = v;
    jacobi.debugView = v;
  });
  controls.appendChild(view);
  const reset = document.createElement('button');
  reset.textContent = 'restart both';
  reset.addEventListener('click', () => { jacobi.resetLiquid(); latent.resetLiquid(); });
  controls.appendChild(reset);
}
