/**
 * TPC-H at SF 0.01 (`npm run bench -- --only tpch`, issue #18): the TPCH load generator's rows
 * copied into plain tables (`lineitem_t`, ..., so the refresh functions can write them), the 22
 * queries (test/control/tpch-queries.ts) created as materialized views over them, each one's
 * hydration timed (CREATE MATERIALIZED VIEW until it answers), then refresh rounds in the spirit
 * of TPC-H's RF1 / RF2: an order and its line items inserted (a generated order's rows, read
 * once, as VALUES under a new key), then deleted, each timed from the first write until one read
 * of all 22 views at a timestamp after it answers (so every view reflects it). A DELETE's WHERE
 * scans its table (no index), so the deletes cost more than the inserts in both figures. Baseline: the same writes and a read of
 * the two written tables alone, before any view exists. Target: p50 of the refresh-to-visible
 * below 50 ms. Memory per query is not measured yet.
 */
import { TPCH_SCHEMAS, TPCH_TABLES } from '../protocol/storage/tpch.js';
import type { Column } from '../protocol/types.js';
import { formatDate } from '../protocol/datetime.js';
import { tpchQueries } from '../test/control/tpch-queries.js';
import { connectClient, startControlPlatform } from './control.js';
import { figure, median, type Figure } from './figure.js';

const SF = 0.01;
const ROUNDS = Number(process.env['DFN_BENCH_TPCH_ROUNDS'] ?? 15);
/** Keys of refresh orders: past every generated order key. */
const KEY_SHIFT = 100_000_000;

const sqlType = (col: Column): string => (col.type === 'numeric' ? `numeric(${col.precision},${col.scale})` : col.type);
const onTables = (q: string): string => q.replace(new RegExp(`\\b(${TPCH_TABLES.join('|')})\\b`, 'g'), '$1_t');

/** A value of `col` as a SQL literal. */
function literal(v: unknown, col: Column): string {
  if (v === null) return 'NULL';
  if (col.type === 'date') return `DATE '${formatDate(v as number)}'`;
  // an exact numeric the double cannot show travels as NUL + its digits (protocol/numeric.ts)
  if (typeof v === 'string' && v.charCodeAt(0) === 0) return v.slice(1);
  if (typeof v === 'string') return `'${v.replace(/'/g, "''")}'`;
  return String(v);
}

/** `INSERT INTO table_t VALUES ...` of `rows` (read from the source), the key column shifted. */
function insertOf(table: 'orders' | 'lineitem', rows: unknown[][], shift: number): string {
  const cols = TPCH_SCHEMAS[table];
  const values = rows.map((r) => `(${r.map((v, i) => (i === 0 ? String((v as number) + shift) : literal(v, cols[i]!))).join(', ')})`);
  return `INSERT INTO ${table}_t VALUES ${values.join(', ')}`;
}

