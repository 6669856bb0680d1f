/**
 * Scalar gaps of issue #18 against PostgreSQL 15 (the oracle, test/helpers/postgres.ts; session
 * time zone UTC in both): timestamp / timestamptz input with a UTC offset (ignored by timestamp,
 * applied by timestamptz), extract at PG 15's numeric scales and date_part's float8, float8 and
 * float4 (`real`) output (shortest round-trip digits, -0), pg_typeof, the integer bit operators,
 * log(b, x), array_cat / array_append / array_prepend / array_position, the time type. Each as a constant, over
 * a table's rows in a one-off SELECT, and in a materialized view (COMPUTE evaluates it), text
 * outputs compared exactly; bad input gives PostgreSQL's SQLSTATE.
 */
import type pg from 'pg';
import { outcome, same, usePgPlatform } from './pg-platform.js';

const t = usePgPlatform('scalargaps', { database: 'definite_scalar_gaps_test', fresh: true });
let ours: pg.Client;
let oracle: pg.Client;
beforeAll(() => ({ ours, oracle } = t));

/** Rows as sorted JSON lines, or the SQLSTATE. */
async function answer(c: pg.Client, sql: string): Promise<unknown> {
  const r = await outcome(c, sql);
  return r.rows ? r.rows.map((row) => JSON.stringify(row)).sort() : `error ${r.code}`;
}

const TIMESTAMPS = [
  "SELECT '2024-03-01 10:30:00+02'::timestamptz, '2024-03-01 10:30:00+02'::timestamp",
  "SELECT timestamptz '2024-03-01 10:30:00-05:30', timestamptz '2024-03-01 10:30:00+0530', timestamptz '2024-03-01 23:30:00-05'",
  "SELECT '2024-03-01 10:30:00 +02:00'::timestamptz, '2024-03-01 10:30+02'::timestamptz, '2024-03-01 10:30:00 UTC'::timestamptz, '2024-03-01T10:30:00Z'::timestamptz",
  "SELECT '2024-03-01 10:30:00'::timestamptz, '2024-03-01 10:30:00.5+00'::timestamptz::text, timestamp '2024-03-01 10:30:00-07'",
  "SELECT '0044-03-15 10:00:00+01 BC'::timestamptz, '2024-03-01 10:30:00+02'::timestamptz::date, date '2024-03-01'::timestamptz",
  "SELECT '2024-03-01 10:30:00+02'::timestamptz = '2024-03-01 08:30:00'::timestamp, timestamp '2024-03-01 10:30' < timestamptz '2024-03-01 10:30+01'",
  "SELECT timestamptz '2024-03-01 10:30+02' + interval '1 day', timestamptz '2024-03-01 10:30+02' - timestamptz '2024-03-01', timestamptz '2024-03-01 10:30+01' - timestamp '2024-03-01 08:00'",
  "SELECT date_trunc('day', timestamptz '2024-03-01 01:30+02'), extract(hour FROM timestamptz '2024-03-01 10:30+02'), extract(epoch FROM timestamptz '2024-03-01 10:30+01')",
  "SELECT (timestamptz '2024-03-01 10:30+01')::timestamp, (timestamp '2024-03-01 10:30')::timestamptz, '2024-03-01 10:30:00+02'::text::timestamp, '2024-03-01 10:30:00+02'::text::timestamptz",
  "SELECT date_trunc('month', date '2024-03-15'), date_trunc('day', timestamptz '2024-03-15 10:00+05'), pg_typeof(date_trunc('year', date '2024-03-15'))",
  "SELECT now() > timestamp '2020-01-01', CURRENT_TIMESTAMP > timestamptz '2020-01-01 00:00+00', pg_typeof(now())",
  "SELECT '2024-03-01 10:30:00+16'::timestamptz",
  "SELECT 'garbage'::timestamptz",
  "SELECT '2024-02-30 10:00+01'::timestamptz",
  "SELECT '2024-03-01 25:00+01'::timestamptz",
  "SELECT 'x'::text::timestamptz",
];

const EXTRACT_UNITS = ['microseconds', 'milliseconds', 'second', 'minute', 'hour', 'day', 'month', 'year', 'decade', 'century', 'millennium', 'isoyear', 'week', 'dow', 'isodow', 'doy', 'quarter', 'epoch', 'julian'];
const INTERVAL_UNITS = ['microseconds', 'milliseconds', 'second', 'minute', 'hour', 'day', 'month', 'year', 'decade', 'century', 'millennium', 'quarter', 'epoch'];

