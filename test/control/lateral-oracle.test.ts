/**
 * LATERAL, functions in FROM over earlier items, ROWS FROM, and set-returning functions in the
 * select list against PostgreSQL 15 (the oracle, test/helpers/postgres.ts): the same queries
 * over pgwire in both on the same random data (NULLs, empty and NULL arrays, duplicates),
 * results compared as multisets of text rows; errors compared by SQLSTATE; then materialized
 * views (PostgreSQL: views) over LATERAL queries after random INSERT / UPDATE / DELETE rounds.
 */
import { appendFileSync } from 'node:fs';
import type pg from 'pg';
import { SeededRandom } from '../../runtime/random.js';
import { both, usePgPlatform } from './pg-platform.js';

const region = 'latoracle';
const t = usePgPlatform(region, { database: 'lateral_oracle', fresh: true });

const rng = new SeededRandom(Number(process.env['DFN_LATERAL_SEED'] ?? 715));
const r = () => rng.next();
const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
const small = () => pick(['NULL', '0', '1', '2', '3', '4', '1', '2']);
let nextId = 1;
const tRow = () => `(${nextId++}, ${small()}, ${small()}, ${small()})`;
const uRow = () => `(${small()}, ${pick(['NULL', '0', '1', '2', '3', '4', '5'])}, ${pick(['NULL', "'a'", "'b'", "'c'"])})`;

const raw = { getTypeParser: () => (v: string) => v };
async function run(c: pg.Client, sql: string): Promise<{ rows?: string[]; code?: string; message?: string }> {
  if (process.env['DFN_LATERAL_TRACE']) appendFileSync(process.env['DFN_LATERAL_TRACE'], `${c === t.ours ? 'definite' : 'postgres'}: ${sql}\n`);
  try {
    const res = await c.query({ text: sql, rowMode: 'array', types: raw });
    return { rows: (res.rows as unknown[][]).map((row) => JSON.stringify(row)).sort() };
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  }
}


beforeAll(async () => {
  await both(t, 'CREATE TABLE t (id int, a int, n int, b int)');
  await both(t, "CREATE VIEW ta AS SELECT id, a, n, CASE WHEN b IS NULL THEN NULL WHEN b = 0 THEN '{}'::int[] WHEN b = 1 THEN ARRAY[a] ELSE ARRAY[a, n, b - 2] END AS arr FROM t");
  await both(t, 'CREATE TABLE u (k int, v int, s text)');
  await both(t, `INSERT INTO t VALUES ${Array.from({ length: 14 }, tRow).join(', ')}`);
  await both(t, `INSERT INTO u VALUES ${Array.from({ length: 18 }, uRow).join(', ')}`);
});

