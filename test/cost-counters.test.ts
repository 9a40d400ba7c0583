// The hardware-independent cost counters of `npm run bench -- --counters` (src/bench/): the
// counter against hand counts of a recorded sequence, the networks' multiply-adds against hand
// counts, and a predicted step of the tiny model at 16^3 against the dispatches its networks
// and kernels record by construction.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuWorkCounter } from '../src/bench/gpu-work-counter';
import { countStepCosts, DEFAULT_STEP_COST_OPTIONS } from '../src/bench/step-costs';
import type { ConvLayer, ConvNetPlan } from '../src/latent/wgsl/conv-net-plan';
import { recogniseLatentModel } from '../src/latent/wgsl/wgsl-latent-runtime';
import { WgslConvNet } from '../src/latent/wgsl/wgsl-conv-net';
import { WgslLatentLstm } from '../src/latent/wgsl/wgsl-latent-lstm';
import { loadModelFromDirectory } from '../src/node/model-directory';
import { testGpu } from './helpers/gpu';

const TINY = join(__dirname, 'fixtures', 'tiny-model');
let device: GPUDevice;

beforeAll(async () => {
  device = (await testGpu()).device;
});

const layer = (cin: number, cout: number, kernel: number, stride: number, pad: number): ConvLayer => ({
  cin, cout, kernel, stride, pad, weights: new Float32Array(cout * cin * kernel ** 3), bias: new Float32Array(cout), leak: 0.01, upsampleInput: false,
});

