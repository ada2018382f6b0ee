'use client';

import type { RecordingRecord } from '@/lib/phone-store';

import { AccessPanel } from './access-panel';
import { AnalysisSummary } from './analysis-summary';
import { DownloadButtons } from './download-buttons';
import { fmtDate } from './format';
import { SharePanel } from './share-panel';

interface Props {
  record: RecordingRecord;
  onNew: () => void;
  /** The share link was revoked: store and show the new viewer token. */
  onRevoked: (viewerToken: string) => Promise<void>;
}

/** After Stop (or when reopened): what the server stored, its analysis, downloads and the share link. */
export function RecordingReview({ record, onNew, onRevoked }: Props) {
  return (
    <>
      <section className="card stack" aria-labelledby="review-title" data-testid="review">
        <h1 id="review-title">Recording finished</h1>
        <p className="muted small">
          Started {fmtDate(record.createdAt)}. Every sample is stored on the server; your clinician can review it with
          the same link.
        </p>
        <div className="stats">
          <div className="stat">
            <div className="label">Recorded</div>
            <div className="value" data-testid="samples-sent">
              {record.recordedSamples}
            </div>
          </div>
          <div className="stat">
            <div className="label">Confirmed by server</div>
            <div className="value" data-testid="samples-acked">
              {record.ackedSamples}
            </div>
          </div>
        </div>
        {record.ackedSamples < record.recordedSamples && (
          <p className="notice warn small">
            {record.recordedSamples - record.ackedSamples} samples were ended before the server confirmed them.
          </p>
        )}
        <AnalysisSummary sessionId={record.sessionId} token={record.patientToken} />
        <DownloadButtons sessionId={record.sessionId} token={record.patientToken} />
        <div>
          <button type="button" className="btn primary" onClick={onNew}>
            New recording
          </button>
        </div>
      </section>
      <SharePanel sessionId={record.sessionId} viewerToken={record.viewerToken} />
      <AccessPanel sessionId={record.sessionId} patientToken={record.patientToken} live={false} onRevoked={onRevoked} />
    </>
  );
}
