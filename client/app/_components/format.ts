/** Display formatting shared by both pages. A missing value is always an em dash, never a made-up number. */
export const DASH = '—';

export function fmt(value: number | null | undefined, digits = 0): string {
  return value === null || value === undefined || !Number.isFinite(value) ? DASH : value.toFixed(digits);
}

/** m:ss or h:mm:ss from seconds. */
export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return DASH;
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function fmtCount(n: number | null | undefined): string {
  return n === null || n === undefined ? DASH : n.toLocaleString('en-US');
}

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? DASH : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * How far the phone's clock is off, from the offset the recording adds to it (positive: the clock is behind):
 * "3 days behind", "2 h ahead", "5 min behind".
 */
export function fmtClockOffset(offsetMs: number): string {
  const way = offsetMs > 0 ? 'behind' : 'ahead';
  const abs = Math.abs(offsetMs);
  const days = abs / 86_400_000;
  if (days >= 1.5) return `${Math.round(days).toLocaleString('en-US')} days ${way}`;
  if (abs >= 3_600_000) return `${Math.round(abs / 3_600_000)} h ${way}`;
  return `${Math.max(1, Math.round(abs / 60_000))} min ${way}`;
}
