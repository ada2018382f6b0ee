import type { TestProject } from 'vitest/node';

import { missingPrerequisite, startApp, startServer, stop } from './stack';

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: { appUrl: string; apiUrl: string; skipReason: string | null };
  }
}

/** Start the server and the built app once for all browser tests; skip (or, in CI, fail) without Chromium. */
export default async function setup(project: TestProject): Promise<() => void> {
  const missing = missingPrerequisite();
  if (missing) {
    if (process.env.CI === 'true') throw new Error(`browser tests cannot run: ${missing}`);
    console.warn(`Skipping browser tests: ${missing}`);
    project.provide('e2e', { appUrl: '', apiUrl: '', skipReason: missing });
    return () => undefined;
  }
  const server = await startServer();
  let app: Awaited<ReturnType<typeof startApp>>;
  try {
    app = await startApp(server.url);
  } catch (e) {
    server.cleanup();
    throw e;
  }
  project.provide('e2e', { appUrl: app.url, apiUrl: server.url, skipReason: null });
  return () => {
    stop(app.child);
    server.cleanup();
  };
}
