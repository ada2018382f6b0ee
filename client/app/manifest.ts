import type { MetadataRoute } from 'next';

/** Lets the patient add the capture page to the home screen (it still needs HTTPS for the motion sensor). */
export default function manifest(): MetadataRoute.Manifest {
  return {
    name: 'OpenSCG — heart vibrations from your phone',
    short_name: 'OpenSCG',
    description: 'Record seismocardiography with your phone and share it live with your clinician.',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    orientation: 'portrait',
    background_color: '#f4f6f8',
    theme_color: '#0e6e6a',
    icons: [
      { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml' },
      { src: '/icon-192.png', sizes: '192x192', type: 'image/png' },
      { src: '/icon-512.png', sizes: '512x512', type: 'image/png' },
      { src: '/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  };
}
