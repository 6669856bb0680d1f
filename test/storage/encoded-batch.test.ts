/**
 * Encoded batches: checking msgpack bytes in one pass accepts exactly what `validateBatch`
 * accepts for the decoded updates (seeded random batches, valid and broken, of every column type
 * and of every msgpack number width), names the same first bad update, and `concatBatches` gives
 * the bytes of the concatenated arrays; `binaryValue` makes the bytes `encode` makes of a binary.
 * Also the shard: an encoded append reads back equal to
 * the updates, merges of encoded batches keep every time's contents, a retry is a no-op.
 */
import { tempStore } from '../helpers/temp-store.js';
import { encode, decode } from '../../protocol/codec.js';
import { SeededRandom } from '../../runtime/random.js';
import { binaryValue, checkEncodedBatch, concatBatches } from '../../actors/storage/encoded-batch.js';
import { validateBatch } from '../../actors/storage/validate.js';
import { quickCheck } from '../../actors/storage/quick-check.js';
import { Shard } from '../../actors/storage/shard.js';
import type { Column, Update, Value } from '../../protocol/types.js';

const schema: Column[] = [
  { name: 'i', type: 'bigint', nullable: false },
  { name: 's', type: 'text', nullable: true },
  { name: 'f', type: 'float', nullable: true },
  { name: 'b', type: 'bool', nullable: false },
  { name: 't', type: 'timestamp', nullable: true },
];

const NUMBERS = [0, 1, -1, 127, 128, -33, 255, 256, 65535, 65536, -129, -32769, 2 ** 32, 1_700_000_000_123, -(2 ** 40), 2 ** 53 - 1, 0.5, -2.25, 1e300];
const STRINGS = ['', 'a', 'x'.repeat(31), 'y'.repeat(32), 'z'.repeat(300), 'ü'.repeat(40000)];

function pick<T>(r: SeededRandom, xs: readonly T[]): T {
  return xs[Math.floor(r.next() * xs.length)]!;
}

function validRow(r: SeededRandom): Value[] {
  return [pick(r, NUMBERS.filter(Number.isSafeInteger)), r.next() < 0.2 ? null : pick(r, STRINGS), r.next() < 0.2 ? null : pick(r, NUMBERS), r.next() < 0.5, r.next() < 0.2 ? null : pick(r, NUMBERS.filter(Number.isInteger))];
}

/** One way or another to break an update (or none). */
function maybeBreak(r: SeededRandom, u: unknown[]): unknown {
  switch (Math.floor(r.next() * 14)) {
    case 0:
      return [u[0], u[1]];
    case 1:
      return [u[0], (u[1] as number) + 0.5, u[2]];
    case 2:
      return [u[0], u[1], 0];
    case 3:
      return [u[0], 5, u[2]];
    case 4:
      return [(u[0] as Value[]).slice(1), u[1], u[2]];
    case 5:
      return [[...(u[0] as Value[]), 1], u[1], u[2]];
    case 6:
      return [['1', ...(u[0] as Value[]).slice(1)], u[1], u[2]];
    case 7:
      return [[null, ...(u[0] as Value[]).slice(1)], u[1], u[2]];
    case 8:
      return [[1, 2, ...(u[0] as Value[]).slice(2)], u[1], u[2]];
    case 9:
      return [[1, 'a', 'f', true, null], u[1], u[2]];
    case 10:
      return [[1, 'a', 1.5, 1, null], u[1], u[2]];
    case 11:
      return [[1, 'a', 1.5, true, 2.5], u[1], u[2]];
    case 12:
      return 'not a triple';
    default:
      return [[1, { a: 1 }, 1, true, null], u[1], u[2]];
  }
}

function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    const e = err as { code?: string; details?: { index?: number } };
    return `${e.code}@${e.details?.index ?? '-'}`;
  }
}

test('binaryValue copies bytes into the msgpack binary value encode() makes of them, at every header width', () => {
  for (const n of [0, 1, 255, 256, 65535, 65536, 300_000]) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 31) & 0xff);
    const { value, bytes: copy } = binaryValue(bytes);
    expect(Buffer.from(value).equals(Buffer.from(encode(bytes)))).toBe(true);
    expect(Buffer.from(copy).equals(Buffer.from(bytes))).toBe(true);
    expect(copy.buffer).toBe(value.buffer);
    expect(copy.buffer).not.toBe(bytes.buffer);
    expect(Buffer.from(decode(value) as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
  }
});

