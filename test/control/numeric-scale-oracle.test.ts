/**
 * numeric's display scale and exact big values against PostgreSQL 15 (the oracle), over pgwire in
 * both, compared as the text each prints (issue #18): literals with trailing zeros, numeric(p,s)
 * columns and casts, the result scales of + - * / %, round / trunc, sum / avg of numeric(10,2)
 * (one-off and maintained in a materialized view through INSERT / DELETE rounds), 30+ digit
 * values, 1.5 = 1.50 in WHERE, GROUP BY, DISTINCT, joins and ORDER BY, and casts to int / float.
 */
import { both as bothOf, outcome, same as sameOf, usePgPlatform } from './pg-platform.js';

const t = usePgPlatform('numscale', { database: 'definite_numeric_scale_test', fresh: true });

const run = outcome;
const both = (sql: string) => bothOf(t, sql);
const same = (sql: string) => sameOf(t, sql);

test('expressions print as PostgreSQL prints them', async () => {
  const exprs = [
    '1.50', '100::numeric(5,2)', '1.10 + 2.205', '1.10 * 2', '1.10 - 1.1', '2.50 * 1.20', '-1.50', '0.00', '0.0 * 5',
    'round(2.5, 2)', 'round(2.555, 2)', 'round(-2.5)', 'round(1234.5, -2)', 'trunc(2.599, 2)', 'trunc(-2.599, 1)', 'trunc(2.5)', 'trunc(7.25, 4)',
    '12345678901234567890.123::numeric', '12345678901234567890.123 + 1', '123456789012345678901234567890.5 * 2',
    '99999999999999999999999999999999999999 + 1', '1::numeric / 3', '10::numeric / 4', '1.0 / 4', '2 / 3.000', '1::numeric / 7e10',
    '12345678901234567890.123 / 3', '7.50 % 2', '-7.5 % 2.25', '(1.50)::int', '2.5::int', '(-2.5)::int', '1.50::float8', 'abs(-1.50)', 'floor(1.50)',
    'ceil(-1.50)', "'1.500'::numeric", "'  -0.10 '::numeric", "'1e-3'::numeric", '1.5e2', "1.50::text", "(1.50 = 1.5)::text", '1.50 < 1.6',
    '123.45::numeric(4,1)', '99.995::numeric(4,2)', '0.001::numeric(3,2)', '5::numeric(3,-1)', '1.50 + 1.5::float8',
    'greatest(1.50, 1.5, 1.499)', 'coalesce(NULL, 2.50)', "CASE WHEN true THEN 1.50 ELSE 2 END", '1e20::numeric',
  ];
  for (const e of exprs) await same(`SELECT ${e}`);
});

test('numeric(p,s) columns, sum and avg, one-off and maintained through INSERT / DELETE rounds', async () => {
  await both('CREATE TABLE acct (id int, g int, amount numeric(10,2), raw numeric)');
  await both("INSERT INTO acct VALUES (1, 1, 100, 1.5), (2, 1, 2.5, 1.50), (3, 2, 0.1, 2.000), (4, 2, 7, 10)");
  await t.ours.query('CREATE MATERIALIZED VIEW acct_totals AS SELECT g, sum(amount) AS s, avg(amount) AS a, sum(raw) AS r, count(*) AS n FROM acct GROUP BY g');
  await same('SELECT id, amount, raw, amount * 2, amount / 3, raw + amount FROM acct ORDER BY id');
  await same('SELECT g, sum(amount), avg(amount), sum(raw), avg(raw), min(amount), max(amount) FROM acct GROUP BY g ORDER BY g');
  await same('SELECT sum(amount), avg(amount), sum(raw) FROM acct');
  let next = 10;
  for (let round = 0; round < 4; round++) {
    const rows = Array.from({ length: 6 }, (_, i) => `(${next++}, ${(round + i) % 3}, ${(round * 37 + i * 11) % 200}.${(i * 7) % 10}5, ${i}.${'0'.repeat(round)}1)`);
    await both(`INSERT INTO acct VALUES ${rows.join(', ')}`);
    await both(`DELETE FROM acct WHERE id % 5 = ${round}`);
    const ours = await run(t.ours, 'SELECT g, s, a, r, n FROM acct_totals ORDER BY g');
    const theirs = await run(t.oracle, 'SELECT g, sum(amount), avg(amount), sum(raw), count(*) FROM acct GROUP BY g ORDER BY g');
    expect(ours).toEqual(theirs);
  }
});

test('big values stay exact', async () => {
  await both('CREATE TABLE big (k int, v numeric)');
  await both('INSERT INTO big VALUES (1, 123456789012345678901234567890.123456789), (1, 987654321098765432109876543210.9), (2, -0.000000000000000000000000000001)');
  await same('SELECT k, sum(v), avg(v), max(v), min(v) FROM big GROUP BY k ORDER BY k');
  await same('SELECT v * v, v / 7, v::text, round(v, 3) FROM big ORDER BY v');
  await same("SELECT v FROM big WHERE v > 123456789012345678901234567890.1234567 ORDER BY v");
});

test('1.5 and 1.50 are one value in WHERE, GROUP BY, DISTINCT, joins and ORDER BY', async () => {
  await both('CREATE TABLE halves (id int, x numeric)');
  await both('INSERT INTO halves VALUES (1, 1.5), (2, 1.50), (3, 1.500), (4, 2), (5, 2.0), (6, 0.5)');
  await same('SELECT count(*) FROM halves WHERE x = 1.5');
  await same('SELECT id FROM halves WHERE x = 1.50 ORDER BY id');
  await same('SELECT x = 1.5, count(*) FROM halves GROUP BY x ORDER BY 1, 2');
  await same('SELECT count(*) FROM (SELECT DISTINCT x FROM halves) d');
  await same('SELECT count(DISTINCT x) FROM halves');
  await same('SELECT a.id, b.id FROM halves a JOIN halves b ON a.x = b.x WHERE a.id < b.id ORDER BY 1, 2');
  await same('SELECT id FROM halves ORDER BY x, id');
  await same('SELECT count(*) FROM (SELECT x FROM halves UNION SELECT x FROM halves) u');
  // A group of one scale prints that scale.
  await same('SELECT x, count(*) FROM halves WHERE id IN (2, 5, 6) GROUP BY x ORDER BY x');
});

test("numerics in the binary format are numeric_send's bytes", async () => {
  const hex = { getTypeParser: () => (v: Buffer | string) => (Buffer.isBuffer(v) ? v.toString('hex') : `text:${v}`) };
  const values = ['1.50', '0', '0.00', '-0.001', '10000', '12345678901234567890.123', '-99999999.9999', '0.00010', '1e20', '123456.7'];
  for (const v of values) {
    const sql = `SELECT ${v}::numeric`;
    const q = { text: sql, rowMode: 'array' as const, binary: true, types: hex };
    const [ours, theirs] = [(await t.ours.query(q)).rows, (await t.oracle.query(q)).rows];
    expect({ sql, ours }).toEqual({ sql, ours: theirs });
  }
});
