/**
 * Stored bytes sent as they are when already consolidated (actors/storage/stored-consolidated.ts):
 * on seeded random batches the bytes are taken exactly when consolidating the decoded updates
 * changes nothing, and then they decode to those updates, cut within the limits; a snapshot's
 * exactly when no row occurs twice, and then it equals the accumulated contents; every value
 * msgpackr writes counts as canonical, and hand-written non-canonical forms of equal values send
 * the range down the decoding path.
 */
import { SeededRandom } from '../../runtime/random.js';
import { storedAsConsolidated, storedAsSnapshot, type StoredChunk } from '../../actors/storage/stored-consolidated.js';
import { Accumulator, consolidate } from '../../actors/storage/consolidate.js';
import { decode, encode, encodeWithEncodedField } from '../../protocol/codec.js';
import type { Row, Update } from '../../protocol/types.js';

const TEXTS = ['a', 'é', '日本', 'z'.repeat(40), '', 'y'.repeat(300), 'ü'.repeat(20)];
const NUMBERS = [0, -0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, 0.5, -2.25, 1.8e12, NaN, Infinity, -Infinity, 2 ** 53];

function randomRow(rnd: SeededRandom, distinct: number): Row {
  const pick = <T>(xs: T[]) => xs[rnd.int(xs.length)]!;
  return [rnd.int(distinct), rnd.next() < 0.2 ? null : pick(TEXTS), rnd.next() < 0.7 ? pick(NUMBERS) : rnd.next() < 0.5];
}

/** Time-ordered batches; with `messy`, some duplicates, zero diffs or a time out of order. */
function randomBatches(rnd: SeededRandom, messy: boolean): Update[][] {
  const batches: Update[][] = [];
  const distinct = messy ? 8 : 1_000_000;
  for (let lower = 0; lower < 30; lower += 3) {
    const updates: Update[] = [];
    for (let i = rnd.int(40); i > 0; i--) updates.push([randomRow(rnd, distinct), lower + rnd.int(3), rnd.next() < 0.3 ? -1 : 1 + rnd.int(2)]);
    updates.sort((a, b) => a[1] - b[1]);
    if (messy && rnd.next() < 0.2 && updates.length > 0) updates[rnd.int(updates.length)]![2] = 0;
    if (messy && rnd.next() < 0.1 && updates.length > 1) updates.reverse();
    batches.push(updates);
  }
  return batches;
}

const decodeChunks = (chunks: StoredChunk[]) => chunks.flatMap((c) => decode(concat(c.segments, c.count)) as Update[]);

function concat(segments: Uint8Array[], count: number): Uint8Array {
  const header = count <= 15 ? [0x90 | count] : [0xdc, count >> 8, count & 0xff];
  return Buffer.concat([Buffer.from(header), ...segments]);
}

const same = (a: Update[], b: Update[]) => JSON.stringify(a.map((u) => u.map(String))) === JSON.stringify(b.map((u) => u.map(String)));

test('the stored bytes are taken exactly when consolidation would change nothing, and decode to the updates', async () => {
  let taken = 0;
  let declined = 0;
  for (let seed = 1; seed <= 120; seed++) {
    const rnd = new SeededRandom(seed);
    const batches = randomBatches(rnd, seed % 2 === 0);
    const all = batches.flat();
    const maxBytes = 40 + rnd.int(400);
    const maxUpdates = 1 + rnd.int(20);
    const chunks = await storedAsConsolidated(batches.map((b) => encode(b)), maxBytes, maxUpdates, async () => undefined);
    const unchanged = same(consolidate(all), all);
    expect(chunks !== undefined).toBe(unchanged);
    if (!chunks) {
      declined++;
      continue;
    }
    taken++;
    expect(same(decodeChunks(chunks), all)).toBe(true);
    for (const c of chunks) {
      expect(c.count).toBeLessThanOrEqual(maxUpdates);
      if (c.count > 1) expect(c.size).toBeLessThanOrEqual(maxBytes);
      expect(c.size).toBe(c.segments.reduce((n, s) => n + s.length, 0));
      const decoded = decode(concat(c.segments, c.count)) as Update[];
      expect(decoded.length).toBe(c.count);
      expect(decoded[decoded.length - 1]![1]).toBe(c.lastTime);
    }
  }
  expect(taken).toBeGreaterThan(40);
  expect(declined).toBeGreaterThan(20);
});

