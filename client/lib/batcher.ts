/**
 * Cuts the phone's sample stream into numbered batches (~100 ms each, at most 1000 samples), keeping only
 * samples the server will accept: finite, |a| ≤ 1000 m/s², timestamps strictly increasing across batches.
 */
import { MAX_SAMPLES_PER_BATCH, isValidSample, type Sample } from './protocol';

export interface Batch {
  seq: number;
  samples: Sample[];
}

export class Batcher {
  private current: Sample[] = [];
  private lastTMs: number;
  private seq: number;
  /** Samples refused because they were out of range or not later than the previous one. */
  dropped = 0;

  /** @param nextSeq the seq of the next batch; @param lastTMs the last timestamp already batched. */
  constructor(nextSeq = 0, lastTMs = Number.NEGATIVE_INFINITY) {
    this.seq = nextSeq;
    this.lastTMs = lastTMs;
  }

  get nextSeq(): number {
    return this.seq;
  }

  get bufferedCount(): number {
    return this.current.length;
  }

  /** Add one sample; returns a full batch when the 1000-sample limit is reached, else null. */
  push(sample: Sample): Batch | null {
    if (!isValidSample(sample) || !(sample[0] > this.lastTMs)) {
      this.dropped += 1;
      return null;
    }
    this.lastTMs = sample[0];
    this.current.push(sample);
    return this.current.length >= MAX_SAMPLES_PER_BATCH ? this.flush() : null;
  }

  /** Seal whatever is buffered into the next batch (null when nothing is buffered). */
  flush(): Batch | null {
    if (this.current.length === 0) return null;
    const batch: Batch = { seq: this.seq, samples: this.current };
    this.seq += 1;
    this.current = [];
    return batch;
  }
}
