// The debug views' legends (plugin/render/debug-colors.ts) use the colour maps of the
// liquid's fragment shader.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEBUG_COLORS, levelSetColor, pressureColor } from '../plugin/render/debug-colors';

const ROOT = join(__dirname, '..');

describe('debug view legends', () => {
  it('use the colours of the shader\'s colour maps', () => {
    const shader = ['shaders/render-liquid-fs.wgsl', 'shaders/render/render-liquid-fs.wgsl'].map((p) => join(ROOT, p)).find((p) => existsSync(p));
    expect(shader, 'render-liquid-fs.wgsl').toBeDefined();
    const wgsl = readFileSync(shader!, 'utf8');
    const vec = (text: string) => text.split(',').map(Number);
    const stops = [...wgsl.matchAll(/let c(\d) = vec3f\(([^)]*)\);/g)].map((m) => vec(m[2]));
    expect(stops).toHaveLength(6);
    expect(stops).toEqual(DEBUG_COLORS.pressureStops.map((c) => [...c]));
    const body = wgsl.slice(wgsl.indexOf('fn debugSliceColor'));
    expect(body).toContain(`select(vec3f(${DEBUG_COLORS.pressureAir.join(', ')}), colorMap(x), phi < 0.0)`);
    const f = (c: readonly number[]) => c.map((v) => (Number.isInteger(v) ? v.toFixed(1) : String(v))).join(', ');
    expect(body).toContain(`mix(vec3f(${f(DEBUG_COLORS.levelSetZero)}), vec3f(${f(DEBUG_COLORS.levelSetOutside)}), x)`);
    expect(body).toContain(`mix(vec3f(${f(DEBUG_COLORS.levelSetZero)}), vec3f(${f(DEBUG_COLORS.levelSetInside)}), -x)`);
    // the maps as the legend samples them
    expect(pressureColor(0)).toEqual([...DEBUG_COLORS.pressureStops[0]]);
    expect(pressureColor(0.1).map((v) => +v.toFixed(4))).toEqual([0.175, 0.27, 0.58]);
    levelSetColor(-8, 4).forEach((v, k) => expect(v).toBeCloseTo(DEBUG_COLORS.levelSetInside[k], 9));
    levelSetColor(2, 4).forEach((v, k) => expect(v).toBeCloseTo((DEBUG_COLORS.levelSetZero[k] + DEBUG_COLORS.levelSetOutside[k]) / 2, 9));
  });
});

