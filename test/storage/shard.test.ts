/**
 * The shard on a real LevelDB: compare-and-append with idempotent retries, snapshots against a
 * naive accumulation at every time, compaction that leaves contents at times >= since unchanged,
 * a batch count that stays logarithmic, durability across reopen, and validation of bad batches.
 */
import { tempStore } from '../helpers/temp-store.js';
import { SeededRandom } from '../../runtime/random.js';
import { Shard, unlistedRanges } from '../../actors/storage/shard.js';
import { validateBatch } from '../../actors/storage/validate.js';
import { StorageErrorCode } from '../../protocol/storage/errors.js';
import { isErrorCode } from '../../protocol/errors.js';
import type { Column, Row, Update } from '../../protocol/types.js';
import { decode } from '../../protocol/codec.js';
import { asMap, naive } from '../helpers/naive-contents.js';

const schema: Column[] = [
  { name: 'k', type: 'int', nullable: false },
  { name: 'v', type: 'text', nullable: true },
];

const db = tempStore('dfn-shard-', { sync: false });


test('compare-and-append: applies only at the expected upper; a retried token is a no-op', async () => {
  const shard = await Shard.open(db.store.actor('c1'), { schema, upper: 100 });
  const r1 = await shard.compareAndAppend({ writer: 'w', token: 't1', expectedUpper: 100, newUpper: 110, updates: [[[1, 'a'], 105, 1]] }, 'c1');
  expect(r1).toEqual({ upper: 110, duplicate: false });
  // the same append again (outcome unknown to the writer): a duplicate, nothing written
  const r2 = await shard.compareAndAppend({ writer: 'w', token: 't1', expectedUpper: 100, newUpper: 110, updates: [[[1, 'a'], 105, 1]] }, 'c1');
  expect(r2).toEqual({ upper: 110, duplicate: true });
  // a stale writer loses with the current upper
  await expect(shard.compareAndAppend({ writer: 'w2', token: 'x', expectedUpper: 100, newUpper: 120, updates: [] }, 'c1')).rejects.toMatchObject({
    code: StorageErrorCode.UpperMismatch,
    details: { currentUpper: 110 },
  });
  expect(asMap(await shard.snapshot(109, 'c1'))).toEqual(new Map([[JSON.stringify([1, 'a']), 1]]));
  // an empty append advances upper
  await shard.compareAndAppend({ writer: 'w', token: 't2', expectedUpper: 110, newUpper: 130, updates: [] }, 'c1');
  expect(shard.upper).toBe(130);
});

test('snapshots equal a naive accumulation at every time, across merges and compaction', async () => {
  const rnd = new SeededRandom(7);
  const shard = await Shard.open(db.store.actor('c2'), { schema, upper: 0 });
  const all: Update[] = [];
  const live: Row[] = [];
  let upper = 0;
  for (let b = 0; b < 120; b++) {
    const newUpper = upper + 1 + rnd.int(3);
    const updates: Update[] = [];
    for (let i = rnd.int(6); i > 0; i--) {
      const t = upper + rnd.int(newUpper - upper);
      if (live.length > 0 && rnd.next() < 0.4) {
        const row = live.splice(rnd.int(live.length), 1)[0]!;
        updates.push([row, t, -1]);
      } else {
        const row: Row = [rnd.int(20), rnd.next() < 0.2 ? null : `v${rnd.int(5)}`];
        live.push(row);
        updates.push([row, t, 1]);
      }
    }
    validateBatch('c2', schema, updates, upper, newUpper);
    await shard.compareAndAppend({ writer: 'w', token: `t${b}`, expectedUpper: upper, newUpper, updates }, 'c2');
    all.push(...updates);
    upper = newUpper;
  }
  await new Promise((r) => setTimeout(r, 50)); // let background merges run
  for (let t = 0; t < upper; t++) expect(asMap(await shard.snapshot(t, 'c2'))).toEqual(naive(all, t));

  // compaction: contents at every time >= since unchanged; reads below since refused
  const since = Math.floor(upper / 2);
  await shard.setHold('test', since, upper);
  for (let i = 0; i < 40; i++) await shard.compareAndAppend({ writer: 'w', token: `e${i}`, expectedUpper: upper + i, newUpper: upper + i + 1, updates: [[[999, 'x'], upper + i, i % 2 === 0 ? 1 : -1]] }, 'c2');
  await new Promise((r) => setTimeout(r, 50));
  expect(shard.since).toBe(since);
  for (let t = since; t < upper; t++) expect(asMap(await shard.snapshot(t, 'c2'))).toEqual(naive(all, t));
  await expect(shard.snapshot(since - 1, 'c2')).rejects.toMatchObject({ code: StorageErrorCode.SinceViolation });
  await expect(shard.snapshot(shard.upper, 'c2')).rejects.toMatchObject({ code: StorageErrorCode.NotReady });
});

