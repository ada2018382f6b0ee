'use client';

import { useState } from 'react';

import type { RecordingRecord } from '@/lib/phone-store';

import { fmtCount, fmtDate } from './format';
import { SharePanel } from './share-panel';

interface Props {
  recordings: RecordingRecord[];
  onOpen: (record: RecordingRecord) => void;
  onDelete: (record: RecordingRecord) => Promise<void>;
}

/** Recordings made on this phone: reopen, share again, or delete (here and on the server). */
export function RecentRecordings({ recordings, onOpen, onDelete }: Props) {
  const [sharing, setSharing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (recordings.length === 0) return null;

  const remove = async (r: RecordingRecord) => {
    if (!window.confirm('Delete this recording from this phone and from the server? This cannot be undone.')) return;
    setError(null);
    try {
      await onDelete(r);
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Delete failed.');
    }
  };

  return (
    <section className="card stack" aria-labelledby="recent-title">
      <h2 id="recent-title">Recent recordings on this phone</h2>
      <ul className="recordings">
        {recordings.map((r) => (
          <li key={r.sessionId}>
            <div>
              <div>{fmtDate(r.createdAt)}</div>
              <div className="small muted">
                {r.state === 'recording' ? 'Not finished' : 'Finished'} · {fmtCount(r.ackedSamples)} samples
              </div>
            </div>
            <div className="row">
              <button type="button" className="btn small" onClick={() => onOpen(r)}>
                Open
              </button>
              <button
                type="button"
                className="btn small"
                aria-expanded={sharing === r.sessionId}
                onClick={() => setSharing(sharing === r.sessionId ? null : r.sessionId)}
              >
                Share
              </button>
              <button type="button" className="btn small danger" onClick={() => void remove(r)}>
                Delete
              </button>
            </div>
            {sharing === r.sessionId && (
              <div style={{ flexBasis: '100%' }}>
                <SharePanel sessionId={r.sessionId} viewerToken={r.viewerToken} />
              </div>
            )}
          </li>
        ))}
      </ul>
      {error && (
        <p className="notice bad small" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
