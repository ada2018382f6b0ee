import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { Batcher } from './batcher';
import { CaptureSocket } from './capture-socket';
import type { CaptureState } from './capture-state';
import { FakeCaptureServer } from './fake-server.test-support';
import { MemoryPhoneStore, type RecordingRecord } from './phone-store';

const SESSION = 'session-1';

function record(): RecordingRecord {
  return {
    sessionId: SESSION,
    patientToken: 'p',
    viewerToken: 'v',
    createdAt: new Date().toISOString(),
    state: 'recording',
    endedAt: null,
    startedAtMs: null,
    nextSeq: 0,
    lastTMs: Number.NEGATIVE_INFINITY,
    recordedSamples: 0,
    ackedSamples: 0,
  };
}

async function settle(ms = 50): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

describe('CaptureSocket', () => {
  let server: FakeCaptureServer;
  let store: MemoryPhoneStore;
  let states: CaptureState[];

  beforeEach(async () => {
    vi.useFakeTimers();
    server = new FakeCaptureServer();
    store = new MemoryPhoneStore();
    states = [];
    await store.putRecording(record());
  });
  afterEach(() => vi.useRealTimers());

  function socket(): CaptureSocket {
    return new CaptureSocket({
      url: 'ws://test/capture',
      sessionId: SESSION,
      patientToken: 'p',
      store,
      openSocket: server.open,
      onChange: (s) => states.push(s),
    });
  }

  async function record10(batcher: Batcher, capture: CaptureSocket, t0: number): Promise<void> {
    for (let i = 0; i < 10; i += 1) {
      for (let j = 0; j < 6; j += 1) batcher.push([t0 + i * 100 + j * 16, 0, 0, 9.81]);
      const b = batcher.flush();
      if (b) await capture.enqueue(b);
      await settle(100);
    }
  }

  it('sends batches in order and forgets each one once acknowledged', async () => {
    const capture = socket();
    await capture.start();
    await settle();
    await record10(new Batcher(), capture, 1000);
    expect(server.sampleCount).toBe(60);
    expect(capture.snapshot).toMatchObject({ connection: 'open', sentSamples: 60, ackedSamples: 60, queuedSamples: 0 });
    expect(await store.pendingBatches(SESSION)).toHaveLength(0);
    expect((await store.getRecording(SESSION))?.ackedSamples).toBe(60);
    capture.dispose();
  });

  it('loses nothing when the connection drops with batches unacknowledged', async () => {
    const capture = socket();
    await capture.start();
    await settle();
    const batcher = new Batcher();
    await record10(batcher, capture, 1000);
    server.dropAcks = true;
    await record10(batcher, capture, 2000);
    expect(capture.snapshot.ackedSamples).toBe(60);
    expect(capture.snapshot.sentSamples).toBe(120);
    server.dropAcks = false;
    server.current?.serverClose(1006);
    await settle(2000);
    await record10(batcher, capture, 3000);
    expect(server.sampleCount).toBe(180);
    expect(capture.snapshot).toMatchObject({ ackedSamples: 180, sentSamples: 180 });
    expect(server.stored.flat().map((s) => s[0])).toEqual(
      [...server.stored.flat().map((s) => s[0])].sort((a, b) => a - b),
    );
    capture.dispose();
  });

  it('queues while offline and sends everything once back online', async () => {
    const capture = socket();
    await capture.start();
    await settle();
    const batcher = new Batcher();
    capture.setOnline(false);
    await record10(batcher, capture, 1000);
    expect(capture.snapshot).toMatchObject({ connection: 'offline', queuedSamples: 60, ackedSamples: 0 });
    capture.setOnline(true);
    await settle(200);
    expect(capture.snapshot).toMatchObject({ connection: 'open', ackedSamples: 60 });
    expect(server.sampleCount).toBe(60);
    capture.dispose();
  });

  it('resends what an earlier page left in the store (a reload)', async () => {
    const first = socket();
    await first.start();
    await settle();
    const batcher = new Batcher();
    await record10(batcher, first, 1000);
    server.dropAcks = true;
    await record10(batcher, first, 2000);
    first.dispose(); // the tab goes away with 10 batches stored on the server but not acked, or not stored
    server.dropAcks = false;
    expect(await store.pendingBatches(SESSION)).toHaveLength(10);

    const saved = await store.getRecording(SESSION);
    const second = socket();
    await second.start();
    await settle(200);
    const resumed = new Batcher(saved?.nextSeq, saved?.lastTMs);
    await record10(resumed, second, 3000);
    expect(server.sampleCount).toBe(180);
    expect(second.snapshot.ackedSamples).toBe(180);
    expect((await store.getRecording(SESSION))?.ackedSamples).toBe(180);
    second.dispose();
  });

  it('finish() waits for the last batch to be acknowledged, then ends the session', async () => {
    const capture = socket();
    await capture.start();
    await settle();
    const batcher = new Batcher();
    server.dropAcks = true;
    await record10(batcher, capture, 1000);
    let finished = false;
    const done = capture.finish().then(() => (finished = true));
    await settle(100);
    expect(finished).toBe(false);
    expect(server.ended).toBe(false);
    server.dropAcks = false;
    server.current?.serverClose(1006);
    await settle(12_000);
    await done;
    expect(server.ended).toBe(true);
    expect(server.sampleCount).toBe(60);
    expect(capture.snapshot.connection).toBe('ended');
    expect((await store.getRecording(SESSION))?.state).toBe('ended');
  });

  it('reconnects when acks stop coming on a connection that looks open', async () => {
    const capture = socket();
    await capture.start();
    await settle();
    server.dropAcks = true;
    const batcher = new Batcher();
    await record10(batcher, capture, 1000);
    server.dropAcks = false;
    await settle(10_000);
    expect(server.sockets.length).toBeGreaterThan(1);
    expect(capture.snapshot.ackedSamples).toBe(60);
    capture.dispose();
  });

  it('sends batches another tab stored just before this one took over, before ending', async () => {
    const capture = socket();
    await capture.start();
    await settle();
    const batcher = new Batcher();
    await record10(batcher, capture, 1000);
    // The other tab, not yet told it was superseded, writes one more batch into the shared store.
    const stray = batcher.push([5000, 0, 0, 9.81]) ?? batcher.flush();
    if (stray) await store.addBatch(SESSION, stray);
    await capture.finish();
    expect(server.sampleCount).toBe(61);
    expect(capture.snapshot.ackedSamples).toBe(61);
    expect(await store.pendingBatches(SESSION)).toHaveLength(0);
  });

  it('stops for good when a newer capture socket takes over', async () => {
    const capture = socket();
    await capture.start();
    await settle();
    server.current?.serverClose(4409);
    await settle(20_000);
    expect(capture.snapshot.connection).toBe('superseded');
    expect(server.sockets).toHaveLength(1);
    await capture.finish(); // resolves: there is nothing left this tab can do
    capture.dispose();
  });

  const DAY_MS = 24 * 3600 * 1000;

  /** Every stored t_ms strictly increases, across batches too. */
  function storedTimes(): number[] {
    return server.stored.flat().map((s) => s[0]);
  }

  it('re-bases a phone clock a year behind near the server clock, keeping the intervals, and loses nothing', async () => {
    server.maxClockSkewMs = DAY_MS;
    const capture = socket();
    await capture.start();
    await settle();
    const t0 = Date.now() - 365 * DAY_MS;
    await record10(new Batcher(), capture, t0);
    expect(server.refused.length).toBeGreaterThan(0);
    expect(server.sampleCount).toBe(60);
    expect(capture.snapshot).toMatchObject({ ackedSamples: 60, queuedSamples: 0, error: null });
    const offset = capture.snapshot.clockOffsetMs;
    expect(Math.abs(offset - 365 * DAY_MS)).toBeLessThan(60_000);
    const times = storedTimes();
    expect(Math.abs(times[times.length - 1]! - Date.now())).toBeLessThan(DAY_MS);
    // Same intervals as recorded: every stored time is the recorded one plus the one offset.
    expect(times[0]! - offset).toBe(t0);
    expect(times[59]! - times[0]!).toBe(9 * 100 + 5 * 16);
    capture.dispose();
  });

  it('after the phone clock jumps backwards, re-bases new batches after the last stored sample', async () => {
    const capture = socket();
    await capture.start();
    await settle();
    const t0 = Date.now();
    await record10(new Batcher(), capture, t0);
    // The clock was set back 10 minutes (e.g. a reload after a time-zone fix): new times are below the stored.
    await record10(new Batcher(10), capture, t0 - 600_000);
    expect(server.refused.map(([seq]) => seq)).toContain(10);
    expect(server.sampleCount).toBe(120);
    expect(capture.snapshot).toMatchObject({ ackedSamples: 120, error: null });
    const times = storedTimes();
    for (let i = 1; i < times.length; i += 1) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
    capture.dispose();
  });

  it('shows the refusal when moving the batch in time cannot help', async () => {
    const capture = socket();
    await capture.start();
    await settle();
    const t0 = Date.now();
    await record10(new Batcher(), capture, t0);
    // A batch with a time going backwards inside it: no offset fixes that.
    await capture.enqueue({ seq: 10, samples: [[t0 + 5000, 0, 0, 9.8], [t0 + 4000, 0, 0, 9.8]] });
    for (let seq = 11; seq < 14; seq += 1) {
      await capture.enqueue({ seq, samples: [[t0 + 6000 + seq, 0, 0, 9.8]] });
      await settle(100);
    }
    await settle(2000);
    expect(capture.snapshot.error).toMatch(/refused batch 10/);
    expect(server.sampleCount).toBe(60);
    // It waits with the refused batch kept, rather than resending it after every seq_gap (a loop the server
    // would end with 4429).
    expect(server.received.filter((seq) => seq === 10)).toHaveLength(1);
    expect(await store.pendingBatches(SESSION)).toHaveLength(4);
    capture.dispose();
  });
});
