/**
 * The shard: a definite collection on disk, in its actor's LevelDB key space.
 *
 * - `meta`: since, upper, schema, upstream position, writer records, read holds, counters and the
 *   list of batch references (lower, upper, count, key). Small: the batch list is logarithmic.
 * - `b/<n>` (appends), `b/m<incarnation>-<n>` and `b/m<incarnation>-<n>/<part>` (merges): one
 *   batch of updates, times in `[lower, upper)`, sorted by time: the msgpack bytes of
 *   its `[row, time, diff][]` array, stored as a binary value (an append stores the bytes its
 *   writer sent; older shards may hold plain arrays, which are read the same). Ranges with no
 *   updates have no batch (an empty append only moves `upper` in the meta).
 *
 * Every commit (an append, an ingestion step, a merge) is part of ONE atomic store batch that
 * writes the batch value(s) and the new meta together, so data, upper and upstream position can
 * never disagree after a crash. Recovery reads `meta` only (and sweeps batch keys a crash
 * orphaned), so restart time does not grow with the data.
 *
 * Group commit: commits are decided one at a time, in order, against `head` (the meta with every
 * decided commit applied); those decided while a write is in flight wait and are then written
 * together as one store batch with the latest meta. `meta` (what readers and callers see) is
 * replaced only once a write is durable, and a group is written only after the group before it
 * is durable; when a write fails, every commit decided on top of it fails too and `head` goes
 * back to the durable meta. An append whose decision is not a plain commit (a retry, a
 * mismatch) is answered only from durable state.
 *
 * Lazy writes: an empty append its writer marks `lazy` (AdvanceUppers, from deterministic sinks:
 * protocol/storage/txns.ts) and a move of since alone take effect at once, unwritten, when nothing
 * is being written, and are written with the next write or within LAZY_WRITE_MS. A crash may lose
 * them: the upper is back where it was durably (the sink, whose output is a function of durable
 * inputs, states the same emptiness again; readers of the lost times wait), and since is back
 * lower (less compaction: every time it allows was readable before). So an idle view's tick
 * writes nothing per view, and many views' ticks cost one write each per LAZY_WRITE_MS at most.
 *
 * Merging happens off the hot path: after a commit, when `FANOUT` batches of the same size level
 * sit at the tail, they are merged into one. Append batches are numbered one after another, so
 * a run of them whose times need no change is merged by listing it as one key range (a meta-only
 * commit: LevelDB already keeps adjacent keys together, and nothing is written twice); when times
 * below `since` must be advanced to `since` (only where some update retracts: an append-only
 * collection is never rewritten), or the parts are not adjacent keys, the parts are read,
 * consolidated on their bytes in slices (slices.ts: the event loop runs between slices) or
 * concatenated, and written as one new batch: one value, or values of at most `partBytes` each
 * when larger (`parts`). Batch counts stay logarithmic in history; contents at every time
 * >= since are unchanged by a merge. Keys of merged-away batches are deleted only when no read is in flight.
 */
import { randomUUID } from 'node:crypto';
import { Encoded, type KeyRange, type StoreOp } from '../../runtime/store.js';
import type { ShardStore } from './shard-store.js';
import type { Column, Row, Update } from '../../protocol/types.js';
import { SinceViolationError, NotReadyError, InvalidBatchError, upperMismatch } from '../../protocol/storage/errors.js';
import { UnavailableError } from '../../protocol/errors.js';
import { decode, encode } from '../../protocol/codec.js';
import { Accumulator, Consolidator } from './consolidate.js';
import { compactBatches, nextTurn, slicesOf } from './slices.js';
import { binaryValue, chunksOf, filterByTime } from './encoded-batch.js';

/** A batch on disk, as the meta lists it. */
export interface BatchRef {
  key: string;
  /**
   * A run of adjacent append batches listed as one (a merge that needed no consolidation): every
   * key from `key` to `last` (`b/<n>` numbered one after another), read in key order.
   */
  last?: string;
  /**
   * A merged batch written as this many values (keys `<key>/<n>`, n from 0, see `partKey`), each
   * at most partBytes, read in order; absent: one value at `key` (or the run `key`..`last`).
   */
  parts?: number;
  lower: number;
  upper: number;
  count: number;
  /**
   * How many of its updates have a negative diff; undefined when not known (batches written
   * before this was recorded). Without retractions, advancing times below since to since could
   * only sum the diffs of equal rows, so a merge below since skips consolidation (see mergeTail).
   */
  retractions?: number;
}

/**
 * A writer's last committed append (token and the upper it set) and the ones just before it
 * (`recent`, newest first, up to RECENT_TOKENS in all), so a writer that pipelines appends can
 * retry any of its last few and be answered `duplicate` when it had committed.
 */
export interface WriterRecord {
  token: string;
  upper: number;
  at: number;
  recent?: Array<{ token: string; upper: number }>;
}

/** How many of a writer's latest appends a retry is recognised for. */
export const RECENT_TOKENS = 8;

/** The upper a writer's committed append with `token` set, if it is among the latest. */
function committedUpper(record: WriterRecord | undefined, token: string): number | undefined {
  if (!record) return undefined;
  if (record.token === token) return record.upper;
  return record.recent?.find((r) => r.token === token)?.upper;
}

export interface ShardMeta {
  since: number;
  upper: number;
  schema: Column[];
  position: number;
  writers: Record<string, WriterRecord>;
  holds: Record<string, number>;
  updates: number;
  badMessages: number;
  upstreamRereads: number;
  nextBatch: number;
  batches: BatchRef[];
  dropped: boolean;
}

/**
 * An append's updates: decoded, or the validated msgpack bytes of the array (encoded-batch.ts),
 * with `stored`, when given, the msgpack binary value holding those bytes (`binaryValue`).
 */
