import type { NextConfig } from 'next';

/** The app is fully static apart from the dynamic viewer route; all data comes from the OpenSCG server. */
const nextConfig: NextConfig = {
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
        ],
      },
    ];
  },
};

export default nextConfig;
