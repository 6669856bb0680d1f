/**
 * Projection pushdown: every operator computes only the columns someone above reads. Unread
 * mapped expressions and aggregates disappear, inputs of joins, filters and unions are narrowed to
 * the columns their consumers and their own predicates and keys need, and projections collapse.
 * Operators whose result depends on whole rows (distinct, threshold, topk's tie-breaking) keep
 * all their input columns, as do reduce's group keys; the result is unchanged.
 */
import { planArity, type Plan } from '../../../protocol/compute/plan.js';
import { columnsOf, remap } from './exprs.js';
import { project, range } from './rel.js';

/** `plan` computing only what its output needs. */
export function prune(plan: Plan): Plan {
  return pruneTo(plan, range(0, planArity(plan)));
}

function sortedUnique(xs: Iterable<number>): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

/** A plan whose output is exactly `plan`'s columns `needed` (sorted, unique), in that order. */
function pruneTo(plan: Plan, needed: number[]): Plan {
  const arity = planArity(plan);
  /** `inner` (with output columns `have`, sorted) projected onto `needed`. */
  const narrow = (inner: Plan, have: number[]): Plan => {
    const pos = new Map(have.map((c, i) => [c, i]));
    return project(inner, have.length, needed.map((c) => pos.get(c)!));
  };
  switch (plan.op) {
    case 'get':
      return project(plan, arity, needed);
    case 'constant':
      if (needed.length === arity) return plan;
      return { op: 'constant', rows: plan.rows.map(([row, diff]) => [needed.map((c) => row[c]!), diff]), arity: needed.length };
    case 'project': {
      const inner = sortedUnique(needed.map((c) => plan.columns[c]!));
      const input = pruneTo(plan.input, inner);
      const pos = new Map(inner.map((c, i) => [c, i]));
      return project(input, inner.length, needed.map((c) => pos.get(plan.columns[c]!)!));
    }
    case 'map': {
      const n = arity - plan.exprs.length;
      const keep = new Set(needed.filter((c) => c >= n));
      for (let j = plan.exprs.length - 1; j >= 0; j--) {
        if (!keep.has(n + j)) continue;
        for (const c of columnsOf(plan.exprs[j]!)) if (c >= n) keep.add(c);
      }
      const kept = [...keep].sort((a, b) => a - b);
      const inputCols = sortedUnique([...needed.filter((c) => c < n), ...kept.flatMap((c) => [...columnsOf(plan.exprs[c - n]!)].filter((x) => x < n))]);
      const input = pruneTo(plan.input, inputCols);
      const pos = new Map<number, number>([...inputCols.map((c, i) => [c, i] as [number, number]), ...kept.map((c, i) => [c, inputCols.length + i] as [number, number])]);
      const exprs = kept.map((c) => remap(plan.exprs[c - n]!, (x) => pos.get(x)!));
      const mapped: Plan = exprs.length > 0 ? { op: 'map', input, exprs } : input;
      return project(mapped, inputCols.length + exprs.length, needed.map((c) => pos.get(c)!));
    }
    case 'filter': {
      const have = sortedUnique([...needed, ...plan.predicates.flatMap((p) => [...columnsOf(p)])]);
      const input = pruneTo(plan.input, have);
      const pos = new Map(have.map((c, i) => [c, i]));
      return narrow({ op: 'filter', input, predicates: plan.predicates.map((p) => remap(p, (x) => pos.get(x)!)) }, have);
    }
    case 'temporal': {
      const bounds = [...plan.lower, ...plan.upper];
      const have = sortedUnique([...needed, ...bounds.flatMap((p) => [...columnsOf(p)])]);
      const input = pruneTo(plan.input, have);
      const pos = new Map(have.map((c, i) => [c, i]));
      const at = (x: number) => pos.get(x)!;
      return narrow({ op: 'temporal', input, lower: plan.lower.map((p) => remap(p, at)), upper: plan.upper.map((p) => remap(p, at)) }, have);
    }
    case 'join': {
      const have = sortedUnique([...needed, ...plan.equivalences.flat()]);
      const inputs: Plan[] = [];
      const pos = new Map<number, number>();
      let offset = 0;
      let next = 0;
      for (const input of plan.inputs) {
        const a = planArity(input);
        const local = have.filter((c) => c >= offset && c < offset + a);
        inputs.push(pruneTo(input, local.map((c) => c - offset)));
        for (const c of local) pos.set(c, next++);
        offset += a;
      }
      const equivalences = plan.equivalences.map((cls) => cls.map((c) => pos.get(c)!));
      return narrow({ op: 'join', inputs, equivalences }, have);
    }
    case 'reduce': {
      const nk = plan.groupKey.length;
      const aggs = plan.aggregates.map((a, i) => ({ a, i })).filter(({ i }) => needed.includes(nk + i));
      const inputCols = sortedUnique([...plan.groupKey, ...aggs.flatMap(({ a }) => (a.fn === 'count_star' ? [] : [...columnsOf(a.expr), ...(a.by ? columnsOf(a.by) : [])]))]);
      const input = pruneTo(plan.input, inputCols);
      const pos = new Map(inputCols.map((c, i) => [c, i]));
      const reduce: Plan = {
        op: 'reduce',
        input,
        groupKey: plan.groupKey.map((c) => pos.get(c)!),
        aggregates: aggs.map(({ a }) => (a.fn === 'count_star' ? a : { ...a, expr: remap(a.expr, (x) => pos.get(x)!), ...(a.by ? { by: remap(a.by, (x) => pos.get(x)!) } : {}) })),
      };
      const have = [...range(0, nk), ...aggs.map(({ i }) => nk + i)];
      return narrow(reduce, have);
    }
    case 'union':
      return { op: 'union', inputs: plan.inputs.map((p) => pruneTo(p, needed)) };
    case 'negate':
      return { op: 'negate', input: pruneTo(plan.input, needed) };
    case 'distinct':
    case 'threshold':
    case 'topk': {
      const all = range(0, arity);
      return project({ ...plan, input: pruneTo(plan.input, all) }, arity, needed);
    }
    case 'window': {
      // The input's every column stays (window values depend on whole rows' order); only the
      // output is projected.
      const inputArity = arity - plan.functions.length;
      return project({ ...plan, input: pruneTo(plan.input, range(0, inputArity)) }, arity, needed);
    }
    case 'fixpoint':
      // The working table keeps every column (the recursive term reads them all back): only the output is projected.
      return project({ ...plan, inputs: plan.inputs.map((p) => pruneTo(p, range(0, arity))) }, arity, needed);
    case 'flat_map':
      // Every input column stays (the output repeats the row per value); only the output is projected.
      return project({ ...plan, input: pruneTo(plan.input, range(0, arity - 1)) }, arity, needed);
  }
}
