import { describe, expect, it } from 'vitest';

import type { Sample } from './protocol';
import { Trace } from './trace';

function beats(seconds: number, fsHz = 60, t0 = 1_700_000_000_000): Sample[] {
  return Array.from({ length: seconds * fsHz }, (_, i) => {
    const t = i / fsHz;
    const phase = t % 1; // one "beat" per second: a short 15 Hz burst
    const z = 9.81 + (phase < 0.1 ? 0.2 * Math.sin(2 * Math.PI * 15 * phase) : 0);
    return [t0 + t * 1000, 0.01, -0.02, z] as Sample;
  });
}

describe('Trace', () => {
  it('keeps the last seconds live and the whole session for scroll-back', () => {
    const trace = new Trace(1024);
    trace.append(beats(60));
    expect(trace.count).toBe(3600);
    expect(trace.durationS).toBeCloseTo(59.98, 1);
    const live = trace.liveWindow(10, 'scg');
    expect(live.x.length).toBeGreaterThan(590);
    expect(live.x.length).toBeLessThan(610);
    expect(live.xMax).toBeCloseTo(59.98, 1);
    const early = trace.historyWindow(5, 10, 'raw');
    expect(early.ys).toHaveLength(3);
    expect(early.x[0]).toBeGreaterThanOrEqual(5);
    expect(early.x[early.x.length - 1]).toBeLessThan(15);
  });

  it('shows the heartbeat with gravity removed, on a scale a short spike does not flatten', () => {
    const trace = new Trace();
    const samples = beats(20);
    (samples[900] as Sample)[3] = 60; // a knock on the phone
    trace.append(samples);
    const w = trace.liveWindow(10, 'scg');
    expect(w.yHalfRange).not.toBeNull();
    expect(w.yHalfRange as number).toBeLessThan(1);
    expect(w.yHalfRange as number).toBeGreaterThan(0.05);
  });

  it('scales to the heartbeat while the window is still filling', () => {
    const trace = new Trace();
    trace.append(beats(3));
    const half = trace.liveWindow(10, 'scg').yHalfRange as number;
    expect(half).toBeGreaterThan(0.05);
    expect(half).toBeLessThan(1);
  });

  it('places beat markers inside the window only', () => {
    const trace = new Trace();
    trace.append(beats(20));
    const t0 = trace.t0Ms as number;
    trace.addBeats([t0 + 1000, t0 + 15_000, t0 + 19_000]);
    trace.addBeats([t0 + 15_000]);
    expect(trace.liveWindow(10, 'scg').beats).toEqual([15, 19]);
  });
});
