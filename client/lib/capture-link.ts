/**
 * The capture socket's connection to the server: opens it and says hello, gives up on one that never answers
 * `ready`, and reconnects with jittered exponential backoff while the browser is online. What the frames mean,
 * and whether a close calls for a reconnect, is CaptureSocket's business.
 */
import { Backoff } from './backoff';
import { openBrowserSocket, WS_OPEN, type WebSocketLike } from './socket-like';

/** Our own close code for a connection we gave up on (no ready, no ack, browser offline). */
export const CLOSE_RETRY = 4000;

export interface CaptureLinkOptions {
  url: string;
  /** The first frame on every new connection. */
  hello: () => string;
  openSocket?: (url: string) => WebSocketLike;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A connection without `ready` for this long is given up (the server itself waits 10 s for hello). */
  readyTimeoutMs?: number;
  /** False once connecting makes no sense any more (the recording ended, or this page lost it). */
  mayConnect: () => boolean;
  /** Connecting (again), waiting `retryInMs` to reconnect, or offline. */
  onConnecting: (connection: 'connecting' | 'reconnecting' | 'offline', retryInMs: number | null) => void;
  onText: (text: string) => void;
  /** The current connection closed, or was given up. */
  onClose: (code: number, reason: string) => void;
}

export class CaptureLink {
  private ws: WebSocketLike | null = null;
  private readonly backoff: Backoff;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readyTimer: ReturnType<typeof setTimeout> | null = null;
  private isReady = false;
  online = true;

  constructor(private readonly opts: CaptureLinkOptions) {
    this.backoff = new Backoff(opts.initialBackoffMs, opts.maxBackoffMs);
  }

  /** The connection is open and the server has answered `ready`. */
  get usable(): boolean {
    return this.ws !== null && this.ws.readyState === WS_OPEN && this.isReady;
  }

  get connected(): boolean {
    return this.ws !== null;
  }

  send(text: string): void {
    this.ws?.send(text);
  }

  /** Open a connection unless one is open, connecting is pointless, or the browser is offline. */
  connect(): void {
    if (!this.opts.mayConnect() || this.ws) return;
    if (!this.online) {
      this.opts.onConnecting('offline', null);
      return;
    }
    this.opts.onConnecting(this.backoff.attempts === 0 ? 'connecting' : 'reconnecting', null);
    let ws: WebSocketLike;
    try {
      ws = (this.opts.openSocket ?? openBrowserSocket)(this.opts.url);
    } catch {
      this.retryLater();
      return;
    }
    this.ws = ws;
    ws.onopen = () => ws.send(this.opts.hello());
    ws.onmessage = (ev) => {
      if (this.ws === ws && typeof ev.data === 'string') this.opts.onText(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.ws === ws) this.closed(ev.code, ev.reason);
    };
    ws.onerror = () => undefined; // a close event always follows
    this.readyTimer = setTimeout(() => {
      if (this.ws === ws && !this.isReady) this.abandon('no ready');
    }, this.opts.readyTimeoutMs ?? 10_000);
  }

  /** The server answered hello: this connection works. */
  ready(): void {
    if (this.readyTimer) clearTimeout(this.readyTimer);
    this.isReady = true;
    this.backoff.reset();
  }

  /** Give up on the current connection (it looks dead) and report it closed. */
  abandon(reason: string): void {
    const ws = this.detach();
    ws?.close(CLOSE_RETRY, reason);
    if (ws) this.opts.onClose(CLOSE_RETRY, reason);
  }

  /** Reconnect after the next backoff delay. */
  retryLater(): void {
    const delay = this.backoff.next();
    this.opts.onConnecting('reconnecting', delay);
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  /** The browser went offline (close now, wait) or back online (reconnect at once). */
  setOnline(online: boolean): void {
    this.online = online;
    this.clearRetry();
    if (!online) {
      this.detach()?.close(CLOSE_RETRY, 'offline');
      this.opts.onConnecting('offline', null);
    } else {
      this.backoff.reset();
      this.connect();
    }
  }

  /** Close for good (no reconnect): the page goes away, or there is nothing left to send. */
  stop(code: number, reason: string): void {
    this.clearRetry();
    this.detach()?.close(code, reason);
  }

  private closed(code: number, reason: string): void {
    this.detach();
    this.opts.onClose(code, reason);
  }

  private detach(): WebSocketLike | null {
    const ws = this.ws;
    this.ws = null;
    this.isReady = false;
    if (this.readyTimer) clearTimeout(this.readyTimer);
    return ws;
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}