const QUERIES = [
  // LATERAL subqueries
  'SELECT t.id, s.v FROM t, LATERAL (SELECT u.v FROM u WHERE u.k = t.a) s',
  'SELECT t.id, s.v, s.s FROM t CROSS JOIN LATERAL (SELECT v, s FROM u WHERE u.k = t.a ORDER BY v DESC NULLS LAST, s LIMIT 2) s',
  'SELECT t.id, s.c, s.sv, s.mx FROM t LEFT JOIN LATERAL (SELECT count(*) AS c, sum(v) AS sv, max(s) AS mx FROM u WHERE u.k = t.a) s ON true',
  'SELECT t.id, s.c FROM t, LATERAL (SELECT count(v) AS c FROM u WHERE u.v > t.n) s',
  'SELECT t.id, s.v FROM t LEFT JOIN LATERAL (SELECT v FROM u WHERE u.k = t.a AND u.v > t.n) s ON true',
  'SELECT t.id, s.v FROM t LEFT JOIN LATERAL (SELECT v FROM u WHERE u.k = t.a) s ON s.v > 2',
  'SELECT t.id, s.v FROM t LEFT JOIN LATERAL (SELECT v FROM u WHERE u.k = t.a) s ON s.v > t.n',
  'SELECT t.id, s.v FROM t JOIN LATERAL (SELECT v FROM u WHERE u.k = t.a) s ON s.v < t.n',
  'SELECT t.id, s.v FROM t, LATERAL (SELECT DISTINCT v FROM u WHERE u.k >= t.a) s',
  'SELECT t.id, s.k, s.m FROM t, LATERAL (SELECT k, max(v) AS m FROM u WHERE u.v < t.n GROUP BY k) s',
  'SELECT t.id, s.k, s.c FROM t, LATERAL (SELECT k, count(*) AS c FROM u WHERE u.v <= t.n GROUP BY k HAVING count(*) > 1) s',
  'SELECT t.id, s.k, s.v FROM t, LATERAL (SELECT DISTINCT ON (k) k, v FROM u WHERE u.v >= t.n ORDER BY k, v) s',
  'SELECT t.id, s.x, s.y FROM ta t, LATERAL (SELECT x, x * t.a AS y FROM unnest(ARRAY[t.a, t.n, 2]) x WHERE x > t.n) s',
  'SELECT t.id, s.c FROM t, LATERAL (SELECT count(*) AS c FROM u WHERE u.k = t.a AND EXISTS (SELECT 1 FROM u u2 WHERE u2.v = u.v + t.n)) s',
  'SELECT t.id, s.w FROM t, LATERAL (SELECT t.a + t.n AS w) s',
  'SELECT t1.id, s.id FROM t t1 JOIN LATERAL (SELECT t2.id FROM t t2 WHERE t2.a = t1.n) s ON s.id > t1.id',
  'SELECT t.id, s.v, s2.v FROM t, LATERAL (SELECT v FROM u WHERE u.k = t.a) s, LATERAL (SELECT v FROM u WHERE u.v = s.v + 1 LIMIT 1) s2',
  'SELECT t.id, s.v FROM t, LATERAL (SELECT v FROM u WHERE u.k = t.a ORDER BY v NULLS FIRST OFFSET 1) s',
  'SELECT t.id, s.v FROM t, LATERAL (SELECT v FROM u WHERE u.k IS NOT DISTINCT FROM t.a) s',
  'SELECT t.id, s.one FROM t, LATERAL (SELECT 1 AS one) s',
  // functions in FROM over earlier items
  'SELECT t.id, g FROM t, generate_series(1, t.n) g',
  'SELECT t.id, g FROM t LEFT JOIN LATERAL generate_series(1, t.n) g ON true',
  'SELECT t.id, g FROM t LEFT JOIN LATERAL generate_series(t.a, t.n) g ON g > 1',
  'SELECT t.id, g FROM t, LATERAL generate_series(t.n, t.a, -1) AS g',
  'SELECT t.id, x FROM ta t, unnest(t.arr) x',
  'SELECT t.id, x FROM ta t LEFT JOIN LATERAL unnest(t.arr) x ON true',
  'SELECT t.id, x, g FROM ta t LEFT JOIN LATERAL ROWS FROM (unnest(t.arr), generate_series(2, t.n)) z(x, g) ON true',
  'SELECT t.id, x FROM ta t, unnest(t.arr) AS q(x) WHERE x IS NOT NULL',
  'SELECT t.id, z.g, z.e, z.o FROM ta t, ROWS FROM (generate_series(1, t.n), unnest(t.arr)) WITH ORDINALITY z(g, e, o)',
  'SELECT t.id, x, o FROM ta t, unnest(t.arr) WITH ORDINALITY AS q(x, o)',
  'SELECT g, e FROM ROWS FROM (generate_series(1, 3), unnest(ARRAY[5, 6, 7, 8])) AS z(g, e)',
  'SELECT u.k, g FROM u, generate_series(u.k, 3) g WHERE g <> u.v',
  // set-returning functions in the select list
  'SELECT id, generate_series(1, n) FROM t',
  'SELECT id, unnest(arr), generate_series(0, n) FROM ta',
  'SELECT id, generate_series(a, n, 2) FROM t',
  'SELECT id, generate_series(n, a, -1) FROM t',
  'SELECT DISTINCT unnest(arr) FROM ta',
  'SELECT id, unnest(arr) + 1, n FROM ta WHERE n > 1',
  'SELECT generate_series(1, 2) + generate_series(1, 3)',
  'SELECT id, (information_schema._pg_expandarray(arr)).x, (information_schema._pg_expandarray(arr)).n FROM ta',
  'SELECT r.id, (r.e).x, (r.e).n FROM (SELECT id, information_schema._pg_expandarray(arr) AS e FROM ta) r WHERE (r.e).x > 1',
  'SELECT id, unnest(arr) AS x FROM ta ORDER BY id, x LIMIT 7',
];

test('LATERAL, functions over earlier items and set-returning functions in the select list answer as PostgreSQL', async () => {
  const diffs: string[] = [];
  for (const sql of QUERIES) {
    const [want, got] = [await run(t.oracle, sql), await run(t.ours, sql)];
    expect({ sql, code: want.code }).toEqual({ sql, code: undefined });
    if (JSON.stringify(want.rows) !== JSON.stringify(got.rows)) diffs.push(`${sql}\n  postgres ${JSON.stringify(want.rows)}\n  definite ${JSON.stringify(got.rows ?? got.message)}`);
  }
  expect(diffs).toEqual([]);
});

