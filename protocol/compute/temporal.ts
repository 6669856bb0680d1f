/**
 * The bounds of plan.ts' `temporal` operator (Materialize's temporal filters, MfpPlan's lower and
 * upper bounds): for one row, the interval of times [lower, upper) at which it is in the output.
 * Shared by the engine (which turns the interval into an insertion at max(t, lower) and a
 * retraction at upper) and the reference evaluator (which asks whether one time is inside it).
 */
import type { Expr } from './plan.js';
import type { Row } from '../types.js';
import { compileExpr, EvaluationError } from './scalar.js';

/** A row's interval of presence: `lower <= t < upper` (either may be infinite); null = never. */
export type Interval = { lower: number; upper: number } | null;

/** Compiles the bounds into a function of the row; it throws EvaluationError on a bad bound. */
export function compileTemporal(lower: Expr[], upper: Expr[]): (row: Row) => Interval {
  const lo = lower.map(compileExpr);
  const hi = upper.map(compileExpr);
  return (row) => {
    let l = -Infinity;
    let u = Infinity;
    let never = false;
    // Every bound is evaluated (left to right, lower first), so which rows error does not depend
    // on the values of earlier bounds.
    for (let i = 0; i < lo.length; i++) {
      const v = bound(lo[i]!(row));
      if (v === null) never = true;
      else if (v > l) l = v;
    }
    for (let i = 0; i < hi.length; i++) {
      const v = bound(hi[i]!(row));
      if (v === null) never = true;
      else if (v < u) u = v;
    }
    return never || u <= l ? null : { lower: l, upper: u };
  };
}

function bound(v: unknown): number | null {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new EvaluationError(`mz_now() is compared with ${String(v)}, which is not a timestamp in milliseconds`);
  return v;
}

/** Whether time `t` is inside the interval. */
export function presentAt(interval: Interval, t: number): boolean {
  return interval !== null && interval.lower <= t && t < interval.upper;
}
