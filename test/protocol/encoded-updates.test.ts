/**
 * The decoder of encoded updates (SubscribeEncodedBatch): it reads what msgpackr reads, for every
 * scalar type and number width, applies the asOf and after rules, and turns every malformed input
 * (cut short anywhere, non-scalar values, bad times and diffs, trailing bytes) into a
 * MalformedMessageError naming the update that adds nothing: never a crash or a wrong row.
 */
import { encode, decode } from '../../protocol/codec.js';
import { SeededRandom } from '../../runtime/random.js';
import { DecodedUpdates } from '../../protocol/storage/encoded-updates.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { Update, Value } from '../../protocol/types.js';

/** The updates of encoded parts, read at `asOf` and after `after`. */
function decoded(parts: readonly Uint8Array[], asOf: number, after = -1): DecodedUpdates {
  const d = new DecodedUpdates();
  for (const p of parts) d.append(p, asOf, after);
  return d;
}


const VALUES: Value[] = [null, true, false, 0, 1, -1, 127, 128, -32, -33, 255, 256, 65535, 65536, -129, -32769, 2 ** 32, -(2 ** 40), 2 ** 53 - 1, 0.5, -2.25, 1e300, NaN, Infinity, '', 'a', 'x'.repeat(24), 'y'.repeat(25), 'z'.repeat(300), 'ü', 'ü'.repeat(40000), '日本'];
const TIMES = [0, 1, 200, 70000, 2 ** 32 + 1, 1_700_000_000_123];

function randomUpdates(r: SeededRandom, n: number): Update[] {
  return Array.from({ length: n }, () => {
    const row = Array.from({ length: r.int(5) }, () => VALUES[r.int(VALUES.length)]!);
    const diff = r.next() < 0.3 ? -1 - r.int(1000) : 1 + r.int(70000);
    return [row, TIMES[r.int(TIMES.length)]!, diff] as Update;
  });
}

function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    const e = err as { code?: string; details?: { index?: number } };
    return `${e.code ?? (err as Error).message}@${e.details?.index ?? '-'}`;
  }
}

test('reads what msgpackr reads; times <= asOf are read at asOf, times <= after are left out', () => {
  const r = new SeededRandom(3);
  for (let round = 0; round < 300; round++) {
    const updates = randomUpdates(r, r.int(40));
    const bytes = encode(updates);
    expect(decoded([bytes], -1).toArray()).toEqual(decode(bytes));
    const asOf = TIMES[r.int(TIMES.length)]!;
    const after = r.next() < 0.5 ? -1 : TIMES[r.int(TIMES.length)]!;
    const want = updates.filter((u) => u[1] > after).map(([row, t, d]): Update => [row, t < asOf ? asOf : t, d]);
    const got: Update[] = [];
    const n = decoded([bytes, bytes], asOf, after).forEach((row, t, d) => got.push([row, t, d]));
    expect(n).toBe(2 * want.length);
    expect(got).toEqual([...want, ...want]);
  }
});

test('malformed bytes are a MalformedMessageError naming the update, never a crash', () => {
  const good = encode([[[1, 'ab'], 5, 1], [[2.5, null], 6, -2], [['ü', true], 7, 3]]);
  // Cut short at every position: an error, and the part adds nothing (earlier parts stay).
  for (let n = 0; n < good.length; n++) {
    const d = new DecodedUpdates().append(good, 0);
    expect(outcome(() => d.append(good.subarray(0, n), 0))).toMatch(new RegExp(`^${ErrorCode.MalformedMessage}@`));
    expect(d.toArray()).toEqual(decode(good));
  }
  const cases: Array<[unknown, string]> = [
    [{ not: 'an array' }, `${ErrorCode.MalformedMessage}@-`],
    [[[[1], 5]], `${ErrorCode.MalformedMessage}@0`],
    [[[[1], 5, 1], [7, 5, 1]], `${ErrorCode.MalformedMessage}@1`],
    [[[[{ a: 1 }], 5, 1]], `${ErrorCode.MalformedMessage}@0`],
    [[[[[1, null, 'a']], 5, 1]], 'ok'], // an array column: one-dimensional, scalar elements
    [[[[[[1]]], 5, 1]], `${ErrorCode.MalformedMessage}@0`],
    [[[[[{ a: 1 }]], 5, 1]], `${ErrorCode.MalformedMessage}@0`],
    [[[[new Uint8Array([1])], 5, 1]], `${ErrorCode.MalformedMessage}@0`],
    [[[[1], 5.5, 1]], `${ErrorCode.MalformedMessage}@0`],
    [[[[1], -5, 1]], `${ErrorCode.MalformedMessage}@0`],
    [[[[1], 'x', 1]], `${ErrorCode.MalformedMessage}@0`],
    [[[[1], 5, 0]], `${ErrorCode.MalformedMessage}@0`],
    [[[[1], 5, 0.5]], `${ErrorCode.MalformedMessage}@0`],
    [[[[1], 5, 1]], 'ok'],
  ];
  for (const [value, want] of cases) expect({ value, got: outcome(() => decoded([encode(value)], 0).toArray()) }).toEqual({ value, got: want });
  // Trailing bytes, and a never-used type byte.
  expect(outcome(() => decoded([new Uint8Array([...good, 0x01])], 0).toArray())).toBe(`${ErrorCode.MalformedMessage}@-`);
  expect(outcome(() => decoded([new Uint8Array([0x91, 0x93, 0x91, 0xc1, 0x01, 0x01])], 0).toArray())).toBe(`${ErrorCode.MalformedMessage}@0`);
});
