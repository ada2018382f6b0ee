'use client';

import { useState } from 'react';

import { shareLink } from '@/lib/share-link';

import { QrCode } from './qr-code';
import { useOrigin } from './use-origin';

/** The clinician's link (token in the fragment) with a QR code, copy and the native share sheet. */
export function SharePanel({ sessionId, viewerToken }: { sessionId: string; viewerToken: string }) {
  const origin = useOrigin();
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  if (!origin) return null;
  const link = shareLink(origin, sessionId, viewerToken);
  const canShare = typeof navigator !== 'undefined' && typeof navigator.share === 'function';

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };

  return (
    <section className="card stack" aria-labelledby="share-title">
      <h2 id="share-title">Share with your clinician</h2>
      <p className="muted small">
        Anyone with this link can watch this recording live and download it. Send it only to your clinician.
      </p>
      <div className="row" style={{ alignItems: 'flex-start', gap: '1rem' }}>
        <QrCode text={link} label="QR code of the clinician's link" />
        <div className="stack" style={{ flex: 1, minWidth: '12rem' }}>
          <a data-testid="share-link" className="share-link" href={link} target="_blank" rel="noopener noreferrer">
            {link}
          </a>
          <div className="row">
            <button type="button" className="btn small" onClick={copy}>
              Copy link
            </button>
            {canShare && (
              <button
                type="button"
                className="btn small"
                onClick={() => void navigator.share({ title: 'OpenSCG recording', url: link }).catch(() => undefined)}
              >
                Share…
              </button>
            )}
          </div>
          <span className="small muted" role="status">
            {copied === 'yes' ? 'Link copied.' : copied === 'failed' ? 'Copy failed: select the link and copy it.' : ''}
          </span>
        </div>
      </div>
    </section>
  );
}
