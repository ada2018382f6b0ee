/**
 * What every browser test file starts with: the server and app started once by global-setup.ts (`env`), a
 * describe block skipped without Chromium, one browser per file, and the usual opening scene — a phone
 * recording and a clinician watching it live.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, inject } from 'vitest';

import { launch, motion, phoneContext, startRecording, testIdText, until, viewerContext } from './phone';

/** The app and server URLs from global-setup.ts, or why the browser tests are skipped. */
export const env = inject('e2e');

/**
 * A describe block with one Chromium for its tests (`browser()` inside a test), skipped when the browser tests
 * cannot run here.
 */
export function browserSuite(title: string, body: (browser: () => Browser) => void): void {
  describe.skipIf(env.skipReason !== null)(title, () => {
    let browser: Browser | undefined;
    beforeAll(async () => {
      browser = await launch();
    });
    afterAll(async () => {
      await browser?.close();
    });
    body(() => {
      if (!browser) throw new Error('the browser is not launched yet');
      return browser;
    });
  });
}

export interface LiveRecording {
  phoneContext: BrowserContext;
  phone: Page;
  viewer: Page;
  /** The clinician's share link. */
  link: string;
  /** Close the phone's and the viewer's contexts. */
  close: () => Promise<void>;
}

/**
 * A phone recording (countdown skipped, synthetic motion running) and a clinician's page watching it, once the
 * viewer shows `live`. `onPages` sees both pages before they load (to listen for errors).
 */
export async function openLiveRecording(browser: Browser, onPages?: (phone: Page, viewer: Page) => void): Promise<LiveRecording> {
  const phoneCtx = await phoneContext(browser);
  const phone = await phoneCtx.newPage();
  const viewer = await (await viewerContext(browser)).newPage();
  onPages?.(phone, viewer);
  const link = await startRecording(phone, env.appUrl);
  await motion.start(phone);
  await viewer.goto(link);
  await until(() => testIdText(viewer, 'connection-status'), (s) => s === 'live');
  return {
    phoneContext: phoneCtx,
    phone,
    viewer,
    link,
    close: async () => {
      await phoneCtx.close();
      await viewer.context().close();
    },
  };
}

/** A session created over REST, as a client other than this app would (no phone page). */
export async function createSession(): Promise<{ sessionId: string; patientToken: string; viewerToken: string }> {
  const r = await fetch(`${env.apiUrl}/api/v1/sessions`, { method: 'POST' });
  if (r.status !== 201) throw new Error(`POST /api/v1/sessions: ${r.status}`);
  return (await r.json()) as { sessionId: string; patientToken: string; viewerToken: string };
}
