'use client';

/**
 * The clinician's live view. One WatchSocket feeds a Trace (samples never enter React state); React holds
 * only what changes a few times a second: connection, session status, the latest analysis, the duration.
 */
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';

import { AnalysisSummary } from '@/app/_components/analysis-summary';
import { DownloadButtons } from '@/app/_components/download-buttons';
import { wsUrl } from '@/lib/api';
import {
  paths,
  type LiveAnalysis,
  type SessionAnalysis,
  type SessionMetadata,
  type SessionStatus,
} from '@/lib/protocol';
import { tokenFromHash } from '@/lib/share-link';
import { Trace } from '@/lib/trace';
import { WatchSocket, type WatchConnection } from '@/lib/watch-socket';

import { LiveChart } from './live-chart';
import { StatusBar } from './status-bar';
import { viewerStatus, watchingCount } from './viewer-status';
import { Vitals } from './vitals';

const subscribeHash = (cb: () => void) => {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
};

export interface LiveInfo {
  connection: WatchConnection;
  connectionDetail: string | null;
  session: SessionMetadata | null;
  status: SessionStatus | null;
  patientConnected: boolean;
  viewers: number;
  analysis: LiveAnalysis | null;
  analysisAtMs: number | null;
  /** Epoch ms when the patient was last seen connected (for "disconnected since"). */
  lastPatientMs: number | null;
}

const INITIAL: LiveInfo = {
  connection: 'connecting',
  connectionDetail: null,
  session: null,
  status: null,
  patientConnected: false,
  viewers: 0,
  analysis: null,
  analysisAtMs: null,
  lastPatientMs: null,
};

export function Viewer({ sessionId }: { sessionId: string }) {
  const token = useSyncExternalStore(
    subscribeHash,
    () => tokenFromHash(window.location.hash) ?? '',
    () => null,
  );
  const [trace] = useState(() => new Trace(4096, true));
  const [info, setInfo] = useState<LiveInfo>(INITIAL);
  const [clock, setClock] = useState({ nowMs: 0, durationS: 0, lastSampleMs: null as number | null });
  const received = useRef<HTMLSpanElement>(null);
  const [final, setFinal] = useState<SessionAnalysis | null>(null);

  useEffect(() => {
    if (!token) return;
    let count = trace.count;
    let lastSampleMs: number | null = null;
    const patch = (p: Partial<LiveInfo>) => setInfo((prev) => ({ ...prev, ...p }));
    const watch = new WatchSocket({
      url: wsUrl(paths.watch(sessionId)),
      token,
      onConnection: (connection, connectionDetail) => patch({ connection, connectionDetail }),
      onReady: (session) => patch({ session }),
      onStatus: (status, patientConnected, viewers) =>
        setInfo((prev) => ({
          ...prev,
          status,
          patientConnected,
          viewers: watchingCount(prev.viewers, viewers),
          lastPatientMs: prev.patientConnected && !patientConnected ? Date.now() : prev.lastPatientMs,
        })),
      onSamples: (_seq, samples) => {
        trace.append(samples);
        count += samples.length;
        lastSampleMs = samples[samples.length - 1]?.[0] ?? lastSampleMs;
        if (received.current) received.current.textContent = String(count);
      },
      onAnalysis: (analysis) => {
        trace.addBeats(analysis.beats);
        patch({ analysis, analysisAtMs: Date.now() });
      },
    });
    if (received.current) received.current.textContent = String(count);
    watch.start();
    const tick = () => setClock({ nowMs: Date.now(), durationS: trace.durationS, lastSampleMs });
    const timer = setInterval(tick, 500);
    return () => {
      clearInterval(timer);
      watch.dispose();
    };
  }, [sessionId, token, trace]);

  const missingToken = token === '';
  const status = missingToken ? 'error' : viewerStatus(info.connection, info.status, info.patientConnected);
  // The server closes the stream with 4401 "share link revoked" when the patient makes a new link.
  const revoked = status === 'error' && /revoked/i.test(info.connectionDetail ?? '');
  const detail = missingToken
    ? 'This link is incomplete: the part after “#” is missing. Ask the patient to share the link again.'
    : revoked
      ? 'The patient stopped sharing this link. Ask them for the new link.'
      : info.connectionDetail;

  return (
    <>
      <StatusBar
        status={status}
        detail={detail}
        viewers={status === 'error' ? 0 : info.viewers}
        nowMs={clock.nowMs}
        lastSampleMs={clock.lastSampleMs}
        lastPatientMs={info.lastPatientMs}
        session={info.session}
      />
      {revoked && (
        <section className="card stack" aria-labelledby="revoked-title" data-testid="link-revoked">
          <h1 id="revoked-title">The patient stopped sharing this link</h1>
          <p className="muted">
            This link no longer opens the recording: the patient replaced it with a new one from their phone. If you
            should still see it, ask the patient to send you the new link.
          </p>
        </section>
      )}
      {status === 'error' && !revoked && (
        <section className="card stack" aria-labelledby="invalid-title">
          <h1 id="invalid-title">This link does not open a recording</h1>
          <p className="muted">
            The link may be incomplete (it must include everything after “#”), the recording may have been deleted by
            the patient, or the link was mistyped. Ask the patient to share the link again from their phone.
          </p>
        </section>
      )}
      <div hidden={status === 'error'} className="stack" style={{ gap: '1rem' }}>
        <Vitals
          analysis={info.analysis}
          analysisAtMs={info.analysisAtMs}
          nowMs={clock.nowMs}
          durationS={clock.durationS}
          samplingRateHz={trace.samplingRateHz}
          receivedRef={received}
          final={status === 'ended' ? final : null}
        />
        <LiveChart trace={trace} durationS={clock.durationS} ended={status === 'ended'} />
      </div>
      {token && status !== 'error' && (
        <section className="card stack" aria-labelledby="record-title">
          <div className="row" style={{ justifyContent: 'space-between' }}>
            <h2 id="record-title" style={{ margin: 0 }}>
              {status === 'ended' ? 'Whole recording' : 'Recording so far'}
            </h2>
            <DownloadButtons sessionId={sessionId} token={token} />
          </div>
          {status === 'ended' && (
            <AnalysisSummary
              sessionId={sessionId}
              token={token}
              onAnalysis={(a) => {
                trace.setBeats(a.beats);
                setFinal(a);
              }}
            />
          )}
        </section>
      )}
    </>
  );
}
