/**
 * Staged appends in the shard, on a real LevelDB: a batch staged in parts and appended by one
 * compare-and-append lands atomically as one listed batch (read back, kept across reopen, merged
 * like any other); nothing of it is visible before the append; an append naming parts that were
 * never staged, are incomplete, lie outside its bounds or were lost in a restart changes nothing
 * (InvalidBatch, `notStaged`); an append refused by UpperMismatch keeps the parts for a retry.
 */
import { tempStore } from '../helpers/temp-store.js';
import { Shard } from '../../actors/storage/shard.js';
import { partsOf } from '../../actors/control/group-commit.js';
import { StorageErrorCode } from '../../protocol/storage/errors.js';
import { isErrorCode, type DefiniteError } from '../../protocol/errors.js';
import { decode } from '../../protocol/codec.js';
import type { Column, Update } from '../../protocol/types.js';

const schema: Column[] = [
  { name: 'k', type: 'int', nullable: false },
  { name: 'v', type: 'text', nullable: true },
];

const db = tempStore('dfn-staged-', { sync: false });

const rows = (from: number, n: number, t: number): Update[] => Array.from({ length: n }, (_, i) => [[from + i, `value-${from + i}-${'x'.repeat(40)}`], t, 1]);

/** Stages `updates` in parts of about 1 MiB (as group commit does) and returns how many. */
async function stageAll(shard: Shard, stageId: string, updates: Update[], t: number): Promise<number> {
  const parts = partsOf(updates);
  for (let part = 0; part < parts.length; part++) {
    const encoded = parts[part]!;
    await shard.stage({ writer: 'w', stageId, part, lower: t, upper: t + 1, updates: { encoded, count: (decode(encoded) as Update[]).length, sorted: true } });
  }
  return parts.length;
}

test('parts staged all at once (as group commit sends them) join one batch: every part is there at the append', async () => {
  const store = db.store.actor('s4');
  const shard = await Shard.open(store, { schema, upper: 100 });
  const parts = partsOf(rows(0, 60_000, 100));
  expect(parts.length).toBeGreaterThan(2);
  await Promise.all(parts.map((encoded, part) => shard.stage({ writer: 'w', stageId: 'par', part, lower: 100, upper: 101, updates: { encoded, count: (decode(encoded) as Update[]).length, sorted: true } })));
  const r = await shard.compareAndAppend({ writer: 'w', token: 'tp', expectedUpper: 100, newUpper: 101, updates: { staged: { stageId: 'par', parts: parts.length } } }, 's4');
  expect(r).toEqual({ upper: 101, duplicate: false });
  const snap = await shard.snapshot(100, 's4');
  expect(new Set(snap.map(([row]) => row[0])).size).toBe(60_000);
  shard.close();
});

async function refusal(p: Promise<unknown>): Promise<DefiniteError> {
  try {
    await p;
  } catch (err) {
    return err as DefiniteError;
  }
  throw new Error('expected a refusal');
}

test('a batch staged in parts commits atomically as one listed batch, and survives reopen', async () => {
  const store = db.store.actor('s1');
  const shard = await Shard.open(store, { schema, upper: 100 });
  const big = rows(0, 60_000, 100); // about 4 MiB encoded: four parts
  const parts = await stageAll(shard, 'st1', big, 100);
  expect(parts).toBeGreaterThan(2);
  // Staged, not appended: nothing visible, upper unchanged.
  expect(shard.upper).toBe(100);
  expect(shard.state.batches).toEqual([]);
  const r = await shard.compareAndAppend({ writer: 'w', token: 't1', expectedUpper: 100, newUpper: 101, updates: { staged: { stageId: 'st1', parts } } }, 's1');
  expect(r).toEqual({ upper: 101, duplicate: false });
  expect(shard.state.batches).toHaveLength(1);
  expect(shard.state.batches[0]!.count).toBe(60_000);
  const snap = await shard.snapshot(100, 's1');
  expect(snap.length).toBe(60_000);
  expect(new Set(snap.map(([row]) => row[0])).size).toBe(60_000);
  // A retry of the same append is a duplicate (the parts are gone, the token is remembered).
  const again = await shard.compareAndAppend({ writer: 'w', token: 't1', expectedUpper: 100, newUpper: 101, updates: { staged: { stageId: 'st1', parts } } }, 's1');
  expect(again).toEqual({ upper: 101, duplicate: true });
  // More appends on top, then merges: contents stay exact.
  for (let i = 0; i < 10; i++) await shard.compareAndAppend({ writer: 'w', token: `s${i}`, expectedUpper: 101 + i, newUpper: 102 + i, updates: rows(100_000 + i, 1, 101 + i) }, 's1');
  shard.close();
  const reopened = await Shard.open(store, { schema, upper: 0 });
  await reopened.swept;
  expect(reopened.upper).toBe(111);
  expect((await reopened.snapshot(110, 's1')).length).toBe(60_010);
  reopened.close();
});

