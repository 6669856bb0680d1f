/**
 * The TPC-H generator (actors/storage/sources/tpch.ts) at scale factor 0.01: every row a pure
 * function of (table, offset, scale factor), the counts and key ranges of TPC-H 4.2.5, unique
 * primary keys, every foreign key pointing at a row, and the dbgen invariants the queries rely on.
 */
import { tpchOrder, tpchRows, orderKey } from '../../actors/storage/sources/tpch.js';
import { TPCH_SCHEMAS, TPCH_TABLES, tpchOffsets, type TpchTable } from '../../protocol/storage/tpch.js';
import { isNumericValue, numericToFloat, type NumericValue } from '../../protocol/numeric.js';
import type { Row } from '../../protocol/types.js';

const SF = 0.01;
const all = (t: TpchTable): Row[] => Array.from({ length: tpchOffsets(t, SF) }, (_, i) => tpchRows(t, SF, i + 1)).flat();
const data = Object.fromEntries(TPCH_TABLES.map((t) => [t, all(t)])) as Record<TpchTable, Row[]>;
const col = (t: TpchTable, name: string) => TPCH_SCHEMAS[t].findIndex((c) => c.name === name);
const keys = (t: TpchTable, ...names: string[]) => new Set(data[t].map((r) => names.map((n) => r[col(t, n)]).join('|')));

test('the same rows come every time, each with its schema\'s width and types', () => {
  for (const t of TPCH_TABLES) {
    expect(all(t)).toEqual(data[t]);
    for (const row of data[t].slice(0, 50)) {
      expect(row.length).toBe(TPCH_SCHEMAS[t].length);
      TPCH_SCHEMAS[t].forEach((c, k) => expect(c.type === 'numeric' ? isNumericValue(row[k]) || typeof row[k] === 'number' : typeof row[k]).toBe(c.type === 'text' ? 'string' : c.type === 'numeric' ? true : 'number'));
    }
  }
});

test('counts, unique keys and foreign keys are TPC-H\'s', () => {
  expect([data.region.length, data.nation.length, data.supplier.length, data.part.length, data.partsupp.length, data.customer.length, data.orders.length])
    .toEqual([5, 25, 100, 2000, 8000, 1500, 15000]);
  expect(data.lineitem.length).toBeGreaterThan(15000 * 3.5);
  expect(data.lineitem.length).toBeLessThan(15000 * 4.5);
  expect(keys('partsupp', 'ps_partkey', 'ps_suppkey').size).toBe(8000);
  expect(keys('orders', 'o_orderkey').size).toBe(15000);
  expect(keys('lineitem', 'l_orderkey', 'l_linenumber').size).toBe(data.lineitem.length);
  const ps = keys('partsupp', 'ps_partkey', 'ps_suppkey');
  for (const l of data.lineitem) expect(ps.has(`${l[col('lineitem', 'l_partkey')]}|${l[col('lineitem', 'l_suppkey')]}`)).toBe(true);
  const customers = keys('customer', 'c_custkey');
  for (const o of data.orders) {
    expect(customers.has(String(o[1]))).toBe(true);
    expect((o[1] as number) % 3).not.toBe(0); // a third of the customers place no orders
  }
  expect(orderKey(9)).toBe(33); // sparse keys: the first 8 of every 32
});

test('order status and total price follow from the lines; flags from the current date', () => {
  for (let n = 1; n <= 2000; n++) {
    const { order, lines } = tpchOrder(n, SF);
    const statuses = new Set(lines.map((l) => l[9]));
    expect(order[2]).toBe(statuses.size === 2 ? 'P' : statuses.has('F') ? 'F' : 'O');
    const c = (v: unknown) => Math.round(numericToFloat(v as NumericValue) * 100);
    const cents = lines.reduce((s, l) => s + Math.round((c(l[5]) * (100 + c(l[7])) * (100 - c(l[6]))) / 10_000), 0);
    expect(numericToFloat(order[3] as NumericValue)).toBe(cents / 100);
    for (const l of lines) expect(l[8] === 'N').toBe((l[12] as number) > Date.UTC(1995, 5, 17) / 86_400_000);
  }
  expect(data.supplier.filter((s) => /Customer.*Complaints/.test(s[6] as string)).length).toBeGreaterThan(0);
  expect(data.orders.filter((o) => /special.*requests/.test(o[8] as string)).length).toBeGreaterThan(0);
});
