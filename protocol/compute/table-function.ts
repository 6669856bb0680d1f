/**
 * Table functions of `flat_map` (plan.ts): each turns its arguments, evaluated over one input row,
 * into the values of one new column, one output row per value (Materialize's FlatMap):
 * - `generate_series` (start, stop [, step]) over integers: start, start + step, ... while not
 *   past stop; none when a bound is NULL or the range runs the other way; step 0 is an error;
 *   at most MAX_SERIES_VALUES values per row (an error beyond).
 * - `unnest` (array): its elements in order (NULL elements too); none for a NULL array.
 */
import type { Value } from '../types.js';

export const TABLE_FUNCTIONS = ['generate_series', 'unnest'] as const;
export type TableFunction = (typeof TABLE_FUNCTIONS)[number];

export const MAX_SERIES_VALUES = 1_000_000;

/** The values `fn` yields for `args`; `fail` raises an evaluation error. */
export function tableFunctionValues(fn: TableFunction, args: Value[], fail: (message: string) => never): Value[] {
  if (fn === 'unnest') {
    const a = args[0];
    if (a === null || a === undefined) return [];
    if (!Array.isArray(a)) return fail('unnest expects an array');
    return a.slice();
  }
  const [start, stop, step = 1] = args;
  if (start === null || stop === null || step === null) return [];
  if (typeof start !== 'number' || typeof stop !== 'number' || typeof step !== 'number') return fail('generate_series expects integers');
  if (step === 0) return fail('step size cannot equal zero');
  const count = (stop - start) / step < 0 ? 0 : Math.floor((stop - start) / step) + 1;
  if (count > MAX_SERIES_VALUES) return fail(`generate_series would produce ${count} rows, more than ${MAX_SERIES_VALUES}`);
  const out: Value[] = [];
  for (let i = 0; i < count; i++) out.push(start + i * step);
  return out;
}
