import { NextResponse, type NextRequest } from 'next/server';

import { contentSecurityPolicy } from './lib/csp';

/**
 * A Content-Security-Policy with a fresh nonce for every page. Next.js reads the nonce from the request's CSP
 * header while rendering and puts it on its own scripts, so the policy needs no 'unsafe-inline' for scripts.
 * This is why every page is rendered per request (see `await connection()` in app/layout.tsx).
 */
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64');
  const csp = contentSecurityPolicy({
    nonce,
    dev: process.env.NODE_ENV === 'development',
    apiUrl: process.env.NEXT_PUBLIC_OPENSCG_API_URL,
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('Content-Security-Policy', csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('Content-Security-Policy', csp);
  return response;
}

export const config = {
  // Every page and route; not the hashed build files (scripts and styles, never documents).
  matcher: ['/((?!_next/static|_next/image).*)'],
};
