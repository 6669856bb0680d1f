/**
 * The reference evaluator: computes a plan's output from the full contents of its inputs, by the
 * definitions in plan.ts, with no incrementality and no cleverness. It is the oracle the engine is
 * tested against (at every timestamp) and that the SQL planner's tests use. Simple on purpose:
 * joins are nested loops (each inner input looked up by its equated columns in a hash map).
 *
 * Errors: rows whose expressions fail to evaluate are dropped from the data and counted, with
 * their multiplicity, in an error multiset keyed by message (as Materialize keeps an error
 * collection beside the data). `evaluatePlan` throws the first error (by message) when that
 * multiset is not empty; `evaluatePlanWithErrors` returns both.
 */
import type { Row, Value } from '../types.js';
import { tableFunctionValues } from './table-function.js';
import { arrayAggregate, checkExtendedInput, EXTENDED_AGGREGATES, presentValuesAggregate, varianceAggregate } from './extended-aggregates.js';
import { evaluateWindow } from './window.js';
import { ExactSum } from './exact-sum.js';
import { DecimalSum, isNumericString, numericIdentity } from '../numeric.js';
import { isJsonbValue, jsonbKey } from '../jsonb.js';
import type { Aggregate, Plan } from './plan.js';
import { compareValues, compileOrder, consolidateRows, keyOf, rowKey } from './row.js';
import { sameKeyValue } from '../row-hash.js';
import { compileExpr, EvaluationError } from './scalar.js';
import { compileTemporal, presentAt } from './temporal.js';
import { iterateFixpoint } from './fixpoint.js';

type Collection = Array<[Row, number]>;

/** A plan's output and its evaluation errors (message, multiplicity), both consolidated and sorted. */
export interface Evaluation {
  rows: Collection;
  errors: Array<[string, number]>;
}

/** Where a plan is evaluated: `time` is the timestamp its `temporal` filters (mz_now()) see. */
export interface EvaluateOptions {
  time?: number;
}

/** The plan's output over `inputs` (name -> rows with multiplicities), consolidated and sorted. */
export function evaluatePlan(plan: Plan, inputs: Map<string, Array<[Row, number]>>, options: EvaluateOptions = {}): Array<[Row, number]> {
  const { rows, errors } = evaluatePlanWithErrors(plan, inputs, options);
  if (errors.length > 0) throw new EvaluationError(errors[0]![0]);
  return rows;
}

/** Like `evaluatePlan`, but returns the error multiset instead of throwing. */
export function evaluatePlanWithErrors(plan: Plan, inputs: Map<string, Array<[Row, number]>>, options: EvaluateOptions = {}): Evaluation {
  const errors = new Map<string, number>();
  const rows = evaluate(plan, inputs, errors, options.time);
  const errs = [...errors].filter(([, n]) => n !== 0).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { rows, errors: errs };
}

/** Runs `f` on a row; on an evaluation error, counts it with the row's multiplicity. */
function guarded<T>(errors: Map<string, number>, diff: number, f: () => T): T | undefined {
  try {
    return f();
  } catch (err) {
    if (!(err instanceof EvaluationError)) throw err;
    errors.set(err.message, (errors.get(err.message) ?? 0) + diff);
    return undefined;
  }
}

const failEval = (message: string): never => {
  throw new EvaluationError(message);
};

