/**
 * Filters pushed into index peeks (actors/control/index-pushdown.ts): the rewrite itself (which
 * parts of a plan become peeks, with which key lookups), and, end to end, reads and writes over
 * an indexed table giving exactly what the same statements give over an unindexed copy
 * (aggregates of a key lookup, joins, self-joins, DELETE and UPDATE by key, an IN list, a filter
 * that fixes no key), with random data.
 */
import { pushIntoIndexes } from '../../actors/control/index-pushdown.js';
import type { ReadSource } from '../../actors/control/reads.js';
import type { Expr, Plan } from '../../protocol/compute/plan.js';
import { sorted, usePlatform, type SqlClient } from './sql-client.js';

const col = (index: number): Expr => ({ op: 'col', index });
const eq7: Expr = { op: 'call', fn: '=', args: [col(0), { op: 'lit', value: 7, type: 'int' }] };
const get = (name: string): Plan => ({ op: 'get', name, arity: 2 });
const index = { cluster: 'c', dataflow: 'd', keys: [0], keyTypes: ['int' as const] };
const sources = new Map<string, ReadSource>([['i', { index }], ['t', { collection: 'ct' }]]);

test('each linear part over an index becomes a peek with its key lookup; collections and the rest stay', () => {
  const filtered: Plan = { op: 'filter', input: get('i'), predicates: [eq7] };
  const plan: Plan = { op: 'reduce', input: { op: 'join', inputs: [filtered, get('t'), get('i')], equivalences: [[1, 2]] }, groupKey: [], aggregates: [{ fn: 'count', expr: { op: 'lit', value: 1, type: 'int' } }] as never };
  const { plan: rest, peeks } = pushIntoIndexes(plan, sources);
  expect(rest).toEqual({ ...plan, input: { op: 'join', inputs: [get('i#0'), get('t'), { op: 'get', name: 'i#1', arity: 2 }], equivalences: [[1, 2]] } });
  expect(peeks).toEqual([
    { name: 'i#0', index, mfp: filtered, lookup: [[7]] },
    { name: 'i#1', index },
  ]);
  // a filter that fixes no key is still pushed (only matching rows travel), without a lookup
  const ranged: Plan = { op: 'filter', input: get('i'), predicates: [{ op: 'call', fn: '>', args: [col(0), { op: 'lit', value: 7, type: 'int' }] }] };
  expect(pushIntoIndexes({ op: 'distinct', input: ranged }, sources).peeks).toEqual([{ name: 'i#0', index, mfp: ranged }]);
  expect(pushIntoIndexes({ op: 'distinct', input: get('t') }, sources).peeks).toEqual([]);
});

let a: SqlClient;
usePlatform('pushdown', async (c) => {
  a = c;
});

test('reads and writes over an indexed table equal the same over an unindexed copy', async () => {
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const rows = Array.from({ length: 400 }, () => `(${rnd(40)}, ${rnd(1000)})`).join(', ');
  for (const t of ['ix', 'plain']) {
    await a.sql(`CREATE TABLE ${t} (k int NOT NULL, v int)`);
    await a.sql(`INSERT INTO ${t} VALUES ${rows}`);
  }
  await a.sql('CREATE INDEX ix_k ON ix (k)');
  const same = async (q: (t: string) => string) => expect(sorted(await a.rows(q('ix')))).toEqual(sorted(await a.rows(q('plain'))));
  for (let round = 0; round < 8; round++) {
    const k = rnd(45);
    await same((t) => `SELECT count(*), sum(v), min(v) FROM ${t} WHERE k = ${k}`);
    await same((t) => `SELECT k, count(*) FROM ${t} WHERE k IN (${k}, ${k + 1}, 99) GROUP BY k`);
    await same((t) => `SELECT count(*) FROM ${t} x, ${t} y WHERE x.k = ${k} AND y.k = x.k AND y.v > x.v`);
    const bound = rnd(1000);
    await same((t) => `SELECT count(*), sum(v) FROM ${t} WHERE v > ${bound}`);
    const tags = async (t: string) => [
      (await a.sql(`DELETE FROM ${t} WHERE k = ${k} AND v % 2 = 0`))[0]!.tag,
      (await a.sql(`UPDATE ${t} SET v = v + 1 WHERE k = ${k + 1}`))[0]!.tag,
    ];
    expect(await tags('ix')).toEqual(await tags('plain'));
    await same((t) => `SELECT k, v FROM ${t}`);
  }
});
