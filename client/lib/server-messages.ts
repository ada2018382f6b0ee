/**
 * Frames from the server on the capture and watch sockets (docs/protocol): parsed and checked here, so a
 * malformed or unknown frame becomes null instead of an exception in the sockets.
 */
import type { LiveAnalysis, Sample, SessionMetadata, SessionStatus } from './protocol';

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
