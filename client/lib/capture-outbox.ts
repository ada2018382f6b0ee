/**
 * The phone's batches not yet acknowledged, as the capture socket keeps them: which were written on the current
 * connection and when (a batch unacknowledged too long means a dead connection), with which clock offset (so the
 * last `t_ms` the server stored is known for a re-base), and how many samples are in flight or still queued.
 */
import type { Batch } from './batcher';

const lastT = (b: Batch): number | undefined => b.samples[b.samples.length - 1]?.[0];

export class CaptureOutbox {
  private batches = new Map<number, Batch>();
  /** When each batch was written on the current connection (epoch ms). */
  private sentAt = new Map<number, number>();
  /** The clock offset each batch was last written with. */
  private sentOffset = new Map<number, number>();
  /** The last `t_ms`, as sent, of a batch the server stored; null until one is known. */
  lastStoredTMs: number | null = null;

  get size(): number {
    return this.batches.size;
  }

  get(seq: number): Batch | undefined {
    return this.batches.get(seq);
  }

  add(batch: Batch): void {
    this.batches.set(batch.seq, batch);
  }

  /** Take in batches from `fromSeq` on that are not here yet (written to the store by another tab). */
  adopt(stored: Batch[], fromSeq: number): void {
    for (const b of stored) if (b.seq >= fromSeq && !this.batches.has(b.seq)) this.batches.set(b.seq, b);
  }

  /** Batch `seq` was written just now, with `offsetMs` added to its times. */
  markSent(seq: number, offsetMs: number): void {
    this.sentAt.set(seq, Date.now());
    this.sentOffset.set(seq, offsetMs);
  }

  /** Batches from `fromSeq` on will be written again (or the connection is gone): forget when they were sent. */
  unsend(fromSeq = 0): void {
    for (const seq of this.sentAt.keys()) if (seq >= fromSeq) this.sentAt.delete(seq);
  }

  /** When the oldest batch still unacknowledged on this connection was written; Infinity when none is. */
  oldestSentAtMs(): number {
    return Math.min(...this.sentAt.values());
  }

  /**
   * The server stored batch `seq`: forget it and return it (undefined if it was forgotten already).
   * `offsetMs`: the clock offset to assume when this page did not write it itself.
   */
  ack(seq: number, offsetMs: number): Batch | undefined {
    const batch = this.batches.get(seq);
    if (batch) this.forget(seq, batch, offsetMs);
    return batch;
  }

  /** The server has every batch below `nextSeq`: forget them; returns how many samples that was. */
  forgetBelow(nextSeq: number): number {
    let samples = 0;
    for (const [seq, b] of this.batches) {
      if (seq >= nextSeq) continue;
      samples += b.samples.length;
      this.forget(seq, b, null);
    }
    return samples;
  }

  /** Samples written below `nextToSend` and not yet acknowledged, and samples not yet written. */
  counts(nextToSend: number | null): { inFlight: number; queued: number } {
    let inFlight = 0;
    let queued = 0;
    for (const [seq, b] of this.batches) {
      if (nextToSend !== null && seq < nextToSend) inFlight += b.samples.length;
      else queued += b.samples.length;
    }
    return { inFlight, queued };
  }

  private forget(seq: number, batch: Batch, fallbackOffsetMs: number | null): void {
    const offsetMs = this.sentOffset.get(seq) ?? fallbackOffsetMs;
    const t = lastT(batch);
    if (offsetMs !== null && t !== undefined) this.lastStoredTMs = Math.max(this.lastStoredTMs ?? -Infinity, t + offsetMs);
    this.batches.delete(seq);
    this.sentAt.delete(seq);
    this.sentOffset.delete(seq);
  }
}
