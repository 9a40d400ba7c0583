// The WGSL struct packer: offsets by WGSL's alignment rules, values by member name, and errors
// that name the member. Hand-computed layouts from the spec's "Alignment and Size" table.
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
