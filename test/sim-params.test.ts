// packSimParams against the WGSL struct it mirrors: the layout of `SimParams` in
// shaders/solver/common.wgsl is computed from its declaration with WGSL's alignment rules, and every
// field must sit where packSimParams writes it, with its value and type.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packSimParams, SIM_PARAMS_BYTES, type SimParams } from '../src/solver/sim-params';

const ROOT = resolve(__dirname, '..');

/** Size and alignment of the WGSL types SimParams uses (WGSL spec, "Alignment and Size"). */
const LAYOUT: Record<string, { size: number; align: number; scalar: 'u32' | 'f32' }> = {
  u32: { size: 4, align: 4, scalar: 'u32' },
  f32: { size: 4, align: 4, scalar: 'f32' },
  'vec3<u32>': { size: 12, align: 16, scalar: 'u32' },
  'vec3<f32>': { size: 12, align: 16, scalar: 'f32' },
};

/** The members of a WGSL struct with their byte offsets, and the struct's size. */
function structLayout(source: string, name: string) {
  const body = new RegExp(`struct\\s+${name}\\s*\\{([^}]*)\\}`).exec(source)?.[1];
  if (!body) throw new Error(`struct ${name} not found`);
  const members: { name: string; type: string; offset: number; components: number; scalar: 'u32' | 'f32' }[] = [];
  let offset = 0, align = 1;
  for (const m of body.replace(/\/\/[^\n]*/g, '').matchAll(/(\w+)\s*:\s*([\w<>]+)\s*,?/g)) {
    const t = LAYOUT[m[2]];
    if (!t) throw new Error(`no layout for ${m[2]}`);
    offset = Math.ceil(offset / t.align) * t.align;
    members.push({ name: m[1], type: m[2], offset, components: t.size / 4, scalar: t.scalar });
    offset += t.size;
    align = Math.max(align, t.align);
  }
  return { members, size: Math.ceil(offset / align) * align };
}

describe('SimParams', () => {
  const layout = structLayout(readFileSync(join(ROOT, 'shaders/solver/common.wgsl'), 'utf8'), 'SimParams');
  const p: SimParams = {
    dims: [5, 6, 7], gravity: [0.5, -9.75, 0.25], dt: 0.0125, cellSize: 0.125, density: 998, time: 3.5, bandWidth: 0.375,
    jacobiOmega: 0.625, thetaMin: 0.0625, obstacleCount: 3, emitterCount: 4, sinkCount: 2, frame: 77, extrapolationLayers: 5, liquidShapeCount: 9,
  };
  const derived: Record<string, number[]> = { cellCount: [5 * 6 * 7], invCellSize: [8], _pad0: [0] };
  const buffer = packSimParams(p);
  const u = new Uint32Array(buffer);
  const f = new Float32Array(buffer);

  it('SIM_PARAMS_BYTES is the struct size WGSL gives it', () => {
    expect(layout.members.length).toBeGreaterThan(15);
    expect(SIM_PARAMS_BYTES).toBe(layout.size);
    expect(buffer.byteLength).toBe(layout.size);
  });

  it('every struct member is written at its WGSL offset with its value and type', () => {
    const fields = p as unknown as Record<string, number | number[]>;
    let checked = 0;
    for (const m of layout.members) {
      const value = derived[m.name] ?? ([] as number[]).concat(fields[m.name]);
      expect(value, `packSimParams input for ${m.name}`).toHaveLength(m.components);
      for (let c = 0; c < m.components; c++) {
        const word = m.offset / 4 + c;
        const got = m.scalar === 'u32' ? u[word] : f[word];
        expect(got, `${m.name}[${c}] at byte ${4 * word}`).toBe(Math.fround(value[c]));
        checked++;
      }
    }
    // dims 3 + cellCount 1 + gravity 3 + 15 scalars: every word of the 96 bytes but none of the padding
    expect(checked).toBe(22);
  });
});
