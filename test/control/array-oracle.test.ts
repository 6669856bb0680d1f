/**
 * One-dimensional arrays against PostgreSQL 15 (the oracle, 127.0.0.1:5432): the same
 * expressions over pgwire in both, text outputs and SQLSTATEs compared: ARRAY[...], '{...}'
 * casts and text output (quoting, NULL), subscripts, = ANY / <> ALL with NULLs, array_to_string,
 * array_lower / array_upper / array_length / cardinality; then over a table: array_agg,
 * ARRAY (subquery) uncorrelated and correlated, x = ANY (ARRAY (subquery)); the type OIDs of
 * array columns in RowDescription.
 */
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { setupNats, type TestNats } from '../helpers/nats.js';
import { pgwirePort, startPlatform, type TestPlatform } from '../helpers/platform.js';

const region = 'arroracle';
let nats: TestNats;
let p: TestPlatform;
let ours: pg.Client;
let oracle: pg.Client;

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  ours = new pg.Client({ host: '127.0.0.1', port: await pgwirePort(p), user: 'materialize', database: 'materialize' });
  await ours.connect();
  oracle = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  await oracle.connect();
  await oracle.query('DROP SCHEMA IF EXISTS arroracle CASCADE');
  await oracle.query('CREATE SCHEMA arroracle');
  await oracle.query('SET search_path = arroracle');
  for (const c of [ours, oracle]) {
    await c.query('CREATE TABLE g (k int, v int, s text)');
    await c.query("INSERT INTO g VALUES (1, 3, 'c'), (1, 1, 'a b'), (1, NULL, NULL), (2, 5, 'x'), (3, NULL, 'NULL')");
    await c.query('CREATE TABLE o (k int)');
    await c.query('INSERT INTO o VALUES (1), (2), (4), (NULL)');
  }
});
afterAll(async () => {
  await oracle?.query('DROP SCHEMA IF EXISTS arroracle CASCADE');
  await oracle?.end();
  await ours?.end();
  await p?.cleanup();
  await nats?.cleanup();
});

const raw = { getTypeParser: () => (v: string) => v };
async function run(c: pg.Client, sql: string): Promise<{ rows?: unknown[][]; types?: number[]; code?: string }> {
  try {
    const r = await c.query({ text: sql, rowMode: 'array', types: raw });
    return { rows: r.rows as unknown[][], types: r.fields.map((f) => f.dataTypeID) };
  } catch (e) {
    return { code: (e as { code?: string }).code };
  }
}

const EXPRESSIONS = [
  'ARRAY[1, 2, 3]', "ARRAY['a', 'b c', NULL, '', 'NULL', 'q\"x', 'back\\\\slash', '{}', 'a,b']", 'ARRAY[1, NULL]', 'ARRAY[1, 2.5]',
  "ARRAY[true, false]", "ARRAY[1::smallint, 2::smallint]", "ARRAY[9007199254740991]", 'ARRAY[1.5::float8, 2]',
  "'{1,2,3}'::int[]", "'{}'::int[]", "'{ 1 , 2 }'::int4[]", "'{NULL,1}'::int[]", "'{\"a b\",c,NULL,\"NULL\"}'::text[]", "'{a,  b c  }'::text[]",
  "'{1,2}'::int2[]", "'{1,2}'::bigint[]", "'{t,f}'::bool[]", "'{1.5,2}'::numeric[]",
  "'{1,x}'::int[]", "'1,2'::int[]", "'{1,2'::int[]", "'{99999}'::int2[]",
  '(ARRAY[10, 20, 30])[2]', '(ARRAY[10, 20, 30])[0]', '(ARRAY[10, 20, 30])[4]', '(ARRAY[10, 20, 30])[NULL]', "('{a,b}'::text[])[1]",
  '1 = ANY (ARRAY[1, 2])', '3 = ANY (ARRAY[1, 2])', '3 = ANY (ARRAY[1, NULL])', '1 = ANY (ARRAY[1, NULL])', 'NULL::int = ANY (ARRAY[1])',
  "NULL::int = ANY ('{}'::int[])", "1 = ANY ('{}'::int[])", '1 = ANY (NULL::int[])', "1 = ANY ('{1,2}')", "'a' = ANY ('{a,b}')",
  '3 <> ALL (ARRAY[1, 2])', '1 <> ALL (ARRAY[1, 2])', '3 <> ALL (ARRAY[1, NULL])', "3 <> ALL ('{}'::int[])", '2 < ALL (ARRAY[3, 4])', '2 > ANY (ARRAY[3, 1])',
  '2::bigint = ANY (ARRAY[1, 2])', '2 = ANY (ARRAY[1::bigint, 2])',
  "array_to_string(ARRAY[1, 2, 3], ',')", "array_to_string(ARRAY['a', NULL, 'c'], '-')", "array_to_string(ARRAY['a', NULL, 'c'], '-', '*')",
  "array_to_string('{}'::text[], ',')", "array_to_string(NULL::int[], ',')", "array_to_string(ARRAY[true, false], '')",
  'array_upper(ARRAY[1, 2, 3], 1)', 'array_lower(ARRAY[1, 2, 3], 1)', 'array_length(ARRAY[1, 2, 3], 1)', 'array_upper(ARRAY[1, 2, 3], 2)',
  "array_upper('{}'::int[], 1)", "array_length('{}'::int[], 1)", 'cardinality(ARRAY[1, 2, 3])', "cardinality('{}'::int[])",
  "ARRAY[1, 2] = '{1,2}'", "ARRAY[1, 2] < ARRAY[1, 3]", "ARRAY[1] < ARRAY[1, 0]", "ARRAY[1, NULL] = ARRAY[1, NULL]", "ARRAY[1, 2]::text", "'{0}'::int[] = '{0}'",
];

