// The renderer benchmark (`npm run bench -- --renderer`) end to end at a size SwiftShader can run:
// its page built and served, headless Chromium, a 16^3 dam break stepped 2 frames then paused,
// drawn on a 160x120 canvas with foam off and on, 2 frames measured each. Checks the JSON's shape
// and that the times are positive and finite; the times themselves are not asserted (SwiftShader
// on a shared CPU says nothing about a GPU). The option errors: test/cli-usage.test.ts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main as bench } from '../src/cli/bench-main';
import type { RenderBenchResult } from '../src/cli/render-bench-command';
import { runMain } from './helpers/cli';

describe('npm run bench -- --renderer', () => {
  it('writes one row per size, resolution and foam state, each a positive finite median of its frames', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'render-bench-test-'));
    try {
      const json = join(dir, 'render.json');
      const r = await runMain(bench, ['--renderer', '--gpu', 'swiftshader', '--res', '16', '--sizes', '160x120', '--foam', '--frames', '2', '--warmup', '1', '--sim-frames', '2', '--json', json]);
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(readFileSync(json, 'utf8')) as RenderBenchResult;
      console.info(`renderer bench rows (SwiftShader, 160x120, 16^3): ${result.rows.map((x) => `foam ${x.foam ? 'on' : 'off'} ${x.ms.toFixed(2)} ms ${x.timing}`).join('; ')}`);
      expect(result.tool).toBe('latent-liquid bench --renderer');
      expect(result.adapter).toMatch(/swiftshader/i);
      expect(result.options).toMatchObject({ resolutions: [16], sizes: [{ width: 160, height: 120 }], foam: true, frames: 2, warmup: 1, simFrames: 2, gpu: 'swiftshader' });
      expect(result.rows.map((x) => [x.resolution, x.width, x.height, x.foam])).toEqual([[16, 160, 120, false], [16, 160, 120, true]]);
      for (const row of result.rows) {
        expect(['gpu-timestamp', 'frame-wall']).toContain(row.timing);
        expect(row.adapter).toBe(result.adapter);
        expect(row.samples).toHaveLength(2);
        for (const ms of [row.ms, ...row.samples]) {
          expect(Number.isFinite(ms)).toBe(true);
          expect(ms).toBeGreaterThan(0);
        }
        expect(row.ms).toBe((row.samples[0] + row.samples[1]) / 2);
        if (row.timing === 'gpu-timestamp') expect(Object.keys(row.passes ?? {}).length).toBeGreaterThan(0);
        else expect(row.passes).toBeUndefined();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
