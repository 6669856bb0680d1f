/**
 * Incremental accumulators of the extended aggregates (plan.ts): `bool_and` / `bool_or` and
 * `string_agg` keep the group's distinct non-NULL values with their multiplicities (deletions
 * are exact; string_agg rebuilds its text only when asked after a change), the variance family
 * keeps the non-NULL multiplicity and exact sums of x and x*x (ExactSum), so its value depends
 * only on the group's multiset, never on the order of updates.
 */
import type { Aggregate } from '../../../protocol/compute/plan.js';
import { ExactSum } from '../../../protocol/compute/exact-sum.js';
import { arrayAggregate, presentValuesAggregate, varianceAggregate } from '../../../protocol/compute/extended-aggregates.js';
import { rowKey } from '../../../protocol/compute/row.js';
import type { Value } from '../../../protocol/types.js';
import type { Accumulator } from './aggregates.js';

class PresentValues implements Accumulator {
  /** By value; array_agg's (order value, element) pairs (its `by`) by their text. */
  private readonly values = new Map<Value, [Value, number]>();
  private cached: Value = null;
  private valid = true;
  /** array_agg keeps NULLs (they are elements); the others ignore them. */
  private readonly keepNulls: boolean;
  constructor(private readonly aggregate: Aggregate) {
    this.keepNulls = aggregate.fn === 'array_agg';
  }
  add(v: Value, diff: number): void {
    if (v === null && !this.keepNulls) return;
    const k = Array.isArray(v) ? `\u0001${rowKey([v])}` : v;
    const after = (this.values.get(k)?.[1] ?? 0) + diff;
    if (after === 0) this.values.delete(k);
    else this.values.set(k, [v, after]);
    this.valid = false;
  }
  value(): Value {
    if (!this.valid) {
      const present = [...this.values.values()].filter(([, n]) => n > 0);
      this.cached = this.keepNulls ? arrayAggregate(this.aggregate, present) : presentValuesAggregate(this.aggregate, present);
      this.valid = true;
    }
    return this.cached;
  }
  isEmpty(): boolean {
    return this.values.size === 0;
  }
  records(): number {
    return this.values.size;
  }
}

class Variance implements Accumulator {
  private n = 0;
  private readonly sx = new ExactSum();
  private readonly sxx = new ExactSum();
  constructor(private readonly fn: Aggregate['fn']) {}
  add(v: Value, diff: number): void {
    if (v === null) return;
    const x = v as number;
    this.n += diff;
    this.sx.add(x, diff);
    this.sxx.add(x * x, diff);
  }
  value(): Value {
    return varianceAggregate(this.fn, this.n, this.sx.value(), this.sxx.value());
  }
  isEmpty(): boolean {
    return this.n === 0 && this.sx.isZero() && this.sxx.isZero();
  }
  records(): number {
    return 0;
  }
}

/** A fresh accumulator for an extended aggregate. */
export function newExtendedAccumulator(a: Aggregate): Accumulator {
  if (a.fn === 'bool_and' || a.fn === 'bool_or' || a.fn === 'string_agg' || a.fn === 'array_agg') return new PresentValues(a);
  return new Variance(a.fn);
}
