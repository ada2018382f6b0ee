import type { SessionStatus } from '@/lib/protocol';
import type { WatchConnection } from '@/lib/watch-socket';

/** What the clinician is told, in the words the tests and the status pill use. */
export type ViewerStatus = 'connecting' | 'waiting' | 'live' | 'disconnected' | 'ended' | 'error';

export function viewerStatus(
  connection: WatchConnection,
  session: SessionStatus | null,
  patientConnected: boolean,
): ViewerStatus {
  if (connection === 'error') return 'error';
  if (session === 'ended') return 'ended';
  if (connection !== 'open') return 'connecting';
  if (session === 'live') return patientConnected ? 'live' : 'disconnected';
  return 'waiting';
}

/**
 * The "N watching" count after a `status` frame arrived on this page's own open watch socket: this page is one of
 * the watchers, so never fewer than 1; a frame without a count keeps the last one.
 */
export function watchingCount(previous: number, reported: number | null): number {
  return Math.max(1, reported ?? previous);
}

export const STATUS_TEXT: Record<ViewerStatus, { title: string; tone: string }> = {
  connecting: { title: 'Connecting', tone: 'warn' },
  waiting: { title: 'Waiting for the patient', tone: '' },
  live: { title: 'Live', tone: 'ok live' },
  disconnected: { title: 'Patient disconnected', tone: 'warn' },
  ended: { title: 'Recording ended', tone: '' },
  error: { title: 'Link invalid', tone: 'bad' },
};
