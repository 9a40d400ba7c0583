// The WGSL struct packer: offsets by WGSL's alignment rules, values by member name, and errors
// that name the member. Hand-computed layouts from the spec's "Alignment and Size" table.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WgslStructLayout } from '../src/gpu/wgsl-struct';

const SOURCE = `
// a comment with struct Fake { x: f32 }
struct Inner { a: f32, b: vec2<f32> };
struct Params {
  dims: vec3<u32>,   // offset 0, align 16
  count: u32,        // 12
  gravity: vec3f,    // 16
  dt: f32,           // 28
  offset: vec2<i32>, // 32
  weights: array<vec4<f32>, 2>, // 48 (align 16), 32 bytes
  m: mat3x3<f32>,    // 80, columns of 16 bytes
  inner: Inner,      // 128 (align 8): a at 128, b at 136
  _pad0: u32,        // 144
};
`;

describe('WgslStructLayout', () => {
  const layout = WgslStructLayout.parse(SOURCE, 'Params');

  it('computes WGSL offsets and the struct size', () => {
    const offsets = Object.fromEntries(layout.members.map((m) => [m.name, m.offset]));
    expect(offsets).toEqual({ dims: 0, count: 12, gravity: 16, dt: 28, offset: 32, weights: 48, m: 80, inner: 128, _pad0: 144 });
    expect(layout.size).toBe(160); // 148 rounded to the struct's alignment of 16
    expect(layout.member('inner').struct?.size).toBe(16);
  });

  it('packs values by name with their scalar types', () => {
    const buf = layout.pack({
      dims: [3, 4, 5], count: 60, gravity: [0, -9.5, 0.25], dt: 0.125, offset: [-2, 7],
      weights: [1, 2, 3, 4, 5, 6, 7, 8], m: [1, 2, 3, 4, 5, 6, 7, 8, 9], inner: { a: 1.5, b: [2.5, 3.5] },
    });
    const u = new Uint32Array(buf);
    const f = new Float32Array(buf);
    const i = new Int32Array(buf);
    expect([u[0], u[1], u[2], u[3]]).toEqual([3, 4, 5, 60]);
    expect([f[4], f[5], f[6], f[7]]).toEqual([0, -9.5, 0.25, 0.125]);
    expect([i[8], i[9]]).toEqual([-2, 7]);
    expect(Array.from(f.slice(12, 20))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // mat3x3: three columns of vec3 padded to 16 bytes
    expect(Array.from(f.slice(20, 32))).toEqual([1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0]);
    expect([f[32], f[34], f[35]]).toEqual([1.5, 2.5, 3.5]);
    expect(u[36]).toBe(0);
    expect(layout.unpack(buf).dt).toBe(0.125);
  });

  it('names the member that is missing, unknown, of the wrong length or out of range', () => {
    const ok = {
      dims: [1, 1, 1], count: 1, gravity: [0, 0, 0], dt: 0, offset: [0, 0], weights: [], m: [0, 0, 0, 0, 0, 0, 0, 0, 0], inner: { a: 0, b: [0, 0] },
    };
    expect(() => layout.pack(ok)).not.toThrow();
    const { dt: _dt, ...noDt } = ok;
    expect(() => layout.pack(noDt)).toThrow(/Params\.dt: no value given/);
    expect(() => layout.pack({ ...ok, speed: 1 })).toThrow(/no member 'speed'/);
    expect(() => layout.pack({ ...ok, gravity: [0, 0] })).toThrow(/Params\.gravity: expected 3 values/);
    expect(() => layout.pack({ ...ok, count: -1 })).toThrow(/Params\.count: u32 out of range/);
    expect(() => layout.pack({ ...ok, count: 1.5 })).toThrow(/Params\.count: u32 needs an integer/);
    expect(() => layout.pack({ ...ok, inner: { a: 0 } })).toThrow(/Params\.inner\.b: no value given/);
    expect(() => WgslStructLayout.parse(SOURCE, 'Missing')).toThrow(/Missing is not declared/);
    expect(() => WgslStructLayout.parse('struct S { a: array<f32> };', 'S')).toThrow(/runtime-sized/);
  });

  it('packs arrays of structs with the element stride', () => {
    const inner = WgslStructLayout.parse(SOURCE, 'Inner');
    const buf = inner.packArray([{ a: 1, b: [2, 3] }, { a: 4, b: [5, 6] }]);
    expect(inner.stride).toBe(16);
    expect(Array.from(new Float32Array(buf))).toEqual([1, 0, 2, 3, 4, 0, 5, 6]);
  });
});

describe('WgslStructLayout: what the kernels\' structs need', () => {
  const source = `
const LEVELS: u32 = 3u;
const OTHER = 2;
struct Level { dims: vec3<u32>, cells: u32, offset: u32 };
struct Cycle { count: u32, omega: f32, levels: array<Level, LEVELS>, tail: array<vec4<u32>, OTHER> };
struct Counters { a: atomic<u32>, b: atomic<i32>, c: u32 };
`;

  it('sizes an array by a const of the source', () => {
    const cycle = WgslStructLayout.parse(source, 'Cycle');
    // Level: 20 bytes, align 16 -> stride 32; levels at 16 (align 16), 3 of them; tail at 112.
    expect(cycle.member('levels').arrayLength).toBe(3);
    expect(cycle.offsetOf('levels')).toBe(16);
    expect(cycle.offsetOf('tail')).toBe(112);
    expect(cycle.size).toBe(144);
    const buf = cycle.pack({ count: 2, omega: 0.5, levels: [{ dims: [4, 5, 6], cells: 120, offset: 7 }, { dims: [2, 3, 3], cells: 18, offset: 9 }], tail: [1, 2, 3, 4] });
    const u = new Uint32Array(buf);
    expect([u[0], new Float32Array(buf)[1]]).toEqual([2, 0.5]);
    expect(Array.from(u.slice(4, 9))).toEqual([4, 5, 6, 120, 7]);
    expect(Array.from(u.slice(12, 17))).toEqual([2, 3, 3, 18, 9]);
    expect(Array.from(u.slice(20, 25))).toEqual([0, 0, 0, 0, 0]); // the third level left zero
    expect(Array.from(u.slice(28, 32))).toEqual([1, 2, 3, 4]);
    expect(() => WgslStructLayout.parse('struct S { a: array<f32, NOPE> };', 'S')).toThrow(/S\.a: array length 'NOPE' is neither a number nor a const/);
  });

  it('lays atomics out as their scalars and reads one scalar member by name', () => {
    const counters = WgslStructLayout.parse(source, 'Counters');
    expect(counters.members.map((m) => [m.name, m.offset, m.scalar])).toEqual([['a', 0, 'u32'], ['b', 4, 'i32'], ['c', 8, 'u32']]);
    const buf = counters.pack({ a: 7, b: -3, c: 11 });
    expect([counters.scalar(buf, 'a'), counters.scalar(buf, 'b'), counters.scalar(buf, 'c')]).toEqual([7, -3, 11]);
    const shifted = new ArrayBuffer(32);
    counters.pack({ a: 1, b: 2, c: 3 }, shifted, 16);
    expect(counters.scalar(shifted, 'c', 16)).toBe(3);
    expect(() => WgslStructLayout.parse(source, 'Cycle').scalar(new ArrayBuffer(144), 'levels')).toThrow(/Cycle\.levels is a Level array, not a scalar/);
  });

  it('packs an array of structs from a byte offset', () => {
    const level = WgslStructLayout.parse(source, 'Level');
    const buf = level.packArray([{ dims: [1, 2, 3], cells: 6, offset: 0 }], new ArrayBuffer(64), 32);
    expect(Array.from(new Uint32Array(buf).slice(8, 12))).toEqual([1, 2, 3, 6]);
    expect(() => level.packArray([{ dims: [1, 2, 3], cells: 6, offset: 0 }], new ArrayBuffer(64), 48)).toThrow(/needs 32 bytes at offset 48/);
  });
});

/**
 * Places in a source file that pack a GPU struct by position instead of by member name: a
 * literal index or offset into a typed array (`u[3] = n`, `u.set(dims, 4)`, `out.set(q, o + 8)`,
 * `new Int32Array(data, 8, 2)`), a literal byte offset into a GPU buffer
 * (`writeBuffer(params, 28, ...)`), or a buffer written from an inline list of numbers
 * (`writeBuffer(params, 0, Uint32Array.of(nx, ny, nz, s))`). Each hit is `line: text`.
 */
function positionalPacking(source: string): string[] {
  const patterns = [
    /\b[A-Za-z_$][\w$]*\[\d+\]\s*(?:[-+*/|&^]|<<|>>>?)?=(?!=)/, // u[3] = ..., f[4] += ...
    /\.set\((?:[^()]|\([^()]*\))*,\s*(?:[\w$.]+\s*\+\s*)?\d+\s*\)/, // u.set(values, 8), out.set(rotation, o + 8)
    // a view at a literal byte offset, or at 0 with a literal length (not a whole-struct view to clear)
    /\bnew\s+(?:Float32|Uint32|Int32|Uint16|Int16|Uint8|Int8|Float64)Array\(\s*[\w$.]+\s*,\s*(?:[1-9]\d*|0\s*,\s*\d+)/,
    /\bwriteBuffer\([^,]+,\s*(?:0x[\da-f]+|[1-9]\d*)\s*,/i, // a literal byte offset into a GPU buffer
    /\bwriteBuffer\(.*(?:Array\.of\(|Array\(\s*\[)/, // a GPU buffer written from an inline list
  ];
  const hits: string[] = [];
  source.split('\n').forEach((text, i) => {
    const code = text.replace(/\/\/.*$/, '');
    if (patterns.some((p) => p.test(code))) hits.push(`${i + 1}: ${text.trim()}`);
  });
  return hits;
}

describe('GPU structs are packed by member name (src/gpu/wgsl-struct.ts) everywhere in src/', () => {
  const ROOT = resolve(__dirname, '..');
  // Not GPU structs: file headers (.npy, .png), and the CPU references' plain arrays.
  const NOT_GPU = ['src/node/npy.ts', 'src/node/png.ts', 'src/reference/'];
  const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });

  it('the check catches the ways a struct used to be packed by position', () => {
    // As the Jacobi solver, the latent predictor, the shapes and the upsampler wrote them before the packer.
    const before = [
      'u[2] = solve.maxIterations;',
      'f[4] = solve.tolerance;',
      'u.set(workgroups3d(this.solver.grid.dims), 8);',
      'out.set(s.rotation, o + 8);',
      "new Int32Array(data, 8, 2).set([spec.inputChannels.indexOf('levelset'), spec.inputChannels.indexOf('solid')]);",
      'new Float32Array(data, 0, 2).set([spec.residualScale, levelSetClamp]);',
      'this.device.queue.writeBuffer(this.buffers.params, 28, new Float32Array([t]));',
      'device.queue.writeBuffer(this.params, 0, Uint32Array.of(coarseDims[0], coarseDims[1], coarseDims[2], factor));',
    ];
    for (const line of before) expect(positionalPacking(line), line).toHaveLength(1);
    // ... and not what packs by name, nor data arrays indexed by variables.
    const after = [
      'this.device.queue.writeBuffer(this.fields.solveControl, 0, SOLVE_CONTROL_LAYOUT.pack(control));',
      'out[c + 1] = 0.5 * (faces[a] + faces[b]);',
      'scalars.set(data, at[name]);',
      'new Uint8Array(out, 0, FORCE_FIELD_LIST_LAYOUT.size).fill(0);',
      'if (a[0] === b[0]) return;',
    ];
    for (const line of after) expect(positionalPacking(line), line).toEqual([]);
  });

  it('no file in src/ packs a struct by position', () => {
    const all = files(join(ROOT, 'src')).map((f) => relative(ROOT, f));
    const checked = all.filter((f) => f !== 'src/gpu/wgsl-struct.ts' && !NOT_GPU.some((n) => f.startsWith(n)));
    expect(checked.length).toBeGreaterThan(50);
    const found = checked.flatMap((f) => positionalPacking(readFileSync(join(ROOT, f), 'utf8')).map((hit) => `${f}:${hit}`));
    expect(found).toEqual([]);
  });
});
