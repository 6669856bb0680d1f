/**
 * The values of the extended aggregates of plan.ts (`bool_and`, `bool_or`, `string_agg`, the
 * variance family) from what a group holds, shared by the engine's accumulators
 * (actors/compute/engine/aggregates-extended.ts) and the reference evaluator (reference.ts), which
 * gather it differently: incrementally there, from the whole multiset here.
 */
import type { Aggregate } from './plan.js';
import { compareValues } from './row.js';
import { EvaluationError } from './scalar.js';
import type { Value } from '../types.js';

export const EXTENDED_AGGREGATES = new Set(['bool_and', 'bool_or', 'string_agg', 'var_samp', 'var_pop', 'stddev_samp', 'stddev_pop', 'array_agg']);

/**
 * array_agg of the values present (NULL among them) with their multiplicities: each repeated by its
 * multiplicity, ascending by value with NULLs last (descending with `desc`: NULLs first, as
 * Postgres' `ORDER BY x DESC`); NULL when there is none.
 */
export function arrayAggregate(a: Aggregate, present: Array<[Value, number]>): Value {
  if (present.length === 0) return null;
  const sign = a.desc ? -1 : 1;
  const order = (x: Value, y: Value): number => (x === null ? (y === null ? 0 : 1) : y === null ? -1 : compareValues(x, y));
  // With `by`, each value is a pair [order value, element]: ordered by the first, then the second.
  const pairOrder = (x: Value, y: Value): number => {
    const [px, py] = [x as Value[], y as Value[]];
    return order(px[0] as Value, py[0] as Value) || order(px[1] as Value, py[1] as Value);
  };
  const sorted = [...present].sort((x, y) => sign * (a.by ? pairOrder(x[0], y[0]) : order(x[0], y[0])));
  const out: Array<Exclude<Value, unknown[]>> = [];
  for (const [pair, n] of sorted) {
    const v = a.by ? ((pair as Value[])[1] as Value) : pair;
    if (Array.isArray(v)) throw new EvaluationError('array_agg of arrays (multidimensional arrays) is not supported');
    for (let i = 0; i < n; i++) out.push(v as Exclude<Value, unknown[]>);
  }
  return out;
}

/** Aggregates of the distinct non-NULL values present (multiplicity > 0) with their multiplicities. */
export function presentValuesAggregate(a: Aggregate, present: Array<[Value, number]>): Value {
  if (present.length === 0) return null;
  switch (a.fn) {
    case 'bool_and':
      return present.every(([v]) => v === true);
    case 'bool_or':
      return present.some(([v]) => v === true);
    case 'string_agg': {
      const sign = a.desc ? -1 : 1;
      const sorted = [...present].sort((x, y) => sign * compareValues(x[0], y[0]));
      const parts: string[] = [];
      for (const [v, n] of sorted) for (let i = 0; i < n; i++) parts.push(String(v));
      return parts.join(a.separator ?? '');
    }
    default:
      throw new Error(`${a.fn} is not an aggregate of present values`);
  }
}

/** The variance family from the non-NULL multiplicity `n` and the exact sums of x and x*x. */
export function varianceAggregate(fn: Aggregate['fn'], n: number, sx: number, sxx: number): Value {
  const sample = fn === 'var_samp' || fn === 'stddev_samp';
  if (n <= 0 || (sample && n <= 1)) return null;
  // Postgres clamps a rounding error below zero to zero (float8_var_samp); so do we.
  const numerator = Math.max(0, sxx - (sx * sx) / n);
  const variance = numerator / (sample ? n - 1 : n);
  return fn === 'stddev_samp' || fn === 'stddev_pop' ? Math.sqrt(variance) : variance;
}

/** The value an extended aggregate takes in, checked (a wrong kind is an evaluation error). */
export function checkExtendedInput(fn: Aggregate['fn'], v: Value): void {
  if (v === null || fn === 'array_agg') return;
  const want = fn === 'bool_and' || fn === 'bool_or' ? 'boolean' : fn === 'string_agg' ? 'string' : 'number';
  if (typeof v !== want) throw new EvaluationError(`${fn} expects ${want === 'string' ? 'text' : want === 'boolean' ? 'booleans' : 'numbers'}`);
}
