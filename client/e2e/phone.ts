/**
 * Browser helpers: Chromium through playwright-core, and a simulated phone. A real phone cannot reach this
 * machine, so the patient page gets synthetic `devicemotion` events at ~60 Hz: gravity on z plus a heartbeat-
 * like 15 Hz burst once a second, which is what the page would see lying on a chest.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

import { CHROMIUM, CLIENT_DIR } from './stack';

export const SCREENSHOTS = join(CLIENT_DIR, 'test-results');

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Installed before any page script: `window.__phone.start()` / `.stop()` / `.burst(n)` / `.count`. */
function motionScript(): void {
  let timer: ReturnType<typeof setInterval> | null = null;
  let count = 0;
  let t = 0;
  const one = () => {
    t += 1 / 60;
    const phase = t % 1;
    const beat = phase < 0.12 ? 0.25 * Math.sin(2 * Math.PI * 15 * phase) * Math.sin((Math.PI * phase) / 0.12) : 0;
    const noise = () => (Math.random() - 0.5) * 0.01;
    window.dispatchEvent(
      new DeviceMotionEvent('devicemotion', {
        accelerationIncludingGravity: { x: 0.05 + noise(), y: -0.12 + noise(), z: 9.81 + beat + noise() },
        interval: 16,
      }),
    );
    count += 1;
  };
  const phone = {
    start() {
      if (!timer) timer = setInterval(one, 1000 / 60);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
    burst(n: number) {
      // A real sensor never repeats a timestamp; keep synthetic events apart by more than the clock's coarsening.
      for (let i = 0; i < n; i += 1) {
        const t0 = performance.now();
        while (performance.now() - t0 < 0.5) {
          /* spin */
        }
        one();
      }
    },
    get count() {
      return count;
    },
  };
  Object.defineProperty(window, '__phone', { value: phone });
}

export async function phoneContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 412, height: 915 }, deviceScaleFactor: 1 });
  await context.addInitScript(motionScript);
  return context;
}

export async function viewerContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 960, height: 900 } });
}

type PhoneWindow = Window & { __phone: { start(): void; stop(): void; burst(n: number): void; count: number } };

export const motion = {
  start: (page: Page) => page.evaluate(() => (window as unknown as PhoneWindow).__phone.start()),
  stop: (page: Page) => page.evaluate(() => (window as unknown as PhoneWindow).__phone.stop()),
  count: (page: Page) => page.evaluate(() => (window as unknown as PhoneWindow).__phone.count),
  /** Stop the stream, send `n` more samples and tap Stop in the same task: they can only be in a partial batch. */
  burstThenStop: (page: Page, n: number) =>
    page.evaluate((k) => {
      const phone = (window as unknown as PhoneWindow).__phone;
      phone.stop();
      phone.burst(k);
      (document.querySelector('[data-testid="stop"]') as HTMLButtonElement).click();
      return phone.count;
    }, n),
};

/** Open the patient page, tap Start, skip (or sit through) the countdown; resolves with the share link. */
export async function startRecording(page: Page, appUrl: string, sitThroughCountdown = false): Promise<string> {
  await page.goto(appUrl);
  await page.getByTestId('start').click();
  const link = page.getByTestId('share-link').first();
  await link.waitFor();
  const href = await link.getAttribute('href');
  if (!sitThroughCountdown) await page.getByRole('button', { name: 'Start now' }).click();
  await page.getByRole('heading', { name: 'Recording', exact: true }).waitFor({ timeout: 15_000 });
  if (!href) throw new Error('share link without href');
  return href;
}

export async function testIdText(page: Page, id: string): Promise<string> {
  return ((await page.getByTestId(id).first().textContent()) ?? '').trim();
}

export async function testIdNumber(page: Page, id: string): Promise<number> {
  return Number((await testIdText(page, id)).replace(/[^0-9.-]/g, ''));
}

/** Poll until `read()` satisfies `ok`, or fail with the last value. */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
    last = await read();
  }
  return last;
}

/** Sample count stored on the server, read with the viewer token from the share link. */
export async function storedSamples(apiUrl: string, shareLink: string): Promise<number> {
  const url = new URL(shareLink);
  const sessionId = decodeURIComponent(url.pathname.split('/').pop() ?? '');
  const token = decodeURIComponent(url.hash.slice(1));
  const r = await fetch(`${apiUrl}/api/v1/sessions/${sessionId}/data`, { headers: { Authorization: `Bearer ${token}` } });
  if (!r.ok) throw new Error(`GET data: ${r.status}`);
  return ((await r.json()) as { samples: unknown[] }).samples.length;
}

/**
 * Collect Content-Security-Policy violations of every page in `context`: the `securitypolicyviolation` events
 * (installed before any page script) and the console messages Chromium prints for them. Call before opening pages.
 */
export async function watchCsp(context: BrowserContext, name: string): Promise<() => Promise<string[]>> {
  const seen: string[] = [];
  await context.addInitScript(() => {
    const list: string[] = [];
    Object.defineProperty(window, '__cspViolations', { value: list });
    document.addEventListener('securitypolicyviolation', (e) => {
      list.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  const onPage = (page: Page) => {
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to (load|execute|connect|apply|evaluate|frame)/i.test(m.text())) {
        seen.push(`${name} console: ${m.text()}`);
      }
    });
  };
  context.pages().forEach(onPage);
  context.on('page', onPage);
  return async () => {
    const inPages: string[] = [];
    for (const page of context.pages()) {
      const list = await page
        .evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? [])
        .catch(() => []);
      inPages.push(...list.map((v) => `${name} event: ${v}`));
    }
    return [...seen, ...inPages];
  };
}
