// The trilinear upsampling of a coarse decoder's output (latent.decoderDownsample 2 or 4):
// the CPU reference against PyTorch's F.interpolate (golden files made by
// test/fixtures/trilinear-upsample/make_golden.py), and the WGSL kernel `upsampleDecoded`
// against the reference on small odd coarse grids.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DecodedUpsampler } from '../src/latent/decoded-upsampler';
import { referenceUpsampleTrilinear } from '../src/reference/reference-upsample';
import type { Vec3 } from '../src/scene/scene-description';
import { readFloat32File } from './helpers/files';
import { maxDiff, read, rng, testGpu, upload } from './helpers/gpu';

const GOLDEN = join(__dirname, 'fixtures', 'trilinear-upsample');
interface GoldenCase { name: string; factor: number; coarseDims: Vec3; fineDims: Vec3; coarse: string; fine: string }
const golden = JSON.parse(readFileSync(join(GOLDEN, 'golden.json'), 'utf8')) as { cases: GoldenCase[] };

/** Runs the kernel on one coarse field; the output buffer starts as NaN so unwritten cells show. */
async function runKernel(device: GPUDevice, coarse: Float32Array, dims: Vec3, factor: number): Promise<Float32Array> {
  const up = await DecodedUpsampler.create(device, dims, factor);
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const fineCount = up.fineDims[0] * up.fineDims[1] * up.fineDims[2];
  const inBuf = device.createBuffer({ size: Math.max(16, coarse.byteLength), usage });
  const outBuf = device.createBuffer({ size: fineCount * 4, usage });
  try {
    upload(device, inBuf, coarse);
    upload(device, outBuf, new Float32Array(fineCount).fill(Number.NaN));
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    up.encode(pass, up.bind(inBuf, outBuf));
    pass.end();
    device.queue.submit([encoder.finish()]);
    return await read(device, outBuf, fineCount);
  } finally {
    inBuf.destroy();
    outBuf.destroy();
    up.destroy();
  }
}

describe('the CPU reference of upsampleDecoded', () => {
  for (const c of golden.cases) {
    it(`equals PyTorch's F.interpolate(trilinear, align_corners=False): ${c.name}`, () => {
      const coarse = readFloat32File(join(GOLDEN, c.coarse));
      const want = readFloat32File(join(GOLDEN, c.fine));
      expect(want.length).toBe(c.fineDims[0] * c.fineDims[1] * c.fineDims[2]);
      const got = referenceUpsampleTrilinear(coarse, c.coarseDims, c.factor);
      // Both are the exact trilinear value rounded once to float32: equal bit for bit.
      const d = maxDiff(got, want);
      expect(d.abs, `max |diff| ${d.abs} at ${d.at}, scale ${d.scale}`).toBe(0);
    });
  }

  it('is not nearest-neighbour upsampling and keeps constant fields constant (the golden check can fail)', () => {
    const c = golden.cases[0];
    const coarse = readFloat32File(join(GOLDEN, c.coarse));
    const got = referenceUpsampleTrilinear(coarse, c.coarseDims, c.factor);
    const [nx, ny] = c.coarseDims;
    const [fx, fy] = c.fineDims;
    const s = c.factor;
    let differs = 0;
    for (let i = 0; i < got.length; i++) {
      const x = i % fx, y = Math.floor(i / fx) % fy, z = Math.floor(i / (fx * fy));
      const nearest = coarse[(Math.floor(z / s) * ny + Math.floor(y / s)) * nx + Math.floor(x / s)];
      if (Math.abs(got[i] - nearest) > 1e-3) differs++;
    }
    expect(differs).toBeGreaterThan(got.length / 2);
    const flat = referenceUpsampleTrilinear(new Float32Array(30).fill(1.5), [5, 3, 2], 4);
    expect(flat.every((v) => v === 1.5)).toBe(true);
  });
});

describe('the upsampleDecoded kernel', () => {
  let device: GPUDevice;
  beforeAll(async () => {
    device = (await testGpu()).device;
  });

  const cases: { dims: Vec3; factor: number }[] = [
    { dims: [5, 3, 7], factor: 2 },
    { dims: [3, 6, 1], factor: 2 },
    { dims: [3, 5, 2], factor: 4 },
    { dims: [1, 2, 3], factor: 4 },
  ];
  for (const c of cases) {
    it(`matches its CPU reference, s = ${c.factor}, coarse [${c.dims.join(', ')}]`, async () => {
      const r = rng(c.dims[0] * 131 + c.dims[1] * 17 + c.dims[2] * 3 + c.factor);
      const coarse = Float32Array.from({ length: c.dims[0] * c.dims[1] * c.dims[2] }, () => r() * 8 - 4);
      const got = await runKernel(device, coarse, c.dims, c.factor);
      const want = referenceUpsampleTrilinear(coarse, c.dims, c.factor);
      expect(got.length).toBe(want.length);
      const d = maxDiff(got, want);
      // The kernel's seven float32 lerps against the correctly rounded value: a few ulps
      // (measured on SwiftShader: at most 4.8e-7 for values up to 3.9, two ulps).
      expect(d.abs, `max |diff| ${d.abs} at ${d.at}, scale ${d.scale}`).toBeLessThanOrEqual(d.scale * 2 ** -22);
    });
  }

  it('reproduces the PyTorch golden outputs directly', async () => {
    for (const c of golden.cases) {
      const got = await runKernel(device, readFloat32File(join(GOLDEN, c.coarse)), c.coarseDims, c.factor);
      const d = maxDiff(got, readFloat32File(join(GOLDEN, c.fine)));
      expect(d.abs, `${c.name}: max |diff| ${d.abs} at ${d.at}, scale ${d.scale}`).toBeLessThanOrEqual(d.scale * 2 ** -22);
    }
  });

  it('refuses a factor of 1 and buffers that are too small, saying what is needed', async () => {
    await expect(DecodedUpsampler.create(device, [2, 2, 2], 1)).rejects.toThrow(/factor must be an integer >= 2 \(got 1\)/);
    const up = await DecodedUpsampler.create(device, [3, 3, 3], 2);
    const small = device.createBuffer({ size: 64, usage: GPUBufferUsage.STORAGE });
    try {
      expect(() => up.bind(small, small)).toThrow(/the coarse buffer holds 64 bytes, 108 needed/);
    } finally {
      small.destroy();
      up.destroy();
    }
  });
});
