/**
 * Typed scalar expressions while planning, and the implicit typing rules of definite's SQL:
 * - `smallint`, `int`, `bigint`, `numeric`, `real` and `float` are the numeric types, promoted
 *   implicitly in that order (a promotion to `real` rounds to single precision: to_real) (int + bigint is bigint, int + numeric is numeric, numeric + float
 *   is float). All are JS numbers at run time, so a promotion changes the type, never the value,
 *   and needs no conversion in the plan. Integer results are range-checked (`checkedInt`).
 * - A NULL or a quoted string literal has no type until its context gives one (Postgres'
 *   "unknown"): `x = '5'` with an int `x` compares with the int 5; alone it is text.
 * - Nothing else converts implicitly: text never meets a number without an explicit cast.
 * Mismatches are SqlErrors 42804 (datatype mismatch). Explicit casts are in casts.ts.
 */
import type { ScalarFunction } from '../../../protocol/compute/plan.js';
import { SqlState } from '../../../protocol/control/errors.js';
import type { ColumnType, Value } from '../../../protocol/types.js';
import type { PlanContext } from './context.js';
import { isIntegerType } from '../../../protocol/int-range.js';
import { parseLiteral } from './literals.js';
import { numericToFloat, type NumericValue } from '../../../protocol/numeric.js';

/** A scalar expression being planned: the plan IR's Expr, plus references to aggregates. */
export type PExpr =
  | { op: 'col'; index: number }
  | { op: 'lit'; value: Value; type: ColumnType }
  | { op: 'call'; fn: ScalarFunction; args: PExpr[] }
  | { op: 'case'; whens: Array<{ when: PExpr; then: PExpr }>; else: PExpr }
  /** The `index`th aggregate of the enclosing SELECT (replaced by a column of its reduce). */
  | { op: 'agg'; index: number }
  /** The `index`th window function call of the enclosing SELECT (replaced by a column of its window node). */
  | { op: 'win'; index: number }
  /** The `index`th subquery of the enclosing clause (replaced by columns joined in by subquery.ts). */
  | { op: 'sub'; index: number };

export interface Typed {
  expr: PExpr;
  /** `null` for a NULL or quoted-string literal not yet typed by its context. */
  type: ColumnType | null;
  nullable: boolean;
  /** The text of an untyped quoted-string literal. */
  unknownText?: string;
  /** The output column name Postgres would give this expression (`?column?` if none). */
  name: string;
}

const NUMERIC_RANK: Partial<Record<ColumnType, number>> = { smallint: 0, int: 1, bigint: 2, numeric: 3, real: 4, float: 5 };

export type NumericType = 'smallint' | 'int' | 'bigint' | 'numeric' | 'real' | 'float';

export function isNumeric(t: ColumnType | null): t is NumericType {
  return t !== null && NUMERIC_RANK[t] !== undefined;
}

/** `expr` wrapped in the range check of an integer type (plan.ts' check_*); others unchanged. */
export function checkedInt(expr: PExpr, type: ColumnType): PExpr {
  if (!isIntegerType(type)) return expr;
  return call(`check_${type}`, expr);
}

export function lit(value: Value, type: ColumnType): PExpr {
  return { op: 'lit', value, type };
}

export function call(fn: ScalarFunction, ...args: PExpr[]): PExpr {
  return { op: 'call', fn, args };
}

/** A typed NULL. */
export function nullOf(type: ColumnType, name = '?column?'): Typed {
  return { expr: lit(null, type), type, nullable: true, name };
}

/** The type an "unknown" literal takes when nothing else decides: text, as in Postgres. */
export function settle(t: Typed, ctx: PlanContext, location?: number): Typed & { type: ColumnType } {
  return t.type === null ? (coerce(t, 'text', ctx, location) as Typed & { type: ColumnType }) : (t as Typed & { type: ColumnType });
}