test('array expressions print as in PostgreSQL (values, NULLs, SQLSTATEs)', async () => {
  const diffs: string[] = [];
  const failed: string[] = [];
  for (const e of EXPRESSIONS) {
    const sql = `SELECT ${e}`;
    const [want, got] = [await run(oracle, sql), await run(ours, sql)];
    if (want.code) failed.push(`${e}: ${want.code}`);
    if (JSON.stringify(want.rows ?? want.code) !== JSON.stringify(got.rows ?? got.code)) diffs.push(`${sql}: postgres ${JSON.stringify(want.rows ?? want.code)}, definite ${JSON.stringify(got.rows ?? got.code)}`);
  }
  expect(diffs).toEqual([]);
  // Only the malformed literals fail (in both).
  expect(failed).toEqual(["'{1,x}'::int[]: 22P02", "'1,2'::int[]: 22P02", "'{1,2'::int[]: 22P02", "'{99999}'::int2[]: 22003"]);
});

test('what definite does not have is 0A000, not another answer: multidimensional arrays, slices', async () => {
  for (const e of ["'{{1,2},{3,4}}'::int[]", 'ARRAY[ARRAY[1], ARRAY[2]]', '(ARRAY[1, 2, 3])[1:2]']) {
    expect((await run(oracle, `SELECT ${e}`)).rows).toHaveLength(1);
    expect((await run(ours, `SELECT ${e}`)).code).toBe('0A000');
  }
});

test('array columns have Postgres\' type OIDs in RowDescription', async () => {
  const sql = "SELECT ARRAY[1], ARRAY[1::smallint], ARRAY[1::bigint], ARRAY['a'], ARRAY[true], ARRAY[1.5], ARRAY[1.5::float8]";
  const [want, got] = [await run(oracle, sql), await run(ours, sql)];
  expect(got.types).toEqual(want.types);
  expect(got.types).toEqual([1007, 1005, 1016, 1009, 1000, 1231, 1022]);
});

const QUERIES = [
  'SELECT k, array_agg(v ORDER BY v) FROM g GROUP BY k ORDER BY k',
  'SELECT k, array_agg(s ORDER BY s DESC) FROM g GROUP BY k ORDER BY k',
  'SELECT array_agg(v ORDER BY v) FROM g WHERE k > 10',
  'SELECT ARRAY(SELECT v FROM g WHERE v IS NOT NULL ORDER BY 1)',
  'SELECT ARRAY(SELECT v FROM g WHERE k > 10)',
  'SELECT k, ARRAY(SELECT g.v FROM g WHERE g.k = o.k ORDER BY 1) FROM o ORDER BY k',
  'SELECT k, ARRAY(SELECT g.s FROM g WHERE g.k = o.k ORDER BY g.s DESC) FROM o ORDER BY k',
  "SELECT k, array_to_string(ARRAY(SELECT g.s FROM g WHERE g.k = o.k AND g.s IS NOT NULL ORDER BY 1), ',') FROM o ORDER BY k",
  'SELECT k FROM o WHERE k = ANY (ARRAY[1, 4]) ORDER BY k',
  'SELECT k FROM o WHERE k <> ALL (ARRAY[1, 4]) ORDER BY k',
  'SELECT k, v, v = ANY (ARRAY(SELECT o.k FROM o)) FROM g ORDER BY k, v',
  'SELECT k, (array_agg(v ORDER BY v))[1], cardinality(array_agg(v ORDER BY v)) FROM g GROUP BY k ORDER BY k',
  'SELECT u FROM unnest(ARRAY[3, NULL, 1]) u ORDER BY u',
  "SELECT * FROM unnest('{a,\"b c\"}'::text[]) ORDER BY 1",
  'SELECT k, (SELECT sum(n) FROM generate_series(1, o.k) n) FROM o ORDER BY k',
  'SELECT k, (SELECT count(*) FROM unnest(ARRAY[o.k, o.k + 1, NULL]) u) FROM o ORDER BY k',
  "SELECT k, (SELECT string_agg(g.s, ',' ORDER BY g.s) FROM generate_series(0, o.k) n, g WHERE g.v = n) FROM o ORDER BY k",
  // A subquery in the select list of a correlated subquery (psql's \\dp policy query has one),
  // reading the correlated subquery's columns and the outer query's.
  "SELECT k, array_to_string(ARRAY(SELECT g.s || ':' || array_to_string(ARRAY(SELECT h.v FROM g h WHERE h.k = g.k AND h.v IS NOT NULL ORDER BY 1), ',') FROM g WHERE g.k = o.k AND g.s IS NOT NULL ORDER BY 1), ';') FROM o ORDER BY k",
  'SELECT k, ARRAY(SELECT ARRAY(SELECT h.v FROM g h WHERE h.v > o.k AND h.k = g.k ORDER BY 1)::text FROM g WHERE g.k = o.k ORDER BY 1) FROM o ORDER BY k',
];

