/**
 * The SQL functions definite knows, by name: their argument types, result type, nullability and
 * the plan IR they become (protocol/compute/plan.ts' SCALAR_FUNCTIONS). A name that is not here
 * is 42883 (undefined function), and so is a call whose arguments fit no signature, as in
 * Postgres ("function lower(integer) does not exist"). Aggregates are in expr.ts.
 */
import type { ScalarFunction } from '../../../protocol/compute/plan.js';
import { SqlState } from '../../../protocol/control/errors.js';
import type { ColumnType } from '../../../protocol/types.js';
import { castTo } from './casts.js';
import { PG_FUNCTIONS } from './pg-functions.js';
import { typedCall } from './typed-call.js';
import { DATETIME_SQL_FUNCTIONS } from './datetime.js';
import { TEXT_SQL_FUNCTIONS } from './text-functions.js';
import { JSONB_SQL_FUNCTIONS } from './jsonb.js';
import type { PlanContext } from './context.js';
import { isIntegerType } from '../../../protocol/int-range.js';
import { coerce, commonType, implicitlyConverts, isNumeric, lit, type NumericType, type Typed } from './typed.js';
import { typeLabel } from './literals.js';

type Builder = (args: Typed[], fail: () => never, ctx: PlanContext, location: number | undefined, name: string) => Typed;

/** Coerces `t` to `type` if it converts implicitly (unknown literals, numeric widening), else fails. */
function want(t: Typed, type: ColumnType, fail: () => never, ctx: PlanContext, location: number | undefined): Typed {
  if (t.type !== null && !implicitlyConverts(t.type, type)) fail();
  return coerce(t, type, ctx, location);
}

/** A number argument: unknown literals become int (or numeric when they have a fraction). */
function number(t: Typed, fail: () => never, ctx: PlanContext, location: number | undefined): Typed & { type: NumericType } {
  if (t.type === null) {
    const type = t.unknownText !== undefined && !/^\s*[+-]?[0-9]+\s*$/.test(t.unknownText) ? 'numeric' : 'int';
    return coerce(t, type, ctx, location) as Typed & { type: 'int' | 'numeric' };
  }
  if (!isNumeric(t.type)) fail();
  return t as Typed & { type: NumericType };
}

function arity(min: number, max: number, b: Builder): Builder {
  return (args, fail, ctx, location, name) => {
    if (args.length < min || args.length > max) fail();
    return b(args, fail, ctx, location, name);
  };
}

const textToText = (fn: ScalarFunction): Builder =>
  arity(1, 1, (args, fail, ctx, loc, name) => typedCall(fn, [want(args[0]!, 'text', fail, ctx, loc)], 'text', name));

/** A numeric function keeping its argument's type (abs, floor, ceil, round); abs range-checked. */
const sameNumber = (fn: ScalarFunction): Builder =>
  arity(1, 1, (args, fail, ctx, loc, name) => {
    const a = number(args[0]!, fail, ctx, loc);
    const r = typedCall(fn, [a], a.type, name);
    return fn === 'abs' && isIntegerType(a.type) ? typedCall(`check_${a.type}`, [r], a.type, name) : r;
  });

/** A numeric function whose result is float, or numeric for a numeric argument (sqrt, exp, ln). */
const realNumber = (fn: ScalarFunction): Builder =>
  arity(1, 1, (args, fail, ctx, loc, name) => {
    const a = number(args[0]!, fail, ctx, loc);
    return typedCall(fn, [a], a.type === 'numeric' ? 'numeric' : 'float', name);
  });

function greatestLeast(fn: 'greatest' | 'least'): Builder {
  return (args, fail, ctx, loc, name) => {
    if (args.length === 0) fail();
    let type: ColumnType;
    try {
      type = commonType(args, name.toUpperCase(), ctx, loc);
    } catch {
      return fail();
    }
    const typed = args.map((a) => coerce(a, type, ctx, loc));
    return typedCall(fn, typed, type, name, typed.every((a) => a.nullable));
  };
}

