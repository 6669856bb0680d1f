/**
 * One SELECT block, in SQL's logical order: FROM, WHERE (filter), GROUP BY and aggregates
 * (map of computed keys, reduce; a global aggregate also yields its one row over an empty input),
 * HAVING (filter), the select list (map + project), DISTINCT / DISTINCT ON (distinct / topk) and
 * the ORDER BY keys (columns of the output, plus hidden ones for expressions not selected).
 * LIMIT / OFFSET and the finishing are query.ts'.
 */
import type { Node, ResTarget, SelectStmt } from 'libpg-query';
import type { Expr, OrderKey, Plan } from '../../../protocol/compute/plan.js';
import { SqlError, SqlState } from '../../../protocol/control/errors.js';
import type { Column, Value } from '../../../protocol/types.js';
import { AggregateCollector, rewriteGrouped, type CollectedAggregate } from './aggregate.js';
import { locationOf, MoreSqlState, stringOf, type Ctes, type PlanContext } from './context.js';
import { planBool, planExpr, type ExprEnv } from './expr.js';
import { exprKey, toExpr } from './exprs.js';
import { foldExpr } from './fold.js';
import { planFrom } from './from.js';
import { outputColumn, sortKey, type QueryBody } from './query.js';
import { project, projectExprs, range, type Rel } from './rel.js';
import { correlatedFrom, type Correlation } from './lateral.js';
import { rewriteSelectListFunctions } from './select-srf.js';
import { isPlainExpr, settle, type PExpr, type Typed } from './typed.js';
import { applyWindows, resolveWindows, WindowCollector } from './window.js';
import { splitTemporal } from './temporal.js';
import { attachSubqueries, filterWithSubqueries, resolveSubqueries, SubqueryCollector } from './subquery.js';

interface Target {
  typed: Typed;
  name: string;
  /** The select-list expression node (undefined for columns of a `*`). */
  node?: Node;
}

/** An ORDER BY / DISTINCT ON item: an output column, or an expression to compute. */
type OrderItem = { target: number } | { expr: Typed; location?: number };

/**
 * `corr` (a LATERAL item, lateral.ts): FROM starts with D, whose columns the outer references
 * read; grouping, DISTINCT and DISTINCT ON are per d, and the output starts with D's columns.
 */
