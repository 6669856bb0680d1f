/**
 * Temporal filters in the planner (sql/temporal.ts): mz_now() comparisons in WHERE / HAVING
 * become a `temporal` node whose contents at a time t, by the reference evaluator, are the rows
 * that satisfy the predicate with mz_now() = t (checked against a direct JS evaluation for
 * random rows and times, optimized and not); mz_now() elsewhere and clock functions in
 * maintained queries are 0A000.
 */
import { loadSqlParser, planQueryText, type RelationResolver } from '../../actors/control/sql/index.js';
import { isPlan, planArity, type Plan } from '../../protocol/compute/plan.js';
import { evaluatePlan } from '../../protocol/compute/reference.js';
import { compareRows } from '../../protocol/compute/row.js';
import { SqlError } from '../../protocol/control/errors.js';
import type { Column, Row } from '../../protocol/types.js';
import { SeededRandom } from '../../runtime/random.js';

const col = (name: string, type: Column['type'], nullable = true): Column => ({ name, type, nullable });
const EVENTS: Column[] = [col('id', 'int', false), col('at', 'bigint'), col('ts', 'timestamp'), col('len', 'int'), col('k', 'text')];
const resolver: RelationResolver = (name) => {
  if (name === 'events') return { kind: 'table', id: 'e1', columns: EVENTS };
  if (name === 'clocky') return { kind: 'view', id: 'v2', query: 'SELECT now() AS n' };
  if (name === 'recent') return { kind: 'view', id: 'v1', query: 'SELECT id, at FROM events WHERE mz_now() < at + 10' };
  return undefined;
};

beforeAll(loadSqlParser);

function planBoth(sql: string, mode: 'peek' | 'maintained' = 'peek'): Plan[] {
  return [planQueryText(sql, resolver, { mode }).plan, planQueryText(sql, resolver, { mode, optimize: false }).plan];
}

function at(plan: Plan, rows: Row[], t: number): Row[] {
  const out: Row[] = [];
  for (const [row, n] of evaluatePlan(plan, new Map([['e1', rows.map((r): [Row, number] => [r, 1])]]), { time: t })) for (let i = 0; i < n; i++) out.push(row);
  return out.sort(compareRows);
}

function errorOf(sql: string, mode: 'peek' | 'maintained' = 'peek'): { sqlstate: string; message: string; hint?: string } {
  try {
    planBoth(sql, mode);
  } catch (e) {
    if (!(e instanceof SqlError)) throw e;
    const hint = e.details['hint'];
    return { sqlstate: e.sqlstate, message: e.message, ...(typeof hint === 'string' ? { hint } : {}) };
  }
  throw new Error(`expected an error from ${sql}`);
}

type Ev = { id: number; at: number | null; ts: number | null; len: number | null; k: string | null };
const asRow = (e: Ev): Row => [e.id, e.at, e.ts, e.len, e.k];

/** SQL predicates and what they mean at time t (NULL comparisons are false). */
const PREDICATES: Array<[string, (e: Ev, t: number) => boolean]> = [
  ['mz_now() < at + 10', (e, t) => e.at !== null && t < e.at + 10],
  ['mz_now() <= at + len', (e, t) => e.at !== null && e.len !== null && t <= e.at + e.len],
  ['mz_now() >= at', (e, t) => e.at !== null && t >= e.at],
  ['mz_now() > at', (e, t) => e.at !== null && t > e.at],
  ['mz_now() = at', (e, t) => e.at !== null && t === e.at],
  ['at + 5 > mz_now()', (e, t) => e.at !== null && e.at + 5 > t],
  ['at <= mz_now() AND mz_now() < at + len', (e, t) => e.at !== null && e.len !== null && e.at <= t && t < e.at + e.len],
  ['mz_now() < ts', (e, t) => e.ts !== null && t < e.ts],
  ['mz_now() >= ts AND k = \'a\'', (e, t) => e.ts !== null && t >= e.ts && e.k === 'a'],
  ['k <> \'b\' AND mz_now() <= at + 3 AND mz_now() >= at - 3', (e, t) => e.k !== null && e.k !== 'b' && e.at !== null && t <= e.at + 3 && t >= e.at - 3],
  ['mz_now() >= 105 AND mz_now() < 110 AND id > 2', (e, t) => t >= 105 && t < 110 && e.id > 2],
];

test('random rows and times: the contents at t are the rows satisfying the predicate with mz_now() = t', () => {
  const r = new SeededRandom(7);
  let nonEmpty = 0;
  let changes = 0;
  for (const [pred, holds] of PREDICATES) {
    const plans = planBoth(`SELECT id, at, ts, len, k FROM events WHERE ${pred}`);
    for (const p of plans) {
      expect(isPlan(p)).toBe(true);
      planArity(p);
      expect(JSON.stringify(p)).toContain('"temporal"');
    }
    for (let round = 0; round < 15; round++) {
      const evs: Ev[] = Array.from({ length: 1 + r.int(8) }, (_, id) => ({
        id,
        at: r.next() < 0.1 ? null : 95 + r.int(20),
        ts: r.next() < 0.1 ? null : 95 + r.int(20),
        len: r.next() < 0.1 ? null : r.int(8),
        k: [null, 'a', 'b'][r.int(3)]!,
      }));
      let before: string | undefined;
      for (let t = 90; t < 125; t += 1 + r.int(3)) {
        const expected = evs.filter((e) => holds(e, t)).map(asRow).sort(compareRows);
        for (const p of plans) expect({ pred, t, rows: at(p, evs.map(asRow), t) }).toEqual({ pred, t, rows: expected });
        if (expected.length > 0) nonEmpty++;
        const key = JSON.stringify(expected);
        if (before !== undefined && key !== before) changes++;
        before = key;
      }
    }
  }
  expect(nonEmpty).toBeGreaterThan(100);
  expect(changes).toBeGreaterThan(100);
});

