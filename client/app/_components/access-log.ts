/** The access log in the patient's words: who (this phone or the clinician's link), did what, when, with what. */
import type { AccessLogEntry } from '@/lib/protocol';

import { DASH } from './format';

const ROLE: Record<AccessLogEntry['role'], string> = {
  viewer: 'Clinician (share link)',
  patient: 'This phone',
};

const ACTION: Record<string, string> = {
  capture: 'Recorded (phone connected)',
  watch: 'Watched live',
  metadata: 'Opened the recording details',
  data: 'Downloaded the samples',
  analysis: 'Read the analysis',
  end: 'Ended the recording',
  revoke: 'Stopped sharing (made a new link)',
};

export function roleText(role: string): string {
  return role in ROLE ? ROLE[role as AccessLogEntry['role']] : `Unknown (${role})`;
}

export function actionText(action: string): string {
  return (Object.hasOwn(ACTION, action) ? ACTION[action] : undefined) ?? (action || DASH);
}

/** Local date and time to the second, or a dash for a time that cannot be read. */
export function accessTime(iso: string, locale?: string, timeZone?: string): string {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return DASH;
  return d.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone });
}

export interface AccessRow {
  key: string;
  time: string;
  who: string;
  what: string;
  client: string;
  clinician: boolean;
}

/** Rows to show, newest first (the server sends oldest first); at most `limit`, plus how many were left out. */
export function accessRows(
  entries: AccessLogEntry[],
  limit = 50,
  locale?: string,
  timeZone?: string,
): { rows: AccessRow[]; hidden: number } {
  const newest = [...entries].reverse().slice(0, limit);
  return {
    rows: newest.map((e, i) => ({
      key: `${e.at}-${e.role}-${e.action}-${i}`,
      time: accessTime(e.at, locale, timeZone),
      who: roleText(e.role),
      what: actionText(e.action),
      client: e.client?.trim() || 'unknown client',
      clinician: e.role === 'viewer',
    })),
    hidden: Math.max(0, entries.length - limit),
  };
}

/** A one-line summary for the panel's heading. */
export function accessSummary(entries: AccessLogEntry[]): string {
  const last = entries.filter((e) => e.role === 'viewer').at(-1);
  if (!last) return 'Nobody has opened the share link yet.';
  return `The share link was last used ${accessTime(last.at)} (${actionText(last.action).toLowerCase()}).`;
}
