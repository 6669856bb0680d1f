/**
 * A query expression: WITH, then a SELECT block, VALUES or a set operation, then ORDER BY /
 * LIMIT / OFFSET. At the top level of a peek the ordering and limits become the `finishing`
 * (applied to the peeked rows); anywhere else (subqueries, views, maintained queries) a LIMIT or
 * OFFSET becomes a `topk` and an ORDER BY without one is dropped, since a relation has no order.
 */
import type { Node, SelectStmt, SortBy } from 'libpg-query';
import type { OrderKey, Plan } from '../../../protocol/compute/plan.js';
import { SqlState } from '../../../protocol/control/errors.js';
import type { Column } from '../../../protocol/types.js';
import { locationOf, MoreSqlState, stringOf, type Cte, type Ctes, type PlanContext } from './context.js';
import type { Finishing, FinishingMode } from './planned.js';
import { project, range } from './rel.js';
import { planSelect } from './select.js';
import { planSetOperation } from './set-ops.js';
import { planValues } from './values.js';
import { readsItself } from './recursive.js';
import type { Correlation } from './lateral.js';

/** A planned query expression. */
export interface QueryPlan {
  plan: Plan;
  columns: Column[];
  finishing: Finishing;
  /** Output columns that are untyped NULL literals (a set operation may give them another type). */
  nullColumns: Set<number>;
}

/**
 * A query body before ORDER BY / LIMIT: `plan` outputs the visible `columns`, then any hidden
 * columns ORDER BY needs; `order` refers to the plan's columns.
 */
export interface QueryBody {
  plan: Plan;
  columns: Column[];
  arity: number;
  order: OrderKey[];
  nullColumns: Set<number>;
}

/**
 * `corr`: the query is a LATERAL item planned per row of D (lateral.ts): its plan outputs D's
 * columns first, and a LIMIT / OFFSET applies per d.
 */
export function planQueryBody(stmt: SelectStmt, ctx: PlanContext, ctes: Ctes, mode: FinishingMode, corr?: Correlation): QueryPlan {
  if (stmt.withClause) ctes = withCtes(stmt, ctx, ctes);
  if (stmt.intoClause) throw ctx.unsupported('SELECT INTO', undefined, 'use CREATE TABLE and INSERT ... SELECT');
  if (stmt.lockingClause?.length) throw ctx.unsupported('FOR UPDATE / FOR SHARE', undefined);
  if (stmt.windowClause?.length) throw ctx.unsupported('WINDOW', undefined);
  let body: QueryBody;
  const k = corr ? corr.dCols.length : 0;
  if (corr && ((stmt.op && stmt.op !== 'SETOP_NONE') || stmt.valuesLists?.length)) {
    throw ctx.unsupported('UNION / INTERSECT / EXCEPT / VALUES in a LATERAL subquery that reads the outer row', undefined, 'write it as a SELECT ... FROM ... WHERE');
  }
  if (stmt.op && stmt.op !== 'SETOP_NONE') {
    const b = planSetOperation(stmt, ctx, ctes);
    body = { ...b, arity: b.columns.length, order: outputOrder(stmt.sortClause ?? [], b.columns, ctx) };
  } else if (stmt.valuesLists?.length) {
    const b = planValues(stmt.valuesLists, ctx);
    body = { ...b, arity: b.columns.length, order: outputOrder(stmt.sortClause ?? [], b.columns, ctx) };
  } else {
    body = planSelect(stmt, ctx, ctes, corr);
  }
  if (stmt.limitOption === 'LIMIT_OPTION_WITH_TIES') throw ctx.unsupported('FETCH ... WITH TIES', locationOf(stmt.limitCount));
  const limit = count(stmt.limitCount, 'LIMIT', ctx);
  const offset = count(stmt.limitOffset, 'OFFSET', ctx) ?? 0;
  const visible = range(0, k + body.columns.length);
  if (mode === 'peek' && !corr) {
    return {
      plan: body.plan,
      columns: body.columns,
      finishing: { order: body.order, ...(limit !== undefined ? { limit } : {}), offset, project: visible },
      nullColumns: body.nullColumns,
    };
  }
  let plan = body.plan;
  if (limit !== undefined || offset > 0) {
    plan = { op: 'topk', input: plan, groupKey: range(0, k), order: body.order, ...(limit !== undefined ? { limit } : {}), offset };
  }
  return {
    plan: project(plan, body.arity, visible),
    columns: body.columns,
    finishing: { order: [], offset: 0, project: range(0, body.columns.length) },
    nullColumns: body.nullColumns,
  };
}

