// Mesh colliders in the solver: the resample kernel against its CPU reference (with a primitive
// obstacle, rotation, non-uniform scale and a thick open sheet), the boundary pass taking each
// solid's motion from the solid id, the documented non-uniform-scale bound, motion from
// transform changes, and bad input: refused with a warning naming the collider, the liquid
// carries on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ColliderMesh, MESH_COLLIDER_LIMITS } from '../src/colliders/collider-mesh';
import { meshColliderInstance } from '../src/colliders/mesh-resample-pass';
import { inverseTransformPoint, quatFromAxisAngle, resolveTransform } from '../src/colliders/mesh-transform';
import { boxMesh, rockMesh, sphereMesh, torusMesh, type TriangleMesh } from '../src/colliders/procedural-meshes';
import type { SolidComposer } from '../src/colliders/solid-composer';
import { motionOfShape } from '../src/colliders/solid-motion';
import { readFloat32, readUint32 } from '../src/gpu/readback';
import { resampleMeshColliders } from '../src/reference/reference-mesh-resample';
import { enforceSolidVelocity, rasterizeObstacles, rasterizeSolidIds } from '../src/reference/reference-shapes';
import { validateScene } from '../src/scene/scene-validation';
import { LiquidSolver } from '../src/solver/liquid-solver';
import { readbackCount } from '../src/tools';
import { maxDiff, read, referenceFor, rng, runPass, testGpu, upload } from './helpers/gpu';

const DT = 1 / 60;
let device: GPUDevice;
const solvers: LiquidSolver[] = [];

const scene = (withSphere: boolean) => validateScene({
  name: 'mesh-collider-test',
  resolution: [20, 16, 18],
  cellSize: 0.05,
  liquid: [{ type: 'box', min: [0, 0, 0], max: [1, 0.3, 0.9] }],
  obstacles: withSphere ? [{ type: 'sphere', center: [0.25, 0.3, 0.3], radius: 0.12 }] : [],
});

beforeAll(async () => {
  device = (await testGpu()).device;
});

afterAll(() => {
  for (const s of solvers) s.destroy();
});

/** A solver on the test scene (with a primitive sphere obstacle unless told otherwise). */
async function make(withSphere = true): Promise<{ solver: LiquidSolver; warnings: string[] }> {
  const solver = await LiquidSolver.create(device, scene(withSphere));
  solvers.push(solver);
  const warnings: string[] = [];
  solver.meshColliders.onWarning = (m) => warnings.push(m);
  return { solver, warnings };
}

const composer = (s: LiquidSolver) => (s as unknown as { solids: SolidComposer }).solids;

async function solid(s: LiquidSolver): Promise<{ phi: Float32Array; id: Uint32Array }> {
  const [phi, id] = await Promise.all([read(device, s.fields.solidLevelSet, s.grid.cellCount), readUint32(device, s.fields.solidId, s.grid.cellCount)]);
  return { phi, id };
}

const rock = rockMesh({ radius: 1, subdivisions: 2, seed: 3 });

