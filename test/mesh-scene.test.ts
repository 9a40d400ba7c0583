// The scene JSON `mesh` obstacle: validation errors that name the field, the .obj loader (Node),
// inline meshes everywhere, and a solver built from such a scene (the mesh is solid from the
// first state on; an .obj that was not loaded is a clear error).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxMesh } from '../src/colliders/procedural-meshes';
import { loadSceneMeshes, parseObj } from '../src/node/obj-mesh';
import { scaleScene } from '../src/scene/presets';
import { randomScene } from '../src/scene/random-scene';
import { SceneValidationError, validateScene } from '../src/scene/scene-validation';
import { LiquidSolver } from '../src/solver/liquid-solver';
import { cli, ensureBuilt } from './helpers/cli';
import { testGpu } from './helpers/gpu';

const base = { resolution: [16, 12, 16], cellSize: 0.05, liquid: [{ type: 'box', min: [0, 0, 0], max: [0.8, 0.2, 0.8] }] };
const cube = boxMesh({ halfExtents: [0.1, 0.1, 0.1] });
const inline = { type: 'mesh', positions: Array.from(cube.positions), indices: Array.from(cube.indices), position: [0.4, 0.3, 0.4], name: 'crate' };

function problems(input: unknown): string[] {
  try {
    validateScene(input);
  } catch (e) {
    expect(e).toBeInstanceOf(SceneValidationError);
    return (e as SceneValidationError).problems;
  }
  throw new Error('expected the scene to be rejected');
}

describe('the mesh obstacle in scene JSON', () => {
  it('accepts inline positions and indices, or an .obj path, with a transform', () => {
    const s = validateScene({ ...base, obstacles: [{ ...inline, rotation: [0, 30, 0], scale: [1, 2, 1], velocity: [0, 0, 0.5], angularVelocity: [0, 1, 0], animate: true, resolution: 24, thickness: 0 }] });
    expect(s.obstacles[0]).toMatchObject({ type: 'mesh', name: 'crate', position: [0.4, 0.3, 0.4], scale: [1, 2, 1], animate: true, resolution: 24 });
    expect(validateScene({ ...base, obstacles: [{ type: 'mesh', obj: 'meshes/rock.obj', scale: 0.5 }] }).obstacles[0]).toEqual({ type: 'mesh', obj: 'meshes/rock.obj', scale: 0.5 });
  });

  it('names the field that is wrong and the allowed range', () => {
    expect(problems({ ...base, obstacles: [{ type: 'mesh' }] })).toEqual(['obstacles[0] needs "obj" (an .obj file) or "positions" and "indices"']);
    expect(problems({ ...base, obstacles: [{ type: 'mesh', obj: 'rock.stl' }] })).toEqual(['obstacles[0].obj must be the path of an .obj file (relative to the scene file) (got "rock.stl")']);
    expect(problems({ ...base, obstacles: [{ ...inline, positions: [0, 0, 0, 1, 0] }] })[0]).toMatch(/^obstacles\[0\]\.positions must be an array of x, y, z numbers/);
    expect(problems({ ...base, obstacles: [{ ...inline, positions: [0, 0, 0, 1, 'x', 0, 1, 1, 0] }] })).toEqual(['obstacles[0].positions[4] must be a finite number (got "x")']);
    expect(problems({ ...base, obstacles: [{ ...inline, indices: [0, 1, 99] }] })).toEqual([`obstacles[0].indices[2] must be an integer in [0, ${cube.positions.length / 3 - 1}] (the mesh has ${cube.positions.length / 3} vertices) (got 99)`]);
    expect(problems({ ...base, obstacles: [{ ...inline, scale: [1, 0, 1] }] })).toEqual(['obstacles[0].scale[1] must be a number with 0.000001 <= |scale| <= 1e6 (zero scale is not allowed) (got 0)']);
    expect(problems({ ...base, obstacles: [{ ...inline, resolution: 4 }] })).toEqual(['obstacles[0].resolution must be an integer in [8, 256] (got 4)']);
    expect(problems({ ...base, obstacles: [{ ...inline, spin: 1 }] })[0]).toMatch(/^obstacles\[0\]\.spin is not a known field \(known: type, obj, positions, indices, position, rotation, scale/);
    expect(problems({ ...base, obstacles: [{ type: 'cone' }] })).toEqual(['obstacles[0].type must be "box", "sphere" or "mesh" (got "cone")']);
    expect(problems({ ...base, liquid: [inline] })).toEqual(['liquid[0].type "mesh" is allowed in obstacles only; here it must be "box" or "sphere" (got "mesh")']);
  });

  it('scaleScene scales a mesh obstacle\'s position and scale', () => {
    const s = scaleScene(validateScene({ ...base, obstacles: [{ ...inline, scale: [1, 2, 1] }] }), 2);
    expect(s.obstacles[0]).toMatchObject({ position: [0.8, 0.6, 0.8], scale: [2, 4, 2] });
  });
});

describe('random scenes with mesh obstacles (dataset --mesh-obstacles)', () => {
  it('turn about half the obstacles into rock meshes of their size and place, the rest of the scene unchanged', () => {
    let meshes = 0, obstacles = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const plain = randomScene(seed, 16).scene;
      const rocky = randomScene(seed, 16, { meshObstacles: true }).scene;
      expect({ ...rocky, obstacles: [] }).toEqual({ ...plain, obstacles: [] });
      expect(rocky.obstacles.length).toBe(plain.obstacles.length);
      rocky.obstacles.forEach((o, i) => {
        obstacles++;
        if (o.type !== 'mesh') { expect(o).toEqual(plain.obstacles[i]); return; }
        meshes++;
        const p = plain.obstacles[i];
        expect(o.position).toEqual(p.type === 'sphere' ? p.center : [0, 1, 2].map((a) => p.type === 'box' ? (p.min[a] + p.max[a]) / 2 : NaN));
        expect(o.positions!.length).toBeGreaterThan(0);
      });
    }
    expect(meshes).toBeGreaterThan(0.3 * obstacles);
    expect(meshes).toBeLessThan(0.7 * obstacles);
  });
});

