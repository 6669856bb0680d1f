/**
 * Subqueries in expressions: scalar `(SELECT ...)`, `EXISTS (...)`, `x IN (SELECT ...)` (and NOT
 * of them), uncorrelated or correlated, planned as joins so that they are maintained like any
 * plan (docs/sql.md, "Subqueries"). Planning an expression only registers the subquery with the
 * clause's SubqueryCollector and yields a placeholder (PExpr `sub`); the SELECT then attaches
 * every subquery of the clause to the relation the clause is evaluated over (`attachSubqueries`)
 * and resolves the placeholders to expressions over the columns it joined in.
 *
 * Decorrelation (Neumann & Kemper, as Materialize does it): with outer relation P and the outer
 * columns the subquery reads o (k of them, none when uncorrelated),
 *   D = δ(π_o P)                         the distinct outer values (uncorrelated: one empty row)
 *   S = the subquery's rows per d ∈ D    (d..., v): a join of its FROM with D, its WHERE turning
 *                                        outer references into D's columns; a global aggregate is
 *                                        grouped by d, and a d with no rows gets the aggregates'
 *                                        empty values (count 0: the "count bug")
 *   T = γ_d(count(*), max(v), count(v)) ∪ (D − π_d T) × (0, NULL, 0)     one row per d
 * and P is joined with T on o = d null-safely, so every outer row finds exactly its d. The value:
 *   scalar  v if count <= 1 (NULL when 0), else an evaluation error (21000)
 *   EXISTS  count > 0
 *   IN      true if (d, x) is among δ(S) (a second join, F below); else false if count = 0; else
 *           NULL if x is NULL or some v is NULL (count(v) < count); else false.
 *   ARRAY   T's max(v) is array_agg(v) (ordered by v), the value coalesce(array_agg, '{}').
 * A function in a correlated subquery's FROM that reads the outer row is a flat_map over FROM × D.
 * This file plans; it evaluates nothing.
 */
import type { Node, RangeFunction, SelectStmt, SubLink } from 'libpg-query';
import { planTableFunctionCall } from './table-functions.js';
import type { Expr, Plan } from '../../../protocol/compute/plan.js';
import { SqlError, SqlState } from '../../../protocol/control/errors.js';
import type { ColumnType } from '../../../protocol/types.js';
import { AggregateCollector, rewriteGrouped } from './aggregate.js';
import { locationOf, type Ctes, type PlanContext } from './context.js';
import { planBool, planExpr, type ExprEnv } from './expr.js';
import { conjuncts, substitute, toExpr } from './exprs.js';
import { planFrom } from './from.js';
import { planQueryBody } from './query.js';
import { filter, ONE_EMPTY_ROW, project, projectExprs, range, zeroOf, type ColType } from './rel.js';
import { Scope, type ScopeColumn } from './scope.js';
import { commonType, coerce, settle, type PExpr, type Typed } from './typed.js';
import type { ScalarFunction } from '../../../protocol/compute/plan.js';
import type { Value } from '../../../protocol/types.js';
import { arrayTypeOf } from '../../../protocol/array.js';

const lit = (value: Value, type: ColumnType): Expr => ({ op: 'lit', value, type });
const call = (fn: ScalarFunction, ...args: Expr[]): Expr => ({ op: 'call', fn, args });

/** The message (and SQLSTATE 21000) of a scalar subquery that returned more than one row. */
export const SUBQUERY_TOO_MANY_ROWS = 'more than one row returned by a subquery used as an expression';
export const CARDINALITY_VIOLATION = '21000';

/** Whether an evaluation error's message is the scalar subquery's cardinality error. */
export function isSubqueryCardinalityMessage(message: string): boolean {
  return message.includes(SUBQUERY_TOO_MANY_ROWS);
}

type Kind = 'scalar' | 'exists' | 'in' | 'array';

export interface CollectedSubquery {
  kind: Kind;
  /** ARRAY (subquery): the elements in descending order (ORDER BY its value DESC). */
  desc?: boolean;
  /** ARRAY (subquery) ordered by another expression: S has it as a last column, after the value. */
  by?: boolean;
  /** The outer columns the subquery reads (over the outer scope), in D's column order. */
  outer: Array<{ expr: PExpr; col: ColType }>;
  /** IN: the left operand (over the outer scope, coerced to the common type). */
  test?: PExpr;
  /** S over the given D (of arity outer.length): D's columns, then the value (then `by`'s order key). */
  build: (d: Plan) => Plan;
  valueType: ColumnType;
}

