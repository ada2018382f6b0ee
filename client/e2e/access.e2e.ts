/**
 * Who watched, and revoking the share link, in a real browser: the phone's panel lists the clinician's `watch`;
 * "Stop sharing / new link" disconnects the old link's viewer with a clear message, and the new link works.
 */
import { expect, it } from 'vitest';

import {
  motion,
  phoneContext,
  screenshot,
  startRecording,
  testIdNumber,
  testIdText,
  until,
  viewerContext,
  watchCsp,
} from './phone';
import { browserSuite, env } from './suite';

browserSuite('who watched, and a new share link, in Chromium', (browser) => {
  it('lists the clinician on the phone; revoking disconnects the old link and the new one works', async () => {
    const phoneCtx = await phoneContext(browser());
    const violations = await watchCsp(phoneCtx, 'phone');
    const phone = await phoneCtx.newPage();
    const errors: string[] = [];
    phone.on('pageerror', (e) => errors.push(`phone: ${e.message}`));
    const oldLink = await startRecording(phone, env.appUrl);
    await motion.start(phone);
    const log = phone.getByTestId('access-log');
    await until(() => log.textContent(), (t) => (t ?? '').includes('This phone'));

    const viewer = await (await viewerContext(browser())).newPage();
    await viewer.goto(oldLink);
    await until(() => testIdText(viewer, 'connection-status'), (s) => s === 'live');
    await until(() => testIdNumber(viewer, 'samples-received'), (n) => n > 0);

    // The list refreshes every 10 s while recording; "Refresh" asks at once.
    const clinicianWatched = async () => {
      await phone.getByTestId('access-refresh').click();
      await new Promise((r) => setTimeout(r, 300));
      return (await log.locator('li[data-role="viewer"]').allTextContents()).join('\n');
    };
    const lines = await until(clinicianWatched, (t) => t.includes('Clinician (share link)') && t.includes('Watched live'));
    expect(lines).toMatch(/Chrome|Chromium/);
    await screenshot(phone, 'patient-access-log');

    phone.once('dialog', (d) => void d.accept());
    await phone.getByTestId('revoke-link').click();
    await phone.getByText('The old link no longer works.').waitFor();
    const newLink = await until(
      async () => (await phone.getByTestId('share-link').first().getAttribute('href')) ?? '',
      (href) => href !== oldLink && href !== '',
    );
    expect(newLink.split('#')[0]).toBe(oldLink.split('#')[0]); // same recording, new key

    // The old link's viewer is disconnected and told why.
    await until(() => testIdText(viewer, 'connection-status'), (s) => s === 'error');
    await viewer.getByTestId('link-revoked').waitFor();
    expect(await viewer.getByText('The patient stopped sharing this link').count()).toBeGreaterThan(0);
    await screenshot(viewer, 'viewer-link-revoked');

    // The new link works, and the phone's list shows the revocation.
    const fresh = await (await viewerContext(browser())).newPage();
    await fresh.goto(newLink);
    await until(() => testIdText(fresh, 'connection-status'), (s) => s === 'live');
    const got = await until(() => testIdNumber(fresh, 'samples-received'), (n) => n > 0);
    await until(() => testIdNumber(fresh, 'samples-received'), (n) => n > got);
    await until(clinicianWatched, () => true);
    expect(await log.textContent()).toContain('Stopped sharing (made a new link)');

    // The phone keeps the new link: the review after Stop (read back from the phone's storage) shows it.
    await motion.stop(phone);
    await phone.getByTestId('stop').click();
    await phone.getByTestId('review').waitFor({ timeout: 30_000 });
    expect(await phone.getByTestId('share-link').first().getAttribute('href')).toBe(newLink);
    await phone.getByTestId('access-log').waitFor();

    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
    await phoneCtx.close();
    await viewer.context().close();
    await fresh.context().close();
  });
});
