/**
 * WITH RECURSIVE: a common table expression that reads itself becomes a `fixpoint` plan node
 * (protocol/compute/plan.ts) whose iteration is PostgreSQL's (protocol/compute/fixpoint.ts). This
 * file checks the query has PostgreSQL's form (non-recursive term UNION [ALL] recursive term, the
 * self-reference once, not in a sublink, an outer join's nullable side, INTERSECT or the right of
 * EXCEPT, no aggregates, no ORDER BY / LIMIT / OFFSET), with PostgreSQL's SQLSTATEs, types the
 * working table by the non-recursive term, and plans the recursive term reading it.
 */
import type { SelectStmt } from 'libpg-query';
import { DEFAULT_RECURSION_LIMIT } from '../../../protocol/compute/fixpoint.js';
import type { Plan } from '../../../protocol/compute/plan.js';
import { SqlState } from '../../../protocol/control/errors.js';
import type { Column } from '../../../protocol/types.js';
import { locationOf, MoreSqlState, type Cte, type PlanContext } from './context.js';
import { planQueryBody } from './query.js';
import { implicitlyConverts } from './typed.js';

/** A planned recursive CTE: the fixpoint and its columns (named by the CTE's column list). */
export interface PlannedRecursion {
  plan: Plan;
  columns: Column[];
}

/** Whether `query` mentions the relation `name` (unqualified) anywhere: the CTE is recursive. */
export function readsItself(query: SelectStmt, name: string): boolean {
  let found = false;
  visit({ SelectStmt: query }, (rv) => {
    if (rv.relname === name && !rv.schemaname) found = true;
  });
  return found;
}

/** Plans the recursive CTE `cte`; cached on it, so each reference reads one fixpoint. */
export function planRecursiveCte(cte: Cte, ctx: PlanContext): PlannedRecursion {
  if (cte.recursion) return cte.recursion;
  const q = cte.query;
  const name = cte.name;
  if (q.op !== 'SETOP_UNION' || !q.larg || !q.rarg) {
    throw ctx.error(MoreSqlState.InvalidRecursion, `recursive query "${name}" does not have the form non-recursive-term UNION [ALL] recursive-term`, cte.location);
  }
  for (const s of [q, q.rarg]) {
    if (s.sortClause?.length) throw ctx.error(SqlState.FeatureNotSupported, 'ORDER BY in a recursive query is not implemented', locationOf(s.sortClause[0]));
    if (s.limitOffset) throw ctx.error(SqlState.FeatureNotSupported, 'OFFSET in a recursive query is not implemented', locationOf(s.limitOffset));
    if (s.limitCount) throw ctx.error(SqlState.FeatureNotSupported, 'LIMIT in a recursive query is not implemented', locationOf(s.limitCount));
    if (s.lockingClause?.length) throw ctx.error(SqlState.FeatureNotSupported, 'FOR UPDATE/SHARE in a recursive query is not implemented');
  }
  visit({ SelectStmt: q.larg }, (rv) => {
    if (rv.relname === name && !rv.schemaname) {
      throw ctx.error(MoreSqlState.InvalidRecursion, `recursive reference to query "${name}" must not appear within its non-recursive term`, rv.location);
    }
  });
  checkWellFormed(q.rarg, name, ctx);
  const larg = q.larg;

  const base = planQueryBody(q.larg, ctx, cte.ctes, 'maintained');
  const names = cte.columnNames ?? [];
  if (names.length > base.columns.length) {
    throw ctx.error(MoreSqlState.InvalidColumnReference, `WITH query "${name}" has ${base.columns.length} columns available but ${names.length} columns specified`, cte.location);
  }
  const columns = base.columns.map((c, i): Column => (i < names.length ? { ...c, name: names[i]! } : c));
  const arity = columns.length;
  const working = ctx.recursionName(name);
  const self: Cte = { ...cte, working: { name: working, columns } };
  const step = planQueryBody(q.rarg, ctx, new Map([...cte.ctes, [name, self]]), 'maintained');
  if (aggregatesOver(step.plan, working)) {
    throw ctx.error(MoreSqlState.InvalidRecursion, "aggregate functions are not allowed in a recursive query's recursive term", cte.location);
  }
  if (step.columns.length !== arity) throw ctx.error(SqlState.SyntaxError, 'each UNION query must have the same number of columns');
  const typed = columns.map((c, i): Column => {
    const s = step.columns[i]!;
    if (base.nullColumns.has(i)) return { ...c, type: s.type, nullable: true };
    if (s.type !== c.type && !step.nullColumns.has(i) && !implicitlyConverts(s.type, c.type)) {
      throw ctx.error(
        SqlState.DatatypeMismatch,
        `recursive query "${name}" column ${i + 1} has type ${c.type} in non-recursive term but type ${implicitlyConverts(c.type, s.type) ? s.type : `${s.type} in its recursive term`} overall`,
        locationOf({ SelectStmt: larg }) ?? cte.location,
        'Cast the output of the non-recursive term to the correct type.',
      );
    }
    return { ...c, nullable: c.nullable || s.nullable };
  });
  if (hasTemporal(step.plan)) throw ctx.unsupported("mz_now() in a recursive query's recursive term", cte.location);
  const plan: Plan = { op: 'fixpoint', inputs: [base.plan, step.plan], name: working, arity, distinct: !q.all, limit: DEFAULT_RECURSION_LIMIT };
  cte.recursion = { plan, columns: typed };
  return cte.recursion;
}