/** The subqueries of one clause; `ctes` are those the enclosing query sees. */
export class SubqueryCollector {
  readonly list: CollectedSubquery[] = [];
  constructor(readonly ctes: Ctes) {}
  add(s: CollectedSubquery): number {
    this.list.push(s);
    return this.list.length - 1;
  }
}

/** Plans a SubLink where expr.ts meets one. */
export function planSubLink(link: SubLink, env: ExprEnv): Typed {
  const { ctx } = env;
  const location = link.location;
  const collector = env.subqueries;
  if (!collector) throw ctx.unsupported(`a subquery in ${env.clause}`, location, 'subqueries are supported in WHERE, HAVING, the select list and ORDER BY');
  const stmt = link.subselect && 'SelectStmt' in link.subselect ? link.subselect.SelectStmt : undefined;
  if (!stmt) throw ctx.unsupported('this subquery', location);
  switch (link.subLinkType) {
    case 'EXPR_SUBLINK': {
      const inner = planInner(stmt, env, collector, 'scalar', location);
      const index = collector.add({ kind: 'scalar', ...inner });
      return { expr: { op: 'sub', index }, type: inner.valueType, nullable: true, name: inner.name };
    }
    case 'EXISTS_SUBLINK': {
      const inner = planInner(stmt, env, collector, 'exists', location);
      const index = collector.add({ kind: 'exists', ...inner });
      return { expr: { op: 'sub', index }, type: 'bool', nullable: false, name: 'exists' };
    }
    case 'ANY_SUBLINK': {
      const op = (link.operName ?? []).map((n) => ('String' in n ? n.String.sval : '')).pop();
      if (op !== undefined && op !== '=') throw ctx.unsupported(`${op} ANY (subquery)`, location, 'use IN (SELECT ...)');
      if (link.testexpr && 'RowExpr' in link.testexpr) throw ctx.unsupported('a row constructor IN (subquery)', location);
      const x = planExpr(link.testexpr!, env);
      const inner = planInner(stmt, env, collector, 'in', location);
      const type = commonType([x, { expr: lit(null, inner.valueType), type: inner.valueType, nullable: true, name: '' }], 'IN', ctx, location);
      if (type !== inner.valueType && !(isNumber(type) && isNumber(inner.valueType))) {
        throw ctx.error(SqlState.DatatypeMismatch, `IN types ${x.type} and ${inner.valueType} cannot be matched`, location);
      }
      const test = coerce(x, type, ctx, location, 'IN').expr;
      const index = collector.add({ kind: 'in', ...inner, test });
      return { expr: { op: 'sub', index }, type: 'bool', nullable: true, name: '?column?' };
    }
    case 'ARRAY_SUBLINK': {
      const { stmt: unordered, desc, by } = arrayOrder(stmt, ctx, location);
      const inner = planInner(unordered, env, collector, 'array', location, by);
      const type = arrayTypeOf(inner.valueType);
      if (!type) throw ctx.unsupported(`ARRAY (subquery) of ${inner.valueType}`, location, 'definite has arrays of bool, smallint, int, bigint, float, numeric and text');
      const index = collector.add({ kind: 'array', ...inner, ...(desc ? { desc } : {}), ...(by ? { by } : {}) });
      return { expr: { op: 'sub', index }, type, nullable: false, name: 'array' };
    }
    default:
      throw ctx.unsupported(`${(link.subLinkType ?? 'this subquery').replace('_SUBLINK', '')} (subquery)`, location, 'IN, EXISTS, ARRAY and scalar subqueries are supported');
  }
}

/**
 * ARRAY (subquery)'s ORDER BY: the order of its elements, an array_agg's (ascending by value,
 * NULLs last; or descending). The order by the value itself (`ORDER BY 1`, or the selected
 * expression), or by one other expression of the subquery's rows (`ORDER BY e.enumsortorder`:
 * the subquery selects it as a second column, `by`, and array_agg orders by it, then by the
 * value); without ORDER BY, ascending (Postgres leaves that order unspecified).
 */