const FLOATS = [
  'SELECT -0.0::float8, -(0::float8), 0::float8 * -1, (-0.0::float8)::text, round(-0.4::float8), -0.0::float8 = 0::float8',
  'SELECT 1e15::float8, 1e16::float8, 1.5e-5::float8, 123456789012345678::float8, 1e16::float8::text, 0.1::float8 + 0.2',
  'SELECT 1e22::float8, 1e21::float8, 1.7976931348623157e308::float8, 5e-324::float8, 1e-4::float8, 9.999e-5::float8, 999999999999999::float8, 100000000000000::float8',
  "SELECT 0.1::real, 0.1::real::float8, 1000000::real, 1234567::real, 1e-45::real, 3.4e38::real, -0.0::real, '1.5'::text::real",
  'SELECT 0.1::real + 0.2::real, 1::real / 3, 16777217::int::real, 0.1::real = 0.1, 0.1::real = 0.1::float8, 1.23456789::real::numeric, 0.1::real::text',
  'SELECT 123456789::real, 0.000123456::real, 9.99999e5::real, 999999.5::real, 2.5::real::int, 3.5::real::int',
  'SELECT pg_typeof(1::real + 1), pg_typeof(1::real + 1::real), pg_typeof(1::real * 1.5), pg_typeof(0.5::real)',
  "SELECT '1e39'::real",
  'SELECT 3.4e39::float8::real',
  'SELECT 1e-50::float8::real',
  "SELECT 'abc'::real",
  'SELECT 1.5e300::float8 * 1e10::float8',
];

const FUNCTIONS = [
  "SELECT pg_typeof(1), pg_typeof(1.5), pg_typeof('a'::text), pg_typeof(timestamp '2020-01-01'), pg_typeof(1::float8), pg_typeof(ARRAY[1]), pg_typeof(date '2020-01-01')",
  "SELECT pg_typeof(interval '1 day'), pg_typeof(true), pg_typeof(1::int2), pg_typeof(1::int8), pg_typeof('x'), pg_typeof(NULL), pg_typeof(ARRAY['a'])",
  'SELECT 5 & 3, 5 | 3, 5 # 3, ~5, 1 << 4, 256 >> 2, -16 >> 2, ~0::bigint',
  'SELECT 1 << 31, 1 << 32, 1::int2 << 15, 1::int8 << 63, 5::int2 & 3::int8, 1 << -1, 7::int2 # 2::int2',
  'SELECT pg_typeof(5::int2 & 3), pg_typeof(1::int2 << 2), pg_typeof(1::int8 # 1), pg_typeof(~1::int2)',
  'SELECT 1.5 & 1',
  "SELECT 'a'::text & 1",
  'SELECT ~1.5',
  'SELECT log(2, 8), log(2.0, 10), log(10, 1000), log(3, 81.5), log(2, 0.5), log(10.5, 2), log(1e10, 1e-20), pg_typeof(log(2, 8))',
  'SELECT log(0, 8)',
  'SELECT log(-1, 8)',
  'SELECT log(1, 8)',
  'SELECT log(2::float8, 8)',
  'SELECT array_cat(ARRAY[1,2], ARRAY[3]), array_cat(NULL, ARRAY[3]), array_cat(ARRAY[1], NULL::int[]), array_cat(ARRAY[1,2], ARRAY[3::bigint])',
  "SELECT array_append(ARRAY[1,2], 3), array_append(ARRAY['a'], NULL), array_append(NULL::int[], 3), array_prepend(0, ARRAY[1,2]), array_prepend(NULL, ARRAY[1])",
  "SELECT array_position(ARRAY[1,2,3,2], 2), array_position(ARRAY[1,2,3,2], 2, 3), array_position(ARRAY[1,NULL], NULL), array_position(ARRAY[1], 5), array_position(ARRAY['a','b'], 'b'), array_position(ARRAY[1.5, 2.50], 2.5)",
  'SELECT cardinality(ARRAY[1,2,3]), array_length(ARRAY[1,2,3], 1), cardinality(array_cat(ARRAY[1], ARRAY[2]))',
  "SELECT array_append(ARRAY[1,2], 'x')",
  "SELECT array_cat(ARRAY[1], ARRAY['a'])",
];

