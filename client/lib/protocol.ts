/**
 * The OpenSCG wire contract, version 1 (docs/protocol): every message shape, path, close code and limit the
 * web app knows about, and the frames it sends, so the rest of the client never builds JSON by hand. Frames
 * from the server are parsed in server-messages.ts; share links are built and read in share-link.ts.
 */

/** One accelerometer reading: [t_ms since the Unix epoch, ax, ay, az in m/s² including gravity]. */
export type Sample = [tMs: number, ax: number, ay: number, az: number];

export type SessionStatus = 'created' | 'live' | 'ended';

export interface DeviceInfo {
  userAgent: string;
  platform: string;
}

export interface SessionMetadata {
  sessionId: string;
  status: SessionStatus;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  sampleCount: number;
  batchCount: number;
  durationS: number | null;
  samplingRateHz: number | null;
  device: DeviceInfo | null;
  patientConnected: boolean;
  viewers: number;
}

/** One line of a session's access log (`GET …/access-log`, patient only). No network address is kept. */
export interface AccessLogEntry {
  /** ISO 8601, UTC. */
  at: string;
  role: 'patient' | 'viewer';
  /** `capture`, `watch`, `metadata`, `data`, `analysis`, `end`, `revoke` (others may come later). */
  action: string;
  /** Browser family and operating system ("Chrome on Android"), a tool name, or `unknown client`. */
  client: string;
}

export interface CreatedSession {
  sessionId: string;
  createdAt: string;
  status: SessionStatus;
  patientToken: string;
  viewerToken: string;
  captureUrl: string;
  watchUrl: string;
}

export interface DemoSession {
  sessionId: string;
  viewerToken: string;
  watchUrl: string;
}

export interface SessionDocument {
  format: 'openscg';
  version: string;
  sessionId: string;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  samplingRateHz: number | null;
  device: DeviceInfo | null;
  units: { t: string; acceleration: string };
  samples: Sample[];
}

/** Why the live analysis trusts (or not) the current window. */
export type QualityReason = 'ok' | 'motion' | 'no_heartbeat' | 'too_short';

export interface LiveAnalysis {
  type: 'analysis';
  tMs: number;
  heartRateBpm: number | null;
  quality: number | null;
  qualityReason: QualityReason | string;
  beats: number[];
  respiratoryRateBpm: number | null;
}

/** `GET …/analysis`: the whole-recording analysis. Fields are null where the signal gave no real number. */
export interface SessionAnalysis {
  sessionId: string;
  durationS: number | null;
  samplingRateHz: number | null;
  heartRateBpm: number | null;
  coverage: number | null;
  beats: number[];
  /** Intervals between beats; null where an interval is not a normal one. */
  ibiMs: Array<number | null>;
  hrv: { meanNnMs: number | null; sdnnMs: number | null; rmssdMs: number | null; pnn50: number | null } | null;
  respiratoryRateBpm: number | null;
}

// ---- limits -------------------------------------------------------------------------------------------------

export const MAX_SAMPLES_PER_BATCH = 1000;
export const MAX_ABS_ACCEL_MS2 = 1000;
/** The server closes a socket that has not said hello within this time. */
export const HELLO_TIMEOUT_MS = 10_000;

// ---- close codes --------------------------------------------------------------------------------------------

export const CloseCode = {
  normal: 1000,
  tooSlow: 1013,
  protocolViolation: 4400,
  unauthorized: 4401,
  notFound: 4404,
  superseded: 4409,
  gone: 4410,
  tooLarge: 4413,
  rateLimited: 4429,
} as const;

/** Close codes after which reconnecting cannot help: the link, the token or the session is no good. */
export function isFatalClose(code: number): boolean {
  return (
    code === CloseCode.unauthorized ||
    code === CloseCode.notFound ||
    code === CloseCode.superseded ||
    code === CloseCode.gone ||
    code === CloseCode.protocolViolation
  );
}

// ---- paths --------------------------------------------------------------------------------------------------

const API = '/api/v1';

export const paths = {
  sessions: () => `${API}/sessions`,
  session: (id: string) => `${API}/sessions/${encodeURIComponent(id)}`,
  end: (id: string) => `${API}/sessions/${encodeURIComponent(id)}/end`,
  data: (id: string, format?: 'csv') =>
    `${API}/sessions/${encodeURIComponent(id)}/data${format ? `?format=${format}` : ''}`,
  analysis: (id: string) => `${API}/sessions/${encodeURIComponent(id)}/analysis`,
  accessLog: (id: string) => `${API}/sessions/${encodeURIComponent(id)}/access-log`,
  viewerToken: (id: string) => `${API}/sessions/${encodeURIComponent(id)}/viewer-token`,
  demo: () => `${API}/demo`,
  capture: (id: string) => `/ws/v1/sessions/${encodeURIComponent(id)}/capture`,
  watch: (id: string) => `/ws/v1/sessions/${encodeURIComponent(id)}/watch`,
};

// ---- client → server ----------------------------------------------------------------------------------------

export function helloCapture(patientToken: string, device?: DeviceInfo): string {
  return JSON.stringify(device ? { type: 'hello', token: patientToken, device } : { type: 'hello', token: patientToken });
}

export function helloWatch(token: string, since?: number): string {
  return JSON.stringify(since === undefined ? { type: 'hello', token } : { type: 'hello', token, since });
}

export function samplesMessage(seq: number, samples: readonly Sample[]): string {
  return JSON.stringify({ type: 'samples', seq, samples });
}

export const endMessage = (): string => JSON.stringify({ type: 'end' });
export const pingMessage = (): string => JSON.stringify({ type: 'ping' });

/** A sample the server will accept: finite numbers and |a| within the limit. */
export function isValidSample(s: Sample): boolean {
  return (
    Number.isFinite(s[0]) &&
    [s[1], s[2], s[3]].every((a) => Number.isFinite(a) && Math.abs(a) <= MAX_ABS_ACCEL_MS2)
  );
}