function arrayOrder(stmt: SelectStmt, ctx: PlanContext, location: number | undefined): { stmt: SelectStmt; desc: boolean; by: boolean } {
  const sort = stmt.sortClause ?? [];
  if (sort.length === 0) return { stmt, desc: false, by: false };
  const only = sort.length === 1 && 'SortBy' in sort[0]! ? sort[0].SortBy : undefined;
  const byNode = only?.node;
  const isOrdinal = byNode !== undefined && 'A_Const' in byNode;
  const target0 = stmt.targetList?.[0];
  const value0 = target0 && 'ResTarget' in target0 ? target0.ResTarget.val : undefined;
  const same = (a: unknown, b: unknown) => JSON.stringify(a, (k, v) => (k === 'location' ? undefined : v)) === JSON.stringify(b, (k, v) => (k === 'location' ? undefined : v));
  const plainSelect = (!stmt.op || stmt.op === 'SETOP_NONE') && !stmt.valuesLists?.length && !stmt.distinctClause?.length && !stmt.groupClause?.length && !stmt.havingClause;
  if (only && byNode && !isOrdinal && !same(byNode, value0) && (stmt.targetList?.length ?? 0) === 1 && plainSelect && (!only.sortby_nulls || only.sortby_nulls === 'SORTBY_NULLS_DEFAULT')) {
    if (stmt.limitCount || stmt.limitOffset) throw ctx.unsupported('LIMIT / OFFSET in ARRAY (subquery)', location);
    const key = { ResTarget: { val: byNode } } as NonNullable<SelectStmt['targetList']>[number];
    return { stmt: { ...stmt, sortClause: [], targetList: [...stmt.targetList!, key] }, desc: only.sortby_dir === 'SORTBY_DESC', by: true };
  }
  const strip = (n: unknown): string => JSON.stringify(n, (k, v) => (k === 'location' ? undefined : v));
  const target = stmt.targetList?.[0];
  const value = target && 'ResTarget' in target ? target.ResTarget.val : undefined;
  let desc = false;
  for (const item of sort) {
    const by = 'SortBy' in item ? item.SortBy : undefined;
    const node = by?.node;
    const isFirst = node !== undefined && 'A_Const' in node && node.A_Const.ival?.ival === 1;
    const isValue = node !== undefined && value !== undefined && strip(node) === strip(value);
    const dir = by?.sortby_dir === 'SORTBY_DESC';
    const nullsDefault = !by?.sortby_nulls || by.sortby_nulls === 'SORTBY_NULLS_DEFAULT';
    if ((!isFirst && !isValue) || !nullsDefault || (stmt.targetList?.length ?? 0) !== 1) {
      throw ctx.unsupported('ARRAY (subquery) ordered by anything but its value', location, 'ARRAY(SELECT x ... ORDER BY x [DESC]) or ORDER BY 1 is supported');
    }
    desc = dir;
  }
  if (stmt.limitCount || stmt.limitOffset) throw ctx.unsupported('LIMIT / OFFSET in ARRAY (subquery)', location);
  return { stmt: { ...stmt, sortClause: [] }, desc, by: false };
}

/** Whether a function in FROM reads columns it cannot find without the outer query. */
function readsOuter(rf: RangeFunction, ctx: PlanContext): boolean {
  try {
    planTableFunctionCall(rf, ctx, Scope.empty());
    return false;
  } catch (e) {
    if (e instanceof SqlError && (e.sqlstate === SqlState.UndefinedColumn || e.sqlstate === SqlState.UndefinedTable)) return true;
    throw e;
  }
}

/** `e` with each column reference c replaced by at(c). */
function remapExpr(e: Expr, at: (c: number) => number): Expr {
  return substitute(e, (i) => ({ op: 'col', index: at(i) }));
}

function isNumber(t: ColumnType): boolean {
  return t === 'smallint' || t === 'int' || t === 'bigint' || t === 'numeric' || t === 'float';
}

interface Inner {
  outer: CollectedSubquery['outer'];
  build: (d: Plan) => Plan;
  valueType: ColumnType;
  name: string;
}