/** Whether `from` converts implicitly to `to` (the same type, or a numeric widening). */
export function implicitlyConverts(from: ColumnType, to: ColumnType): boolean {
  if (from === to) return true;
  // As Postgres' implicit date -> timestamp[tz] and timestamp -> timestamptz (the same instant in UTC, the session's zone).
  if ((from === 'date' || from === 'timestamp') && to === 'timestamptz') return true;
  if (from === 'date' && to === 'timestamp') return true;
  const a = NUMERIC_RANK[from];
  const b = NUMERIC_RANK[to];
  return a !== undefined && b !== undefined && a <= b;
}

/**
 * Converts `t` implicitly to `target`: types an unknown literal (parsing a quoted string as the
 * target type, at plan time) or widens a number. Anything else is a 42804 with `what` in the message.
 */
export function coerce(t: Typed, target: ColumnType, ctx: PlanContext, location?: number, what?: string): Typed {
  if (t.type === target) return t;
  if (t.type === null) {
    if (t.unknownText !== undefined) {
      const value = parseLiteral(t.unknownText, target, ctx, location);
      return { expr: lit(value, target), type: target, nullable: value === null, name: t.name };
    }
    return { ...t, expr: lit(null, target), type: target };
  }
  if (t.type === 'date' && (target === 'timestamp' || target === 'timestamptz')) {
    const expr = t.expr.op === 'lit' ? lit(t.expr.value === null ? null : (t.expr.value as number) * 86_400_000, target) : call('date_to_timestamp', t.expr);
    return { ...t, type: target, expr };
  }
  if (target === 'real' && isNumeric(t.type)) {
    // To single precision (Postgres' implicit int / numeric -> float4): rounded, 22003 past its range.
    return { ...t, type: target, expr: call('to_real', t.expr) };
  }
  if (t.type === 'numeric' && target === 'float') {
    // A numeric may be carried as a string (protocol/numeric.ts): the float is its nearest double.
    const expr = t.expr.op === 'lit' ? lit(t.expr.value === null ? null : numericToFloat(t.expr.value as NumericValue), target) : call('to_float', t.expr);
    return { ...t, type: target, expr };
  }
  if (implicitlyConverts(t.type, target)) return { ...t, type: target, expr: t.expr.op === 'lit' ? lit(t.expr.value, target) : t.expr };
  throw ctx.error(
    SqlState.DatatypeMismatch,
    what ? `${what} must be type ${target}, not type ${t.type}` : `expected type ${target}, found ${t.type}`,
    location,
    `use an explicit cast, e.g. CAST(... AS ${target})`,
  );
}

/**
 * The common type of expressions that must agree (CASE branches, COALESCE arguments, UNION
 * columns, both sides of a comparison): the widest numeric type if all are numbers, else the one
 * type they all have; unknown literals follow; all unknown is text. 42804 otherwise.
 */
export function commonType(items: Typed[], what: string, ctx: PlanContext, location?: number): ColumnType {
  let result: ColumnType | null = null;
  for (const t of items) {
    if (t.type === null) continue;
    if (result === null || implicitlyConverts(result, t.type)) result = t.type;
    else if (!implicitlyConverts(t.type, result)) {
      throw ctx.error(SqlState.DatatypeMismatch, `${what} types ${result} and ${t.type} cannot be matched`, location, 'use an explicit cast to make the types agree');
    }
  }
  // float4 beside another kind of number: both as float8, as Postgres resolves real + int or real = numeric.
  if (result === 'real' && items.some((t) => t.type !== null && t.type !== 'real')) return 'float';
  return result ?? 'text';
}

/** Coerces every item to their common type. */
export function unify(items: Typed[], what: string, ctx: PlanContext, location?: number): { type: ColumnType; items: Typed[] } {
  const type = commonType(items, what, ctx, location);
  return { type, items: items.map((t) => coerce(t, type, ctx, location, what)) };
}

/** The expression as the plan IR's Expr: it must not reference aggregates. */
export function isPlainExpr(e: PExpr): boolean {
  switch (e.op) {
    case 'agg':
    case 'win':
    case 'sub':
      return false;
    case 'col':
    case 'lit':
      return true;
    case 'call':
      return e.args.every(isPlainExpr);
    case 'case':
      return e.whens.every((w) => isPlainExpr(w.when) && isPlainExpr(w.then)) && isPlainExpr(e.else);
  }
}
