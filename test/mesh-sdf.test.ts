// The GPU mesh SDF (shaders/colliders/mesh-sdf.wgsl) against its CPU reference on small grids,
// and its accuracy against the analytic signed distances of procedural meshes (a sphere, a box
// and a torus of 2k to 20k triangles): within 0.1 voxel where |d| < 3 voxels, the sign right
// at every voxel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ColliderMesh } from '../src/colliders/collider-mesh';
import { MeshSdf, MeshSdfBuilder } from '../src/colliders/mesh-sdf-builder';
import { boxMesh, rockMesh, sphereMesh, torusMesh, type TriangleMesh } from '../src/colliders/procedural-meshes';
import { SdfAtlas } from '../src/colliders/sdf-atlas';
import type { SdfGridLayout } from '../src/colliders/sdf-grid';
import { readFloat32, readUint32 } from '../src/gpu/readback';
import { generalizedWindingNumber, INDEX_BITS, voxelizeMesh } from '../src/reference/reference-mesh-sdf';
import { testGpu } from './helpers/gpu';

let device: GPUDevice;
let builder: MeshSdfBuilder;
const atlases: SdfAtlas[] = [];

beforeAll(async () => {
  device = (await testGpu()).device;
  builder = await MeshSdfBuilder.create(device);
});

afterAll(() => {
  builder?.destroy();
  for (const a of atlases) a.destroy();
});

/** Builds a mesh's SDF on the GPU; returns the SDF, the packed nearest entries and the winding fields. */
async function gpuBuild(mesh: ColliderMesh, resolution: number): Promise<{ sdf: Float32Array; layout: SdfGridLayout; nearest: Uint32Array; crossings: Uint32Array }> {
  const atlas = new SdfAtlas(device, 1 << 10);
  atlases.push(atlas);
  // an allocation before it, so the build's offset is not 0
  atlas.allocate(37);
  const made = MeshSdf.create(device, mesh, resolution, atlas);
  if (typeof made === 'string') throw new Error(made);
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  builder.encode(pass, made, atlas);
  pass.end();
  device.queue.submit([encoder.finish()]);
  const n = made.layout.voxelCount;
  const [sdf, nearest, crossings] = await Promise.all([
    readFloat32(device, atlas.buffer, n, made.atlasOffset),
    readUint32(device, builder.scratchBuffers!.nearest, n),
    readUint32(device, builder.scratchBuffers!.crossings, n),
  ]);
  made.destroy();
  return { sdf, layout: made.layout, nearest, crossings };
}

/** Winding-number flags of the GPU's packed crossings (10 bits per axis, biased by 512) in the reference's layout. */
function unpackWinding(crossings: Uint32Array): Int32Array {
  const n = crossings.length;
  const out = new Int32Array(3 * n);
  for (let v = 0; v < n; v++) for (let a = 0; a < 3; a++) out[a * n + v] = ((crossings[v] >>> (10 * a)) & 0x3ff) - 512;
  return out;
}

function openBox(): TriangleMesh {
  // the box without its top (+y) face: two triangles fewer
  const box = boxMesh({ halfExtents: [1, 0.6, 0.8], subdivisions: 1 });
  const keep: number[] = [];
  for (let t = 0; t < box.indices.length; t += 3) {
    const ys = [0, 1, 2].map((v) => box.positions[3 * box.indices[t + v] + 1]);
    if (!ys.every((y) => y > 0.5)) keep.push(box.indices[t], box.indices[t + 1], box.indices[t + 2]);
  }
  return { positions: box.positions, indices: Uint32Array.from(keep) };
}

describe('mesh SDF build: GPU kernels against the CPU reference', () => {
  const cases: [string, () => TriangleMesh, number][] = [
    ['a sphere of 552 triangles', () => sphereMesh({ segments: 24, rings: 12 }), 14],
    ['a 12-triangle box (large triangles split for the splat)', () => boxMesh({ halfExtents: [1, 0.5, 0.75], subdivisions: 1 }), 16],
    ['a torus', () => torusMesh({ majorSegments: 24, minorSegments: 12 }), 18],
    ['a non-convex rock', () => rockMesh({ subdivisions: 2 }), 14],
    ['an open box (no top)', openBox, 12],
  ];
  for (const [name, make, resolution] of cases) {
    it(`${name} at resolution ${resolution}: the same band, winding numbers and distances`, async () => {
      const mesh = ColliderMesh.from(make(), name);
      const gpu = await gpuBuild(mesh, resolution);
      const cpu = voxelizeMesh(mesh, resolution);
      expect(gpu.layout).toEqual(cpu.layout);
      const n = cpu.layout.voxelCount;
      // Winding numbers: exact (integers), except on lines that graze an edge within float32 rounding.
      const winding = unpackWinding(gpu.crossings);
      let windingDiff = 0;
      for (let i = 0; i < 3 * n; i++) if (winding[i] !== cpu.winding[i]) windingDiff++;
      expect(windingDiff, 'voxels whose winding number differs').toBeLessThanOrEqual(Math.ceil(0.001 * n));
      // Band membership (quantized level < FAR) agrees; distances within float32 rounding of a voxel.
      let bandDiff = 0, worst = 0, farWorst = 0, signDiff = 0;
      const h = cpu.layout.voxelSize;
      for (let v = 0; v < n; v++) {
        const inBand = cpu.nearest[v] >>> INDEX_BITS < 0x7fff;
        if ((gpu.nearest[v] >>> INDEX_BITS < 0x7fff) !== inBand) bandDiff++;
        const diff = Math.abs(Math.abs(gpu.sdf[v]) - Math.abs(cpu.sdf[v])) / h;
        if (inBand) worst = Math.max(worst, diff);
        else farWorst = Math.max(farWorst, diff / (Math.abs(cpu.sdf[v]) / h));
        if (Math.sign(gpu.sdf[v]) !== Math.sign(cpu.sdf[v]) && Math.abs(cpu.sdf[v]) > 1e-3 * h) signDiff++;
      }
      expect(bandDiff, 'voxels in the band on one side only').toBeLessThanOrEqual(Math.ceil(0.001 * n));
      // In the band both keep the exact distance to a nearest triangle (ties within the 15-bit quantum).
      expect(worst, 'max | |d_gpu| - |d_cpu| | in the band, voxels').toBeLessThan(2e-3);
      // Outside it the sweeps may carry a different (tied in float32) candidate along.
      expect(farWorst, 'max relative difference outside the band').toBeLessThan(0.02);
      expect(signDiff, 'voxels signed differently').toBe(0);
    });
  }

  it('an open mesh gets the documented result: inside where two of three axis rays say so', async () => {
    const mesh = ColliderMesh.from(openBox(), 'open box');
    const { sdf, layout } = await gpuBuild(mesh, 12);
    const at = (p: number[]) => {
      const i = [0, 1, 2].map((a) => Math.floor((p[a] - layout.origin[a]) / layout.voxelSize));
      return sdf[i[0] + layout.dims[0] * (i[1] + layout.dims[1] * i[2])];
    };
    // Inside the walls (x and z rays cross two walls, the y ray only the floor): inside.
    expect(at([0, 0, 0])).toBeLessThan(0);
    expect(at([0, 0.4, 0])).toBeLessThan(0);
    // Above the open top, within the walls' footprint: only the y ray says inside: outside.
    expect(at([0, 1.0, 0])).toBeGreaterThan(0);
    // Beside the box: outside.
    expect(at([1.4, 0, 0])).toBeGreaterThan(0);
  });
});

