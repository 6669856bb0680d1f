/**
 * Group commit in the shard, on a real LevelDB: appends pipelined by one writer (each expecting
 * the upper the one before sets) are decided in order while earlier ones are written, land in
 * fewer store writes than appends, and are acknowledged only once durable; a mismatch or a retry
 * among them is answered from durable state; a failed write fails every append decided on top
 * of it and writes none of them.
 */
import { tempStore } from '../helpers/temp-store.js';
import { type ActorStore, type BatchOptions, type KeyRange, type StoreOp } from '../../runtime/store.js';
import { RECENT_TOKENS, Shard } from '../../actors/storage/shard.js';
import { StorageErrorCode } from '../../protocol/storage/errors.js';
import type { Column, Update } from '../../protocol/types.js';

const schema: Column[] = [
  { name: 'k', type: 'int', nullable: false },
  { name: 'v', type: 'text', nullable: true },
];

const db = tempStore('dfn-group-', { sync: true });

/** The real store of one actor, with a gate that can hold the next batch until released. */
class GatedStore implements ActorStore {
  private gate: Promise<void> | undefined;
  batches = 0;
  constructor(private readonly inner: ActorStore) {}
  /** Holds the next batch (and so every later one) until the returned function is called. */
  holdNext(): () => void {
    let release!: () => void;
    this.gate = new Promise((r) => (release = r));
    return release;
  }
  get<T>(key: string): Promise<T | undefined> {
    return this.inner.get<T>(key);
  }
  async batch(ops: StoreOp[], options?: BatchOptions): Promise<void> {
    this.batches++;
    const gate = this.gate;
    this.gate = undefined;
    if (gate) await gate;
    await this.inner.batch(ops, options);
  }
  entries<T>(range?: KeyRange): AsyncIterable<[string, T]> {
    return this.inner.entries<T>(range);
  }
  keys(range?: KeyRange): AsyncIterable<string> {
    return this.inner.keys(range);
  }
  clear(): Promise<void> {
    return this.inner.clear();
  }
}

const row = (i: number, t: number): Update => [[i, `v${i}`], t, 1];

test('pipelined appends are written in groups, in order, and acknowledged once durable', async () => {
  const gated = new GatedStore(db.store.actor('c'));
  const shard = await Shard.open(gated, { schema, upper: 100 });
  const before = gated.batches;
  const release = gated.holdNext();
  const acked: number[] = [];
  const appends = Array.from({ length: 20 }, (_, i) =>
    shard.compareAndAppend({ writer: 'w', token: `t${i}`, expectedUpper: 100 + i, newUpper: 101 + i, updates: [row(i, 100 + i)] }, 'c').then((r) => {
      acked.push(r.upper);
      return r;
    }),
  );
  // The first append's write is held: the other 19 are decided meanwhile, none is acknowledged.
  await new Promise((r) => setTimeout(r, 20));
  expect(acked).toEqual([]);
  expect(shard.upper).toBe(100);
  release();
  const results = await Promise.all(appends);
  expect(results.map((r) => r.upper)).toEqual(Array.from({ length: 20 }, (_, i) => 101 + i));
  expect(acked).toEqual(results.map((r) => r.upper));
  // One write for the first append, one for the 19 decided while it was held (merges may add
  // key-range meta writes afterwards).
  expect(gated.batches - before).toBeLessThan(6);
  expect(shard.upper).toBe(120);
  const rows = await shard.snapshot(119, 'c');
  expect(rows.length).toBe(20);
  // Durable: a reopened shard sees all of it.
  shard.close();
  const reopened = await Shard.open(db.store.actor('c'), { schema, upper: 0 });
  expect(reopened.upper).toBe(120);
  expect(reopened.state.updates).toBe(20);
  expect((await reopened.snapshot(119, 'c')).length).toBe(20);
  reopened.close();
});

