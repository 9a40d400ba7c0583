// Runs a model set's golden cases on onnxruntime-web's NATIVE WebGPU execution provider in Node
// (Dawn from the `webgpu` npm package; on CPU-only machines with SwiftShader:
// VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json).
//
//   node --liftoff-only training/webgpu_check.mjs models/NAME [--run all|lstm|none]
//
// Every case's session is created (that is when ORT assigns nodes to providers); `--run` says
// which cases are also run and compared (default all). `--liftoff-only` matters: without it V8
// optimizes ORT's 27 MB wasm module in the background for about a minute of CPU and the process
// only exits after that.
//
// ORT's verbose log is printed by the wasm module itself, so node placement is read by whoever
// runs this script: each case prints `SESSION <name>` before its session is created, ORT then
// prints "All nodes placed on [WebGpuExecutionProvider]" (or the per-EP list when some node falls
// back to the CPU), and `RESULT {json}` gives the max abs difference to the PyTorch output.
// test/models.test.ts parses this. Exit code 3: no WebGPU adapter.
import fs from 'node:fs';
import path from 'node:path';
import { create, globals } from 'webgpu';

const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

Object.assign(globalThis, globals);
const gpu = create([]);
globalThis.navigator = globalThis.navigator ?? {};
try {
  Object.defineProperty(globalThis.navigator, 'gpu', { value: gpu, configurable: true });
} catch {
  /* navigator.gpu already defined */
}
const adapter = await gpu.requestAdapter();
if (!adapter) {
  console.log('NO_ADAPTER');
  process.exit(3);
}
const l = adapter.limits;
const device = await adapter.requestDevice({
  requiredLimits: {
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    maxBufferSize: l.maxBufferSize,
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
  },
});
// Dawn-for-Node rejects views of SharedArrayBuffer in writeBuffer (ORT's wasm heap is shared).
const queueProto = Object.getPrototypeOf(device.queue);
const writeBuffer = queueProto.writeBuffer;
queueProto.writeBuffer = function (buffer, offset, data, dataOffset, size) {
  if (data && data.buffer instanceof SharedArrayBuffer) {
    const el = data.BYTES_PER_ELEMENT ?? 1;
    const start = (dataOffset ?? 0) * el;
    const len = size !== undefined ? size * el : data.byteLength - start;
    const copy = new Uint8Array(data.buffer, data.byteOffset + start, len).slice();
    return writeBuffer.call(this, buffer, offset, copy);
  }
  return writeBuffer.call(this, buffer, offset, data, dataOffset, size);
};
const ort = await import('onnxruntime-web/webgpu');
ort.env.wasm.numThreads = 1; // no wasm worker threads (each would compile the module again)
console.error(`ORT loaded (${elapsed()})`);

const dir = process.argv[2];
const runIdx = process.argv.indexOf('--run');
const runWhich = runIdx > 0 ? process.argv[runIdx + 1] : 'all';
if (!['all', 'lstm', 'none'].includes(runWhich)) throw new Error(`--run ${runWhich}: expected all, lstm or none`);
const golden = JSON.parse(fs.readFileSync(path.join(dir, 'golden', 'golden.json'), 'utf8'));
// Case nets are manifest `files` keys (a state model's `stateEncoder` is state-encoder.onnx).
const files = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')).files ?? {};
const readF32 = (file) => {
  const b = fs.readFileSync(path.join(dir, 'golden', file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
for (const c of golden.cases) {
  console.error(`SESSION ${c.name} (${elapsed()})`);
  const session = await ort.InferenceSession.create(fs.readFileSync(path.join(dir, files[c.net] ?? `${c.net}.onnx`)), {
    executionProviders: [{ name: 'webgpu', device }],
    logSeverityLevel: 0,
  });
  if (runWhich === 'none' || (runWhich === 'lstm' && c.net !== 'lstm')) {
    console.error(`CREATED ${c.name} (${elapsed()})`);
    await session.release();
    continue;
  }
  const feeds = {};
  for (const [name, v] of Object.entries(c.inputs)) feeds[name] = new ort.Tensor('float32', readF32(v.file), v.dims);
  const t0 = performance.now();
  const out = await session.run(feeds, { logSeverityLevel: 3 });
  const ms = performance.now() - t0;
  for (const [name, v] of Object.entries(c.outputs)) {
    const ref = readF32(v.file);
    const got = await out[name].getData();
    let maxAbs = 0;
    let maxRef = 0;
    for (let i = 0; i < ref.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(got[i] - ref[i]));
      maxRef = Math.max(maxRef, Math.abs(ref[i]));
    }
    const result = { case: c.name, output: name, dims: out[name].dims, expectedDims: v.dims, maxAbs, maxRef, ms };
    console.error(`RESULT ${JSON.stringify(result)}`);
  }
  await session.release();
}
console.error(`DONE (${elapsed()})`);
process.exit(0);