/** Plans the subquery: as a whole query when it is uncorrelated, else by decorrelation. */
function planInner(stmt: SelectStmt, env: ExprEnv, collector: SubqueryCollector, kind: Kind, location: number | undefined, by = false): Inner {
  const { ctx } = env;
  let q;
  try {
    q = planQueryBody(stmt, ctx, collector.ctes, 'maintained');
  } catch (e) {
    // A column or table the subquery does not have may be the outer query's: correlated.
    if (e instanceof SqlError && (e.sqlstate === SqlState.UndefinedColumn || e.sqlstate === SqlState.UndefinedTable)) {
      return planCorrelated(stmt, env, collector, kind, location, by);
    }
    throw e;
  }
  const n = q.columns.length;
  if (kind === 'exists') return { outer: [], build: () => ({ op: 'map', input: project(q.plan, n, []), exprs: [lit(true, 'bool')] }), valueType: 'bool', name: 'exists' };
  if (n !== (by ? 2 : 1)) throw ctx.error(SqlState.SyntaxError, n > 1 ? 'subquery must return only one column' : 'subquery has too few columns', location);
  const col = q.columns[0]!;
  const type = q.nullColumns.has(0) ? 'text' : col.type;
  return { outer: [], build: () => q.plan, valueType: type, name: col.name };
}

/**
 * A scope that resolves what the subquery's own FROM does not have in the outer scope; each
 * outer column it finds becomes a column of D, at `base + j` (after the subquery's FROM).
 */
class CorrelatedScope extends Scope {
  readonly refs: ScopeColumn[] = [];
  constructor(inner: Scope, private readonly outerScope: Scope, private readonly base: number) {
    super(inner.columns, inner.star);
  }
  override resolve(fields: string[], ctx: PlanContext, location?: number): ScopeColumn {
    try {
      return super.resolve(fields, ctx, location);
    } catch (e) {
      if (!(e instanceof SqlError) || (e.sqlstate !== SqlState.UndefinedColumn && e.sqlstate !== SqlState.UndefinedTable)) throw e;
      let col: ScopeColumn;
      try {
        col = this.outerScope.resolve(fields, ctx, location);
      } catch {
        throw e;
      }
      let j = this.refs.findIndex((r) => r.index === col.index);
      if (j < 0) j = this.refs.push(col) - 1;
      return { ...col, index: this.base + j };
    }
  }
}

/**
 * A correlated subquery: SELECT <one expression> FROM ... WHERE ..., with or without aggregates
 * (a global aggregate: no GROUP BY / HAVING / DISTINCT / LIMIT / set operations, not built).
 */
