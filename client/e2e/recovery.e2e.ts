/**
 * Recovery in a real browser: the phone offline for 5 s, the viewer reloading, the phone's page reloading with
 * unacknowledged batches, and a second tab taking the recording over. Each time, nothing recorded is lost.
 */
import { expect, it } from 'vitest';

import { motion, phoneContext, screenshot, startRecording, storedSamples, testIdNumber, testIdText, until } from './phone';
import { browserSuite, env, openLiveRecording } from './suite';

browserSuite('nothing is lost, in Chromium', (browser) => {
  it('loses nothing when the phone goes offline for 5 s, and the viewer reloading keeps a gap-free stream', async () => {
    const { phoneContext: context, phone, viewer, link, close } = await openLiveRecording(browser());

    await context.setOffline(true);
    const offlineAt = Date.now();
    await until(() => testIdText(viewer, 'connection-status'), (s) => s === 'disconnected', 5000);
    await screenshot(viewer, 'viewer-disconnected');
    await new Promise((r) => setTimeout(r, Math.max(0, 5000 - (Date.now() - offlineAt))));
    await context.setOffline(false);
    await viewer.reload();
    await until(() => testIdText(viewer, 'connection-status'), (s) => s === 'live');
    await new Promise((r) => setTimeout(r, 2000));

    const dispatched = await motion.burstThenStop(phone, 3);
    await phone.getByTestId('review').waitFor({ timeout: 30_000 });
    expect(await testIdNumber(phone, 'samples-acked')).toBe(dispatched);
    expect(await storedSamples(env.apiUrl, link)).toBe(dispatched);
    await until(() => testIdText(viewer, 'connection-status'), (s) => s === 'ended');
    expect(await testIdNumber(viewer, 'samples-received')).toBe(dispatched);
    await close();
  });

  it('a reload while batches are unacknowledged resends them from IndexedDB; nothing is lost', async () => {
    const context = await phoneContext(browser());
    const phone = await context.newPage();
    let hold = false;
    await phone.routeWebSocket(/\/capture$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => {
        if (!hold) server.send(m);
      });
      server.onMessage((m) => {
        if (!hold) ws.send(m);
      });
    });
    const link = await startRecording(phone, env.appUrl);
    await motion.start(phone);
    await until(() => testIdNumber(phone, 'samples-acked'), (n) => n > 60);
    hold = true; // the network swallows batches and acks from now on
    await new Promise((r) => setTimeout(r, 1500));
    await motion.stop(phone);
    await new Promise((r) => setTimeout(r, 400)); // the last partial batch goes into IndexedDB
    const before = await motion.count(phone);
    const ackedBefore = await testIdNumber(phone, 'samples-acked');
    expect(ackedBefore).toBeLessThan(before);

    hold = false; // the reloaded page gets a working network again
    await phone.reload();
    await until(() => testIdNumber(phone, 'samples-acked'), (n) => n === before);
    await phone.getByRole('button', { name: 'Continue recording' }).click();
    await phone.getByRole('heading', { name: 'Recording', exact: true }).waitFor();
    await motion.start(phone);
    await new Promise((r) => setTimeout(r, 1500));
    const after = await motion.burstThenStop(phone, 4);
    await phone.getByTestId('review').waitFor({ timeout: 30_000 });
    expect(await testIdNumber(phone, 'samples-acked')).toBe(before + after);
    expect(await storedSamples(env.apiUrl, link)).toBe(before + after);

    // The phone remembers it; deleting it there erases it on the server too.
    await phone.getByRole('button', { name: 'New recording' }).click();
    const recent = phone.getByRole('region', { name: 'Recent recordings on this phone' });
    await recent.waitFor();
    phone.once('dialog', (d) => void d.accept());
    await recent.getByRole('button', { name: 'Delete' }).first().click();
    await until(
      () => storedSamples(env.apiUrl, link).then(String, (e: Error) => e.message),
      (v) => v.includes('404'),
    );
    await context.close();
  });

  it('a second tab takes the recording over; the first stops, and what was recorded is stored once', async () => {
    const context = await phoneContext(browser());
    const first = await context.newPage();
    const link = await startRecording(first, env.appUrl);
    await motion.start(first);
    await until(() => testIdNumber(first, 'samples-acked'), (n) => n > 60);
    const second = await context.newPage();
    await second.goto(env.appUrl); // finds the unfinished recording and reconnects to it
    await first.getByText('Continued in another tab').first().waitFor();
    await motion.stop(first);
    await expect(first.getByRole('button', { name: 'Continue recording' }).count()).resolves.toBe(0);
    await second.getByTestId('stop').click();
    await second.getByTestId('review').waitFor({ timeout: 30_000 });
    const recorded = await testIdNumber(second, 'samples-sent');
    expect(await testIdNumber(second, 'samples-acked')).toBe(recorded);
    expect(await storedSamples(env.apiUrl, link)).toBe(recorded);
    await context.close();
  });
});
