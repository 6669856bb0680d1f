/**
 * Incremental accumulators of the reduce aggregates, one per (group, aggregate). Each takes a
 * value with a signed multiplicity and reports the aggregate of the group's current multiset, with
 * the semantics of plan.ts and the reference evaluator: count and count(*) are sums of
 * multiplicities; sum and avg are exact (ExactSum), NULL when the non-NULL multiplicity is zero;
 * min, max and count(distinct) keep the group's multiset of distinct values, so deletions are
 * exact: a value counts while its multiplicity is positive; sum / avg (DISTINCT) keep the
 * distinct values too, and sum each once.
 */
import type { Aggregate } from '../../../protocol/compute/plan.js';
import { newExtendedAccumulator } from './aggregates-extended.js';
import { ExactSum } from '../../../protocol/compute/exact-sum.js';
import { DecimalSum } from '../../../protocol/numeric.js';
import { compareValues } from '../../../protocol/compute/row.js';
import type { Value } from '../../../protocol/types.js';

export interface Accumulator {
  add(v: Value, diff: number): void;
  value(): Value;
  /** True when the accumulator holds nothing (the group may then be forgotten). */
  isEmpty(): boolean;
  /** Records held (distinct values kept). */
  records(): number;
}

class CountStar implements Accumulator {
  private n = 0;
  add(_v: Value, diff: number): void {
    this.n += diff;
  }
  value(): Value {
    return this.n;
  }
  isEmpty(): boolean {
    return this.n === 0;
  }
  records(): number {
    return 0;
  }
}

/** count(expr): CountStar over the non-NULL values. */
class Count extends CountStar {
  override add(v: Value, diff: number): void {
    if (v !== null) super.add(v, diff);
  }
}

/** sum / avg (ExactSum over doubles) and sum_numeric / avg_numeric (DecimalSum over decimals). */
class Sum implements Accumulator {
  private n = 0;
  constructor(
    private readonly sum: ExactSum | DecimalSum,
    private readonly average: boolean,
  ) {}
  add(v: Value, diff: number): void {
    if (v === null) return;
    this.n += diff;
    this.sum.add(v as number, diff);
  }
  value(): Value {
    if (this.n === 0) return null;
    return this.average ? this.sum.average(this.n) : this.sum.value();
  }
  isEmpty(): boolean {
    return this.n === 0 && this.sum.isZero();
  }
  records(): number {
    return 0;
  }
}

/**
 * Adds `diff` copies of `v` to `values` (a value leaves the map at multiplicity 0); `presence` is
 * 1 when v became present (multiplicity from <= 0 to > 0), -1 when it stopped being, else 0.
 */
function addToMultiset(values: Map<Value, number>, v: Value, diff: number): { presence: -1 | 0 | 1; after: number } {
  const before = values.get(v) ?? 0;
  const after = before + diff;
  if (after === 0) values.delete(v);
  else values.set(v, after);
  return { presence: before <= 0 && after > 0 ? 1 : before > 0 && after <= 0 ? -1 : 0, after };
}

/** sum / avg (DISTINCT): each value counts once while its multiplicity in the group is positive. */
class DistinctSum implements Accumulator {
  private readonly values = new Map<Value, number>();
  constructor(private readonly inner: Sum) {}
  add(v: Value, diff: number): void {
    if (v === null) return;
    const change = addToMultiset(this.values, v, diff).presence;
    if (change !== 0) this.inner.add(v, change);
  }
  value(): Value {
    return this.inner.value();
  }
  isEmpty(): boolean {
    return this.values.size === 0;
  }
  records(): number {
    return this.values.size;
  }
}

/**
 * The distinct non-NULL values of a group with their multiplicities. min / max cache the extreme
 * and rescan the distinct values only when the cached one loses its last copy.
 */
class Distinct implements Accumulator {
  private readonly values = new Map<Value, number>();
  private positive = 0;
  private best: Value = null;
  private bestValid = true;

  /** sign: 1 = min, -1 = max, 0 = count(distinct). */
  constructor(private readonly sign: number) {}

  add(v: Value, diff: number): void {
    if (v === null) return;
    const { presence, after } = addToMultiset(this.values, v, diff);
    this.positive += presence;
    if (this.sign === 0) return;
    if (after > 0) {
      if (this.bestValid && (this.best === null || this.sign * compareValues(v, this.best) < 0)) this.best = v;
    } else if (this.best === v) {
      this.bestValid = false;
    }
  }

  value(): Value {
    if (this.sign === 0) return this.positive;
    if (!this.bestValid) {
      let best: Value = null;
      for (const [v, n] of this.values) if (n > 0 && (best === null || this.sign * compareValues(v, best) < 0)) best = v;
      this.best = best;
      this.bestValid = true;
    }
    return this.best;
  }

  isEmpty(): boolean {
    return this.values.size === 0;
  }

  records(): number {
    return this.values.size;
  }
}

/** A fresh accumulator for `a`. */
export function newAccumulator(a: Aggregate): Accumulator {
  const fn = a.fn;
  if (a.distinct && (fn === 'sum' || fn === 'avg' || fn === 'sum_numeric' || fn === 'avg_numeric')) {
    return new DistinctSum(new Sum(fn === 'sum' || fn === 'avg' ? new ExactSum() : new DecimalSum(), fn === 'avg' || fn === 'avg_numeric'));
  }
  switch (fn) {
    case 'count_star':
      return new CountStar();
    case 'count':
      return new Count();
    case 'sum':
      return new Sum(new ExactSum(), false);
    case 'avg':
      return new Sum(new ExactSum(), true);
    case 'sum_numeric':
      return new Sum(new DecimalSum(), false);
    case 'avg_numeric':
      return new Sum(new DecimalSum(), true);
    case 'min':
      return new Distinct(1);
    case 'max':
      return new Distinct(-1);
    case 'count_distinct':
      return new Distinct(0);
    default:
      return newExtendedAccumulator(a);
  }
}