test('the batch count stays logarithmic in the number of appends', async () => {
  const shard = await Shard.open(db.store.actor('c3'), { schema, upper: 0 });
  for (let i = 0; i < 1000; i++) {
    await shard.compareAndAppend({ writer: 'w', token: `t${i}`, expectedUpper: i, newUpper: i + 1, updates: [[[i, null], i, 1]] }, 'c3');
  }
  await new Promise((r) => setTimeout(r, 200));
  expect(shard.state.updates).toBe(1000);
  // 8-way merging: at most 7 batches per size level, log8(1000) < 4 levels
  expect(shard.state.batches.length).toBeLessThanOrEqual(28);
  expect((await shard.snapshot(999, 'c3')).length).toBe(1000);
});

test('everything committed survives reopening; upper never goes backwards', async () => {
  const a = await Shard.open(db.store.actor('c4'), { schema, upper: 50 });
  await a.ingest(40, (ts) => ({ updates: [[[1, 'x'], ts, 1]], extras: { position: 7 } }));
  expect(a.upper).toBe(51); // the clock said 40, but time never goes below the stored upper
  a.close();
  const b = await Shard.open(db.store.actor('c4'), { schema, upper: 0 });
  expect(b.upper).toBe(51);
  expect(b.position).toBe(7);
  expect(asMap(await b.snapshot(50, 'c4'))).toEqual(new Map([[JSON.stringify([1, 'x']), 1]]));
});

test('bad batches are refused with InvalidBatch', () => {
  const bad: Array<[Update[], number, number]> = [
    [[[[1, 'a'], 99, 1]], 100, 110], // time before the lower bound
    [[[[1, 'a'], 110, 1]], 100, 110], // time at the new upper
    [[[['one', 'a'], 100, 1]], 100, 110], // text in an int column
    [[[[null, 'a'], 100, 1]], 100, 110], // null in a not-null column
    [[[[1], 100, 1]], 100, 110], // wrong arity
    [[[[1, 'a'], 100, 0]], 100, 110], // zero diff
    [[], 100, 90], // newUpper below expectedUpper
  ];
  for (const [updates, lo, hi] of bad) {
    let caught: unknown;
    try {
      validateBatch('c', schema, updates, lo, hi);
    } catch (err) {
      caught = err;
    }
    expect(isErrorCode(caught, StorageErrorCode.InvalidBatch)).toBe(true);
  }
  expect(() => validateBatch('c', schema, [[[1, null], 100, 2]], 100, 110)).not.toThrow();
});

test('keys a crash left unlisted are swept after open; listed batches and writes after open stay', async () => {
  const a = db.store.actor('c9');
  const first = await Shard.open(a, { schema, upper: 0 });
  await first.compareAndAppend({ writer: 'w', token: 't1', expectedUpper: 0, newUpper: 10, updates: [[[1, 'a'], 5, 1]] }, 'c9');
  await first.compareAndAppend({ writer: 'w', token: 't2', expectedUpper: 10, newUpper: 20, updates: [[[2, 'b'], 15, 1]] }, 'c9');
  // What a crash between a merge's batch write and its meta commit leaves: an unlisted batch key,
  // and a merged-away key whose deletion never ran.
  await a.batch([
    { type: 'put', key: 'b/mdead-0', value: new Uint8Array([0x90]) },
    { type: 'put', key: 'b/000000009999', value: new Uint8Array([0x90]) },
  ]);
  const reopened = await Shard.open(a, { schema, upper: 0 });
  // written right after open, while the sweep may still run: never swept
  await reopened.compareAndAppend({ writer: 'w', token: 't3', expectedUpper: 20, newUpper: 30, updates: [[[3, 'c'], 25, 1]] }, 'c9');
  await reopened.swept;
  const keys: string[] = [];
  for await (const k of a.keys({ gte: 'b/', lt: 'b/\xff' })) keys.push(k);
  expect(keys).not.toContain('b/mdead-0');
  expect(keys).not.toContain('b/000000009999');
  expect(asMap(await reopened.snapshot(29, 'c9'))).toEqual(new Map([['[1,"a"]', 1], ['[2,"b"]', 1], ['[3,"c"]', 1]]));
});