export type AppendBatch = Update[] | { encoded: Uint8Array; stored?: Uint8Array; count: number; sorted: boolean; retractions?: number } | StagedRef;

/** An append of a batch staged beforehand in parts (`stage`), listed by the commit without copying. */
export interface StagedRef {
  staged: { stageId: string; parts: number };
}

/** What the shard remembers of a staged batch until it is appended or expires (memory only). */
interface StagedBatch {
  writer: string;
  lower: number;
  upper: number;
  parts: Map<number, { count: number; retractions: number | undefined }>;
  at: number;
}

/** How long a staged batch waits for its append before its parts are deleted. */
const STAGE_EXPIRY_MS = 10 * 60_000;

/** What an ingestion step or append commits besides the updates. */
export interface CommitExtras {
  position?: number;
  badMessages?: number;
  upstreamRereads?: number;
  writer?: { id: string; token: string };
}

const FANOUT = 8;
/** The largest value a merge writes by default (a larger merged batch is written in parts). */
const PART_BYTES = 2 * 1024 * 1024;
const MAX_WRITERS = 64;
const META = 'meta';
/** How long a lazily applied change may stay unwritten (see "Lazy writes" above). */
const LAZY_WRITE_MS = 1000;

function level(count: number): number {
  return count <= 1 ? 0 : Math.floor(Math.log(count) / Math.log(FANOUT));
}

