/**
 * The phone's own storage (IndexedDB): the recordings it made, with their tokens and counters, and every batch
 * not yet acknowledged by the server, so a reload or a crash of the tab loses nothing. Counters change in the
 * same transaction as the batches they count, so they stay exact across reloads.
 * `MemoryPhoneStore` is the in-memory twin used by the unit tests.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

import type { Batch } from './batcher';

export interface RecordingRecord {
  sessionId: string;
  patientToken: string;
  viewerToken: string;
  createdAt: string;
  /** `recording` until the session has been ended on the server. */
  state: 'recording' | 'ended';
  endedAt: string | null;
  /** When capture first started (epoch ms), for the elapsed time shown on the phone. */
  startedAtMs: number | null;
  /** The seq of the next batch to cut, and the last timestamp batched (for strictly increasing t_ms). */
  nextSeq: number;
  lastTMs: number;
  /** Samples put into batches, and samples the server has acknowledged as stored. */
  recordedSamples: number;
  ackedSamples: number;
}

export interface PhoneStore {
  putRecording(record: RecordingRecord): Promise<void>;
  getRecording(sessionId: string): Promise<RecordingRecord | undefined>;
  /** Most recent first. */
  listRecordings(): Promise<RecordingRecord[]>;
  markEnded(sessionId: string, endedAt: string): Promise<void>;
  /** Note when capture first started; later calls keep the first time. */
  markStarted(sessionId: string, startedAtMs: number): Promise<void>;
  /** Keep the new share link's token after the old one was revoked. */
  setViewerToken(sessionId: string, viewerToken: string): Promise<void>;
  /** Forget a recording and its batches. */
  deleteRecording(sessionId: string): Promise<void>;
  /** Keep a batch until it is acknowledged; advances nextSeq, lastTMs and recordedSamples. */
  addBatch(sessionId: string, batch: Batch): Promise<void>;
  /** Forget batch `seq` (acknowledged); returns the samples newly counted as acked (0 if already forgotten). */
  ackBatch(sessionId: string, seq: number): Promise<number>;
  /** Forget every batch below `nextSeq` (the server says it has them); returns the samples newly acked. */
  ackBelow(sessionId: string, nextSeq: number): Promise<number>;
  /** Unacknowledged batches in seq order. */
  pendingBatches(sessionId: string): Promise<Batch[]>;
}

interface StoredBatch extends Batch {
  sessionId: string;
}

interface PhoneDb extends DBSchema {
  recordings: { key: string; value: RecordingRecord };
  batches: { key: [string, number]; value: StoredBatch };
}

const DB_NAME = 'openscg-phone';

export class IdbPhoneStore implements PhoneStore {
  private db: Promise<IDBPDatabase<PhoneDb>> | null = null;

  private open(): Promise<IDBPDatabase<PhoneDb>> {
    this.db ??= openDB<PhoneDb>(DB_NAME, 1, {
      upgrade(db) {
        db.createObjectStore('recordings', { keyPath: 'sessionId' });
        db.createObjectStore('batches', { keyPath: ['sessionId', 'seq'] });
      },
    });
    return this.db;
  }

  async putRecording(record: RecordingRecord): Promise<void> {
    await (await this.open()).put('recordings', record);
  }

  async getRecording(sessionId: string): Promise<RecordingRecord | undefined> {
    return (await this.open()).get('recordings', sessionId);
  }

