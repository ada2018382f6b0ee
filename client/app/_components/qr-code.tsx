'use client';

import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

/** A QR code of `text` as an image (so it can be zoomed, saved or screenshotted like any picture). */
export function QrCode({ text, label }: { text: string; label: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    QRCode.toDataURL(text, { margin: 1, width: 352, errorCorrectionLevel: 'M', color: { dark: '#1c2530' } })
      .then((url) => alive && setSrc(url))
      .catch(() => alive && setSrc(null));
    return () => {
      alive = false;
    };
  }, [text]);
  // eslint-disable-next-line @next/next/no-img-element -- a data: URL generated on the device
  return src ? <img className="qr" src={src} alt={label} /> : <div className="qr" role="img" aria-label={label} />;
}