function planCorrelated(stmt: SelectStmt, env: ExprEnv, collector: SubqueryCollector, kind: Kind, location: number | undefined, by = false): Inner {
  const { ctx } = env;
  const refuse = (what: string) => ctx.unsupported(`${what} in a correlated subquery`, location, 'a correlated subquery may be SELECT <expression> FROM ... WHERE ..., with aggregates but without GROUP BY');
  if ((stmt.op && stmt.op !== 'SETOP_NONE') || stmt.valuesLists?.length) throw refuse('UNION / INTERSECT / EXCEPT / VALUES');
  if (stmt.withClause) throw refuse('WITH');
  if (stmt.groupClause?.length || stmt.havingClause) throw refuse('GROUP BY / HAVING');
  if (stmt.distinctClause?.length) throw refuse('DISTINCT');
  if (stmt.limitCount || stmt.limitOffset) throw refuse('LIMIT / OFFSET');
  // Functions in FROM that read the outer row (generate_series(0, array_upper(o.a, 1))) are
  // applied per row of FROM ⋈ D (flat_map); their columns follow FROM's own in the scope.
  const items = stmt.fromClause ?? [];
  const lateral = items.filter((i) => 'RangeFunction' in i && readsOuter(i.RangeFunction, ctx));
  const plain = planFrom(items.filter((i) => !lateral.includes(i)), ctx, collector.ctes);
  const r0 = plain.cols.length;
  const r = r0 + lateral.length;
  const fnScope = new CorrelatedScope(plain.scope, env.scope, r);
  const calls = lateral.map((i) => planTableFunctionCall((i as { RangeFunction: RangeFunction }).RangeFunction, ctx, fnScope));
  const fromScope = calls.reduce((sc, c, i) => Scope.concat(sc, Scope.ofRelation([c.column], c.alias), r0 + i), plain.scope);
  const from = { ...plain, cols: [...plain.cols, ...calls.map((c) => ({ type: c.column.type, nullable: c.column.nullable }))], scope: fromScope };
  const scope = new CorrelatedScope(from.scope, env.scope, r);
  for (const ref of fnScope.refs) scope.refs.push(ref);
  const where = stmt.whereClause ? conjuncts(toExpr(planBool(stmt.whereClause, { ctx, scope, clause: 'the WHERE of a correlated subquery' }, 'argument of WHERE').expr)) : [];
  const targets = stmt.targetList ?? [];
  const aggregates = new AggregateCollector(false);
  // Subqueries in the select list (ARRAY(SELECT ... WHERE x = ANY (outer.col)) inside psql's
  // \dp policy query): joined to FROM ⋈ D below, before the value is computed over them.
  const nested = new SubqueryCollector(collector.ctes);
  let value: Typed = { expr: lit(true, 'bool'), type: 'bool', nullable: false, name: 'exists' };
  let orderKey: Typed | undefined;
  const isStar = (n: Node) => 'ResTarget' in n && n.ResTarget.val !== undefined && 'ColumnRef' in n.ResTarget.val && (n.ResTarget.val.ColumnRef.fields ?? []).some((f) => 'A_Star' in f);
  if (kind !== 'exists' || !targets.some(isStar)) {
    if (targets.length !== (by ? 2 : 1)) {
      if (kind !== 'exists') throw ctx.error(SqlState.SyntaxError, targets.length > 1 ? 'subquery must return only one column' : 'subquery has too few columns', location);
    }
    const planned = targets.map((t) => {
      const rt = 'ResTarget' in t ? t.ResTarget : {};
      if (isStar(t)) throw refuse('*');
      const typed = settle(planExpr(rt.val!, { ctx, scope, clause: 'SELECT', aggregates, subqueries: nested }), ctx, locationOf(rt.val));
      return { ...typed, name: rt.name ?? typed.name };
    });
    if (kind !== 'exists') value = planned[0]!;
    if (by) orderKey = planned[1]!;
  }
  if (scope.refs.length === 0) throw ctx.error(SqlState.InternalError, 'internal: a subquery that failed to plan reads no outer column', location);
  const refs = scope.refs;
  const k = refs.length;
  const valueType = value.type ?? 'text';
  const aggregated = aggregates.list.length > 0;
  if (aggregated && nested.list.length > 0) throw refuse('a subquery beside aggregates in the select list');
  if (aggregated && orderKey) throw refuse('ORDER BY beside aggregates');
  const tail = (sub?: Expr[]): Expr[] => (orderKey ? [resolve(toExpr(orderKey.expr), sub)] : []);
  const resolve = (e: Expr, sub?: Expr[]): Expr => (sub ? resolveSubqueries(e, sub) : e);
  const dCols = range(r, r + k).map((i): Expr => ({ op: 'col', index: i }));
  const build = (d: Plan): Plan => {
    // FROM ⋈ D, then each lateral function (its arguments over [FROM, D] remapped to [plain FROM, D, earlier functions]).
    let base: Plan = { op: 'join', inputs: [plain.plan, d], equivalences: [] };
    const at = (c: number) => (c < r0 ? c : c >= r ? r0 + (c - r) : r0 + k + (c - r0));
    calls.forEach((c) => {
      base = { op: 'flat_map', input: base, func: c.func, exprs: c.args.map((a) => remapExpr(toExpr(a.expr), at)) };
    });
    if (calls.length > 0) base = project(base, r0 + k + calls.length, [...range(0, r0), ...range(r0 + k, r0 + k + calls.length), ...range(r0, r0 + k)]);
    const joined = filter(base, where);
    if (nested.list.length > 0) {
      // The nested subqueries' outer columns are over [FROM, D], which is joined's layout.
      const n = attachSubqueries(joined, r + k, nested, toExpr);
      return projectExprs(n.plan, n.arity, [...dCols, resolveSubqueries(toExpr(value.expr), n.values), ...tail(n.values)]);
    }
    if (!aggregated) return projectExprs(joined, r + k, [...dCols, toExpr(value.expr), ...tail()]);
    // A global aggregate per d; each d without rows gets the aggregates' empty values.
    const m = aggregates.list.length;
    const reduce: Plan = { op: 'reduce', input: joined, groupKey: range(r, r + k), aggregates: aggregates.list.map((a) => a.aggregate) };
    const columnName = (index: number) => scope.columns.find((c) => c.index === index)?.name ?? `column ${index + 1}`;
    const v = rewriteGrouped(value.expr, dCols, columnName, ctx, 'select list of a subquery', location);
    const own = projectExprs(reduce, k + m, [...range(0, k).map((i): Expr => ({ op: 'col', index: i })), v]);
    const empty = substitute(v, (i) => {
      if (i < k) return { op: 'col', index: i };
      const a = aggregates.list[i - k]!;
      return lit(a.aggregate.fn.startsWith('count') ? 0 : null, a.type);
    });
    const missing: Plan = { op: 'union', inputs: [d, { op: 'negate', input: project(reduce, k + m, range(0, k)) }] };
    return { op: 'union', inputs: [own, projectExprs(missing, k, [...range(0, k).map((i): Expr => ({ op: 'col', index: i })), empty])] };
  };
  return {
    outer: refs.map((c) => ({ expr: { op: 'col', index: c.index }, col: { type: c.type, nullable: c.nullable } })),
    build,
    valueType,
    name: value.name,
  };
}

