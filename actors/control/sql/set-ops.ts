/**
 * UNION / INTERSECT / EXCEPT [ALL] over multisets, as Postgres defines them (rows are equal when
 * all their values are, NULLs included, which is how the plan IR compares whole rows):
 *
 *   UNION ALL      L + R                         UNION      δ(L + R)
 *   EXCEPT ALL     θ(L − R)                      EXCEPT     θ(δL − δR)
 *   INTERSECT ALL  L − θ(L − R)   (= min(l, r))  INTERSECT  δL − θ(δL − δR)
 *
 * with δ = distinct, θ = threshold (keep positive multiplicities), − = union with negate.
 * Column types must agree (numeric widening allowed, untyped NULL columns take the other side's
 * type); names come from the left.
 */
import type { SelectStmt } from 'libpg-query';
import type { Plan } from '../../../protocol/compute/plan.js';
import { SqlState } from '../../../protocol/control/errors.js';
import type { Column } from '../../../protocol/types.js';
import type { Ctes, PlanContext } from './context.js';
import { planQueryBody } from './query.js';
import { implicitlyConverts } from './typed.js';

export function planSetOperation(stmt: SelectStmt, ctx: PlanContext, ctes: Ctes): { plan: Plan; columns: Column[]; nullColumns: Set<number> } {
  const opName = stmt.op === 'SETOP_UNION' ? 'UNION' : stmt.op === 'SETOP_INTERSECT' ? 'INTERSECT' : 'EXCEPT';
  const left = planQueryBody(stmt.larg!, ctx, ctes, 'maintained');
  const right = planQueryBody(stmt.rarg!, ctx, ctes, 'maintained');
  if (left.columns.length !== right.columns.length) {
    throw ctx.error(SqlState.SyntaxError, `each ${opName} query must have the same number of columns`);
  }
  const nullColumns = new Set<number>();
  const columns = left.columns.map((l, i): Column => {
    const r = right.columns[i]!;
    let type = l.type;
    if (left.nullColumns.has(i) && right.nullColumns.has(i)) nullColumns.add(i);
    else if (left.nullColumns.has(i)) type = r.type;
    else if (right.nullColumns.has(i)) type = l.type;
    else if (implicitlyConverts(l.type, r.type)) type = r.type;
    else if (!implicitlyConverts(r.type, l.type)) {
      throw ctx.error(SqlState.DatatypeMismatch, `${opName} types ${l.type} and ${r.type} cannot be matched (column ${i + 1})`, undefined, 'cast one side so both have the same type');
    }
    return { name: l.name, type, nullable: l.nullable || r.nullable };
  });
  const L = left.plan;
  const R = right.plan;
  const minus = (a: Plan, b: Plan): Plan => ({ op: 'union', inputs: [a, { op: 'negate', input: b }] });
  const distinct = (p: Plan): Plan => ({ op: 'distinct', input: p });
  const threshold = (p: Plan): Plan => ({ op: 'threshold', input: p });
  let plan: Plan;
  switch (opName) {
    case 'UNION':
      plan = stmt.all ? { op: 'union', inputs: [L, R] } : distinct({ op: 'union', inputs: [L, R] });
      break;
    case 'EXCEPT':
      plan = stmt.all ? threshold(minus(L, R)) : threshold(minus(distinct(L), distinct(R)));
      break;
    case 'INTERSECT': {
      const [a, b] = stmt.all ? [L, R] : [distinct(L), distinct(R)];
      plan = minus(a, threshold(minus(a, b)));
      break;
    }
  }
  return { plan, columns, nullColumns };
}
