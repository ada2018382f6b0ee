'use client';

import { useCallback, useRef } from 'react';

import type { CaptureConnection } from '@/lib/capture-state';
import { CLOCK_NOTICE_MS } from '@/lib/clock-rebase';
import { qualityGuidance } from '@/lib/quality-guidance';
import type { PhoneRecorder, RecorderState } from '@/lib/recorder';
import type { TraceWindow } from '@/lib/trace';

import { fmtClockOffset, fmtCount, fmtDuration } from './format';
import { ScgChart } from './scg-chart';

interface Props {
  recorder: PhoneRecorder;
  state: RecorderState;
  nowMs: number;
  startedAtMs: number | null;
  stopping: boolean;
  stoppingSinceMs: number | null;
  /** Whether the screen is kept awake (null: not asked yet). */
  screenLock: boolean | null;
  onStop: () => void;
  onContinue: () => void;
  onEndNow: () => void;
}

const CONNECTION: Record<CaptureConnection, [string, string]> = {
  idle: ['Not connected', ''],
  connecting: ['Connecting…', 'warn'],
  open: ['Connected', 'ok'],
  reconnecting: ['Reconnecting…', 'warn'],
  offline: ['Offline: saving on this phone', 'warn'],
  superseded: ['Continued in another tab', 'bad'],
  ended: ['Ended', ''],
  failed: ['Server refused', 'bad'],
};

/** While recording: connection, counters, the local waveform, guidance, and Stop. */
export function RecordingPanel(props: Props) {
  const { recorder, state, nowMs, stopping } = props;
  const lastVersion = useRef(-1);
  const getFrame = useCallback((): TraceWindow | null => {
    const trace = recorder.trace;
    if (trace.version === lastVersion.current) return null;
    lastVersion.current = trace.version;
    return trace.liveWindow(10, 'scg');
  }, [recorder]);

  const c = state.capture;
  const [label, tone] = CONNECTION[c.connection];
  const elapsed = props.startedAtMs ? (nowMs - props.startedAtMs) / 1000 : null;
  const noSamples =
    state.capturing && state.capturingSinceMs !== null && nowMs - state.capturingSinceMs > 3000 &&
    (state.lastSampleMs === null || nowMs - state.lastSampleMs > 3000);
  const unsent = c.queuedSamples + (c.sentSamples - c.ackedSamples);
  // Continued in another tab, or refused by the server: this page cannot record into it any more.
  const elsewhere = c.connection === 'superseded' || c.connection === 'failed';

  return (
    <section className="card stack" aria-labelledby="rec-title">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h1 id="rec-title" style={{ margin: 0 }}>
          {stopping ? 'Finishing…' : state.capturing ? 'Recording' : 'Recording paused'}
        </h1>
        <span className={`pill ${tone} ${c.connection === 'open' && state.capturing ? 'live' : ''}`} role="status">
          {label}
          {c.connection === 'reconnecting' && c.retryInMs ? ` (${Math.ceil(c.retryInMs / 1000)} s)` : ''}
        </span>
      </div>

      <div className="stats">
        <div className="stat">
          <div className="label">Elapsed</div>
          <div className="value">{fmtDuration(elapsed)}</div>
        </div>
        <div className="stat">
          <div className="label">Sent</div>
          <div className="value" data-testid="samples-sent">
            {c.sentSamples}
          </div>
        </div>
        <div className="stat">
          <div className="label">Confirmed by server</div>
          <div className="value" data-testid="samples-acked">
            {c.ackedSamples}
          </div>
        </div>
        <div className="stat">
          <div className="label">Watching</div>
          <div className="value" data-testid="viewers">
            {state.viewers ?? '—'}
          </div>
        </div>
      </div>

      <ScgChart
        getFrame={getFrame}
        series={[{ label: 'SCG', color: '#0e6e6a' }]}
        height={170}
        label="Your heart vibrations, last 10 seconds"
        emptyText={state.capturing ? 'Waiting for motion data…' : 'Not recording'}
      />

      {state.capturing && state.analysis && (
        <p
          className={`notice small ${['motion', 'no_heartbeat'].includes(state.analysis.qualityReason) ? 'warn' : ''}`}
          role="status"
        >
          {qualityGuidance(state.analysis.qualityReason)}
        </p>
      )}
      {noSamples && (
        <p className="notice warn small" role="alert">
          No motion data is arriving. This device may have no motion sensor, or the browser blocks it. Try a phone,
          and make sure motion access is allowed for this site.
        </p>
      )}
      {Math.abs(c.clockOffsetMs) > CLOCK_NOTICE_MS && (
        <p className="notice warn small" role="status" data-testid="clock-notice">
          This phone’s clock is {fmtClockOffset(c.clockOffsetMs)}. The recording uses the server’s time instead, so
          nothing is lost. To avoid this, set the phone’s date and time to update automatically.
        </p>
      )}
      {state.capturing && props.screenLock === false && (
        <p className="notice small">
          This browser cannot keep the screen on by itself. Set the screen lock to “Never” for the recording.
        </p>
      )}
      {state.hidden && state.capturing && (
        <p className="notice warn small" role="alert">
          The page is in the background: the phone stops motion data then. Keep this page open and the screen on.
        </p>
      )}
      {state.hiddenMs > 1000 && !state.hidden && (
        <p className="notice warn small">
          Not recorded for {fmtDuration(state.hiddenMs / 1000)} while the page was hidden or the screen was off.
        </p>
      )}
      {c.error && <p className="notice bad small">{c.error}</p>}
      {unsent > 0 && (c.connection !== 'open' || stopping) && (
        <p className="small muted">
          {fmtCount(unsent)} samples are kept on this phone and will be sent when the connection returns.
        </p>
      )}

      {!state.capturing && !stopping && !elsewhere && (
        <div className="notice small">
          This recording was interrupted. Put the phone back in place and continue, or stop to finish it.
        </div>
      )}
      <div className="row">
        {!state.capturing && !stopping && !elsewhere && (
          <button type="button" className="btn primary" onClick={props.onContinue}>
            Continue recording
          </button>
        )}
        <button
          type="button"
          data-testid="stop"
          className="btn stop big"
          style={{ flex: 1 }}
          disabled={stopping}
          onClick={props.onStop}
        >
          {stopping ? `Sending the last ${fmtCount(unsent)} samples…` : 'Stop'}
        </button>
      </div>
      {stopping && props.stoppingSinceMs !== null && nowMs - props.stoppingSinceMs > 10_000 && (
        <div className="notice warn small stack">
          <span>The server has not confirmed every sample yet. You can wait, or end now and lose the unsent part.</span>
          <div>
            <button type="button" className="btn small danger" onClick={props.onEndNow}>
              End now
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