test('a mismatch or a retry inside a pipeline is answered from durable state', async () => {
  const gated = new GatedStore(db.store.actor('c'));
  const shard = await Shard.open(gated, { schema, upper: 100 });
  const release = gated.holdNext();
  const a1 = shard.compareAndAppend({ writer: 'w', token: 't1', expectedUpper: 100, newUpper: 110, updates: [row(1, 105)] }, 'c');
  // A retry of t1 while t1 is being written: a duplicate, answered once t1 is durable.
  const retry = shard.compareAndAppend({ writer: 'w', token: 't1', expectedUpper: 100, newUpper: 110, updates: [row(1, 105)] }, 'c');
  // A stale writer (expects 100): UpperMismatch naming the durable upper 110.
  const stale = shard.compareAndAppend({ writer: 'old', token: 'x', expectedUpper: 100, newUpper: 120, updates: [row(9, 115)] }, 'c');
  const a2 = shard.compareAndAppend({ writer: 'w', token: 't2', expectedUpper: 110, newUpper: 120, updates: [row(2, 115)] }, 'c');
  let retryDone = false;
  void retry.then(() => (retryDone = true));
  await new Promise((r) => setTimeout(r, 20));
  expect(retryDone).toBe(false);
  release();
  expect(await a1).toEqual({ upper: 110, duplicate: false });
  expect(await retry).toEqual({ upper: 110, duplicate: true });
  await expect(stale).rejects.toMatchObject({ code: StorageErrorCode.UpperMismatch, details: { currentUpper: 110 } });
  expect(await a2).toEqual({ upper: 120, duplicate: false });
  expect(asKeys(await shard.snapshot(119, 'c'))).toEqual([1, 2]);
  shard.close();
});

test('a failed write fails every append decided on top of it; none of them is written', async () => {
  let live = true;
  const gated = new GatedStore(db.store.actor('c'));
  const shard = await Shard.open(gated, { schema, upper: 100 }, () => live);
  const release = gated.holdNext();
  const a1 = shard.compareAndAppend({ writer: 'w', token: 't1', expectedUpper: 100, newUpper: 101, updates: [row(1, 100)] }, 'c');
  const a2 = shard.compareAndAppend({ writer: 'w', token: 't2', expectedUpper: 101, newUpper: 102, updates: [row(2, 101)] }, 'c');
  const a3 = shard.compareAndAppend({ writer: 'w', token: 't3', expectedUpper: 102, newUpper: 103, updates: [row(3, 102)] }, 'c');
  await new Promise((r) => setTimeout(r, 20));
  // a1's write is under way; a2 and a3 are decided on top of it and queued. The next write is
  // refused (the shard's incarnation is no longer live), as a LevelDB error would be.
  live = false;
  release();
  expect(await a1).toEqual({ upper: 101, duplicate: false });
  await expect(a2).rejects.toThrow(/no longer live/);
  await expect(a3).rejects.toThrow(/no longer live/);
  expect(shard.upper).toBe(101);
  // Decisions start again from the durable meta: a2's retry commits (it is not a duplicate).
  live = true;
  expect(await shard.compareAndAppend({ writer: 'w', token: 't2', expectedUpper: 101, newUpper: 102, updates: [row(2, 101)] }, 'c')).toEqual({ upper: 102, duplicate: false });
  shard.close();
  const reopened = await Shard.open(db.store.actor('c'), { schema, upper: 0 });
  expect(reopened.upper).toBe(102);
  expect(asKeys(await reopened.snapshot(101, 'c'))).toEqual([1, 2]);
  reopened.close();
});

function asKeys(rows: Array<[unknown[], number]>): number[] {
  return rows.map(([r]) => r[0] as number).sort((a, b) => a - b);
}

test("a retry of any of a writer's last RECENT_TOKENS appends is a duplicate, also after reopening", async () => {
  const shard = await Shard.open(db.store.actor('retries'), { schema, upper: 100 });
  const n = RECENT_TOKENS + 3;
  await Promise.all(Array.from({ length: n }, (_, i) => shard.compareAndAppend({ writer: 'w', token: `r${i}`, expectedUpper: 100 + i, newUpper: 101 + i, updates: [row(i, 100 + i)] }, 'c')));
  const retry = (s: Shard, i: number) => s.compareAndAppend({ writer: 'w', token: `r${i}`, expectedUpper: 100 + i, newUpper: 101 + i, updates: [row(i, 100 + i)] }, 'c');
  // The pipelined writer does not know which of its appends committed: each retry says so.
  for (let i = n - RECENT_TOKENS; i < n; i++) expect(await retry(shard, i)).toEqual({ upper: 101 + i, duplicate: true });
  // Older than the window: an UpperMismatch with the current upper (the writer must look).
  await expect(retry(shard, n - RECENT_TOKENS - 1)).rejects.toMatchObject({ code: 'UpperMismatch' });
  expect(shard.state.updates).toBe(n);
  shard.close();
  const reopened = await Shard.open(db.store.actor('retries'), { schema, upper: 0 });
  expect(await retry(reopened, n - 2)).toEqual({ upper: 101 + n - 2, duplicate: true });
  expect(reopened.state.updates).toBe(n);
  reopened.close();
});