export async function benchTpch(): Promise<Figure[]> {
  const p = await startControlPlatform();
  const c = await connectClient(p.url, 'bench-tpch');
  try {
    await c.sql(`CREATE SOURCE tpch FROM LOAD GENERATOR TPCH (SCALE FACTOR ${SF}) FOR ALL TABLES`);
    const t0 = performance.now();
    // Each table is written in one step (empty or complete): wait until none is empty.
    const count = async (table: string) => ((await c.sql(`SELECT count(*) FROM ${table}`))[0]!.rows as [[number]])[0][0];
    for (;;) {
      const counts = await Promise.all(TPCH_TABLES.map(count));
      if (counts.every((n) => n > 0)) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    console.log(`  source loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (const table of TPCH_TABLES) {
      await c.sql(`CREATE TABLE ${table}_t (${TPCH_SCHEMAS[table].map((col) => `${col.name} ${sqlType(col)} NOT NULL`).join(', ')})`);
      await c.sql(`INSERT INTO ${table}_t SELECT * FROM ${table}`);
    }
    // Indexes on the keys the refresh functions write by (TPC-H allows indexes on primary and
    // foreign keys): RF2's DELETE ... WHERE key = k reads those rows through the index's key
    // hash (actors/control/index-pushdown.ts) instead of every row of the table.
    await c.sql('CREATE INDEX orders_t_key ON orders_t (o_orderkey)');
    await c.sql('CREATE INDEX lineitem_t_key ON lineitem_t (l_orderkey)');
    // The refresh orders: 2 * ROUNDS generated orders with their lines, read once, written
    // again under keys past every generated one (RF1), then deleted (RF2).
    const keys = ((await c.sql(`SELECT o_orderkey FROM orders ORDER BY o_orderkey LIMIT ${2 * ROUNDS}`))[0]!.rows as Array<[number]>).map(([k]) => k);
    const rowsOf = async (table: 'orders' | 'lineitem', key: number) =>
      (await c.sql(`SELECT * FROM ${table} WHERE ${table === 'orders' ? 'o_orderkey' : 'l_orderkey'} = ${key}`))[0]!.rows as unknown[][];
    const orders = await Promise.all(keys.map(async (k) => ({ key: k, order: await rowsOf('orders', k), lines: await rowsOf('lineitem', k) })));
    const refresh = async (k: number, read: string): Promise<[number, number]> => {
      const { key, order, lines } = orders[k]!;
      const insertOrder = insertOf('orders', order, KEY_SHIFT);
      const insertLines = insertOf('lineitem', lines, KEY_SHIFT);
      const a0 = performance.now();
      await c.sql(insertOrder);
      await c.sql(insertLines);
      await c.sql(read);
      const inserted = performance.now() - a0;
      const d0 = performance.now();
      await c.sql(`DELETE FROM lineitem_t WHERE l_orderkey = ${key + KEY_SHIFT}`);
      await c.sql(`DELETE FROM orders_t WHERE o_orderkey = ${key + KEY_SHIFT}`);
      await c.sql(read);
      return [inserted, performance.now() - d0];
    };
    const baseRead = 'SELECT (SELECT count(*) FROM orders_t), (SELECT count(*) FROM lineitem_t)';
    const base: Array<[number, number]> = [];
    for (let k = 0; k < ROUNDS; k++) base.push(await refresh(k, baseRead));

    const queries = tpchQueries(SF);
    const hydration: Figure[] = [];
    for (const [n, q] of Object.entries(queries)) {
      const h0 = performance.now();
      await c.sql(`CREATE MATERIALIZED VIEW q${n} AS ${onTables(q)}`);
      await c.sql(`SELECT count(*) FROM q${n}`);
      const ms = performance.now() - h0;
      hydration.push(figure(`TPC-H Q${n} hydration (CREATE MATERIALIZED VIEW + first read), SF ${SF}`, ms, 'ms'));
    }
    const allViews = `SELECT ${Object.keys(queries).map((n) => `(SELECT count(*) FROM q${n})`).join(', ')}`;
    const times: Array<[number, number]> = [];
    for (let k = 0; k < ROUNDS; k++) times.push(await refresh(ROUNDS + k, allViews));
    const p50 = (xs: Array<[number, number]>, i: 0 | 1) => median(xs.map((x) => x[i]));
    return [
      ...hydration,
      figure('TPC-H RF1 (an order + its line items inserted) visible in all 22 views, p50', p50(times, 0), 'ms',
        { name: 'the same inserts visible in the two tables, no views', value: p50(base, 0) }, { text: 'p50 < 50 ms', check: (v) => v < 50 }),
      figure('TPC-H RF2 (an order + its line items deleted) visible in all 22 views, p50', p50(times, 1), 'ms',
        { name: 'the same deletes visible in the two tables, no views', value: p50(base, 1) }, { text: 'p50 < 50 ms', check: (v) => v < 50 }),
    ];
  } finally {
    await c.close().catch(() => undefined);
    await p.stop();
  }
}
