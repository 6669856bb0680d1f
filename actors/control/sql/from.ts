/**
 * The FROM clause: named relations (stored ones become `get`s of their id and are recorded as
 * inputs; views and CTEs are planned inline), subqueries, comma and CROSS joins (one n-way
 * `join`), INNER joins with ON / USING / NATURAL (a filter over the join; the optimizer turns
 * equalities into join keys), and outer joins (outer-join.ts). It yields a Rel whose scope names
 * every column as the query may refer to it.
 */
import type { Alias, JoinExpr, Node, RangeVar } from 'libpg-query';
import { SqlError, SqlState } from '../../../protocol/control/errors.js';
import type { Plan } from '../../../protocol/compute/plan.js';
import type { Column, Value } from '../../../protocol/types.js';
import { planRecursiveCte } from './recursive.js';
import { locationOf, MoreSqlState, nodeKind, stringOf, type Ctes, type PlanContext } from './context.js';
import { planBool, planComparison, type ExprEnv } from './expr.js';
import { conjuncts, toExpr } from './exprs.js';
import { outerJoin } from './outer-join.js';
import { parseQuery } from './parse.js';
import { planQueryBody } from './query.js';
import { filter, ONE_EMPTY_ROW, range, type ColType, type Rel } from './rel.js';
import { Scope, type ScopeColumn } from './scope.js';
import { planRangeFunction } from './table-functions.js';
import { isLateralItem, lateralJoin, lateralJoinExpr } from './lateral.js';
import { call, unify, type Typed } from './typed.js';

/** Plans a FROM clause (empty: one row with no columns). */
export function planFrom(items: Node[], ctx: PlanContext, ctes: Ctes): Rel {
  if (items.length === 0) return { plan: ONE_EMPTY_ROW, cols: [], scope: Scope.empty() };
  // Runs of ordinary items are one n-way join; a lateral item that reads the items before it
  // is joined to all of them (lateral.ts).
  let rels: Rel[] = [];
  let seen: Node[] = [];
  for (const item of items) {
    if (rels.length > 0 && isLateralItem(item)) {
      const left = crossJoin(rels, ctx, seen);
      const joined = lateralJoin(left, item, 'inner', undefined, ctx, ctes);
      if (joined) {
        rels = [joined];
        seen = [...seen, item];
        continue;
      }
      rels = [left];
    }
    rels.push(planFromItem(item, ctx, ctes));
    seen = [...seen, item];
  }
  return crossJoin(rels, ctx, seen);
}

function crossJoin(rels: Rel[], ctx: PlanContext, items: Node[]): Rel {
  if (rels.length === 1) return rels[0]!;
  let scope = rels[0]!.scope;
  let arity = rels[0]!.cols.length;
  for (const r of rels.slice(1)) {
    scope = concatScopes(scope, r.scope, arity, ctx, items);
    arity += r.cols.length;
  }
  return { plan: { op: 'join', inputs: rels.map((r) => r.plan), equivalences: [] }, cols: rels.flatMap((r) => r.cols), scope };
}

function concatScopes(left: Scope, right: Scope, offset: number, ctx: PlanContext, nodes: Node[]): Scope {
  const l = left.tables();
  for (const t of right.tables()) {
    if (l.has(t)) throw ctx.error(MoreSqlState.DuplicateAlias, `table name "${t}" specified more than once`, locationOf(nodes[nodes.length - 1]), 'give one of them an alias');
  }
  return Scope.concat(left, right, offset);
}

function planFromItem(node: Node, ctx: PlanContext, ctes: Ctes): Rel {
  if ('RangeVar' in node) return relation(node.RangeVar, ctx, ctes);
  if ('RangeSubselect' in node) {
    const sub = node.RangeSubselect;
    const stmt = sub.subquery && 'SelectStmt' in sub.subquery ? sub.subquery.SelectStmt : undefined;
    if (!stmt) throw ctx.unsupported('this subquery', locationOf(sub.subquery));
    const q = planQueryBody(stmt, ctx, ctes, 'maintained');
    const columns = renamed(q.columns, sub.alias, ctx);
    return { plan: q.plan, cols: columns.map(colType), scope: Scope.ofRelation(columns, sub.alias?.aliasname) };
  }
  if ('JoinExpr' in node) return join(node.JoinExpr, ctx, ctes);
  if ('RangeFunction' in node) return planRangeFunction(node.RangeFunction, ctx);
  throw ctx.unsupported(`${nodeKind(node)} in FROM`, locationOf(node));
}

function colType(c: Column): ColType {
  return { type: c.type, nullable: c.nullable };
}

/** Columns renamed by an alias' column list (`AS t(a, b)`). */
function renamed(columns: Column[], alias: Alias | undefined, ctx: PlanContext, location?: number): Column[] {
  const names = (alias?.colnames ?? []).map((n) => stringOf(n) ?? '');
  if (names.length > columns.length) {
    throw ctx.error(MoreSqlState.InvalidColumnReference, `table "${alias?.aliasname}" has ${columns.length} columns available but ${names.length} columns specified`, location);
  }
  return columns.map((c, i) => (i < names.length ? { ...c, name: names[i]! } : c));
}

