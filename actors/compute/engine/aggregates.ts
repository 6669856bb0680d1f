/**
 * Incremental accumulators of the reduce aggregates, one per (group, aggregate). Each takes a
 * value with a signed multiplicity and reports the aggregate of the group's current multiset, with
 * the semantics of plan.ts and the reference evaluator: count and count(*) are sums of
 * multiplicities; sum and avg are exact (ExactSum), NULL when the non-NULL multiplicity is zero;
 * min, max and count(distinct) keep the group's multiset of distinct values, so deletions are
 * exact: a value counts while its multiplicity is positive; sum / avg (DISTINCT) keep the
 * distinct values too, and sum each once.
 */
import { JSONB_TAG, jsonbKey } from '../../../protocol/jsonb.js';
import type { Aggregate } from '../../../protocol/compute/plan.js';
import { newExtendedAccumulator } from './aggregates-extended.js';
import { ExactSum } from '../../../protocol/compute/exact-sum.js';
import { DecimalSum, numericIdentity } from '../../../protocol/numeric.js';
import { compareValues, keyOf } from '../../../protocol/compute/row.js';
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

/**
 * The multiset key of a value: numerics carried as strings by their decimal (1.5 and 1.50 are one
 * value, protocol/numeric.ts), jsonb by jsonbKey, everything else itself.
 */
function multisetKey(v: Value): Value {
  if (typeof v !== 'string') return v;
  const c = v.charCodeAt(0);
  // jsonb (protocol/jsonb.ts): by value ('1' and '1.0' are one document), still a jsonb value's tag first.
  return c === 0 ? numericIdentity(v) : c === 1 ? JSONB_TAG + jsonbKey(v) : v;
}

/** The value shown for each multiset key whose first present value differs from the key (1.50 for 1.5). */
function trackShown(shown: Map<Value, Value>, k: Value, v: Value, presence: -1 | 0 | 1): void {
  if (presence > 0 && k !== v) shown.set(k, v);
  else if (presence < 0) shown.delete(k);
}

/** sum / avg (DISTINCT): each value counts once while its multiplicity in the group is positive. */
class DistinctSum implements Accumulator {
  private readonly values = new Map<Value, number>();
  private readonly shown = new Map<Value, Value>();
  constructor(private readonly inner: Sum) {}
  add(v: Value, diff: number): void {
    if (v === null) return;
    const k = multisetKey(v);
    const change = addToMultiset(this.values, k, diff).presence;
    if (change === 0) return;
    // The value that entered the sum leaves it (1.50 stays 1.50 when 1.5 is what is retracted).
    const counted = change > 0 ? v : (this.shown.get(k) ?? k);
    trackShown(this.shown, k, v, change);
    this.inner.add(counted, change);
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
  private readonly shown = new Map<Value, Value>();
  private positive = 0;
  private best: Value = null;
  private bestValid = true;

  /** One array object per distinct array value (arrays are keys by content, not by reference). */
  private readonly arrays = new Map<string, Value>();

  /** sign: 1 = min, -1 = max, 0 = count(distinct). */
  constructor(private readonly sign: number) {}

  private key(v: Value): Value {
    if (!Array.isArray(v)) return multisetKey(v);
    const s = keyOf([v]);
    let k = this.arrays.get(s);
    if (k === undefined) this.arrays.set(s, (k = v));
    return k;
  }

  add(v: Value, diff: number): void {
    if (v === null) return;
    const k = this.key(v);
    const { presence, after } = addToMultiset(this.values, k, diff);
    if (after === 0 && Array.isArray(k)) this.arrays.delete(keyOf([k]));
    this.positive += presence;
    if (this.sign === 0) return;
    if (k !== v || presence < 0) trackShown(this.shown, k, v, presence);
    v = k;
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
    return this.shown.size === 0 ? this.best : (this.shown.get(this.best) ?? this.best);
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
