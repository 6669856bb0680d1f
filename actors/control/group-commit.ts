/**
 * Group commit of table writes. Every write waiting when a commit starts shares one timestamp
 * `ts = writeTs()`; each table written is appended with compare-and-append `[upper, ts + 1)` on
 * its own upper, then every storage host's transaction log (txns) is advanced to `ts + 1`, which
 * seals `ts` for every table of that host, written or not (docs/decoupling.md): an idle table is
 * never touched, and a read at the new `readTs` never waits on it. Only then `applyWrite(ts)`
 * makes the writes visible and the writers are acknowledged. A tick is a commit with no writes:
 * one txns advance per host, whatever the number of tables. It never acknowledges a write that is
 * not durable in STORAGE, and never appends a time twice (compare-and-append with a token per
 * batch; a host refuses a table append below its txns upper). A table's updates larger than one
 * message are staged in parts first and appended as one batch (StageBatch, storage README).
 */
import { randomUUID } from 'node:crypto';
import { SqlError, SqlState } from '../../protocol/control/errors.js';
import type { StorageClient } from '../../protocol/storage/client.js';
import type { Row, Update } from '../../protocol/types.js';
import type { TimelineClient } from './timestamps.js';
import { encode } from '../../protocol/codec.js';
import { isErrorCode, type DefiniteError } from '../../protocol/errors.js';
import { StorageErrorCode } from '../../protocol/storage/errors.js';

import { PART_BYTES, UpdateEncoder } from './update-encoder.js';

/** A table's updates of one commit from this many rows on are measured, and staged when large. */
const STAGE_MIN_ROWS = 1_000;

/**
 * The msgpack encodings of `updates` in parts of about PART_BYTES each (one part when the whole
 * fits). A part much larger than that (wide rows in one stretch) is halved again.
 */
export function partsOf(updates: Update[]): Uint8Array[] {
  const whole = encode(updates);
  if (whole.length <= PART_BYTES * 2) return [whole];
  const count = Math.ceil(whole.length / PART_BYTES);
  const rows = Math.ceil(updates.length / count);
  const out: Uint8Array[] = [];
  const split = (from: number, to: number): void => {
    const bytes = encode(updates.slice(from, to));
    if (bytes.length > PART_BYTES * 2 && to - from > 1) {
      const mid = from + Math.floor((to - from) / 2);
      split(from, mid);
      split(mid, to);
    } else out.push(bytes);
  };
  for (let i = 0; i < updates.length; i += rows) split(i, Math.min(updates.length, i + rows));
  return out;
}

/** Changes to one table: rows with their diffs (+1 insert, -1 delete). */
export type TableChanges = Map<string, Array<[Row, number]>>;
/** Changes to tables already encoded (a COPY's rows: update-encoder.ts), their times set at commit. */
export type EncodedChanges = Map<string, UpdateEncoder>;

interface Pending {
  changes: TableChanges;
  encoded: EncodedChanges | undefined;
  resolve(ts: number): void;
  reject(err: unknown): void;
}

export class GroupCommit {
  private pending: Pending[] = [];
  private running: Promise<void> | undefined;
  private readonly uppers = new Map<string, number>();
  commits = 0;

  constructor(
    private readonly storage: StorageClient,
    private readonly timeline: TimelineClient,
    /** Whether a table's collection is live (not dropped). */
    private readonly isLiveTable: (collection: string) => boolean,
    private readonly writer: string,
    /** The storage hosts whose txns logs seal the tables. */
    private readonly storageHosts: readonly string[],
  ) {}

