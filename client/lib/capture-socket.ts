/**
 * The phone's capture socket: sends every batch in seq order, keeps each one (in the PhoneStore) until the
 * server acknowledges it, reconnects with jittered exponential backoff and resends from the server's `nextSeq`.
 * Ending waits until every batch is acknowledged, so Stop leaves no sample behind.
 */
import { Backoff } from './backoff';
import type { Batch } from './batcher';
import { rebaseOffset, shiftSamples } from './clock-rebase';
import type { PhoneStore } from './phone-store';
import {
  CloseCode,
  endMessage,
  helloCapture,
  samplesMessage,
  type DeviceInfo,
  type LiveAnalysis,
} from './protocol';
import { parseCaptureMessage } from './server-messages';

export type CaptureConnection =
  | 'idle'
  | 'connecting'
  | 'open'
  | 'reconnecting'
  | 'offline'
  | 'superseded'
  | 'ended'
  | 'failed';

export interface CaptureState {
  connection: CaptureConnection;
  /** Samples written to the socket and not lost since: acknowledged plus in flight on this connection. */
  sentSamples: number;
  /** Samples the server has stored and acknowledged. */
  ackedSamples: number;
  /** Samples recorded but not yet written to the socket (e.g. while offline). */
  queuedSamples: number;
  /** Milliseconds until the next reconnect attempt, while reconnecting. */
  retryInMs: number | null;
  /** Added to the phone's `t_ms` before sending, after the server refused the phone's clock (0 normally). */
  clockOffsetMs: number;
  error: string | null;
}

/** The part of the browser's WebSocket this class uses (a fake in unit tests). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface CaptureSocketOptions {
  url: string;
  sessionId: string;
  patientToken: string;
  device?: DeviceInfo;
  store: PhoneStore;
  openSocket?: (url: string) => WebSocketLike;
  onChange?: (state: CaptureState) => void;
  onAnalysis?: (analysis: LiveAnalysis) => void;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A batch unacknowledged for this long means the connection is dead: drop it and reconnect. */
  ackTimeoutMs?: number;
}

const WS_OPEN = 1;
/** Our own close code for a connection we gave up on (no ready, no ack, browser offline). */
const CLOSE_RETRY = 4000;

export class CaptureSocket {
  private ws: WebSocketLike | null = null;
  private queue = new Map<number, Batch>();
  private sentAt = new Map<number, number>();
  /** The next seq to write on this connection; null until the server said `ready`. */
  private nextToSend: number | null = null;
  private readonly backoff: Backoff;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readyTimer: ReturnType<typeof setTimeout> | null = null;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private online = true;
  private disposed = false;
  private ending = false;
  /** adoptStrays() calls in progress: the end waits for them. */
  private adopting = 0;
  private endedWaiters: Array<() => void> = [];
  private state: CaptureState = {
    connection: 'idle',
    sentSamples: 0,
    ackedSamples: 0,
    queuedSamples: 0,
    retryInMs: null,
    clockOffsetMs: 0,
    error: null,
  };
  /** The clock offset each batch in flight was sent with, and the last `t_ms` (as sent) the server acked. */
  private sentOffset = new Map<number, number>();
  private lastAckedTMs: number | null = null;

  constructor(private readonly opts: CaptureSocketOptions) {
    this.backoff = new Backoff(opts.initialBackoffMs, opts.maxBackoffMs);
  }

  get snapshot(): CaptureState {
    return this.state;
  }

  /** Load unacknowledged batches left by an earlier page (reload, crash) and connect. */
  async start(): Promise<void> {
    const record = await this.opts.store.getRecording(this.opts.sessionId);
    for (const b of await this.opts.store.pendingBatches(this.opts.sessionId)) this.queue.set(b.seq, b);
    this.update({ ackedSamples: record?.ackedSamples ?? 0 });
    this.watchdog = setInterval(() => this.checkAcks(), 1000);
    this.connect();
  }

  /** Keep a new batch durably, then send it when the connection allows. */
  async enqueue(batch: Batch): Promise<void> {
    await this.opts.store.addBatch(this.opts.sessionId, batch);
    this.queue.set(batch.seq, batch);
    this.pump();
  }

  /**
   * Resolve once every batch is acknowledged and the server has ended the session — or once that can no
   * longer happen (the server refused the recording, or another tab took it over).
   */
  finish(): Promise<void> {
    this.ending = true;
    const done = new Promise<void>((resolve) => {
      if (this.isTerminal()) resolve();
      else this.endedWaiters.push(resolve);
    });
    void this.adoptStrays();
    return done;
  }

