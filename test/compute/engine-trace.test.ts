/**
 * The output trace against a naive history (every change kept): contents at every time >= since,
 * each time's consolidated changes, and the record count, over seeded random changes with many
 * rows dropped and re-added (slot reuse), table growth (rehashing) and compaction. Also: encoded
 * input (`pushInputColumns`) gives the engine exactly what the same updates as triples give it, and a
 * large batch (`addAll`, partitioned by bucket) what adding its rows one by one gives.
 */
import { encode } from '../../protocol/codec.js';
import { SeededRandom } from '../../runtime/random.js';
import { DecodedUpdates } from '../../protocol/storage/encoded-updates.js';
import { Trace } from '../../actors/compute/engine/trace.js';
import { createEngine } from '../../actors/compute/engine-binding.js';
import type { Row, Update } from '../../protocol/types.js';

/** The updates of encoded parts, read at `asOf` and after `after`. */
function decoded(parts: readonly Uint8Array[], asOf: number, after = -1): DecodedUpdates {
  const d = new DecodedUpdates();
  for (const p of parts) d.append(p, asOf, after);
  return d;
}


const sorted = (rows: Array<[Row, number]>) => rows.map(([r, d]) => JSON.stringify([r, d])).sort();

test('lookupAt equals the contents filtered by key, across slot reuse, growth, compaction and addAll', () => {
  const r = new SeededRandom(33);
  const keyCols = [2, 0];
  const trace = new Trace(0, keyCols);
  const key = (row: Row): Row => keyCols.map((c) => row[c]!);
  const texts = ['a', 'b', 'é'];
  for (let time = 0; time < 200; time++) {
    const big = time % 50 === 49; // a large batch through addAll (partitioned by bucket)
    const rows: Row[] = [];
    const diffs: number[] = [];
    const n = big ? 40_000 : r.int(time < 100 ? 30 : 300);
    for (let i = 0; i < n; i++) {
      rows.push([r.int(time < 100 ? 8 : 3000), r.next() < 0.1 ? null : r.int(5), texts[r.int(3)]!]);
      diffs.push(r.next() < 0.45 ? -1 : 1);
    }
    if (big) {
      trace.addAll(rows, diffs);
    } else {
      rows.forEach((row, i) => trace.add(row, diffs[i]!));
    }
    trace.finish(time, () => undefined);
    if (time % 9 === 8) trace.compact(time - 5);
    if (time % 10 === 9) {
      const t = time - r.int(4);
      const contents = trace.contentsAt(t);
      // Keys of present rows, keys of absent ones, a NULL key value, a repeated tuple.
      const wanted: Row[] = [...Array.from({ length: 5 }, () => key(contents[r.int(contents.length)]![0])), ['z', 1], [texts[0]!, null]];
      wanted.push(wanted[0]!);
      const want = contents.filter(([row]) => wanted.some((k) => k.every((v, i) => v === row[keyCols[i]!])));
      expect(sorted(trace.lookupAt(wanted, t))).toEqual(sorted(want));
      expect(trace.lookupAt([['a']], t)).toEqual([]); // a tuple of the wrong length matches nothing
    }
  }
  expect(() => new Trace(0).lookupAt([[1]], 0)).toThrow('no key columns');
});

test('the trace equals a naive history at every time, across slot reuse, growth and compaction', () => {
  const r = new SeededRandom(21);
  const trace = new Trace(0);
  const history: Array<[string, number, number]> = []; // row key, time, diff
  let since = 0;
  const naiveAt = (t: number) => {
    const m = new Map<string, number>();
    for (const [k, time, d] of history) if (time <= t) m.set(k, (m.get(k) ?? 0) + d);
    return [...m].filter(([, d]) => d !== 0).map(([k, d]) => JSON.stringify([JSON.parse(k), d])).sort();
  };
  for (let time = 0; time < 300; time++) {
    const changes = new Map<string, number>();
    // Small key space early (many drops and re-adds), a growing one later (rehashing).
    const keys = time < 150 ? 40 : 5000;
    for (let i = r.int(time < 150 ? 30 : 400); i > 0; i--) {
      const row: Row = [r.int(keys), r.next() < 0.1 ? null : 'v'];
      const d = r.next() < 0.5 ? -1 : 1;
      trace.add(row, d);
      const k = JSON.stringify(row);
      changes.set(k, (changes.get(k) ?? 0) + d);
      history.push([k, time, d]);
    }
    const emitted: Array<[Row, number]> = [];
    trace.finish(time, (row, d) => emitted.push([row, d]));
    expect(sorted(emitted)).toEqual([...changes].filter(([, d]) => d !== 0).map(([k, d]) => JSON.stringify([JSON.parse(k), d])).sort());
    if (time % 7 === 6) {
      since = time - r.int(10);
      trace.compact(since);
    }
    if (time % 25 === 24) for (let t = Math.max(since, time - 30); t <= time; t += 3) expect(sorted(trace.contentsAt(t))).toEqual(naiveAt(t));
  }
  expect(trace.nonEmptyAt(299)).toBe(naiveAt(299).length > 0);
  trace.compact(299);
  expect(trace.records()).toBe(naiveAt(299).length);
});

