/**
 * date, interval, extract / date_part / date_trunc against PostgreSQL 15 (the oracle,
 * test/helpers/postgres.ts): the same expressions over pgwire in both, text outputs compared, fixed and
 * random dates; then a materialized view over a table with a date column after INSERT / DELETE
 * rounds. extract's numeric results are compared as text, at Postgres 15's display scales
 * (extract(second ...) is 1.500000).
 */
import { spawnSync } from 'node:child_process';
import type pg from 'pg';
import type { TestNats } from '../helpers/nats.js';
import { oraclePsqlArgs } from '../helpers/postgres.js';
import { pgwirePort, type TestPlatform } from '../helpers/platform.js';
import { usePgPlatform } from './pg-platform.js';

const region = 'dtoracle';
let nats: TestNats;
let p: TestPlatform;
let ours: pg.Client;
let oracle: pg.Client;

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const t = usePgPlatform(region);
beforeAll(() => ({ nats, p, ours, oracle } = t));

const raw = { getTypeParser: () => (v: string) => v };
async function rows(c: pg.Client, sql: string): Promise<unknown[][]> {
  return (await c.query({ text: sql, rowMode: 'array', types: raw })).rows as unknown[][];
}
async function error(c: pg.Client, sql: string): Promise<string | undefined> {
  try {
    await c.query(sql);
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

const FIXED = [
  "DATE '1998-12-01'", "'1998-12-01'::date", "DATE '0044-03-15 BC'", "DATE '2020-02-29' + 1", "DATE '2020-03-01' - 1",
  "DATE '2020-03-01' - DATE '2020-01-01'", "DATE '1998-12-01' - INTERVAL '90' DAY", "DATE '2020-01-31' + INTERVAL '1 month'",
  "TIMESTAMP '2020-01-02 01:00' - TIMESTAMP '2020-01-01'", "INTERVAL '3 months'", "interval '1' year", "'1 day 02:00:00'::interval",
  "'-1 day +02:00:00'::interval", "'1.5 months'::interval", "'1.5 years'::interval", "'100 hours'::interval", "'90'::interval",
  "INTERVAL '1 day 02:00' DAY", "'@ 1 hour ago'::interval", "'1:30'::interval", "'0.5 seconds'::interval", "-INTERVAL '1 day 02:00'",
  "INTERVAL '1 mon' * 0.3", "INTERVAL '1 day' * 1.5", "INTERVAL '1 mon' / 7", "INTERVAL '1 day' / 3", "INTERVAL '-1 mon' * 0.3",
  "INTERVAL '1 mon' = INTERVAL '30 days'", "INTERVAL '1 day' < INTERVAL '25 hours'", "INTERVAL '1 year' + INTERVAL '2 mons 3 days'",
  "TIMESTAMP '2020-01-31 10:00' + INTERVAL '1 mon 1 day 01:00:00'", "TIMESTAMP '2020-03-31' - INTERVAL '1 month'",
  "DATE '2020-01-01' < TIMESTAMP '2020-01-01 00:00:01'", "DATE '2020-01-01' = '2020-01-01'", "CAST(DATE '2020-01-01' AS text)",
  "'2020-05-17'::text::date", "TIMESTAMP '2020-05-17 10:11:12.5'::date", "DATE '2020-05-17'::timestamp", "(INTERVAL '1 day 02:03:04.5')::text",
  "'2020-05-17 10:11:12'::text::timestamp", "date_trunc('month', TIMESTAMP '2020-05-17 10:11:12')", "date_trunc('week', TIMESTAMP '2020-05-17 10:11:12')",
  "date_trunc('hour', TIMESTAMP '2020-05-17 10:11:12')", "date_trunc('year', TIMESTAMP '2020-05-17 10:11:12')", "date_trunc('quarter', TIMESTAMP '2020-05-17 10:11:12')",
  "date_part('second', TIMESTAMP '2020-01-01 10:00:01.5')", "date_part('epoch', TIMESTAMP '2020-01-01 10:00:01.5')", "date_part('hour', DATE '2020-05-17')",
  "extract(epoch FROM INTERVAL '1 year 1 mon')", "extract(second FROM INTERVAL '61.5 seconds')", "extract(year FROM DATE '0044-03-15 BC')",
];

const FIELDS = ['year', 'month', 'day', 'dow', 'doy', 'quarter', 'week', 'isodow', 'decade', 'century', 'epoch'];

test('fixed date/time expressions print as in PostgreSQL', async () => {
  for (const e of FIXED) {
    const sql = `SELECT ${e}`;
    const [want, got] = [await rows(oracle, sql), await rows(ours, sql)];
    expect({ e, got }).toEqual({ e, got: want });
  }
});

test('random dates: text, arithmetic, extract and date_trunc equal PostgreSQL', async () => {
  const r = random(1082);
  for (let i = 0; i < 200; i++) {
    const days = Math.floor(r() * 200000) - 100000; // about 1696 .. 2243
    const iv = `${Math.floor(r() * 40) - 20} mons ${Math.floor(r() * 80) - 40} days ${Math.floor(r() * 100000)} seconds`;
    const d = `(DATE '1970-01-01' + ${days})`;
    const ts = `(${d}::timestamp + INTERVAL '${Math.floor(r() * 86400000)} milliseconds')`;
    const exprs = [
      d, `${d}::text`, `${d} + INTERVAL '${iv}'`, `${ts} - INTERVAL '${iv}'`, `${ts} - DATE '2000-02-29'`, `INTERVAL '${iv}'`,
      `INTERVAL '${iv}' * ${(r() * 4 - 2).toFixed(2)}`, `${d} - DATE '1999-12-31'`, `${d} > DATE '2000-01-01'`,
      ...FIELDS.map((f) => `extract(${f} FROM ${d})`), ...['hour', 'minute', 'second', 'epoch', 'doy'].map((f) => `date_part('${f}', ${ts})`),
      ...['day', 'month', 'year', 'week', 'minute'].map((f) => `date_trunc('${f}', ${ts})`),
      ...['year', 'month', 'day', 'hour', 'minute', 'epoch'].map((f) => `extract(${f} FROM INTERVAL '${iv}')`),
    ];
    const sql = `SELECT ${exprs.join(', ')}`;
    const [want, got] = [await rows(oracle, sql), await rows(ours, sql)];
    expect({ sql, got }).toEqual({ sql, got: want });
  }
});

test('bad date/interval text fails with Postgres SQLSTATEs', async () => {
  for (const e of ["'2020-13-01'::date", "'2020-02-30'::date", "'abc'::date", "'abc'::interval", "extract(hour FROM DATE '2020-01-01')",
    "extract(dow FROM INTERVAL '1 day')", "DATE '2020-01-01' + 2147483647", "'5874898-01-01'::date", "CAST('x' || '1' AS date)"]) {
    expect({ e, code: await error(ours, `SELECT ${e}`) }).toEqual({ e, code: await error(oracle, `SELECT ${e}`) });
  }
  expect(await error(ours, 'CREATE VIEW nowv AS SELECT now()')).toBe('0A000');
  expect((await rows(ours, 'SELECT now() > TIMESTAMP \'2026-01-01\''))[0]).toEqual(['t']);
});

test('a materialized view over a date column equals PostgreSQL after INSERT / DELETE rounds', async () => {
  const ddl = 'CREATE TABLE lineitem (id int, ship date, qty int)';
  await oracle.query('DROP TABLE IF EXISTS lineitem');
  await oracle.query(ddl);
  await ours.query(ddl);
  const view = `SELECT date_trunc('month', ship::timestamp) AS m, count(*) AS n, sum(qty) AS q, min(ship) AS first, max(ship - DATE '1992-01-01') AS span
    FROM lineitem WHERE ship <= DATE '1998-12-01' - INTERVAL '90' DAY GROUP BY date_trunc('month', ship::timestamp)`;
  await ours.query(`CREATE MATERIALIZED VIEW mv AS ${view}`);
  const r = random(90);
  let next = 0;
  for (let round = 0; round < 5; round++) {
    const values = Array.from({ length: 40 }, () => `(${next++}, DATE '1992-01-01' + ${Math.floor(r() * 2557)}, ${Math.floor(r() * 50)})`);
    const insert = `INSERT INTO lineitem VALUES ${values.join(', ')}`;
    const del = `DELETE FROM lineitem WHERE id % 7 = ${round}`;
    for (const c of [oracle, ours]) {
      await c.query(insert);
      await c.query(del);
    }
    const want = await rows(oracle, `${view} ORDER BY m`);
    expect(await rows(ours, 'SELECT * FROM mv ORDER BY m')).toEqual(want);
  }
  await oracle.query('DROP TABLE lineitem');
});

test('COPY FROM STDIN into date and interval columns (psql), as PostgreSQL, and a bad date fails 22008', async () => {
  const ourArgs = ['-h', '127.0.0.1', '-p', String(await pgwirePort(p)), '-U', 'materialize', 'materialize'];
  const theirArgs = await oraclePsqlArgs();
  const psql = (args: string[], input: string, ourSide: boolean) =>
    spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose', ...(ourSide ? ourArgs : theirArgs), ...args], {
      input, encoding: 'utf8', env: { ...process.env, PAGER: '' },
    });
  const ddl = 'CREATE TABLE spans (d date, i interval)';
  await oracle.query('DROP TABLE IF EXISTS spans');
  await oracle.query(ddl);
  await ours.query(ddl);
  const data = '1998-12-01\t3 months\n0044-03-15 BC\t1 day 02:00:00\n2020-02-29\t-1 day +02:00:00\n\\N\t1.5 years\n\\.\n';
  for (const side of [true, false]) expect(psql(['-c', 'COPY spans FROM STDIN'], data, side).status).toBe(0);
  const q = 'SELECT d, i, d + i FROM spans ORDER BY d NULLS FIRST';
  expect(await rows(ours, q)).toEqual(await rows(oracle, q));
  const bad = psql(['-c', 'COPY spans FROM STDIN'], '2020-02-30\t1 day\n\\.\n', true);
  expect(bad.status).not.toBe(0);
  expect(bad.stderr).toMatch(/22008: date\/time field value out of range/);
  expect(await rows(ours, 'SELECT count(*) FROM spans')).toEqual([['4']]);
  await oracle.query('DROP TABLE spans');
});