export class Shard {
  /** The durable meta: what readers and callers see. */
  private meta: ShardMeta;
  /** The meta with every decided commit applied (durable or not): what commits are decided on. */
  private head: ShardMeta;
  /** Commits decided while a write is in flight: written next, as one batch with their last meta. */
  private queued: { ops: StoreOp[]; meta: ShardMeta; sync: boolean; waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> } | undefined;
  /** The write loop, while one runs. */
  private writing: Promise<void> | undefined;
  private activeReads = 0;
  private garbage: string[] = [];
  private merging = false;
  /** Names this incarnation's merged batches (`b/m<incarnation>-<n>`), unique across restarts. */
  private readonly incarnation = randomUUID().slice(0, 8);
  private merges = 0;
  private closed = false;
  /** Serializes commits: appends, ingestion and merges never interleave their meta writes. */
  private chain: Promise<unknown> = Promise.resolve();
  /** The meta as last written (or read at open); `meta` differs while a lazy change is unwritten. */
  private written: ShardMeta;
  private lazyTimer: NodeJS.Timeout | undefined;
  /**
   * Called after every commit that moved upper or since: `data` (an append or ingestion with
   * updates), `empty` (upper moved, nothing written) or `since`.
   */
  onChange: (what: 'data' | 'empty' | 'since') => void = () => undefined;
  /** Called when an append with updates is decided (before it is durable). */
  onDataDecided: () => void = () => undefined;
  /**
   * For a table sealed by its host's transaction log: the txns upper (docs/decoupling.md). Every
   * time below it is sealed for readers (`readUpper`), and no update may be appended below it.
   */
  sealedBy: { readonly upper: number; readonly known: boolean } | undefined;
  /** The last `readUpper` given while no append was in flight (readers never see it go back). */
  private lastReadUpper = -Infinity;
  /** Batches staged for a coming append (see `stage`). */
  private readonly staged = new Map<string, StagedBatch>();
  private stageTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly store: ShardStore,
    meta: ShardMeta,
    private readonly isLive: () => boolean,
    /** The largest value a merge writes (a larger merged batch is written in parts). */
    private readonly partBytes: number,
  ) {
    this.meta = meta;
    this.head = meta;
    this.written = meta;
  }

  /** Settles once the orphan sweep begun at open has finished (tests wait for it). */
  swept: Promise<void> = Promise.resolve();

  private alive(): boolean {
    return !this.closed && this.isLive();
  }

  /** Opens the shard, creating it with `schema` and `upper` when it does not exist yet. */
  static async open(store: ShardStore, init: { schema: Column[]; upper: number }, alive: () => boolean = () => true, options: { partBytes?: number } = {}): Promise<Shard> {
    // Let writes a previous incarnation of this process queued land before the meta is read.
    await store.batch([]);
    let meta = await store.get<ShardMeta>(META);
    if (!meta) {
      meta = {
        // A new collection is empty at every earlier time, so all of it is readable.
        since: 0,
        upper: init.upper,
        schema: init.schema,
        position: 0,
        writers: {},
        holds: {},
        updates: 0,
        badMessages: 0,
        upstreamRereads: 0,
        nextBatch: 1,
        batches: [],
        dropped: false,
      };
      await store.batch([{ type: 'put', key: META, value: meta }]);
    } else if (store.shared) {
      meta = await claim(store, meta);
    }
    const shard = new Shard(store, meta, alive, options.partBytes ?? PART_BYTES);
    shard.swept = shard.sweepOrphans().catch(() => undefined);
    return shard;
  }

  get since(): number {
    return this.meta.since;
  }
  /** The upper appends compare against (durable). */
  get upper(): number {
    return this.meta.upper;
  }
  /** Whether an append is decided but not yet durable (its updates are not readable yet). */
  get appendInFlight(): boolean {
    return this.head.upper !== this.meta.upper;
  }

  /**
   * The upper readers see: `upper`, or for a table sealed by txns max(upper, txns upper). While an
   * append is decided but not durable it stays where it was: the append's updates may lie below
   * the txns upper of that moment, and must be readable before their times are.
   */
  get readUpper(): number {
    const txns = this.sealedBy;
    // (lastReadUpper: a view that followed the txns upper for a while keeps what it gave.)
    if (!txns) return Math.max(this.meta.upper, this.lastReadUpper);
    if (this.appendInFlight) return Math.max(this.meta.upper, this.lastReadUpper);
    this.lastReadUpper = Math.max(this.meta.upper, txns.upper, this.lastReadUpper);
    return this.lastReadUpper;
  }
  get schema(): Column[] {
    return this.meta.schema;
  }
  get position(): number {
    return this.meta.position;
  }
  get dropped(): boolean {
    return this.meta.dropped;
  }
  /** A read-only view of the meta, for inspection. */
  get state(): Readonly<ShardMeta> {
    return this.meta;
  }

  /**
   * Compare-and-append. Returns `{ duplicate: true }` for a retry of a committed append (same
   * writer and token), throws UpperMismatch when `expectedUpper` is not the upper.
   */
  async compareAndAppend(
    args: { writer: string; token: string; expectedUpper: number; newUpper: number; updates: AppendBatch; minTime?: number; lazy?: boolean },
    collection: string,
  ): Promise<{ upper: number; duplicate: boolean }> {
    const decided = await this.serial(async () => {
      if (args.lazy && countOf(args.updates) === 0 && args.expectedUpper === this.head.upper && committedUpper(this.head.writers[args.writer], args.token) === undefined) {
        const applied = this.applyLazily((next) => {
          next.upper = args.newUpper;
          recordWriter(next, args.writer, args.token, args.newUpper);
        });
        if (applied) {
          if (args.newUpper !== args.expectedUpper) this.onChange('empty');
          return { upper: args.newUpper, duplicate: false, durable: undefined };
        }
      }
      const plain = (m: ShardMeta) => committedUpper(m.writers[args.writer], args.token) === undefined && args.expectedUpper === m.upper;
      // A retry or a mismatch is answered from durable state only (head === meta once settled).
      if (!plain(this.head)) await this.settled();
      const committed = committedUpper(this.head.writers[args.writer], args.token);
      if (committed !== undefined) return { upper: committed, duplicate: true, durable: undefined };
      if (args.expectedUpper !== this.head.upper) throw upperMismatch(collection, args.expectedUpper, this.head.upper);
      let updates = args.updates;
      let minTime = args.minTime;
      if (isStaged(updates)) {
        const staged = this.stagedBatch(updates, args);
        this.staged.delete(updates.staged.stageId);
        minTime = staged.count > 0 ? staged.lower : undefined;
        updates = { staged: updates.staged, listed: staged } as StagedRef;
      }
      if (this.sealedBy) checkNotSealed(collection, this.sealedBy, minTime);
      if (minTime !== undefined) this.onDataDecided();
      // Decided: the next append is decided (on top of this one) while this one is written.
      return { upper: args.newUpper, duplicate: false, durable: this.commit(updates, args.newUpper, { writer: { id: args.writer, token: args.token } }) };
    });
    await decided.durable;
    return { upper: decided.upper, duplicate: decided.duplicate };
  }

  /**
   * Stages part `part` of batch `stageId` for a later append by `writer` (Append with `staged`):
   * a write too large for one message travels as several, and still commits atomically, as one
   * batch listed by one meta write. Each part is written now, unsynced (the append's synced meta
   * write syncs it), under the batch key `b/s<stageId>`; the shard remembers the staged parts in
   * memory only. Staged parts no append took are deleted after STAGE_EXPIRY_MS, or by the orphan
   * sweep at the next open (so an append of parts staged before a restart fails: NotStaged).
   */
  async stage(args: { writer: string; stageId: string; part: number; lower: number; upper: number; updates: Exclude<AppendBatch, StagedRef> }): Promise<void> {
    const batch = this.staged.get(args.stageId);
    if (batch && (batch.writer !== args.writer || batch.lower !== args.lower || batch.upper !== args.upper)) {
      throw new InvalidBatchError(`staged batch ${args.stageId} was begun by another writer or with other bounds`);
    }
    const { bytes, count, retractions } = encodedSorted(args.updates);
    // Remembered before the write, so parts staged concurrently (a writer sends them all at once)
    // join one batch; a part counts once its write is done (an append checks every part is there).
    const entry = batch ?? { writer: args.writer, lower: args.lower, upper: args.upper, parts: new Map(), at: Date.now() };
    this.staged.set(args.stageId, entry);
    await this.write([{ type: 'put', key: partKey(stageKey(args.stageId), args.part), value: bytes }], false);
    entry.parts.set(args.part, { count, retractions });
    this.stageTimer ??= setInterval(() => this.expireStaged(), STAGE_EXPIRY_MS / 4);
    this.stageTimer.unref();
  }

  /** The staged batch an append names, checked complete and within the append's bounds. */
  private stagedBatch(ref: StagedRef, args: { writer: string; expectedUpper: number; newUpper: number }): { key: string; parts: number; count: number; retractions: number | undefined; lower: number } {
    const { stageId, parts } = ref.staged;
    const batch = this.staged.get(stageId);
    if (!batch || batch.writer !== args.writer) throw new InvalidBatchError(`no staged batch ${stageId} of writer ${args.writer} (never staged, already appended, expired, or lost in a restart); stage it again`, { details: { notStaged: stageId } });
    if (batch.parts.size !== parts) throw new InvalidBatchError(`staged batch ${stageId} has ${batch.parts.size} of ${parts} parts`);
    if (batch.lower < args.expectedUpper || batch.upper > args.newUpper) {
      throw new InvalidBatchError(`staged batch ${stageId} holds times [${batch.lower}, ${batch.upper}), outside the append's [${args.expectedUpper}, ${args.newUpper})`);
    }
    if (parts > 1 && batch.upper - batch.lower > 1) throw new InvalidBatchError(`a staged batch of several parts must hold one time (its parts are listed in order, not merged)`);
    let count = 0;
    let retractions: number | undefined = 0;
    for (let n = 0; n < parts; n++) {
      const p = batch.parts.get(n);
      if (!p) throw new InvalidBatchError(`staged batch ${stageId} lacks part ${n}`);
      count += p.count;
      retractions = retractions === undefined || p.retractions === undefined ? undefined : retractions + p.retractions;
    }
    return { key: stageKey(stageId), parts, count, retractions, lower: batch.lower };
  }

  private expireStaged(): void {
    const now = Date.now();
    const ops: StoreOp[] = [];
    for (const [id, batch] of this.staged) {
      if (now - batch.at < STAGE_EXPIRY_MS) continue;
      this.staged.delete(id);
      for (const n of batch.parts.keys()) ops.push({ type: 'del', key: partKey(stageKey(id), n) });
    }
    if (this.staged.size === 0 && this.stageTimer) {
      clearInterval(this.stageTimer);
      this.stageTimer = undefined;
    }
    if (ops.length > 0 && this.alive()) void this.write(ops, false).catch(() => undefined);
  }

  /**
   * Ingestion: one atomic commit of the updates `build` makes for timestamp `ts` = max(now, upper)
   * (so time never goes below the stored upper), the new upper `ts + 1` and the upstream position.
   */
  ingest(now: number, build: (ts: number) => { updates: Update[]; extras: CommitExtras }): Promise<number> {
    return this.serial(async () => {
      // `build` reads the durable position: nothing may be decided but not yet written.
      await this.settled();
      const ts = Math.max(now, this.meta.upper);
      const { updates, extras } = build(ts);
      await this.commit(updates, ts + 1, extras);
      return ts;
    });
  }

  /**
   * Ingestion of a batch too large to hold at once (a PostgreSQL source's snapshot): its parts
   * were staged by `writer` at time `ts` (`stage`, bounds [ts, ts + 1)) while it was read; one
   * atomic commit lists them, with the new upper `ts + 1` and `extras` (the upstream position).
   * `ts` must still be at or above the upper (the driver is the shard's only writer).
   */
  ingestStaged(ts: number, writer: string, stageId: string, parts: number, extras: CommitExtras): Promise<number> {
    return this.serial(async () => {
      await this.settled();
      if (this.meta.upper > ts) throw new InvalidBatchError(`a batch staged at ${ts} is below the upper ${this.meta.upper}`);
      const staged = { stageId, parts };
      const listed = this.stagedBatch({ staged }, { writer, expectedUpper: this.meta.upper, newUpper: ts + 1 });
      this.staged.delete(stageId);
      if (listed.count > 0) this.onDataDecided();
      await this.commit({ staged, listed } as StagedRef, ts + 1, extras);
      return ts;
    });
  }

  /** Sets a holder's read hold (undefined releases it); since advances to the minimum hold. */
  setHold(holder: string, since: number | undefined, defaultSince: number): Promise<void> {
    return this.serial(async () => {
      await this.settled();
      const holds = { ...this.meta.holds };
      if (since === undefined) delete holds[holder];
      else holds[holder] = Math.max(since, this.meta.since);
      await this.advanceSince(defaultSince, holds);
    });
  }

  /** Moves since to min(holds, defaultSince), never backwards and never past upper. */
  advanceSinceTo(defaultSince: number): Promise<void> {
    return this.serial(async () => {
      await this.settled();
      await this.advanceSince(defaultSince);
    });
  }

  private async advanceSince(defaultSince: number, newHolds?: Record<string, number>): Promise<void> {
    const holds = newHolds ?? this.meta.holds;
    const target = Math.min(defaultSince, ...Object.values(holds), this.meta.upper);
    const moves = target > this.meta.since;
    if (!moves && !newHolds) return;
    const change = (next: ShardMeta) => {
      next.holds = holds;
      next.since = Math.max(next.since, target);
    };
    // A hold is written before it is relied on; since alone may wait (see "Lazy writes").
    if (newHolds || !this.applyLazily(change)) await this.apply(change);
    if (!moves) return;
    this.onChange('since');
    this.scheduleMerge();
  }

  /** Marks the shard dropped (durably) and deletes its batches. */
  markDropped(): Promise<void> {
    return this.serial(async () => {
      await this.settled();
      const ops: StoreOp[] = this.meta.batches.flatMap((b) => keysOf(b).map((key) => ({ type: 'del' as const, key })));
      await this.apply((next) => {
        next.dropped = true;
        next.batches = [];
        next.updates = 0;
      }, ops);
    });
  }

  /** Contents consolidated at `asOf`. */
  async snapshot(asOf: number, collection: string): Promise<Array<[Row, number]>> {
    this.checkReadable(asOf, collection);
    return this.contentsOf(await this.encodedRange(-1, asOf + 1));
  }

  /** The contents of encoded batches (as `encodedRange(-1, asOf + 1)` returns them): rows with their summed diffs, zeros dropped. */
  async contentsOf(parts: Uint8Array[]): Promise<Array<[Row, number]>> {
    const acc = new Accumulator();
    await this.decodeSlices(parts, (updates) => {
      for (const [row, , diff] of updates) acc.add(row, diff);
    });
    return acc.contents();
  }

  /** Throws unless since <= asOf < readUpper. */
  checkReadable(asOf: number, collection: string): void {
    if (asOf < this.meta.since) {
      throw new SinceViolationError(`collection ${collection}: cannot read at ${asOf}, its since is ${this.meta.since}`, { details: { since: this.meta.since } });
    }
    const upper = this.readUpper;
    if (asOf >= upper) {
      throw new NotReadyError(`collection ${collection}: time ${asOf} is not sealed yet (upper ${upper})`, { details: { upper } });
    }
  }

  /**
   * Updates with `lowerExclusive < time < upperExclusive`, consolidated, in time order. Reads the
   * batches overlapping the range as they are now; safe against concurrent merges.
   */
  async readRange(lowerExclusive: number, upperExclusive: number): Promise<Update[]> {
    return this.consolidatedOf(await this.encodedRange(lowerExclusive, upperExclusive));
  }

  /** Encoded batches (as `encodedRange` returns them) decoded and consolidated, in time order. */
  async consolidatedOf(parts: Uint8Array[]): Promise<Update[]> {
    const c = new Consolidator();
    await this.decodeSlices(parts, (updates) => {
      // The decoded updates are this read's own: the consolidator may keep and change them.
      for (const u of updates) c.addOwned(u);
    });
    return c.result();
  }

  /**
   * The stored updates with `lowerExclusive < time < upperExclusive`, NOT consolidated, as encoded
   * batches (msgpack bytes of update arrays) in time order: a stored value is returned as it is
   * when every time it can hold lies inside the range, and cut by time at update boundaries
   * (`filterByTime`, rows not decoded) when its batch straddles an end of the range. A batch's
   * times lie in `[lower, max(upper - 1, since)]`: a consolidating merge may have advanced times
   * below since to since, and since never goes back. Safe against concurrent merges.
   */
  async encodedRange(lowerExclusive: number, upperExclusive: number): Promise<Uint8Array[]> {
    const since = this.meta.since;
    const refs = this.meta.batches.filter((b) => b.upper > lowerExclusive + 1 && b.lower < upperExclusive);
    const out: Uint8Array[] = [];
    this.activeReads++;
    try {
      for (const ref of refs) {
        const inside = ref.lower > lowerExclusive && Math.max(ref.upper - 1, since) < upperExclusive;
        for (const part of await this.readParts(ref, 'reading')) {
          if (inside) out.push(part);
          else {
            const cut = filterByTime(part, lowerExclusive, upperExclusive);
            if (cut.count > 0) out.push(cut.bytes);
          }
        }
      }
    } finally {
      this.activeReads--;
    }
    return out;
  }

  /** Calls `visit` with the decoded updates of `parts`, a slice at a time, with a turn between slices (never before the first: a large read does not hold the event loop, a small one pays nothing). */
  private async decodeSlices(parts: Uint8Array[], visit: (updates: Update[]) => void): Promise<void> {
    let first = true;
    for (const slice of slicesOf(parts)) {
      if (!first) await this.pause('reading');
      first = false;
      visit(decode(slice) as Update[]);
    }
  }

  /** A listed batch's stored values in time order, each the msgpack bytes of an update array. */
  private async readParts(ref: BatchRef, doing: string): Promise<Uint8Array[]> {
    const parts: Uint8Array[] = [];
    const asBytes = (v: Update[] | Uint8Array) => (v instanceof Uint8Array ? v : encode(v));
    if (this.store.values && (ref.parts !== undefined || ref.last !== undefined)) {
      const keys = keysOf(ref);
      const values = await this.store.values<Update[] | Uint8Array>(keys);
      values.forEach((v, i) => {
        if (!v) throw new Error(`batch ${keys[i]} missing while ${doing}`);
        parts.push(asBytes(v));
      });
    } else if (ref.parts !== undefined) {
      for await (const [, value] of this.store.entries<Uint8Array>({ gte: partKey(ref.key, 0), lte: partKey(ref.key, ref.parts - 1) })) parts.push(value);
      if (parts.length !== ref.parts) throw new Error(`batch ${ref.key} has ${parts.length} of ${ref.parts} parts while ${doing}`);
    } else if (ref.last === undefined) {
      const value = await this.store.get<Update[] | Uint8Array>(ref.key);
      if (!value) throw new Error(`batch ${ref.key} missing while ${doing}`);
      parts.push(asBytes(value));
    } else {
      for await (const [, value] of this.store.entries<Update[] | Uint8Array>({ gte: ref.key, lte: ref.last })) parts.push(asBytes(value));
      const expected = keyNumber(ref.last) - keyNumber(ref.key) + 1;
      if (parts.length !== expected) throw new Error(`batch run ${ref.key}..${ref.last} has ${parts.length} of ${expected} parts while ${doing}`);
    }
    return parts;
  }

  /** Lets other work run between slices of a long merge or read; throws once this incarnation is dead. */
  private async pause(doing: string): Promise<void> {
    await nextTurn();
    if (!this.alive()) throw new Error(`shard closed while ${doing}: its actor incarnation is no longer live`);
  }

  /** Stops background merges. */
  close(): void {
    this.closed = true;
    if (this.stageTimer) clearInterval(this.stageTimer);
  }

  /** Every write of the shard: refused once this incarnation is dead, so a crashed actor's
   *  leftover background work can never write over its successor's state. */
  private async write(ops: StoreOp[], sync = true): Promise<void> {
    if (!this.alive()) throw new Error('shard closed: its actor incarnation is no longer live');
    await this.store.batch(ops, { sync });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Decides a changed copy of the head meta (with `ops`) and queues it for writing; resolves once
   * it is durable, when it becomes the shard's meta, so a reader never sees a batch, an upper or a
   * since that is not durable yet. Call it inside `serial` only. `sync: false`: this change alone
   * needs no fsync (it changes no contents: a lost one leaves an equally valid meta).
   */
  private apply(change: (next: ShardMeta) => void, ops: StoreOp[] = [], sync = true): Promise<void> {
    const m = this.head;
    const next: ShardMeta = { ...m, writers: { ...m.writers }, holds: { ...m.holds }, batches: [...m.batches] };
    change(next);
    this.head = next;
    return new Promise((resolve, reject) => {
      const q = (this.queued ??= { ops: [], meta: next, sync: false, waiters: [] });
      for (const op of ops) q.ops.push(op);
      q.meta = next;
      q.sync ||= sync;
      q.waiters.push({ resolve, reject });
      this.writing ??= this.writeQueued();
    });
  }

  /**
   * Applies `change` at once, unwritten (see "Lazy writes"), when nothing is decided or being
   * written (then head is meta); false otherwise, and nothing changed. Inside `serial` only.
   */
  private applyLazily(change: (next: ShardMeta) => void): boolean {
    if (this.writing || this.queued || this.head !== this.meta) return false;
    const next: ShardMeta = { ...this.meta, writers: { ...this.meta.writers } };
    change(next);
    this.head = this.meta = next;
    if (!this.lazyTimer) {
      this.lazyTimer = setTimeout(() => this.writeLazy(), LAZY_WRITE_MS);
      this.lazyTimer.unref();
    }
    return true;
  }

  /** Writes what lazy changes left unwritten (nothing when a write since took them along). */
  private writeLazy(): void {
    this.lazyTimer = undefined;
    if (!this.alive()) return;
    void this.serial(async () => {
      await this.settled();
      if (this.meta !== this.written && this.alive()) await this.apply(() => undefined, [], false);
    }).catch(() => undefined);
  }

  /** Writes the queued group, one at a time, until none is queued. Never rejects. */
  private async writeQueued(): Promise<void> {
    while (this.queued) {
      const group = this.queued;
      this.queued = undefined;
      try {
        await this.write([...group.ops, { type: 'put', key: META, value: group.meta }], group.sync);
        this.meta = group.meta;
        this.written = group.meta;
        for (const w of group.waiters) w.resolve();
      } catch (err) {
        // What was decided after this group stands on it: it fails too, and decisions start
        // again from the durable meta.
        const after = this.queued as typeof group | undefined;
        this.queued = undefined;
        this.head = this.meta;
        for (const w of [...group.waiters, ...(after?.waiters ?? [])]) w.reject(err);
      }
    }
    this.writing = undefined;
  }

  /** Resolves once every decided commit is written (or failed): then head is the durable meta. */
  private async settled(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Decides a commit (inside `serial`); resolves once it is durable. */
  private async commit(updates: AppendBatch, newUpper: number, extras: CommitExtras): Promise<void> {
    const ops: StoreOp[] = [];
    const previousUpper = this.head.upper;
    if (isStaged(updates)) return this.commitStaged(updates, newUpper, extras);
    const { bytes, count, retractions } = encodedSorted(updates);
    await this.apply((next) => {
      if (count > 0) {
        const key = batchKey(next.nextBatch);
        ops.push({ type: 'put', key, value: bytes });
        next.batches.push({ key, lower: next.upper, upper: newUpper, count, ...(retractions !== undefined ? { retractions } : {}) });
        next.nextBatch++;
        next.updates += count;
      }
      next.upper = newUpper;
      if (extras.position !== undefined) next.position = extras.position;
      if (extras.badMessages) next.badMessages += extras.badMessages;
      if (extras.upstreamRereads) next.upstreamRereads += extras.upstreamRereads;
      if (extras.writer) recordWriter(next, extras.writer.id, extras.writer.token, newUpper);
    }, ops);
    if (newUpper !== previousUpper) this.onChange(count > 0 ? 'data' : 'empty');
    this.scheduleMerge();
  }

  /** Commits a staged batch: its parts are written already; the meta lists them as one batch. */
  private async commitStaged(ref: StagedRef, newUpper: number, extras: CommitExtras): Promise<void> {
    const previousUpper = this.head.upper;
    const listed = (ref as StagedRef & { listed: { key: string; parts: number; count: number; retractions: number | undefined } }).listed;
    const ops: StoreOp[] = [];
    if (listed.count === 0) for (let n = 0; n < listed.parts; n++) ops.push({ type: 'del', key: partKey(listed.key, n) });
    await this.apply((next) => {
      if (listed.count > 0) {
        next.batches.push({ key: listed.key, parts: listed.parts, lower: next.upper, upper: newUpper, count: listed.count, ...(listed.retractions !== undefined ? { retractions: listed.retractions } : {}) });
        next.updates += listed.count;
      }
      next.upper = newUpper;
      if (extras.position !== undefined) next.position = extras.position;
      if (extras.writer) recordWriter(next, extras.writer.id, extras.writer.token, newUpper);
    }, ops);
    if (newUpper !== previousUpper) this.onChange(listed.count > 0 ? 'data' : 'empty');
    this.scheduleMerge();
  }

  private scheduleMerge(): void {
    if (this.merging || !this.alive()) return;
    this.merging = true;
    setImmediate(() => {
      this.mergeTail()
        .catch(() => undefined)
        .finally(() => {
          this.merging = false;
        });
    });
  }

  /** Merges runs of FANOUT same-level batches (and sweeps garbage) until none is left. */
  private async mergeTail(): Promise<void> {
    for (;;) {
      if (!this.alive()) return;
      await this.collectGarbage();
      const run = this.findRun();
      if (!run) return;
      const refs = this.meta.batches.slice(run.start, run.end);
      const since = this.meta.since;
      const count = refs.reduce((n, r) => n + r.count, 0);
      const retractions = sumRetractions(refs);
      const merged: BatchRef = { key: refs[0]!.key, lower: refs[0]!.lower, upper: refs[refs.length - 1]!.upper, count, ...(retractions !== undefined ? { retractions } : {}) };
      /** Whether the merge writes new values (false: a key-range merge, meta only). */
      let rewrites = false;
      // Batches cover disjoint time ranges, so (row, time) pairs can only collide where times
      // below since are advanced to since: only then can consolidation change anything, and only
      // cancel updates when some diff is negative. Without retractions the times are left as they
      // are (reads at or after since see the same contents; reads below since are refused), so
      // an append-only collection is never rewritten: decoding millions of updates here held
      // gigabytes of heap in the storage host (2.8 GB peak at 10M updates), which also made a
      // SIGKILLed host take 60-150 ms to die. (Since may move on meanwhile: times left below it
      // are still read correctly, they are only not compacted.)
      const compact = refs[0]!.lower < since && retractions !== 0;
      if (!compact && adjacent(refs)) {
        merged.last = refs[refs.length - 1]!.last ?? refs[refs.length - 1]!.key;
      } else {
        rewrites = true;
        const parts: Uint8Array[] = [];
        for (const ref of refs) parts.push(...(await this.readParts(ref, 'merging')));
        let out = parts;
        if (compact) {
          // In slices: a run can hold millions of updates (see slices.ts).
          const compacted = await compactBatches(parts, since, { pause: () => this.pause('merging') });
          out = [compacted.bytes];
          merged.count = compacted.count;
          merged.retractions = compacted.retractions;
        }
        // The new batch is written before the meta lists it and outside the commit chain, so
        // appends never wait for this large write: until the meta commit below its keys are
        // unlisted (deleted by the garbage sweep, or by the orphan sweep at open after a crash).
        // It is written as values of at most partBytes, one write each with a pause between:
        // copying one 23 MB value into a LevelDB write batch held the event loop for 0.3 s here.
        merged.key = `b/m${this.incarnation}-${this.merges++}`;
        if (merged.count > 0) {
          const inParts = out.reduce((n, b) => n + b.length, 0) + 5 > this.partBytes;
          let n = 0;
          for (const chunk of chunksOf(out, this.partBytes)) {
            if (n > 0) await this.pause('merging');
            const key = inParts ? partKey(merged.key, n) : merged.key;
            await this.write([{ type: 'put', key, value: new Encoded(binaryValue(chunk.bytes).value) }]);
            n++;
          }
          if (inParts) merged.parts = n;
        }
      }
      const decided = await this.serial(async () => {
        // The batches may have changed (a drop); only merge if the run is still in place.
        const now = this.head.batches.slice(run.start, run.end);
        if (now.length !== refs.length || now.some((r, i) => r.key !== refs[i]!.key || r.upper !== refs[i]!.upper)) {
          if (rewrites && merged.count > 0) this.garbage.push(...keysOf(merged));
          return undefined;
        }
        // Only staged here, so appends are decided meanwhile. A key-range merge changes no
        // contents and needs no fsync of its own: lost in a power failure, the meta before it
        // lists the same updates (and the next synced commit carries it anyway).
        const change = (next: ShardMeta) => {
          next.batches.splice(run.start, refs.length, ...(merged.count > 0 ? [merged] : []));
          next.updates += merged.count - count;
        };
        return { durable: this.apply(change, [], rewrites) };
      });
      if (!decided) continue;
      await decided.durable;
      // Readers that started before may still read the old batches: delete them once none runs.
      if (rewrites) this.garbage.push(...refs.flatMap(keysOf));
    }
  }

  /**
   * The next merge, keeping levels (log8 of the count) non-increasing from head to tail: first a
   * smaller batch sitting before a larger one (merged into it), else the first FANOUT adjacent
   * batches of one level (merged into one batch of the next level).
   */
  private findRun(): { start: number; end: number } | undefined {
    const b = this.meta.batches;
    for (let i = 0; i + 1 < b.length; i++) if (level(b[i]!.count) < level(b[i + 1]!.count)) return { start: i, end: i + 2 };
    let start = 0;
    for (let i = 1; i <= b.length; i++) {
      if (i < b.length && level(b[i]!.count) === level(b[start]!.count)) continue;
      if (i - start >= FANOUT) return { start, end: start + FANOUT };
      start = i;
    }
    return undefined;
  }

  private async collectGarbage(): Promise<void> {
    if (this.garbage.length === 0 || this.activeReads > 0) return;
    const keys = this.garbage;
    this.garbage = [];
    await this.write(keys.map((key) => ({ type: 'del' as const, key })));
  }

  /**
   * Deletes batch keys the meta does not list (left by a crash between a merge's write and its
   * meta commit, or before merged-away keys were deleted). It lists only the gaps between listed
   * batches (`unlistedRanges`), never the listed keys themselves: listing a key makes LevelDB read
   * the block it sits in, so listing every key read the whole collection (≈50 MB of tables at
   * 10M updates) after every restart, beside the first ingestion. It runs in the background, off
   * the recovery path. Deleting later is safe: each iterator reads a snapshot taken now, and a key
   * unlisted now can never be listed later (new batches get new keys).
   */
  private sweepOrphans(): Promise<void> {
    // Start every iterator now, so each reads a snapshot taken before any write.
    const gaps = unlistedRanges(this.meta.batches).map((range) => {
      const keys = this.store.keys(range)[Symbol.asyncIterator]();
      return { keys, first: keys.next() };
    });
    return (async () => {
      const orphans: StoreOp[] = [];
      for (const { keys, first } of gaps) for (let r = await first; !r.done; r = await keys.next()) orphans.push({ type: 'del', key: r.value });
      if (orphans.length > 0 && !this.closed) await this.store.batch(orphans);
    })();
  }
}

/**
 * How far a claim moves a shared shard's append keys (`nextBatch`). An older owner still running
 * (a zombie) may write blobs under the keys it would use next, `b/<nextBatch>` onwards, for the
 * commits it has decided but not written (a few pipelined appends; their meta writes will be
 * fenced); the new owner's keys start past all of them, so no key a meta lists is ever written by
 * two processes. A gap only makes the two runs beside it non-adjacent (merged by copying). Twelve
 * digits of key numbers leave room for a million claims.
 */
const CLAIM_GAP = 1 << 20;

/**
 * Claims a shard of a shared backend (ShardStore.shared): writes its meta once, by
 * compare-and-set on the revision just read, with the append keys moved by CLAIM_GAP. Once this
 * write is durable, no process that read an older revision can write the shard's state again
 * (its compare-and-set fails: it is fenced), so everything unlisted here that exists now is an
 * orphan for good and the sweep may delete it. Throws FencedError when another process wrote
 * (or claimed) the shard in between: then open it again.
 */
async function claim(store: ShardStore, meta: ShardMeta): Promise<ShardMeta> {
  const claimed: ShardMeta = { ...meta, nextBatch: meta.nextBatch + CLAIM_GAP };
  await store.batch([{ type: 'put', key: META, value: claimed }]);
  return claimed;
}

/**
 * The key ranges between the listed batches (keys or key ranges), where only orphans can be. A
 * gap between two append batch keys numbered one after another cannot hold a key, and is left out.
 */
export function unlistedRanges(batches: BatchRef[]): KeyRange[] {
  const live = batches.map((b) => [b.parts !== undefined ? partKey(b.key, 0) : b.key, b.parts !== undefined ? partKey(b.key, b.parts - 1) : (b.last ?? b.key)] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const ranges: KeyRange[] = [];
  let after: string | undefined; // the last listed key so far (undefined: the start of `b/`)
  for (const [first, last] of live) {
    if (after === undefined) ranges.push({ gte: 'b/', lt: first });
    else if (keyNumber(after) + 1 !== keyNumber(first)) ranges.push({ gt: after, lt: first });
    after = last;
  }
  ranges.push(after === undefined ? { gte: 'b/', lt: 'b/\xff' } : { gt: after, lt: 'b/\xff' });
  return ranges;
}

/**
 * A table sealed by txns takes no update below the txns upper (those times were already readable
 * as empty), and none at all before the txns actor has loaded it. `minTime`: the batch's lowest
 * update time (undefined for an empty batch).
 */
function checkNotSealed(collection: string, txns: { readonly upper: number; readonly known: boolean }, minTime: number | undefined): void {
  if (minTime === undefined) return;
  if (!txns.known) throw new UnavailableError(`collection ${collection}: its host's transaction log is not loaded yet; retry`);
  if (minTime < txns.upper) {
    throw new InvalidBatchError(`collection ${collection}: time ${minTime} is sealed by the transaction log (txns upper ${txns.upper}); append at or after it`, {
      details: { sealedUpper: txns.upper },
    });
  }
}

function recordWriter(meta: ShardMeta, id: string, token: string, upper: number): void {
  const previous = meta.writers[id];
  const recent = previous ? [{ token: previous.token, upper: previous.upper }, ...(previous.recent ?? [])].slice(0, RECENT_TOKENS - 1) : [];
  meta.writers[id] = { token, upper, at: Date.now(), ...(recent.length > 0 ? { recent } : {}) };
  const ids = Object.keys(meta.writers);
  if (ids.length > MAX_WRITERS) {
    const oldest = ids.sort((a, b) => meta.writers[a]!.at - meta.writers[b]!.at)[0]!;
    delete meta.writers[oldest];
  }
}

/** The number of an append batch's key `b/<n>` (NaN for merged batches' keys). */
function keyNumber(key: string): number {
  return /^b\/\d{12}$/.test(key) ? Number(key.slice(2)) : NaN;
}

function batchKey(n: number): string {
  return `b/${String(n).padStart(12, '0')}`;
}

/** The batch key of staged batch `stageId` (its parts: `partKey`). */
function stageKey(stageId: string): string {
  return `b/s${stageId}`;
}

function isStaged(updates: AppendBatch): updates is StagedRef {
  return !Array.isArray(updates) && 'staged' in updates;
}

/** The key of part `n` of a merged batch written in parts. */
function partKey(key: string, n: number): string {
  return `${key}/${String(n).padStart(6, '0')}`;
}

/** Every stored key of a listed batch. */
export function keysOf(ref: BatchRef): string[] {
  if (ref.parts !== undefined) return Array.from({ length: ref.parts }, (_, n) => partKey(ref.key, n));
  if (ref.last === undefined) return [ref.key];
  const keys: string[] = [];
  for (let n = keyNumber(ref.key); n <= keyNumber(ref.last); n++) keys.push(batchKey(n));
  return keys;
}

/** Whether the batches are append batches numbered one after another (so one key range). */
function adjacent(refs: BatchRef[]): boolean {
  for (let i = 0; i < refs.length; i++) {
    if (Number.isNaN(keyNumber(refs[i]!.key))) return false;
    if (i > 0 && keyNumber(refs[i]!.key) !== keyNumber(refs[i - 1]!.last ?? refs[i - 1]!.key) + 1) return false;
  }
  return true;
}

/** An append's updates as the msgpack bytes of a time-sorted array, how many there are and how many retract. */
function encodedSorted(updates: Exclude<AppendBatch, StagedRef>): { bytes: Uint8Array | Encoded; count: number; retractions: number | undefined } {
  if (!Array.isArray(updates)) {
    if (updates.sorted || updates.count < 2) {
      return { bytes: updates.stored ? new Encoded(updates.stored) : updates.encoded, count: updates.count, retractions: updates.retractions };
    }
    updates = decode(updates.encoded) as Update[];
  }
  const sorted = updates.length > 1 && !isSortedByTime(updates) ? [...updates].sort((a, b) => a[1] - b[1]) : updates;
  return { bytes: encode(sorted), count: sorted.length, retractions: countRetractions(sorted) };
}

function countRetractions(updates: Update[]): number {
  let n = 0;
  for (const u of updates) if (u[2] < 0) n++;
  return n;
}

/** The retractions of merged batches: their sum, or undefined when any is unknown. */
function sumRetractions(refs: BatchRef[]): number | undefined {
  let n = 0;
  for (const r of refs) {
    if (r.retractions === undefined) return undefined;
    n += r.retractions;
  }
  return n;
}

function isSortedByTime(updates: Update[]): boolean {
  for (let i = 1; i < updates.length; i++) if (updates[i]![1] < updates[i - 1]![1]) return false;
  return true;
}

/** A fresh incarnation id, for status messages. */
export function newIncarnation(): string {
  return randomUUID();
}

function countOf(updates: AppendBatch): number {
  if (isStaged(updates)) return -1; // not known here; never an empty (lazy) append
  return Array.isArray(updates) ? updates.length : updates.count;
}