const FUNCTIONS: Record<string, Builder> = {
  lower: textToText('lower'),
  upper: textToText('upper'),
  btrim: textToText('trim'),
  trim: textToText('trim'),
  ltrim: textToText('ltrim'),
  rtrim: textToText('rtrim'),
  length: arity(1, 1, (args, fail, ctx, loc, name) => typedCall('length', [want(args[0]!, 'text', fail, ctx, loc)], 'int', name)),
  char_length: arity(1, 1, (args, fail, ctx, loc, name) => typedCall('length', [want(args[0]!, 'text', fail, ctx, loc)], 'int', name)),
  character_length: arity(1, 1, (args, fail, ctx, loc, name) => typedCall('length', [want(args[0]!, 'text', fail, ctx, loc)], 'int', name)),
  concat: (args, _fail, ctx, loc, name) => {
    const texts = args.map((a) => (a.type === null ? coerce(a, 'text', ctx, loc) : a.type === 'text' ? a : castTo(a, 'text', ctx, loc)));
    return typedCall('concat', texts, 'text', name, false);
  },
  substr: arity(2, 3, (args, fail, ctx, loc, name) =>
    typedCall('substr', [want(args[0]!, 'text', fail, ctx, loc), ...args.slice(1).map((a) => want(a, 'int', fail, ctx, loc))], 'text', name),
  ),
  substring: arity(2, 3, (args, fail, ctx, loc, name) =>
    typedCall('substr', [want(args[0]!, 'text', fail, ctx, loc), ...args.slice(1).map((a) => want(a, 'int', fail, ctx, loc))], 'text', name),
  ),
  replace: arity(3, 3, (args, fail, ctx, loc, name) => typedCall('replace', args.map((a) => want(a, 'text', fail, ctx, loc)), 'text', name)),
  // position(sub IN str) reaches us as position(str, sub), like strpos(str, sub); the IR's
  // position takes (sub, str).
  position: arity(2, 2, (args, fail, ctx, loc, name) => typedCall('position', args.map((a) => want(a, 'text', fail, ctx, loc)).reverse(), 'int', name)),
  strpos: arity(2, 2, (args, fail, ctx, loc, name) => typedCall('position', args.map((a) => want(a, 'text', fail, ctx, loc)).reverse(), 'int', name)),
  starts_with: arity(2, 2, (args, fail, ctx, loc, name) => typedCall('starts_with', args.map((a) => want(a, 'text', fail, ctx, loc)), 'bool', name)),
  abs: sameNumber('abs'),
  floor: sameNumber('floor'),
  ceil: sameNumber('ceil'),
  ceiling: sameNumber('ceil'),
  round: arity(1, 2, (args, fail, ctx, loc, name) => {
    const a = number(args[0]!, fail, ctx, loc);
    if (args.length === 1) return typedCall(a.type === 'float' ? 'round_even' : 'round', [a], a.type, name);
    // Postgres: round(numeric, int) is at scale max(int, 0) (round(2.5, 2) = 2.50).
    if (isIntegerType(a.type) || a.type === 'numeric') return typedCall('round_numeric', [coerce(a, 'numeric', ctx, loc), want(args[1]!, 'int', fail, ctx, loc)], 'numeric', name);
    return typedCall('round', [a, want(args[1]!, 'int', fail, ctx, loc)], a.type, name);
  }),
  sqrt: realNumber('sqrt'),
  exp: realNumber('exp'),
  ln: realNumber('ln'),
  power: arity(2, 2, (args, fail, ctx, loc, name) => {
    const a = number(args[0]!, fail, ctx, loc);
    const b = number(args[1]!, fail, ctx, loc);
    return typedCall('power', [a, b], a.type === 'numeric' || b.type === 'numeric' ? 'numeric' : 'float', name);
  }),
  pow: arity(2, 2, (args, fail, ctx, loc) => FUNCTIONS['power']!(args, fail, ctx, loc, 'pow')),
  mod: arity(2, 2, (args, fail, ctx, loc, name) => {
    const a = number(args[0]!, fail, ctx, loc);
    const b = number(args[1]!, fail, ctx, loc);
    const type = commonType([a, b], 'mod', ctx, loc);
    if (type === 'float') throw ctx.error(SqlState.UndefinedFunction, 'function mod(double precision, double precision) does not exist', loc, 'cast the arguments to numeric');
    return typedCall(type === 'numeric' ? 'mod_numeric' : '%', [a, b], type, name);
  }),
  // pg_typeof(x): the name of x's type as Postgres' regtype prints it (text here), a constant.
  pg_typeof: arity(1, 1, (args, _fail, _ctx, _loc, name) => {
    const type = args[0]!.type;
    return { expr: lit(type === null ? 'unknown' : typeLabel(type), 'text'), type: 'text', nullable: false, name };
  }),
  greatest: greatestLeast('greatest'),
  least: greatestLeast('least'),
  ...PG_FUNCTIONS,
  ...DATETIME_SQL_FUNCTIONS,
  ...TEXT_SQL_FUNCTIONS,
  ...JSONB_SQL_FUNCTIONS,
};

/** Whether `name` is a scalar function definite knows. */
export function isScalarFunction(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(FUNCTIONS, name);
}

/** Plans the call `name(args)`; 42883 for an unknown name or arguments that fit no signature. */
export function planFunction(name: string, args: Typed[], ctx: PlanContext, location?: number): Typed {
  const signature = `${name}(${args.map((a) => a.type ?? 'unknown').join(', ')})`;
  const fail = (): never => {
    throw ctx.error(
      SqlState.UndefinedFunction,
      `function ${signature} does not exist`,
      location,
      isScalarFunction(name) ? 'the arguments have the wrong number or types; add explicit casts' : undefined,
    );
  };
  const builder = isScalarFunction(name) ? FUNCTIONS[name]! : fail();
  return builder(args, fail, ctx, location, name);
}
