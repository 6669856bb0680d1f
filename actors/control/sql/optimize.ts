/**
 * The optimizer pipeline over the plan IR: predicate pushdown with join-key extraction
 * (pushdown.ts), projection pushdown (prune.ts), then structural clean-ups (empty relations
 * propagate, nested unions flatten, empty maps and filters vanish, maps / filters / projections
 * of constant rows are computed at plan time unless that fails). Every step keeps the result
 * identical; none needs types or catalog knowledge.
 */
import { planArity, type Expr, type Plan } from '../../../protocol/compute/plan.js';
import { compileExpr, EvaluationError } from '../../../protocol/compute/scalar.js';
import type { Value } from '../../../protocol/types.js';
import { prune } from './prune.js';
import { pushdown } from './pushdown.js';

export function optimize(plan: Plan): Plan {
  return simplify(prune(simplify(pushdown(plan))));
}

function isEmpty(p: Plan): boolean {
  return p.op === 'constant' && p.rows.length === 0;
}

/** Bottom-up clean-ups. */
export function simplify(plan: Plan): Plan {
  switch (plan.op) {
    case 'get':
    case 'constant':
      return plan;
    case 'union': {
      const inputs = plan.inputs.map(simplify).flatMap((p) => (p.op === 'union' ? p.inputs : [p])).filter((p) => !isEmpty(p));
      if (inputs.length === 0) return { op: 'constant', rows: [], arity: planArity(plan) };
      return inputs.length === 1 ? inputs[0]! : { op: 'union', inputs };
    }
    case 'fixpoint':
      // Each term on its own; nothing crosses the recursion.
      return { ...plan, inputs: plan.inputs.map(simplify) };
    case 'join': {
      const inputs = plan.inputs.map(simplify);
      if (inputs.some(isEmpty)) return { op: 'constant', rows: [], arity: planArity(plan) };
      return { ...plan, inputs };
    }
    case 'map': {
      const input = simplify(plan.input);
      if (plan.exprs.length === 0) return input;
      if (isEmpty(input)) return { op: 'constant', rows: [], arity: planArity(plan) };
      if (input.op === 'constant') {
        const rows = onConstant(input, plan.exprs, (row, values) => [[...row, ...values]]);
        if (rows) return { op: 'constant', rows, arity: input.arity + plan.exprs.length };
      }
      return { ...plan, input };
    }
    case 'filter': {
      const input = simplify(plan.input);
      if (plan.predicates.length === 0) return input;
      if (isEmpty(input)) return input;
      if (input.op === 'constant') {
        const rows = onConstant(input, plan.predicates, (row, values) => (values.every((v) => v === true) ? [row] : []));
        if (rows) return { op: 'constant', rows, arity: input.arity };
      }
      return { ...plan, input };
    }
    case 'negate': {
      const input = simplify(plan.input);
      if (isEmpty(input)) return input;
      if (input.op === 'negate') return input.input;
      return { op: 'negate', input };
    }
    case 'project': {
      const input = simplify(plan.input);
      if (isEmpty(input)) return { op: 'constant', rows: [], arity: plan.columns.length };
      if (input.op === 'project') return simplify({ op: 'project', input: input.input, columns: plan.columns.map((c) => input.columns[c]!) });
      if (input.op === 'constant') return { op: 'constant', rows: input.rows.map(([row, diff]) => [plan.columns.map((c) => row[c]!), diff]), arity: plan.columns.length };
      return { ...plan, input };
    }
    case 'distinct':
    case 'threshold':
    case 'topk':
    case 'window':
    case 'temporal':
    case 'flat_map':
    case 'reduce': {
      const input = simplify(plan.input);
      if (isEmpty(input)) return { op: 'constant', rows: [], arity: planArity(plan) };
      return { ...plan, input } as Plan;
    }
  }
}

/**
 * Evaluates `exprs` on each constant row (each may read the ones before it, as in a map) and
 * builds the output rows with `build`; undefined when an evaluation fails, so the failure happens
 * at run time as it would have.
 */
function onConstant(input: Extract<Plan, { op: 'constant' }>, exprs: Expr[], build: (row: Value[], values: Value[]) => Value[][]): Array<[Value[], number]> | undefined {
  const compiled = exprs.map(compileExpr);
  const out: Array<[Value[], number]> = [];
  try {
    for (const [row, diff] of input.rows) {
      const ext = row.slice();
      const values = compiled.map((f) => {
        const v = f(ext);
        ext.push(v);
        return v;
      });
      for (const r of build(row, values)) out.push([r, diff]);
    }
  } catch (err) {
    if (err instanceof EvaluationError) return undefined;
    throw err;
  }
  return out;
}
