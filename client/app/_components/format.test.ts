import { describe, expect, it } from 'vitest';

import { DASH, fmt, fmtClockOffset, fmtCount, fmtDuration } from './format';

describe('format', () => {
  it('shows a dash, never a number, when there is no value', () => {
    expect(fmt(null)).toBe(DASH);
    expect(fmt(undefined)).toBe(DASH);
    expect(fmt(Number.NaN)).toBe(DASH);
    expect(fmtDuration(null)).toBe(DASH);
    expect(fmtCount(null)).toBe(DASH);
  });

  it('formats durations and numbers', () => {
    expect(fmt(61.6)).toBe('62');
    expect(fmt(14.06, 1)).toBe('14.1');
    expect(fmtDuration(0)).toBe('0:00');
    expect(fmtDuration(75.9)).toBe('1:15');
    expect(fmtDuration(3725)).toBe('1:02:05');
    expect(fmtCount(12345)).toBe('12,345');
  });

  it('says how far and which way the phone clock is off', () => {
    expect(fmtClockOffset(365 * 86_400_000)).toBe('365 days behind');
    expect(fmtClockOffset(-2 * 3_600_000)).toBe('2 h ahead');
    expect(fmtClockOffset(90_000)).toBe('2 min behind');
  });
});
