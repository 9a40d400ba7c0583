// LiquidStats says which of its numbers are GPU-timed (no GPU needed: the numbers are given).
import { describe, expect, it } from 'vitest';
import { LiquidStats } from '../plugin/liquid-stats';
import type { FrameMetrics } from '../src/solver/liquid-solver';

function metrics(timingSource: FrameMetrics['timingSource'], ms: Record<string, number>): FrameMetrics {
  return {
    frame: 3, t: 0.05, volume: 0.25, targetVolume: 0.25, volumeDrift: 0, maxSpeed: 1, divergenceL2: 0.1, divergenceLinf: 0.5,
    pressureIterations: 100, mode: 'solve', substeps: 1, liquidCells: 1000, kineticEnergy: 1, repairedValues: 0, ms, timingSource,
  };
}

describe('LiquidStats timing', () => {
  it('without collectStats: CPU submit time, named so, and no GPU time', () => {
    const s = new LiquidStats();
    s.pushLight(1, 1 / 60, 'solve', 2.5);
    expect(s).toMatchObject({ timingSource: 'cpu-submit', frameMs: 2.5, cpuSubmitMs: 2.5 });
    expect(s.gpuMs).toBeNaN();
  });

  it('with GPU timestamps: frameMs and gpuMs are the sum of the passes, CPU submit time kept apart', () => {
    const s = new LiquidStats();
    s.push(metrics('gpu-timestamps', { advect: 1.5, pressure: 4 }), 30, 2);
    expect(s).toMatchObject({ timingSource: 'gpu-timestamps', frameMs: 5.5, gpuMs: 5.5, cpuSubmitMs: 2 });
  });

  it('without timestamp queries: wall clock until the read-back, no GPU time', () => {
    const s = new LiquidStats();
    s.push(metrics('wall-clock', { frame: 3 }), 30, 2);
    expect(s).toMatchObject({ timingSource: 'wall-clock', frameMs: 30, cpuSubmitMs: 2 });
    expect(s.gpuMs).toBeNaN();
  });
});