test('in a view, under a join, in HAVING: the filter applies where it is written', () => {
  const rows: Row[] = [[1, 100, null, 1, 'a'], [2, 105, null, 1, 'a'], [3, 120, null, 1, 'b']];
  for (const p of planBoth('SELECT id FROM recent')) {
    expect(at(p, rows, 104)).toEqual([[1], [2], [3]]);
    expect(at(p, rows, 110)).toEqual([[2], [3]]);
    expect(at(p, rows, 115)).toEqual([[3]]);
    expect(at(p, rows, 130)).toEqual([]);
  }
  for (const p of planBoth('SELECT k, count(*) FROM events GROUP BY k HAVING mz_now() < max(at) + 10', 'maintained')) {
    expect(at(p, rows, 110)).toEqual([['a', 2], ['b', 1]]);
    expect(at(p, rows, 116)).toEqual([['b', 1]]);
    expect(at(p, rows, 130)).toEqual([]);
  }
  for (const p of planBoth('SELECT a.id, b.id FROM events a JOIN events b ON a.k = b.k WHERE mz_now() < a.at + 10 AND mz_now() >= b.at')) {
    expect(at(p, rows, 104)).toEqual([[1, 1], [2, 1]]);
    expect(at(p, rows, 106)).toEqual([[1, 1], [1, 2], [2, 1], [2, 2]]);
  }
});

test('mz_now() outside a conjunct comparison is 0A000, as in Materialize', () => {
  expect(errorOf('SELECT id FROM events WHERE mz_now() < at OR id = 1')).toMatchObject({ sqlstate: '0A000', message: expect.stringContaining('unsupported temporal predicate') });
  expect(errorOf('SELECT id FROM events WHERE NOT (mz_now() < at)')).toMatchObject({ sqlstate: '0A000' });
  expect(errorOf('SELECT id FROM events WHERE mz_now() <> at')).toMatchObject({ sqlstate: '0A000', message: expect.stringContaining('mz_now() <>') });
  expect(errorOf('SELECT id FROM events WHERE mz_now() + 1 < at')).toMatchObject({ sqlstate: '0A000' });
  expect(errorOf('SELECT id FROM events WHERE mz_now() < mz_now()')).toMatchObject({ sqlstate: '0A000' });
  expect(errorOf('SELECT mz_now() FROM events', 'maintained')).toMatchObject({ sqlstate: '0A000', message: 'cannot materialize call to mz_now' });
  expect(errorOf('SELECT mz_now() FROM events')).toMatchObject({ sqlstate: '0A000' });
  expect(errorOf('SELECT id FROM events ORDER BY mz_now()')).toMatchObject({ sqlstate: '0A000' });
  expect(errorOf('SELECT a.id FROM events a JOIN events b ON mz_now() < a.at')).toMatchObject({ sqlstate: '0A000' });
  expect(errorOf('SELECT k FROM events GROUP BY k HAVING count(*) > 1 OR mz_now() < max(at)')).toMatchObject({ sqlstate: '0A000' });
  // The other side must be a timestamp or an integer.
  expect(errorOf("SELECT id FROM events WHERE mz_now() < k")).toMatchObject({ sqlstate: '42883', message: 'operator does not exist: mz_timestamp < text' });
  expect(errorOf('SELECT id FROM events WHERE mz_now() < 1.5')).toMatchObject({ sqlstate: '42883' });
  // mz_catalog.mz_now() is mz_now().
  expect(() => planBoth('SELECT id FROM events WHERE mz_catalog.mz_now() < at')).not.toThrow();
});

test('now() and CURRENT_TIMESTAMP in a view, materialized view or index are 0A000 with a hint to use mz_now()', () => {
  for (const sql of ['SELECT id FROM events WHERE ts > now()', 'SELECT now(), id FROM events', 'SELECT id FROM events WHERE ts > CURRENT_TIMESTAMP', 'SELECT LOCALTIMESTAMP', 'SELECT CURRENT_DATE']) {
    const e = errorOf(sql, 'maintained');
    expect({ sql, ...e }).toMatchObject({ sql, sqlstate: '0A000', message: expect.stringMatching(/^cannot materialize call to (current_timestamp|localtimestamp|current_date)$/), hint: expect.stringContaining('mz_now()') });
  }
  // A view read by a maintained query (an index on it) is maintained too; a SELECT may read it.
  expect(errorOf('SELECT * FROM clocky', 'maintained')).toMatchObject({ sqlstate: '0A000', message: expect.stringContaining('cannot materialize call to current_timestamp') });
  // (now() itself is not definite's yet: 42883 then, never the maintained refusal.)
  let peekError = '';
  try {
    planBoth('SELECT * FROM clocky');
  } catch (e) {
    peekError = (e as Error).message;
  }
  expect(peekError).not.toContain('materialize');
});