test('encoded input gives the engine what the same updates as triples give it', () => {
  const r = new SeededRandom(22);
  const updates: Update[] = Array.from({ length: 5000 }, () => [[r.int(300), r.next() < 0.5 ? 'a' : null], 100 + r.int(10), r.next() < 0.3 ? -1 : 1]);
  const plan = { op: 'get' as const, name: 'T', arity: 2 };
  const a = createEngine(plan, ['T'], 104);
  const b = createEngine(plan, ['T'], 104);
  a.pushInput('T', updates);
  b.pushInputColumns('T', decoded([encode(updates.slice(0, 2000)), encode(updates.slice(2000))], -1));
  for (const e of [a, b]) e.advanceInput('T', [110]);
  const outA = a.step();
  const outB = b.step();
  expect(outB.frontier).toEqual(outA.frontier);
  expect(outB.updates.map((u) => JSON.stringify(u)).sort()).toEqual(outA.updates.map((u) => JSON.stringify(u)).sort());
  for (let t = 104; t < 110; t++) expect(sorted(b.peek(t))).toEqual(sorted(a.peek(t)));
  // Updates all at one time (a snapshot) are taken as they are; then more at that time.
  const c = createEngine(plan, ['T'], 104);
  c.pushInputColumns('T', decoded([encode(updates.filter((u) => u[1] <= 104))], 104));
  c.pushInputColumns('T', decoded([encode(updates.filter((u) => u[1] > 104))], 104));
  c.advanceInput('T', [110]);
  c.step();
  for (let t = 104; t < 110; t++) expect(sorted(c.peek(t))).toEqual(sorted(a.peek(t)));
  // A row of the wrong width is refused as it is for triples, whether or not at one time.
  expect(() => b.pushInputColumns('T', decoded([encode([[[1], 120, 1]])], -1))).toThrow(/a row of 1 columns, expected 2/);
  expect(() => b.pushInputColumns('T', decoded([encode([[[1, 'a'], 120, 1], [[1], 121, 1]])], -1))).toThrow(/a row of 1 columns, expected 2/);
});

test('a large batch (partitioned by bucket first) gives what adding its rows one by one gives', () => {
  const r = new SeededRandom(23);
  const a = new Trace(10);
  const b = new Trace(10);
  for (let time = 10; time < 14; time++) {
    // Past the partitioning threshold, with duplicates, cancellations and rows already held.
    const n = 40_000 + r.int(30_000);
    const rows: Row[] = Array.from({ length: n }, () => [r.int(60_000), r.next() < 0.5 ? 'x' : null]);
    const diffs = rows.map(() => (r.next() < 0.4 ? -1 : 1));
    a.addAll(rows, diffs);
    for (let i = 0; i < n; i++) b.add(rows[i]!, diffs[i]!);
    const outA: Array<[Row, number]> = [];
    const outB: Array<[Row, number]> = [];
    a.finish(time, (row, d) => outA.push([row, d]));
    b.finish(time, (row, d) => outB.push([row, d]));
    expect(sorted(outA)).toEqual(sorted(outB));
    if (time === 12) {
      a.compact(11);
      b.compact(11);
    }
  }
  for (const t of [11, 12, 13]) expect(sorted(a.contentsAt(t))).toEqual(sorted(b.contentsAt(t)));
  expect(a.records()).toBe(b.records());
});
