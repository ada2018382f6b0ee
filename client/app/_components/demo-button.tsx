'use client';

import { useState } from 'react';

import { ApiError, startDemo } from '@/lib/api';

/** "Watch an example": the server starts a virtual patient replaying a real recording; we open its viewer. */
export function DemoButton({ primary = false }: { primary?: boolean }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const watch = async () => {
    setBusy(true);
    setError(null);
    try {
      const demo = await startDemo();
      // A full page load, so the viewer reads its token from the fragment of a fresh URL.
      const path = `/view/${encodeURIComponent(demo.sessionId)}#${encodeURIComponent(demo.viewerToken)}`;
      window.location.href = new URL(path, window.location.origin).href;
    } catch (e) {
      setBusy(false);
      if (e instanceof ApiError && (e.status === 404 || e.status === 405 || e.status === 501))
        setError('The example is not available on this server.');
      else if (e instanceof ApiError && e.status === 429)
        setError(`Too many examples started just now. Try again in ${e.retryAfterS ?? 60} s.`);
      else setError(e instanceof Error ? e.message : 'The example could not be started.');
    }
  };

  return (
    <div className="stack" style={{ gap: '0.25rem' }}>
      <button type="button" className={primary ? 'btn primary' : 'btn'} disabled={busy} onClick={() => void watch()}>
        {busy ? 'Starting the example…' : 'Watch an example recording'}
      </button>
      {error && (
        <span className="small" role="alert" style={{ color: 'var(--bad)' }}>
          {error}
        </span>
      )}
    </div>
  );
}