function relation(rv: RangeVar, ctx: PlanContext, ctes: Ctes): Rel {
  const name = rv.relname ?? '';
  const location = rv.location;
  const alias = rv.alias?.aliasname ?? name;
  const cte = rv.schemaname ? undefined : ctes.get(name);
  if (cte?.working) {
    const columns = renamed(cte.working.columns, rv.alias, ctx, location);
    return { plan: { op: 'get', name: cte.working.name, arity: columns.length }, cols: columns.map(colType), scope: Scope.ofRelation(columns, alias) };
  }
  if (cte?.recursive) {
    const r = planRecursiveCte(cte, ctx);
    const columns = renamed(r.columns, rv.alias, ctx, location);
    return { plan: r.plan, cols: columns.map(colType), scope: Scope.ofRelation(columns, alias) };
  }
  if (cte) {
    const q = planQueryBody(cte.query, ctx, cte.ctes, 'maintained');
    const named = cte.columnNames ? renamed(q.columns, { aliasname: name, colnames: cte.columnNames.map((sval) => ({ String: { sval } })) }, ctx, location) : q.columns;
    const columns = renamed(named, rv.alias, ctx, location);
    return { plan: q.plan, cols: columns.map(colType), scope: Scope.ofRelation(columns, alias) };
  }
  const found = ctx.resolver(name, rv.schemaname);
  if (!found) {
    const qualified = rv.schemaname ? `${rv.schemaname}.${name}` : name;
    const hint = rv.schemaname && !['public', 'pg_catalog', 'information_schema'].includes(rv.schemaname) ? 'definite has the schemas public, pg_catalog and information_schema' : undefined;
    throw ctx.error(SqlState.UndefinedTable, `relation "${qualified}" does not exist`, location, hint);
  }
  if (found.kind === 'constant') {
    const columns = renamed(found.columns, rv.alias, ctx, location);
    const plan: Plan = { op: 'constant', rows: found.rows.map((r): [Value[], number] => [r, 1]), arity: columns.length };
    return { plan, cols: columns.map(colType), scope: Scope.ofRelation(columns, alias) };
  }
  if (found.kind === 'view') {
    if (ctx.viewStack.includes(found.id)) throw ctx.error(MoreSqlState.InvalidRecursion, `view "${name}" refers to itself`, location);
    let q;
    try {
      q = planQueryBody(parseQuery(found.query), ctx.forView(found.id), new Map(), 'maintained');
    } catch (e) {
      if (e instanceof SqlError) throw ctx.error(e.sqlstate, `in view "${name}": ${e.message}`, location);
      throw e;
    }
    let columns = q.columns;
    if (found.columns) {
      if (found.columns.length !== columns.length) {
        throw ctx.error(SqlState.InternalError, `view "${name}" declares ${found.columns.length} columns but its query has ${columns.length}`, location);
      }
      columns = columns.map((c, i) => ({ ...c, name: found.columns![i]!.name }));
    }
    columns = renamed(columns, rv.alias, ctx, location);
    return { plan: q.plan, cols: columns.map(colType), scope: Scope.ofRelation(columns, alias) };
  }
  const getName = ctx.addInput(found.id, name);
  const columns = renamed(found.columns, rv.alias, ctx, location);
  return { plan: { op: 'get', name: getName, arity: columns.length }, cols: columns.map(colType), scope: Scope.ofRelation(columns, alias) };
}

