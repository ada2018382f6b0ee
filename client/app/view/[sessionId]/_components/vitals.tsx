'use client';

import type { RefObject } from 'react';

import { DASH, fmt, fmtDuration } from '@/app/_components/format';
import type { LiveAnalysis, SessionAnalysis } from '@/lib/protocol';

interface Props {
  analysis: LiveAnalysis | null;
  /** Local time the analysis arrived (the server's tMs is on the phone's clock). */
  analysisAtMs: number | null;
  nowMs: number;
  durationS: number;
  samplingRateHz: number | null;
  receivedRef: RefObject<HTMLSpanElement | null>;
  /** Once the recording has ended: the whole-recording analysis replaces the (stale) live values. */
  final: SessionAnalysis | null;
}

/** Live analysis older than this is not shown: a stale heart rate is worse than none. */
const STALE_MS = 10_000;

const REASON: Record<string, string> = {
  ok: 'Good signal',
  motion: 'Movement',
  no_heartbeat: 'No heartbeat found',
  too_short: 'Collecting…',
};

/** Heart rate and signal quality from the server's analysis ("—" until it has a real number). */
export function Vitals({ analysis, analysisAtMs, nowMs, durationS, samplingRateHz, receivedRef, final }: Props) {
  const fresh = !final && analysis && analysisAtMs !== null && nowMs - analysisAtMs < STALE_MS ? analysis : null;
  const hr = final ? final.heartRateBpm : (fresh?.heartRateBpm ?? null);
  // While the server is still collecting its first window, its quality score is not a judgement yet.
  // For a finished recording, quality is the share of it with a usable heartbeat.
  const quality = final ? final.coverage : fresh && fresh.qualityReason !== 'too_short' ? fresh.quality : null;
  const qualityNote = final
    ? 'Usable, whole recording'
    : fresh
      ? (REASON[fresh.qualityReason] ?? fresh.qualityReason)
      : 'No analysis yet';
  const breathing = final ? final.respiratoryRateBpm : (fresh?.respiratoryRateBpm ?? null);
  return (
    <section className="stats" aria-label="Measurements">
      <div className="stat vital">
        <div className="label">{final ? 'Heart rate, whole recording' : 'Heart rate'}</div>
        <div className="value">
          <span data-testid="heart-rate">{hr === null ? DASH : fmt(hr)}</span>
          <span className="unit">bpm</span>
        </div>
      </div>
      <div className="stat">
        <div className="label">Signal quality</div>
        <div className="value">
          <span data-testid="signal-quality">{quality === null ? DASH : fmt(quality * 100)}</span>
          <span className="unit">{quality === null ? '' : '%'}</span>
        </div>
        <div className="small muted">{qualityNote}</div>
      </div>
      <div className="stat">
        <div className="label">Breathing</div>
        <div className="value">
          {fmt(breathing, 0)}
          <span className="unit">/min</span>
        </div>
      </div>
      <div className="stat">
        <div className="label">Duration</div>
        <div className="value">{fmtDuration(durationS)}</div>
      </div>
      <div className="stat">
        <div className="label">Samples received</div>
        <div className="value">
          {/* Written directly by the watch socket's handler, never through React state. */}
          <span data-testid="samples-received" ref={receivedRef} />
        </div>
        <div className="small muted">{samplingRateHz ? `${fmt(samplingRateHz, 0)} Hz` : DASH}</div>
      </div>
    </section>
  );
}
