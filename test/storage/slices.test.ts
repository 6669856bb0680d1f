/**
 * Work in slices (actors/storage/slices.ts): the byte-level consolidation of a compacting merge
 * against the naive consolidation of decoded updates on seeded random batches, with slices small
 * enough that every batch is cut; `slicesOf` cutting only at update boundaries; and the pauses
 * that let the event loop run between slices.
 */
import { SeededRandom } from '../../runtime/random.js';
import { compactBatches, slicesOf } from '../../actors/storage/slices.js';
import { consolidate } from '../../actors/storage/consolidate.js';
import { decode, encode } from '../../protocol/codec.js';
import type { Row, Update } from '../../protocol/types.js';

/** Rows with every value kind, strings with '@', non-ASCII and long strings, repeated often. */
function randomRow(rnd: SeededRandom): Row {
  const texts = ['a', 'x@1', '@', 'é', '日本', 'z'.repeat(40), ''];
  return [rnd.int(6), rnd.next() < 0.2 ? null : texts[rnd.int(texts.length)]!, rnd.next() < 0.5 ? rnd.int(3) * 0.5 : rnd.next() < 0.5, -rnd.int(3)];
}

/** Time-ordered batches over [0, 40), with insertions and retractions of a few rows. */
function randomBatches(rnd: SeededRandom): Update[][] {
  const batches: Update[][] = [];
  for (let lower = 0; lower < 40; lower += 5) {
    const updates: Update[] = [];
    for (let i = rnd.int(60); i > 0; i--) updates.push([randomRow(rnd), lower + rnd.int(5), rnd.next() < 0.4 ? -1 - rnd.int(2) : 1 + rnd.int(2)]);
    updates.sort((a, b) => a[1] - b[1]);
    batches.push(updates);
  }
  return batches;
}

const key = (u: Update) => JSON.stringify(u);

test('compactBatches equals consolidating the decoded updates with times below since advanced, on random batches', async () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rnd = new SeededRandom(seed);
    const batches = randomBatches(rnd);
    const since = rnd.int(45);
    const result = await compactBatches(batches.map((b) => encode(b)), since, { sliceBytes: 64 + rnd.int(200), sliceUpdates: 1 + rnd.int(5) });
    const got = decode(result.bytes) as Update[];
    const want = consolidate(batches.flat().map(([row, t, d]): Update => [row, t < since ? since : t, d]));
    expect(got.map(key).sort()).toEqual(want.map(key).sort());
    expect(result.count).toBe(want.length);
    expect(result.retractions).toBe(want.filter((u) => u[2] < 0).length);
    for (let i = 1; i < got.length; i++) expect(got[i]![1]).toBeGreaterThanOrEqual(got[i - 1]![1]);
  }
});

test('compactBatches on a large run (the row table grows many times) equals consolidating the decoded updates', async () => {
  const rnd = new SeededRandom(99);
  const batches: Update[][] = [];
  for (let b = 0; b < 10; b++) {
    batches.push(Array.from({ length: 3000 }, (_, i): Update => [[rnd.int(8000), `r${rnd.int(3)}`], b * 10 + (i % 10), rnd.next() < 0.3 ? -1 : 1]));
    batches[b]!.sort((x, y) => x[1] - y[1]);
  }
  const since = 55;
  const result = await compactBatches(batches.map((b) => encode(b)), since);
  const want = consolidate(batches.flat().map(([row, t, d]): Update => [row, t < since ? since : t, d]));
  expect((decode(result.bytes) as Update[]).map(key).sort()).toEqual(want.map(key).sort());
  expect(result.count).toBe(want.length);
  expect(result.count).toBeGreaterThan(10_000);
});

test('compactBatches of updates that all cancel is an empty batch', async () => {
  const u: Update[] = [[[1, 'a'], 3, 1], [[1, 'a'], 4, -1]];
  const result = await compactBatches([encode(u)], 10);
  expect(decode(result.bytes)).toEqual([]);
  expect(result).toMatchObject({ count: 0, retractions: 0 });
});

test('slicesOf cuts large batches at update boundaries, keeps small ones as they are, in order', () => {
  const rnd = new SeededRandom(3);
  const batches = randomBatches(rnd).map((b) => encode(b));
  const slices = [...slicesOf(batches, 300)];
  expect(slices.flatMap((s) => decode(s) as Update[])).toEqual(batches.flatMap((b) => decode(b) as Update[]));
  for (const s of slices) if ((decode(s) as Update[]).length > 1) expect(s.length).toBeLessThanOrEqual(300);
  const small = encode([[[1, 'a'], 1, 1]]);
  expect([...slicesOf([small], 300)][0]).toBe(small);
});

test('compactBatches pauses between slices, and stops when a pause throws', async () => {
  const updates: Update[] = Array.from({ length: 2000 }, (_, i): Update => [[i, 'row'], i, 1]);
  const bytes = encode(updates);
  let pauses = 0;
  await compactBatches([bytes], 1000, { sliceBytes: 1000, pause: async () => void pauses++ });
  expect(pauses).toBeGreaterThanOrEqual(Math.floor(bytes.length / 1000));
  await expect(compactBatches([bytes], 1000, { sliceBytes: 1000, pause: async () => { throw new Error('shard closed'); } })).rejects.toThrow('shard closed');
});
