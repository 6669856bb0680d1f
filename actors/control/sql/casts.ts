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
import { arrayTypeOf, elementTypeOf } from '../../../protocol/array.js';
import type { TypeName } from 'libpg-query';
import type { ScalarFunction } from '../../../protocol/compute/plan.js';
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
  float: 'float', float8: 'float', 'double precision': 'float', float4: 'real', real: 'real',
  numeric: 'numeric', decimal: 'numeric',
  // oid and name: what definite's system relations hold them as (sql/pg-catalog.ts).
  oid: 'int', name: 'text',
  text: 'text', varchar: 'text', bpchar: 'text', char: 'text', string: 'text',
  bool: 'bool', boolean: 'bool',
  timestamp: 'timestamp', timestamptz: 'timestamptz', time: 'time',
  date: 'date', interval: 'interval',
  jsonb: 'jsonb',
};

/** Casts of dates, timestamps and intervals (protocol/compute/datetime-scalar.ts). */
const DATETIME_CASTS: Record<string, ScalarFunction> = {
  'date->text': 'date_text', 'timestamp->text': 'timestamp_text', 'interval->text': 'interval_text',
  'text->date': 'text_to_date', 'text->timestamp': 'text_to_timestamp', 'text->interval': 'text_to_interval',
  'date->timestamp': 'date_to_timestamp', 'timestamp->date': 'timestamp_to_date',
  'timestamptz->text': 'timestamptz_text', 'text->timestamptz': 'text_to_timestamptz',
  'date->timestamptz': 'date_to_timestamp', 'timestamptz->date': 'timestamp_to_date',
  'time->text': 'time_text', 'text->time': 'text_to_time', 'timestamp->time': 'timestamp_to_time', 'timestamptz->time': 'timestamp_to_time',
};

/** Postgres' name of each type, as it names a cast column (`SELECT '1'::int` is column `int4`). */
export const PG_TYPE_NAME: Record<ColumnType, string> = {
  smallint: 'int2', int: 'int4', bigint: 'int8', float: 'float8', real: 'float4', numeric: 'numeric', text: 'text', bool: 'bool', timestamp: 'timestamp', timestamptz: 'timestamptz', time: 'time',
  date: 'date', interval: 'interval', jsonb: 'jsonb',
  // Postgres names a cast to an array type after its element type (`'{1}'::int[]` is column `int4`).
  'bool[]': 'bool', 'smallint[]': 'int2', 'int[]': 'int4', 'bigint[]': 'int8', 'float[]': 'float8', 'numeric[]': 'numeric', 'text[]': 'text',
};

/**
 * Casts of arrays: to text (array_out), from text (text_to_array, each element read as the
 * element type), and between arrays whose element types convert implicitly (int2[] to int4[]: the
 * same values). Undefined for any other pair (the caller's error).
 */
function castArray(t: Typed, from: ColumnType, target: ColumnType): Typed['expr'] | undefined {
  const fromElement = elementTypeOf(from);
  const toElement = elementTypeOf(target);
  if (fromElement && target === 'text') return call('array_out', t.expr, lit(fromElement, 'text'));
  if (toElement && from === 'text') return call('text_to_array', t.expr, lit(toElement, 'text'));
  if (fromElement && toElement && implicitlyConverts(fromElement, toElement)) return t.expr;
  return undefined;
}

/** Postgres' name of a cast target in jsonb's cast errors ("cannot cast jsonb string to type integer"). */
const JSONB_TARGET_LABEL: Partial<Record<ColumnType, string>> = {
  smallint: 'smallint', int: 'integer', bigint: 'bigint', numeric: 'numeric', float: 'double precision', bool: 'boolean',
};

/**
 * Casts of jsonb (protocol/compute/jsonb-scalar.ts): to and from text (jsonb_out / jsonb_in),
 * and, as Postgres 15, of a JSON number to the numeric types (an integer rounded as numeric
 * rounds) and of a JSON boolean to bool. `integer`: the result still needs the range check.
 */
