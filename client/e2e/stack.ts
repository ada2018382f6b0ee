/**
 * Starts what the browser tests run against: the real OpenSCG server (temporary SQLite, any origin allowed)
 * and the production build of this app, each on a free port. Paths are found relative to this file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLIENT_DIR = resolve(__dirname, '..');
export const REPO_DIR = resolve(CLIENT_DIR, '..');
export const SERVER_BIN = join(REPO_DIR, '.venv', 'bin', 'openscg');
export const CHROMIUM = process.env.OPENSCG_CHROMIUM ?? '/usr/bin/chromium';

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => ok(port));
    });
  });
}

export async function waitForHttp(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** Spawn in its own process group, so stopping it stops its children too; output kept for error reports. */
export function start(cmd: string, args: string[], env: Record<string, string>, cwd: string): ChildProcess & { log: string[] } {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const keep = (chunk: Buffer) => {
    log.push(chunk.toString());
    if (log.length > 200) log.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return Object.assign(child, { log });
}

export function stop(child: ChildProcess | undefined): void {
  if (!child?.pid || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
}

export async function startServer(): Promise<{ url: string; child: ChildProcess & { log: string[] }; cleanup: () => void }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'openscg-e2e-'));
  const child = start(
    SERVER_BIN,
    ['serve', '--host', '127.0.0.1', '--port', String(port)],
    {
      OPENSCG_DATABASE_URL: `sqlite:///${join(dir, 't.db')}`,
      OPENSCG_CORS_ORIGINS: '*',
      OPENSCG_LOG_JSON: 'false',
    },
    REPO_DIR,
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/health`, 60_000, child);
  } catch (e) {
    stop(child);
    throw new Error(`${(e as Error).message}\n${child.log.join('')}`);
  }
  return {
    url,
    child,
    cleanup: () => {
      stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Build the app against `apiUrl` and serve it with `next start`. */
export async function startApp(apiUrl: string): Promise<{ url: string; child: ChildProcess & { log: string[] } }> {
  const next = join(CLIENT_DIR, 'node_modules', 'next', 'dist', 'bin', 'next');
  const env = { NEXT_PUBLIC_OPENSCG_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: '1' };
  const build = start(process.execPath, [next, 'build'], env, CLIENT_DIR);
  const code = await new Promise<number | null>((ok) => build.on('exit', ok));
  if (code !== 0) throw new Error(`next build failed (${code}):\n${build.log.join('')}`);
  const port = await freePort();
  const child = start(process.execPath, [next, 'start', '--hostname', '127.0.0.1', '--port', String(port)], env, CLIENT_DIR);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(url, 60_000, child);
  return { url, child };
}

export function missingPrerequisite(): string | null {
  if (!existsSync(CHROMIUM)) return `Chromium is missing at ${CHROMIUM} (apt-get install chromium, or make browser)`;
  if (!existsSync(SERVER_BIN)) return `the OpenSCG server is not installed at ${SERVER_BIN} (make install-server)`;
  return null;
}