test('a table with array columns stores and returns them as PostgreSQL', async () => {
  for (const c of [ours, oracle]) {
    await c.query('CREATE TABLE ta (id int, a int[], t text[])');
    await c.query("INSERT INTO ta VALUES (1, '{1,2,NULL}', '{\"a b\",NULL,\"\"}'), (2, ARRAY[3], ARRAY['x']), (3, NULL, '{}')");
  }
  for (const sql of ['SELECT * FROM ta ORDER BY id', 'SELECT id, a[2], cardinality(t), 2 = ANY (a) FROM ta ORDER BY id', 'SELECT id FROM ta WHERE a = ARRAY[3]']) {
    const [want, got] = [await run(oracle, sql), await run(ours, sql)];
    expect(want.code).toBeUndefined();
    expect([sql, got.rows]).toEqual([sql, want.rows]);
  }
  // COPY FROM STDIN (psql) reads array columns in their text form; COPY TO STDOUT writes it.
  const copyIn = 'COPY ta FROM STDIN;\n5\t{7,NULL,8}\t{"q r",\\N,s}\n6\t\\N\t{}\n\\.\nCOPY (SELECT * FROM ta ORDER BY id) TO STDOUT;\n';
  const viaPsql = (port: number, user: string, db: string) => {
    const r = spawnSync('psql', ['-X', '-q', '-h', '127.0.0.1', '-p', String(port), '-U', user, ...(db === 'test' ? ['-c', 'SET search_path = arroracle', '-f', '-'] : []), db], { input: copyIn, encoding: 'utf8' });
    return { stdout: r.stdout, stderr: r.stderr };
  };
  const [wantCopy, gotCopy] = [viaPsql(5432, 'postgres', 'test'), viaPsql(await pgwirePort(p), 'materialize', 'materialize')];
  expect(wantCopy.stderr).toBe('');
  expect(gotCopy).toEqual(wantCopy);
  // Inside a field, COPY's \N is an escaped N (only a whole field \N is NULL), in Postgres too.
  expect(gotCopy.stdout).toContain('5\t{7,NULL,8}\t{"q r",N,s}\n');
  const bad = "INSERT INTO ta VALUES (4, '{x}', '{}')";
  expect((await run(ours, bad)).code).toBe((await run(oracle, bad)).code);
});

/** Maintained: a materialized view (PostgreSQL: a view) over g and o, after writes to both. */
const VIEW = `SELECT k, ARRAY(SELECT g.v FROM g WHERE g.k = o.k ORDER BY 1) AS vs,
  (SELECT string_agg(g.s, ',' ORDER BY g.s) FROM generate_series(0, o.k) n, g WHERE g.v = n) AS ss,
  (SELECT count(*) FROM unnest(ARRAY[o.k, 2, NULL]) u WHERE u = ANY (ARRAY[1, 2])) AS c,
  o.k = ANY (ARRAY(SELECT g.k FROM g)) AS isk FROM o`;

test('a materialized view with ARRAY (subquery), correlated generate_series and unnest follows writes as PostgreSQL', async () => {
  await ours.query(`CREATE MATERIALIZED VIEW mv AS ${VIEW}`);
  await oracle.query(`CREATE VIEW mv AS ${VIEW}`);
  const compare = async () => {
    const sql = 'SELECT * FROM mv ORDER BY k';
    const [want, got] = [await run(oracle, sql), await run(ours, sql)];
    expect(want.code).toBeUndefined();
    expect(got.rows).toEqual(want.rows);
  };
  await compare();
  for (const w of ["INSERT INTO g VALUES (2, 2, 'y'), (4, 0, 'z'), (2, NULL, 'w')", 'DELETE FROM g WHERE v = 1', 'INSERT INTO o VALUES (3), (0)', "UPDATE g SET v = 4 WHERE s = 'x'", 'DELETE FROM o WHERE k = 1']) {
    for (const c of [ours, oracle]) await c.query(w);
    await compare();
  }
});

test('array_agg, ARRAY (subquery) and ANY over tables answer as PostgreSQL', async () => {
  const diffs: string[] = [];
  for (const sql of QUERIES) {
    const [want, got] = [await run(oracle, sql), await run(ours, sql)];
    expect(want.code).toBeUndefined();
    if (JSON.stringify(want.rows) !== JSON.stringify(got.rows ?? got.code)) diffs.push(`${sql}: postgres ${JSON.stringify(want.rows)}, definite ${JSON.stringify(got.rows ?? got.code)}`);
  }
  expect(diffs).toEqual([]);
});