function castJsonb(t: Typed, from: ColumnType, target: ColumnType): { expr: Typed['expr']; integer: boolean } | undefined {
  if (from === 'text' && target === 'jsonb') return { expr: call('jsonb_in', t.expr), integer: false };
  if (from !== 'jsonb') return undefined;
  if (target === 'text') return { expr: call('jsonb_out', t.expr), integer: false };
  const label = JSONB_TARGET_LABEL[target];
  if (!label) return undefined;
  const value = call('jsonb_to', t.expr, lit(label, 'text'));
  if (target === 'bool' || target === 'numeric') return { expr: value, integer: false };
  if (target === 'float') return { expr: call('to_float', value), integer: false };
  return { expr: call('to_int', call('round', value)), integer: true };
}

/** The column type a SQL type name denotes; 0A000 for types definite does not have. */
export function columnTypeOf(typeName: TypeName | undefined, ctx: PlanContext): ColumnType {
  const names = (typeName?.names ?? []).map((n) => stringOf(n) ?? '');
  const name = names[names.length - 1] ?? '';
  const location = typeName?.location;
  if (typeName?.arrayBounds?.length) {
    if (typeName.arrayBounds.length > 1) throw ctx.unsupported(`multidimensional array type ${name}${'[]'.repeat(typeName.arrayBounds.length)}`, location, 'definite has one-dimensional arrays');
    const element = columnTypeOf({ ...typeName, arrayBounds: [] }, ctx);
    const array = arrayTypeOf(element);
    if (!array) throw ctx.unsupported(`array type ${name}[]`, location, 'definite has arrays of bool, smallint, int, bigint, float, numeric and text');
    return array;
  }
  if (names.length > 1 && names[0] !== 'pg_catalog' && names[0] !== 'public') throw ctx.error(SqlState.UndefinedObject, `type "${names.join('.')}" does not exist`, location);
  const type = TYPE_NAMES[name.toLowerCase()];
  if (!type) {
    throw ctx.error(SqlState.FeatureNotSupported, `type "${name}" is not supported`, location, 'definite has smallint, int, bigint, real, float, numeric, text, bool, timestamp, timestamptz, date, time, interval and jsonb');
  }
  return type;
}

/** A type's modifiers: numeric(precision, scale) or varchar(length). */
export type Typmod = { precision: number; scale: number } | { length: number };

/**
 * The modifiers of `typeName` (`numeric(10,2)`, `decimal(5)`, `varchar(30)`), validated as
 * Postgres does. Others (`char(n)`, which pads, and `timestamp(p)`) are 0A000: refused, not ignored.
 */
export function typmodOf(typeName: TypeName | undefined, ctx: PlanContext): Typmod | undefined {
  const mods = typeName?.typmods ?? [];
  if (mods.length === 0) return undefined;
  const location = typeName?.location;
  const type = columnTypeOf(typeName, ctx);
  const names = (typeName?.names ?? []).map((n) => stringOf(n) ?? '');
  const name = (names[names.length - 1] ?? '').toLowerCase();
  const values = mods.map((m) => {
    const c = 'A_Const' in m ? (m.A_Const as { ival?: { ival?: number } }) : undefined;
    if (!c?.ival) throw ctx.error(SqlState.SyntaxError, 'type modifiers must be simple constants or identifiers', location);
    return c.ival.ival ?? 0;
  });
  if (type === 'text' && name === 'varchar') {
    const [length] = values as [number];
    if (values.length > 1) throw ctx.error(SqlState.SyntaxError, 'invalid type modifier', location);
    if (length < 1) throw ctx.error(SqlState.InvalidParameterValue, 'length for type varchar must be at least 1', location);
    if (length > 10485760) throw ctx.error(SqlState.InvalidParameterValue, 'length for type varchar cannot exceed 10485760', location);
    return { length };
  }
  if (type === 'interval') return undefined; // the field range: intervalRangeOf
  if (type !== 'numeric') {
    throw ctx.unsupported(`type modifiers on ${name}`, location, `write ${name === 'bpchar' ? 'varchar' : name}${name === 'bpchar' ? `(${values.join(', ')})` : ''} instead`);
  }
  if (values.length > 2) throw ctx.error(SqlState.InvalidParameterValue, 'invalid NUMERIC type modifier', location);
  const [precision, scale = 0] = values as [number, number?];
  if (precision < 1 || precision > 1000) throw ctx.error(SqlState.InvalidParameterValue, `NUMERIC precision ${precision} must be between 1 and 1000`, location);
  if (scale < -1000 || scale > 1000) throw ctx.error(SqlState.InvalidParameterValue, `NUMERIC scale ${scale} must be between -1000 and 1000`, location);
  return { precision, scale };
}

