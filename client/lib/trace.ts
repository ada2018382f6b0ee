/**
 * What a chart draws: every received sample (time, three axes and the 5–30 Hz band-passed dorso-ventral axis
 * z), the live last seconds in a ring buffer, the whole session in growable columns for scroll-back, and the
 * beat times from the live analysis. Filled as batches arrive, read once per animation frame.
 */
import { robustHalfRange } from './autoscale';
import { ScgDisplayFilter } from './bandpass';
import type { Sample } from './protocol';
import { RingBuffer } from './ring-buffer';

export type TraceMode = 'scg' | 'raw';

/** Columns of a row: t_ms, ax, ay, az, band-passed az. */
const T = 0;
const FILTERED = 4;
const COLUMNS = 5;

export interface TraceWindow {
  /** Seconds since the first sample. */
  x: Float64Array;
  /** One series for `scg`; ax, ay, az (each with its window mean removed) for `raw`. */
  ys: Float64Array[];
  xMin: number;
  xMax: number;
  yHalfRange: number | null;
  /** Beat times inside the window, in seconds since the first sample. */
  beats: number[];
}

export class Trace {
  /** Milliseconds since the epoch of the first sample, or null before any. */
  t0Ms: number | null = null;
  count = 0;
  /** Bumped on every change so a chart can skip identical frames. */
  version = 0;
  private readonly live: RingBuffer;
  private history: Float64Array;
  private readonly filter = new ScgDisplayFilter();
  private readonly beatsMs: number[] = [];

  /** @param liveCapacity rows kept for the live view (≥ 10 s at the highest expected rate). */
  constructor(
    liveCapacity = 4096,
    private readonly keepHistory = true,
  ) {
    this.live = new RingBuffer(liveCapacity, COLUMNS);
    this.history = new Float64Array(keepHistory ? 16_384 * COLUMNS : 0);
  }

  append(samples: readonly Sample[]): void {
    for (const [t, ax, ay, az] of samples) {
      if (this.t0Ms === null) this.t0Ms = t;
      const row = [t, ax, ay, az, this.filter.step(t, az)];
      this.live.push(row);
      if (this.keepHistory) {
        if ((this.count + 1) * COLUMNS > this.history.length) {
          const grown = new Float64Array(this.history.length * 2);
          grown.set(this.history);
          this.history = grown;
        }
        this.history.set(row, this.count * COLUMNS);
      }
      this.count += 1;
    }
    this.version += 1;
  }

  /** Add beat times (t_ms) reported by the live analysis; duplicates are ignored. */
  addBeats(beatsMs: readonly number[]): void {
    const last = this.beatsMs[this.beatsMs.length - 1] ?? Number.NEGATIVE_INFINITY;
    for (const b of beatsMs) if (b > last + 1) this.beatsMs.push(b);
    if (beatsMs.length) this.version += 1;
  }

  /** Replace the beat times with a whole-recording analysis (t_ms, ascending). */
  setBeats(beatsMs: readonly number[]): void {
    this.beatsMs.splice(0, this.beatsMs.length, ...beatsMs);
    this.version += 1;
  }

  /** Seconds from the first to the last sample. */
  get durationS(): number {
    return this.t0Ms === null || this.count === 0 ? 0 : (this.live.last(T) - this.t0Ms) / 1000;
  }

  get samplingRateHz(): number | null {
    return this.filter.fsHz;
  }

  /** The last `spanS` seconds, from the ring buffer. */
  liveWindow(spanS: number, mode: TraceMode): TraceWindow {
    const end = this.durationS;
    const from = (this.t0Ms ?? 0) + (end - spanS) * 1000;
    return this.shape(this.live.columnsSince(from), Math.max(0, end - spanS), Math.max(spanS, end), mode);
  }

  /** Any stretch of the whole session [startS, startS + spanS), from the history. */
  historyWindow(startS: number, spanS: number, mode: TraceMode): TraceWindow {
    const t0 = this.t0Ms ?? 0;
    const lo = this.indexOf(t0 + startS * 1000);
    const hi = this.indexOf(t0 + (startS + spanS) * 1000);
    const cols = Array.from({ length: COLUMNS }, (_, c) => {
      const out = new Float64Array(hi - lo);
      for (let i = lo; i < hi; i += 1) out[i - lo] = this.history[i * COLUMNS + c] as number;
      return out;
    });
    return this.shape(cols, startS, startS + spanS, mode);
  }

  private indexOf(tMs: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.history[mid * COLUMNS + T] as number) < tMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private shape(cols: Float64Array[], xMin: number, xMax: number, mode: TraceMode): TraceWindow {
    const t0 = this.t0Ms ?? 0;
    const tCol = cols[T] as Float64Array;
    const x = tCol.map((t) => (t - t0) / 1000);
    const ys = mode === 'scg' ? [cols[FILTERED] as Float64Array] : [1, 2, 3].map((c) => centred(cols[c] as Float64Array));
    // Autoscale over ~1 s segments of the data present (a heartbeat in each), however much of the window it fills.
    const spanS = x.length > 1 ? (x[x.length - 1] as number) - (x[0] as number) : 0;
    const segments = Math.max(1, Math.round(spanS));
    let half: number | null = null;
    for (const y of ys) half = Math.max(half ?? 0, robustHalfRange(y, segments) ?? 0) || null;
    const beats: number[] = [];
    for (const b of this.beatsMs) {
      const s = (b - t0) / 1000;
      if (s >= xMin && s <= xMax) beats.push(s);
    }
    return { x, ys, xMin, xMax, yHalfRange: half, beats };
  }
}

function centred(values: Float64Array): Float64Array {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = values.length ? sum / values.length : 0;
  return values.map((v) => v - mean);
}