test('a snapshot is taken from the stored bytes exactly when no row occurs twice and no diff is zero, and equals the accumulated contents', async () => {
  let taken = 0;
  let declined = 0;
  for (let seed = 1; seed <= 120; seed++) {
    const rnd = new SeededRandom(1000 + seed);
    const asOf = 5 + rnd.int(40);
    // As encodedRange reads them: only times at or before asOf.
    const batches = randomBatches(rnd, seed % 2 === 0).map((b) => b.filter((u) => u[1] <= asOf));
    const all = batches.flat();
    const maxBytes = 40 + rnd.int(400);
    const maxUpdates = 1 + rnd.int(20);
    const chunks = await storedAsSnapshot(batches.map((b) => encode(b)), asOf, maxBytes, maxUpdates, async () => undefined);
    const seen = new Set<string>();
    const once = all.every((u) => u[2] !== 0 && !seen.has(JSON.stringify(u[0].map(String))) && seen.add(JSON.stringify(u[0].map(String))));
    expect(chunks !== undefined).toBe(once);
    if (!chunks) {
      declined++;
      continue;
    }
    taken++;
    const got = decodeChunks(chunks);
    expect(same(got, all.map(([row, , diff]): Update => [row, asOf, diff]))).toBe(true);
    const acc = new Accumulator();
    for (const [row, , diff] of all) acc.add(row, diff);
    expect(same(got, acc.contents().map(([row, diff]): Update => [row, asOf, diff]))).toBe(true);
    for (const c of chunks) {
      expect(c.count).toBeLessThanOrEqual(maxUpdates);
      if (c.count > 1) expect(c.size).toBeLessThanOrEqual(maxBytes);
      expect(c.lastTime).toBe(asOf);
    }
  }
  expect(taken).toBeGreaterThan(40);
  expect(declined).toBeGreaterThan(20);
});

test('a snapshot finds a row repeated at another time, and refuses times after asOf', async () => {
  expect(await storedAsSnapshot([encode([[[1, 'a'], 2, 1]]), encode([[[1, 'a'], 4, -1]])], 5, 1000, 10)).toBeUndefined();
  expect(await storedAsSnapshot([encode([[[1, 'a'], 6, 1]])], 5, 1000, 10)).toBeUndefined();
  const big = await storedAsSnapshot([encode([[[1, 'a'], 2, 1], [[2, 'b'], 3, -2]])], 1.8e12, 1000, 10);
  expect(decodeChunks(big!)).toEqual([[[1, 'a'], 1.8e12, 1], [[2, 'b'], 1.8e12, -2]]);
});

test('no updates: no chunks', async () => {
  expect(await storedAsConsolidated([], 100, 10)).toEqual([]);
  expect(await storedAsConsolidated([encode([])], 100, 10)).toEqual([]);
});

test('equal rows at one time in different batch parts are found', async () => {
  const parts = [encode([[[1, 'a'], 5, 1]]), encode([[[1, 'a'], 5, 1]])];
  expect(await storedAsConsolidated(parts, 1000, 10)).toBeUndefined();
  expect(await storedAsConsolidated([encode([[[1, 'a'], 5, 1]]), encode([[[1, 'a'], 6, 1]])], 1000, 10)).toHaveLength(1);
});

test('many rows at one time (the table grows) and then a new time (it is cleared)', async () => {
  const a: Update[] = Array.from({ length: 5000 }, (_, i) => [[i, `r${i}`], 1, 1]);
  const b: Update[] = Array.from({ length: 5000 }, (_, i) => [[i, `r${i}`], 2, -1]);
  const chunks = await storedAsConsolidated([encode(a), encode(b)], 1 << 20, 20_000);
  expect(chunks!.map((c) => c.count)).toEqual([10_000]);
  expect(await storedAsConsolidated([encode([...a, [[4999, 'r4999'], 1, 1]])], 1 << 20, 20_000)).toBeUndefined();
});

