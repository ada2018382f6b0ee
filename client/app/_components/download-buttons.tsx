'use client';

import { useState } from 'react';

import { downloadData } from '@/lib/api';

/** Download the stored recording as the OpenSCG JSON document or as CSV (`t_ms,ax,ay,az`). */
export function DownloadButtons({ sessionId, token }: { sessionId: string; token: string }) {
  const [busy, setBusy] = useState<'json' | 'csv' | null>(null);
  const [error, setError] = useState<string | null>(null);

  const download = async (format: 'json' | 'csv') => {
    setBusy(format);
    setError(null);
    try {
      const blob = await downloadData(sessionId, token, format);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `openscg-${sessionId}.${format}`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Download failed.');
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="stack" style={{ gap: '0.25rem' }}>
      <div className="row">
        <button type="button" className="btn small" disabled={busy !== null} onClick={() => void download('json')}>
          {busy === 'json' ? 'Preparing…' : 'Download JSON'}
        </button>
        <button type="button" className="btn small" disabled={busy !== null} onClick={() => void download('csv')}>
          {busy === 'csv' ? 'Preparing…' : 'Download CSV'}
        </button>
      </div>
      {error && (
        <span className="small" role="alert" style={{ color: 'var(--bad)' }}>
          {error}
        </span>
      )}
    </div>
  );
}
