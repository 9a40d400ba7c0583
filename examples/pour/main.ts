import * as pc from 'playcanvas';
import { addLiquidTank, createExampleApp } from '../shared/example-app';
import { exposeLiquid } from '../shared/expose';

const ex = await createExampleApp({ pitch: -22 });
if (ex) {
  const liquid = addLiquidTank(ex.app, { preset: 'pour' });
  const tank = liquid.entity;
  // A spout where the preset's emitter sits (0.3, 0.8, 0.5), pointing down and a little +x.
  const metal = new pc.StandardMaterial();
  metal.diffuse = new pc.Color(0.55, 0.57, 0.6);
  metal.metalness = 0.8;
  metal.useMetalness = true;
  metal.gloss = 0.6;
  metal.update();
  const spout = new pc.Entity('spout');
  // No shadow: the liquid casts none, so the spout's shadow would lie on the floor under the stream
  // and show through it as a dark blotch.
  spout.addComponent('render', { type: 'cylinder', material: metal, castShadows: false });
  spout.setLocalPosition(0.27, 0.95, 0.5);
  spout.setLocalScale(0.12, 0.25, 0.12);
  spout.setLocalEulerAngles(0, 0, 14);
  tank.addChild(spout);
  exposeLiquid([liquid]);
}
