import { describe, expect, it } from 'vitest';

import { connectSources, contentSecurityPolicy } from './csp';

describe('Content-Security-Policy', () => {
  it('allows the configured server over HTTP(S) and its WebSocket twin, nothing else', () => {
    expect(connectSources('https://api.scg.example.org/')).toEqual([
      "'self'",
      'https://api.scg.example.org',
      'wss://api.scg.example.org',
    ]);
    expect(connectSources('http://127.0.0.1:8765/base')).toEqual(["'self'", 'http://127.0.0.1:8765', 'ws://127.0.0.1:8765']);
  });

  it('without a configured server, allows any host but only on port 8000 (the app then calls hostname:8000)', () => {
    for (const unset of [undefined, '', 'not a url', 'ftp://x.example']) {
      expect(connectSources(unset)).toEqual(["'self'", 'http://*:8000', 'https://*:8000', 'ws://*:8000', 'wss://*:8000']);
    }
  });

  it("has 'unsafe-eval' only in development, and the nonce", () => {
    const prod = contentSecurityPolicy({ nonce: 'abc', dev: false, apiUrl: 'https://api.example.org' });
    const dev = contentSecurityPolicy({ nonce: 'abc', dev: true, apiUrl: 'https://api.example.org' });
    expect(prod).toContain("script-src 'self' 'nonce-abc';");
    expect(prod).not.toContain('unsafe-eval');
    expect(dev).toContain("script-src 'self' 'nonce-abc' 'unsafe-eval';");
    for (const d of ["default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'"]) {
      expect(prod).toContain(d);
    }
  });
});