function evaluate(plan: Plan, inputs: Map<string, Collection>, errors: Map<string, number>, time: number | undefined): Collection {
  const ev = (p: Plan) => evaluate(p, inputs, errors, time);
  switch (plan.op) {
    case 'get': {
      const rows = inputs.get(plan.name);
      if (!rows) throw new Error(`no input named ${plan.name}`);
      for (const [row] of rows) if (row.length !== plan.arity) throw new Error(`input ${plan.name}: row of arity ${row.length}, expected ${plan.arity}`);
      return consolidateRows(rows);
    }
    case 'constant':
      return consolidateRows(plan.rows);
    case 'map': {
      const fs = plan.exprs.map(compileExpr);
      const out: Collection = [];
      for (const [row, diff] of ev(plan.input)) {
        const r = guarded(errors, diff, () => {
          const ext = row.slice();
          for (const f of fs) ext.push(f(ext));
          return ext;
        });
        if (r) out.push([r, diff]);
      }
      return consolidateRows(out);
    }
    case 'filter': {
      const ps = plan.predicates.map(compileExpr);
      return ev(plan.input).filter(([row, diff]) => guarded(errors, diff, () => ps.every((p) => p(row) === true)) === true);
    }
    case 'temporal': {
      if (time === undefined) throw new Error('a temporal filter (mz_now()) is evaluated at a time: pass options.time');
      const bounds = compileTemporal(plan.lower, plan.upper);
      const t = time;
      return ev(plan.input).filter(([row, diff]) => guarded(errors, diff, () => presentAt(bounds(row), t)) === true);
    }
    case 'flat_map': {
      const fs = plan.exprs.map(compileExpr);
      const out: Collection = [];
      for (const [row, diff] of ev(plan.input)) {
        const values = guarded(errors, diff, () => tableFunctionValues(plan.func, fs.map((f) => f(row)), failEval));
        if (values) for (const v of values) out.push([[...row, v], diff]);
      }
      return consolidateRows(out);
    }
    case 'project':
      return consolidateRows(ev(plan.input).map(([row, diff]) => [plan.columns.map((c) => row[c]!), diff]));
    case 'join':
      return join(plan.inputs.map(ev), plan.equivalences);
    case 'reduce':
      return reduce(ev(plan.input), plan.groupKey, plan.aggregates, errors);
    case 'distinct':
      return byValue(ev(plan.input)).filter(([, d]) => d > 0).map(([row]) => [row, 1]);
    case 'union':
      return consolidateRows(plan.inputs.flatMap(ev));
    case 'negate':
      return ev(plan.input).map(([row, d]) => [row, -d]);
    case 'threshold':
      return byValue(ev(plan.input)).filter(([, d]) => d > 0);
    case 'topk':
      return topk(ev(plan.input), plan.groupKey, compileOrder(plan.order), plan.offset, plan.limit);
    case 'fixpoint': {
      const [base, step] = plan.inputs as [Plan, Plan];
      const name = plan.name;
      return iterateFixpoint(ev(base), plan.distinct, plan.limit, (working) => evaluate(step, new Map([...inputs, [name, working]]), errors, time), errors);
    }
    case 'window': {
      const groups = new Map<string, Collection>();
      for (const [row, d] of ev(plan.input)) {
        const k = keyOf(plan.partitionBy.map((c) => row[c]!));
        let g = groups.get(k);
        if (!g) groups.set(k, (g = []));
        g.push([row, d]);
      }
      const out: Collection = [];
      for (const g of groups.values()) out.push(...evaluateWindow(consolidateRows(g), plan.orderBy, plan.functions));
      return consolidateRows(out);
    }
  }
}

/** Merges equivalence classes that share a column and drops classes of fewer than two columns. */
export function normalizeEquivalences(equivalences: number[][]): number[][] {
  const classes: Array<Set<number>> = [];
  for (const cls of equivalences) {
    const merged = new Set(cls);
    for (let i = classes.length - 1; i >= 0; i--) {
      if ([...classes[i]!].some((c) => merged.has(c))) {
        for (const c of classes[i]!) merged.add(c);
        classes.splice(i, 1);
      }
    }
    classes.push(merged);
  }
  return classes
    .map((s) => [...s].sort((a, b) => a - b))
    .filter((c) => c.length >= 2)
    .sort((a, b) => a[0]! - b[0]!);
}

