/**
 * Unconsolidated reads of stored bytes (what a `consolidated: false` subscription is sent):
 * `filterByTime` and `chunkBatches` cut encoded batches exactly at update boundaries, and
 * `Shard.encodedRange` equals the consolidated read once consolidated, at every time, for
 * snapshots (times <= asOf read at asOf) and for ranges, across key-range merges, consolidating
 * merges below since, and batches straddling the range's ends.
 */
import { tempStore } from '../helpers/temp-store.js';
import { encode, decode } from '../../protocol/codec.js';
import { SeededRandom } from '../../runtime/random.js';
import { chunkBatches, filterByTime } from '../../actors/storage/encoded-batch.js';
import { consolidate } from '../../actors/storage/consolidate.js';
import { Shard } from '../../actors/storage/shard.js';
import { DecodedUpdates } from '../../protocol/storage/encoded-updates.js';
import type { Column, Row, Update, Value } from '../../protocol/types.js';

/** The updates of encoded parts, read at `asOf` and after `after`. */
function decoded(parts: readonly Uint8Array[], asOf: number, after = -1): DecodedUpdates {
  const d = new DecodedUpdates();
  for (const p of parts) d.append(p, asOf, after);
  return d;
}


const schema: Column[] = [
  { name: 'k', type: 'int', nullable: false },
  { name: 'v', type: 'text', nullable: true },
];

function randomBatch(r: SeededRandom, n: number, lower: number, width: number): Update[] {
  const out: Update[] = [];
  for (let i = 0; i < n; i++) {
    const v: Value = r.next() < 0.2 ? null : r.next() < 0.1 ? 'ü'.repeat(1 + r.int(300)) : `v${r.int(50)}`;
    out.push([[r.int(1_000_000) - 500, v], lower + r.int(width), r.next() < 0.3 ? -1 : 1 + r.int(3)]);
  }
  return out.sort((a, b) => a[1] - b[1]);
}

const decodeAll = (parts: Uint8Array[]) => parts.flatMap((p) => decode(p) as Update[]);
const key = (row: Row, time: number) => JSON.stringify([row, time]);

/** Consolidated (row, time) -> diff of some updates, as a Map for order-free comparison. */
function contents(updates: Update[]): Map<string, number> {
  return new Map(consolidate(updates).map(([row, time, diff]) => [key(row, time), diff]));
}

test('filterByTime keeps exactly the updates inside the bounds, byte for byte', () => {
  const r = new SeededRandom(5);
  for (let round = 0; round < 200; round++) {
    const updates = randomBatch(r, r.int(60), 100, 20);
    // Unsorted too: the cut does not rely on time order.
    if (round % 3 === 0) updates.reverse();
    const lo = 95 + r.int(30);
    const hi = lo + r.int(20);
    const cut = filterByTime(encode(updates), lo, hi);
    const want = updates.filter((u) => u[1] > lo && u[1] < hi);
    expect(cut.count).toBe(want.length);
    expect(Buffer.from(cut.bytes)).toEqual(Buffer.from(encode(want)));
  }
});

test('chunkBatches regroups at update boundaries, within the size bound, in order', () => {
  const r = new SeededRandom(6);
  for (let round = 0; round < 60; round++) {
    const parts = Array.from({ length: 1 + r.int(8) }, () => encode(randomBatch(r, r.int(400), 0, 10)));
    const max = 64 + r.int(8000);
    const chunks = chunkBatches(parts, max);
    expect(decodeAll(chunks.map((c) => c.bytes))).toEqual(decodeAll(parts));
    for (const c of chunks) {
      const n = (decode(c.bytes) as Update[]).length;
      expect(c.count).toBe(n);
      expect(n).toBeGreaterThan(0);
      // Only a single update larger than the bound may exceed it.
      if (n > 1) expect(c.bytes.length).toBeLessThanOrEqual(max);
    }
  }
  expect(chunkBatches([encode([])], 100)).toEqual([]);
});

describe('Shard.encodedRange', () => {
  const db = tempStore('dfn-encoded-range-', { sync: false });

  test('equals the consolidated reads at every time, across merges and compaction', async () => {
    const r = new SeededRandom(9);
    const shard = await Shard.open(db.store.actor('c'), { schema, upper: 0 });
    let upper = 0;
    const check = async () => {
      for (let asOf = shard.since; asOf < upper; asOf += 1 + r.int(4)) {
        // The snapshot: updates at times <= asOf, read at asOf, consolidated, equal Snapshot.
        const snap = decoded(await shard.encodedRange(-1, asOf + 1), asOf).toArray();
        expect(snap.every((u) => u[1] === asOf)).toBe(true);
        const want = new Map((await shard.snapshot(asOf, 'c')).map(([row, diff]) => [key(row, asOf), diff]));
        expect(contents(snap)).toEqual(want);
        // A range after asOf equals readRange once consolidated.
        const hi = asOf + 1 + r.int(upper - asOf);
        const range = decodeAll(await shard.encodedRange(asOf, hi));
        expect(range.every((u) => u[1] > asOf && u[1] < hi)).toBe(true);
        expect(contents(range)).toEqual(contents(await shard.readRange(asOf, hi)));
      }
    };
    for (let b = 0; b < 150; b++) {
      const width = 1 + r.int(4);
      // Duplicates inside a batch stay unconsolidated in the stored bytes.
      const updates = randomBatch(r, r.int(12), upper, width);
      if (updates.length > 0 && r.next() < 0.3) updates.push(updates[updates.length - 1]!);
      await shard.compareAndAppend({ writer: 'w', token: `t${b}`, expectedUpper: upper, newUpper: upper + width, updates }, 'c');
      upper += width;
      if (b % 10 === 9) await shard.advanceSinceTo(upper - 1 - r.int(40));
      if (b % 25 === 24) {
        await new Promise((res) => setTimeout(res, 20)); // let merges run
        await check();
      }
    }
    // Consolidating merges below since happened (times advanced to since, pairs cancelled).
    expect(shard.state.batches.some((b) => b.key.startsWith('b/m'))).toBe(true);
    await check();
  });

  test('whole stored values are forwarded as they are; a batch straddling asOf is cut', async () => {
    const shard = await Shard.open(db.store.actor('d'), { schema, upper: 10 });
    const first: Update[] = [[[1, 'a'], 10, 1], [[1, 'a'], 10, 1], [[2, null], 11, 1]];
    const second: Update[] = [[[3, 'c'], 12, 1], [[1, 'a'], 13, -1], [[4, 'd'], 14, 1]];
    await shard.compareAndAppend({ writer: 'w', token: 'a', expectedUpper: 10, newUpper: 12, updates: first }, 'd');
    await shard.compareAndAppend({ writer: 'w', token: 'b', expectedUpper: 12, newUpper: 15, updates: second }, 'd');
    const parts = await shard.encodedRange(-1, 14); // asOf 13: the second batch straddles it
    expect(parts.map((p) => decode(p))).toEqual([first, second.slice(0, 2)]);
    expect(decoded(parts, 13).toArray()).toEqual([
      [[1, 'a'], 13, 1],
      [[1, 'a'], 13, 1],
      [[2, null], 13, 1],
      [[3, 'c'], 13, 1],
      [[1, 'a'], 13, -1],
    ]);
    expect((await shard.encodedRange(13, 15)).map((p) => decode(p))).toEqual([[[[4, 'd'], 14, 1]]]);
  });
});
