'use client';

import { fmtDuration } from '@/app/_components/format';
import type { SessionMetadata } from '@/lib/protocol';

import { STATUS_TEXT, type ViewerStatus } from './viewer-status';

interface Props {
  status: ViewerStatus;
  detail: string | null;
  viewers: number;
  nowMs: number;
  lastSampleMs: number | null;
  lastPatientMs: number | null;
  session: SessionMetadata | null;
}

function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Always-visible connection state, in words, with what the clinician can expect next. */
export function StatusBar({ status, detail, viewers, nowMs, lastSampleMs, lastPatientMs, session }: Props) {
  const { title, tone } = STATUS_TEXT[status];
  const since = lastSampleMs ?? lastPatientMs;
  const silentS = lastSampleMs && nowMs ? (nowMs - lastSampleMs) / 1000 : null;
  let explanation: string;
  switch (status) {
    case 'connecting':
      explanation = 'Connecting to the server…';
      break;
    case 'waiting':
      explanation = 'The session is open. The waveform appears as soon as the patient starts recording.';
      break;
    case 'live':
      explanation =
        silentS !== null && silentS > 3
          ? `No signal for ${fmtDuration(silentS)}: the phone's screen may be off or the page in the background.`
          : 'Receiving the patient’s signal in real time.';
      break;
    case 'disconnected':
      explanation = since
        ? `The phone lost its connection at ${clockTime(since)} (${fmtDuration((nowMs - since) / 1000)} ago). Nothing is lost: it resends when it is back.`
        : 'The phone is not connected. Nothing is lost: it resends when it is back.';
      break;
    case 'ended':
      explanation = 'The patient ended the recording. Everything stored is shown below.';
      break;
    case 'error':
      explanation = detail ?? 'This link is not valid or has expired. Ask the patient for a new link.';
      break;
  }

  return (
    <section className="card row status-bar" aria-label="Status">
      <div className="row" style={{ gap: '0.75rem', flexWrap: 'nowrap', minWidth: 0 }}>
        <span
          className={`pill ${tone}`}
          data-testid="connection-status"
          data-status={status}
          title={title}
          role="status"
          aria-live="polite"
          style={{ textTransform: 'capitalize' }}
        >
          {status}
        </span>
        <span className="small">{explanation}</span>
      </div>
      <span className="small muted num" style={{ whiteSpace: 'nowrap' }}>
        {session ? `Session ${session.sessionId.slice(0, 8)} · ` : ''}
        {viewers > 0 ? `${viewers} watching` : ''}
      </span>
    </section>
  );
}