/** The field range of `INTERVAL '...' DAY` and the like (Postgres' typmod mask), if any. */
export function intervalRangeOf(typeName: TypeName | undefined): number | undefined {
  const first = typeName?.typmods?.[0];
  const c = first && 'A_Const' in first ? (first.A_Const as { ival?: { ival?: number } }) : undefined;
  return c?.ival ? (c.ival.ival ?? undefined) : undefined;
}

/** A table column's modifiers. */
export function columnTypmod(column: { precision?: number; scale?: number; length?: number }): Typmod | undefined {
  if (column.precision !== undefined) return { precision: column.precision, scale: column.scale ?? 0 };
  if (column.length !== undefined) return { length: column.length };
  return undefined;
}

/**
 * `t` fitted to its modifiers: numeric(p, s) rounds and checks; varchar(n) cuts to n in a cast
 * (`explicit`) and checks in an assignment (22001 past n), as Postgres does.
 */
export function fitTypmod(t: Typed, mod: Typmod | undefined, explicit = true): Typed {
  if (!mod) return t;
  const expr =
    'length' in mod
      ? explicit
        ? call('substr', t.expr, lit(1, 'int'), lit(mod.length, 'int'))
        : call('check_varchar', t.expr, lit(mod.length, 'int'))
      : call('fit_numeric', t.expr, lit(mod.precision, 'int'), lit(mod.scale, 'int'));
  const folded = isPlainExpr(expr) ? foldExpr(toExpr(expr), t.type ?? 'text') : expr;
  return { ...t, expr: folded };
}

