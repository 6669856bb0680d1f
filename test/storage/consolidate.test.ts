/**
 * Consolidation by row hash: equal (row, time) pairs sum and zeros drop, sorted by time; values of
 * different types stay apart, NaN consolidates with NaN (and not with NULL), 0 equals -0; and on
 * seeded random updates it agrees with a naive consolidation keyed by a type-tagged string.
 */
import { consolidate, Accumulator, Consolidator } from '../../actors/storage/consolidate.js';
import { SeededRandom } from '../../runtime/random.js';
import type { Row, Update, Value } from '../../protocol/types.js';

const tag = (v: Value) => (typeof v === 'number' && Number.isNaN(v) ? 'nan' : typeof v === 'number' ? `n${v === 0 ? 0 : v}` : `${typeof v}:${String(v)}`);
const key = (row: Row, time: number) => `${time}|${row.map(tag).join(',')}`;

function naive(updates: Update[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const [row, time, diff] of updates) m.set(key(row, time), (m.get(key(row, time)) ?? 0) + diff);
  for (const [k, d] of m) if (d === 0) m.delete(k);
  return m;
}

test('types stay apart, NaN with NaN, 0 with -0; zeros drop; sorted by time', () => {
  const out = consolidate([
    [[1], 5, 1], [['1'], 5, 1], [[true], 5, 1], [[null], 5, 1],
    [[NaN], 3, 1], [[NaN], 3, 1], [[null], 3, 1],
    [[0], 4, 1], [[-0], 4, -1],
    [['a', 2], 1, 2], [['a', 2], 1, -1],
  ]);
  expect(out.map(([row, time, diff]) => [row.map(tag), time, diff])).toEqual([
    [['string:a', 'n2'], 1, 1],
    [['nan'], 3, 2], [['object:null'], 3, 1],
    [['n1'], 5, 1], [['string:1'], 5, 1], [['boolean:true'], 5, 1], [['object:null'], 5, 1],
  ]);
});

test('agrees with a naive consolidation on seeded random updates; Accumulator sums to contents', () => {
  const r = new SeededRandom(3);
  const values: Value[] = [0, 1, 2, '1', 'x', '', true, false, null, NaN, 1.5];
  for (let round = 0; round < 50; round++) {
    const updates: Update[] = Array.from({ length: 200 }, (): Update => [[values[r.int(values.length)]!, values[r.int(values.length)]!], r.int(4), r.int(5) - 2]);
    const got = new Map(consolidate(updates).map(([row, time, diff]) => [key(row, time), diff]));
    expect(got).toEqual(naive(updates));
    const times = consolidate(updates).map((u) => u[1]);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const acc = new Accumulator();
    for (const [row, , diff] of updates) acc.add(row, diff);
    const contents = new Map(acc.contents().map(([row, d]) => [key(row, 0), d]));
    expect(contents).toEqual(naive(updates.map(([row, , d]) => [row, 0, d])));
  }
});

test('Consolidator.addOwned gives what consolidate gives, keeping the first array of each (row, time)', () => {
  const r = new SeededRandom(12);
  const updates: Update[] = Array.from({ length: 3000 }, (): Update => [[r.int(30), r.next() < 0.2 ? null : `s${r.int(3)}`], r.int(6), r.next() < 0.5 ? -1 : 1]);
  const copies = updates.map((u): Update => [u[0], u[1], u[2]]);
  const c = new Consolidator();
  for (const u of copies) c.addOwned(u);
  const got = c.result();
  expect(got).toEqual(consolidate(updates));
  expect(got.every((u) => copies.includes(u))).toBe(true); // no new arrays
});