export function planSelect(stmt: SelectStmt, ctx: PlanContext, ctes: Ctes, corr?: Correlation): QueryBody {
  const srf = rewriteSelectListFunctions(stmt, ctx);
  if (srf) return planSelect(srf, ctx, ctes, corr);
  const from: Rel = corr ? correlatedFrom(stmt.fromClause ?? [], ctx, ctes, corr) : planFrom(stmt.fromClause ?? [], ctx, ctes);
  const k = corr ? corr.dCols.length : 0;
  const dKeys: Typed[] = corr ? corr.dTypes.map((c, j) => ({ expr: { op: 'col', index: j }, type: c.type, nullable: c.nullable, name: `d${j}` })) : [];
  const scope = from.scope;
  let plan = from.plan;
  const inputArity = from.cols.length;

  if (stmt.whereClause) {
    // mz_now() comparisons become a temporal filter after the ordinary conditions (temporal.ts).
    const { rest, bounds } = splitTemporal(stmt.whereClause, ctx, (n) => planExpr(n, { ctx, scope, clause: 'WHERE' }));
    if (rest) {
      // The conditions without subqueries filter first, so a subquery's outer rows are only the
      // rows they keep (for `FROM a, b WHERE a.k = b.k AND x IN (...)`, the join, not a × b).
      const parts = andConjuncts(rest).flatMap(factorOr);
      const groups = [parts.filter((c) => !hasSubLink(c)), parts.filter(hasSubLink)];
      for (const group of groups) {
        if (group.length === 0) continue;
        const cond: Node = group.length === 1 ? group[0]! : { BoolExpr: { boolop: 'AND_EXPR', args: group } };
        const subqueries = new SubqueryCollector(ctes);
        const pred = planBool(cond, { ctx, scope, clause: 'WHERE', subqueries }, 'argument of WHERE');
        plan = filterWithSubqueries(plan, inputArity, toExpr(pred.expr), subqueries, toExpr);
      }
    }
    const bound = (e: PExpr) => foldExpr(toExpr(e), 'bigint');
    if (bounds) plan = { op: 'temporal', input: plan, lower: bounds.lower.map(bound), upper: bounds.upper.map(bound) };
  }

  const groupItems = stmt.groupClause ?? [];
  const collector = new AggregateCollector(groupItems.length > 0);
  const aggEnv = (clause: string): ExprEnv => ({ ctx, scope, clause, aggregates: collector });
  // The select list and ORDER BY may also call window functions.
  const windows = new WindowCollector();
  const selectSubqueries = new SubqueryCollector(ctes);
  const selectEnv = (clause: string): ExprEnv => ({ ...aggEnv(clause), windows, subqueries: selectSubqueries });

  // The select list (planned over the input, aggregates collected).
  const targets: Target[] = [];
  for (const node of stmt.targetList ?? []) {
    const rt: ResTarget = 'ResTarget' in node ? node.ResTarget : {};
    if (rt.indirection?.length) throw ctx.unsupported('subscripts and field selection', rt.location);
    const val = rt.val!;
    const star = 'ColumnRef' in val ? val.ColumnRef.fields ?? [] : [];
    if (star.length > 0 && 'A_Star' in star[star.length - 1]!) {
      const table = star.length > 1 ? stringOf(star[star.length - 2]) : undefined;
      if (table === undefined && !stmt.fromClause?.length) throw ctx.error(SqlState.SyntaxError, 'SELECT * with no tables specified is not valid', locationOf(val));
      for (const c of scope.expandStar(table, ctx, locationOf(val))) {
        targets.push({ typed: { expr: { op: 'col', index: c.index }, type: c.type, nullable: c.nullable, name: c.name }, name: c.name });
      }
      continue;
    }
    const typed = planExpr(val, selectEnv('SELECT'));
    targets.push({ typed, name: rt.name ?? typed.name, node: val });
  }
  const outputColumns = (): Column[] => targets.map((t) => ({ name: t.name, type: t.typed.type ?? 'text', nullable: t.typed.nullable }));

  // GROUP BY keys, over the input.
  const keys: Typed[] = [...dKeys];
  for (const item of groupItems) {
    const key = groupKey(item, targets, ctx, { ctx, scope, clause: 'GROUP BY' });
    if (!isPlainExpr(key.expr)) throw ctx.error(SqlState.GroupingError, 'aggregate functions are not allowed in GROUP BY', locationOf(item));
    if (!keys.some((k) => exprKey(k.expr) === exprKey(key.expr))) keys.push(settle(key, ctx));
  }

  const havingSubqueries = new SubqueryCollector(ctes);
  const havingSplit = stmt.havingClause ? splitTemporal(stmt.havingClause, ctx, (n) => planExpr(n, aggEnv('HAVING'))) : undefined;
  const having = havingSplit?.rest ? planBool(havingSplit.rest, { ...aggEnv('HAVING'), subqueries: havingSubqueries }, 'argument of HAVING') : undefined;
  const havingBounds = havingSplit?.bounds;

  // ORDER BY and DISTINCT ON items: output columns by name or position, else expressions.
  const orderItem = (node: Node): OrderItem => {
    const target = outputColumn(node, outputColumns(), ctx);
    if (target !== undefined) return { target };
    return { expr: settle(planExpr(node, selectEnv('ORDER BY')), ctx), location: locationOf(node) };
  };
  const sorts = (stmt.sortClause ?? []).map((n) => ('SortBy' in n ? n.SortBy : {}));
  const orderItems = sorts.map((sb) => orderItem(sb.node!));
  const distinctOn = stmt.distinctClause ?? [];
  const isDistinctOn = distinctOn.length > 0 && !(distinctOn.length === 1 && Object.keys(distinctOn[0]!).length === 0);
  const isDistinct = distinctOn.length > 0 && !isDistinctOn;
  const distinctOnItems = isDistinctOn ? distinctOn.map(orderItem) : [];

  // Aggregation.
  const grouped = groupItems.length > 0 || stmt.havingClause !== undefined || collector.list.length > 0;
  let finalize: (e: PExpr, clause: string, location?: number) => Expr = (e) => toExpr(e);
  let arity = inputArity;
  if (grouped) {
    const keyExprs = keys.map((k) => toExpr(k.expr));
    const mapped = keyExprs.filter((k) => k.op !== 'col');
    let m = 0;
    const groupKey = keyExprs.map((k) => (k.op === 'col' ? k.index : inputArity + m++));
    const input: Plan = mapped.length > 0 ? { op: 'map', input: plan, exprs: mapped } : plan;
    plan = { op: 'reduce', input, groupKey, aggregates: collector.list.map((a) => a.aggregate) };
    if (groupItems.length === 0) plan = corr ? withDefaultRows(plan, corr, collector.list) : withDefaultRow(plan, collector.list);
    arity = keys.length + collector.list.length;
    const columnName = (index: number) => scope.columns.find((c) => c.index === index)?.name ?? `column ${index + 1}`;
    finalize = (e, clause, location) => rewriteGrouped(e, keyExprs, columnName, ctx, clause, location);
    const fin = finalize;
    const at = locationOf(stmt.havingClause);
    if (having) plan = filterWithSubqueries(plan, arity, fin(having.expr, 'HAVING', at), havingSubqueries, (e) => fin(e, 'HAVING', at));
    if (havingBounds) {
      const bound = (e: PExpr) => foldExpr(fin(e, 'HAVING', at), 'bigint');
      plan = { op: 'temporal', input: plan, lower: havingBounds.lower.map(bound), upper: havingBounds.upper.map(bound) };
    }
  }

  // Window functions, over the (grouped) rows, before the select list reads them.
  if (windows.list.length > 0) {
    if (corr) throw ctx.unsupported('window functions in a LATERAL subquery that reads the outer row', undefined);
    const grouping = finalize;
    const w = applyWindows(plan, arity, windows.list, (e) => grouping(e, 'window function calls'));
    plan = w.plan;
    arity = w.arity;
    finalize = (e, clause, location) => resolveWindows(grouping(e, clause, location), w.columns);
  }

  // Subqueries of the select list and ORDER BY, joined to the rows they are evaluated over.
  if (selectSubqueries.list.length > 0) {
    const before = finalize;
    const s = attachSubqueries(plan, arity, selectSubqueries, (e) => before(e, 'select list'));
    plan = s.plan;
    arity = s.arity;
    finalize = (e, clause, location) => resolveSubqueries(before(e, clause, location), s.values);
  }

  // The select list, then hidden ORDER BY / DISTINCT ON columns.
  const dOut = dKeys.map((d) => finalize(d.expr, 'select list'));
  const visible = targets.map((t) => {
    const typed = settle(t.typed, ctx);
    return foldExpr(finalize(typed.expr, 'select list', locationOf(t.node)), typed.type);
  });
  const hidden: Expr[] = [];
  const columnOf = (item: OrderItem, clause: string): number => {
    if ('target' in item) return item.target;
    const e = foldExpr(finalize(item.expr.expr, clause, item.location), item.expr.type ?? undefined);
    const k = exprKey(e);
    const same = visible.findIndex((v) => exprKey(v) === k);
    if (same >= 0) return same;
    if (isDistinct) {
      throw ctx.error(MoreSqlState.InvalidColumnReference, 'for SELECT DISTINCT, ORDER BY expressions must appear in select list', item.location);
    }
    const h = hidden.findIndex((v) => exprKey(v) === k);
    if (h >= 0) return visible.length + h;
    hidden.push(e);
    return visible.length + hidden.length - 1;
  };
  const order: OrderKey[] = orderItems.map((item, i) => sortKey(sorts[i]!, k + columnOf(item, 'ORDER BY'), ctx));
  const distinctKeys = distinctOnItems.map((item) => k + columnOf(item, 'DISTINCT ON'));

  const outputs = [...dOut, ...visible, ...hidden];
  plan = projectExprs(plan, arity, outputs);
  if (isDistinct) plan = { op: 'distinct', input: plan };
  if (isDistinctOn) plan = { op: 'topk', input: plan, groupKey: [...range(0, k), ...distinctKeys], order, limit: 1, offset: 0 };

  const nullColumns = new Set(targets.flatMap((t, i) => (t.typed.type === null && t.typed.unknownText === undefined ? [i] : [])));
  return { plan, columns: outputColumns(), arity: outputs.length, order, nullColumns };
}

