/**
 * WITH RECURSIVE against PostgreSQL 15 (the oracle, test/helpers/postgres.ts) over pgwire: the same
 * queries in both on the same random graph (an `edges` table with cycles), results compared as
 * multisets of text rows, SELECTs both as transient dataflows and over an index (the evaluate
 * route); refusals compared by SQLSTATE; then materialized views (PostgreSQL: views) of
 * reachability after random INSERT / DELETE rounds, deletes that break cycles included.
 */
import type pg from 'pg';
import { SeededRandom } from '../../runtime/random.js';
import { both, usePgPlatform } from './pg-platform.js';

const region = 'recoracle';
const t = usePgPlatform(region, { database: 'recursive_oracle', fresh: true });

const rng = new SeededRandom(Number(process.env['DFN_RECURSIVE_SEED'] ?? 1807));
const r = () => rng.next();
const node = () => 1 + Math.floor(r() * 8);
const edge = () => `(${node()}, ${node()})`;

const raw = { getTypeParser: () => (v: string) => v };
async function run(c: pg.Client, sql: string): Promise<{ rows?: string[]; code?: string; message?: string }> {
  try {
    const res = await c.query({ text: sql, rowMode: 'array', types: raw });
    return { rows: (res.rows as unknown[][]).map((row) => JSON.stringify(row)).sort() };
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  }
}


const REACH = 'WITH RECURSIVE reach(a, b) AS (SELECT a, b FROM edges UNION SELECT r.a, e.b FROM reach r JOIN edges e ON r.b = e.a)';

beforeAll(async () => {
  await both(t, 'CREATE TABLE edges (a int, b int)');
  // a cycle 1 -> 2 -> 3 -> 1 for sure, then random edges (duplicates and self-loops too)
  await both(t, `INSERT INTO edges VALUES (1, 2), (2, 3), (3, 1), ${Array.from({ length: 9 }, edge).join(', ')}`);
});

const QUERIES = [
  `${REACH} SELECT a, b FROM reach`,
  `${REACH} SELECT a, count(*) FROM reach GROUP BY a`,
  'WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM t WHERE n < 100) SELECT sum(n) FROM t',
  'WITH RECURSIVE t(n) AS (SELECT 1 UNION SELECT (n * 3) % 7 FROM t) SELECT n FROM t',
  'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT (n * 3) % 7 FROM t WHERE n <> 5) SELECT n FROM t',
  // UNION ALL: every path of at most 3 edges, with multiplicities
  'WITH RECURSIVE p(a, b, d) AS (SELECT a, b, 1 FROM edges UNION ALL SELECT p.a, e.b, p.d + 1 FROM p JOIN edges e ON p.b = e.a WHERE p.d < 3) SELECT a, b, d FROM p',
  // a non-recursive CTE before, and a recursive CTE over an earlier recursive one
  `WITH RECURSIVE start AS (SELECT 1 AS s), from1(n) AS (SELECT s FROM start UNION SELECT e.b FROM from1 JOIN edges e ON e.a = from1.n),
     twice(n, k) AS (SELECT n, 0 FROM from1 UNION SELECT n * 2, k + 1 FROM twice WHERE k < 2) SELECT n, k FROM twice`,
  // shortest distance from 1 (UNION over (node, depth), then min)
  `WITH RECURSIVE d(n, k) AS (SELECT 1, 0 UNION SELECT e.b, d.k + 1 FROM d JOIN edges e ON e.a = d.n WHERE d.k < 8) SELECT n, min(k) FROM d GROUP BY n`,
  'WITH RECURSIVE f(i, a, b) AS (SELECT 1, 0::bigint, 1::bigint UNION ALL SELECT i + 1, b, a + b FROM f WHERE i < 60) SELECT i, a FROM f',
  "WITH RECURSIVE s(x) AS (SELECT 'a'::text UNION ALL SELECT x || 'b' FROM s WHERE length(x) < 5) SELECT x FROM s",
  // a FROM subquery over the working table, DISTINCT and GROUP BY in the recursive term
  'WITH RECURSIVE t(n) AS (SELECT a FROM edges UNION ALL SELECT DISTINCT n + 1 FROM (SELECT n FROM t) x WHERE n < 10) SELECT n, count(*) FROM t GROUP BY n',
  'WITH RECURSIVE t(n) AS (SELECT a FROM edges UNION ALL SELECT n + 1 FROM t WHERE n < 10 GROUP BY n) SELECT n FROM t',
  // a recursive CTE in a subquery, and a column list renaming a prefix
  `SELECT a, b FROM edges WHERE b IN (WITH RECURSIVE r(n) AS (SELECT 2 UNION SELECT e.b FROM r JOIN edges e ON e.a = r.n) SELECT n FROM r)`,
  'WITH RECURSIVE t(x) AS (SELECT 1, 10 UNION ALL SELECT x + 1, 10 FROM t WHERE x < 4) SELECT * FROM t',
  'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT a.n, b.n FROM t a JOIN t b ON a.n + 1 = b.n',
  // a WITH RECURSIVE whose CTE does not read itself
  'WITH RECURSIVE r AS (SELECT count(*) AS c FROM edges) SELECT c FROM r',
];