/** One update [[value], 1, 1] with the value written as the given msgpack bytes. */
const withValue = (...valueBytes: number[]) => new Uint8Array([0x91, 0x93, 0x91, ...valueBytes, 0x01, 0x01]);

test('non-canonical forms of values are declined (they may equal other bytes as values)', async () => {
  const f64 = (v: number) => {
    const b = Buffer.alloc(9);
    b[0] = 0xcb;
    b.writeDoubleBE(v, 1);
    return [...b];
  };
  const nonCanonical = [
    [0xcc, 0x05], // 5 as uint8
    [0xcd, 0x00, 0x05],
    [0xce, 0x00, 0x00, 0x00, 0x05],
    [0xcf, 0, 0, 0, 0, 0, 0, 0, 5],
    [0xd0, 0xff], // -1 as int8
    [0xd1, 0xff, 0xff], // -1 as int16
    [0xd2, 0xff, 0xff, 0xff, 0x00], // -256 as int32
    [0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    [0xca, 0x40, 0xa0, 0x00, 0x00], // 5 as float32
    f64(5),
    f64(-0),
    f64(2 ** 32 - 1),
    [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 1], // another NaN
    [0xd9, 0x01, 0x61], // "a" as str8
    [0xda, 0x00, 0x01, 0x61],
    [0xa2, 0xc3, 0x28], // invalid UTF-8
    [0xa3, 0xe0, 0x80, 0x80], // overlong
    [0xc4, 0x01, 0x00], // binary: not a row value
  ];
  for (const v of nonCanonical) expect(await storedAsConsolidated([withValue(...v)], 100, 10)).toBeUndefined();
  // An array16 of one value is not canonical either.
  expect(await storedAsConsolidated([new Uint8Array([0x91, 0x93, 0xdc, 0x00, 0x01, 0x05, 0x01, 0x01])], 100, 10)).toBeUndefined();
  for (const v of [[0x05], [0xc0], [0xc3], f64(0.5), f64(2 ** 32), f64(-(2 ** 31) - 1), f64(NaN), [0xa2, 0xc3, 0xa9]]) {
    expect(await storedAsConsolidated([withValue(...v)], 100, 10)).toHaveLength(1);
  }
});

test('every value msgpackr writes is canonical', async () => {
  const rnd = new SeededRandom(7);
  for (let i = 0; i < 2000; i++) {
    const kind = rnd.int(4);
    const text = () => String.fromCodePoint(...Array.from({ length: rnd.int(300) }, () => (rnd.next() < 0.7 ? 32 + rnd.int(90) : 0xa0 + rnd.int(0x20000))).filter((c) => c < 0xd800 || c > 0xdfff));
    const v = kind === 0 ? NUMBERS[rnd.int(NUMBERS.length)]! : kind === 1 ? (rnd.next() - 0.5) * 2 ** (rnd.int(70) - 10) : kind === 2 ? Math.round((rnd.next() - 0.5) * 2 ** rnd.int(40)) : text();
    const bytes = encode([[[v], 1, 1]]);
    expect(await storedAsConsolidated([bytes], 1 << 20, 10)).toHaveLength(1);
  }
});

test('encodeWithEncodedField equals encoding the whole message', () => {
  const updates: Update[] = [[[1, 'a', 0.5], 3, 1], [[2, null, true], 3, -1]];
  const body = encode(updates);
  for (const message of [{ type: 'SubscribeBatch', subscribeId: 's', seq: 4, upper: [9] }, Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, i])), Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i])), {}]) {
    const got = encodeWithEncodedField(message, 'updates', [body.subarray(0, 3), body.subarray(3)]);
    expect(decode(got)).toEqual({ ...message, updates });
  }
});
