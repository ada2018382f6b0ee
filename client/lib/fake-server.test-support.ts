/**
 * An in-memory OpenSCG capture endpoint for unit tests: it follows the ready/ack/seq_gap/end rules of the
 * protocol and lets a test drop acks or cut the connection, so the resender can be checked without a server.
 * Like the server, it refuses (`invalid_samples`) a batch not after the last stored sample, and one more than
 * `maxClockSkewMs` from its clock (`Date.now()`), with `serverTimeMs`.
 */
import type { WebSocketLike } from './socket-like';
import type { Sample } from './protocol';

export class FakeCaptureServer {
  stored: Sample[][] = [];
  ended = false;
  dropAcks = false;
  sockets: FakeSocket[] = [];
  received: number[] = [];
  /** Refusals sent: [seq, detail]. */
  refused: Array<[number, string]> = [];
  /** Off unless a test sets it (the server's default is one day). */
  maxClockSkewMs = Number.POSITIVE_INFINITY;

  open = (url: string): WebSocketLike => {
    const ws = new FakeSocket(url, this);
    this.sockets.push(ws);
    queueMicrotask(() => ws.accept());
    return ws;
  };

  get current(): FakeSocket | undefined {
    return this.sockets[this.sockets.length - 1];
  }

  handle(ws: FakeSocket, text: string): void {
    const msg = JSON.parse(text) as { type: string; seq?: number; samples?: Sample[] };
    if (msg.type === 'hello') return ws.reply({ type: 'ready', nextSeq: this.stored.length });
    if (msg.type === 'end') {
      this.ended = true;
      ws.reply({ type: 'ended' });
      return ws.serverClose(1000);
    }
    if (msg.type !== 'samples' || msg.seq === undefined || !msg.samples) return;
    this.received.push(msg.seq);
    if (msg.seq > this.stored.length) return ws.reply({ type: 'error', code: 'seq_gap', expected: this.stored.length });
    if (msg.seq === this.stored.length) {
      const refusal = this.refusal(msg.samples);
      if (refusal) {
        this.refused.push([msg.seq, refusal.detail]);
        return ws.reply({ type: 'error', code: 'invalid_samples', seq: msg.seq, ...refusal });
      }
      this.stored.push(msg.samples);
    }
    if (!this.dropAcks) ws.reply({ type: 'ack', seq: msg.seq });
  }

  private refusal(samples: Sample[]): { detail: string; serverTimeMs?: number } | null {
    const now = Date.now();
    for (const s of [samples[0], samples[samples.length - 1]])
      if (s && Math.abs(s[0] - now) > this.maxClockSkewMs) return { detail: 'clock far off', serverTimeMs: now };
    let previous = this.stored.at(-1)?.at(-1)?.[0] ?? Number.NEGATIVE_INFINITY;
    for (const s of samples) {
      if (!(s[0] > previous)) return { detail: `t_ms ${s[0]} is not after ${previous}` };
      previous = s[0];
    }
    return null;
  }

  get sampleCount(): number {
    return this.stored.reduce((n, b) => n + b.length, 0);
  }
}

export class FakeSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  constructor(
    readonly url: string,
    private readonly server: FakeCaptureServer,
  ) {}

  accept(): void {
    if (this.readyState !== 0) return;
    this.readyState = 1;
    this.onopen?.({});
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    queueMicrotask(() => this.server.handle(this, data));
  }

  reply(msg: unknown): void {
    if (this.readyState === 1) queueMicrotask(() => this.onmessage?.({ data: JSON.stringify(msg) }));
  }

  /** The server (or the network) closes the connection. */
  serverClose(code: number, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }

  close(code = 1000, reason = ''): void {
    this.serverClose(code, reason);
  }
}
