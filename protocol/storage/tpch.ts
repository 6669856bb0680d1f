/**
 * The TPC-H load generator's relations, shared by CONTROL (catalog columns, subsources) and
 * STORAGE (the generator, actors/storage/sources/tpch.ts): the eight tables, their columns with
 * Materialize's TPCH load generator types (keys bigint, sizes int, money numeric(15,2), dates
 * date, strings text), and how many offsets each holds at a scale factor. An offset is one row,
 * except for `lineitem`, where offset n is order n and yields its 1..7 line items.
 */
import type { Column, Schema } from '../types.js';

export const TPCH_TABLES = ['customer', 'lineitem', 'nation', 'orders', 'part', 'partsupp', 'region', 'supplier'] as const;
export type TpchTable = (typeof TPCH_TABLES)[number];

const c = (name: string, type: Column['type']): Column => ({ name, type, nullable: false });
const money = (name: string): Column => ({ name, type: 'numeric', nullable: false, precision: 15, scale: 2 });

export const TPCH_SCHEMAS: Record<TpchTable, Schema> = {
  customer: [c('c_custkey', 'bigint'), c('c_name', 'text'), c('c_address', 'text'), c('c_nationkey', 'int'), c('c_phone', 'text'), money('c_acctbal'), c('c_mktsegment', 'text'), c('c_comment', 'text')],
  lineitem: [
    c('l_orderkey', 'bigint'), c('l_partkey', 'bigint'), c('l_suppkey', 'bigint'), c('l_linenumber', 'int'),
    money('l_quantity'), money('l_extendedprice'), money('l_discount'), money('l_tax'),
    c('l_returnflag', 'text'), c('l_linestatus', 'text'), c('l_shipdate', 'date'), c('l_commitdate', 'date'), c('l_receiptdate', 'date'),
    c('l_shipinstruct', 'text'), c('l_shipmode', 'text'), c('l_comment', 'text'),
  ],
  nation: [c('n_nationkey', 'int'), c('n_name', 'text'), c('n_regionkey', 'int'), c('n_comment', 'text')],
  orders: [
    c('o_orderkey', 'bigint'), c('o_custkey', 'bigint'), c('o_orderstatus', 'text'), money('o_totalprice'), c('o_orderdate', 'date'),
    c('o_orderpriority', 'text'), c('o_clerk', 'text'), c('o_shippriority', 'int'), c('o_comment', 'text'),
  ],
  part: [c('p_partkey', 'bigint'), c('p_name', 'text'), c('p_mfgr', 'text'), c('p_brand', 'text'), c('p_type', 'text'), c('p_size', 'int'), c('p_container', 'text'), money('p_retailprice'), c('p_comment', 'text')],
  partsupp: [c('ps_partkey', 'bigint'), c('ps_suppkey', 'bigint'), c('ps_availqty', 'int'), money('ps_supplycost'), c('ps_comment', 'text')],
  region: [c('r_regionkey', 'int'), c('r_name', 'text'), c('r_comment', 'text')],
  supplier: [c('s_suppkey', 'bigint'), c('s_name', 'text'), c('s_address', 'text'), c('s_nationkey', 'int'), c('s_phone', 'text'), money('s_acctbal'), c('s_comment', 'text')],
};

/** Row counts of the scaled tables at scale factor 1 (TPC-H 4.2.5); partsupp is 4 per part. */
const BASE = { customer: 150_000, orders: 1_500_000, part: 200_000, supplier: 10_000 } as const;

/** The number of offsets `table` has at scale factor `sf` (at least one of each scaled table). */
export function tpchOffsets(table: TpchTable, sf: number): number {
  const scaled = (n: number) => Math.max(1, Math.floor(n * sf));
  switch (table) {
    case 'region':
      return 5;
    case 'nation':
      return 25;
    case 'partsupp':
      return scaled(BASE.part) * 4;
    case 'lineitem':
      return scaled(BASE.orders);
    default:
      return scaled(BASE[table]);
  }
}

/** Scale factors accepted by `CREATE SOURCE ... LOAD GENERATOR TPCH (SCALE FACTOR sf)`. */
export const TPCH_MAX_SCALE = 10;