/** Converts `t` to `target` as an explicit cast. */
export function castTo(t: Typed, target: ColumnType, ctx: PlanContext, location?: number, intervalRange?: number): Typed {
  const name = t.name === '?column?' ? PG_TYPE_NAME[target] : t.name;
  const to = (expr: Typed['expr'], nullable = t.nullable): Typed => {
    const folded = isPlainExpr(expr) ? foldExpr(toExpr(expr), target) : expr;
    return { expr: folded, type: target, nullable: folded.op === 'lit' ? folded.value === null : nullable, name };
  };
  const from = t.type;
  if (from === null) {
    if (t.unknownText !== undefined) {
      const value = parseLiteral(t.unknownText, target, ctx, location, intervalRange);
      return to(lit(value, target), value === null);
    }
    return to(lit(null, target), true);
  }
  if (from === target) return { ...t, name };
  const numeric = (x: ColumnType) => isNumeric(x);
  // An integer result: the conversion, then the target's range check.
  const toInteger = (expr: Typed['expr']): Typed => to(isIntegerType(target) ? checkedInt(expr, target) : expr);
  if (numeric(from) && numeric(target)) {
    // Postgres converts float8 to numeric at 15 significant digits.
    if (from === 'float' && target === 'numeric') return to(call('to_numeric', t.expr));
    // float4: rounded to single precision; to numeric at 6 significant digits (FLT_DIG), as Postgres.
    if (target === 'real') return to(call('to_real', t.expr));
    if (from === 'real' && target === 'numeric') return to(call('real_to_numeric', t.expr));
    // A numeric, or a bigint past 2^53, may be carried as a string (protocol/numeric.ts): to_float reads it.
    if ((from === 'numeric' || from === 'bigint') && target === 'float') return to(call('to_float', t.expr));
    if (!isIntegerType(target)) return to(t.expr);
    if (isIntegerType(from)) return implicitlyConverts(from, target) ? to(t.expr) : toInteger(t.expr);
    // Postgres rounds float8 half to even, numeric half away from zero.
    return toInteger(call('to_int', call(from === 'float' || from === 'real' ? 'round_even' : 'round', t.expr)));
  }
  const isTs = (x: ColumnType) => x === 'timestamp' || x === 'timestamptz';
  // timestamp <-> timestamptz: the same milliseconds (the session's zone is UTC).
  if (isTs(from) && isTs(target)) return to(t.expr);
  const datetime = DATETIME_CASTS[`${from}->${target}`];
  if (datetime) return to(call(datetime, t.expr));
  const jsonb = castJsonb(t, from, target);
  if (jsonb) return jsonb.integer ? toInteger(jsonb.expr) : to(jsonb.expr);
  const arrayCast = castArray(t, from, target);
  if (arrayCast) return to(arrayCast);
  if (target === 'text' && from === 'numeric') return to(call('numeric_text', t.expr));
  if (target === 'text' && from === 'float') return to(call('float_text', t.expr));
  if (target === 'text' && from === 'real') return to(call('real_text', t.expr));
  if (target === 'text' && !isTs(from)) return to(call('to_text', t.expr));
  if (from === 'text') {
    if (isIntegerType(target)) return toInteger(call('to_int', t.expr));
    if (target === 'float') return to(call('to_float', t.expr));
    if (target === 'real') return to(call('to_real', t.expr));
    if (target === 'numeric') return to(call('to_numeric', t.expr));
    if (target === 'bool') return to(call('to_bool', t.expr));
  }
  if (from === 'bool' && target === 'int') {
    return to({ op: 'case', whens: [{ when: t.expr, then: lit(1, 'int') }, { when: call('not', t.expr), then: lit(0, 'int') }], else: lit(null, 'int') });
  }
  if (from === 'int' && target === 'bool') return to(call('<>', t.expr, lit(0, 'int')));
  if ((from === 'int' || from === 'bigint') && isTs(target)) return to(t.expr);
  if (isTs(from) && (target === 'int' || target === 'bigint')) return toInteger(t.expr);
  if (isTs(from) || isTs(target)) {
    throw ctx.unsupported(`casting ${from} to ${target}`, location, isTs(target) ? "write a literal, e.g. TIMESTAMP '2024-01-01 12:00:00', or cast milliseconds since the epoch from bigint" : 'cast to bigint for milliseconds since the epoch');
  }
  throw ctx.error(MoreSqlState.CannotCoerce, `cannot cast type ${from} to ${target}`, location);
}

/**
 * Converts a value for storage in `column` (INSERT and UPDATE): implicit conversions, plus
 * numbers to int (rounded), as Postgres' assignment casts allow. 42804 otherwise.
 */
export function assignTo(t: Typed, column: { name: string; type: ColumnType; precision?: number; scale?: number; length?: number }, ctx: PlanContext, location?: number): Typed {
  const target = column.type;
  const mod = columnTypmod(column);
  if (t.type === null || t.type === target) return fitTypmod(castTo(t, target, ctx, location), mod, false);
  if (isNumeric(t.type) && isNumeric(target)) return fitTypmod(castTo(t, target, ctx, location), mod, false);
  throw ctx.error(
    SqlState.DatatypeMismatch,
    `column "${column.name}" is of type ${target} but expression is of type ${t.type}`,
    location,
    'rewrite or cast the expression',
  );
}