  /** Tell the socket whether the browser is online (window `online`/`offline` events). */
  setOnline(online: boolean): void {
    if (online === this.online) return;
    this.online = online;
    if (this.disposed || this.isTerminal()) return;
    if (!online) {
      this.ws?.close(CLOSE_RETRY, 'offline');
      this.detach();
      this.clearRetry();
      this.update({ connection: 'offline', retryInMs: null });
    } else {
      this.clearRetry();
      this.backoff.reset();
      this.connect();
    }
  }

  /** Close without ending the session (the page goes away); unacked batches stay in the store. */
  dispose(): void {
    this.disposed = true;
    this.clearRetry();
    if (this.watchdog) clearInterval(this.watchdog);
    const ws = this.detach();
    ws?.close(CloseCode.normal, 'page closed');
  }

  private isTerminal(): boolean {
    const c = this.state.connection;
    return c === 'ended' || c === 'superseded' || c === 'failed';
  }

  private connect(): void {
    if (this.disposed || this.isTerminal() || this.ws) return;
    if (!this.online) {
      this.update({ connection: 'offline' });
      return;
    }
    this.update({ connection: this.backoff.attempts === 0 ? 'connecting' : 'reconnecting', retryInMs: null });
    const open = this.opts.openSocket ?? ((url: string) => new WebSocket(url) as unknown as WebSocketLike);
    let ws: WebSocketLike;
    try {
      ws = open(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => ws.send(helloCapture(this.opts.patientToken, this.opts.device));
    ws.onmessage = (ev) => {
      if (this.ws === ws && typeof ev.data === 'string') this.handle(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.ws === ws) this.handleClose(ev.code, ev.reason);
    };
    ws.onerror = () => undefined; // a close event always follows
    this.readyTimer = setTimeout(() => {
      if (this.ws === ws && this.nextToSend === null) this.abandon(ws, 'no ready');
    }, 10_000);
  }

  private handle(text: string): void {
    const msg = parseCaptureMessage(text);
    if (!msg) return;
    switch (msg.type) {
      case 'ready':
        this.onReady(msg.nextSeq);
        break;
      case 'ack':
        this.onAck(msg.seq);
        break;
      case 'ended':
        this.onEnded();
        break;
      case 'analysis':
        this.opts.onAnalysis?.(msg);
        break;
      case 'error':
        if (msg.code === 'seq_gap' && msg.expected !== undefined) this.onSeqGap(msg.expected);
        else if (msg.code === 'invalid_samples') {
          if (!this.rebase(msg.seq, msg.serverTimeMs ?? null))
            this.update({ error: `The server refused batch ${msg.seq ?? '?'}: ${msg.detail ?? 'invalid samples'}` });
        }
        else this.update({ error: msg.detail ?? msg.code });
        break;
    }
  }

  private onReady(nextSeq: number): void {
    if (this.readyTimer) clearTimeout(this.readyTimer);
    this.forgetBelow(nextSeq);
    this.nextToSend = nextSeq;
    this.backoff.reset();
    this.update({ connection: 'open', error: null });
    this.pump();
    void this.adoptStrays();
  }

  /**
   * Take in batches that reached the store without passing through this socket: written by another tab of
   * the same recording just before this one took it over. Only seqs not yet written on this connection are
   * taken (anything below was sent, and acknowledged or still in flight).
   */
  private async adoptStrays(): Promise<void> {
    this.adopting += 1;
    try {
      const stored = await this.opts.store.pendingBatches(this.opts.sessionId);
      const from = this.nextToSend;
      if (from !== null) for (const b of stored) if (b.seq >= from && !this.queue.has(b.seq)) this.queue.set(b.seq, b);
    } finally {
      this.adopting -= 1;
    }
    this.pump();
    this.maybeSendEnd();
  }

  private onAck(seq: number): void {
    const batch = this.queue.get(seq);
    if (!batch) return; // acked again after a resend: already counted
    const lastTMs = batch.samples[batch.samples.length - 1]?.[0];
    if (lastTMs !== undefined) this.lastAckedTMs = lastTMs + (this.sentOffset.get(seq) ?? this.state.clockOffsetMs);
    this.queue.delete(seq);
    this.sentAt.delete(seq);
    this.sentOffset.delete(seq);
    void this.opts.store.ackBatch(this.opts.sessionId, seq);
    this.update({ ackedSamples: this.state.ackedSamples + batch.samples.length });
    this.maybeSendEnd();
  }

  /**
   * The server refused batch `seq`: if its clock (or the phone's jumping backwards) is the reason, move the
   * batch and every later one in time and resend from `seq` (docs/protocol.md). False when that cannot help.
   */
  private rebase(seq: number | undefined, serverTimeMs: number | null): boolean {
    const batch = seq === undefined ? undefined : this.queue.get(seq);
    if (seq === undefined || !batch || this.nextToSend === null) return false;
    const offsetMs = rebaseOffset(batch.samples, this.state.clockOffsetMs, serverTimeMs, this.lastAckedTMs);
    if (offsetMs === null) return false;
    for (const s of this.sentAt.keys()) if (s >= seq) this.sentAt.delete(s);
    this.nextToSend = Math.min(this.nextToSend, seq);
    this.update({ clockOffsetMs: offsetMs, error: null });
    this.pump();
    return true;
  }

  private onSeqGap(expected: number): void {
    // The server has everything below `expected`: forget it; resend from there on.
    this.forgetBelow(expected);
    this.nextToSend = expected;
    this.pump();
  }

  private forgetBelow(nextSeq: number): void {
    let acked = 0;
    for (const [seq, b] of this.queue) {
      if (seq >= nextSeq) continue;
      acked += b.samples.length;
      const offsetMs = this.sentOffset.get(seq);
      const lastTMs = b.samples[b.samples.length - 1]?.[0];
      if (offsetMs !== undefined && lastTMs !== undefined)
        this.lastAckedTMs = Math.max(this.lastAckedTMs ?? -Infinity, lastTMs + offsetMs);
      this.queue.delete(seq);
      this.sentAt.delete(seq);
      this.sentOffset.delete(seq);
    }
    void this.opts.store.ackBelow(this.opts.sessionId, nextSeq);
    if (acked) this.update({ ackedSamples: this.state.ackedSamples + acked });
  }

  private onEnded(): void {
    this.update({ connection: 'ended', retryInMs: null });
    void this.opts.store.markEnded(this.opts.sessionId, new Date().toISOString());
    this.clearRetry();
    if (this.watchdog) clearInterval(this.watchdog);
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    for (const resolve of this.endedWaiters.splice(0)) resolve();
  }

  /** Write every queued batch from nextToSend on, contiguously (a missing seq waits for its enqueue). */
  private pump(): void {
    const ws = this.ws;
    if (ws && ws.readyState === WS_OPEN && this.nextToSend !== null) {
      for (let b = this.queue.get(this.nextToSend); b; b = this.queue.get(this.nextToSend)) {
        ws.send(samplesMessage(b.seq, shiftSamples(b.samples, this.state.clockOffsetMs)));
        this.sentAt.set(b.seq, Date.now());
        this.sentOffset.set(b.seq, this.state.clockOffsetMs);
        this.nextToSend += 1;
      }
    }
    this.update({});
  }

  private maybeSendEnd(): void {
    if (!this.ending || this.queue.size > 0 || this.adopting > 0) return;
    const ws = this.ws;
    if (ws && ws.readyState === WS_OPEN && this.nextToSend !== null) ws.send(endMessage());
  }

  private checkAcks(): void {
    const ws = this.ws;
    if (!ws || this.nextToSend === null) return;
    const timeout = this.opts.ackTimeoutMs ?? 8000;
    const oldest = Math.min(...this.sentAt.values());
    if (Date.now() - oldest > timeout) this.abandon(ws, 'no ack');
  }

  private abandon(ws: WebSocketLike, reason: string): void {
    ws.close(CLOSE_RETRY, reason);
    this.handleClose(CLOSE_RETRY, reason);
  }

  private detach(): WebSocketLike | null {
    const ws = this.ws;
    this.ws = null;
    this.nextToSend = null;
    this.sentAt.clear();
    if (this.readyTimer) clearTimeout(this.readyTimer);
    return ws;
  }

  private handleClose(code: number, reason: string): void {
    this.detach();
    if (this.disposed || this.state.connection === 'ended') return;
    if (code === CloseCode.superseded) {
      this.update({ connection: 'superseded', error: 'This recording continues in another window or tab.' });
      this.releaseWaiters();
    } else if (code === CloseCode.gone || (code === CloseCode.normal && this.ending)) {
      this.onEnded();
    } else if (code === CloseCode.unauthorized || code === CloseCode.notFound) {
      this.update({ connection: 'failed', error: reason || 'The server does not know this recording.' });
      this.releaseWaiters();
    } else if (!this.online) {
      this.update({ connection: 'offline' });
    } else {
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    const delay = this.backoff.next();
    this.update({ connection: 'reconnecting', retryInMs: delay });
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private update(patch: Partial<CaptureState>): void {
    let inFlight = 0;
    let queued = 0;
    for (const [seq, b] of this.queue) {
      if (this.nextToSend !== null && seq < this.nextToSend) inFlight += b.samples.length;
      else queued += b.samples.length;
    }
    const acked = patch.ackedSamples ?? this.state.ackedSamples;
    this.state = { ...this.state, ...patch, sentSamples: acked + inFlight, queuedSamples: queued };
    this.opts.onChange?.(this.state);
  }
}
