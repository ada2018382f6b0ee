import type { Metadata, Viewport } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';

import './globals.css';

export const metadata: Metadata = {
  title: { default: 'OpenSCG', template: '%s · OpenSCG' },
  description: 'Live seismocardiography from a smartphone, watched by a clinician in real time.',
  applicationName: 'OpenSCG',
  appleWebApp: { capable: true, title: 'OpenSCG', statusBarStyle: 'default' },
  icons: { icon: '/icon.svg', apple: '/apple-touch-icon.png' },
  referrer: 'no-referrer',
};

export const viewport: Viewport = {
  themeColor: '#0e6e6a',
  width: 'device-width',
  initialScale: 1,
};

/** Rendered per request: the CSP nonce (set in proxy.ts) is new for every page view. */
export default async function RootLayout({ children }: { children: ReactNode }) {
  await connection();
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
