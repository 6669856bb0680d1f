/**
 * Temporal filters (Materialize's `mz_now()`): in a WHERE or HAVING clause, the conjuncts
 * `mz_now() op expr` (or `expr op mz_now()`, op one of < <= = >= >) become the bounds of a
 * `temporal` plan node (protocol/compute/plan.ts): the row is in the result at the times t in
 * [lower, upper), so a maintained view drops it when the clock passes its upper bound with no
 * further writes, and a SELECT sees the rows that satisfy the predicate at its timestamp. `expr`
 * reads the row (an integer or timestamp: epoch milliseconds, as definite's timestamps are) and
 * never mz_now() itself.
 *
 * mz_now() anywhere else is 0A000, and so are now() and CURRENT_TIMESTAMP (and the other clock
 * functions) in a view, a materialized view or an index: they are evaluated once per query, so a
 * maintained result could never be right (the hint says to write a temporal filter instead).
 */
import type { A_Expr, Node, SQLValueFunction } from 'libpg-query';
import { SqlState } from '../../../protocol/control/errors.js';
import { locationOf, stringOf, type PlanContext } from './context.js';
import { isIntegerType } from '../../../protocol/int-range.js';
import { call, coerce, lit, type PExpr, type Typed } from './typed.js';

/** The bounds found in a clause's conjuncts (bound expressions still to be finished by the caller). */
export interface TemporalBounds {
  lower: PExpr[];
  upper: PExpr[];
}

const HINT = 'write a temporal filter instead, e.g. WHERE mz_now() < ts + 3600000 (timestamps are milliseconds since the epoch)';

/** Clock functions evaluated once per query: refused where a result is maintained. */
const CLOCK_FUNCTIONS = new Set(['now', 'statement_timestamp', 'transaction_timestamp', 'clock_timestamp', 'timeofday', 'current_timestamp', 'localtimestamp']);

/** Whether `node` is a call of mz_now() (optionally mz_catalog.mz_now()). */
export function isMzNow(node: Node | undefined): boolean {
  if (!node || !('FuncCall' in node)) return false;
  const names = (node.FuncCall.funcname ?? []).map((n) => stringOf(n) ?? '');
  return names[names.length - 1] === 'mz_now' && (names.length === 1 || (names.length === 2 && names[0] === 'mz_catalog'));
}

/**
 * Splits a WHERE / HAVING condition into its ordinary conjuncts (one condition node, or undefined
 * when none is left) and its temporal bounds; `planSide` plans the non-mz_now() side of a
 * comparison in the clause's environment.
 */
export function splitTemporal(
  cond: Node,
  ctx: PlanContext,
  planSide: (node: Node) => Typed,
): { rest: Node | undefined; bounds: TemporalBounds | undefined } {
  const conjuncts: Node[] = [];
  const flatten = (n: Node): void => {
    if ('BoolExpr' in n && n.BoolExpr.boolop === 'AND_EXPR') (n.BoolExpr.args ?? []).forEach(flatten);
    else conjuncts.push(n);
  };
  flatten(cond);
  const rest: Node[] = [];
  let bounds: TemporalBounds | undefined;
  for (const c of conjuncts) {
    const cmp = comparisonWithMzNow(c);
    if (!cmp) {
      rest.push(c);
      continue;
    }
    bounds ??= { lower: [], upper: [] };
    const side = timestampSide(planSide(cmp.other), cmp.op, ctx, locationOf(c));
    const plusOne = call('+', side, lit(1, 'bigint'));
    // With t = mz_now(): t >= e is [e, inf), t > e is [e + 1, inf), t < e is [0, e), t <= e is [0, e + 1).
    switch (cmp.op) {
      case '>=':
        bounds.lower.push(side);
        break;
      case '>':
        bounds.lower.push(plusOne);
        break;
      case '<':
        bounds.upper.push(side);
        break;
      case '<=':
        bounds.upper.push(plusOne);
        break;
      case '=':
        bounds.lower.push(side);
        bounds.upper.push(plusOne);
        break;
      default:
        throw ctx.error(SqlState.FeatureNotSupported, `unsupported temporal predicate: mz_now() ${cmp.op} ...`, locationOf(c), 'mz_now() can be compared with <, <=, =, >= or >; write <> as two filters combined with UNION ALL');
    }
  }
  const remaining: Node | undefined = rest.length === 0 ? undefined : rest.length === 1 ? rest[0]! : { BoolExpr: { boolop: 'AND_EXPR', args: rest, location: locationOf(cond) ?? -1 } };
  return { rest: remaining, bounds };
}