/**
 * Joins every subquery of `collector` to `plan` (of arity `arity`, the relation the clause is
 * evaluated over); `finalize` turns the outer references (over the clause's scope) into
 * expressions over `plan`. Returns the wider plan and, per subquery, its value over it; the
 * first `arity` columns are `plan`'s own, unchanged.
 */
export function attachSubqueries(plan: Plan, arity: number, collector: SubqueryCollector, finalize: (e: PExpr) => Expr): { plan: Plan; arity: number; values: Expr[] } {
  const values: Expr[] = [];
  for (const s of collector.list) {
    const k = s.outer.length;
    const keyExprs = [...s.outer.map((o) => finalize(o.expr)), ...(s.test ? [finalize(s.test)] : [])];
    const mapped = keyExprs.filter((e) => e.op !== 'col');
    let m = 0;
    const keys = keyExprs.map((e) => (e.op === 'col' ? e.index : arity + m++));
    const outer: Plan = mapped.length > 0 ? { op: 'map', input: plan, exprs: mapped } : plan;
    const width = arity + mapped.length;
    const dKeys = keys.slice(0, k);
    const keyCols = s.outer.map((o) => o.col);
    const d: Plan = k === 0 ? ONE_EMPTY_ROW : { op: 'distinct', input: project(outer, width, dKeys) };
    const rows = s.build(d); // arity k + 1
    const v: Expr = { op: 'col', index: k };
    // ARRAY (subquery) is the ordered aggregation array_agg in place of max (an empty d: '{}').
    const arrayType = s.kind === 'array' ? arrayTypeOf(s.valueType)! : undefined;
    const counts: Plan = {
      op: 'reduce',
      input: rows,
      groupKey: range(0, k),
      aggregates: [
        { fn: 'count_star', expr: lit(true, 'bool') },
        arrayType ? { fn: 'array_agg', expr: v, ...(s.desc ? { desc: true } : {}), ...(s.by ? { by: { op: 'col', index: k + 1 } } : {}) } : { fn: 'max', expr: v },
        { fn: 'count', expr: v },
      ],
    };
    const none: Plan = { op: 'union', inputs: [d, { op: 'negate', input: project(counts, k + 3, range(0, k)) }] };
    const perD: Plan = { op: 'union', inputs: [counts, { op: 'map', input: none, exprs: [lit(0, 'bigint'), lit(null, arrayType ?? s.valueType), lit(0, 'bigint')] }] };
    plan = nullSafeJoin(outer, width, dKeys, perD, k + 3, range(0, k), keyCols);
    const col = (i: number): Expr => ({ op: 'col', index: i });
    const count = col(width + k);
    const max = col(width + k + 1);
    const nonNull = col(width + k + 2);
    let next = width + k + 3;
    let value: Expr;
    if (s.kind === 'scalar') {
      // The error is an evaluation error of the outer row (so an empty outer relation never raises it).
      const tooMany: Expr = call('to_int', lit(SUBQUERY_TOO_MANY_ROWS, 'text'));
      value = { op: 'case', whens: [{ when: call('>', count, lit(1, 'bigint')), then: tooMany }], else: max };
    } else if (s.kind === 'array') {
      value = call('coalesce', max, lit([], arrayType!));
    } else if (s.kind === 'exists') {
      value = call('>', count, lit(0, 'bigint'));
    } else {
      // F: per distinct (d, x) of the outer rows, whether x is among the subquery's values for d.
      const xKey = keys[k]!;
      const e: Plan = { op: 'distinct', input: project(outer, width, [...dKeys, xKey]) };
      const values: Plan = { op: 'distinct', input: rows };
      const found = project(nullSafeJoin(e, k + 1, range(0, k + 1), values, k + 1, range(0, k + 1), [...keyCols, { type: s.valueType, nullable: false }]), 2 * (k + 1), range(0, k + 1));
      const flags: Plan = {
        op: 'union',
        inputs: [
          { op: 'map', input: found, exprs: [lit(true, 'bool')] },
          { op: 'map', input: { op: 'union', inputs: [e, { op: 'negate', input: found }] }, exprs: [lit(false, 'bool')] },
        ],
      };
      const xType: ColType = { type: s.valueType, nullable: true };
      plan = nullSafeJoin(plan, next, [...dKeys, xKey], flags, k + 2, range(0, k + 1), [...keyCols, xType]);
      const isIn = col(next + k + 1);
      next += k + 2;
      const x = col(xKey);
      value = {
        op: 'case',
        whens: [
          { when: isIn, then: lit(true, 'bool') },
          { when: call('=', count, lit(0, 'bigint')), then: lit(false, 'bool') },
          { when: call('is_null', x), then: lit(null, 'bool') },
          { when: call('<', nonNull, count), then: lit(null, 'bool') },
        ],
        else: lit(false, 'bool'),
      };
    }
    arity = next;
    values.push(value);
  }
  return { plan, arity, values };
}