test('a read after `through` stays exact when since is held at through, across a consolidating merge', async () => {
  // What an open subscription relies on (subscriptions.ts: since may not pass through). With since
  // at through + 1, the merge below would advance the updates at times <= through, already
  // delivered, to through + 1, and the read would deliver them again.
  const shard = await Shard.open(db.store.actor('hold'), { schema, upper: 0 });
  const through = 7;
  let upper = 0;
  for (let b = 0; b < 64; b++) {
    // A row inserted and retracted at once: batches with retractions are compacted by merges.
    const updates: Update[] = [[[b, null], upper, 1], [[-1, 'gone'], upper, 1], [[-1, 'gone'], upper, -1]];
    await shard.compareAndAppend({ writer: 'w', token: `t${b}`, expectedUpper: upper, newUpper: upper + 1, updates }, 'hold');
    upper++;
    if (b === 8) await shard.advanceSinceTo(through);
    await new Promise((r) => setTimeout(r, 2)); // let merges run between appends
  }
  for (let i = 0; i < 100 && shard.state.batches.length > 1; i++) await new Promise((r) => setTimeout(r, 10));
  expect(shard.state.batches.map((b) => b.key.startsWith('b/m'))).toEqual([true]); // one consolidating merge
  const want = Array.from({ length: 64 - through - 1 }, (_, i): Update => [[through + 1 + i, null], through + 1 + i, 1]);
  expect(await shard.readRange(through, upper)).toEqual(want);
  const raw = (await shard.encodedRange(through, upper)).flatMap((p) => decode(p) as Update[]);
  expect(raw).toEqual(want);
});

test('append-only batches below since are merged as key ranges: never rewritten, read back the same', async () => {
  const a = db.store.actor('c10');
  const shard = await Shard.open(a, { schema, upper: 0 });
  const all: Update[] = [];
  let upper = 0;
  for (let b = 0; b < 64; b++) {
    // no retractions, and a row repeated at two times: consolidation could only sum its diffs
    const updates: Update[] = [[[b, 'x'], upper, 1], [[0, 'same'], upper + 1, 2]];
    await shard.compareAndAppend({ writer: 'w', token: `t${b}`, expectedUpper: upper, newUpper: upper + 2, updates }, 'c10');
    all.push(...updates);
    upper += 2;
    await shard.advanceSinceTo(upper - 1);
  }
  for (let i = 0; i < 200 && shard.state.batches.length > 8; i++) await new Promise((res) => setTimeout(res, 10));
  expect(shard.state.batches.length).toBeLessThanOrEqual(8);
  expect(shard.since).toBe(upper - 1);
  // Every batch is an append batch or a key range of them, and no key was written but by its append.
  expect(shard.state.batches.every((b) => /^b\/\d{12}$/.test(b.key))).toBe(true);
  expect(shard.state.batches.some((b) => b.last !== undefined)).toBe(true);
  const keys: string[] = [];
  for await (const k of a.keys({ gte: 'b/', lt: 'b/\xff' })) keys.push(k);
  expect(keys).toEqual(Array.from({ length: 64 }, (_, i) => `b/${String(i + 1).padStart(12, '0')}`));
  expect(shard.state.updates).toBe(128);
  expect(asMap(await shard.snapshot(upper - 1, 'c10'))).toEqual(naive(all, upper - 1));
  await expect(shard.snapshot(upper - 2, 'c10')).rejects.toMatchObject({ code: StorageErrorCode.SinceViolation });
});

