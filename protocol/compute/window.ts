/**
 * Window functions over one partition (the `window` plan node, plan.ts), shared by the engine's
 * WindowNode (actors/compute/engine/window.ts), which re-evaluates the partitions an update
 * touches, and the reference evaluator, which evaluates every partition from scratch.
 *
 * The partition's rows are ordered by the node's ORDER BY keys, then by the whole row (so peers
 * have one fixed order and the result never depends on update order; Postgres leaves the order
 * of peers unspecified, so this is one of its answers). A row with multiplicity m stands for m
 * consecutive rows. Each output row is the input row followed by one value per window call.
 * Frames start at the partition's first row and end at the current row (`rows`), at its last
 * peer (`range`: RANGE UNBOUNDED PRECEDING .. CURRENT ROW, Postgres' default with ORDER BY), or at
 * the partition's end (`partition`: the default without ORDER BY, or UNBOUNDED FOLLOWING).
 */
import { ExactSum } from './exact-sum.js';
import { DecimalSum } from '../numeric.js';
import type { OrderKey } from './plan.js';
import { compareValues, compileOrder } from './row.js';
import type { Row, Value } from '../types.js';

export const WINDOW_FUNCTIONS = [
  'row_number', 'rank', 'dense_rank', 'ntile', 'lag', 'lead', 'first_value', 'last_value',
  'count_star', 'count', 'sum', 'avg', 'min', 'max',
  // sum / avg on decimals (protocol/numeric.ts), as reduce's sum_numeric / avg_numeric
  'sum_numeric', 'avg_numeric',
] as const;
export type WindowFunction = (typeof WINDOW_FUNCTIONS)[number];

export interface WindowCall {
  fn: WindowFunction;
  /** The argument column (every function but row_number, rank, dense_rank, ntile, count_star). */
  column?: number;
  /** lag / lead: how many rows back / ahead (default 1); ntile: the number of buckets (> 0). */
  offset?: number;
  /** lag / lead: the value past the partition's edge (default NULL). */
  default?: Value;
  /** The frame of first_value, last_value and the aggregates (default `range`). */
  frame?: 'range' | 'rows' | 'partition';
}

/** The output rows of one partition's live rows (multiplicity > 0), identical output rows merged. */
export function evaluateWindow(rows: Array<[Row, number]>, orderBy: OrderKey[], calls: WindowCall[]): Array<[Row, number]> {
  const sorted = [...rows].filter(([, n]) => n > 0).sort((a, b) => compileOrder(orderBy)(a[0], b[0]));
  const expanded: Row[] = [];
  for (const [row, n] of sorted) for (let i = 0; i < n; i++) expanded.push(row);
  const n = expanded.length;
  // Peer groups: rows equal on every ORDER BY column (all rows, without ORDER BY).
  const peerStart = new Array<number>(n);
  const peerEnd = new Array<number>(n);
  const denseRank = new Array<number>(n);
  let groups = 0;
  for (let i = 0; i < n; i++) {
    const peer = i > 0 && orderBy.every((o) => compareValues(expanded[i]![o.column]!, expanded[i - 1]![o.column]!) === 0);
    peerStart[i] = peer ? peerStart[i - 1]! : i;
    if (!peer) groups++;
    denseRank[i] = groups;
  }
  for (let i = n - 1; i >= 0; i--) peerEnd[i] = i < n - 1 && peerStart[i + 1] === peerStart[i] ? peerEnd[i + 1]! : i;
  const columns = calls.map((call) => windowColumn(call, expanded, peerStart, peerEnd, denseRank));
  const out = new Map<string, [Row, number]>();
  for (let i = 0; i < n; i++) {
    const row = [...expanded[i]!, ...columns.map((c) => c[i]!)];
    const key = JSON.stringify(row);
    const have = out.get(key);
    if (have) have[1]++;
    else out.set(key, [row, 1]);
  }
  return [...out.values()];
}

/** One call's value at every position of the ordered, expanded partition. */
function windowColumn(call: WindowCall, rows: Row[], peerStart: number[], peerEnd: number[], denseRank: number[]): Value[] {
  const n = rows.length;
  const arg = (i: number): Value => rows[i]![call.column ?? 0]!;
  const frameEnd = (i: number): number => (call.frame === 'rows' ? i : call.frame === 'partition' ? n - 1 : peerEnd[i]!);
  const out = new Array<Value>(n);
  switch (call.fn) {
    case 'row_number':
      for (let i = 0; i < n; i++) out[i] = i + 1;
      return out;
    case 'rank':
      for (let i = 0; i < n; i++) out[i] = peerStart[i]! + 1;
      return out;
    case 'dense_rank':
      for (let i = 0; i < n; i++) out[i] = denseRank[i]!;
      return out;
    case 'ntile': {
      // Postgres: buckets of n / b rows, the first n % b of them one row larger.
      const b = call.offset ?? 1;
      const per = Math.floor(n / b);
      const extra = n % b;
      for (let i = 0; i < n; i++) {
        const big = extra * (per + 1);
        out[i] = i < big ? Math.floor(i / (per + 1)) + 1 : extra + Math.floor((i - big) / Math.max(per, 1)) + 1;
      }
      return out;
    }
    case 'lag':
    case 'lead': {
      const k = (call.offset ?? 1) * (call.fn === 'lag' ? -1 : 1);
      for (let i = 0; i < n; i++) out[i] = i + k >= 0 && i + k < n ? arg(i + k) : (call.default ?? null);
      return out;
    }
    case 'first_value':
      for (let i = 0; i < n; i++) out[i] = arg(0);
      return out;
    case 'last_value':
      for (let i = 0; i < n; i++) out[i] = arg(frameEnd(i));
      return out;
    default: {
      const prefix = prefixAggregate(call, rows);
      for (let i = 0; i < n; i++) out[i] = prefix[frameEnd(i)]!;
      return out;
    }
  }
}

/** prefix[k]: the aggregate over positions 0..k (the semantics of reduce's aggregates, plan.ts). */
function prefixAggregate(call: WindowCall, rows: Row[]): Value[] {
  const out: Value[] = [];
  let count = 0;
  const sum = new ExactSum();
  const decimal = new DecimalSum();
  let best: Value = null;
  for (let k = 0; k < rows.length; k++) {
    const v = call.fn === 'count_star' ? true : rows[k]![call.column ?? 0]!;
    if (v !== null) {
      count++;
      if (call.fn === 'sum' || call.fn === 'avg') sum.add(v as number, 1);
      if (call.fn === 'sum_numeric' || call.fn === 'avg_numeric') decimal.add(v as number, 1);
      if ((call.fn === 'min' || call.fn === 'max') && (best === null || (call.fn === 'min' ? 1 : -1) * compareValues(v, best) < 0)) best = v;
    }
    switch (call.fn) {
      case 'count_star':
      case 'count':
        out.push(count);
        break;
      case 'sum':
        out.push(count === 0 ? null : sum.value());
        break;
      case 'avg':
        out.push(count === 0 ? null : sum.value() / count);
        break;
      case 'sum_numeric':
        out.push(count === 0 ? null : decimal.value());
        break;
      case 'avg_numeric':
        out.push(count === 0 ? null : decimal.average(count));
        break;
      default:
        out.push(best);
    }
  }
  return out;
}