type Where = 'ok' | 'a subquery' | 'an outer join' | 'INTERSECT' | 'EXCEPT';

/** PostgreSQL's checkWellFormedRecursion over the recursive term. */
function checkWellFormed(term: SelectStmt, name: string, ctx: PlanContext): void {
  let count = 0;
  const walk = (node: unknown, where: Where): void => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n, where));
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if ('RangeVar' in o) {
      const rv = o['RangeVar'] as { relname?: string; schemaname?: string; location?: number };
      if (rv.relname === name && !rv.schemaname) {
        if (where !== 'ok') throw ctx.error(MoreSqlState.InvalidRecursion, `recursive reference to query "${name}" must not appear within ${where}`, rv.location);
        if (++count > 1) throw ctx.error(MoreSqlState.InvalidRecursion, `recursive reference to query "${name}" must not appear more than once`, rv.location);
      }
      return;
    }
    if ('SubLink' in o) {
      const s = o['SubLink'] as { testexpr?: unknown; subselect?: unknown };
      walk(s.testexpr, where);
      return walk(s.subselect, 'a subquery');
    }
    if ('JoinExpr' in o) {
      const j = o['JoinExpr'] as { jointype?: string; larg?: unknown; rarg?: unknown; quals?: unknown };
      const left = j.jointype === 'JOIN_RIGHT' || j.jointype === 'JOIN_FULL' ? 'an outer join' : where;
      const right = j.jointype === 'JOIN_LEFT' || j.jointype === 'JOIN_FULL' ? 'an outer join' : where;
      walk(j.larg, left);
      walk(j.rarg, right);
      return walk(j.quals, where);
    }
    if ('SelectStmt' in o) {
      const s = o['SelectStmt'] as SelectStmt;
      if (s.op === 'SETOP_INTERSECT') return (walk(s.larg && { SelectStmt: s.larg }, 'INTERSECT'), walk(s.rarg && { SelectStmt: s.rarg }, 'INTERSECT'));
      if (s.op === 'SETOP_EXCEPT') return (walk(s.larg && { SelectStmt: s.larg }, where), walk(s.rarg && { SelectStmt: s.rarg }, 'EXCEPT'));
      if (s.withClause) walk(s.withClause, 'a subquery');
      for (const [k, v] of Object.entries(s)) if (k !== 'withClause') walk(v, where);
      return;
    }
    for (const v of Object.values(o)) walk(v, where);
  };
  walk({ SelectStmt: term }, 'ok');
}

/** Calls `f` on every RangeVar under `node`. */
function visit(node: unknown, f: (rv: { relname?: string; schemaname?: string; location?: number }) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => visit(n, f));
  if (node === null || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === 'RangeVar') f(v as { relname?: string });
    visit(v, f);
  }
}

/** Whether a reduce with aggregates reads the working table. */
function aggregatesOver(plan: Plan, working: string): boolean {
  if (plan.op === 'reduce' && plan.aggregates.length > 0 && readsGet(plan.input, working)) return true;
  if ('input' in plan) return aggregatesOver(plan.input, working);
  if ('inputs' in plan) return plan.inputs.some((p) => aggregatesOver(p, working));
  return false;
}

function readsGet(plan: Plan, name: string): boolean {
  if (plan.op === 'get') return plan.name === name;
  if ('input' in plan) return readsGet(plan.input, name);
  if ('inputs' in plan) return plan.inputs.some((p) => readsGet(p, name));
  return false;
}

function hasTemporal(plan: Plan): boolean {
  if (plan.op === 'temporal') return true;
  if ('input' in plan) return hasTemporal(plan.input);
  return 'inputs' in plan && plan.inputs.some(hasTemporal);
}

