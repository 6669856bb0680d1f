/**
 * Postgres' string and math functions of protocol/compute/text-scalar.ts (lpad, rpad, trims with
 * a set of characters, repeat, left, right, reverse, initcap, ascii, chr, split_part, translate,
 * trunc, log, div, pi), over pgwire against PostgreSQL (test/helpers/postgres.ts): the same
 * expressions as constants and over a table's rows (NULLs included), text outputs compared, and
 * their errors' SQLSTATEs. Not compared (known gaps, docs/sql.md): numeric display scale
 * (Postgres prints trunc(4 * 1.25, 1) as 5.0, definite 5).
 */
import type pg from 'pg';
import { usePgPlatform } from './pg-platform.js';

const t = usePgPlatform('textfns', { database: 'definite_text_functions_test', fresh: true });
let ours: pg.Client;
let oracle: pg.Client;
beforeAll(() => ({ ours, oracle } = t));

const raw = { getTypeParser: () => (v: string) => v };
async function answer(c: pg.Client, sql: string): Promise<unknown> {
  try {
    const rows = (await c.query({ text: sql, rowMode: 'array', types: raw })).rows as unknown[][];
    return rows.map((r) => JSON.stringify(r)).sort();
  } catch (e) {
    return `error ${(e as { code?: string }).code}`;
  }
}

const CONSTANT = [
  "SELECT lpad('7', 3, '0'), rpad('ab', 4, 'x'), repeat('ab', 3), repeat('x', 0), repeat('x', -2)",
  "SELECT lpad('hello', 2), rpad('hello', 2), lpad('ab', 5, 'xyz'), rpad('ab', 6, 'xyz'), lpad('ab', 5, ''), lpad('ab', -1), lpad('é', 3, 'ü')",
  "SELECT ltrim('xxa', 'x'), btrim('xax', 'x'), rtrim('axyxy', 'yx'), ltrim('  a'), rtrim('a  '), btrim('  a  '), btrim('abc', '')",
  "SELECT trim(both 'x' from 'xxaxx'), trim(leading 'x' from 'xxaxx'), trim(trailing 'x' from 'xxaxx'), trim(both from '  a ')",
  "SELECT left('héllo', 2), right('héllo', 2), left('hello', -2), right('hello', -2), left('hi', 9), right('hi', -9), reverse('héllo')",
  "SELECT initcap('hello wORLD foo-bar 3rd x_y'), ascii('A'), ascii(''), ascii('é'), chr(233), chr(65)",
  "SELECT split_part('a,b,c', ',', 2), split_part('a,b,c', ',', -1), split_part('a,b,c', ',', 5), split_part('abc', '', 1), split_part('a--b', '--', 2)",
  "SELECT translate('12345', '143', 'ax'), translate('hello', 'l', 'L'), translate('abc', '', 'x')",
  'SELECT trunc(-1.5), trunc(2.789, 2), trunc(-2.789, 1), trunc(1234.5, -2), trunc(7.9::float8), trunc(-1.5::float8)',
  'SELECT log(100), log10(1000::float8), pi(), div(-7, 2), div(7, 2), div(9, 3)',
  'SELECT chr(0)',
  'SELECT chr(-1)',
  "SELECT split_part('a', ',', 0)",
  'SELECT log(0)',
  'SELECT log(-1::float8)',
  "SELECT lpad(1, 3)",
];

const OVER_ROWS = [
  "SELECT x, lpad(x, n, '*'), rpad(x, n), left(x, n), right(x, n), repeat(x, n) FROM words",
  "SELECT x, split_part(x, 'b', n), translate(x, 'ab', 'A'), initcap(x), reverse(x), ascii(x) FROM words",
  "SELECT x, btrim(x, 'a'), ltrim(x, 'ab'), rtrim(x, 'b') FROM words",
  'SELECT n, trunc(n * 1.25), trunc(n * 1.3, 1), trunc((n / 3.0)::float8), div(n, 3), log(abs(n) + 1) FROM words',
];

test('constant calls answer as PostgreSQL does, errors with its SQLSTATE', async () => {
  for (const sql of CONSTANT) expect([sql, await answer(ours, sql)]).toEqual([sql, await answer(oracle, sql)]);
});

test('calls over a table\'s rows, NULLs included, answer as PostgreSQL does', async () => {
  const ddl = 'CREATE TABLE words (x text, n int)';
  const rows = "INSERT INTO words VALUES ('abba', 2), ('b', 5), ('', 1), ('ab ba', 3), (NULL, 2), ('abc', NULL), ('Ünïcode', 4), ('a', -3)";
  for (const c of [ours, oracle]) {
    await c.query(ddl);
    await c.query(rows);
  }
  for (const sql of OVER_ROWS) expect([sql, await answer(ours, sql)]).toEqual([sql, await answer(oracle, sql)]);
  // And maintained: as a materialized view.
  await ours.query(`CREATE MATERIALIZED VIEW words_v AS ${OVER_ROWS[0]}`);
  await ours.query("INSERT INTO words VALUES ('late', 6)");
  await oracle.query("INSERT INTO words VALUES ('late', 6)");
  expect(await answer(ours, 'SELECT * FROM words_v')).toEqual(await answer(oracle, OVER_ROWS[0]!));
});
