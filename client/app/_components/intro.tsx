'use client';

import { useEffect, useState, useSyncExternalStore } from 'react';

import { detectSensor, hasMotionApi, type MotionPermission } from '@/lib/motion';

import { DemoButton } from './demo-button';
import { PlacementGuide } from './placement-guide';
import { QrCode } from './qr-code';
import { usePageUrl } from './use-origin';

const noSubscription = () => () => undefined;

interface Props {
  busy: boolean;
  permission: MotionPermission | null;
  error: string | null;
  onStart: () => void;
}

/** The first screen: what to do, the Start button, and honest notes when this device cannot record. */
export function Intro({ busy, permission, error, onStart }: Props) {
  const pageUrl = usePageUrl();
  const [sensor, setSensor] = useState<'checking' | 'yes' | 'no'>('checking');
  useEffect(() => {
    let alive = true;
    if (!hasMotionApi()) {
      queueMicrotask(() => alive && setSensor('no'));
    } else {
      void detectSensor(1500).then((found) => alive && setSensor(found ? 'yes' : 'no'));
    }
    return () => {
      alive = false;
    };
  }, []);
  const insecure = useSyncExternalStore(
    noSubscription,
    () => !window.isSecureContext,
    () => false,
  );

  return (
    <>
      <section className="card stack" aria-labelledby="intro-title">
        <h1 id="intro-title">Record your heart&apos;s vibrations</h1>
        <p className="muted">
          Your phone&apos;s motion sensor picks up the tiny movements of your chest with every heartbeat
          (seismocardiography). Your clinician watches them live.
        </p>
        <button type="button" data-testid="start" className="btn primary big" disabled={busy} onClick={onStart}>
          {busy ? 'Preparing…' : 'Start recording'}
        </button>
        {permission === 'denied' && (
          <div className="notice bad small" role="alert">
            <strong>Motion access was refused.</strong> OpenSCG needs it to record. On iPhone: close this tab, open
            the page again and tap <em>Allow</em> when asked; if you are not asked, go to Settings → Safari →
            Advanced → Website Data, remove this site, and try again. On Android: tap the lock icon next to the
            address, open <em>Permissions</em> and allow <em>Motion sensors</em>.
          </div>
        )}
        {error && (
          <div className="notice bad small" role="alert">
            {error}
          </div>
        )}
        {insecure && (
          <div className="notice warn small">
            This page is not served over HTTPS, so the browser may hide the motion sensor. Use the https:// address.
          </div>
        )}
      </section>

      {sensor === 'no' && (
        <section className="card stack" aria-labelledby="nosensor-title">
          <h2 id="nosensor-title">No motion sensor found on this device</h2>
          <p className="small muted">
            A computer has no accelerometer. Scan this code with your phone to record there, or watch an example.
          </p>
          <div className="row" style={{ alignItems: 'flex-start', gap: '1rem' }}>
            {pageUrl && <QrCode text={pageUrl} label="QR code to open this page on a phone" />}
            <DemoButton primary />
          </div>
        </section>
      )}

      <PlacementGuide />

      {sensor !== 'no' && (
        <section className="card row" style={{ justifyContent: 'space-between' }}>
          <span className="small muted">No phone at hand?</span>
          <DemoButton />
        </section>
      )}
    </>
  );
}