const TIMES = [
  "SELECT '10:30:00.5'::time, '24:00'::time, '10:30'::time + interval '1 day 15 hours', '10:30'::time - interval '11 hours', '10:30'::time - '08:00:01.25'::time",
  "SELECT extract(epoch FROM '10:30:00.5'::time), extract(second FROM '10:30:00.5'::time), extract(milliseconds FROM time '10:30:07.5'), date '2024-03-01' + time '10:30', timestamp '2024-03-01 10:30:07.5'::time",
  "SELECT '2024-03-01 10:30:00+02'::time, '10:30:00+02'::time, time '10:30' < time '11:00', time '10:30:00.123456', interval '1 hour' + time '23:30'",
  "SELECT pg_typeof(time '10:30' - time '10:00'), date_part('second', time '10:30:07.5'), extract(microseconds FROM time '10:30:07.5'), extract(minute FROM time '10:30:07.5'), extract(hour FROM time '10:30'), pg_typeof(time '10:30'), time '10:30'::text, '10:30'::text::time",
  "SELECT (timestamptz '2024-03-01 10:30+02')::time, date_part('epoch', time '10:30:00.5'), time '10:30' = '10:30:00'",
  "SELECT extract(day FROM time '10:30')",
  "SELECT extract(foo FROM time '10:30')",
  "SELECT '25:00'::time",
  "SELECT 'x'::time",
  "SELECT 'x'::text::time",
];

async function sameAll(list: string[]): Promise<void> {
  for (const sql of list) await same(t, sql);
}

test('timestamp and timestamptz input with a UTC offset, and timestamptz arithmetic, as PostgreSQL', async () => {
  await sameAll(TIMESTAMPS);
});

test('extract of every field is numeric at PostgreSQL 15 scales; date_part is float8', async () => {
  const values = ["timestamp '2024-03-01 10:30:07.25'", "timestamp '2024-03-01 00:00:00'", "timestamp '1969-12-31 23:59:59.999'", "timestamptz '2024-03-01 10:30:07.25+02'"];
  for (const v of values) {
    await same(t, `SELECT ${EXTRACT_UNITS.map((u) => `extract(${u} FROM ${v})`).join(', ')}`);
    await same(t, `SELECT ${EXTRACT_UNITS.map((u) => `date_part('${u}', ${v})`).join(', ')}`);
  }
  await same(t, `SELECT ${EXTRACT_UNITS.filter((u) => !/second|minute|hour/.test(u)).map((u) => `extract(${u} FROM date '2024-03-01')`).join(', ')}`);
  for (const v of ["interval '1 year 2 mons 3 days 04:05:06.25'", "interval '-3 days -00:00:01.5'", "interval '100 years'"]) {
    await same(t, `SELECT ${INTERVAL_UNITS.map((u) => `extract(${u} FROM ${v})`).join(', ')}`);
    await same(t, `SELECT ${INTERVAL_UNITS.map((u) => `date_part('${u}', ${v})`).join(', ')}`);
  }
  await same(t, "SELECT extract(epoch FROM timestamp '2024-03-01 10:30:00.5'), pg_typeof(extract(epoch FROM timestamp '2024-03-01')), pg_typeof(date_part('epoch', timestamp '2024-03-01'))");
  await same(t, "SELECT extract(hour FROM date '2024-03-01')");
});

test('float8 and real print as PostgreSQL 15 (shortest round-trip digits, -0), real rounds to single precision', async () => {
  await sameAll(FLOATS);
});

test('pg_typeof, bit operators, log(b, x) and array functions, as PostgreSQL', async () => {
  await sameAll(FUNCTIONS);
});

