/**
 * The durable store: one LevelDB per host process, one sublevel per actor. Writes go through
 * `batch`, which is atomic (all of a batch or none of it) and group-committed: batches requested
 * while a LevelDB write is in flight are merged into the next single LevelDB batch, written with
 * `sync: true` by default so an acknowledged batch survives kill -9 and power loss. A batch may
 * waive its own fsync (`{ sync: false }`: losing it in a power loss must be harmless, e.g. a
 * rewrite of the meta that changes no contents); a group is synced when any of its batches is.
 * Values are msgpack-encoded here; callers store plain values (or `Encoded` bytes, stored as they are).
 */
import { Level } from 'level';
import { encode, decode } from '../protocol/codec.js';

/**
 * A value already msgpack-encoded by the caller: a `put` stores exactly these bytes, where any
 * other value is encoded (a large binary would otherwise be copied once more).
 */
export class Encoded {
  constructor(readonly bytes: Uint8Array) {}
}

/** One write in a batch. */
export type StoreOp = { type: 'put'; key: string; value: unknown } | { type: 'del'; key: string };

/** A key range for iteration (keys compare as UTF-8 strings). */
export interface KeyRange {
  gte?: string;
  gt?: string;
  lte?: string;
  lt?: string;
  reverse?: boolean;
  limit?: number;
}

/** What an actor sees of the store: its own key space. */
export interface ActorStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /**
   * Applies every op atomically; resolves once durable (per the store's sync setting). With
   * `sync: false` this batch does not ask for an fsync (it is still written in order, and synced
   * by the next synced batch): only for writes whose loss in a power failure loses nothing.
   */
  batch(ops: StoreOp[], options?: BatchOptions): Promise<void>;
  entries<T = unknown>(range?: KeyRange): AsyncIterable<[string, T]>;
  keys(range?: KeyRange): AsyncIterable<string>;
  /** Deletes every key of this actor atomically. */
  clear(): Promise<void>;
}

/** Options of one `batch`. */
export interface BatchOptions {
  /** false: this batch needs no fsync of its own (default true; the store's `sync: false` wins). */
  sync?: boolean;
}

export interface StoreOptions {
  /** fsync every group commit (default true). */
  sync?: boolean;
}

type PendingOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

/** A host process's LevelDB. */
export class DurableStore {
  readonly path: string;
  readonly sync: boolean;
  private readonly db: Level<string, Uint8Array>;
  private queue: { ops: PendingOp[]; sync: boolean; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private writing = false;
  /** Number of LevelDB writes performed (group commits), for counters and tests. */
  commits = 0;

  private constructor(path: string, options: StoreOptions) {
    this.path = path;
    this.sync = options.sync ?? true;
    this.db = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' });
  }

  /** Opens (creating if needed) the LevelDB at `path`. Fails if another process holds it. */
  static async open(path: string, options: StoreOptions = {}): Promise<DurableStore> {
    const store = new DurableStore(path, options);
    await store.db.open({ createIfMissing: true });
    return store;
  }

  /**
   * The key space of one actor (or other owner), named e.g. `collection/u12`. Keys are stored as
   * `!<name>!<key>`, the same layout as abstract-level sublevels, but without a sublevel object per
   * actor (those cost ~4.5 KiB each, which matters for 10,000 idle actors in one process).
   */
  actor(name: string): ActorStore {
    if (name.includes('!')) throw new Error(`store names may not contain "!": ${name}`);
    return new PrefixedStore(this, `!${name}!`);
  }

  /** Reads one raw value. */
  rawGet(key: string): Promise<Uint8Array | undefined> {
    return this.db.get(key);
  }

  /** Iterates raw entries in a range. */
  rawIterator(range: KeyRange): AsyncIterable<[string, Uint8Array]> {
    return this.db.iterator(range);
  }

  /** Iterates the keys in a range without reading their values. */
  rawKeys(range: KeyRange): AsyncIterable<string> {
    return this.db.keys(range);
  }

  /** Commits ops atomically within the next group commit. */
  commit(ops: PendingOp[], options: BatchOptions = {}): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, sync: options.sync ?? true, resolve, reject });
      if (!this.writing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      const ops = group.length === 1 ? group[0]!.ops : group.flatMap((g) => g.ops);
      try {
        await this.db.batch(ops, { sync: this.sync && group.some((g) => g.sync) });
        this.commits++;
        for (const g of group) g.resolve();
      } catch (err) {
        for (const g of group) g.reject(err);
      }
    }
    this.writing = false;
  }

  /** Waits for pending commits, then closes LevelDB. */
  async close(): Promise<void> {
    while (this.writing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 1));
    await this.db.close();
  }
}

/** An actor's key space: every key carries the actor's prefix. */
class PrefixedStore implements ActorStore {
  /** The first key after every key with this prefix (prefix ends in "!", so bump it to '"'). */
  private readonly end: string;

  constructor(
    private readonly owner: DurableStore,
    private readonly prefix: string,
  ) {
    this.end = prefix.slice(0, -1) + '"';
  }

  async get<T>(key: string): Promise<T | undefined> {
    const v = await this.owner.rawGet(this.prefix + key);
    return v === undefined || v === null ? undefined : (decode(v) as T);
  }

  batch(ops: StoreOp[], options?: BatchOptions): Promise<void> {
    return this.owner.commit(
      ops.map((op) =>
        op.type === 'put'
          ? { type: 'put' as const, key: this.prefix + op.key, value: op.value instanceof Encoded ? op.value.bytes : encode(op.value) }
          : { type: 'del' as const, key: this.prefix + op.key },
      ),
      options,
    );
  }

  async *entries<T>(range: KeyRange = {}): AsyncIterable<[string, T]> {
    const n = this.prefix.length;
    for await (const [k, v] of this.owner.rawIterator(this.range(range))) yield [k.slice(n), decode(v) as T];
  }

  /** Keys only: values are neither read nor decoded (a shard's open lists its batch keys). */
  async *keys(range: KeyRange = {}): AsyncIterable<string> {
    const n = this.prefix.length;
    for await (const k of this.owner.rawKeys(this.range(range))) yield k.slice(n);
  }

  async clear(): Promise<void> {
    const ops: StoreOp[] = [];
    for await (const k of this.keys()) ops.push({ type: 'del', key: k });
    await this.batch(ops);
  }

  private range(r: KeyRange): KeyRange {
    const out: KeyRange = {};
    if (r.gt !== undefined) out.gt = this.prefix + r.gt;
    else out.gte = this.prefix + (r.gte ?? '');
    if (r.lt !== undefined) out.lt = this.prefix + r.lt;
    else if (r.lte !== undefined) out.lte = this.prefix + r.lte;
    else out.lt = this.end;
    if (r.reverse !== undefined) out.reverse = r.reverse;
    if (r.limit !== undefined) out.limit = r.limit;
    return out;
  }
}