function withCtes(stmt: SelectStmt, ctx: PlanContext, ctes: Ctes): Ctes {
  const w = stmt.withClause!;
  const out = new Map(ctes);
  for (const node of w.ctes ?? []) {
    if (!('CommonTableExpr' in node)) continue;
    const c = node.CommonTableExpr;
    const query = c.ctequery && 'SelectStmt' in c.ctequery ? c.ctequery.SelectStmt : undefined;
    if (!query) throw ctx.unsupported('a data-modifying statement in WITH', c.location);
    const names = (c.aliascolnames ?? []).map((n) => stringOf(n) ?? '');
    if (c.search_clause || c.cycle_clause) throw ctx.unsupported(`${c.search_clause ? 'SEARCH' : 'CYCLE'} in WITH RECURSIVE`, c.location);
    const name = c.ctename ?? '';
    const recursive = w.recursive === true && readsItself(query, name);
    const cte: Cte = { name, query, ctes: new Map(out), ...(c.location !== undefined ? { location: c.location } : {}), ...(recursive ? { recursive } : {}), ...(names.length > 0 ? { columnNames: names } : {}) };
    if (out.has(cte.name) && !ctes.has(cte.name)) {
      throw ctx.error(MoreSqlState.DuplicateAlias, `WITH query name "${cte.name}" specified more than once`, c.location);
    }
    out.set(cte.name, cte);
  }
  return out;
}

/** A LIMIT / OFFSET value: a non-negative integer constant; NULL or ALL means none. */
function count(node: Node | undefined, what: string, ctx: PlanContext): number | undefined {
  if (!node) return undefined;
  const location = locationOf(node);
  if ('A_Const' in node) {
    const c = node.A_Const;
    if (c.isnull) return undefined;
    const value = c.ival !== undefined ? (c.ival.ival ?? 0) : c.fval !== undefined ? Number(c.fval.fval) : NaN;
    if (!Number.isSafeInteger(value)) throw ctx.error(SqlState.DatatypeMismatch, `argument of ${what} must be an integer`, location);
    if (value < 0) throw ctx.error(what === 'LIMIT' ? MoreSqlState.InvalidRowCountInLimit : MoreSqlState.InvalidRowCountInOffset, `${what} must not be negative`, location);
    return value;
  }
  throw ctx.unsupported(`a non-constant ${what}`, location);
}

/** The sort keys of one ORDER BY item. */
export function sortKey(sb: SortBy, column: number, ctx: PlanContext): OrderKey {
  if (sb.sortby_dir === 'SORTBY_USING') throw ctx.unsupported('ORDER BY ... USING', sb.location);
  const desc = sb.sortby_dir === 'SORTBY_DESC';
  const nullsFirst = sb.sortby_nulls === 'SORTBY_NULLS_FIRST' ? true : sb.sortby_nulls === 'SORTBY_NULLS_LAST' ? false : desc;
  return { column, desc, nullsFirst };
}

/**
 * The output column an ORDER BY item names: a 1-based position or an output column name
 * (undefined when it is neither, i.e. an expression).
 */
export function outputColumn(node: Node, columns: Column[], ctx: PlanContext): number | undefined {
  const location = locationOf(node);
  if ('A_Const' in node && node.A_Const.ival !== undefined) {
    const pos = node.A_Const.ival.ival ?? 0;
    if (pos < 1 || pos > columns.length) throw ctx.error(MoreSqlState.InvalidColumnReference, `ORDER BY position ${pos} is not in select list`, location);
    return pos - 1;
  }
  if ('ColumnRef' in node && node.ColumnRef.fields?.length === 1) {
    const name = stringOf(node.ColumnRef.fields[0]);
    const matches = columns.flatMap((c, i) => (c.name === name ? [i] : []));
    if (matches.length > 1) throw ctx.error(SqlState.AmbiguousColumn, `ORDER BY "${name}" is ambiguous`, location);
    if (matches.length === 1) return matches[0];
  }
  return undefined;
}

/** ORDER BY over a set operation or VALUES: only output names and positions. */
function outputOrder(items: Node[], columns: Column[], ctx: PlanContext): OrderKey[] {
  return items.map((item) => {
    const sb = 'SortBy' in item ? item.SortBy : {};
    const node = sb.node!;
    const column = outputColumn(node, columns, ctx);
    if (column === undefined) {
      throw ctx.unsupported('ORDER BY an expression over UNION / INTERSECT / EXCEPT / VALUES', locationOf(node), 'order by an output column name or position');
    }
    return sortKey(sb, column, ctx);
  });
}