test('over a table, in a one-off SELECT and in materialized views, after INSERT / DELETE rounds', async () => {
  const ddl = [
    'CREATE TABLE gaps (id int, s text, n int, b bigint, f float8, r real, arr int[], ts timestamp)',
  ];
  const rows = [
    "(1, '2024-03-01 10:30:00+02', 5, 9007199254740993, -0.0, 0.1, ARRAY[1,2], '2024-03-01 10:30:07.25')",
    "(2, '2024-03-01 10:30:00-05:30', -16, -1, 1e16, 1234567, ARRAY[3], '1999-12-31 23:59:59.5')",
    "(3, '2024-03-01 10:30:00', 0, 4611686018427387904, 1.5e-5, 3.4e38, NULL, '2024-02-29 00:00:00')",
    "(4, NULL, NULL, NULL, NULL, NULL, ARRAY[NULL, 4], NULL)",
    "(5, '1999-12-31 23:00:00+01', 255, 123, 123456789012345678, 0.000123456, '{}', '2024-03-01 00:00:00')",
  ];
  const views: Record<string, string> = {
    tz: 'SELECT id, s::timestamptz AS tz, s::timestamp AS ts, (s::timestamptz)::text AS tz_text, extract(epoch FROM s::timestamptz) AS e FROM gaps',
    ex: "SELECT id, extract(epoch FROM ts) AS e, extract(second FROM ts) AS sec, extract(milliseconds FROM ts) AS ms, extract(julian FROM ts) AS j, date_part('epoch', ts) AS dp FROM gaps",
    num: 'SELECT id, -f AS nf, f::text AS ft, r, r::float8 AS rf, r + r AS rr, r * 2 AS r2, f * -1 AS fm FROM gaps',
    bits: 'SELECT id, n & 3 AS a, n | 8 AS o, n # b AS x, ~n AS t, n << 2 AS l, b >> 3 AS r, b << 1 AS bl, pg_typeof(n & b) AS ty, log(2, abs(n) + 1) AS lg FROM gaps',
    arrs: 'SELECT id, array_cat(arr, ARRAY[n]) AS c, array_append(arr, n) AS a, array_prepend(n, arr) AS p, array_position(arr, 2) AS pos, cardinality(array_append(arr, 0)) AS card FROM gaps',
  };
  for (const c of [ours, oracle]) for (const d of ddl) await c.query(d);
  for (const [name, sql] of Object.entries(views)) await ours.query(`CREATE MATERIALIZED VIEW gaps_${name} AS ${sql}`);
  const check = async () => {
    for (const [name, sql] of Object.entries(views)) {
      const want = await answer(oracle, sql);
      expect([sql, await answer(ours, sql)]).toEqual([sql, want]);
      expect([name, await answer(ours, `SELECT * FROM gaps_${name}`)]).toEqual([name, want]);
    }
  };
  for (const [round, values] of [[0, rows.slice(0, 3)], [1, rows.slice(3)]] as const) {
    for (const c of [ours, oracle]) {
      await c.query(`INSERT INTO gaps VALUES ${values.join(', ')}`);
      if (round === 1) await c.query('DELETE FROM gaps WHERE id = 2');
    }
    await check();
  }
});

test('bad text cast at run time in a view gives PostgreSQL\'s SQLSTATE', async () => {
  for (const c of [ours, oracle]) {
    await c.query('CREATE TABLE bad_ts (s text)');
    await c.query("INSERT INTO bad_ts VALUES ('2024-03-01 10:00+16'), ('nonsense'), ('1e39')");
  }
  for (const sql of [
    "SELECT s::timestamptz FROM bad_ts WHERE s LIKE '2024%'",
    "SELECT s::timestamptz FROM bad_ts WHERE s = 'nonsense'",
    "SELECT s::real FROM bad_ts WHERE s = '1e39'",
    "SELECT s::real FROM bad_ts WHERE s = 'nonsense'",
  ]) {
    expect([sql, await answer(ours, sql)]).toEqual([sql, await answer(oracle, sql)]);
  }
});

test('the time type: input, output, comparison, arithmetic, extract, casts, in a materialized view', async () => {
  await sameAll(TIMES);
  const view = "SELECT id, t, s::time AS st, t + interval '90 minutes' AS later, t - time '12:00' AS since_noon, extract(second FROM t) AS sec, date '2024-03-01' + t AS at, t < time '12:00' AS morning FROM times";
  for (const c of [ours, oracle]) {
    await c.query('CREATE TABLE times (id int, t time, s text)');
    await c.query("INSERT INTO times VALUES (1, '10:30:07.25', '23:59:59.5'), (2, '23:45', '00:00'), (3, NULL, '2024-03-01 06:00:00'), (4, '24:00:00', NULL)");
  }
  await ours.query(`CREATE MATERIALIZED VIEW times_v AS ${view}`);
  for (const c of [ours, oracle]) await c.query("INSERT INTO times VALUES (5, '00:00:00.001', '12:00+05')");
  const want = await answer(oracle, view);
  expect(await answer(ours, view)).toEqual(want);
  expect(await answer(ours, 'SELECT * FROM times_v')).toEqual(want);
});
