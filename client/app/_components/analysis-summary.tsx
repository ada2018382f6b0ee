'use client';

import { useEffect, useRef, useState } from 'react';

import { getAnalysis, getSession } from '@/lib/api';
import type { SessionAnalysis, SessionMetadata } from '@/lib/protocol';

import { fmt, fmtCount, fmtDuration } from './format';

type Loaded<T> = { state: 'loading' } | { state: 'ok'; value: T } | { state: 'error'; message: string };

/** The stored recording's facts and the server's whole-recording analysis ("—" where it has no number). */
interface Props {
  sessionId: string;
  token: string;
  /** Called with the analysis once loaded (e.g. to mark every beat of the recording on the chart). */
  onAnalysis?: (analysis: SessionAnalysis) => void;
}

export function AnalysisSummary({ sessionId, token, onAnalysis }: Props) {
  const [meta, setMeta] = useState<Loaded<SessionMetadata>>({ state: 'loading' });
  const [analysis, setAnalysis] = useState<Loaded<SessionAnalysis | null>>({ state: 'loading' });
  const onAnalysisRef = useRef(onAnalysis);
  useEffect(() => {
    onAnalysisRef.current = onAnalysis;
  }, [onAnalysis]);

  useEffect(() => {
    let alive = true;
    getSession(sessionId, token).then(
      (value) => alive && setMeta({ state: 'ok', value }),
      (e: Error) => alive && setMeta({ state: 'error', message: e.message }),
    );
    getAnalysis(sessionId, token).then(
      (value) => {
        if (!alive) return;
        setAnalysis({ state: 'ok', value });
        if (value) onAnalysisRef.current?.(value);
      },
      (e: Error) => alive && setAnalysis({ state: 'error', message: e.message }),
    );
    return () => {
      alive = false;
    };
  }, [sessionId, token]);

  const m = meta.state === 'ok' ? meta.value : null;
  const a = analysis.state === 'ok' ? analysis.value : null;
  return (
    <div className="stack">
      <dl className="facts">
        <dt>Duration</dt>
        <dd>{fmtDuration(m?.durationS)}</dd>
        <dt>Samples stored</dt>
        <dd>{fmtCount(m?.sampleCount)}</dd>
        <dt>Sampling rate</dt>
        <dd>{m?.samplingRateHz ? `${fmt(m.samplingRateHz, 1)} Hz` : '—'}</dd>
        <dt>Heart rate</dt>
        <dd>{a?.heartRateBpm ? `${fmt(a.heartRateBpm)} bpm` : '—'}</dd>
        <dt>Beats detected</dt>
        <dd>{a ? fmtCount(a.beats.length) : '—'}</dd>
        <dt>Usable signal</dt>
        <dd>{a?.coverage !== null && a?.coverage !== undefined ? `${fmt(a.coverage * 100)} %` : '—'}</dd>
        <dt>HRV (SDNN / RMSSD)</dt>
        <dd>
          {a?.hrv ? `${fmt(a.hrv.sdnnMs)} / ${fmt(a.hrv.rmssdMs)} ms` : '—'}
        </dd>
        <dt>Breathing rate</dt>
        <dd>{a?.respiratoryRateBpm ? `${fmt(a.respiratoryRateBpm, 1)} /min` : '—'}</dd>
      </dl>
      {meta.state === 'error' && <p className="notice bad small">Could not load the recording: {meta.message}</p>}
      {analysis.state === 'ok' && analysis.value === null && (
        <p className="small muted">Analysis is not available on this server.</p>
      )}
      {analysis.state === 'error' && <p className="small muted">Analysis could not be loaded: {analysis.message}</p>}
      {analysis.state === 'loading' && <p className="small muted">Analysing…</p>}
    </div>
  );
}