test('checking the bytes agrees with validating the decoded updates; the fast scan accepts only valid batches', () => {
  const r = new SeededRandom(7);
  let refused = 0;
  let quick = 0;
  for (let round = 0; round < 400; round++) {
    const lower = 1000;
    const upper = 1010;
    const n = Math.floor(r.next() * 40);
    const updates: unknown[] = [];
    for (let i = 0; i < n; i++) {
      const u: unknown[] = [validRow(r), lower + Math.floor(r.next() * 10), r.next() < 0.5 ? 1 : -3];
      updates.push(r.next() < 0.03 ? maybeBreak(r, u) : u);
    }
    const bytes = encode(updates);
    const expected = outcome(() => validateBatch('c', schema, decode(bytes) as unknown[], lower, upper));
    const got = outcome(() => checkEncodedBatch('c', schema, bytes, lower, upper));
    expect(got).toBe(expected);
    // The fast path never accepts a refused batch, and gives the exact checker's info.
    const q = quickCheck(schema, bytes, lower, upper);
    if (q) {
      quick++;
      expect(expected).toBe('ok');
      expect(q).toEqual(checkEncodedBatch('c', schema, bytes, lower, upper));
    }
    // Cut short anywhere (24 places, the last bytes among them): never accepted.
    for (let k = 0; k < 24 && bytes.length > 1; k++) {
      const cut = k < 4 ? bytes.length - 1 - k : Math.floor(r.next() * bytes.length);
      if (cut >= 0) expect(quickCheck(schema, bytes.subarray(0, cut), lower, upper)).toBeUndefined();
    }
    if (expected !== 'ok') refused++;
    else {
      const info = checkEncodedBatch('c', schema, bytes, lower, upper);
      expect(info.count).toBe(n);
      const times = (updates as Update[]).map((u) => u[1]);
      expect(info.sorted).toBe(times.every((t, i) => i === 0 || t >= times[i - 1]!));
      expect(info.retractions).toBe((updates as Update[]).filter((u) => u[2] < 0).length);
    }
  }
  expect(refused).toBeGreaterThan(20);
  // ...and it does accept valid batches (most of them: canonical msgpack, as msgpackr writes).
  expect(quick).toBeGreaterThan(400 - refused - 20);
});

test('malformed bytes are an InvalidBatch, never a crash', () => {
  const good = encode([[[1, 'a', 1.5, true, null], 1000, 1]]);
  for (let cut = 0; cut < good.length; cut++) expect(outcome(() => checkEncodedBatch('c', schema, good.subarray(0, cut), 1000, 1001))).toMatch(/^InvalidBatch@/);
  expect(outcome(() => checkEncodedBatch('c', schema, encode({ a: 1 }), 1000, 1001))).toMatch(/^InvalidBatch/);
  expect(outcome(() => checkEncodedBatch('c', schema, new Uint8Array([...good, 0]), 1000, 1001))).toMatch(/^InvalidBatch/);
  expect(outcome(() => checkEncodedBatch('c', schema, good, 1000, 999))).toMatch(/^InvalidBatch/);
});

test('array columns: the exact check agrees with validating the decoded updates (elements of the element type, NULLs allowed)', () => {
  const arrays: Column[] = [
    { name: 'a', type: 'int[]', nullable: true },
    { name: 't', type: 'text[]', nullable: false },
  ];
  const cases: Array<[Value, Value]> = [
    [[1, 2, null], ['a', null]], [null, []], [[], ['x']], [[2 ** 31], ['x']], [[1.5], ['x']], [['1'], ['x']], [[1], [1]], [1, ['x']], [[1], 'x'], [[1], null],
  ];
  for (const [a, t] of cases) {
    const updates = [[[a, t], 5, 1]];
    const bytes = encode(updates);
    const want = outcome(() => validateBatch('c', arrays, updates, 0, 10));
    expect([a, t, outcome(() => checkEncodedBatch('c', arrays, bytes, 0, 10))]).toEqual([a, t, want]);
    expect(quickCheck(arrays, bytes, 0, 10)).toBeUndefined();
  }
  expect(outcome(() => checkEncodedBatch('c', arrays, encode([[[[1], ['x']], 5, 1]]), 0, 10))).toBe('ok');
  expect(outcome(() => checkEncodedBatch('c', arrays, encode([[[[[1]], ['x']], 5, 1]]), 0, 10))).toMatch(/^InvalidBatch@0/);
});

test('concatenated batches equal the encoded concatenation, across header sizes', () => {
  const r = new SeededRandom(3);
  for (const sizes of [[0], [1, 2], [15, 1], [10, 6], [40000, 30000], [0, 70000], [3, 0, 4]]) {
    const parts = sizes.map((n, p) => Array.from({ length: n }, (_, i) => [[i, r.next() < 0.5 ? 'a' : null], p * 100000 + i, 1] as Update));
    const joined = concatBatches(parts.map((p) => encode(p)));
    expect(decode(joined)).toEqual(parts.flat());
  }
});

