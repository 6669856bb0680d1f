/**
 * LATERAL: a FROM item that reads the columns of the items before it (`FROM t, LATERAL (SELECT
 * ... WHERE x = t.a ORDER BY y LIMIT 2) s`, `t CROSS JOIN LATERAL ...`, `t LEFT JOIN LATERAL
 * (...) s ON true`, and functions in FROM, which are lateral without the keyword:
 * `FROM t, generate_series(1, t.n)`), decorrelated as subquery.ts does (docs/sql.md, "LATERAL"):
 *   L  the relation before the item, o the columns of L the item reads
 *   D  = δ(π_o L)                 the distinct outer values
 *   S  = the item's rows per d     (d..., q...): the item planned with D as a prefix of its FROM,
 *                                  its outer references read from D's columns, and every
 *                                  per-row operation (GROUP BY, a global aggregate, DISTINCT,
 *                                  DISTINCT ON, LIMIT) done per d (select.ts / query.ts given a
 *                                  `Correlation`)
 *   LEFT JOIN ... ON c: S' = σ_c(S) ∪ (D − δ(π_d σ_c S)) × NULLs      (one NULL row per empty d)
 *   result = L ⋈ S on o = d, null-safe (a NULL outer value finds its own d), S's d projected away.
 * Nothing here evaluates; the result is an ordinary plan, maintained like any other.
 */
import type { JoinExpr, Node, RangeFunction, RangeSubselect } from 'libpg-query';
import type { Expr, Plan } from '../../../protocol/compute/plan.js';
import { SqlError, SqlState } from '../../../protocol/control/errors.js';
import type { Column } from '../../../protocol/types.js';
import { locationOf, MoreSqlState, stringOf, type Ctes, type PlanContext } from './context.js';
import { planBool } from './expr.js';
import { conjuncts, toExpr } from './exprs.js';
import { planFrom } from './from.js';
import { planQueryBody } from './query.js';
import { filter, project, range, type ColType, type Rel } from './rel.js';
import { Scope, type ScopeColumn } from './scope.js';
import { nullSafeJoin } from './subquery.js';
import { needsZip, planTableFunctionCall, planZippedFunctions } from './table-functions.js';

/** The outer relation a correlated (LATERAL) item is planned against. */
export interface Correlation {
  /** The scope of L, where outer references resolve. */
  outer: Scope;
  /** L's columns that D holds, in D's order. */
  dCols: number[];
  dTypes: ColType[];
  /** L's columns the item referred to (collected while planning). */
  used: Set<number>;
  /** D: the distinct values of L's dCols. */
  d: Plan;
}

/** A scope that resolves what `inner` does not have in the correlation's outer scope: D's column j at base + j. */
export class LateralScope extends Scope {
  constructor(inner: Scope, private readonly corr: Correlation, private readonly base: number) {
    super(inner.columns, inner.star);
  }
  override resolve(fields: string[], ctx: PlanContext, location?: number): ScopeColumn {
    try {
      return super.resolve(fields, ctx, location);
    } catch (e) {
      if (!isMissing(e)) throw e;
      let col: ScopeColumn;
      try {
        col = this.corr.outer.resolve(fields, ctx, location);
      } catch {
        throw e;
      }
      this.corr.used.add(col.index);
      const j = this.corr.dCols.indexOf(col.index);
      if (j < 0) throw ctx.error(SqlState.InternalError, `internal: outer column ${fields.join('.')} is not among the LATERAL item's outer columns`, location);
      return { ...col, index: this.base + j };
    }
  }
}

function isMissing(e: unknown): boolean {
  return e instanceof SqlError && (e.sqlstate === SqlState.UndefinedColumn || e.sqlstate === SqlState.UndefinedTable);
}

/** A FROM item that may read earlier items: a LATERAL subquery or any function in FROM. */
export function isLateralItem(node: Node): boolean {
  return ('RangeSubselect' in node && node.RangeSubselect.lateral === true) || 'RangeFunction' in node;
}

/** The item planned against D: its plan (D's columns, then its own) and its own columns. */
interface PerD {
  plan: Plan;
  columns: Column[];
  alias: string | undefined;
}