function join(j: JoinExpr, ctx: PlanContext, ctes: Ctes): Rel {
  const left = planFromItem(j.larg!, ctx, ctes);
  const lateral = lateralJoinExpr(j, left, ctx, ctes);
  if (lateral) return lateral;
  const right = planFromItem(j.rarg!, ctx, ctes);
  const nl = left.cols.length;
  const nr = right.cols.length;
  const scope = concatScopes(left.scope, right.scope, nl, ctx, [j.rarg!]);
  const kind = j.jointype === 'JOIN_LEFT' ? 'left' : j.jointype === 'JOIN_RIGHT' ? 'right' : j.jointype === 'JOIN_FULL' ? 'full' : 'inner';
  if (j.jointype !== undefined && !['JOIN_INNER', 'JOIN_LEFT', 'JOIN_RIGHT', 'JOIN_FULL'].includes(j.jointype)) throw ctx.unsupported(`the join type ${j.jointype}`);
  const env: ExprEnv = { ctx, scope, clause: 'JOIN conditions' };

  // USING / NATURAL: the named columns, compared and merged.
  let usingNames: string[] = (j.usingClause ?? []).map((n) => stringOf(n) ?? '');
  if (j.isNatural) {
    const rightNames = new Set(right.scope.star.map((i) => right.scope.columns[i]!).filter((c) => c.unqualified).map((c) => c.name));
    usingNames = left.scope.star.map((i) => left.scope.columns[i]!).filter((c) => c.unqualified && rightNames.has(c.name)).map((c) => c.name);
  }
  const using = usingNames.map((name) => {
    const find = (side: Scope, which: string): number => {
      let col: ScopeColumn;
      try {
        col = side.resolve([name], ctx);
      } catch (e) {
        if (e instanceof SqlError && e.sqlstate === SqlState.UndefinedColumn) {
          throw ctx.error(SqlState.UndefinedColumn, `column "${name}" specified in USING clause does not exist in ${which} table`, undefined);
        }
        throw e;
      }
      return side.columns.indexOf(col);
    };
    const lpos = find(left.scope, 'left');
    const rpos = left.scope.columns.length + find(right.scope, 'right');
    return { name, lpos, rpos, l: scope.columns[lpos]!, r: scope.columns[rpos]! };
  });

  const conditions: Typed[] = [];
  const merged: Typed[] = [];
  for (const u of using) {
    const lt: Typed = { expr: { op: 'col', index: u.l.index }, type: u.l.type, nullable: u.l.nullable, name: u.name };
    const rt: Typed = { expr: { op: 'col', index: u.r.index }, type: u.r.type, nullable: u.r.nullable, name: u.name };
    conditions.push(planComparison('=', lt, rt, env, undefined));
    const { type, items } = unify([lt, rt], 'JOIN/USING', ctx);
    // Matched rows have equal, non-NULL values; unmatched rows keep their own side's value.
    if (kind === 'full') merged.push({ expr: call('coalesce', items[0]!.expr, items[1]!.expr), type, nullable: lt.nullable || rt.nullable, name: u.name });
    else if (kind === 'right') merged.push({ ...items[1]!, nullable: rt.nullable });
    else merged.push({ ...items[0]!, nullable: kind === 'left' ? lt.nullable : false });
  }
  if (j.quals) conditions.push(planBool(j.quals, env, 'argument of JOIN/ON'));
  const on = conditions.flatMap((c) => conjuncts(toExpr(c.expr)));

  // The join itself.
  let plan =
    kind === 'inner'
      ? filter({ op: 'join', inputs: [left.plan, right.plan], equivalences: [] }, on)
      : outerJoin(left, right, on.length > 0 ? (on.length === 1 ? on[0]! : { op: 'call', fn: 'and', args: on }) : undefined, kind);
  const cols: ColType[] = [
    ...left.cols.map((c) => ({ ...c, nullable: c.nullable || kind === 'right' || kind === 'full' })),
    ...right.cols.map((c) => ({ ...c, nullable: c.nullable || kind === 'left' || kind === 'full' })),
  ];
  const nullableScope = (c: ScopeColumn): ScopeColumn => ({ ...c, nullable: cols[c.index]!.nullable });

  // The scope: merged USING columns first (unqualified), then each side's own.
  let columns = scope.columns.map(nullableScope);
  let star = scope.star;
  if (using.length > 0) {
    const hidden = new Set(using.flatMap((u) => [u.lpos, u.rpos]));
    columns = columns.map((c, i) => (hidden.has(i) ? { ...c, unqualified: false } : c));
    const mergedCols: ScopeColumn[] = [];
    const mapped: Typed[] = [];
    for (const m of merged) {
      let index: number;
      if (m.expr.op === 'col') index = m.expr.index;
      else {
        mapped.push(m);
        index = nl + nr + mapped.length - 1;
      }
      const usingAlias = j.join_using_alias?.aliasname;
      mergedCols.push({ name: m.name, ...(usingAlias !== undefined ? { table: usingAlias } : {}), index, type: m.type!, nullable: m.nullable, unqualified: true });
    }
    if (mapped.length > 0) {
      plan = { op: 'map', input: plan, exprs: mapped.map((m) => toExpr(m.expr)) };
      cols.push(...mapped.map((m) => ({ type: m.type!, nullable: m.nullable })));
    }
    const base = columns.length;
    star = [...range(base, base + mergedCols.length), ...star.filter((i) => !hidden.has(i))];
    columns = [...columns, ...mergedCols];
  }
  let result = new Scope(columns, star);
  if (j.alias?.aliasname) {
    result = result.requalify(j.alias.aliasname);
    const names = (j.alias.colnames ?? []).map((n) => stringOf(n) ?? '');
    if (names.length > result.columns.length) {
      throw ctx.error(MoreSqlState.InvalidColumnReference, `join "${j.alias.aliasname}" has ${result.columns.length} columns available but ${names.length} columns specified`);
    }
    result = new Scope(result.columns.map((c, i) => (i < names.length ? { ...c, name: names[i]! } : c)));
  }
  return { plan, cols, scope: result };
}
