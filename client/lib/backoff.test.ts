import { describe, expect, it } from 'vitest';

import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles up to the cap, with jitter between half and the full step', () => {
    const top = new Backoff(500, 4000, () => 0.999999);
    expect([1, 2, 3, 4, 5].map(() => top.next())).toEqual([500, 1000, 2000, 4000, 4000]);
    const low = new Backoff(500, 4000, () => 0);
    expect(low.next()).toBe(250);
    low.reset();
    expect(low.attempts).toBe(0);
  });
});