test('the orphan sweep lists only the gaps between listed batches, and finds orphans in every gap', async () => {
  const k = (n: number) => `b/${String(n).padStart(12, '0')}`;
  const listed = [
    { key: k(5), last: k(12), lower: 0, upper: 10, count: 8 },
    { key: k(13), lower: 10, upper: 20, count: 1 },
    { key: 'b/mabc-1', lower: 20, upper: 30, count: 1 },
    { key: k(20), lower: 30, upper: 40, count: 1 },
  ];
  // b/13 follows b/12: no gap between them; every other gap is listed.
  expect(unlistedRanges(listed)).toEqual([
    { gte: 'b/', lt: k(5) },
    { gt: k(13), lt: k(20) },
    { gt: k(20), lt: 'b/mabc-1' },
    { gt: 'b/mabc-1', lt: 'b/\xff' },
  ]);
  expect(unlistedRanges([])).toEqual([{ gte: 'b/', lt: 'b/\xff' }]);

  // On disk: orphans before, between and after listed batches are swept; listed keys stay.
  const a = db.store.actor('c11');
  const shard = await Shard.open(a, { schema, upper: 0 });
  for (let b = 0; b < 3; b++) await shard.compareAndAppend({ writer: 'w', token: `t${b}`, expectedUpper: b * 10, newUpper: b * 10 + 10, updates: [[[b, 'x'], b * 10, 1]] }, 'c11');
  shard.close();
  const before = shard.state.batches.map((b) => b.key);
  const orphans = ['b/000000000000', 'b/mdead-0', 'b/mzzz-9', k(99)];
  await a.batch(orphans.map((key) => ({ type: 'put' as const, key, value: new Uint8Array([0x90]) })));
  const reopened = await Shard.open(a, { schema, upper: 0 });
  await reopened.swept;
  const keys: string[] = [];
  for await (const key of a.keys({ gte: 'b/', lt: 'b/\xff' })) keys.push(key);
  expect(keys).toEqual(before);
  expect(asMap(await reopened.snapshot(29, 'c11'))).toEqual(new Map([['[0,"x"]', 1], ['[1,"x"]', 1], ['[2,"x"]', 1]]));
});

test('a compacting merge larger than a part is written in parts: read back, kept by the orphan sweep, deleted by a drop', async () => {
  const a = db.store.actor('c12');
  const partBytes = 4096;
  const shard = await Shard.open(a, { schema, upper: 0 }, () => true, { partBytes });
  const all: Update[] = [];
  for (let b = 0; b < 8; b++) {
    // 600 updates (~7 KB) a batch, one of them a retraction: merges below since compact.
    const updates: Update[] = Array.from({ length: 600 }, (_, i): Update => [[b * 600 + i, 'v'], b, 1]);
    updates.push([[b * 600, 'v'], b, -1]);
    await shard.compareAndAppend({ writer: 'w', token: `t${b}`, expectedUpper: b, newUpper: b + 1, updates }, 'c12');
    all.push(...updates);
    await shard.advanceSinceTo(b);
  }
  for (let i = 0; i < 500 && shard.state.batches.length > 1; i++) await new Promise((r) => setTimeout(r, 10));
  const [merged] = shard.state.batches;
  expect(shard.state.batches).toHaveLength(1);
  expect(merged!.parts).toBeGreaterThan(1);
  expect(merged!.count).toBe(8 * 599);
  const partKeys = Array.from({ length: merged!.parts! }, (_, n) => `${merged!.key}/${String(n).padStart(6, '0')}`);
  // The merged batch replaces its inputs in the state first; their keys are deleted just after.
  const stored = async () => {
    const entries: Array<[string, Uint8Array]> = [];
    for await (const [k, v] of a.entries<Uint8Array>({ gte: 'b/', lt: 'b/\xff' })) entries.push([k, v]);
    return entries;
  };
  let entries = await stored();
  for (let i = 0; i < 500 && entries.length !== partKeys.length; i++) {
    await new Promise((r) => setTimeout(r, 10));
    entries = await stored();
  }
  for (const [, v] of entries) expect(v.length).toBeLessThanOrEqual(partBytes + 5); // a part, in its binary value
  expect(entries.map(([k]) => k)).toEqual(partKeys);
  const want = naive(all, 7);
  expect(asMap(await shard.snapshot(7, 'c12'))).toEqual(want);
  expect((await shard.encodedRange(-1, 8)).flatMap((p) => decode(p) as Update[])).toHaveLength(8 * 599);
  shard.close();

  const reopened = await Shard.open(a, { schema, upper: 0 });
  await reopened.swept;
  const after: string[] = [];
  for await (const k of a.keys({ gte: 'b/', lt: 'b/\xff' })) after.push(k);
  expect(after).toEqual(partKeys);
  expect(asMap(await reopened.snapshot(7, 'c12'))).toEqual(want);
  await reopened.markDropped();
  const dropped: string[] = [];
  for await (const k of a.keys({ gte: 'b/', lt: 'b/\xff' })) dropped.push(k);
  expect(dropped).toEqual([]);
});

