import { addLiquidTank, createExampleApp } from '../shared/example-app';
import { exposeLiquid } from '../shared/expose';

const ex = await createExampleApp();
if (ex) exposeLiquid([addLiquidTank(ex.app, { preset: 'dam-break' })]);
