// The real-time clock of the liquidVolume component (timeMode 'realtime'): whole simulation
// frames that follow the rendered frames' time, capped so a slow GPU runs in slow motion
// instead of falling ever further behind.
import { describe, expect, it } from 'vitest';
import { MAX_REALTIME_FRAMES, realtimeFrames } from '../plugin/liquid-stepper';

const F = 1 / 60;

describe('realtimeFrames', () => {
  it('a 144 Hz display steps on about every 2.4th rendered frame; a 30 Hz one takes 2 frames a time', () => {
    let owed = 0;
    let frames = 0;
    for (let i = 0; i < 144; i++) {
      const r = realtimeFrames(owed + 1 / 144, F);
      frames += r.frames;
      owed = r.owed;
    }
    expect(frames).toBe(60);
    const slow = realtimeFrames(1 / 30, F);
    expect(slow.frames).toBe(2);
    expect(slow.owed).toBeCloseTo(0, 9);
  });

  it('keeps the remainder, and drops what exceeds the cap so the clock never runs away', () => {
    const r = realtimeFrames(2.5 * F, F);
    expect(r.frames).toBe(2);
    expect(r.owed).toBeCloseTo(0.5 * F, 9);
    const stalled = realtimeFrames(1.0, F);
    expect(stalled.frames).toBe(MAX_REALTIME_FRAMES);
    expect(stalled.owed).toBeLessThanOrEqual(F);
    expect(realtimeFrames(0.4 * F, F)).toEqual({ frames: 0, owed: 0.4 * F });
  });
});