function planPerD(node: Node, ctx: PlanContext, ctes: Ctes, corr: Correlation): PerD {
  const k = corr.dCols.length;
  if ('RangeFunction' in node) {
    const rf: RangeFunction = node.RangeFunction;
    const scope = new LateralScope(Scope.empty(), corr, 0);
    if (needsZip(rf)) {
      const z = planZippedFunctions(rf, ctx, scope, corr.d, k);
      return { plan: z.plan, columns: z.columns, alias: z.alias };
    }
    const c = planTableFunctionCall(rf, ctx, scope);
    const plan: Plan = { op: 'flat_map', input: corr.d, func: c.func, exprs: c.args.map((a) => toExpr(a.expr)) };
    return { plan, columns: [c.column], alias: c.alias };
  }
  const sub: RangeSubselect = (node as { RangeSubselect: RangeSubselect }).RangeSubselect;
  const stmt = sub.subquery && 'SelectStmt' in sub.subquery ? sub.subquery.SelectStmt : undefined;
  if (!stmt) throw ctx.unsupported('this subquery', locationOf(sub.subquery));
  const q = planQueryBody(stmt, ctx, ctes, 'maintained', corr);
  const names = (sub.alias?.colnames ?? []).map((n) => stringOf(n) ?? '');
  if (names.length > q.columns.length) {
    throw ctx.error(MoreSqlState.InvalidColumnReference, `table "${sub.alias?.aliasname}" has ${q.columns.length} columns available but ${names.length} columns specified`);
  }
  const columns = q.columns.map((c, i) => (i < names.length ? { ...c, name: names[i]! } : c));
  return { plan: q.plan, columns, alias: sub.alias?.aliasname };
}

/** Whether the item plans without the outer row (then LATERAL changes nothing). */
function plansAlone(node: Node, ctx: PlanContext, ctes: Ctes): boolean {
  try {
    if ('RangeFunction' in node) {
      const rf = node.RangeFunction;
      if (needsZip(rf)) planZippedFunctions(rf, ctx, Scope.empty(), { op: 'constant', rows: [], arity: 0 }, 0);
      else planTableFunctionCall(rf, ctx, Scope.empty());
    } else {
      const sub = (node as { RangeSubselect: RangeSubselect }).RangeSubselect;
      const stmt = sub.subquery && 'SelectStmt' in sub.subquery ? sub.subquery.SelectStmt : undefined;
      if (stmt) planQueryBody(stmt, ctx, ctes, 'maintained');
    }
    return true;
  } catch (e) {
    if (isMissing(e)) return false;
    throw e;
  }
}

/** An inner join with a function over L's rows: a flat_map over L itself (no D). */
function functionOverRows(left: Rel, rf: RangeFunction, quals: Node | undefined, ctx: PlanContext, padded: boolean): Rel {
  const nl = left.cols.length;
  let plan: Plan;
  let columns: Column[];
  let alias: string | undefined;
  if (padded || needsZip(rf)) {
    // LEFT JOIN LATERAL f(...) ON true: at least one row per outer row, NULLs when f has none.
    const z = planZippedFunctions(rf, ctx, left.scope, left.plan, nl, padded);
    ({ plan, columns, alias } = z);
  } else {
    const c = planTableFunctionCall(rf, ctx, left.scope);
    plan = { op: 'flat_map', input: left.plan, func: c.func, exprs: c.args.map((a) => toExpr(a.expr)) };
    columns = [c.column];
    alias = c.alias;
  }
  const own = Scope.ofRelation(columns, alias);
  for (const t of own.tables()) {
    if (left.scope.tables().has(t)) throw ctx.error(MoreSqlState.DuplicateAlias, `table name "${t}" specified more than once`);
  }
  const scope = Scope.concat(left.scope, own, nl);
  if (quals) plan = filter(plan, conjuncts(toExpr(planBool(quals, { ctx, scope, clause: 'JOIN conditions' }, 'argument of JOIN/ON').expr)));
  return { plan, cols: [...left.cols, ...columns.map((c) => ({ type: c.type, nullable: c.nullable }))], scope };
}

/** Whether an ON condition is the constant true (or absent). */
function isTrue(quals: Node | undefined): boolean {
  return quals === undefined || ('A_Const' in quals && quals.A_Const.boolval?.boolval === true);
}

