/**
 * Explicit casts (`CAST(x AS t)`, `x::t`, `t 'literal'`): SQL type names to definite's column
 * types, and each conversion as plan IR. Only what the run time can do exactly is allowed;
 * anything else is SQLSTATE 42846 (cannot coerce) or 0A000 (a type definite does not have).
 *
 *   from \ to   integers       float/numeric   text      bool       timestamp
 *   integers    (checked)      (same value)    to_text   x <> 0 *   (milliseconds) **
 *   float/num   to_int(round)  (same value)    to_text   -          -
 *   text        to_int         to_float        -         to_bool    (literals only)
 *   bool        CASE 1/0 *     -               to_text   -          -
 *   timestamp   (milliseconds)** -             -         -          -
 *
 * Every cast to an integer type is wrapped in that type's range check (check_smallint, ...):
 * `32768::smallint` is 22003 "smallint out of range". (*) int only, as in Postgres. (**) int and
 * bigint (milliseconds since the epoch; past int's range for any time after January 1970).
 */
import type { TypeName } from 'libpg-query';
import { SqlState } from '../../../protocol/control/errors.js';
import type { ColumnType } from '../../../protocol/types.js';
import { MoreSqlState, stringOf, type PlanContext } from './context.js';
import { parseLiteral } from './literals.js';
import { isIntegerType } from '../../../protocol/int-range.js';
import { foldExpr } from './fold.js';
import { toExpr } from './exprs.js';
import { call, checkedInt, implicitlyConverts, isNumeric, isPlainExpr, lit, type Typed } from './typed.js';

const TYPE_NAMES: Record<string, ColumnType> = {
  int: 'int', int4: 'int', integer: 'int', int2: 'smallint', smallint: 'smallint', int8: 'bigint', bigint: 'bigint',
  float: 'float', float4: 'float', float8: 'float', real: 'float', 'double precision': 'float',
  numeric: 'numeric', decimal: 'numeric',
  // oid and name: what definite's system relations hold them as (sql/pg-catalog.ts).
  oid: 'int', name: 'text',
  text: 'text', varchar: 'text', bpchar: 'text', char: 'text', string: 'text',
  bool: 'bool', boolean: 'bool',
  timestamp: 'timestamp', timestamptz: 'timestamp',
};

/** Postgres' name of each type, as it names a cast column (`SELECT '1'::int` is column `int4`). */
export const PG_TYPE_NAME: Record<ColumnType, string> = {
  smallint: 'int2', int: 'int4', bigint: 'int8', float: 'float8', numeric: 'numeric', text: 'text', bool: 'bool', timestamp: 'timestamp',
};

/** The column type a SQL type name denotes; 0A000 for types definite does not have. */
export function columnTypeOf(typeName: TypeName | undefined, ctx: PlanContext): ColumnType {
  const names = (typeName?.names ?? []).map((n) => stringOf(n) ?? '');
  const name = names[names.length - 1] ?? '';
  const location = typeName?.location;
  if (typeName?.arrayBounds?.length) throw ctx.unsupported(`array type ${name}[]`, location);
  if (names.length > 1 && names[0] !== 'pg_catalog' && names[0] !== 'public') throw ctx.error(SqlState.UndefinedObject, `type "${names.join('.')}" does not exist`, location);
  const type = TYPE_NAMES[name.toLowerCase()];
  if (!type) {
    throw ctx.error(SqlState.FeatureNotSupported, `type "${name}" is not supported`, location, 'definite has smallint, int, bigint, float, numeric, text, bool and timestamp');
  }
  return type;
}

/** Converts `t` to `target` as an explicit cast. */
export function castTo(t: Typed, target: ColumnType, ctx: PlanContext, location?: number): Typed {
  const name = t.name === '?column?' ? PG_TYPE_NAME[target] : t.name;
  const to = (expr: Typed['expr'], nullable = t.nullable): Typed => {
    const folded = isPlainExpr(expr) ? foldExpr(toExpr(expr), target) : expr;
    return { expr: folded, type: target, nullable: folded.op === 'lit' ? folded.value === null : nullable, name };
  };
  const from = t.type;
  if (from === null) {
    if (t.unknownText !== undefined) {
      const value = parseLiteral(t.unknownText, target, ctx, location);
      return to(lit(value, target), value === null);
    }
    return to(lit(null, target), true);
  }
  if (from === target) return { ...t, name };
  const numeric = (x: ColumnType) => isNumeric(x);
  // An integer result: the conversion, then the target's range check.
  const toInteger = (expr: Typed['expr']): Typed => to(isIntegerType(target) ? checkedInt(expr, target) : expr);
  if (numeric(from) && numeric(target)) {
    if (!isIntegerType(target)) return to(t.expr);
    if (isIntegerType(from)) return implicitlyConverts(from, target) ? to(t.expr) : toInteger(t.expr);
    // Postgres rounds float8 half to even, numeric half away from zero.
    return toInteger(call('to_int', call(from === 'float' ? 'round_even' : 'round', t.expr)));
  }
  if (target === 'text' && from !== 'timestamp') return to(call('to_text', t.expr));
  if (from === 'text') {
    if (isIntegerType(target)) return toInteger(call('to_int', t.expr));
    if (target === 'float' || target === 'numeric') return to(call('to_float', t.expr));
    if (target === 'bool') return to(call('to_bool', t.expr));
  }
  if (from === 'bool' && target === 'int') {
    return to({ op: 'case', whens: [{ when: t.expr, then: lit(1, 'int') }, { when: call('not', t.expr), then: lit(0, 'int') }], else: lit(null, 'int') });
  }
  if (from === 'int' && target === 'bool') return to(call('<>', t.expr, lit(0, 'int')));
  if ((from === 'int' || from === 'bigint') && target === 'timestamp') return to(t.expr);
  if (from === 'timestamp' && (target === 'int' || target === 'bigint')) return toInteger(t.expr);
  if (from === 'timestamp' || target === 'timestamp') {
    throw ctx.unsupported(`casting ${from} to ${target}`, location, target === 'timestamp' ? "write a literal, e.g. TIMESTAMP '2024-01-01 12:00:00', or cast milliseconds since the epoch from bigint" : 'cast to bigint for milliseconds since the epoch');
  }
  throw ctx.error(MoreSqlState.CannotCoerce, `cannot cast type ${from} to ${target}`, location);
}

/**
 * Converts a value for storage in `column` (INSERT and UPDATE): implicit conversions, plus
 * numbers to int (rounded), as Postgres' assignment casts allow. 42804 otherwise.
 */
export function assignTo(t: Typed, column: { name: string; type: ColumnType }, ctx: PlanContext, location?: number): Typed {
  const target = column.type;
  if (t.type === null || t.type === target) return castTo(t, target, ctx, location);
  if (isNumeric(t.type) && isNumeric(target)) return castTo(t, target, ctx, location);
  throw ctx.error(
    SqlState.DatatypeMismatch,
    `column "${column.name}" is of type ${target} but expression is of type ${t.type}`,
    location,
    'rewrite or cast the expression',
  );
}
