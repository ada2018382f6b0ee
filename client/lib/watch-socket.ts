/**
 * The clinician's watch socket: asks for the whole session (`since` 0), then live batches; checks that every
 * batch arrives exactly once and in order, and after any drop reconnects with `since` = last seq + 1, so the
 * chart never has a hole.
 */
import { Backoff } from './backoff';
import { openBrowserSocket, WS_OPEN, type WebSocketLike } from './socket-like';
import {
  CloseCode,
  helloWatch,
  pingMessage,
  type LiveAnalysis,
  type Sample,
  type SessionMetadata,
  type SessionStatus,
} from './protocol';
import { parseWatchMessage } from './server-messages';

export type WatchConnection = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'error';

export interface WatchHandlers {
  onConnection?: (connection: WatchConnection, detail: string | null) => void;
  onReady?: (session: SessionMetadata) => void;
  onSamples?: (seq: number, samples: Sample[]) => void;
  /** `viewers` null: the server did not say how many watch (keep the last count). */
  onStatus?: (status: SessionStatus, patientConnected: boolean, viewers: number | null) => void;
  onAnalysis?: (analysis: LiveAnalysis) => void;
}

export interface WatchSocketOptions extends WatchHandlers {
  url: string;
  token: string;
  openSocket?: (url: string) => WebSocketLike;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  pingIntervalMs?: number;
}

export class WatchSocket {
  private ws: WebSocketLike | null = null;
  /** The last seq received; -1 before the first batch. */
  private lastSeq = -1;
  private readonly backoff: Backoff;
  private ended = false;
  private disposed = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly opts: WatchSocketOptions) {
    this.backoff = new Backoff(opts.initialBackoffMs, opts.maxBackoffMs);
  }

  get lastSeqReceived(): number {
    return this.lastSeq;
  }

  start(): void {
    this.connect();
    this.pingTimer = setInterval(() => {
      if (this.ws?.readyState === WS_OPEN) this.ws.send(pingMessage());
    }, this.opts.pingIntervalMs ?? 25_000);
  }

  dispose(): void {
    this.disposed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    const ws = this.ws;
    this.ws = null;
    ws?.close(CloseCode.normal, 'viewer closed');
  }

  private connect(): void {
    if (this.disposed || this.ws) return;
    this.opts.onConnection?.(this.backoff.attempts === 0 ? 'connecting' : 'reconnecting', null);
    const open = this.opts.openSocket ?? openBrowserSocket;
    const ws = open(this.opts.url);
    this.ws = ws;
    ws.onopen = () => ws.send(helloWatch(this.opts.token, this.lastSeq + 1));
    ws.onmessage = (ev) => {
      if (this.ws === ws && typeof ev.data === 'string') this.handle(ws, ev.data);
    };
    ws.onclose = (ev) => {
      if (this.ws === ws) this.handleClose(ev.code, ev.reason);
    };
    ws.onerror = () => undefined; // a close event always follows
  }

  private handle(ws: WebSocketLike, text: string): void {
    const msg = parseWatchMessage(text);
    if (!msg) return;
    switch (msg.type) {
      case 'ready':
        this.backoff.reset();
        this.opts.onConnection?.('open', null);
        this.opts.onReady?.(msg.session);
        this.opts.onStatus?.(msg.session.status, msg.session.patientConnected, msg.session.viewers);
        if (msg.session.status === 'ended') this.ended = true;
        break;
      case 'samples':
        if (msg.seq <= this.lastSeq) return; // already have it
        if (msg.seq > this.lastSeq + 1) {
          // A hole: never draw past it. Reconnect and ask again from the first missing batch.
          ws.close(4000, 'gap');
          this.handleClose(4000, 'gap');
          return;
        }
        this.lastSeq = msg.seq;
        this.opts.onSamples?.(msg.seq, msg.samples);
        break;
      case 'status':
        if (msg.status === 'ended') this.ended = true;
        this.opts.onStatus?.(msg.status, msg.patientConnected, msg.viewers);
        break;
      case 'analysis':
        this.opts.onAnalysis?.(msg);
        break;
      case 'error':
        break; // read_only: we only send hello and ping, so nothing to correct
    }
  }

  private handleClose(code: number, reason: string): void {
    this.ws = null;
    if (this.disposed) return;
    if (code === CloseCode.unauthorized || code === CloseCode.notFound || code === CloseCode.gone) {
      this.opts.onConnection?.('error', reason || closeReason(code));
      return;
    }
    if (this.ended && code === CloseCode.normal) {
      this.opts.onConnection?.('closed', null);
      return;
    }
    const delay = this.backoff.next();
    this.opts.onConnection?.('reconnecting', null);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }
}

function closeReason(code: number): string {
  if (code === CloseCode.unauthorized) return 'This link is not valid: its key was not accepted.';
  if (code === CloseCode.gone) return 'This recording was deleted.';
  return 'This link does not match any recording. It may have been deleted.';
}
