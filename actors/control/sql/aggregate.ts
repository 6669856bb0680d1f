/**
 * Aggregates in a SELECT: collecting the aggregate calls of the select list, HAVING and ORDER BY
 * (each distinct call once), and rewriting those expressions over the output of the `reduce`
 * (group keys, then aggregates). A column outside an aggregate that is not a group key is a
 * grouping error (42803), as in Postgres. It does not build the reduce (select.ts does).
 */
import type { Aggregate, AggregateFunction, Expr } from '../../../protocol/compute/plan.js';
import { SqlState } from '../../../protocol/control/errors.js';
import type { ColumnType } from '../../../protocol/types.js';
import type { PlanContext } from './context.js';
import { exprKey } from './exprs.js';
import type { PExpr } from './typed.js';

export interface CollectedAggregate {
  aggregate: Aggregate;
  type: ColumnType;
  /** Whether the aggregate's argument may be NULL (count is never NULL whatever it is). */
  argNullable: boolean;
}

export class AggregateCollector {
  readonly list: CollectedAggregate[] = [];
  private readonly byKey = new Map<string, number>();

  constructor(
    /** True when the query has GROUP BY keys: a group then has at least one row. */
    readonly grouped: boolean,
  ) {}

  /** Registers `fn(expr)` (once per distinct call) and returns its index. */
  add(fn: AggregateFunction, expr: Expr, type: ColumnType, argNullable: boolean, extra: Partial<Aggregate> = {}): number {
    const key = `${fn}:${exprKey(expr)}:${JSON.stringify(extra)}`;
    const existing = this.byKey.get(key);
    if (existing !== undefined) return existing;
    this.list.push({ aggregate: { ...extra, fn, expr }, type, argNullable });
    this.byKey.set(key, this.list.length - 1);
    return this.list.length - 1;
  }

  /** Whether the aggregate's result may be NULL. */
  nullable(fn: AggregateFunction, argNullable: boolean): boolean {
    if (fn === 'count' || fn === 'count_star' || fn === 'count_distinct') return false;
    return this.grouped ? argNullable : true;
  }
}

/**
 * Rewrites `e` (over the reduce's input, with aggregate references) over the reduce's output:
 * a subexpression equal to the `k`th group key becomes column k, aggregate `i` becomes column
 * `keys.length + i`, and any other column reference is a 42803 naming `columnName(index)`.
 */
export function rewriteGrouped(
  e: PExpr,
  keys: Expr[],
  columnName: (index: number) => string,
  ctx: PlanContext,
  clause: string,
  location?: number,
): Expr {
  const keyIndex = new Map(keys.map((k, i) => [exprKey(k), i]));
  const go = (x: PExpr): Expr => {
    if (x.op === 'win' || x.op === 'sub') return x as unknown as Expr; // resolved by sql/window.ts, sql/subquery.ts
    if (x.op !== 'agg' && x.op !== 'lit') {
      const k = keyIndex.get(exprKey(x as Expr));
      if (k !== undefined) return { op: 'col', index: k };
    }
    switch (x.op) {
      case 'agg':
        return { op: 'col', index: keys.length + x.index };
      case 'lit':
        return x;
      case 'col':
        throw ctx.error(
          SqlState.GroupingError,
          `column "${columnName(x.index)}" must appear in the GROUP BY clause or be used in an aggregate function`,
          location,
          `the ${clause} of a grouped query may only use grouped columns and aggregates`,
        );
      case 'call':
        return { op: 'call', fn: x.fn, args: x.args.map(go) };
      case 'case':
        return { op: 'case', whens: x.whens.map((w) => ({ when: go(w.when), then: go(w.then) })), else: go(x.else) };
    }
  };
  return go(e);
}