/** Whether the item plans alone (then it is an ordinary join: LATERAL changes nothing). */
function readsOuter(node: Node, ctx: PlanContext, ctes: Ctes, outer: Scope, nl: number, cols: ColType[], plan: Plan): Set<number> {
  const corr: Correlation = { outer, dCols: range(0, nl), dTypes: cols, used: new Set(), d: { op: 'distinct', input: plan } };
  planPerD(node, ctx, ctes, corr);
  return corr.used;
}

/**
 * `left` joined with the lateral item `node` (inner or left, with an optional ON condition);
 * undefined when the item reads no column of `left` (the caller joins it as usual).
 */
export function lateralJoin(left: Rel, node: Node, kind: 'inner' | 'left' | 'right' | 'full', quals: Node | undefined, ctx: PlanContext, ctes: Ctes): Rel | undefined {
  const nl = left.cols.length;
  const onScope = (perD: PerD, corr: Correlation) => new LateralScope(Scope.concat(Scope.empty(), Scope.ofRelation(perD.columns, perD.alias), corr.dCols.length), corr, 0);
  if (plansAlone(node, ctx, ctes)) return undefined;
  if ('RangeFunction' in node && kind === 'inner') return functionOverRows(left, node.RangeFunction, quals, ctx, false);
  if ('RangeFunction' in node && kind === 'left' && isTrue(quals) && !node.RangeFunction.ordinality) return functionOverRows(left, node.RangeFunction, undefined, ctx, true);
  // Pass 1: D = all of L's columns, to learn which the item (and a LEFT JOIN's ON) reads.
  const all: Correlation = { outer: left.scope, dCols: range(0, nl), dTypes: left.cols, used: new Set(), d: { op: 'distinct', input: left.plan } };
  const first = planPerD(node, ctx, ctes, all);
  if (quals && kind === 'left') planBool(quals, { ctx, scope: onScope(first, all), clause: 'JOIN conditions' }, 'argument of JOIN/ON');
  const itemReads = all.used;
  if (itemReads.size === 0) return undefined;
  if (kind === 'right' || kind === 'full') {
    const table = [...itemReads].map((i) => left.scope.columns.find((c) => c.index === i)?.table).find((t) => t !== undefined) ?? '?';
    throw ctx.error(MoreSqlState.InvalidColumnReference, `invalid reference to FROM-clause entry for table "${table}"`, locationOf(node), 'The combining JOIN type must be INNER or LEFT for a LATERAL reference.');
  }
  // Pass 2: D = the columns read.
  const dCols = [...all.used].sort((a, b) => a - b);
  const dTypes = dCols.map((c) => left.cols[c]!);
  const d: Plan = { op: 'distinct', input: project(left.plan, nl, dCols) };
  const corr: Correlation = { outer: left.scope, dCols, dTypes, used: new Set(), d };
  const k = dCols.length;
  const perD = planPerD(node, ctx, ctes, corr);
  const q = perD.columns.length;
  let s = perD.plan;
  const rightCols: ColType[] = perD.columns.map((c) => ({ type: c.type, nullable: c.nullable || kind === 'left' }));
  if (kind === 'left') {
    if (quals) s = filter(s, conjuncts(toExpr(planBool(quals, { ctx, scope: onScope(perD, corr), clause: 'JOIN conditions' }, 'argument of JOIN/ON').expr)));
    const present: Plan = { op: 'distinct', input: project(s, k + q, range(0, k)) };
    const missing: Plan = { op: 'union', inputs: [d, { op: 'negate', input: present }] };
    const nulls: Expr[] = perD.columns.map((c) => ({ op: 'lit', value: null, type: c.type }));
    s = { op: 'union', inputs: [s, q > 0 ? { op: 'map', input: missing, exprs: nulls } : missing] };
  }
  const joined = nullSafeJoin(left.plan, nl, dCols, s, k + q, range(0, k), dTypes);
  let plan = project(joined, nl + k + q, [...range(0, nl), ...range(nl + k, nl + k + q)]);
  const scope = Scope.concat(left.scope, Scope.ofRelation(perD.columns.map((c, i) => ({ ...c, nullable: rightCols[i]!.nullable })), perD.alias), nl);
  for (const t of Scope.ofRelation(perD.columns, perD.alias).tables()) {
    if (left.scope.tables().has(t)) throw ctx.error(MoreSqlState.DuplicateAlias, `table name "${t}" specified more than once`, locationOf(node));
  }
  const rel: Rel = { plan, cols: [...left.cols, ...rightCols], scope };
  if (quals && kind === 'inner') {
    const on = planBool(quals, { ctx, scope, clause: 'JOIN conditions' }, 'argument of JOIN/ON');
    plan = filter(plan, conjuncts(toExpr(on.expr)));
    return { ...rel, plan };
  }
  return rel;
}

