/**
 * Robust y-range for the live chart. The window is cut into `segments` equal parts (about one second each
 * for a 10 s sweep); each part's peak |x| is found, and the range follows the 60th percentile of those peaks.
 * A heartbeat puts a peak in every part, while a motion spike (and the filter's ringing after it) touches only
 * one or two parts, so it cannot flatten the heartbeat; it is drawn clipped instead.
 */
export function robustHalfRange(values: ArrayLike<number>, segments = 10): number | null {
  const n = values.length;
  if (n === 0) return null;
  const parts = Math.max(1, Math.min(segments, Math.floor(n / 8)));
  const peaks: number[] = [];
  for (let p = 0; p < parts; p += 1) {
    let peak = 0;
    const end = Math.floor(((p + 1) * n) / parts);
    for (let i = Math.floor((p * n) / parts); i < end; i += 1) {
      const v = Math.abs(values[i] as number);
      if (Number.isFinite(v) && v > peak) peak = v;
    }
    peaks.push(peak);
  }
  peaks.sort((a, b) => a - b);
  const typical = peaks[Math.min(peaks.length - 1, Math.floor(0.6 * peaks.length))] as number;
  return typical > 0 ? typical * 1.25 : null;
}

/** Smooths the range over frames: grows quickly, shrinks slowly, never below `floor`. */
export class SmoothedScale {
  private value: number | null = null;

  constructor(private readonly floor = 1e-3) {}

  update(target: number | null): number {
    const t = Math.max(target ?? this.floor, this.floor);
    if (this.value === null) this.value = t;
    else this.value += (t - this.value) * (t > this.value ? 0.25 : 0.04);
    return this.value;
  }
}
