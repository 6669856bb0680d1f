/**
 * A relation while planning: a plan, the type of each of its output columns, and the scope that
 * names them. Plus the few plan-building helpers every relational planner file uses (projecting
 * expressions, typed NULL padding). No SQL syntax here.
 */
import type { Expr, Plan } from '../../../protocol/compute/plan.js';
import type { ColumnType, Value } from '../../../protocol/types.js';
import type { Scope } from './scope.js';

export interface ColType {
  type: ColumnType;
  nullable: boolean;
}

export interface Rel {
  plan: Plan;
  /** One entry per column of `plan`'s output. */
  cols: ColType[];
  scope: Scope;
}

export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}

/** `plan` filtered by `predicates` (none: `plan` itself). */
export function filter(plan: Plan, predicates: Expr[]): Plan {
  return predicates.length === 0 ? plan : { op: 'filter', input: plan, predicates };
}

/** `plan`'s columns `columns` (the identity projection is omitted). */
export function project(plan: Plan, arity: number, columns: number[]): Plan {
  if (columns.length === arity && columns.every((c, i) => c === i)) return plan;
  return { op: 'project', input: plan, columns };
}

/**
 * The plan whose output is `exprs` evaluated over `plan` (of arity `arity`): plain columns are
 * projected, anything else is appended by a map first.
 */
export function projectExprs(plan: Plan, arity: number, exprs: Expr[]): Plan {
  const mapped: Expr[] = [];
  const columns = exprs.map((e) => {
    if (e.op === 'col') return e.index;
    mapped.push(e);
    return arity + mapped.length - 1;
  });
  const withMap: Plan = mapped.length > 0 ? { op: 'map', input: plan, exprs: mapped } : plan;
  return project(withMap, arity + mapped.length, columns);
}

/** A value of each type that is not NULL (for null-safe join keys). */
export function zeroOf(type: ColumnType): Value {
  switch (type) {
    case 'text':
      return '';
    case 'bool':
      return false;
    default:
      return 0;
  }
}

/** One row with no columns: the input of a SELECT without FROM. */
export const ONE_EMPTY_ROW: Plan = { op: 'constant', rows: [[[], 1]], arity: 0 };