  /**
   * Commits `changes` (and `encoded`, in the same commit); resolves with the commit timestamp
   * once the write is durable and visible.
   */
  write(changes: TableChanges, encoded?: EncodedChanges): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ changes, encoded, resolve, reject });
      this.kick();
    });
  }

  /** Advances every table's upper (a commit without writes: one txns advance per host). */
  tick(): Promise<number> {
    return this.write(new Map());
  }

  /** Forgets a dropped table. */
  forget(collection: string): void {
    this.uppers.delete(collection);
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.pending.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      // A write to a dropped table fails alone, not with the writes it would have shared a commit with.
      const batch: Pending[] = [];
      for (const p of this.pending) {
        const dropped = [...p.changes.keys(), ...(p.encoded?.keys() ?? [])].find((t) => !this.isLiveTable(t));
        if (dropped === undefined) batch.push(p);
        else p.reject(new SqlError(SqlState.UndefinedTable, `table ${dropped} was dropped`));
      }
      this.pending = [];
      if (batch.length === 0) continue;
      try {
        const ts = await this.commit(batch);
        for (const p of batch) p.resolve(ts);
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
  }

  private async commit(batch: Pending[]): Promise<number> {
    const ts = await this.timeline.writeTs();
    const byTable = new Map<string, Update[]>();
    for (const p of batch) {
      for (const [table, rows] of p.changes) {
        const list = byTable.get(table) ?? [];
        for (const [row, diff] of rows) list.push([row, ts, diff]);
        byTable.set(table, list);
      }
    }
    const encodedBy = new Map<string, UpdateEncoder[]>();
    for (const p of batch) {
      for (const [table, enc] of p.encoded ?? []) {
        if (enc.rows === 0) continue;
        encodedBy.set(table, [...(encodedBy.get(table) ?? []), enc]);
        if (!byTable.has(table)) byTable.set(table, []);
      }
    }
    for (const t of byTable.keys()) if (!this.isLiveTable(t)) throw new SqlError(SqlState.UndefinedTable, `table ${t} was dropped`);
    await Promise.all([...byTable].map(([t, updates]) => {
      const encoded = encodedBy.get(t);
      if (!encoded) return this.append(t, ts, updates);
      // Already encoded: their times set to ts; rows of other writers to the table as more parts.
      const parts = encoded.flatMap((e) => e.parts(ts));
      if (updates.length > 0) parts.push(...partsOf(updates));
      return this.appendParts(t, ts, parts, updates.length + encoded.reduce((n, e) => n + e.rows, 0));
    }));
    await Promise.all(this.storageHosts.map((host) => this.storage.advanceTxns(host, this.writer, ts + 1)));
    await this.timeline.applyWrite(ts);
    this.commits++;
    return ts;
  }

  private append(collection: string, ts: number, updates: Update[]): Promise<void> {
    const parts = updates.length >= STAGE_MIN_ROWS ? partsOf(updates) : undefined;
    return this.appendParts(collection, ts, parts ?? updates, updates.length);
  }

  /**
   * Appends `count` updates at `ts` to `collection`: `updates`, or their encoding in `parts`
   * (staged first when more than one, protocol/storage/README.md; one part as the Append's bytes).
   */
  private async appendParts(collection: string, ts: number, updatesOrParts: Update[] | Uint8Array[], count: number): Promise<void> {
    const token = randomUUID();
    let expected = this.uppers.get(collection) ?? (await this.writeUpperOf(collection));
    const encoded = count > 0 && updatesOrParts[0] instanceof Uint8Array;
    const parts = encoded ? (updatesOrParts as Uint8Array[]) : undefined;
    // A batch too large for one message is staged in parts first (protocol/storage/README.md).
    let body: Update[] | Uint8Array | { staged: { stageId: string; parts: number } } = parts ? parts[0]! : (updatesOrParts as Update[]);
    const stage = async (): Promise<void> => {
      const stageId = randomUUID();
      // All parts at once: their transfer and the host's checks and writes overlap (shard.ts `stage`).
      await Promise.all(parts!.map((encodedUpdates, part) => this.storage.stageBatch({ collection, writer: this.writer, stageId, part, lower: ts, upper: ts + 1, encodedUpdates })));
      body = { staged: { stageId, parts: parts!.length } };
    };
    if (parts && parts.length > 1) await stage();
    for (let restaged = 0; ; ) {
      if (expected > ts) {
        if (count === 0) return;
        throw new SqlError(SqlState.InternalError, `table ${collection} is already sealed up to ${expected}, beyond the write timestamp ${ts}`, { determinacy: 'definite' });
      }
      let r;
      try {
        r = await this.storage.compareAndAppend({ collection, writer: this.writer, token, expectedUpper: expected, newUpper: ts + 1, updates: body });
      } catch (err) {
        // The storage host restarted between staging and appending: its staged parts are gone.
        if (parts && parts.length > 1 && restaged++ < 3 && isErrorCode(err, StorageErrorCode.InvalidBatch) && (err as DefiniteError).details['notStaged'] !== undefined) {
          await stage();
          continue;
        }
        throw err;
      }
      if (r.ok) {
        this.uppers.set(collection, r.upper);
        return;
      }
      expected = r.currentUpper;
      this.uppers.set(collection, expected);
    }
  }

  /** The upper a table's appends compare against (its own, not the txns-sealed one). */
  private async writeUpperOf(collection: string): Promise<number> {
    const summary = await this.storage.describe(collection, 30_000);
    return summary.writeUpper ?? summary.upper;
  }
}
