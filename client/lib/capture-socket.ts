/**
 * The phone's capture socket: sends every batch in seq order, keeps each one (in the PhoneStore) until the
 * server acknowledges it, reconnects with jittered exponential backoff and resends from the server's `nextSeq`.
 * Ending waits until every batch is acknowledged, so Stop leaves no sample behind.
 */
import type { Batch } from './batcher';
import { CaptureLink, type CaptureLinkOptions } from './capture-link';
import { CaptureOutbox } from './capture-outbox';
import { initialCaptureState, isTerminal, type CaptureState } from './capture-state';
import { rebaseOffset, shiftSamples } from './clock-rebase';
import type { PhoneStore } from './phone-store';
import { CloseCode, endMessage, helloCapture, samplesMessage, type DeviceInfo, type LiveAnalysis } from './protocol';
import { parseCaptureMessage } from './server-messages';

export interface CaptureSocketOptions
  extends Pick<CaptureLinkOptions, 'url' | 'openSocket' | 'initialBackoffMs' | 'maxBackoffMs'> {
  sessionId: string;
  patientToken: string;
  device?: DeviceInfo;
  store: PhoneStore;
  onChange?: (state: CaptureState) => void;
  onAnalysis?: (analysis: LiveAnalysis) => void;
  /** A batch unacknowledged for this long means the connection is dead: drop it and reconnect. */
  ackTimeoutMs?: number;
}

export class CaptureSocket {
  private readonly link: CaptureLink;
  private readonly outbox = new CaptureOutbox();
  /** The next seq to write on this connection; null until the server said `ready`. */
  private nextToSend: number | null = null;
  /** A batch the server refused for good on this connection: nothing from it on is sent again. */
  private refusedSeq: number | null = null;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private disposed = false;
  private ending = false;
  /** adoptStrays() calls in progress: the end waits for them. */
  private adopting = 0;
  private endedWaiters: Array<() => void> = [];
  private state: CaptureState = initialCaptureState();

  constructor(private readonly opts: CaptureSocketOptions) {
    this.link = new CaptureLink({
      ...opts,
      hello: () => helloCapture(opts.patientToken, opts.device),
      mayConnect: () => !this.disposed && !isTerminal(this.state.connection),
      onConnecting: (connection, retryInMs) => this.update({ connection, retryInMs }),
      onText: (text) => this.handle(text),
      onClose: (code, reason) => this.handleClose(code, reason),
    });
  }

  get snapshot(): CaptureState {
    return this.state;
  }

  /** Load unacknowledged batches left by an earlier page (reload, crash) and connect. */
  async start(): Promise<void> {
    const record = await this.opts.store.getRecording(this.opts.sessionId);
    for (const b of await this.opts.store.pendingBatches(this.opts.sessionId)) this.outbox.add(b);
    this.update({ ackedSamples: record?.ackedSamples ?? 0 });
    this.watchdog = setInterval(() => this.checkAcks(), 1000);
    this.link.connect();
  }

  /** Keep a new batch durably, then send it when the connection allows. */
  async enqueue(batch: Batch): Promise<void> {
    await this.opts.store.addBatch(this.opts.sessionId, batch);
    this.outbox.add(batch);
    this.pump();
  }

  /**
   * Resolve once every batch is acknowledged and the server has ended the session — or once that can no
   * longer happen (the server refused the recording, or another tab took it over).
   */
  finish(): Promise<void> {
    this.ending = true;
    const done = new Promise<void>((resolve) => {
      if (isTerminal(this.state.connection)) resolve();
      else this.endedWaiters.push(resolve);
    });
    void this.adoptStrays();
    return done;
  }

  /** Tell the socket whether the browser is online (window `online`/`offline` events). */
  setOnline(online: boolean): void {
    if (online === this.link.online) return;
    if (this.disposed || isTerminal(this.state.connection)) {
      this.link.online = online;
      return;
    }
    if (!online) this.forgetConnection();
    this.link.setOnline(online);
  }

  /** Close without ending the session (the page goes away); unacked batches stay in the store. */
  dispose(): void {
    this.disposed = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.forgetConnection();
    this.link.stop(CloseCode.normal, 'page closed');
  }

  private handle(text: string): void {
    const msg = parseCaptureMessage(text);
    if (!msg) return;
    if (msg.type === 'ready') this.onReady(msg.nextSeq);
    else if (msg.type === 'ack') this.onAck(msg.seq);
    else if (msg.type === 'ended') this.onEnded();
    else if (msg.type === 'analysis') this.opts.onAnalysis?.(msg);
    else if (msg.code === 'seq_gap' && msg.expected !== undefined) this.onSeqGap(msg.expected);
    else if (msg.code !== 'invalid_samples') this.update({ error: msg.detail ?? msg.code });
    else if (!this.rebase(msg.seq, msg.serverTimeMs ?? null)) {
      this.refusedSeq = msg.seq ?? null; // resending it after every seq_gap would be a loop
      this.update({ error: `The server refused batch ${msg.seq ?? '?'}: ${msg.detail ?? 'invalid samples'}` });
    }
  }