describe('cost counters', () => {
  it('count dispatches, workgroups, bound bytes, copies and uploads of a recorded sequence as counted by hand', async () => {
    const counter = GpuWorkCounter.install(device);
    try {
      const a = device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      const b = device.createBuffer({ size: 1024, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      const args = device.createBuffer({ size: 16, usage: GPUBufferUsage.INDIRECT | GPUBufferUsage.COPY_DST });
      const module = device.createShaderModule({
        code: '@group(0) @binding(0) var<storage, read> a: array<f32>; @group(0) @binding(1) var<storage, read_write> b: array<f32>;\n'
          + '@compute @workgroup_size(4) fn main(@builtin(global_invocation_id) g: vec3<u32>) { if (g.x < 64u) { b[g.x] = a[g.x]; } }',
      });
      const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      const whole = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: a } }, { binding: 1, resource: { buffer: b } }] });
      const ranged = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: a, size: 64 } }, { binding: 1, resource: { buffer: b, offset: 256 } }] });
      counter.begin();
      device.queue.writeBuffer(args, 0, new Uint32Array([1, 1, 1, 0]));
      const encoder = device.createCommandEncoder();
      const p1 = encoder.beginComputePass({ label: 'one' });
      p1.setPipeline(pipeline);
      p1.setBindGroup(0, whole);
      p1.dispatchWorkgroups(2, 3);      // 6 workgroups, 256 + 1024 bytes bound
      p1.setBindGroup(0, ranged);
      p1.dispatchWorkgroupsIndirect(args, 0); // 64 + (1024 - 256) bytes bound
      p1.end();
      encoder.copyBufferToBuffer(a, 0, b, 0, 128);
      const p2 = encoder.beginComputePass({ label: 'two' });
      p2.setPipeline(pipeline);
      p2.setBindGroup(0, whole);
      p2.dispatchWorkgroups(16);
      p2.end();
      device.queue.submit([encoder.finish()]);
      const c = counter.end();
      await device.queue.onSubmittedWorkDone();
      expect(c.passes).toBe(2);
      expect(c.dispatches).toBe(3);
      expect(c.indirectDispatches).toBe(1);
      expect(c.workgroups).toBe(6 + 16);
      expect(c.boundBytes).toBe(1280 + 832 + 1280);
      expect(c.indirectBoundBytes).toBe(832);
      expect(c.byPass.one).toMatchObject({ dispatches: 2, indirectDispatches: 1, workgroups: 6, boundBytes: 1280 + 832 });
      expect(c.byPass.two).toMatchObject({ dispatches: 1, workgroups: 16, boundBytes: 1280 });
      expect(c.byPass.copy).toMatchObject({ copies: 1, copyBytes: 128 });
      expect(c.uploadBytes).toBe(16);
      for (const x of [a, b, args]) x.destroy();
    } finally {
      counter.uninstall();
    }
  });

  it('multiply-adds of a conv chain and of the tiny model\'s LSTM as counted by hand', async () => {
    const plan: ConvNetPlan = { file: 'hand', inputName: 'x', outputName: 'y', layers: [layer(2, 3, 3, 1, 1), layer(3, 5, 3, 2, 1)] };
    const net = await WgslConvNet.create(device, plan, [4, 4, 4]);
    // 4^3 outputs * 3 * 2 * 27, then (stride 2) 2^3 outputs * 5 * 3 * 27.
    expect(net.multiplyAdds).toBe(64 * 3 * 2 * 27 + 8 * 5 * 3 * 27);
    expect(net.dispatchCount).toBe(2);
    net.destroy();
    const plans = recogniseLatentModel(await loadModelFromDirectory(TINY));
    const lstm = await WgslLatentLstm.create(device, plans.lstm, 8);
    // Tiny model: w 6, C 8, F 16, H 16, one layer, a context term, o 1; 8 cells (16^3 / 8).
    // Context means 5 * 16 * 8; per cell 5 steps * (16 * 16 * 2 + 4 * 16 * (16 + 16)) + head 8 * 16.
    expect([plans.lstm.window, plans.lstm.channels, plans.lstm.features, plans.lstm.hidden, plans.lstm.layers.length]).toEqual([6, 8, 16, 16, 1]);
    expect(lstm.multiplyAdds).toBe(5 * 16 * 8 + 8 * (5 * (512 + 2048) + 128));
    lstm.destroy();
  });

  it('a predicted and a solved step of the tiny model at 16^3: the network dispatches and multiply-adds by construction', async () => {
    const model = await loadModelFromDirectory(TINY);
    const r = await countStepCosts(device, 'test', { ...DEFAULT_STEP_COST_OPTIONS, resolution: 16, warmupFrames: 6, correctionIterations: 2 }, model);
    const plans = recogniseLatentModel(model);
    const enc = plans.encoder.layers.length, dec = plans.decoder.layers.length;
    expect([enc, dec]).toEqual([8, 9]);
    const n = r.networks!;
    const p = r.steps['latent predicted'], s = r.steps['latent solved'];
    const d = (step: typeof p, pass: string) => step.byPass[pass]?.dispatches ?? 0;
    expect(d(p, 'lstm')).toBe(2);                         // context means, cells
    expect(d(p, 'decode')).toBe(dec);                     // one per layer
    expect(d(p, 'applyPrediction')).toBe(4);              // reset, check, decide, apply
    expect(d(p, 'correction')).toBe(2);                   // K Jacobi iterations
    expect(d(s, 'encode')).toBe(enc + dec);               // encoder, and the decoder (delta form)
    expect(d(s, 'lstm')).toBe(0);
    expect(s.multiplyAdds).toBe(n.encoder + n.decoder);
    // Network work of a predicted step (history update 'encode-used', the default): the LSTM and
    // the decoder, then the encoder and the decoder again on the pressure used.
    expect(d(p, 'encodeUsed')).toBe(enc + dec);
    expect(p.multiplyAdds).toBe(n.lstm + n.decoder + n.encoder + n.decoder);
    expect(p.conditionalMultiplyAdds).toBe(0);
    // Foam: one dispatch over the cells (4^3 workgroups of 4^3 at 16^3), bound: the two SimParams/FoamParams
    // uniforms, the level set, the velocity and the two density buffers; only in the row that turns it on.
    const foamRow = Object.entries(r.steps).find(([k]) => k.endsWith('+ foam'))![1];
    expect(foamRow.byPass.foam).toMatchObject({ dispatches: 1, workgroups: 64 });
    const cells = 16 ** 3 * 4, faces = 3 * 17 * 16 * 16 * 4;
    expect(foamRow.byPass.foam.boundBytes).toBeGreaterThan(3 * cells + faces);
    const base = r.steps[Object.keys(r.steps).find((k) => k.endsWith('+ foam'))!.replace(' + foam', '')];
    console.info(`foam pass at 16^3: ${JSON.stringify(foamRow.byPass.foam)}; step ${base.dispatches} -> ${foamRow.dispatches} dispatches, ${base.boundBytes} -> ${foamRow.boundBytes} bytes bound`);
    for (const [k, step] of Object.entries(r.steps)) if (!k.endsWith('+ foam')) expect(step.byPass.foam, k).toBeUndefined();
    for (const step of Object.values(r.steps)) {
      const sum = Object.values(step.byPass).reduce((a, w) => a + w.dispatches, 0);
      expect(sum).toBe(step.dispatches);
      expect(step.boundBytes).toBeGreaterThan(0);
    }
    console.info(`counters, tiny model 16^3: ${Object.entries(r.steps).map(([k, v]) => `${k} ${v.dispatches} dispatches (${v.indirectDispatches} indirect)`).join('; ')}`);
  });
});