describe('the resample kernel', () => {
  it('matches the reference: min with a primitive obstacle, rotation, non-uniform scale, a thick sheet', async () => {
    const { solver, warnings } = await make();
    const rotation = quatFromAxisAngle([0.3, 1, 0.2], 0.7);
    const rockCollider = solver.meshColliders.add({ name: 'rock', mesh: rock, transform: { translation: [0.4, 0.35, 0.4], rotation, scale: [0.16, 0.11, 0.13] } });
    // A single quad (an open sheet, no inside) made solid by its thickness.
    const sheet = solver.meshColliders.add({
      name: 'sheet', thickness: 0.08,
      mesh: { positions: [0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1], indices: [0, 2, 1, 0, 3, 2] },
      transform: { translation: [0.55, 0.55, 0.2], scale: 0.4 },
    });
    expect([rockCollider.state, sheet.state]).toEqual(['active', 'active']);
    await solver.step();
    const gpu = await solid(solver);
    const ref = referenceFor(solver, DT);
    const phi = rasterizeObstacles(ref);
    const id = rasterizeSolidIds(ref);
    const parts = composer(solver).gpuParts!;
    const atlas = await readFloat32(device, parts.atlas.buffer);
    const instances = [rockCollider, sheet].map((c) => meshColliderInstance(solver.grid, c.transform!, c.mesh!.bounds,
      composer(solver).sdfFor(c)!, composer(solver).meshSolidIndex(c), c.thickness)!);
    resampleMeshColliders(ref, instances, atlas, phi, id);
    const d = maxDiff(gpu.phi, phi);
    expect(d.abs, `max |gpu - cpu| ${d.abs} at ${d.at}`).toBeLessThan(1e-5);
    let idDiff = 0;
    for (let i = 0; i < id.length; i++) if (gpu.id[i] !== id[i] && Math.abs(phi[i]) > 1e-6) idDiff++;
    expect(idDiff).toBe(0);
    // All three solids are there, with their own ids: sphere 1, meshes shapeCapacity + slot + 1.
    const cap = solver.fields.shapeCapacity;
    expect(new Set(gpu.id)).toEqual(new Set([0, 1, cap + rockCollider.slot + 1, cap + sheet.slot + 1]));
    expect(warnings).toEqual([]);
  });

  it('under non-uniform scale the distance is scaled by the smallest factor: the sign exact, never more than the true distance', async () => {
    const { solver } = await make(false);
    const scale: [number, number, number] = [0.2, 0.05, 0.1]; // a unit box mesh (half extent 1) scaled to 0.4 x 0.1 x 0.2 m
    const center: [number, number, number] = [0.5, 0.4, 0.45];
    const rotation = quatFromAxisAngle([0, 1, 0], 0.4);
    solver.meshColliders.add({ name: 'slab', mesh: boxMesh({ subdivisions: 2 }), transform: { translation: center, rotation, scale }, resolution: 48 });
    await solver.step();
    const { phi } = await solid(solver);
    const t = resolveTransform({ translation: center, rotation, scale }, 'slab');
    const g = solver.grid;
    let checked = 0, wrongSign = 0, over = 0, under = 0;
    for (let k = 0; k < g.nz; k++) for (let j = 0; j < g.ny; j++) for (let i = 0; i < g.nx; i++) {
      const x = [(i + 0.5) * g.cellSize, (j + 0.5) * g.cellSize, (k + 0.5) * g.cellSize];
      // exact distance to the scaled, rotated box (in the box's frame, unscaled axes)
      const c = [x[0] - center[0], x[1] - center[1], x[2] - center[2]];
      const q = rotation;
      const r = [c[0], c[1], c[2]];
      // rotate by the inverse quaternion
      const ux = -q[0], uy = -q[1], uz = -q[2], w = q[3];
      const tx = 2 * (uy * r[2] - uz * r[1]), ty = 2 * (uz * r[0] - ux * r[2]), tz = 2 * (ux * r[1] - uy * r[0]);
      const local = [r[0] + w * tx + (uy * tz - uz * ty), r[1] + w * ty + (uz * tx - ux * tz), r[2] + w * tz + (ux * ty - uy * tx)];
      const e = local.map((v, a) => Math.abs(v) - t.scale[a]);
      const exact = Math.hypot(Math.max(e[0], 0), Math.max(e[1], 0), Math.max(e[2], 0)) + Math.min(Math.max(e[0], e[1], e[2]), 0);
      const d = phi[g.cellIndex(i, j, k)];
      if (Math.abs(exact) > 4 * g.cellSize) continue; // beyond the resample margin
      checked++;
      if (Math.abs(exact) > 0.2 * g.cellSize && Math.sign(d) !== Math.sign(exact)) wrongSign++;
      if (Math.abs(d) > Math.abs(exact) + 0.1 * g.cellSize) over++;
      // smallest / largest scale = 1/4
      if (Math.abs(d) < 0.25 * Math.abs(exact) - 0.1 * g.cellSize) under++;
    }
    expect(checked).toBeGreaterThan(200);
    expect({ wrongSign, over, under }).toEqual({ wrongSign: 0, over: 0, under: 0 });
  });
});