const MIRROR: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=', '<>': '<>', '!=': '<>' };

/** `mz_now() op other` (normalised so mz_now() is on the left), or undefined. */
function comparisonWithMzNow(node: Node): { op: string; other: Node } | undefined {
  if (!('A_Expr' in node)) return undefined;
  const e: A_Expr = node.A_Expr;
  if (e.kind !== 'AEXPR_OP' || !e.lexpr || !e.rexpr) return undefined;
  const names = (e.name ?? []).map((n) => stringOf(n) ?? '');
  const op = names[names.length - 1] ?? '';
  if (MIRROR[op] === undefined) return undefined;
  if (isMzNow(e.lexpr) && !isMzNow(e.rexpr)) return { op: op === '!=' ? '<>' : op, other: e.rexpr };
  if (isMzNow(e.rexpr) && !isMzNow(e.lexpr)) return { op: MIRROR[op]!, other: e.lexpr };
  return undefined;
}

/** The side compared with mz_now(): an integer, a timestamp or a timestamptz (an untyped literal reads as a timestamp). */
function timestampSide(t: Typed, op: string, ctx: PlanContext, location: number | undefined): PExpr {
  if (t.type === null) return coerce(t, 'timestamp', ctx, location).expr;
  if (t.type === 'timestamp' || t.type === 'timestamptz' || isIntegerType(t.type)) return t.expr;
  throw ctx.error(
    SqlState.UndefinedFunction,
    `operator does not exist: mz_timestamp ${op} ${t.type}`,
    location,
    'mz_now() compares with timestamps and integers (milliseconds since the epoch); cast the other side',
  );
}

/** The error for mz_now() where no temporal filter can take it. */
export function mzNowRefused(ctx: PlanContext, clause: string, location: number | undefined): Error {
  if (clause === 'WHERE' || clause === 'HAVING') {
    return ctx.error(
      SqlState.FeatureNotSupported,
      'unsupported temporal predicate: mz_now() must be directly compared (<, <=, =, >=, >) to a timestamp or integer expression, in a conjunct (AND) of WHERE or HAVING',
      location,
      'rewrite an OR as a UNION ALL of filters; mz_now() may not be inside other expressions',
    );
  }
  if (ctx.maintained) return ctx.error(SqlState.FeatureNotSupported, 'cannot materialize call to mz_now', location, 'mz_now() is allowed in temporal filters: a comparison in WHERE or HAVING');
  return ctx.error(SqlState.FeatureNotSupported, `mz_now() is not supported in ${clause}`, location, 'mz_now() is allowed in temporal filters: a comparison in WHERE or HAVING');
}

/** Refuses a clock function call in a maintained query (a view, materialized view or index). */
export function checkClockFunction(name: string, ctx: PlanContext, location: number | undefined): void {
  if (ctx.maintained && CLOCK_FUNCTIONS.has(name)) throw ctx.error(SqlState.FeatureNotSupported, `cannot materialize call to ${name === 'now' ? 'current_timestamp' : name}`, location, HINT);
}

/** Refuses CURRENT_TIMESTAMP, CURRENT_DATE, LOCALTIME ... in a maintained query. */
export function checkClockValue(v: SQLValueFunction, ctx: PlanContext, location: number | undefined): void {
  const op = v.op ?? '';
  if (!ctx.maintained || !/^SVFOP_(CURRENT_(TIMESTAMP|TIME|DATE)|LOCAL(TIME|TIMESTAMP))/.test(op)) return;
  const name = op.replace(/^SVFOP_/, '').replace(/_N$/, '').toLowerCase();
  throw ctx.error(SqlState.FeatureNotSupported, `cannot materialize call to ${name}`, location, HINT);
}