/** A JOIN whose right side is a lateral item that reads the left: planned here (undefined: not one). */
export function lateralJoinExpr(j: JoinExpr, left: Rel, ctx: PlanContext, ctes: Ctes): Rel | undefined {
  if (!j.rarg || !isLateralItem(j.rarg)) return undefined;
  const kind = j.jointype === 'JOIN_LEFT' ? 'left' : j.jointype === 'JOIN_RIGHT' ? 'right' : j.jointype === 'JOIN_FULL' ? 'full' : 'inner';
  if (j.usingClause?.length || j.isNatural) {
    // Only when it reads the left side is this ours; USING / NATURAL with LATERAL is not built.
    const reads = readsOuter(j.rarg, ctx, ctes, left.scope, left.cols.length, left.cols, left.plan);
    if (reads.size > 0) throw ctx.unsupported('USING or NATURAL with a LATERAL item that reads the left side', locationOf(j.rarg), 'write the condition in ON');
    return undefined;
  }
  const r = lateralJoin(left, j.rarg, kind, j.quals, ctx, ctes);
  if (!r || !j.alias?.aliasname) return r;
  let scope = r.scope.requalify(j.alias.aliasname);
  const names = (j.alias.colnames ?? []).map((n) => stringOf(n) ?? '');
  scope = new Scope(scope.columns.map((c, i) => (i < names.length ? { ...c, name: names[i]! } : c)));
  return { ...r, scope };
}

/**
 * The FROM of a LATERAL item planned per d: D, then its own items (planFrom), then each function
 * that reads the outer row, applied per row by a flat_map (generate_series(1, t.n)). The scope
 * resolves outer references to D's columns.
 */
export function correlatedFrom(items: Node[], ctx: PlanContext, ctes: Ctes, corr: Correlation): Rel {
  const k = corr.dCols.length;
  const readsOuterRow = (node: Node): boolean => {
    if (!('RangeFunction' in node)) return false;
    const probe: Correlation = { ...corr, used: new Set() };
    try {
      if (needsZip(node.RangeFunction)) {
        planZippedFunctions(node.RangeFunction, ctx, new LateralScope(Scope.empty(), probe, 0), probe.d, k);
      } else {
        planTableFunctionCall(node.RangeFunction, ctx, new LateralScope(Scope.empty(), probe, 0));
      }
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
    return probe.used.size > 0;
  };
  const fns = items.filter(readsOuterRow);
  const plain = planFrom(items.filter((i) => !fns.includes(i)), ctx, ctes);
  const p = plain.cols.length;
  let plan: Plan = p === 0 ? corr.d : { op: 'join', inputs: [corr.d, plain.plan], equivalences: [] };
  let scope = Scope.concat(Scope.empty(), plain.scope, k);
  const cols: ColType[] = [...corr.dTypes, ...plain.cols];
  for (const node of fns) {
    const rf = (node as { RangeFunction: RangeFunction }).RangeFunction;
    const inner = new LateralScope(scope, corr, 0);
    let columns: Column[];
    let alias: string | undefined;
    if (needsZip(rf)) {
      const z = planZippedFunctions(rf, ctx, inner, plan, cols.length);
      plan = z.plan;
      columns = z.columns;
      alias = z.alias;
    } else {
      const c = planTableFunctionCall(rf, ctx, inner);
      plan = { op: 'flat_map', input: plan, func: c.func, exprs: c.args.map((a) => toExpr(a.expr)) };
      columns = [c.column];
      alias = c.alias;
    }
    const own = Scope.ofRelation(columns, alias);
    for (const t of own.tables()) {
      if (scope.tables().has(t)) throw ctx.error(MoreSqlState.DuplicateAlias, `table name "${t}" specified more than once`, locationOf(node));
    }
    scope = Scope.concat(scope, own, cols.length);
    cols.push(...columns.map((c) => ({ type: c.type, nullable: c.nullable })));
  }
  return { plan, cols, scope: new LateralScope(scope, corr, 0) };
}