test('an append naming missing, incomplete or out-of-bounds parts changes nothing; a mismatch keeps the parts', async () => {
  const store = db.store.actor('s2');
  const shard = await Shard.open(store, { schema, upper: 100 });
  const never = await refusal(shard.compareAndAppend({ writer: 'w', token: 'a', expectedUpper: 100, newUpper: 101, updates: { staged: { stageId: 'nope', parts: 1 } } }, 's2'));
  expect(isErrorCode(never, StorageErrorCode.InvalidBatch)).toBe(true);
  expect(never.details['notStaged']).toBe('nope');

  const parts = await stageAll(shard, 'st2', rows(0, 50_000, 105), 105);
  const incomplete = await refusal(shard.compareAndAppend({ writer: 'w', token: 'b', expectedUpper: 100, newUpper: 106, updates: { staged: { stageId: 'st2', parts: parts + 1 } } }, 's2'));
  expect(incomplete.message).toMatch(/parts/);
  const otherWriter = await refusal(shard.compareAndAppend({ writer: 'x', token: 'c', expectedUpper: 100, newUpper: 106, updates: { staged: { stageId: 'st2', parts } } }, 's2'));
  expect(otherWriter.details['notStaged']).toBe('st2');
  const outside = await refusal(shard.compareAndAppend({ writer: 'w', token: 'd', expectedUpper: 100, newUpper: 105, updates: { staged: { stageId: 'st2', parts } } }, 's2'));
  expect(outside.message).toMatch(/outside/);
  const mismatch = await refusal(shard.compareAndAppend({ writer: 'w', token: 'e', expectedUpper: 99, newUpper: 106, updates: { staged: { stageId: 'st2', parts } } }, 's2'));
  expect(isErrorCode(mismatch, StorageErrorCode.UpperMismatch)).toBe(true);
  expect(shard.upper).toBe(100);
  expect(shard.state.batches).toEqual([]);
  // The parts are still staged: the right append takes them.
  await shard.compareAndAppend({ writer: 'w', token: 'f', expectedUpper: 100, newUpper: 106, updates: { staged: { stageId: 'st2', parts } } }, 's2');
  expect((await shard.snapshot(105, 's2')).length).toBe(50_000);

  // Parts of several times are refused (they are listed in order, not merged).
  await shard.stage({ writer: 'w', stageId: 'st3', part: 0, lower: 106, upper: 110, updates: rows(0, 1, 107) });
  await shard.stage({ writer: 'w', stageId: 'st3', part: 1, lower: 106, upper: 110, updates: rows(1, 1, 106) });
  const times = await refusal(shard.compareAndAppend({ writer: 'w', token: 'g', expectedUpper: 106, newUpper: 110, updates: { staged: { stageId: 'st3', parts: 2 } } }, 's2'));
  expect(times.message).toMatch(/one time/);
  // A part restaged with other bounds is refused.
  await expect(shard.stage({ writer: 'w', stageId: 'st3', part: 2, lower: 106, upper: 111, updates: rows(2, 1, 106) })).rejects.toThrow(/other bounds/);
  shard.close();
});

test('parts staged before a restart are swept and an append naming them is refused', async () => {
  const store = db.store.actor('s3');
  const shard = await Shard.open(store, { schema, upper: 100 });
  const parts = await stageAll(shard, 'st4', rows(0, 40_000, 100), 100);
  shard.close();
  const reopened = await Shard.open(store, { schema, upper: 0 });
  await reopened.swept;
  let stagedKeys = 0;
  for await (const key of store.keys({ gte: 'b/s', lt: 'b/t' })) if (key) stagedKeys++;
  expect(stagedKeys).toBe(0);
  const lost = await refusal(reopened.compareAndAppend({ writer: 'w', token: 'a', expectedUpper: 100, newUpper: 101, updates: { staged: { stageId: 'st4', parts } } }, 's3'));
  expect(lost.details['notStaged']).toBe('st4');
  expect(reopened.upper).toBe(100);
  reopened.close();
});