test('the orphan sweep treats a batch written in parts as one listed range', () => {
  const k = (n: number) => `b/${String(n).padStart(12, '0')}`;
  expect(unlistedRanges([{ key: 'b/mabc-1', parts: 3, lower: 0, upper: 10, count: 9 }, { key: k(7), lower: 10, upper: 20, count: 1 }])).toEqual([
    { gte: 'b/', lt: k(7) },
    { gt: k(7), lt: 'b/mabc-1/000000' },
    { gt: 'b/mabc-1/000002', lt: 'b/\xff' },
  ]);
});

test('lazy empty appends and since moves take effect at once and are written within a second; a crash before loses only them', async () => {
  const store = db.store.actor('c-lazy');
  let live = true;
  const a = await Shard.open(store, { schema, upper: 100 }, () => live);
  await a.compareAndAppend({ writer: 'w', token: 'd1', expectedUpper: 100, newUpper: 110, updates: [[[1, 'a'], 105, 1]] }, 'c');
  // lazy: readers see the new upper at once; a retry of the same token is a duplicate
  expect(await a.compareAndAppend({ writer: 's', token: 'e1', expectedUpper: 110, newUpper: 120, updates: [], lazy: true }, 'c')).toEqual({ upper: 120, duplicate: false });
  expect(await a.compareAndAppend({ writer: 's', token: 'e2', expectedUpper: 120, newUpper: 130, updates: [], lazy: true }, 'c')).toEqual({ upper: 130, duplicate: false });
  expect(a.upper).toBe(130);
  expect(await a.compareAndAppend({ writer: 's', token: 'e2', expectedUpper: 120, newUpper: 130, updates: [], lazy: true }, 'c')).toEqual({ upper: 130, duplicate: true });
  await a.advanceSinceTo(125);
  expect(a.since).toBe(125);
  // A crash now (the incarnation dies, a new one opens the store): back to the durable state.
  live = false;
  const crashed = await Shard.open(store, { schema, upper: 0 });
  expect([crashed.upper, crashed.since]).toEqual([110, 0]);
  expect(asMap(await crashed.snapshot(109, 'c'))).toEqual(new Map([[JSON.stringify([1, 'a']), 1]]));
  // The writer states the same emptiness again, and the next incarnation writes it within a second.
  expect(await crashed.compareAndAppend({ writer: 's', token: 'e3', expectedUpper: 110, newUpper: 130, updates: [], lazy: true }, 'c')).toEqual({ upper: 130, duplicate: false });
  await new Promise((r) => setTimeout(r, 1500));
  const later = await Shard.open(store, { schema, upper: 0 });
  expect(later.upper).toBe(130);
  // A data append right after a lazy one writes both together.
  await later.compareAndAppend({ writer: 's', token: 'e4', expectedUpper: 130, newUpper: 140, updates: [], lazy: true }, 'c');
  await later.compareAndAppend({ writer: 'w', token: 'd2', expectedUpper: 140, newUpper: 150, updates: [[[2, 'b'], 145, 1]] }, 'c');
  const again = await Shard.open(store, { schema, upper: 0 });
  expect(again.upper).toBe(150);
  // Not lazy (a plain Append, any writer): durable before it is answered.
  await again.compareAndAppend({ writer: 'x', token: 'p1', expectedUpper: 150, newUpper: 160, updates: [] }, 'c');
  expect((await Shard.open(store, { schema, upper: 0 })).upper).toBe(160);
});