interface AccuracyCase {
  name: string;
  mesh: () => TriangleMesh;
  resolution: number;
  analytic: (p: number[]) => number;
}

const sphereSdf = (p: number[]) => Math.hypot(p[0], p[1], p[2]) - 1;
const boxSdf = (p: number[]) => {
  const q = p.map((x) => Math.abs(x) - 1);
  return Math.hypot(Math.max(q[0], 0), Math.max(q[1], 0), Math.max(q[2], 0)) + Math.min(Math.max(q[0], q[1], q[2]), 0);
};
const torusSdf = (p: number[]) => Math.hypot(Math.hypot(p[0], p[2]) - 1, p[1]) - 0.35;

describe('mesh SDF accuracy against analytic signed distances', () => {
  const cases: AccuracyCase[] = [
    { name: 'sphere, 3968 triangles', mesh: () => sphereMesh({ segments: 64, rings: 32 }), resolution: 32, analytic: sphereSdf },
    { name: 'sphere, 19880 triangles', mesh: () => sphereMesh({ segments: 140, rings: 72 }), resolution: 40, analytic: sphereSdf },
    { name: 'box, 2028 triangles', mesh: () => boxMesh({ subdivisions: 13 }), resolution: 32, analytic: boxSdf },
    { name: 'box, 19200 triangles', mesh: () => boxMesh({ subdivisions: 40 }), resolution: 40, analytic: boxSdf },
    { name: 'torus, 4096 triangles', mesh: () => torusMesh({ majorSegments: 64, minorSegments: 32 }), resolution: 40, analytic: torusSdf },
    { name: 'torus, 20480 triangles', mesh: () => torusMesh({ majorSegments: 160, minorSegments: 64 }), resolution: 48, analytic: torusSdf },
  ];
  for (const c of cases) {
    it(`${c.name} at resolution ${c.resolution}: |d - d_exact| < 0.1 voxel where |d| < 3 voxels, the sign right everywhere`, async () => {
      const mesh = ColliderMesh.from(c.mesh(), c.name);
      const { sdf, layout } = await gpuBuild(mesh, c.resolution);
      const h = layout.voxelSize;
      let worst = 0, banded = 0, wrongSign = 0, ambiguous = 0, farWorst = 0;
      for (let k = 0; k < layout.dims[2]; k++) for (let j = 0; j < layout.dims[1]; j++) for (let i = 0; i < layout.dims[0]; i++) {
        const v = i + layout.dims[0] * (j + layout.dims[1] * k);
        const p = [i, j, k].map((x, a) => layout.origin[a] + (x + 0.5) * h);
        const exact = c.analytic(p) / h;
        const d = sdf[v] / h;
        if (Math.abs(exact) < 3) { worst = Math.max(worst, Math.abs(d - exact)); banded++; }
        else farWorst = Math.max(farWorst, Math.abs(d - exact) / Math.abs(exact));
        if (Math.abs(exact) > 0.1) { if (Math.sign(d) !== Math.sign(exact)) wrongSign++; }
        else {
          // Within 0.1 voxel of the analytic surface the faceted mesh may lie on either side:
          // the sign must then match the mesh's own inside (its generalized winding number).
          ambiguous++;
          const inside = generalizedWindingNumber(mesh, p) > 0.5;
          if ((d < 0) !== inside && Math.abs(d) > 1e-4) wrongSign++;
        }
      }
      expect(banded).toBeGreaterThan(1000);
      expect(worst, `max |d - d_exact| (voxels) over ${banded} voxels`).toBeLessThan(0.1);
      expect(wrongSign, `voxels with the wrong sign (${ambiguous} checked against the winding number)`).toBe(0);
      // Far field (sweeps): an upper bound of the distance, within 10% of it (documented, not exact).
      expect(farWorst, 'max relative far-field error').toBeLessThan(0.1);
    });
  }
});
