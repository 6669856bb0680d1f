/**
 * TPC-H over the TPCH load generator against PostgreSQL (the oracle, test/helpers/postgres.ts): a real
 * platform creates `CREATE SOURCE tpch FROM LOAD GENERATOR TPCH (SCALE FACTOR 0.01)`, the rows
 * definite holds are checked against the generator's and copied into a fresh PostgreSQL schema,
 * then each of the 22 queries is created as a materialized view in definite and run in
 * PostgreSQL, and the results compared as multisets: text equal, or numbers equal (exactly after
 * normalising the scale: 1.50 = 1.5; within 1e-12 relative where either side rounded a division
 * or an average). Queries that need SQL definite lacks are listed in KNOWN_GAPS with their error;
 * the test checks they still fail that way, so the list stays honest. Hydration times are printed.
 */
import type pg from 'pg';
import { eventually, type TestNats } from '../helpers/nats.js';
import type { TestPlatform } from '../helpers/platform.js';
import { usePgPlatform } from './pg-platform.js';
import { TPCH_SCHEMAS, TPCH_TABLES, tpchOffsets, type TpchTable } from '../../protocol/storage/tpch.js';
import { tpchRows } from '../../actors/storage/sources/tpch.js';
import type { Column } from '../../protocol/types.js';
import { numericToFloat, type NumericValue } from '../../protocol/numeric.js';
import { tpchQueries } from './tpch-queries.js';

const SF = 0.01;
const region = 'tpch';
/** Queries definite cannot create yet: the error each fails with (a substring of its message). */
const KNOWN_GAPS: Record<number, string> = {
  // None at SF 0.01.
};

let nats: TestNats;
let p: TestPlatform;
let ours: pg.Client;
let oracle: pg.Client;
const schema = `tpch_${process.pid}_${Date.now()}`;

const t = usePgPlatform(region);
beforeAll(async () => {
  ({ nats, p, ours, oracle } = t);
  await oracle.query(`CREATE SCHEMA ${schema}`);
  await oracle.query(`SET search_path TO ${schema}`);
});
t.beforeStop = async () => {
  await oracle?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
};

const raw = { getTypeParser: () => (v: string) => v };
async function rows(c: pg.Client, sql: string): Promise<Array<Array<string | null>>> {
  return (await c.query({ text: sql, rowMode: 'array', types: raw })).rows as Array<Array<string | null>>;
}

function pgType(col: Column): string {
  if (col.type === 'numeric') return `numeric(${col.precision},${col.scale})`;
  return col.type === 'int' ? 'integer' : col.type;
}

/** A decimal's canonical text: no trailing fraction zeros, no `-0`. */
function canonical(v: string): string {
  if (!/^-?\d+(\.\d+)?$/.test(v)) return v;
  let s = v.includes('.') ? v.replace(/0+$/, '').replace(/\.$/, '') : v;
  s = s.replace(/^(-?)0+(?=\d)/, '$1');
  return s === '-0' ? '0' : s;
}
const digits = (v: string) => v.replace(/^-/, '').replace('.', '').replace(/^0+/, '').length;

/** Whether two result values agree: equal text, equal decimals, or (a rounded quotient) within 1e-12. */
function same(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  const [x, y] = [canonical(a), canonical(b)];
  if (x === y) return true;
  if (!/^-?\d+(\.\d+)?$/.test(x) || !/^-?\d+(\.\d+)?$/.test(y)) return false;
  if (digits(x) < 16 && digits(y) < 16) return false; // exact on both sides: must be equal
  const [n, m] = [Number(x), Number(y)];
  return Math.abs(n - m) <= 1e-12 * Math.max(1, Math.abs(n), Math.abs(m));
}

/** Sort key of a row: numbers at 10 significant digits, so rows equal within tolerance sort alike. */
function sortKey(row: Array<string | null>): string {
  return JSON.stringify(row.map((v) => (v !== null && /^-?\d+(\.\d+)?$/.test(v) ? Number(Number(v).toPrecision(10)) : v)));
}

function sameMultiset(got: Array<Array<string | null>>, want: Array<Array<string | null>>): boolean {
  if (got.length !== want.length) return false;
  const [g, w] = [[...got].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1)), [...want].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1))];
  return g.every((row, i) => row.length === w[i]!.length && row.every((v, k) => same(v, w[i]![k]!)));
}