  async listRecordings(): Promise<RecordingRecord[]> {
    const all = await (await this.open()).getAll('recordings');
    return all.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async markEnded(sessionId: string, endedAt: string): Promise<void> {
    const tx = (await this.open()).transaction('recordings', 'readwrite');
    const record = await tx.store.get(sessionId);
    if (record) await tx.store.put({ ...record, state: 'ended', endedAt });
    await tx.done;
  }

  async markStarted(sessionId: string, startedAtMs: number): Promise<void> {
    const tx = (await this.open()).transaction('recordings', 'readwrite');
    const record = await tx.store.get(sessionId);
    if (record && record.startedAtMs === null) await tx.store.put({ ...record, startedAtMs });
    await tx.done;
  }

  async setViewerToken(sessionId: string, viewerToken: string): Promise<void> {
    const tx = (await this.open()).transaction('recordings', 'readwrite');
    const record = await tx.store.get(sessionId);
    if (record) await tx.store.put({ ...record, viewerToken });
    await tx.done;
  }

  async deleteRecording(sessionId: string): Promise<void> {
    const tx = (await this.open()).transaction(['recordings', 'batches'], 'readwrite');
    await tx.objectStore('recordings').delete(sessionId);
    await tx.objectStore('batches').delete(batchRange(sessionId));
    await tx.done;
  }

  async addBatch(sessionId: string, batch: Batch): Promise<void> {
    const tx = (await this.open()).transaction(['recordings', 'batches'], 'readwrite');
    const recordings = tx.objectStore('recordings');
    const record = await recordings.get(sessionId);
    if (!record) throw new Error(`no recording ${sessionId}`);
    await tx.objectStore('batches').put({ sessionId, seq: batch.seq, samples: batch.samples });
    const last = batch.samples[batch.samples.length - 1];
    await recordings.put({
      ...record,
      nextSeq: Math.max(record.nextSeq, batch.seq + 1),
      lastTMs: last ? Math.max(record.lastTMs, last[0]) : record.lastTMs,
      recordedSamples: record.recordedSamples + batch.samples.length,
    });
    await tx.done;
  }

  async ackBatch(sessionId: string, seq: number): Promise<number> {
    return this.ackRange(sessionId, IDBKeyRange.only([sessionId, seq]));
  }

  async ackBelow(sessionId: string, nextSeq: number): Promise<number> {
    if (nextSeq <= 0) return 0;
    return this.ackRange(sessionId, IDBKeyRange.bound([sessionId, 0], [sessionId, nextSeq], false, true));
  }

  private async ackRange(sessionId: string, range: IDBKeyRange): Promise<number> {
    const tx = (await this.open()).transaction(['recordings', 'batches'], 'readwrite');
    const batches = tx.objectStore('batches');
    const gone = await batches.getAll(range);
    let acked = 0;
    for (const b of gone) acked += b.samples.length;
    if (gone.length > 0) {
      await batches.delete(range);
      const record = await tx.objectStore('recordings').get(sessionId);
      if (record) await tx.objectStore('recordings').put({ ...record, ackedSamples: record.ackedSamples + acked });
    }
    await tx.done;
    return acked;
  }

  async pendingBatches(sessionId: string): Promise<Batch[]> {
    const stored = await (await this.open()).getAll('batches', batchRange(sessionId));
    return stored.map(({ seq, samples }) => ({ seq, samples }));
  }
}

function batchRange(sessionId: string): IDBKeyRange {
  return IDBKeyRange.bound([sessionId, 0], [sessionId, Number.MAX_SAFE_INTEGER]);
}

export class MemoryPhoneStore implements PhoneStore {
  private recordings = new Map<string, RecordingRecord>();
  private batches = new Map<string, Map<number, Batch>>();

  async putRecording(record: RecordingRecord): Promise<void> {
    this.recordings.set(record.sessionId, { ...record });
  }

  async getRecording(sessionId: string): Promise<RecordingRecord | undefined> {
    const r = this.recordings.get(sessionId);
    return r ? { ...r } : undefined;
  }

  async listRecordings(): Promise<RecordingRecord[]> {
    return [...this.recordings.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async markEnded(sessionId: string, endedAt: string): Promise<void> {
    const r = this.recordings.get(sessionId);
    if (r) this.recordings.set(sessionId, { ...r, state: 'ended', endedAt });
  }

  async markStarted(sessionId: string, startedAtMs: number): Promise<void> {
    const r = this.recordings.get(sessionId);
    if (r && r.startedAtMs === null) r.startedAtMs = startedAtMs;
  }

  async setViewerToken(sessionId: string, viewerToken: string): Promise<void> {
    const r = this.recordings.get(sessionId);
    if (r) r.viewerToken = viewerToken;
  }

  async deleteRecording(sessionId: string): Promise<void> {
    this.recordings.delete(sessionId);
    this.batches.delete(sessionId);
  }

  async addBatch(sessionId: string, batch: Batch): Promise<void> {
    const r = this.recordings.get(sessionId);
    if (!r) throw new Error(`no recording ${sessionId}`);
    const map = this.batches.get(sessionId) ?? new Map<number, Batch>();
    map.set(batch.seq, batch);
    this.batches.set(sessionId, map);
    const last = batch.samples[batch.samples.length - 1];
    r.nextSeq = Math.max(r.nextSeq, batch.seq + 1);
    r.lastTMs = last ? Math.max(r.lastTMs, last[0]) : r.lastTMs;
    r.recordedSamples += batch.samples.length;
  }

  async ackBatch(sessionId: string, seq: number): Promise<number> {
    return this.ackWhere(sessionId, (s) => s === seq);
  }

  async ackBelow(sessionId: string, nextSeq: number): Promise<number> {
    return this.ackWhere(sessionId, (s) => s < nextSeq);
  }

  private ackWhere(sessionId: string, match: (seq: number) => boolean): number {
    const map = this.batches.get(sessionId);
    let acked = 0;
    for (const [seq, b] of map ?? []) {
      if (!match(seq)) continue;
      acked += b.samples.length;
      map?.delete(seq);
    }
    const r = this.recordings.get(sessionId);
    if (r) r.ackedSamples += acked;
    return acked;
  }

  async pendingBatches(sessionId: string): Promise<Batch[]> {
    return [...(this.batches.get(sessionId)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
  }
}
