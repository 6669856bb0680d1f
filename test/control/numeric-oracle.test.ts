/**
 * numeric against PostgreSQL (the oracle, test/helpers/postgres.ts): random decimals through + - * / %,
 * round, numeric(p,s) casts, and grouped sum / avg, once as one-off SELECTs and once maintained
 * in a materialized view after INSERT and DELETE rounds, compared as the nearest doubles (the
 * printed text, display scale and all, is numeric-scale-oracle.test.ts').
 */
import pg from 'pg';
import { setupNats, type TestNats } from '../helpers/nats.js';
import { connectOracle } from '../helpers/postgres.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';
import { connectClient, type SqlClient } from './sql-client.js';
import { isNumericString, numericToFloat } from '../../protocol/numeric.js';

const region = 'numoracle';
let nats: TestNats;
let p: TestPlatform;
let a: SqlClient;
let oracle: pg.Client;

/** A seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random decimal text with up to `int` digits before and `frac` after the point. */
function decimal(r: () => number, int: number, frac: number): string {
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
  const i = digits(1 + Math.floor(r() * int)).replace(/^0+(?=\d)/, '');
  const f = digits(Math.floor(r() * (frac + 1)));
  return `${r() < 0.3 ? '-' : ''}${i}${f ? '.' + f : ''}`;
}

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  a = await connectClient(nats, region);
  oracle = await connectOracle();
});
afterAll(async () => {
  await oracle?.end();
  await a?.close();
  await p?.cleanup();
  await nats?.cleanup();
});

/** Our rows as numbers (a numeric carried as a string as its nearest double). */
async function ourRows(sql: string): Promise<unknown[][]> {
  return (await a.rows(sql)).map((row) => row.map((v) => (isNumericString(v) ? numericToFloat(v as string) : v)));
}

/** Postgres' rows as numbers (its numerics arrive as text). */
async function pgRows(sql: string): Promise<Array<Array<number | null>>> {
  const res = await oracle.query({ text: sql, rowMode: 'array' });
  return (res.rows as unknown[][]).map((row) => row.map((v) => (v === null ? null : Number(v))));
}

test('random numeric arithmetic equals PostgreSQL', async () => {
  const r = random(18);
  const pairs: string[] = [];
  for (let i = 0; i < 300; i++) {
    let y = decimal(r, 4, 3);
    if (Number(y) === 0) y = '1.5';
    pairs.push(`(${i}, ${decimal(r, 6, 4)}::numeric, ${y}::numeric)`);
  }
  const query = `SELECT id, x + y, x - y, round(x, 2) * y, x % y, x / y, round(x, 1), x::numeric(8,2), -x FROM (VALUES ${pairs.join(', ')}) AS v(id, x, y) ORDER BY id`;
  const ours = await ourRows(query);
  const theirs = await pgRows(query);
  expect(ours).toEqual(theirs);
});

test('sum and avg of numeric in a maintained view equal PostgreSQL after INSERT and DELETE rounds', async () => {
  const r = random(7);
  await a.sql('CREATE TABLE ledger (id int, g int, amount numeric)');
  await oracle.query('DROP TABLE IF EXISTS dfn_ledger; CREATE TABLE dfn_ledger (id int, g int, amount numeric)');
  const view = (t: string) => `SELECT g, sum(amount) AS s, avg(amount) AS m, count(amount) AS n FROM ${t} GROUP BY g`;
  await a.sql(`CREATE MATERIALIZED VIEW ledger_totals AS ${view('ledger')}`);
  let next = 0;
  for (let round = 0; round < 6; round++) {
    const rows = Array.from({ length: 40 }, () => `(${next++}, ${Math.floor(r() * 5)}, ${r() < 0.1 ? 'NULL' : decimal(r, 5, 3)})`);
    await a.sql(`INSERT INTO ledger VALUES ${rows.join(', ')}`);
    await oracle.query(`INSERT INTO dfn_ledger VALUES ${rows.join(', ')}`);
    const cut = Math.floor(r() * next);
    await a.sql(`DELETE FROM ledger WHERE id % 7 = ${round} AND id < ${cut}`);
    await oracle.query(`DELETE FROM dfn_ledger WHERE id % 7 = ${round} AND id < ${cut}`);
    const ours = await ourRows('SELECT * FROM ledger_totals ORDER BY g');
    const theirs = await pgRows(`${view('dfn_ledger')} ORDER BY g`);
    expect(ours).toEqual(theirs);
    expect(await ourRows(`${view('ledger')} ORDER BY g`)).toEqual(theirs);
  }
  await oracle.query('DROP TABLE dfn_ledger');
});
