import * as pc from 'playcanvas';
import { LiquidVolume } from '../../plugin/liquid-volume.mjs';
import { addTankEdges, createExampleApp, param } from '../shared/example-app';
import { exposeLiquid } from '../shared/expose';

const ex = await createExampleApp();
if (ex) {
  const res = Number(param('res', '32'));
  const tank = new pc.Entity('tank');
  tank.addComponent('script');
  ex.app.root.addChild(tank);
  addTankEdges(tank, new pc.Vec3(1, 1, 1));
  const liquid = tank.script!.create(LiquidVolume, {
    properties: {
      preset: 'dam-break', resolution: res, cellSize: 1 / res, solver: param('solver', 'jacobi'),
      modelUrl: '../models/latent-liquid/', ortWasmPath: '../ort/', showStats: param('stats', '0') === '1',
    },
  }) as LiquidVolume;
  exposeLiquid([liquid]);
}