/**
 * A GROUP BY item: a 1-based select-list position, an input column name, a select-list alias
 * (Postgres looks at input columns first), or an expression over the input.
 */
function groupKey(item: Node, targets: Target[], ctx: PlanContext, env: ExprEnv): Typed {
  const location = locationOf(item);
  if ('A_Const' in item && item.A_Const.ival !== undefined) {
    const pos = item.A_Const.ival.ival ?? 0;
    if (pos < 1 || pos > targets.length) throw ctx.error(MoreSqlState.InvalidColumnReference, `GROUP BY position ${pos} is not in select list`, location);
    return targets[pos - 1]!.typed;
  }
  if ('GroupingSet' in item) throw ctx.unsupported('GROUPING SETS, ROLLUP and CUBE', location);
  if ('ColumnRef' in item && item.ColumnRef.fields?.length === 1 && !('A_Star' in item.ColumnRef.fields[0]!)) {
    try {
      return planExpr(item, env);
    } catch (e) {
      const name = stringOf(item.ColumnRef.fields[0]);
      const alias = targets.filter((t) => t.node !== undefined && t.name === name);
      if (e instanceof SqlError && e.sqlstate === SqlState.UndefinedColumn && alias.length === 1) return alias[0]!.typed;
      throw e;
    }
  }
  return planExpr(item, env);
}

