import { describe, expect, it } from 'vitest';

import { robustHalfRange } from './autoscale';
import { BandPass, ScgDisplayFilter } from './bandpass';

function rms(fn: (t: number) => number, fsHz: number, filter: BandPass): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < fsHz * 20; i += 1) {
    const y = filter.step(fn(i / fsHz));
    if (i > fsHz * 10) {
      sum += y * y;
      n += 1;
    }
  }
  return Math.sqrt(sum / n);
}

describe('BandPass 5–30 Hz', () => {
  const fs = 100;
  const gain = (hz: number) => rms((t) => Math.sin(2 * Math.PI * hz * t), fs, new BandPass(fs)) * Math.SQRT2;

  it('passes the heart sounds band and removes gravity, breathing and high-frequency noise', () => {
    expect(gain(12)).toBeGreaterThan(0.9);
    expect(gain(0.25)).toBeLessThan(0.01);
    expect(gain(1)).toBeLessThan(0.01);
    expect(gain(45)).toBeLessThan(0.5);
    expect(Math.abs(rms(() => 9.81, fs, new BandPass(fs)))).toBeLessThan(1e-6);
  });

  it('works at a browser rate of 60 Hz, where 30 Hz is the Nyquist frequency', () => {
    const f = new BandPass(60);
    expect(rms((t) => Math.sin(2 * Math.PI * 15 * t), 60, f) * Math.SQRT2).toBeGreaterThan(0.9);
  });

  it('estimates the rate from timestamps before filtering', () => {
    const f = new ScgDisplayFilter();
    let out = Number.NaN;
    for (let i = 0; i < 100; i += 1) out = f.step(1_700_000_000_000 + i * 16.7, 9.81);
    expect(f.fsHz).toBeGreaterThan(55);
    expect(f.fsHz).toBeLessThan(65);
    expect(Number.isFinite(out)).toBe(true);
  });
});

describe('robust auto-scale', () => {
  it('is not flattened by a short motion spike', () => {
    const beat = Array.from({ length: 600 }, (_, i) => 0.05 * Math.sin(i / 3));
    const base = robustHalfRange(beat) ?? 0;
    beat[300] = 20;
    beat[301] = -20;
    expect(robustHalfRange(beat)).toBeLessThan(base * 1.5);
  });
});
