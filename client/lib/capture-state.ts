/** What the phone's capture socket tells the page: the connection and the sample counters. */

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

export const initialCaptureState = (): CaptureState => ({
  connection: 'idle',
  sentSamples: 0,
  ackedSamples: 0,
  queuedSamples: 0,
  retryInMs: null,
  clockOffsetMs: 0,
  error: null,
});

/** Nothing more can happen on this recording from this page: ended, taken over by another tab, or refused. */
export function isTerminal(connection: CaptureConnection): boolean {
  return connection === 'ended' || connection === 'superseded' || connection === 'failed';
}