const ERRORS: Array<[string, string]> = [
  ['SELECT * FROM t RIGHT JOIN LATERAL (SELECT t.a) s ON true', '42P10'],
  ['SELECT * FROM t FULL JOIN LATERAL generate_series(1, t.n) g ON true', '42P10'],
  ['SELECT * FROM t, (SELECT t.a) s', '42P01'],
  ['SELECT generate_series(1, 3, 0)', '22023'],
  ['SELECT id, generate_series(1, n, 0) FROM t', '22023'],
  ['SELECT * FROM t, generate_series(1, t.n, 0) g', '22023'],
  ['SELECT count(generate_series(1, 2))', '0A000'],
  ['SELECT * FROM t, unnest(t.a) x', '42883'],
  ['SELECT (information_schema._pg_expandarray(arr)).y FROM ta', '42703'],
];

// A per-row subquery over an outer array column: decorrelated over the distinct arrays (arrays are
// values in COMPUTE since 2026-12-07; before, this was refused with 0A000), from the view and from
// a table that stores the arrays.
const OVER_ARRAYS = [
  'SELECT t.id, s.x FROM ta t, LATERAL (SELECT x FROM unnest(t.arr) x WHERE x > t.n) s',
  'SELECT t.id, x FROM ta t LEFT JOIN LATERAL unnest(t.arr) x ON x > 1',
  'SELECT t.id, s.c FROM tas t, LATERAL (SELECT count(*) AS c FROM unnest(t.arr) x WHERE x >= t.a) s',
  'SELECT t.id, x FROM tas t LEFT JOIN LATERAL unnest(t.arr) x ON x > 1',
  'SELECT arr, count(*) FROM tas GROUP BY arr',
];

test('a LATERAL subquery over an outer array column answers as PostgreSQL', async () => {
  await both(t, 'CREATE TABLE tas (id int, a int, n int, arr int[])');
  await both(t, 'INSERT INTO tas SELECT id, a, n, arr FROM ta');
  for (const sql of OVER_ARRAYS) {
    const [want, got] = [await run(t.oracle, sql), await run(t.ours, sql)];
    expect({ sql, rows: got.rows ?? got.message }).toEqual({ sql, rows: want.rows });
  }
});

test('wrong input gives the SQLSTATE PostgreSQL gives', async () => {
  for (const [sql, code] of ERRORS) {
    const [want, got] = [await run(t.oracle, sql), await run(t.ours, sql)];
    expect({ sql, want: want.code, got: got.code }).toEqual({ sql, want: code, got: code });
  }
});

const VIEWS = [
  'SELECT t.id, s.v, s.s FROM t CROSS JOIN LATERAL (SELECT v, s FROM u WHERE u.k = t.a ORDER BY v DESC NULLS LAST, s LIMIT 2) s',
  'SELECT t.id, s.c, s.sv FROM t LEFT JOIN LATERAL (SELECT count(*) AS c, sum(v) AS sv FROM u WHERE u.k = t.a) s ON true',
  'SELECT t.id, s.v FROM t LEFT JOIN LATERAL (SELECT v FROM u WHERE u.k = t.a AND u.v > t.n) s ON true',
  'SELECT t.id, g FROM t, generate_series(1, t.n) g',
  'SELECT t.id, x FROM ta t LEFT JOIN LATERAL unnest(t.arr) x ON true',
  'SELECT id, unnest(arr), generate_series(0, n) FROM ta',
];

test('materialized views over LATERAL follow random writes as PostgreSQL', async () => {
  for (const [i, v] of VIEWS.entries()) {
    await t.ours.query(`CREATE MATERIALIZED VIEW lv${i} AS ${v}`);
    await t.oracle.query(`CREATE VIEW lv${i} AS ${v}`);
  }
  const compare = async (round: number) => {
    for (const i of VIEWS.keys()) {
      const sql = `SELECT * FROM lv${i}`;
      const [want, got] = [await run(t.oracle, sql), await run(t.ours, sql)];
      expect({ round, view: VIEWS[i], rows: got.rows ?? got.message }).toEqual({ round, view: VIEWS[i], rows: want.rows });
    }
  };
  await compare(0);
  for (let round = 1; round <= 5; round++) {
    const writes = [
      `INSERT INTO t VALUES ${Array.from({ length: 3 }, tRow).join(', ')}`,
      `INSERT INTO u VALUES ${Array.from({ length: 3 }, uRow).join(', ')}`,
      `DELETE FROM t WHERE id % 7 = ${Math.floor(r() * 7)}`,
      `DELETE FROM u WHERE k = ${Math.floor(r() * 5)} AND v = ${Math.floor(r() * 6)}`,
      `UPDATE t SET n = ${small()} WHERE id % 5 = ${Math.floor(r() * 5)}`,
      `UPDATE u SET v = ${small()} WHERE s = ${pick(["'a'", "'b'", "'c'"])}`,
      `UPDATE t SET b = ${small()} WHERE id % 4 = ${Math.floor(r() * 4)}`,
    ];
    for (const w of writes) await both(t, w);
    await compare(round);
  }
});