/**
 * `left ⋈ right` on `leftKeys[i] = rightKeys[i]`, where NULL matches NULL for keys that may be
 * NULL (compared on is_null(c) and coalesce(c, zero)); output: left's columns, then right's.
 */
export function nullSafeJoin(left: Plan, la: number, leftKeys: number[], right: Plan, ra: number, rightKeys: number[], keyCols: ColType[]): Plan {
  const lx: Expr[] = [];
  const rx: Expr[] = [];
  const pairs: Array<[number, number]> = [];
  keyCols.forEach((c, i) => {
    const l = leftKeys[i]!;
    const r = rightKeys[i]!;
    if (!c.nullable) {
      pairs.push([l, r]);
      return;
    }
    const zero = lit(zeroOf(c.type), c.type);
    for (const [cols, index] of [[lx, l], [rx, r]] as const) {
      const e: Expr = { op: 'col', index };
      cols.push({ op: 'call', fn: 'is_null', args: [e] }, { op: 'call', fn: 'coalesce', args: [e, zero] });
    }
    pairs.push([la + lx.length - 2, ra + rx.length - 2], [la + lx.length - 1, ra + rx.length - 1]);
  });
  const lw = la + lx.length;
  const rw = ra + rx.length;
  const l: Plan = lx.length > 0 ? { op: 'map', input: left, exprs: lx } : left;
  const r: Plan = rx.length > 0 ? { op: 'map', input: right, exprs: rx } : right;
  const joined: Plan = { op: 'join', inputs: [l, r], equivalences: pairs.map(([a, b]) => [a, lw + b]) };
  return project(joined, lw + rw, [...range(0, la), ...range(lw, lw + ra)]);
}

/** Replaces each subquery placeholder in `e` by its value. */
export function resolveSubqueries(e: Expr, values: Expr[]): Expr {
  const x = e as Expr | { op: 'sub'; index: number };
  switch (x.op) {
    case 'sub':
      return values[x.index]!;
    case 'col':
    case 'lit':
      return x;
    case 'call':
      return { op: 'call', fn: x.fn, args: x.args.map((a) => resolveSubqueries(a, values)) };
    case 'case':
      return { op: 'case', whens: x.whens.map((w) => ({ when: resolveSubqueries(w.when, values), then: resolveSubqueries(w.then, values) })), else: resolveSubqueries(x.else, values) };
  }
}

/** Whether `e` has a subquery placeholder. */
export function hasSubquery(e: Expr): boolean {
  const x = e as Expr | { op: 'sub'; index: number };
  switch (x.op) {
    case 'sub':
      return true;
    case 'col':
    case 'lit':
      return false;
    case 'call':
      return x.args.some(hasSubquery);
    case 'case':
      return x.whens.some((w) => hasSubquery(w.when) || hasSubquery(w.then)) || hasSubquery(x.else);
  }
}


/** `plan` filtered by `pred`, its subqueries joined in for the filter and projected away after. */
export function filterWithSubqueries(plan: Plan, arity: number, pred: Expr, subqueries: SubqueryCollector, finalize: (e: PExpr) => Expr): Plan {
  if (subqueries.list.length === 0) return filter(plan, conjuncts(pred));
  const s = attachSubqueries(plan, arity, subqueries, finalize);
  return project(filter(s.plan, conjuncts(resolveSubqueries(pred, s.values))), s.arity, range(0, arity));
}
