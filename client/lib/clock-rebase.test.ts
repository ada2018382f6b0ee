import { describe, expect, it } from 'vitest';

import { rebaseOffset, shiftSamples } from './clock-rebase';
import type { Sample } from './protocol';

const batch = (t0: number): Sample[] => [0, 10, 20, 30].map((dt) => [t0 + dt, 0, 0, 9.81]);

describe('clock re-base', () => {
  it('moves a batch so it ends at the server clock, intervals unchanged', () => {
    const samples = batch(1_000);
    const offset = rebaseOffset(samples, 0, 1_800_000_000_000, null);
    expect(offset).toBe(1_800_000_000_000 - 1_030);
    const moved = shiftSamples(samples, offset ?? 0);
    expect(moved.map((s) => s[0])).toEqual([0, 10, 20, 30].map((dt) => 1_800_000_000_000 - 30 + dt));
    expect(moved[2]?.slice(1)).toEqual([0, 0, 9.81]);
  });

  it('starts after the last stored sample, one interval later, when ending at the server clock would not', () => {
    const offset = rebaseOffset(batch(5_000), 0, 5_000, 6_000);
    expect(offset).not.toBeNull();
    expect(5_000 + (offset ?? 0)).toBe(6_010);
  });

  it('after a backwards jump without a server time, starts after the last stored sample', () => {
    expect(rebaseOffset(batch(1_000), 0, null, 2_000)).toBe(1_010);
    expect(rebaseOffset([[1_000, 0, 0, 9.81]], 0, null, 2_000)).toBe(1_001);
  });

  it('says when moving in time cannot help', () => {
    expect(rebaseOffset(batch(3_000), 0, null, 2_000)).toBeNull(); // already after what is stored
    expect(rebaseOffset(batch(3_000), 500, null, null)).toBeNull(); // nothing to go by
    expect(rebaseOffset([], 0, 1_000, null)).toBeNull();
  });
});
