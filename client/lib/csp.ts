/**
 * The Content-Security-Policy of every page. Built per request by `proxy.ts` (a fresh nonce each time: Next.js
 * renders inline scripts for hydration and streaming, and marks them with the nonce it finds in this header).
 */

/** The sources the page may connect to: this origin and the OpenSCG server over HTTP(S) and WebSocket. */
export function connectSources(apiUrl: string | undefined): string[] {
  if (apiUrl) {
    try {
      const u = new URL(apiUrl);
      if (u.protocol === 'http:' || u.protocol === 'https:') {
        const ws = u.protocol === 'https:' ? 'wss:' : 'ws:';
        return ["'self'", u.origin, `${ws}//${u.host}`];
      }
    } catch {
      /* not a URL: fall through to the default below */
    }
  }
  // NEXT_PUBLIC_OPENSCG_API_URL unset: lib/api.ts then calls the page's own hostname on port 8000 (a phone on
  // the same network reaching a development server), which is not known when this header is built. Allow any
  // host, but on port 8000 only; production builds should set the variable, which narrows this to one origin.
  return ["'self'", 'http://*:8000', 'https://*:8000', 'ws://*:8000', 'wss://*:8000'];
}

export function contentSecurityPolicy(opts: { nonce: string; dev: boolean; apiUrl: string | undefined }): string {
  const directives: [string, ...string[]][] = [
    ['default-src', "'self'"],
    // 'unsafe-eval' only for `next dev` (React refresh and its error overlay); never in a production build.
    ['script-src', "'self'", `'nonce-${opts.nonce}'`, ...(opts.dev ? ["'unsafe-eval'"] : [])],
    // Next.js and React set inline styles (style attributes, and <style> in development); uPlot sets element styles.
    ['style-src', "'self'", "'unsafe-inline'"],
    // The QR code is a data: URL; downloads are blob: URLs.
    ['img-src', "'self'", 'data:', 'blob:'],
    ['font-src', "'self'"],
    ['connect-src', ...connectSources(opts.apiUrl)],
    ['worker-src', "'self'", 'blob:'],
    ['manifest-src', "'self'"],
    ['object-src', "'none'"],
    ['base-uri', "'self'"],
    ['form-action', "'self'"],
    ['frame-ancestors', "'none'"],
  ];
  return directives.map((d) => d.join(' ')).join('; ');
}
