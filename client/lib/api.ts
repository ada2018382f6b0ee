/**
 * REST calls to the OpenSCG server. The base URL comes from NEXT_PUBLIC_OPENSCG_API_URL (set at build time);
 * without it, the page's own hostname on port 8000 with the same protocol, so a phone on the same network
 * reaches a development server.
 */
import {
  paths,
  type AccessLogEntry,
  type CreatedSession,
  type DemoSession,
  type DeviceInfo,
  type SessionAnalysis,
  type SessionMetadata,
} from './protocol';

/** The server's base URL, without a trailing slash. */
export function apiBaseUrl(): string {
  const configured = process.env.NEXT_PUBLIC_OPENSCG_API_URL;
  if (configured) return configured.replace(/\/+$/, '');
  if (typeof window === 'undefined') return 'http://127.0.0.1:8000';
  return `${window.location.protocol}//${window.location.hostname}:8000`;
}

/** A WebSocket URL on the same server: http → ws, https → wss. */
export function wsUrl(path: string, base = apiBaseUrl()): string {
  return base.replace(/^http/, 'ws') + path;
}

/** An HTTP error with the server's human-readable `detail`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly retryAfterS: number | null = null,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

async function request(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
  if (init.body && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  let response: Response;
  try {
    response = await fetch(apiBaseUrl() + path, { ...init, headers, cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'The OpenSCG server cannot be reached. Check the connection and try again.');
  }
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      const body: unknown = await response.json();
      if (body && typeof body === 'object' && 'detail' in body && typeof body.detail === 'string') detail = body.detail;
    } catch {
      /* not JSON: keep the status line */
    }
    const retryAfter = Number(response.headers.get('Retry-After'));
    throw new ApiError(response.status, detail, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
  }
  return response;
}

export async function createSession(device: DeviceInfo, label?: string): Promise<CreatedSession> {
  const body = JSON.stringify(label ? { device, label } : { device });
  return (await request(paths.sessions(), { method: 'POST', body })).json() as Promise<CreatedSession>;
}

export async function getSession(id: string, token: string): Promise<SessionMetadata> {
  return (await request(paths.session(id), { token })).json() as Promise<SessionMetadata>;
}

export async function endSession(id: string, patientToken: string): Promise<SessionMetadata> {
  return (await request(paths.end(id), { method: 'POST', token: patientToken })).json() as Promise<SessionMetadata>;
}

export async function deleteSession(id: string, patientToken: string): Promise<void> {
  try {
    await request(paths.session(id), { method: 'DELETE', token: patientToken });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return; // already gone: the goal is reached
    throw error;
  }
}

/** The stored recording as a file body: the JSON session document or CSV (`t_ms,ax,ay,az`). */
export async function downloadData(id: string, token: string, format: 'json' | 'csv'): Promise<Blob> {
  return (await request(paths.data(id, format === 'csv' ? 'csv' : undefined), { token })).blob();
}

export async function sampleCount(id: string, token: string): Promise<number> {
  const doc = (await (await request(paths.data(id), { token })).json()) as { samples: unknown[] };
  return doc.samples.length;
}

/** The whole-recording analysis, or null when the server does not offer it (404/501). */
export async function getAnalysis(id: string, token: string): Promise<SessionAnalysis | null> {
  try {
    return (await (await request(paths.analysis(id), { token })).json()) as SessionAnalysis;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 501)) return null;
    throw error;
  }
}

/** Start the server's virtual patient replaying a real recording into a new session. */
export async function startDemo(): Promise<DemoSession> {
  return (await request(paths.demo(), { method: 'POST' })).json() as Promise<DemoSession>;
}

/** Who opened this session and what they did, oldest first (patient token only). */
export async function getAccessLog(id: string, patientToken: string): Promise<AccessLogEntry[]> {
  const body = (await (await request(paths.accessLog(id), { token: patientToken })).json()) as { entries?: unknown };
  if (!Array.isArray(body.entries)) throw new ApiError(200, 'The server answered with an access log this app does not understand.');
  return body.entries as AccessLogEntry[];
}

/** Revoke the share link: the old viewer token stops working at once (viewers on it are disconnected). */
export async function revokeShareLink(id: string, patientToken: string): Promise<string> {
  const body = (await (await request(paths.viewerToken(id), { method: 'POST', token: patientToken })).json()) as {
    viewerToken?: unknown;
  };
  if (typeof body.viewerToken !== 'string' || body.viewerToken === '') {
    throw new ApiError(200, 'The server did not send a new share link.');
  }
  return body.viewerToken;
}
