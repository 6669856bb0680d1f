/**
 * VALUES lists: a `constant` when every value is a literal, else a union of one-row maps. Each
 * column's values must agree on a type (as UNION's); with `targets` (INSERT), each value is
 * instead converted for storage in its target column.
 */
import type { Node } from 'libpg-query';
import type { Plan } from '../../../protocol/compute/plan.js';
import { SqlState } from '../../../protocol/control/errors.js';
import type { Column, Value } from '../../../protocol/types.js';
import { assignTo } from './casts.js';
import { locationOf, type PlanContext } from './context.js';
import { planExpr } from './expr.js';
import { toExpr } from './exprs.js';
import { ONE_EMPTY_ROW, projectExprs } from './rel.js';
import { Scope } from './scope.js';
import { unify, type Typed } from './typed.js';

export function planValues(lists: Node[], ctx: PlanContext, targets?: Column[]): { plan: Plan; columns: Column[]; nullColumns: Set<number> } {
  const env = { ctx, scope: Scope.empty(), clause: 'VALUES' };
  const rows: Typed[][] = lists.map((l) => ('List' in l ? (l.List.items ?? []) : []).map((item) => planExpr(item, env)));
  const width = rows[0]?.length ?? 0;
  if (rows.some((r) => r.length !== width)) throw ctx.error(SqlState.SyntaxError, 'VALUES lists must all be the same length', locationOf(lists[0]));
  if (targets && width > targets.length) throw ctx.error(SqlState.SyntaxError, 'INSERT has more expressions than target columns', locationOf(lists[0]));
  const columns: Column[] = [];
  const nullColumns = new Set<number>();
  for (let c = 0; c < width; c++) {
    const items = rows.map((r) => r[c]!);
    let typed: Typed[];
    let type;
    if (targets) {
      typed = items.map((t) => assignTo(t, targets[c]!, ctx));
      type = targets[c]!.type;
    } else {
      ({ type, items: typed } = unify(items, 'VALUES', ctx));
      if (items.every((t) => t.type === null && t.unknownText === undefined)) nullColumns.add(c);
    }
    typed.forEach((t, r) => (rows[r]![c] = t));
    columns.push({ name: targets ? targets[c]!.name : `column${c + 1}`, type, nullable: typed.some((t) => t.nullable) });
  }
  const exprs = rows.map((r) => r.map((t) => toExpr(t.expr)));
  if (exprs.every((r) => r.every((e) => e.op === 'lit'))) {
    const constRows = exprs.map((r): [Value[], number] => [r.map((e) => (e.op === 'lit' ? e.value : null)), 1]);
    return { plan: { op: 'constant', rows: constRows, arity: width }, columns, nullColumns };
  }
  const plans = exprs.map((r) => projectExprs(ONE_EMPTY_ROW, 0, r));
  return { plan: plans.length === 1 ? plans[0]! : { op: 'union', inputs: plans }, columns, nullColumns };
}