describe('the .obj loader (Node)', () => {
  it('reads vertices and faces (v, v/t, v//n, v/t/n, negative indices), polygons as fans', () => {
    const text = `# a unit square and a triangle\nmtllib x.mtl\no thing\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvn 0 0 1\nvt 0 0\ns off\nf 1/1/1 2/1/1 3/1/1 4/1/1\nf -4//1 -2//1 -1//1\n`;
    expect(parseObj(text)).toEqual({ positions: [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0], indices: [0, 1, 2, 0, 2, 3, 0, 2, 3] });
  });

  it('names the file and line of what it cannot read', () => {
    expect(() => parseObj('v 0 0\nf 1 2 3\n', 'a.obj')).toThrow(/^a\.obj line 1: a vertex needs three finite numbers \(got "v 0 0"\)$/);
    expect(() => parseObj('v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 4\n', 'b.obj')).toThrow(/^b\.obj line 4: face index "4" must be 1\.\.3 or -1\.\.-3/);
    expect(() => parseObj('v 0 0 0\n', 'c.obj')).toThrow(/^c\.obj: no faces/);
  });

  it('loadSceneMeshes reads each mesh obstacle\'s .obj relative to the scene file; a missing file names the obstacle', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-scene-'));
    writeFileSync(join(dir, 'tri.obj'), 'v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n');
    const scene = validateScene({ ...base, obstacles: [{ type: 'sphere', center: [0.2, 0.2, 0.2], radius: 0.1 }, { type: 'mesh', obj: 'tri.obj', thickness: 0.05 }] });
    const loaded = loadSceneMeshes(scene, dir);
    expect(loaded.obstacles[1]).toMatchObject({ obj: 'tri.obj', positions: [0, 0, 0, 1, 0, 0, 0, 1, 0], indices: [0, 1, 2] });
    const missing = validateScene({ ...base, obstacles: [{ type: 'mesh', obj: 'nope.obj' }] });
    expect(() => loadSceneMeshes(missing, dir)).toThrow(/obstacles\[0\]\.obj: cannot read .*nope\.obj/);
  });
});

