/**
 * SQL types against Postgres' answers (issue #18), end to end on a real platform: integer widths
 * with overflow checks (22003) in one-off SELECTs, in table columns and inside a maintained
 * materialized view; float8 vs numeric rounding; numeric(p,s); bigint past 2^53; the text form of
 * timestamps. Each expectation is what PostgreSQL 15 answers for the same statement.
 */
import { setupNats, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';
import { connectClient, type SqlClient } from './sql-client.js';
import { numericValue, parseDecimal } from '../../protocol/numeric.js';

/** A numeric value as rows carry it (protocol/numeric.ts), from its Postgres text. */
const N = (text: string) => numericValue(parseDecimal(text)!);

const region = 'sqltypes';
let nats: TestNats;
let p: TestPlatform;
let a: SqlClient;

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  a = await connectClient(nats, region);
});
afterAll(async () => {
  await a?.close();
  await p?.cleanup();
  await nats?.cleanup();
});

/** The SQLSTATE and message `sql` fails with. */
async function failure(sql: string): Promise<[string, string]> {
  const err = await a.sqlError(sql);
  return [err.sqlstate, err.message];
}

test('integer arithmetic overflows its type: 22003, as in Postgres', async () => {
  expect(await failure('SELECT 2147483647 + 1')).toEqual(['22003', 'integer out of range']);
  expect(await failure('SELECT -2147483648 - 1')).toEqual(['22003', 'integer out of range']);
  expect(await failure('SELECT 65536 * 65536')).toEqual(['22003', 'integer out of range']);
  expect(await failure('SELECT (-2147483648)::int / -1')).toEqual(['22003', 'integer out of range']);
  expect(await failure('SELECT abs(-2147483648)')).toEqual(['22003', 'integer out of range']);
  expect(await failure('SELECT 32767::int2 + 1::int2')).toEqual(['22003', 'smallint out of range']);
  expect(await failure('SELECT -(-32768::int2)')).toEqual(['22003', 'smallint out of range']);
  expect(await failure('SELECT 32768::int2')).toEqual(['22003', 'smallint out of range']);
  expect(await failure('SELECT 2147483648::int4')).toEqual(['22003', 'integer out of range']);
  expect(await failure("SELECT '99999999999'::int")).toEqual(['22003', 'value "99999999999" is out of range for type integer']);
  expect(await failure('SELECT 1e300::float8::int')).toEqual(['22003', 'integer out of range']);
  // Widening keeps the value: int + bigint is bigint, an int literal past int4 is a bigint.
  const r = await a.sql('SELECT 2147483647 + 1::bigint AS b, 2147483648 AS c, -2147483648 AS d, 32767::int2 + 1 AS e');
  expect(r[0]!.rows).toEqual([[2147483648, 2147483648, -2147483648, 32768]]);
  expect(r[0]!.columns!.map((c) => c.type)).toEqual(['bigint', 'bigint', 'int', 'int']);
  expect((await a.sql('SELECT count(*), sum(x) FROM (VALUES (2147483647), (1)) v(x)'))[0]).toMatchObject({
    columns: [{ name: 'count', type: 'bigint' }, { name: 'sum', type: 'bigint' }],
    rows: [[2, 2147483648]],
  });
});

test('integer columns have their width: storing an out-of-range value is 22003 and writes nothing', async () => {
  await a.sql('CREATE TABLE ints (s smallint, i int, b bigint)');
  expect(await failure('INSERT INTO ints VALUES (32768, 0, 0)')).toEqual(['22003', 'smallint out of range']);
  expect(await failure('INSERT INTO ints VALUES (0, 2147483648, 0)')).toEqual(['22003', 'integer out of range']);
  await a.sql('INSERT INTO ints VALUES (32767, 2147483647, 9007199254740991)');
  expect(await failure('UPDATE ints SET i = i + 1')).toEqual(['22003', 'integer out of range']);
  expect(await a.rows('SELECT s, i, b FROM ints')).toEqual([[32767, 2147483647, 9007199254740991]]);
});