  private onReady(nextSeq: number): void {
    this.link.ready();
    this.refusedSeq = null; // a new connection tries once more
    this.forgetBelow(nextSeq);
    this.nextToSend = nextSeq;
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
      if (this.nextToSend !== null) this.outbox.adopt(stored, this.nextToSend);
    } finally {
      this.adopting -= 1;
    }
    this.pump();
    this.maybeSendEnd();
  }

  private onAck(seq: number): void {
    const batch = this.outbox.ack(seq, this.state.clockOffsetMs);
    if (!batch) return; // acked again after a resend: already counted
    void this.opts.store.ackBatch(this.opts.sessionId, seq);
    this.update({ ackedSamples: this.state.ackedSamples + batch.samples.length });
    this.maybeSendEnd();
  }

  /**
   * The server refused batch `seq`: if its clock (or the phone's jumping backwards) is the reason, move the
   * batch and every later one in time and resend from `seq` (docs/protocol.md). False when that cannot help.
   */
  private rebase(seq: number | undefined, serverTimeMs: number | null): boolean {
    const batch = seq === undefined ? undefined : this.outbox.get(seq);
    if (seq === undefined || !batch || this.nextToSend === null) return false;
    const offsetMs = rebaseOffset(batch.samples, this.state.clockOffsetMs, serverTimeMs, this.outbox.lastStoredTMs);
    if (offsetMs === null) return false;
    this.outbox.unsend(seq);
    this.refusedSeq = null;
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
    const acked = this.outbox.forgetBelow(nextSeq);
    void this.opts.store.ackBelow(this.opts.sessionId, nextSeq);
    if (acked) this.update({ ackedSamples: this.state.ackedSamples + acked });
  }

  private onEnded(): void {
    this.update({ connection: 'ended', retryInMs: null });
    void this.opts.store.markEnded(this.opts.sessionId, new Date().toISOString());
    if (this.watchdog) clearInterval(this.watchdog);
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    for (const resolve of this.endedWaiters.splice(0)) resolve();
  }

  /** Write every queued batch from nextToSend on, contiguously (a missing seq waits for its enqueue). */
  private pump(): void {
    if (this.link.usable && this.nextToSend !== null) {
      for (let b = this.outbox.get(this.nextToSend); b && b.seq !== this.refusedSeq; b = this.outbox.get(this.nextToSend)) {
        this.link.send(samplesMessage(b.seq, shiftSamples(b.samples, this.state.clockOffsetMs)));
        this.outbox.markSent(b.seq, this.state.clockOffsetMs);
        this.nextToSend += 1;
      }
    }
    this.update({});
  }

  private maybeSendEnd(): void {
    if (!this.ending || this.outbox.size > 0 || this.adopting > 0) return;
    if (this.link.usable && this.nextToSend !== null) this.link.send(endMessage());
  }

  private checkAcks(): void {
    if (!this.link.connected || this.nextToSend === null) return;
    const timeout = this.opts.ackTimeoutMs ?? 8000;
    if (Date.now() - this.outbox.oldestSentAtMs() > timeout) this.link.abandon('no ack');
  }

  /** The connection is gone: nothing is in flight on it any more. */
  private forgetConnection(): void {
    this.nextToSend = null;
    this.outbox.unsend();
  }

  private handleClose(code: number, reason: string): void {
    this.forgetConnection();
    if (this.disposed || this.state.connection === 'ended') return;
    if (code === CloseCode.superseded) {
      this.update({ connection: 'superseded', error: 'This recording continues in another window or tab.' });
      this.releaseWaiters();
    } else if (code === CloseCode.gone || (code === CloseCode.normal && this.ending)) {
      this.onEnded();
    } else if (code === CloseCode.unauthorized || code === CloseCode.notFound) {
      this.update({ connection: 'failed', error: reason || 'The server does not know this recording.' });
      this.releaseWaiters();
    } else if (!this.link.online) {
      this.update({ connection: 'offline' });
    } else {
      this.link.retryLater();
    }
  }

  private update(patch: Partial<CaptureState>): void {
    const { inFlight, queued } = this.outbox.counts(this.nextToSend);
    const acked = patch.ackedSamples ?? this.state.ackedSamples;
    this.state = { ...this.state, ...patch, sentSamples: acked + inFlight, queuedSamples: queued };
    this.opts.onChange?.(this.state);
  }
}