describe('a solver from a scene with mesh obstacles', () => {
  let device: GPUDevice;
  const solvers: LiquidSolver[] = [];
  beforeAll(async () => { device = (await testGpu()).device; });
  afterAll(() => { for (const s of solvers) s.destroy(); });

  it('makes an inline mesh solid from the first state on (the initial liquid leaves it out)', async () => {
    const solver = await LiquidSolver.create(device, validateScene({ ...base, obstacles: [{ ...inline, position: [0.4, 0.15, 0.4] }] }));
    solvers.push(solver);
    expect(solver.meshColliders.colliders.map((c) => [c.name, c.state])).toEqual([['crate', 'active']]);
    const [solid, phi] = await Promise.all([solver.readField('solid'), solver.readField('levelset')]);
    const at = solver.grid.cellIndex(8, 3, 8);
    expect(solid[at]).toBeLessThan(-0.05);
    expect(phi[at]).toBeGreaterThan(0); // no liquid in the solid
    expect(solid[solver.grid.cellIndex(2, 3, 2)]).toBeGreaterThan(0);
  });

  it('an animated mesh moves and turns by its velocities every step; a still one only imposes them', async () => {
    const solver = await LiquidSolver.create(device, validateScene({ ...base, obstacles: [
      { ...inline, name: 'wheel', position: [0.4, 0.3, 0.4], velocity: [0.1, 0, 0], angularVelocity: [0, 2, 0], animate: true },
      { ...inline, name: 'belt', position: [0.2, 0.3, 0.2], velocity: [0.3, 0, 0] },
    ] }));
    solvers.push(solver);
    for (let f = 0; f < 3; f++) await solver.step();
    const [wheel, belt] = solver.meshColliders.colliders;
    // the third step starts at t = 2 frames
    const t = 2 * solver.scene.timeStep.frame;
    expect(wheel.transform!.translation[0]).toBeCloseTo(0.4 + 0.1 * t, 6);
    expect(wheel.transform!.rotation[1]).toBeCloseTo(Math.sin(t), 5); // 2 rad/s: a half-angle of t
    expect(wheel.motion).toEqual({ center: wheel.transform!.translation, linearVelocity: [0.1, 0, 0], angularVelocity: [0, 2, 0] });
    expect(belt.transform!.translation).toEqual([0.2, 0.3, 0.2]);
    expect(belt.motion.linearVelocity).toEqual([0.3, 0, 0]);
  });

  it('an .obj mesh that was not loaded is an error naming the obstacle and how to load it', async () => {
    const scene = validateScene({ ...base, obstacles: [{ type: 'mesh', obj: 'rock.obj' }] });
    await expect(LiquidSolver.create(device, scene)).rejects.toThrow(/obstacles\[0\]: mesh "rock\.obj \(obstacles\[0\]\)" names the \.obj file 'rock\.obj' but holds no positions and indices: load it first \(Node: loadSceneMeshes/);
  });
});

describe('latent-liquid simulate with a mesh obstacle from an .obj file', () => {
  it('loads the .obj relative to the scene file and simulates; a missing file is a clear error, exit 1', () => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'mesh-cli-'));
    const obj = ['v -1 -1 -1', 'v 1 -1 -1', 'v 1 1 -1', 'v -1 1 -1', 'v -1 -1 1', 'v 1 -1 1', 'v 1 1 1', 'v -1 1 1',
      'f 1 4 3 2', 'f 5 6 7 8', 'f 1 2 6 5', 'f 2 3 7 6', 'f 3 4 8 7', 'f 4 1 5 8'].join('\n');
    writeFileSync(join(dir, 'cube.obj'), obj);
    const scene = { ...base, name: 'obj-scene', obstacles: [{ type: 'mesh', obj: 'cube.obj', position: [0.4, 0.15, 0.4], scale: 0.1, name: 'cube' }] };
    writeFileSync(join(dir, 'scene.json'), JSON.stringify(scene));
    const metrics = join(dir, 'm.jsonl');
    const r = cli(['simulate', join(dir, 'scene.json'), '--frames', '3', '--metrics', metrics, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(3);
    expect(Math.abs(lines[2].volumeDrift)).toBeLessThan(0.01);
    writeFileSync(join(dir, 'missing.json'), JSON.stringify({ ...scene, obstacles: [{ type: 'mesh', obj: 'nope.obj' }] }));
    const bad = cli(['simulate', join(dir, 'missing.json'), '--frames', '1', '--quiet']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^latent-liquid simulate: invalid scene:\n {2}- obstacles\[0\]\.obj: cannot read .*nope\.obj/m);
  }, 600_000);
});
