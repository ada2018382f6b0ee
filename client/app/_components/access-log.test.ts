import { describe, expect, it } from 'vitest';

import type { AccessLogEntry } from '@/lib/protocol';

import { accessRows, accessSummary, accessTime, actionText, roleText } from './access-log';
import { DASH } from './format';

const entry = (at: string, role: AccessLogEntry['role'], action: string, client = 'Chrome on Android'): AccessLogEntry => ({
  at,
  role,
  action,
  client,
});

describe('access log display', () => {
  it('names roles and actions in plain words', () => {
    expect(roleText('viewer')).toBe('Clinician (share link)');
    expect(roleText('patient')).toBe('This phone');
    expect(roleText('admin')).toBe('Unknown (admin)');
    expect(actionText('watch')).toBe('Watched live');
    expect(actionText('capture')).toBe('Recorded (phone connected)');
    expect(actionText('data')).toBe('Downloaded the samples');
    expect(actionText('revoke')).toBe('Stopped sharing (made a new link)');
    expect(actionText('something-new')).toBe('something-new'); // a future action is shown as sent, not hidden
    expect(actionText('toString')).toBe('toString'); // no prototype lookups
  });

  it('shows times in local format, a dash for a bad one', () => {
    expect(accessTime('2026-03-01T09:05:07Z', 'en-GB', 'UTC')).toBe('1 Mar 2026, 09:05:07');
    expect(accessTime('2026-03-01T09:05:07Z', 'en-US', 'America/New_York')).toBe('Mar 1, 2026, 4:05:07 AM');
    expect(accessTime('not a time')).toBe(DASH);
    expect(accessTime('')).toBe(DASH);
  });

  it('lists newest first, caps the list and counts what it left out', () => {
    const entries = [
      entry('2026-03-01T09:00:00Z', 'patient', 'capture'),
      entry('2026-03-01T09:01:00Z', 'viewer', 'watch', 'Safari on macOS'),
      entry('2026-03-01T09:02:00Z', 'viewer', 'data', ''),
    ];
    const { rows, hidden } = accessRows(entries, 2, 'en-GB', 'UTC');
    expect(hidden).toBe(1);
    expect(rows.map((r) => [r.time, r.who, r.what, r.client, r.clinician])).toEqual([
      ['1 Mar 2026, 09:02:00', 'Clinician (share link)', 'Downloaded the samples', 'unknown client', true],
      ['1 Mar 2026, 09:01:00', 'Clinician (share link)', 'Watched live', 'Safari on macOS', true],
    ]);
    expect(new Set(rows.map((r) => r.key)).size).toBe(2);
    expect(accessRows([]).rows).toEqual([]);
  });

  it('summarises whether the share link was used', () => {
    expect(accessSummary([entry('2026-03-01T09:00:00Z', 'patient', 'capture')])).toBe(
      'Nobody has opened the share link yet.',
    );
    expect(accessSummary([entry('2026-03-01T09:01:00Z', 'viewer', 'watch')])).toMatch(/^The share link was last used .+ \(watched live\)\.$/);
  });
});