function join(inputs: Collection[], equivalences: number[][]): Collection {
  const classes = normalizeEquivalences(equivalences);
  // A column's class leader: the smallest column of its class.
  const leader = new Map<number, number>();
  for (const cls of classes) for (const c of cls) leader.set(c, cls[0]!);
  const out: Collection = [];
  // Input i's rows grouped by their values at the columns equated with earlier inputs' columns (a
  // hash lookup instead of a scan; rows with a null there can match nothing). Built on first use,
  // when the offset of input i (the length of the rows accumulated before it) is known.
  const lookups: Array<{ probe: number[]; rows: Map<string, Collection> }> = [];
  const lookupFor = (i: number, offset: number) => {
    let l = lookups[i];
    if (l) return l;
    const own: number[] = [];
    const probe: number[] = [];
    const arity = inputs[i]![0]?.[0].length ?? 0;
    for (let c = offset; c < offset + arity; c++) {
      const ld = leader.get(c);
      if (ld !== undefined && ld < offset) {
        own.push(c - offset);
        probe.push(ld);
      }
    }
    const rows = new Map<string, Collection>();
    for (const entry of inputs[i]!) {
      const key = own.map((c) => entry[0][c]!);
      if (key.some((v) => v === null)) continue;
      const k = keyOf(key);
      const list = rows.get(k);
      if (list) list.push(entry);
      else rows.set(k, [entry]);
    }
    lookups[i] = l = { probe, rows };
    return l;
  };
  const extend = (i: number, acc: Value[], diff: number): void => {
    if (i === inputs.length) {
      out.push([acc, diff]);
      return;
    }
    const { probe, rows } = lookupFor(i, acc.length);
    const key = probe.map((c) => acc[c]!);
    if (key.some((v) => v === null)) return;
    for (const [row, d] of rows.get(keyOf(key)) ?? []) {
      const next = acc.concat(row);
      let ok = true;
      for (let c = acc.length; c < next.length && ok; c++) {
        const l = leader.get(c);
        if (l === undefined) continue;
        ok = next[c] !== null && sameKeyValue(next[c]!, next[l]!);
      }
      if (ok) extend(i + 1, next, diff * d);
    }
  };
  extend(0, [], 1);
  return consolidateRows(out);
}

/**
 * Rows that are one value (1.5 and 1.50: `keyOf`) summed into one, shown as the first of them
 * with a positive multiplicity, as the engine's distinct and threshold do.
 */
function byValue(input: Collection): Collection {
  const groups = new Map<string, [Row, number, boolean]>();
  for (const [row, d] of input) {
    const k = keyOf(row);
    const g = groups.get(k);
    if (!g) groups.set(k, [row, d, d > 0]);
    else {
      g[1] += d;
      if (!g[2] && d > 0) [g[0], g[2]] = [row, true];
    }
  }
  return [...groups.values()].map(([row, d]): [Row, number] => [row, d]);
}

function reduce(input: Collection, groupKey: number[], aggregates: Aggregate[], errors: Map<string, number>): Collection {
  const fs = aggregates.map((a) => compileAggregateInput(a));
  const groups = new Map<string, { key: Row; rows: Array<[Value[], number]>; count: number }>();
  for (const [row, diff] of input) {
    const values = guarded(errors, diff, () => fs.map((f) => f(row)));
    if (!values) continue;
    const key = groupKey.map((c) => row[c]!);
    const k = keyOf(key);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { key, rows: [], count: 0 }));
    g.rows.push([values, diff]);
    g.count += diff;
  }
  const out: Collection = [];
  for (const g of groups.values()) {
    if (g.count === 0) continue;
    const aggs = aggregates.map((a, i) => finishAggregate(a, g.rows.map(([vals, d]) => [vals[i]!, d] as [Value, number]), g.count));
    out.push([[...g.key, ...aggs], 1]);
  }
  return consolidateRows(out);
}

/** The per-row value an aggregate consumes; `sum`, `avg` and the extended aggregates reject a value of the wrong kind (an evaluation error). */
export function compileAggregateInput(a: Aggregate): (row: Row) => Value {
  if (a.fn === 'count_star') return () => null;
  const f = compileExpr(a.expr);
  // array_agg ordered by another value: each row's (order value, element) pair (arrayAggregate).
  if (a.fn === 'array_agg' && a.by) {
    const by = compileExpr(a.by);
    return (row) => [by(row), f(row)] as Value;
  }
  if (EXTENDED_AGGREGATES.has(a.fn)) {
    const fn = a.fn;
    return (row) => {
      const v = f(row);
      checkExtendedInput(fn, v);
      return v;
    };
  }
  if (a.fn !== 'sum' && a.fn !== 'avg' && a.fn !== 'sum_numeric' && a.fn !== 'avg_numeric') return f;
  const fn = a.fn;
  const numeric = fn === 'sum_numeric' || fn === 'avg_numeric';
  return (row) => {
    const v = f(row);
    if (v !== null && typeof v !== 'number' && !(numeric && isNumericString(v))) throw new EvaluationError(`${fn} expects numbers, got ${typeof v === 'string' ? 'text' : 'bool'}`);
    return v;
  };
}

