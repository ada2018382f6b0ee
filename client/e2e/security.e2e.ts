/**
 * The security headers of the built app, and that its strict Content-Security-Policy breaks nothing: both pages
 * load and stream in Chromium without a single CSP violation (events and console).
 */
import { randomUUID } from 'node:crypto';

import { expect, it } from 'vitest';

import { motion, phoneContext, startRecording, testIdNumber, testIdText, until, viewerContext, watchCsp } from './phone';
import { browserSuite, env } from './suite';

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name as string, values]),
  );
}

browserSuite('security headers and CSP, in Chromium', (browser) => {
  it('sends the security headers on both pages, with a fresh nonce and no eval in production', async () => {
    const api = new URL(env.apiUrl);
    const nonces: string[] = [];
    for (const path of ['/', `/view/${randomUUID()}`, '/', '/manifest.webmanifest']) {
      const r = await fetch(env.appUrl + path);
      expect(r.status, path).toBe(200);
      const h = r.headers;
      expect(h.get('referrer-policy')).toBe('no-referrer');
      expect(h.get('x-content-type-options')).toBe('nosniff');
      expect(h.get('permissions-policy')).toContain('camera=()');
      expect(h.get('x-frame-options')).toBe('DENY');
      expect(h.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(h.get('strict-transport-security')).toMatch(/^max-age=\d{7,}/);
      const csp = directives(h.get('content-security-policy') ?? '');
      expect(csp.get('default-src')).toEqual(["'self'"]);
      const script = csp.get('script-src') ?? [];
      expect(script[0]).toBe("'self'");
      expect(script).not.toContain("'unsafe-eval'");
      expect(script).not.toContain("'unsafe-inline'");
      const nonce = script.find((s) => s.startsWith("'nonce-"));
      expect(nonce).toBeDefined();
      nonces.push(nonce as string);
      expect(csp.get('connect-src')).toEqual(["'self'", api.origin, `ws://${api.host}`]);
      expect(csp.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
      expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.get('base-uri')).toEqual(["'self'"]);
      expect(csp.get('form-action')).toEqual(["'self'"]);
      if (path !== '/manifest.webmanifest') {
        // Next.js put the nonce on its inline scripts (else they would be blocked).
        const html = await r.text();
        expect(html).toContain(`nonce="${(nonce as string).slice(7, -1)}"`);
      } else {
        await r.body?.cancel();
      }
    }
    expect(new Set(nonces).size).toBe(nonces.length); // one per response
  });

  it('loads and streams on both pages with zero CSP violations', async () => {
    const phoneCtx = await phoneContext(browser());
    const phoneViolations = await watchCsp(phoneCtx, 'phone');
    const phone = await phoneCtx.newPage();
    const link = await startRecording(phone, env.appUrl);
    await motion.start(phone);
    await phone.locator('img.qr').first().waitFor(); // the QR code is a data: image

    const viewerCtx = await viewerContext(browser());
    const viewerViolations = await watchCsp(viewerCtx, 'viewer');
    const viewer = await viewerCtx.newPage();
    await viewer.goto(link);
    await until(() => testIdText(viewer, 'connection-status'), (s) => s === 'live');
    const first = await until(() => testIdNumber(viewer, 'samples-received'), (n) => n > 0);
    await until(() => testIdNumber(viewer, 'samples-received'), (n) => n > first + 60);
    await until(() => testIdNumber(phone, 'samples-acked'), (n) => n > 60);
    await phone.getByTestId('access-log').waitFor();
    await viewer.getByRole('button', { name: 'Raw axes' }).click(); // redraw the chart with other series
    await new Promise((r) => setTimeout(r, 1000));
    await motion.stop(phone);

    expect([...(await phoneViolations()), ...(await viewerViolations())]).toEqual([]);

    // The check can see a violation: an injected inline script is blocked and reported.
    await viewer.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true';
      document.body.append(s);
    });
    await until(viewerViolations, (v) => v.some((x) => x.includes('script-src')), 5000);
    expect(await viewer.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
    await phoneCtx.close();
    await viewerCtx.close();
  });
});