async function compareQueries(): Promise<void> {
  const diffs: string[] = [];
  for (const sql of QUERIES) {
    const [want, got] = [await run(t.oracle, sql), await run(t.ours, sql)];
    expect({ sql, code: want.code }).toEqual({ sql, code: undefined });
    if (JSON.stringify(want.rows) !== JSON.stringify(got.rows)) diffs.push(`${sql}\n  postgres ${JSON.stringify(want.rows)}\n  definite ${JSON.stringify(got.rows ?? got.message)}`);
  }
  expect(diffs).toEqual([]);
}

test('WITH RECURSIVE SELECTs answer as PostgreSQL (transient dataflows)', async () => {
  await compareQueries();
});

test('WITH RECURSIVE SELECTs answer as PostgreSQL over an index (the evaluate route)', async () => {
  await both(t, 'CREATE INDEX edges_a ON edges (a)');
  await compareQueries();
  await both(t, 'DROP INDEX edges_a');
});

const ERRORS: Array<[string, string]> = [
  ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT count(*) FROM t) SELECT * FROM t', '42P19'],
  ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT t.n + 1 FROM t, t t2 WHERE t.n < 3) SELECT * FROM t', '42P19'],
  ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT t.n + 1 FROM edges LEFT JOIN t ON true) SELECT * FROM t', '42P19'],
  ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT a FROM edges WHERE a IN (SELECT n FROM t)) SELECT * FROM t', '42P19'],
  ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < (SELECT max(n) FROM t)) SELECT * FROM t', '42P19'],
  ['WITH RECURSIVE t(n) AS (SELECT n FROM t UNION ALL SELECT 1) SELECT * FROM t', '42P19'],
  ['WITH RECURSIVE t(n) AS (SELECT 1 INTERSECT SELECT n FROM t) SELECT * FROM t', '42P19'],
  ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL (SELECT 5 EXCEPT SELECT n FROM t)) SELECT * FROM t', '42P19'],
  ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n::bigint + 1 FROM t WHERE n < 3) SELECT * FROM t', '42804'],
  ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3 ORDER BY 1) SELECT * FROM t', '0A000'],
  ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3 LIMIT 1) SELECT * FROM t', '0A000'],
  ['WITH RECURSIVE t(n, m) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT * FROM t', '42P10'],
  ['WITH RECURSIVE t AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT * FROM t', '42703'],
  ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE 1 / (n - 3) > -5) SELECT * FROM t', '22012'],
];

test('wrong input gives the SQLSTATE PostgreSQL gives', async () => {
  for (const [sql, code] of ERRORS) {
    const [want, got] = [await run(t.oracle, sql), await run(t.ours, sql)];
    expect({ sql, want: want.code, got: got.code }).toEqual({ sql, want: code, got: code });
  }
});

test('a recursion that does not end is a clear error (PostgreSQL would run forever), and changes nothing', async () => {
  const got = await run(t.ours, 'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n FROM t) SELECT count(*) FROM t');
  expect({ code: got.code, message: got.message }).toEqual({ code: '54001', message: expect.stringContaining('recursion limit') });
  const [want, after] = [await run(t.oracle, 'SELECT a, b FROM edges'), await run(t.ours, 'SELECT a, b FROM edges')];
  expect(after.rows).toEqual(want.rows);
});

const VIEWS = [
  `${REACH} SELECT a, b FROM reach`,
  'WITH RECURSIVE from1(n) AS (SELECT 1 UNION SELECT e.b FROM from1 JOIN edges e ON e.a = from1.n) SELECT n FROM from1',
  'WITH RECURSIVE p(a, b, d) AS (SELECT a, b, 1 FROM edges UNION ALL SELECT p.a, e.b, p.d + 1 FROM p JOIN edges e ON p.b = e.a WHERE p.d < 3) SELECT a, b, d FROM p',
  `${REACH} SELECT a, count(*) AS c FROM reach GROUP BY a`,
];

test('materialized views of recursive queries follow random inserts and deletes as PostgreSQL, cycle-breaking deletes included', async () => {
  for (const [i, v] of VIEWS.entries()) {
    await t.ours.query(`CREATE MATERIALIZED VIEW rv${i} AS ${v}`);
    await t.oracle.query(`CREATE VIEW rv${i} AS ${v}`);
  }
  const compare = async (round: number, what: string) => {
    for (const i of VIEWS.keys()) {
      const sql = `SELECT * FROM rv${i}`;
      const [want, got] = [await run(t.oracle, sql), await run(t.ours, sql)];
      expect({ round, what, view: VIEWS[i], rows: got.rows ?? got.message }).toEqual({ round, what, view: VIEWS[i], rows: want.rows });
    }
  };
  await compare(0, 'initial');
  for (let round = 1; round <= 8; round++) {
    const writes = [
      `INSERT INTO edges VALUES ${Array.from({ length: 1 + Math.floor(r() * 3) }, edge).join(', ')}`,
      // an edge of the 1 -> 2 -> 3 -> 1 cycle, when there: the classic failure of naive incremental recursion
      `DELETE FROM edges WHERE ${pick(['a = 1 AND b = 2', 'a = 2 AND b = 3', 'a = 3 AND b = 1'])}`,
      `DELETE FROM edges WHERE a = ${node()} AND b > ${node()}`,
      round % 3 === 0 ? 'INSERT INTO edges VALUES (1, 2), (2, 3), (3, 1)' : `INSERT INTO edges VALUES ${edge()}`,
    ];
    for (const w of writes) {
      await both(t, w);
      await compare(round, w);
    }
  }
});

function pick<T>(xs: T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}