/**
 * A global aggregate (no GROUP BY) has exactly one row, even over an empty input, where count is
 * 0 and the other aggregates are NULL. `reduce` yields no row then, so add the default row and
 * take it away again whenever the reduce has its row:
 *   reduce ∪ {default} − (π_∅(reduce) × {default}).
 */
function withDefaultRow(reduce: Plan, aggregates: CollectedAggregate[]): Plan {
  const defaults: Value[] = aggregates.map((a) => (a.aggregate.fn.startsWith('count') ? 0 : null));
  const arity = defaults.length;
  const defaultRow: Plan = { op: 'constant', rows: [[defaults, 1]], arity };
  const present: Plan = {
    op: 'map',
    input: { op: 'project', input: reduce, columns: [] },
    exprs: aggregates.map((a, i) => ({ op: 'lit', value: defaults[i]!, type: a.type })),
  };
  return { op: 'union', inputs: [reduce, defaultRow, { op: 'negate', input: present }] };
}

/**
 * withDefaultRow per d of a LATERAL item's D: every d without a group gets the aggregates'
 * empty values (count 0, others NULL): reduce ∪ (D − π_d reduce) × defaults.
 */
function withDefaultRows(reduce: Plan, corr: Correlation, aggregates: CollectedAggregate[]): Plan {
  const k = corr.dCols.length;
  const defaults: Expr[] = aggregates.map((a) => ({ op: 'lit', value: a.aggregate.fn.startsWith('count') ? 0 : null, type: a.type }));
  const missing: Plan = { op: 'union', inputs: [corr.d, { op: 'negate', input: project(reduce, k + aggregates.length, range(0, k)) }] };
  return { op: 'union', inputs: [reduce, defaults.length > 0 ? { op: 'map', input: missing, exprs: defaults } : missing] };
}

/** The conjuncts of an AND tree. */
function andConjuncts(n: Node): Node[] {
  if ('BoolExpr' in n && n.BoolExpr.boolop === 'AND_EXPR') return (n.BoolExpr.args ?? []).flatMap(andConjuncts);
  return [n];
}

/** A parse tree's text without source positions, to compare conditions written alike. */
const shape = (n: Node): string => JSON.stringify(n, (k, v: unknown) => (k === 'location' ? undefined : v));

/**
 * `(A AND B) OR (A AND C)` as `A AND (B OR C)`: the conjuncts every arm of an OR has are taken
 * out, as Postgres does, so a join condition repeated in each arm (TPC-H Q19) is a join key and
 * not a filter over a cross product. An arm left with nothing makes the OR true.
 */
function factorOr(n: Node): Node[] {
  if (!('BoolExpr' in n) || n.BoolExpr.boolop !== 'OR_EXPR') return [n];
  const arms = (n.BoolExpr.args ?? []).map(andConjuncts);
  if (arms.length < 2) return [n];
  const common = arms[0]!.filter((c) => arms.every((arm) => arm.some((d) => shape(d) === shape(c))));
  if (common.length === 0) return [n];
  const shared = new Set(common.map(shape));
  const rests = arms.map((arm) => arm.filter((c) => !shared.has(shape(c))));
  if (rests.some((r) => r.length === 0)) return common;
  const and = (xs: Node[]): Node => (xs.length === 1 ? xs[0]! : { BoolExpr: { boolop: 'AND_EXPR', args: xs } });
  return [...common, { BoolExpr: { boolop: 'OR_EXPR', args: rests.map(and) } }];
}

/** Whether a parse tree holds a subquery (a SubLink) anywhere. */
function hasSubLink(n: unknown): boolean {
  if (n === null || typeof n !== 'object') return false;
  if (Array.isArray(n)) return n.some(hasSubLink);
  return Object.entries(n).some(([k, v]) => k === 'SubLink' || hasSubLink(v));
}