describe('accuracy in the solver\'s grid', () => {
  it('a sphere, a box and a torus (2k-4k triangles, turned) at the default resolution match their analytic SDFs where |d| < 3 cells', async () => {
    const solver = await LiquidSolver.create(device, validateScene({ resolution: [32, 32, 32], cellSize: 1 / 32, liquid: [{ type: 'box', min: [0, 0, 0], max: [1, 0.2, 1] }] }));
    solvers.push(solver);
    const g = solver.grid;
    const center: [number, number, number] = [0.5, 0.47, 0.52];
    const rotation = quatFromAxisAngle([0.2, 1, 0.1], 0.3);
    const cases: [string, () => TriangleMesh, number, (p: number[]) => number, number][] = [
      // name, mesh, scale, analytic SDF in the mesh frame, bound on |d - exact| (cells): trilinear
      // sampling at two voxels per cell rounds the box's edges and the torus's medial circle
      // (measured on SwiftShader: sphere 0.028 at resolution 40, box 0.140 at 32, torus 0.074 at 56)
      ['sphere', () => sphereMesh(), 0.3, (p) => Math.hypot(p[0], p[1], p[2]) - 1, 0.05],
      ['box', () => boxMesh({ subdivisions: 13 }), 0.25, (p) => { const q = p.map((x) => Math.abs(x) - 1); return Math.hypot(...q.map((x) => Math.max(x, 0))) + Math.min(Math.max(...q), 0); }, 0.15],
      ['torus', () => torusMesh(), 0.3, (p) => Math.hypot(Math.hypot(p[0], p[2]) - 1, p[1]) - 0.35, 0.15],
    ];
    for (const [name, mesh, scale, analytic, bound] of cases) {
      const c = solver.meshColliders.add({ name, mesh: mesh(), transform: { translation: center, rotation, scale } });
      await solver.step();
      const { phi } = await solid(solver);
      const t = c.transform!;
      let worst = 0, wrongSign = 0, n = 0;
      for (let k = 0; k < g.nz; k++) for (let j = 0; j < g.ny; j++) for (let i = 0; i < g.nx; i++) {
        const x = [(i + 0.5) * g.cellSize, (j + 0.5) * g.cellSize, (k + 0.5) * g.cellSize];
        const exact = (analytic(inverseTransformPoint(t, x)) * scale) / g.cellSize;
        const d = phi[g.cellIndex(i, j, k)] / g.cellSize;
        if (Math.abs(exact) < 3) { worst = Math.max(worst, Math.abs(d - exact)); n++; }
        if (Math.abs(exact) > 0.1 && Math.sign(d) !== Math.sign(exact)) wrongSign++;
      }
      console.info(`${name} in the grid at resolution ${c.resolution}: max |d - exact| ${worst.toFixed(3)} cells over ${n} cells with |d| < 3`);
      expect(n, name).toBeGreaterThan(3000);
      expect(worst, `${name}: max |d - exact| in cells`).toBeLessThan(bound);
      expect(wrongSign, `${name}: cells with the wrong sign`).toBe(0);
      c.remove();
    }
  });
});

