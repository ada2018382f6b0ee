/**
 * The phone's recording pipeline, outside React: motion events → Batcher (a batch every 100 ms) → PhoneStore
 * + CaptureSocket, and the local Trace for the on-phone waveform. It also watches what browsers do to a
 * recording tab: going offline, being hidden (motion events stop), being closed (the partial batch is kept).
 */
import { getSession, wsUrl } from './api';
import { Batcher } from './batcher';
import { CaptureSocket } from './capture-socket';
import type { CaptureState } from './capture-state';
import { listenMotion } from './motion';
import type { PhoneStore, RecordingRecord } from './phone-store';
import { paths, type DeviceInfo, type LiveAnalysis, type Sample } from './protocol';
import { Trace } from './trace';
import { ViewerCount } from './viewer-count';

export const BATCH_INTERVAL_MS = 100;

export interface RecorderState {
  capture: CaptureState;
  capturing: boolean;
  /** When this page started capturing (epoch ms), null when not capturing. */
  capturingSinceMs: number | null;
  /** When this recording first started capturing (epoch ms, kept across reloads), null before. */
  startedAtMs: number | null;
  /** Epoch ms of the last motion sample, null before any. */
  lastSampleMs: number | null;
  /** The page is hidden: motion events have stopped. */
  hidden: boolean;
  /** Milliseconds spent hidden while capturing, in total. */
  hiddenMs: number;
  viewers: number | null;
  analysis: LiveAnalysis | null;
  samplesDropped: number;
}

export class PhoneRecorder {
  readonly trace = new Trace(4096, false);
  private readonly socket: CaptureSocket;
  private batcher: Batcher | null = null;
  private stopMotion: (() => void) | null = null;
  private flushTimer: ReturnType<typeof setInterval> | null = null;
  private readonly viewers: ViewerCount;
  private chain: Promise<void> = Promise.resolve();
  private hiddenAt: number | null = null;
  private state: RecorderState;
  private readonly cleanups: Array<() => void> = [];

  constructor(
    readonly record: RecordingRecord,
    private readonly store: PhoneStore,
    device: DeviceInfo,
    private readonly onChange: (state: RecorderState) => void,
  ) {
    this.socket = new CaptureSocket({
      url: wsUrl(paths.capture(record.sessionId)),
      sessionId: record.sessionId,
      patientToken: record.patientToken,
      device,
      store,
      onChange: (capture) => {
        // Another tab took the recording over (it continues there) or the server refused it: stop writing
        // batches here, or two pages would number batches into the same store.
        if (capture.connection === 'superseded' || capture.connection === 'failed') this.halt();
        // Back on line after a drop: who watches may have changed meanwhile; ask now, not at the next poll.
        if (capture.connection === 'open' && this.state.capture.connection !== 'open') void this.viewers.refresh();
        this.update({ capture });
      },
      onAnalysis: (analysis) => {
        this.trace.addBeats(analysis.beats);
        this.update({ analysis });
      },
    });
    this.viewers = new ViewerCount({
      fetchViewers: async () => (await getSession(record.sessionId, record.patientToken)).viewers,
      onCount: (viewers) => this.update({ viewers }),
    });
    this.state = {
      capture: this.socket.snapshot,
      capturing: false,
      capturingSinceMs: null,
      startedAtMs: null,
      lastSampleMs: null,
      hidden: typeof document !== 'undefined' && document.visibilityState === 'hidden',
      hiddenMs: 0,
      viewers: null,
      analysis: null,
      samplesDropped: 0,
    };
  }

  get snapshot(): RecorderState {
    return this.state;
  }

  /** Connect and resend whatever an earlier page left unacknowledged. */
  async open(): Promise<void> {
    const on = (target: EventTarget, type: string, fn: () => void) => {
      target.addEventListener(type, fn);
      this.cleanups.push(() => target.removeEventListener(type, fn));
    };
    on(window, 'online', () => this.socket.setOnline(true));
    on(window, 'offline', () => this.socket.setOnline(false));
    on(document, 'visibilitychange', () => this.onVisibility());
    on(window, 'pagehide', () => this.flush());
    this.socket.setOnline(navigator.onLine);
    const saved = await this.store.getRecording(this.record.sessionId);
    this.update({ startedAtMs: saved?.startedAtMs ?? null });
    await this.socket.start();
    this.viewers.start();
  }

  /** Start listening to the accelerometer, continuing the seq and time line stored for this recording. */
  async startCapture(): Promise<void> {
    if (this.stopMotion) return;
    const saved = await this.store.getRecording(this.record.sessionId);
    this.batcher = new Batcher(saved?.nextSeq ?? 0, saved?.lastTMs ?? Number.NEGATIVE_INFINITY);
    const now = Date.now();
    await this.store.markStarted(this.record.sessionId, now);
    this.stopMotion = listenMotion((s) => this.onSample(s));
    this.flushTimer = setInterval(() => this.flush(), BATCH_INTERVAL_MS);
    this.update({ capturing: true, capturingSinceMs: now, startedAtMs: this.state.startedAtMs ?? now });
  }

  /** Stop capturing, send the last partial batch, wait until the server has every sample, end the session. */
  async stop(): Promise<void> {
    this.stopCapture();
    await this.chain;
    await this.socket.finish();
  }

  dispose(): void {
    this.stopCapture();
    this.viewers.dispose();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    void this.chain.then(() => this.socket.dispose());
  }

  private halt(): void {
    this.stopMotion?.();
    this.stopMotion = null;
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    this.batcher = null;
    if (this.state.capturing) this.state = { ...this.state, capturing: false };
  }

  private stopCapture(): void {
    this.stopMotion?.();
    this.stopMotion = null;
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    this.flush();
    if (this.state.capturing) this.update({ capturing: false });
  }

  private onSample(sample: Sample): void {
    const batcher = this.batcher;
    if (!batcher) return;
    const before = batcher.dropped;
    const full = batcher.push(sample);
    if (batcher.dropped === before) this.trace.append([sample]);
    if (full) this.enqueue(full);
    this.state.lastSampleMs = sample[0];
    this.state.samplesDropped = batcher.dropped;
  }

  private flush(): void {
    const batch = this.batcher?.flush();
    if (batch) this.enqueue(batch);
    // Cheap counters (last sample time) are read by the UI on its own clock; publish them with each flush.
    this.onChange(this.state);
  }

  private enqueue(batch: { seq: number; samples: Sample[] }): void {
    this.chain = this.chain.then(() => this.socket.enqueue(batch)).catch(() => undefined);
  }

  private onVisibility(): void {
    const hidden = document.visibilityState === 'hidden';
    if (hidden) {
      this.hiddenAt = Date.now();
      this.flush();
    } else if (this.hiddenAt !== null && this.state.capturing) {
      this.state.hiddenMs += Date.now() - this.hiddenAt;
      this.hiddenAt = null;
    }
    this.update({ hidden });
  }

  private update(patch: Partial<RecorderState>): void {
    this.state = { ...this.state, ...patch };
    this.onChange(this.state);
  }
}