function finishAggregate(a: Aggregate, values: Array<[Value, number]>, count: number): Value {
  switch (a.fn) {
    case 'count_star':
      return count;
    case 'count':
      return values.reduce((n, [v, d]) => (v === null ? n : n + d), 0);
    case 'sum':
    case 'avg':
    case 'sum_numeric':
    case 'avg_numeric': {
      const sum = a.fn === 'sum' || a.fn === 'avg' ? new ExactSum() : new DecimalSum();
      let n = 0;
      for (const [v, d] of a.distinct ? presentValues(values).map(([v]): [Value, number] => [v, 1]) : values) {
        if (v === null) continue;
        sum.add(v as number, d);
        n += d;
      }
      if (n === 0) return null;
      return a.fn === 'sum' || a.fn === 'sum_numeric' ? sum.value() : sum.average(n);
    }
    case 'min':
    case 'max':
    case 'count_distinct': {
      const present = presentValues(values).map(([v]) => v);
      if (a.fn === 'count_distinct') return present.length;
      if (present.length === 0) return null;
      const sign = a.fn === 'min' ? 1 : -1;
      return present.reduce((best, v) => (sign * compareValues(v, best) < 0 ? v : best));
    }
    case 'bool_and':
    case 'bool_or':
    case 'string_agg': {
      return presentValuesAggregate(a, presentValues(values));
    }
    case 'array_agg': {
      // Each value as written: 1.5 and 1.50 (or jsonb 1 and 1.0) are both in the array, as Postgres keeps them.
      return arrayAggregate(a, presentValues(values, true, true));
    }
    case 'var_samp':
    case 'var_pop':
    case 'stddev_samp':
    case 'stddev_pop': {
      const sx = new ExactSum();
      const sxx = new ExactSum();
      let n = 0;
      for (const [v, d] of values) {
        if (v === null) continue;
        sx.add(v as number, d);
        sxx.add((v as number) * (v as number), d);
        n += d;
      }
      return varianceAggregate(a.fn, n, sx.value(), sxx.value());
    }
  }
}

function topk(input: Collection, groupKey: number[], order: (a: Row, b: Row) => number, offset: number, limit: number | undefined): Collection {
  const groups = new Map<string, Collection>();
  for (const [row, d] of input) {
    if (d <= 0) continue;
    const k = keyOf(groupKey.map((c) => row[c]!));
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push([row, d]);
  }
  const end = limit === undefined ? Infinity : offset + limit;
  const out: Collection = [];
  for (const g of groups.values()) {
    g.sort((a, b) => order(a[0], b[0]));
    let pos = 0;
    for (const [row, d] of g) {
      const from = Math.max(pos, offset);
      const to = Math.min(pos + d, end);
      if (to > from) out.push([row, to - from]);
      pos += d;
      if (pos >= end) break;
    }
  }
  return consolidateRows(out);
}

/** The distinct values of positive total multiplicity in `values`, with it; NULLs only with `nulls`. */
function presentValues(values: Array<[Value, number]>, nulls = false, asWritten = false): Array<[Value, number]> {
  // Numerics and jsonb by value (1.5 and 1.50 are one value, shown as the first seen), or with
  // `asWritten` by their text (both kept).
  const m = new Map<Value, [Value, number]>();
  for (const [v, d] of values) {
    if (!nulls && v === null) continue;
    // arrays by content, jsonb by value ('1' and '1.0' are one document)
    const k = Array.isArray(v) ? `\u0001${asWritten ? rowKey([v]) : keyOf([v])}` : asWritten ? v : isNumericString(v) ? numericIdentity(v as string) : isJsonbValue(v) ? `\u0002${jsonbKey(v)}` : v;
    const e = m.get(k);
    if (e) e[1] += d;
    else m.set(k, [v, d]);
  }
  return [...m.values()].filter(([, d]) => d > 0);
}