describe('solid motion', () => {
  it('the boundary pass gives faces next to a mesh collider its rigid motion (solid id -> motion table)', async () => {
    const { solver } = await make();
    const collider = solver.meshColliders.add({
      name: 'spinning rock', mesh: rock, transform: { translation: [0.6, 0.3, 0.45], scale: 0.14 },
      linearVelocity: [0.3, -0.1, 0.2], angularVelocity: [0.5, 2, -1],
    });
    await solver.step();
    solver.uploadStepParams(DT);
    const { phi, id } = await solid(solver);
    const r = rng(11);
    const vel = Float32Array.from({ length: solver.grid.faceCount }, () => 2 * r() - 1);
    upload(device, solver.fields.velocity, vel);
    await runPass(device, (p) => solver.kernels.boundary.enforceSolidVelocity(p));
    const ref = referenceFor(solver, DT);
    const motions = Array.from({ length: solver.fields.solidMotionCapacity }, (_, i) => (i < ref.p.obstacles.length ? motionOfShape(ref.p.obstacles[i]) : undefined));
    motions[composer(solver).meshSolidIndex(collider)] = collider.motion;
    const cpu = Float32Array.from(vel);
    enforceSolidVelocity(ref, phi, cpu, id, motions);
    const d = maxDiff(await read(device, solver.fields.velocity, solver.grid.faceCount), cpu);
    expect(d.abs).toBeLessThan(1e-5);
    // the mesh's faces really carry its motion: some face velocity equals its rotation's
    expect(collider.motion.angularVelocity).toEqual([0.5, 2, -1]);
    expect(Array.from(id).filter((x) => x === composer(solver).meshSolidIndex(collider) + 1).length).toBeGreaterThan(10);
  });

  it('derives the velocity from transform changes; a collider nobody moves comes to rest; explicit velocities stay', async () => {
    const { solver } = await make();
    const c = solver.meshColliders.add({ name: 'mover', mesh: rock, transform: { translation: [0.5, 0.4, 0.45], scale: 0.1 } });
    await solver.step();
    expect(c.motion.linearVelocity).toEqual([0, 0, 0]);
    c.setTransform({ translation: [0.51, 0.4, 0.45], rotation: quatFromAxisAngle([0, 0, 1], 0.05), scale: 0.1 });
    const m = c.motion;
    expect(m.linearVelocity[0]).toBeCloseTo(0.01 * 60, 6);
    expect(m.angularVelocity[2]).toBeCloseTo(0.05 * 60, 5);
    expect(m.center).toEqual([0.51, 0.4, 0.45]);
    await solver.step();
    expect(c.motion.linearVelocity[0]).toBeCloseTo(0.6, 6); // held through the frame after the move
    await solver.step();
    expect(c.motion.linearVelocity).toEqual([0, 0, 0]); // not moved again: at rest
    c.setTransform({ translation: [0.5, 0.4, 0.45], scale: 0.1 }, { dt: 0.5 });
    expect(c.motion.linearVelocity[0]).toBeCloseTo(-0.02, 6);
    c.setTransform({ translation: [0.5, 0.4, 0.45], scale: 0.1 }, { angularVelocity: [0, 3, 0] });
    await solver.step();
    await solver.step();
    expect(c.motion.angularVelocity).toEqual([0, 3, 0]);
  });
});

