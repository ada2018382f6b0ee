import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { ViewerCount } from './viewer-count';

/** A GET …/sessions/{id} whose answers the test releases one by one, in any order. */
class PendingAnswers {
  private pending: Array<{ viewers: number | null; resolve: (n: number) => void; reject: (e: Error) => void }> = [];
  /** The server's count at the moment each request is received. */
  viewers = 0;

  fetch = (): Promise<number> =>
    new Promise<number>((resolve, reject) => this.pending.push({ viewers: this.viewers, resolve, reject }));

  get count(): number {
    return this.pending.length;
  }

  answer(index: number): void {
    const p = this.pending[index];
    if (p) p.resolve(p.viewers as number);
  }

  fail(index: number): void {
    this.pending[index]?.reject(new Error('network'));
  }
}

describe('ViewerCount', () => {
  let server: PendingAnswers;
  let shown: number[];
  beforeEach(() => {
    vi.useFakeTimers();
    server = new PendingAnswers();
    shown = [];
  });
  afterEach(() => vi.useRealTimers());

  const count = () => new ViewerCount({ fetchViewers: server.fetch, onCount: (n) => shown.push(n) });

  it('keeps the newest count when answers come back out of order (a slow mobile network)', async () => {
    const c = count();
    c.start(); // request 0: asked while nobody watched
    server.viewers = 1;
    const newer = c.refresh(); // request 1: asked after the clinician opened the link
    server.answer(1);
    await newer;
    expect(shown.at(-1)).toBe(1);
    server.answer(0); // the slow, older answer ("0 watching") arrives last
    await vi.advanceTimersByTimeAsync(0);
    expect(shown.at(-1)).toBe(1);
    c.dispose();
  });

  it('follows a clinician joining within two seconds', async () => {
    const c = count();
    c.start();
    server.answer(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(shown).toEqual([0]);
    server.viewers = 1;
    for (let waited = 0; waited < 2000 && shown.at(-1) !== 1; waited += 100) {
      await vi.advanceTimersByTimeAsync(100);
      for (let i = 0; i < server.count; i += 1) server.answer(i);
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(shown.at(-1)).toBe(1);
    c.dispose();
  });

  it('keeps the last count when a request fails, and stops asking once disposed', async () => {
    const c = count();
    c.start();
    server.answer(0);
    await vi.advanceTimersByTimeAsync(0);
    server.viewers = 2;
    const failing = c.refresh();
    server.fail(1);
    await failing;
    expect(shown).toEqual([0]);
    c.dispose();
    const asked = server.count;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(server.count).toBe(asked);
    server.answer(asked - 1);
    await vi.advanceTimersByTimeAsync(0);
    expect(shown).toEqual([0]);
  });
});