// A materialized view keeps its dataflow's evaluation errors beside its data (the collection's
// error column, protocol/error-column.ts): a read of it, or of a view over it, fails with the
// error until the row that caused it goes (it failed before: the read silently omitted the row).
test('a materialized view whose arithmetic overflows after an INSERT errors (22003) until the row goes', async () => {
  await a.sql('CREATE TABLE acc (id int, n int); CREATE MATERIALIZED VIEW acc_next AS SELECT id, n + 1 AS n1 FROM acc');
  await a.sql('INSERT INTO acc VALUES (1, 10)');
  expect(await a.rows('SELECT * FROM acc_next')).toEqual([[1, 11]]);
  await a.sql('INSERT INTO acc VALUES (2, 2147483647)');
  expect(await failure('SELECT * FROM acc_next')).toEqual(['22003', 'integer out of range']);
  expect(await failure('SELECT count(*) FROM acc_next')).toEqual(['22003', 'integer out of range']);
  // A materialized view over it, and an index on it, inherit the error.
  await a.sql('CREATE MATERIALIZED VIEW acc_next2 AS SELECT id FROM acc_next');
  expect(await failure('SELECT * FROM acc_next2')).toEqual(['22003', 'integer out of range']);
  await a.sql('CREATE INDEX acc_next_idx ON acc_next (id)');
  expect(await failure('SELECT * FROM acc_next WHERE id = 1')).toEqual(['22003', 'integer out of range']);
  await a.sql('DELETE FROM acc WHERE id = 2');
  expect(await a.rows('SELECT * FROM acc_next')).toEqual([[1, 11]]);
  expect(await a.rows('SELECT * FROM acc_next2')).toEqual([[1]]);
  await a.sql('DROP INDEX acc_next_idx');
  expect(await a.rows('SELECT * FROM acc_next')).toEqual([[1, 11]]);
});

test('real (float4) holds single-precision values (1.1::real::float8 is 1.100000023841858, as Postgres)', async () => {
  expect(await a.rows('SELECT 1.1::real::float8, CAST(1 AS float4), 1.5::float8 * 2, 1.5::double precision, 2::float')).toEqual([[Math.fround(1.1), 1, 3, 1.5, 2]]);
  await a.sql('CREATE TABLE reals (x real)');
  await a.sql('INSERT INTO reals VALUES (1.1), (0.1::float8)');
  expect(await a.rows('SELECT x::float8 FROM reals ORDER BY x')).toEqual([[Math.fround(0.1)], [Math.fround(1.1)]]);
  expect(await failure('INSERT INTO reals VALUES (1e39)')).toEqual(['22003', 'value out of range: overflow']);
});

test('float8 rounds half to even (round and casts to int), numeric half away from zero', async () => {
  expect(await a.rows('SELECT round(2.5::float8), (2.5::float8)::int, round(2.5::numeric), (2.5::numeric)::int, (-2.5::float8)::int, round(-2.5::float8), round(3.5::float8)')).toEqual([[2, 2, 3, 3, -2, -2, 4]]);
});

// numeric is an exact decimal with a display scale (protocol/numeric.ts): a number when it is its
// own shortest form, else a tagged string (N below). Each expectation is PostgreSQL 15's answer.
test('numeric arithmetic is exact decimal arithmetic, as in Postgres', async () => {
  expect(await a.rows('SELECT 0.1 + 0.2, 0.3 - 0.1, 1.1 * 1.1, 5.5 % 2, -5.5 % 2, 10 / 4.0, round(2.345, 2), 0.1 + 0.2 = 0.3')).toEqual([[0.3, 0.2, 1.21, 1.5, -1.5, N('2.5000000000000000'), 2.35, true]]);
  // float8 arithmetic stays binary; its conversion to numeric rounds to 15 digits, as Postgres'.
  expect(await a.rows('SELECT 0.1::float8 + 0.2::float8, (0.1::float8 + 0.2::float8)::numeric, \'0.1\'::numeric + \'0.2\'')).toEqual([[0.30000000000000004, 0.3, 0.3]]);
  // sum and avg of numeric are exact, in a one-off SELECT and in a maintained view after updates.
  expect(await a.rows('SELECT sum(x), avg(x) FROM (VALUES (0.1), (0.2)) v(x)')).toEqual([[0.3, N('0.15000000000000000000')]]);
  await a.sql('CREATE TABLE money (id int, amount numeric); CREATE MATERIALIZED VIEW money_total AS SELECT sum(amount) AS total, avg(amount) AS mean, count(*) AS n FROM money');
  await a.sql('INSERT INTO money VALUES (1, 0.1), (2, 0.2), (3, 0.7)');
  expect(await a.rows('SELECT * FROM money_total')).toEqual([[N('1.0'), N('0.33333333333333333333'), 3]]);
  await a.sql('DELETE FROM money WHERE id = 3');
  expect(await a.rows('SELECT * FROM money_total')).toEqual([[0.3, N('0.15000000000000000000'), 2]]);
  expect(await a.rows('SELECT id, sum(amount) OVER (ORDER BY id) FROM money')).toEqual([[1, 0.1], [2, 0.3]]);
});