describe('the shard with encoded appends', () => {
  const db = tempStore('dfn-encoded-', { sync: false });

  test('reads back what was appended, through merges and out-of-order times, and a retry is a no-op', async () => {
    const shard = await Shard.open(db.store.actor('c'), { schema, upper: 0 });
    const r = new SeededRandom(11);
    const all: Update[] = [];
    let upper = 0;
    for (let b = 0; b < 80; b++) {
      const n = 1 + Math.floor(r.next() * 30);
      const updates = Array.from({ length: n }, () => [validRow(r), upper + Math.floor(r.next() * 3), 1] as Update);
      const bytes = encode(updates);
      const info = checkEncodedBatch('c', schema, bytes, upper, upper + 3);
      // Every other batch as the collection passes it: copied into the value the store keeps.
      const { value, bytes: copy } = binaryValue(bytes);
      const batch = b % 2 === 0 ? { encoded: copy, stored: value, ...info } : { encoded: bytes, ...info };
      const args = { writer: 'w', token: `t${b}`, expectedUpper: upper, newUpper: upper + 3, updates: batch };
      expect((await shard.compareAndAppend(args, 'c')).duplicate).toBe(false);
      expect((await shard.compareAndAppend(args, 'c')).duplicate).toBe(true);
      all.push(...updates);
      upper += 3;
    }
    // Let merges run: the batch count stays small.
    for (let i = 0; i < 100 && shard.state.batches.length > 24; i++) await new Promise((res) => setTimeout(res, 10));
    expect(shard.state.batches.length).toBeLessThanOrEqual(24);
    const read = await shard.readRange(-1, upper);
    const key = (u: Update) => JSON.stringify(u);
    const expected = new Map<string, number>();
    for (const [row, time, diff] of all) expected.set(key([row, time, 0]), (expected.get(key([row, time, 0])) ?? 0) + diff);
    const got = new Map<string, number>();
    for (const [row, time, diff] of read) got.set(key([row, time, 0]), diff);
    expect(got).toEqual(expected);
    expect(read.map((u) => u[1])).toEqual([...read.map((u) => u[1])].sort((a, b) => a - b));
    // Young batches were merged by listing key ranges: nothing was written twice.
    expect(shard.state.batches.some((b) => b.last !== undefined)).toBe(true);

    // Reopen with keys a crash could have left behind (a merged batch never listed, a stray
    // append batch): they are swept, and the contents are unchanged.
    shard.close();
    const s = db.store.actor('c');
    await s.batch([
      { type: 'put', key: 'b/mdeadbeef-0', value: encode([[[1, 'x', null, true, null], 1, 1]]) },
      { type: 'put', key: 'b/999999999999', value: encode([[[1, 'x', null, true, null], 1, 1]]) },
    ]);
    const reopened = await Shard.open(s, { schema, upper: 0 });
    await reopened.swept; // the sweep runs after open, off the recovery path
    const keys: string[] = [];
    for await (const k of s.keys({ gte: 'b/', lt: 'b/\xff' })) keys.push(k);
    expect(keys).not.toContain('b/mdeadbeef-0');
    expect(keys).not.toContain('b/999999999999');
    expect(await reopened.readRange(-1, upper)).toEqual(read);
  });

  test('a merge of batches below since consolidates them into one new batch', async () => {
    const shard = await Shard.open(db.store.actor('d'), { schema, upper: 0 });
    const row = [1, 'a', null, true, null];
    let upper = 0;
    for (let b = 0; b < 16; b++) {
      const updates: Update[] = [[row, upper, 1], [row, upper + 1, -1]];
      const bytes = encode(updates);
      await shard.compareAndAppend({ writer: 'w', token: `t${b}`, expectedUpper: upper, newUpper: upper + 2, updates: { encoded: bytes, ...checkEncodedBatch('d', schema, bytes, upper, upper + 2) } }, 'd');
      upper += 2;
      await shard.advanceSinceTo(upper - 1);
    }
    for (let i = 0; i < 200 && shard.state.updates > 4; i++) await new Promise((res) => setTimeout(res, 10));
    // The +1/-1 pairs advanced to since cancelled out in a consolidating merge (a new batch, not
    // a key range): of 32 updates at most the last pair or two are left.
    // (When every pair cancelled, the merge wrote no batch at all; a key-range merge would have
    // kept all 32 updates.)
    expect(shard.state.updates).toBeLessThanOrEqual(4);
    expect(shard.state.batches.every((b) => b.last === undefined)).toBe(true);
    expect(await shard.snapshot(upper - 1, 'd')).toEqual([]);
  });
});
