import { describe, expect, it } from 'vitest';

import { RingBuffer } from './ring-buffer';

describe('RingBuffer', () => {
  it('keeps the newest rows in order once full', () => {
    const r = new RingBuffer(3, 2);
    for (let i = 0; i < 5; i += 1) r.push([i, i * 10]);
    expect(r.length).toBe(3);
    expect([r.at(0, 0), r.at(1, 0), r.at(2, 0)]).toEqual([2, 3, 4]);
    expect(r.last(1)).toBe(40);
  });

  it('returns columns from a key onward, oldest first', () => {
    const r = new RingBuffer(4, 2);
    for (let i = 0; i < 6; i += 1) r.push([i, -i]);
    const [t, v] = r.columnsSince(3.5);
    expect(Array.from(t ?? [])).toEqual([4, 5]);
    expect(Array.from(v ?? [])).toEqual([-4, -5]);
    expect(r.columnsSince(100)[0]).toHaveLength(0);
    expect(r.columnsSince(-1)[0]).toHaveLength(4);
  });

  it('reads NaN outside its rows and empties on clear', () => {
    const r = new RingBuffer(2, 1);
    expect(r.last(0)).toBeNaN();
    r.push([1]);
    r.clear();
    expect(r.length).toBe(0);
  });
});
