/** The part of the browser's WebSocket the capture and watch sockets use (a fake in unit tests). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** `WebSocket.OPEN`. */
export const WS_OPEN = 1;

/** The browser's own WebSocket. */
export const openBrowserSocket = (url: string): WebSocketLike => new WebSocket(url) as unknown as WebSocketLike;
