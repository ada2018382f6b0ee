/**
 * The OpenSCG wire contract, version 1 (docs/protocol): every message shape, path, close code and limit the
 * web app knows about lives here, so the rest of the client never builds or parses JSON by hand.
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

// ---- server → client ----------------------------------------------------------------------------------------

/**
 * `seq_gap` carries `expected`, `invalid_samples` carries `seq` (and `serverTimeMs`, the server's clock, when the
 * phone's clock is far off); other codes only a detail.
 */
export interface ServerError {
  type: 'error';
  code: string;
  detail?: string;
  expected?: number;
  seq?: number;
  serverTimeMs?: number;
}

export type CaptureServerMessage =
  | { type: 'ready'; nextSeq: number }
  | { type: 'ack'; seq: number }
  | { type: 'ended' }
  | ServerError
  | LiveAnalysis;

export type WatchServerMessage =
  | { type: 'ready'; session: SessionMetadata }
  | { type: 'samples'; seq: number; samples: Sample[] }
  /** `viewers` is null when the frame does not say (the count is then unknown, not zero). */
  | { type: 'status'; status: SessionStatus; patientConnected: boolean; viewers: number | null }
  | ServerError
  | LiveAnalysis;

type Json = Record<string, unknown>;

function parseObject(text: string): Json | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
  } catch {
    return null;
  }
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isNumOrNull = (v: unknown): v is number | null => v === null || (typeof v === 'number' && Number.isFinite(v));

function parseAnalysis(m: Json): LiveAnalysis | null {
  if (typeof m.tMs !== 'number' || !isNumOrNull(m.heartRateBpm)) return null;
  return {
    type: 'analysis',
    tMs: m.tMs,
    heartRateBpm: m.heartRateBpm,
    quality: isNumOrNull(m.quality) ? m.quality : null,
    qualityReason: typeof m.qualityReason === 'string' ? m.qualityReason : 'ok',
    beats: Array.isArray(m.beats) ? m.beats.filter((b): b is number => typeof b === 'number') : [],
    respiratoryRateBpm: isNumOrNull(m.respiratoryRateBpm) ? m.respiratoryRateBpm : null,
  };
}

function parseError(m: Json): ServerError {
  const error: ServerError = { type: 'error', code: typeof m.code === 'string' ? m.code : 'unknown' };
  if (typeof m.detail === 'string') error.detail = m.detail;
  if (isInt(m.expected)) error.expected = m.expected;
  if (isInt(m.seq)) error.seq = m.seq;
  if (typeof m.serverTimeMs === 'number' && Number.isFinite(m.serverTimeMs)) error.serverTimeMs = m.serverTimeMs;
  return error;
}

/** Parse a frame on the capture socket; unknown or malformed frames give null (and are ignored). */
export function parseCaptureMessage(text: string): CaptureServerMessage | null {
  const m = parseObject(text);
  if (!m) return null;
  switch (m.type) {
    case 'ready':
      return isInt(m.nextSeq) ? { type: 'ready', nextSeq: m.nextSeq } : null;
    case 'ack':
      return isInt(m.seq) ? { type: 'ack', seq: m.seq } : null;
    case 'ended':
      return { type: 'ended' };
    case 'error':
      return parseError(m);
    case 'analysis':
      return parseAnalysis(m);
    default:
      return null;
  }
}

function isSample(v: unknown): v is Sample {
  return Array.isArray(v) && v.length === 4 && v.every((x) => typeof x === 'number');
}

/** Parse a frame on the watch socket; unknown or malformed frames give null (and are ignored). */
export function parseWatchMessage(text: string): WatchServerMessage | null {
  const m = parseObject(text);
  if (!m) return null;
  switch (m.type) {
    case 'ready': {
      const s = m.session as Json | undefined;
      return s && typeof s.sessionId === 'string' ? { type: 'ready', session: s as unknown as SessionMetadata } : null;
    }
    case 'samples':
      if (!isInt(m.seq) || !Array.isArray(m.samples) || !m.samples.every(isSample)) return null;
      return { type: 'samples', seq: m.seq, samples: m.samples };
    case 'status':
      if (m.status !== 'created' && m.status !== 'live' && m.status !== 'ended') return null;
      return {
        type: 'status',
        status: m.status,
        patientConnected: m.patientConnected === true,
        viewers: isInt(m.viewers) ? m.viewers : null,
      };
    case 'error':
      return parseError(m);
    case 'analysis':
      return parseAnalysis(m);
    default:
      return null;
  }
}

/** A sample the server will accept: finite numbers and |a| within the limit. */
export function isValidSample(s: Sample): boolean {
  return (
    Number.isFinite(s[0]) &&
    [s[1], s[2], s[3]].every((a) => Number.isFinite(a) && Math.abs(a) <= MAX_ABS_ACCEL_MS2)
  );
}

/** The clinician's share link: the viewer token rides in the fragment so it never reaches a server log. */
export function shareLink(origin: string, sessionId: string, viewerToken: string): string {
  return `${origin}/view/${encodeURIComponent(sessionId)}#${encodeURIComponent(viewerToken)}`;
}

/** The viewer token from a share link's fragment (`#token`, also accepting `#token=…`). */
export function tokenFromHash(hash: string): string | null {
  const raw = hash.replace(/^#/, '');
  const value = raw.startsWith('token=') ? raw.slice('token='.length) : raw;
  if (!value) return null;
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/** Human-readable guidance for the patient for each `qualityReason`. */
export function qualityGuidance(reason: string): string {
  switch (reason) {
    case 'ok':
      return 'Good signal. Keep still and breathe calmly.';
    case 'motion':
      return 'Movement detected. Lie still with the phone flat on your chest.';
    case 'no_heartbeat':
      return 'No heartbeat found yet. Move the phone to the lower breastbone and keep it flat.';
    case 'too_short':
      return 'Collecting signal…';
    default:
      return 'Checking signal…';
  }
}