test('the TPCH source holds the generator rows; each of the 22 queries as a materialized view equals PostgreSQL', async () => {
  const t0 = Date.now();
  await ours.query(`CREATE SOURCE tpch FROM LOAD GENERATOR TPCH (SCALE FACTOR ${SF}) FOR ALL TABLES`);
  const created = Date.now() - t0;
  const expected: Record<string, number> = {};
  for (const t of TPCH_TABLES) {
    let n = 0;
    for (let o = 1; o <= tpchOffsets(t, SF); o++) n += tpchRows(t, SF, o).length;
    expected[t] = n;
  }
  // Each table is written in one step, so a count either is 0 or the table is complete.
  await eventually(async () => {
    for (const t of TPCH_TABLES) if (Number((await rows(ours, `SELECT count(*) FROM ${t}`))[0]![0]) !== expected[t]) return false;
    return true;
  }, 'every TPC-H table complete', 600_000);
  console.log(`CREATE SOURCE: ${created} ms; all tables complete after ${Date.now() - t0} ms; rows ${JSON.stringify(expected)}`);

  // Copy definite's rows into PostgreSQL, and check they are the generator's.
  const copyStart = Date.now();
  for (const t of TPCH_TABLES as readonly TpchTable[]) {
    const cols = TPCH_SCHEMAS[t];
    await oracle.query(`CREATE TABLE ${t} (${cols.map((c) => `${c.name} ${pgType(c)} NOT NULL`).join(', ')})`);
    const data = await rows(ours, `SELECT * FROM ${t}`);
    expect(data.length).toBe(expected[t]);
    const per = Math.floor(60_000 / cols.length);
    for (let i = 0; i < data.length; i += per) {
      const chunk = data.slice(i, i + per);
      const values = chunk.map((_, r) => `(${cols.map((_c, k) => `$${r * cols.length + k + 1}`).join(', ')})`);
      await oracle.query(`INSERT INTO ${t} VALUES ${values.join(', ')}`, chunk.flat());
    }
    await oracle.query(`ANALYZE ${t}`);
  }
  // Only for PostgreSQL's speed: its Q20 runs a correlated subplan per partsupp row (44 s without this index).
  await oracle.query('CREATE INDEX ON lineitem (l_partkey, l_suppkey)');
  const [generated] = await rows(oracle, `SELECT count(*), sum(o_totalprice), min(o_orderdate), max(o_orderdate), count(DISTINCT o_custkey) FROM orders`);
  const genOrders = Array.from({ length: tpchOffsets('orders', SF) }, (_, i) => tpchRows('orders', SF, i + 1)[0]!);
  const cents = genOrders.reduce((s, o) => s + Math.round(numericToFloat(o[3] as NumericValue) * 100), 0);
  expect(canonical(generated![1]!)).toBe(canonical((cents / 100).toFixed(2)));
  expect(Number(generated![4])).toBe(new Set(genOrders.map((o) => o[1])).size);

  console.log(`copied into PostgreSQL in ${Date.now() - copyStart} ms`);
  const queries = tpchQueries(SF);
  const report: string[] = [];
  const failures: string[] = [];
  for (let q = 1; q <= 22; q++) {
    const sql = queries[q]!;
    const pgStart = Date.now();
    const want = await rows(oracle, sql);
    const pgMs = Date.now() - pgStart;
    process.stderr.write(`Q${q}: PostgreSQL ${want.length} rows in ${pgMs} ms; creating the view\n`);
    const start = Date.now();
    let error: string | undefined;
    let got: Array<Array<string | null>> = [];
    let hydrated = 0;
    try {
      await ours.query(`CREATE MATERIALIZED VIEW q${q} AS ${sql}`);
      hydrated = Date.now() - start;
      got = await rows(ours, `SELECT * FROM q${q}`);
    } catch (e) {
      error = (e as Error).message;
      process.stderr.write(`Q${q}: ${error}\n`);
    }
    const gap = KNOWN_GAPS[q];
    if (gap !== undefined) {
      report.push(`Q${q}: known gap: ${error ?? 'now succeeds'}`);
      if (error === undefined || !error.includes(gap)) failures.push(`Q${q} was listed as failing with "${gap}" but ${error === undefined ? 'succeeded' : `failed with "${error}"`}`);
      continue;
    }
    if (error !== undefined) {
      report.push(`Q${q}: ERROR ${error}`);
      failures.push(`Q${q}: ${error}`);
      continue;
    }
    const ok = sameMultiset(got, want);
    process.stderr.write(`Q${q}: ${hydrated} ms, ${ok ? 'equal' : 'MISMATCH'}\n`);
    report.push(`Q${q}: ${hydrated} ms, ${got.length} rows (PostgreSQL ${want.length})${ok ? '' : ' MISMATCH'}`);
    if (!ok) failures.push(`Q${q} differs:\n  definite ${JSON.stringify(got.slice(0, 5))}\n  postgres ${JSON.stringify(want.slice(0, 5))}`);
    // Meaningful answers: rows (Q18's > 300 quantity is rare at small scale factors), none all NULL.
    expect({ q, rows: want.length > 0 || q === 18, nulls: want.some((r) => r.every((v) => v === null)) }).toEqual({ q, rows: true, nulls: false });
  }
  console.log(report.join('\n'));
  expect(failures).toEqual([]);
});

test('after the storage host is SIGKILLed and restarted, the tables hold the same rows, not generated again', async () => {
  const fingerprint = `SELECT count(*), sum(l_extendedprice), sum(l_orderkey * l_linenumber), min(l_comment), max(l_shipdate) FROM lineitem`;
  const counts = `SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM part), (SELECT sum(ps_supplycost) FROM partsupp), (SELECT count(*) FROM customer)`;
  const before = [await rows(ours, fingerprint), await rows(ours, counts)];
  const storage = (await p.hosts()).find((h) => h.hostId === 'storage-0')!;
  process.kill(storage.pid, 'SIGKILL');
  await eventually(async () => (await p.hosts()).some((h) => h.hostId === 'storage-0' && h.state === 'running' && h.pid !== storage.pid), 'storage-0 restarted');
  const after = await eventually(async () => [await rows(ours, fingerprint), await rows(ours, counts)], 'the TPC-H tables readable again', 300_000);
  expect(after).toEqual(before);
  expect(sameMultiset(await rows(ours, 'SELECT * FROM q1'), await rows(oracle, tpchQueries(SF)[1]!))).toBe(true);
});

test('DROP SOURCE tpch CASCADE drops its subsources and the views over them', async () => {
  await expect(ours.query(`CREATE SOURCE tpch FROM LOAD GENERATOR TPCH (SCALE FACTOR ${SF})`)).rejects.toMatchObject({ code: '42710' });
  await expect(ours.query('DROP SOURCE tpch')).rejects.toMatchObject({ code: '2BP01' });
  await ours.query('DROP SOURCE tpch CASCADE');
  for (const name of ['lineitem', 'q1', 'q22']) await expect(ours.query(`SELECT * FROM ${name}`)).rejects.toMatchObject({ code: '42P01' });
});