test('a numeric result past a double\'s digits stays exact, never a rounded number', async () => {
  expect(await a.rows('SELECT 1.23456789 * 9.87654321')).toEqual([[N('12.1932631112635269')]]);
  expect(await a.rows("SELECT 3.14159265358979323846, '3.14159265358979323846'::numeric")).toEqual([[N('3.14159265358979323846'), N('3.14159265358979323846')]]);
  // A sum of bigints past 2^53 is numeric in Postgres: exact here.
  expect(await a.rows('SELECT sum(x) FROM (VALUES (9007199254740991::bigint), (9007199254740991::bigint)) v(x)')).toEqual([[18014398509481982]]);
  expect(await a.rows('SELECT sum(x) FROM (VALUES (9007199254740991::bigint), (2::bigint)) v(x)')).toEqual([[N('9007199254740993')]]);
  // Past Postgres' numeric limits (131072 digits before the point) is 22003.
  expect((await failure(`SELECT 1${'0'.repeat(131072)}::numeric`))[0]).toBe('22003');
});

test('numeric(p,s) rounds to its scale half away from zero and overflows with 22003, in casts and columns', async () => {
  expect(await a.rows('SELECT 12.345::numeric(10,2), (-12.345)::numeric(10,2), 1234::numeric(3,-1), 2.5::numeric(1), 0.012::numeric(2,3)')).toEqual([[12.35, -12.35, 1230, 3, 0.012]]);
  expect(await failure('SELECT 123456789.995::numeric(10,2)')).toEqual(['22003', 'numeric field overflow: A field with precision 10, scale 2 must round to an absolute value less than 10^8.']);
  expect((await failure('SELECT 1::numeric(0)'))[0]).toBe('22023');
  await a.sql('CREATE TABLE prices (p numeric(6,2))');
  await a.sql('INSERT INTO prices VALUES (1.005), (2.5)');
  expect(await a.rows('SELECT p FROM prices ORDER BY p')).toEqual([[1.01], [N('2.50')]]);
  expect(await failure('INSERT INTO prices VALUES (10000)')).toEqual(['22003', 'numeric field overflow: A field with precision 6, scale 2 must round to an absolute value less than 10^4.']);
  expect(await failure('UPDATE prices SET p = p * 10000')).toEqual(['22003', 'numeric field overflow: A field with precision 6, scale 2 must round to an absolute value less than 10^4.']);
  await a.sql('UPDATE prices SET p = p / 3');
  expect(await a.rows('SELECT p FROM prices ORDER BY p')).toEqual([[0.34], [0.83]]);
  // Other type modifiers are refused rather than ignored.
  expect((await failure('SELECT \'abc\'::char(3)'))[0]).toBe('0A000');
  expect((await failure('SELECT TIMESTAMP \'2024-01-01\'::timestamp(3)'))[0]).toBe('0A000');
});

test('varchar(n): a cast cuts to n characters, storing a longer value is 22001 (trailing spaces are cut), as in Postgres', async () => {
  expect(await a.rows("SELECT 'abcdef'::varchar(3), 'héllo'::varchar(2), 'ab'::varchar(5)")).toEqual([['abc', 'hé', 'ab']]);
  await a.sql('CREATE TABLE names (n varchar(3))');
  expect(await failure("INSERT INTO names VALUES ('abcd')")).toEqual(['22001', 'value too long for type character varying(3)']);
  await a.sql("INSERT INTO names VALUES ('abc  '), ('é')");
  expect(await a.rows('SELECT n, length(n) FROM names ORDER BY n')).toEqual([['abc', 3], ['é', 1]]);
  expect(await failure("UPDATE names SET n = n || 'x'")).toEqual(['22001', 'value too long for type character varying(3)']);
  expect((await failure('SELECT 1::varchar(0)'))[0]).toBe('22023');
});

test('mod of numerics is exact, ^ is power, upper keeps ß, and float8 has no %, as in Postgres', async () => {
  expect(await a.rows("SELECT mod(0.3, 0.1), 0.3 % 0.1, mod(7, 3), 2 ^ 10, 2.0 ^ 3, upper('straße'), round(0.125, 2)")).toEqual([[N('0.0'), N('0.0'), 1, 1024, 8, 'STRAßE', 0.13]]);
  expect((await failure('SELECT 0.3::float8 % 0.1::float8'))[0]).toBe('42883');
  expect((await failure('SELECT mod(0.3::float8, 1)'))[0]).toBe('42883');
});
