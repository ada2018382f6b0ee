/**
 * The SCG display filter: a causal 5–30 Hz band-pass (4th-order Butterworth high-pass at 5 Hz, 2nd-order
 * Butterworth low-pass at 30 Hz when the sampling rate allows it), built from biquads (RBJ Audio EQ Cookbook).
 * For display only: the server's analysis works on the raw stored samples.
 */

interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
  z1: number;
  z2: number;
}

function biquad(kind: 'lowpass' | 'highpass', cutoffHz: number, fsHz: number, q: number): Biquad {
  const w0 = (2 * Math.PI * cutoffHz) / fsHz;
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * q);
  const a0 = 1 + alpha;
  const b1 = kind === 'lowpass' ? 1 - cos : -(1 + cos);
  const b0 = kind === 'lowpass' ? (1 - cos) / 2 : (1 + cos) / 2;
  return { b0: b0 / a0, b1: b1 / a0, b2: b0 / a0, a1: (-2 * cos) / a0, a2: (1 - alpha) / a0, z1: 0, z2: 0 };
}

/** Q factors of the two sections of a 4th-order Butterworth filter. */
const BUTTER4_Q = [0.5411961, 1.3065630];

export class BandPass {
  private sections: Biquad[];
  private settled = false;
  private offset = 0;

  /**
   * @param fsHz sampling rate; @param lowHz high-pass corner; @param highHz low-pass corner, skipped when it is
   * not below 0.45 × fs (at a browser's ~60 Hz, 30 Hz is the Nyquist frequency, so the band is 5 Hz–Nyquist).
   */
  constructor(
    readonly fsHz: number,
    lowHz = 5,
    highHz = 30,
  ) {
    this.sections = BUTTER4_Q.map((q) => biquad('highpass', lowHz, fsHz, q));
    if (highHz < 0.45 * fsHz) this.sections.push(biquad('lowpass', highHz, fsHz, Math.SQRT1_2));
  }

  /** Filter one value (transposed direct form II); state carries over between calls. */
  step(x: number): number {
    if (!this.settled) {
      // Start from rest at the first value's level so the gravity step does not ring through the display.
      this.settled = true;
      for (const s of this.sections) {
        s.z1 = 0;
        s.z2 = 0;
      }
      this.offset = x;
    }
    let y = x - this.offset;
    for (const s of this.sections) {
      const out = s.b0 * y + s.z1;
      s.z1 = s.b1 * y - s.a1 * out + s.z2;
      s.z2 = s.b2 * y - s.a2 * out;
      y = out;
    }
    return y;
  }

  /** Forget the state, e.g. after a gap in the stream. */
  reset(): void {
    this.settled = false;
  }
}

/**
 * Estimates the sampling rate from timestamps (median interval over a sliding window) and keeps a BandPass
 * designed for it, re-designed when the rate drifts by more than 10 % and reset after gaps over 0.5 s.
 */
export class ScgDisplayFilter {
  private intervals: number[] = [];
  private lastTMs = Number.NaN;
  private filter: BandPass | null = null;

  /** Filtered value for a sample at `tMs`, or NaN while the rate is still unknown (first ~10 samples). */
  step(tMs: number, value: number): number {
    const dt = tMs - this.lastTMs;
    this.lastTMs = tMs;
    if (dt > 500) {
      this.filter?.reset();
    } else if (dt > 0) {
      this.intervals.push(dt);
      if (this.intervals.length > 120) this.intervals.shift();
    }
    if (this.intervals.length < 10) return Number.NaN;
    const fsHz = 1000 / median(this.intervals);
    if (!this.filter || Math.abs(fsHz - this.filter.fsHz) / this.filter.fsHz > 0.1) this.filter = new BandPass(fsHz);
    return this.filter.step(value);
  }

  /** The current sampling-rate estimate in Hz, or null. */
  get fsHz(): number | null {
    return this.filter ? this.filter.fsHz : null;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
