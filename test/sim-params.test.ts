// packSimParams against the WGSL struct it fills: every member of `SimParams` in
// shaders/solver/common.wgsl is written by name (the packer refuses a missing one) with its value,
// and the derived members (cellCount, invCellSize) are right.
import { describe, expect, it } from 'vitest';
import { packSimParams, SIM_PARAMS_BYTES, SIM_PARAMS_LAYOUT, type SimParams } from '../src/solver/sim-params';

describe('SimParams', () => {
  const p: SimParams = {
    dims: [5, 6, 7], gravity: [0.5, -9.75, 0.25], dt: 0.0125, cellSize: 0.125, density: 998, time: 3.5, bandWidth: 0.375,
    jacobiOmega: 0.625, thetaMin: 0.0625, obstacleCount: 3, emitterCount: 4, sinkCount: 2, frame: 77, extrapolationLayers: 5, liquidShapeCount: 9,
  };
  const buffer = packSimParams(p);

  it('SIM_PARAMS_BYTES is the struct size WGSL gives it', () => {
    expect(SIM_PARAMS_LAYOUT.members.length).toBeGreaterThan(15);
    // dims vec3 + cellCount, gravity vec3 + dt, then 14 four-byte scalars: 24 words, 16-byte aligned
    expect(SIM_PARAMS_BYTES).toBe(96);
    expect(buffer.byteLength).toBe(96);
  });

  it('every struct member holds its value; the derived ones are computed', () => {
    const got = SIM_PARAMS_LAYOUT.unpack(buffer);
    const expected: Record<string, number | number[]> = { ...p, cellCount: 5 * 6 * 7, invCellSize: 8, _pad0: 0 };
    for (const m of SIM_PARAMS_LAYOUT.members) {
      const want = expected[m.name];
      expect(want, `a value for ${m.name}`).toBeDefined();
      expect(got[m.name], m.name).toEqual(Array.isArray(want) ? want.map(Math.fround) : Math.fround(want as number));
    }
  });
});
