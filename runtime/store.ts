/**
 * The durable store: one LevelDB per host process, one sublevel per actor. Writes go through
 * `batch`, which is atomic (all of a batch or none of it) and group-committed: batches requested
 * while a LevelDB write is in flight are merged into the next single LevelDB batch, written with
 * `sync: true` by default so an acknowledged batch survives kill -9 and power loss.
 * Values are msgpack-encoded here; callers store plain values.
 */
import { Level } from 'level';
import { encode, decode } from '../protocol/codec.js';

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
  /** Applies every op atomically; resolves once durable (per the store's sync setting). */
  batch(ops: StoreOp[]): Promise<void>;
  entries<T = unknown>(range?: KeyRange): AsyncIterable<[string, T]>;
  keys(range?: KeyRange): AsyncIterable<string>;
  /** Deletes every key of this actor atomically. */
  clear(): Promise<void>;
}

export interface StoreOptions {
  /** fsync every group commit (default true). */
  sync?: boolean;
}

type Sub = ReturnType<Level<string, Uint8Array>['sublevel']>;
type PendingOp = { type: 'put'; sublevel: Sub; key: string; value: Uint8Array } | { type: 'del'; sublevel: Sub; key: string };

/** A host process's LevelDB. */
export class DurableStore {
  readonly path: string;
  readonly sync: boolean;
  private readonly db: Level<string, Uint8Array>;
  private readonly sublevels = new Map<string, Sub>();
  private queue: { ops: PendingOp[]; resolve: () => void; reject: (e: unknown) => void }[] = [];
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

  /** The key space of one actor (or other owner), named e.g. `collection/u12`. */
  actor(name: string): ActorStore {
    let sub = this.sublevels.get(name);
    if (!sub) {
      sub = this.db.sublevel<string, Uint8Array>(name, { keyEncoding: 'utf8', valueEncoding: 'view' }) as unknown as Sub;
      this.sublevels.set(name, sub);
    }
    return new SublevelStore(this, sub);
  }

  /** Commits ops atomically within the next group commit. */
  commit(ops: PendingOp[]): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
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
        await this.db.batch(ops as never, { sync: this.sync } as never);
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

class SublevelStore implements ActorStore {
  constructor(
    private readonly owner: DurableStore,
    private readonly sub: Sub,
  ) {}

  async get<T>(key: string): Promise<T | undefined> {
    const v = await this.sub.get(key);
    return v === undefined || v === null ? undefined : (decode(v as Uint8Array) as T);
  }

  batch(ops: StoreOp[]): Promise<void> {
    return this.owner.commit(
      ops.map((op) =>
        op.type === 'put'
          ? { type: 'put' as const, sublevel: this.sub, key: op.key, value: encode(op.value) }
          : { type: 'del' as const, sublevel: this.sub, key: op.key },
      ),
    );
  }

  async *entries<T>(range: KeyRange = {}): AsyncIterable<[string, T]> {
    for await (const [k, v] of this.sub.iterator(range)) yield [k as string, decode(v as Uint8Array) as T];
  }

  async *keys(range: KeyRange = {}): AsyncIterable<string> {
    for await (const k of this.sub.keys(range)) yield k;
  }

  async clear(): Promise<void> {
    const ops: StoreOp[] = [];
    for await (const k of this.keys()) ops.push({ type: 'del', key: k });
    await this.batch(ops);
  }
}
