import { describe, expect, it } from 'vitest';

import { Batcher } from './batcher';

describe('Batcher', () => {
  it('numbers batches from the given seq and keeps every accepted sample once', () => {
    const b = new Batcher(5);
    for (let i = 0; i < 7; i += 1) b.push([1000 + i * 16, 0, 0, 9.8]);
    const first = b.flush();
    expect(first?.seq).toBe(5);
    expect(first?.samples).toHaveLength(7);
    expect(b.flush()).toBeNull();
    b.push([2000, 0, 0, 9.8]);
    expect(b.flush()?.seq).toBe(6);
  });

  it('drops out-of-range and non-increasing samples', () => {
    const b = new Batcher(0, 1000);
    expect(b.push([999, 0, 0, 9.8])).toBeNull();
    b.push([1001, 0, 0, 9.8]);
    b.push([1001, 0, 0, 9.8]);
    b.push([1002, Number.POSITIVE_INFINITY, 0, 0]);
    b.push([1003, 2000, 0, 0]);
    expect(b.dropped).toBe(4);
    expect(b.flush()?.samples).toEqual([[1001, 0, 0, 9.8]]);
  });

  it('cuts a batch at the protocol limit of 1000 samples', () => {
    const b = new Batcher();
    let full = null;
    for (let i = 0; i < 1000; i += 1) full = b.push([i + 1, 0, 0, 9.8]) ?? full;
    expect(full?.samples).toHaveLength(1000);
    expect(b.bufferedCount).toBe(0);
  });
});