describe('adding, removing, enabling and disabling at any frame', () => {
  it('a removed, disabled or outside collider leaves the solid level set as without it; removing mid-frame is safe', async () => {
    const { solver, warnings } = await make();
    await solver.step();
    const without = await solid(solver);
    const mesh = ColliderMesh.from(sphereMesh({ segments: 16, rings: 8 }), 'ball');
    const a = solver.meshColliders.add({ name: 'a', mesh, transform: { translation: [0.7, 0.3, 0.5], scale: 0.15 } });
    const b = solver.meshColliders.add({ name: 'b', mesh, transform: { translation: [0.4, 0.5, 0.6], scale: 0.15 } });
    const outside = solver.meshColliders.add({ name: 'far away', mesh, transform: { translation: [5, 5, 5], scale: 0.15 } });
    await solver.step();
    // one SDF for the two colliders of the same mesh and resolution
    expect(composer(solver).sdfFor(a)).toBe(composer(solver).sdfFor(b));
    expect(outside.effective).toBe(false);
    const both = await solid(solver);
    const inside = (s: { phi: Float32Array }, x: number[]) => s.phi[solver.grid.cellIndex(...(x.map((v) => Math.floor(v / 0.05)) as [number, number, number]))] < 0;
    expect([inside(both, [0.7, 0.3, 0.5]), inside(both, [0.4, 0.5, 0.6])]).toEqual([true, true]);
    // remove `a` while a step is in flight, then disable `b`
    const stepping = solver.step();
    a.remove();
    await stepping;
    b.enabled = false;
    await solver.step();
    const none = await solid(solver);
    expect(maxDiff(none.phi, without.phi).abs).toBe(0);
    expect(Array.from(none.id)).toEqual(Array.from(without.id));
    b.enabled = true;
    await solver.step();
    expect(inside(await solid(solver), [0.4, 0.5, 0.6])).toBe(true);
    expect(a.state).toBe('removed');
    expect(a.setTransform({ translation: [0.5, 0.5, 0.5] })).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('recomposes only in steps after something changed, and reads nothing back', async () => {
    const { solver } = await make();
    const c = solver.meshColliders.add({ name: 'rock', mesh: rock, transform: { translation: [0.6, 0.3, 0.45], scale: 0.12 } });
    await solver.step();
    const comp = composer(solver);
    let composed = 0;
    const original = comp.compose.bind(comp);
    comp.compose = (pass: GPUComputePassEncoder) => { composed++; original(pass); };
    const reads = readbackCount();
    await solver.step();
    await solver.step();
    expect(composed).toBe(0);
    c.setTransform({ translation: [0.62, 0.3, 0.45], scale: 0.12 });
    await solver.step();
    expect(composed).toBe(1);
    await solver.step();
    expect(composed).toBe(1);
    expect(readbackCount()).toBe(reads);
  });
});

describe('deformable (skinned) colliders', () => {
  it('rebuild their SDF from new positions, at most every revoxelizeEvery frames; bad positions keep the old shape', async () => {
    const { solver, warnings } = await make(false);
    const ball = sphereMesh({ segments: 16, rings: 8 });
    const c = solver.meshColliders.add({ name: 'blob', mesh: ball, transform: { translation: [0.5, 0.4, 0.45], scale: 0.1 }, revoxelizeEvery: 3 });
    const scaled = (k: number) => ball.positions.map((v) => v * k);
    // a cell centre 0.13 m from the centre: outside the 0.1 m ball, inside a 0.15 m one
    const probe = solver.grid.cellIndex(12, 7, 8);
    expect(Math.hypot(12.5 * 0.05 - 0.5, 7.5 * 0.05 - 0.4, 8.5 * 0.05 - 0.45)).toBeCloseTo(0.13, 2);
    const solidAtProbe = async () => (await solid(solver)).phi[probe] < 0;
    await solver.step();
    expect(await solidAtProbe()).toBe(false);
    expect(c.setPositions(scaled(1.5))).toBe(true);
    await solver.step(); // first deformation: rebuilt at once
    expect(await solidAtProbe()).toBe(true);
    expect(c.setPositions(scaled(1))).toBe(true);
    await solver.step(); // 1 frame since the rebuild
    expect(await solidAtProbe()).toBe(true);
    await solver.step(); // 2 frames
    expect(await solidAtProbe()).toBe(true);
    await solver.step(); // 3 frames: rebuilt from the latest positions
    expect(await solidAtProbe()).toBe(false);
    expect(c.setPositions(scaled(Number.NaN))).toBe(false);
    expect(warnings.at(-1)).toMatch(/"blob": positions\[0\] \(vertex 0\) is NaN.*positions ignored, the previous shape stays/);
    expect(c.setPositions(new Float32Array(9))).toBe(false);
    expect(warnings.at(-1)).toMatch(/"blob": setPositions needs \d+ numbers/);
    const rigid = solver.meshColliders.add({ name: 'rigid', mesh: ball, transform: { translation: [0.2, 0.4, 0.45], scale: 0.1 } });
    expect(rigid.setPositions(scaled(2))).toBe(false);
    expect(warnings.at(-1)).toMatch(/"rigid": setPositions needs a deformable collider/);
    await solver.step();
    expect(await solidAtProbe()).toBe(false);
  });
});

describe('bad input: refused with a warning naming the collider, the liquid carries on', () => {
  it('NaN positions, zero scale, too many triangles, bad indices, only degenerate triangles, bad options', async () => {
    const { solver, warnings } = await make();
    const quad = { positions: [0, 0, 0, 1, 0, 0, 1, 1, 0], indices: [0, 1, 2] };
    const many = new Uint32Array(3 * (MESH_COLLIDER_LIMITS.maxTriangles + 1)).map((_, i) => i % 3);
    const cases: [string, Parameters<typeof solver.meshColliders.add>[0], RegExp][] = [
      ['crate', { name: 'crate', mesh: { positions: [0, 0, 0, 1, Number.NaN, 0, 1, 1, 0], indices: [0, 1, 2] }, transform: { translation: [0.5, 0.5, 0.5] } },
        /"crate": positions\[4\] \(vertex 1\) is NaN; vertex positions must be finite/],
      ['flat', { name: 'flat', mesh: quad, transform: { translation: [0.5, 0.5, 0.5], scale: [1, 0, 1] } }, /"flat": transform\.scale\[1\] is 0; .*zero scale/],
      ['huge', { name: 'huge', mesh: { positions: [0, 0, 0, 1, 0, 0, 0, 1, 0], indices: many }, transform: { translation: [0.5, 0.5, 0.5] } },
        /"huge": has 131072 triangles; at most 131071/],
      ['indexed', { name: 'indexed', mesh: { positions: [0, 0, 0, 1, 0, 0, 0, 1, 0], indices: [0, 1, 3] }, transform: { translation: [0.5, 0.5, 0.5] } },
        /"indexed": indices\[2\] = 3 must be an integer in \[0, 2\]/],
      ['needle', { name: 'needle', mesh: { positions: [0, 0, 0, 1, 0, 0, 2, 0, 0], indices: [0, 1, 2, 0, 0, 1] }, transform: { translation: [0.5, 0.5, 0.5] } },
        /"needle": all 2 triangles are degenerate/],
      ['coarse', { name: 'coarse', mesh: quad, transform: { translation: [0.5, 0.5, 0.5] }, resolution: 3 }, /"coarse": resolution must be an integer in \[8, 256\]/],
      ['turned', { name: 'turned', mesh: quad, transform: { translation: [0.5, 0.5, 0.5], rotation: [0, 0, 0, 0] } }, /"turned": transform\.rotation has zero length/],
    ];
    for (const [name, options, message] of cases) {
      const c = solver.meshColliders.add(options);
      expect(c.state, name).toBe('refused');
      expect(c.problem, name).toMatch(message);
      expect(warnings.at(-1), name).toMatch(message);
      expect(warnings.at(-1), name).toMatch(/^latent-liquid: mesh collider .*collider refused; the liquid carries on without it\)$/);
    }
    expect(warnings.length).toBe(cases.length);
    solver.collectMetrics = true;
    await solver.step();
    const m = await solver.readMetrics();
    expect(m.repairedValues).toBe(0);
    expect(m.liquidCells).toBeGreaterThan(1000);
  });

  it('skips degenerate triangles and counts them; a later NaN transform leaves the collider out until a valid one', async () => {
    const { solver, warnings } = await make();
    const ball = sphereMesh({ segments: 16, rings: 8 });
    const withDegenerate = { positions: ball.positions, indices: Uint32Array.from([...ball.indices, 0, 0, 1, 2, 2, 2]) };
    const c = solver.meshColliders.add({ name: 'ball', mesh: withDegenerate, transform: { translation: [0.6, 0.3, 0.45], scale: 0.15 } });
    expect(c.mesh!.skippedTriangles).toBe(2);
    expect(c.mesh!.triangleCount).toBe(ball.indices.length / 3);
    await solver.step();
    const before = await solid(solver);
    expect(c.setTransform({ translation: [Number.NaN, 0.3, 0.45], scale: 0.15 })).toBe(false);
    expect(c.state).toBe('refused');
    expect(warnings.at(-1)).toMatch(/"ball": transform\.translation\[0\] is NaN/);
    await solver.step();
    expect(Array.from((await solid(solver)).phi).every((v) => v >= 0)).toBe(false); // the sphere obstacle is still there
    expect(Array.from((await solid(solver)).id).some((v) => v > solver.fields.shapeCapacity)).toBe(false);
    expect(c.setTransform({ translation: [0.6, 0.3, 0.45], scale: 0.15 })).toBe(true);
    expect(c.state).toBe('active');
    await solver.step();
    expect(maxDiff((await solid(solver)).phi, before.phi).abs).toBe(0);
  });
});
