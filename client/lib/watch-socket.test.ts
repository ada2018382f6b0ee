import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { WebSocketLike } from './socket-like';
import type { Sample } from './protocol';
import { WatchSocket, type WatchConnection } from './watch-socket';

/** A watch endpoint that replays `batches` from the client's `since`, optionally skipping one seq. */
class FakeWatch implements WebSocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  hellos: Array<{ since?: number }> = [];

  constructor(
    private readonly batches: Sample[][],
    private readonly skip: number | null,
    private readonly closeWith: number | null = null,
  ) {
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }

  send(text: string): void {
    const msg = JSON.parse(text) as { type: string; since?: number };
    if (msg.type !== 'hello') return;
    this.hellos.push(msg);
    if (this.closeWith !== null) return this.close(this.closeWith);
    const session = { sessionId: 's', status: 'live', patientConnected: true, viewers: 1 };
    this.emit({ type: 'ready', session });
    for (let seq = msg.since ?? 0; seq < this.batches.length; seq += 1)
      if (seq !== this.skip) this.emit({ type: 'samples', seq, samples: this.batches[seq] });
  }

  private emit(msg: unknown): void {
    queueMicrotask(() => this.onmessage?.({ data: JSON.stringify(msg) }));
  }

  close(code = 1000): void {
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code, reason: '' }));
  }
}

const batches: Sample[][] = Array.from({ length: 6 }, (_, i) => [[1000 + i, 0, 0, 9.8]]);

describe('WatchSocket', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('asks for everything, then after a hole reconnects with since = last seq + 1', async () => {
    const sockets: FakeWatch[] = [];
    const got: number[] = [];
    const watch = new WatchSocket({
      url: 'ws://test/watch',
      token: 'v',
      openSocket: () => {
        const ws = new FakeWatch(batches, sockets.length === 0 ? 3 : null);
        sockets.push(ws);
        return ws;
      },
      onSamples: (seq) => got.push(seq),
    });
    watch.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(got).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sockets.map((s) => s.hellos[0]?.since)).toEqual([0, 3]);
    watch.dispose();
  });

  it('reports an invalid link without retrying', async () => {
    const states: WatchConnection[] = [];
    let opened = 0;
    const watch = new WatchSocket({
      url: 'ws://test/watch',
      token: 'bad',
      openSocket: () => {
        opened += 1;
        return new FakeWatch(batches, null, 4401);
      },
      onConnection: (c) => states.push(c),
    });
    watch.start();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(states.at(-1)).toBe('error');
    expect(opened).toBe(1);
    watch.dispose();
  });
});
