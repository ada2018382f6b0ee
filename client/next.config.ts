import type { NextConfig } from 'next';
import { PHASE_DEVELOPMENT_SERVER } from 'next/constants';

/**
 * All data comes from the OpenSCG server. Every page is rendered per request, because its
 * Content-Security-Policy carries a fresh nonce: that header is set in `proxy.ts` (policy in `lib/csp.ts`);
 * the other security headers are set here, for every route.
 */
export default function nextConfig(phase: string): NextConfig {
  const production = phase !== PHASE_DEVELOPMENT_SERVER;
  return {
    reactStrictMode: true,
    poweredByHeader: false,
    async headers() {
      return [
        {
          source: '/:path*',
          headers: [
            // The viewer token lives in the URL fragment; never leak the page URL to third parties.
            { key: 'Referrer-Policy', value: 'no-referrer' },
            { key: 'X-Content-Type-Options', value: 'nosniff' },
            // Motion sensors and the wake lock for this origin only; no camera or microphone.
            { key: 'Permissions-Policy', value: 'accelerometer=(self), gyroscope=(self), camera=(), microphone=()' },
            // Never inside another site's frame (also `frame-ancestors 'none'` in the CSP, for newer browsers).
            { key: 'X-Frame-Options', value: 'DENY' },
            // A page opened from here (the share link) gets no handle on this window, and vice versa.
            { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
            // HTTPS only, for two years, once seen over HTTPS (browsers ignore it over plain HTTP). Not in `next dev`.
            ...(production ? [{ key: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains' }] : []),
          ],
        },
      ];
    },
  };
}
