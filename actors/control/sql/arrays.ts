/**
 * Array expressions while planning (one-dimensional arrays: protocol/array.ts, evaluated by
 * protocol/compute/array-scalar.ts): `ARRAY[a, b]` (the elements' common type), subscripts
 * `a[i]`, `x op ANY (array)` / `x op ALL (array)` (an untyped `'{...}'` literal takes the array
 * type of x), and the functions array_to_string, array_lower, array_upper, array_length and
 * cardinality. ARRAY (subquery) is subquery.ts', array_agg expr.ts', unnest from.ts'.
 */
import type { A_ArrayExpr } from 'libpg-query';
import type { ScalarFunction } from '../../../protocol/compute/plan.js';
import { SqlState } from '../../../protocol/control/errors.js';
import { arrayTypeOf, elementTypeOf } from '../../../protocol/array.js';
import type { ColumnType } from '../../../protocol/types.js';
import type { PlanContext } from './context.js';
import { typedCall } from './typed-call.js';
import { coerce, implicitlyConverts, unify, type Typed } from './typed.js';

/** ARRAY[e1, e2, ...]: the elements coerced to their common type. */
export function planArrayConstructor(a: A_ArrayExpr, elements: Typed[], ctx: PlanContext, location: number | undefined): Typed {
  if (elements.length === 0) throw ctx.error('42P18', 'cannot determine type of empty array', location, 'Explicitly cast to the desired type, for example ARRAY[]::integer[].');
  if (elements.some((e) => elementTypeOf(e.type))) throw ctx.unsupported('multidimensional arrays', a.location, 'definite has one-dimensional arrays');
  const { type, items } = unify(elements, 'ARRAY', ctx, location);
  const array = arrayTypeOf(type);
  if (!array) throw ctx.unsupported(`arrays of ${type}`, location, 'definite has arrays of bool, smallint, int, bigint, float, numeric and text');
  return typedCall('array', items, array, 'array', false);
}

/** `a[i]` (1-based; NULL out of range); slices and several subscripts are 0A000. */
export function planSubscript(arg: Typed, subscripts: Array<Typed | 'slice'>, ctx: PlanContext, location: number | undefined): Typed {
  if (subscripts.length !== 1 || subscripts[0] === 'slice') throw ctx.unsupported(subscripts.includes('slice') ? 'array slices' : 'several subscripts', location, 'definite has one-dimensional arrays: a[i]');
  const element = elementTypeOf(arg.type);
  if (!element) throw ctx.error(SqlState.DatatypeMismatch, `cannot subscript type ${arg.type ?? 'unknown'} because it does not support subscripting`, location);
  const i = subscripts[0]!;
  if (i.type !== null && !implicitlyConverts(i.type, 'int')) throw ctx.error(SqlState.DatatypeMismatch, 'array subscript must have type integer', location);
  return typedCall('array_subscript', [arg, coerce(i, 'int', ctx, location)], element, arg.name, true);
}

const QUANTIFIED_FN: Record<string, string> = { '=': 'eq', '<>': 'ne', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };

/** `x op ANY (array)` / `x op ALL (array)` for a comparison operator. */
export function planQuantified(op: string, all: boolean, x: Typed, arr: Typed, ctx: PlanContext, location: number | undefined): Typed {
  const fn = QUANTIFIED_FN[op];
  if (!fn) throw ctx.unsupported(`the operator ${op} with ${all ? 'ALL' : 'ANY'}`, location, 'comparisons (= <> < <= > >=) are supported');
  if (arr.type === null) {
    // An untyped '{...}' takes the array type of x (text when x is untyped too).
    const element = x.type ?? 'text';
    const array = arrayTypeOf(element);
    if (!array) throw ctx.unsupported(`arrays of ${element}`, location);
    arr = coerce(arr, array, ctx, location);
  }
  const element = elementTypeOf(arr.type);
  if (!element) throw ctx.error(SqlState.WrongObjectType, `op ANY/ALL (array) requires array on right side`, location);
  let left = x;
  let right = arr;
  if (x.type === null) left = coerce(x, element, ctx, location);
  else if (x.type !== element) {
    if (implicitlyConverts(x.type, element)) left = coerce(x, element, ctx, location);
    else {
      const wider = arrayTypeOf(x.type);
      if (!wider || !implicitlyConverts(element, x.type)) throw ctx.error(SqlState.UndefinedFunction, `operator does not exist: ${x.type} ${op} ${arr.type}`, location, 'cast one side so the types agree');
      right = { ...arr, type: wider };
    }
  }
  if (left.type === 'interval') throw ctx.unsupported('ANY / ALL over intervals', location);
  return typedCall(`${fn}_${all ? 'all' : 'any'}` as ScalarFunction, [left, right], 'bool', '?column?', true);
}

/** The array functions by name, or undefined for a name that is not one of them. */
export function planArrayFunction(name: string, args: Typed[], ctx: PlanContext, location: number | undefined): Typed | undefined {
  const fail = (): never => {
    throw ctx.error(SqlState.UndefinedFunction, `function ${name}(${args.map((a) => a.type ?? 'unknown').join(', ')}) does not exist`, location, 'No function matches the given name and argument types. You might need to add explicit type casts.');
  };
  const arrayArg = (t: Typed): Typed => {
    if (!elementTypeOf(t.type)) fail();
    return t;
  };
  const intArg = (t: Typed): Typed => {
    if (t.type !== null && !implicitlyConverts(t.type, 'int')) fail();
    return coerce(t, 'int', ctx, location);
  };
  const textArg = (t: Typed): Typed => {
    if (t.type !== null && t.type !== 'text') fail();
    return coerce(t, 'text', ctx, location);
  };
  switch (name) {
    case 'array_to_string': {
      // Of text: the system columns held as an array's text (pg-functions.ts).
      if (args[0] !== undefined && (args[0].type === 'text' || args[0].type === null)) return undefined;
      if (args.length < 2 || args.length > 3) fail();
      const [a, sep, nul] = args as [Typed, Typed, Typed | undefined];
      return typedCall('array_to_string', [arrayArg(a), textArg(sep), ...(nul ? [textArg(nul)] : [])], 'text', name, a.nullable || sep.nullable);
    }
    case 'array_lower':
    case 'array_upper':
    case 'array_length': {
      if (args.length !== 2) fail();
      return typedCall(name as ScalarFunction, [arrayArg(args[0]!), intArg(args[1]!)], 'int', name, true);
    }
    case 'cardinality': {
      if (args.length !== 1) fail();
      return typedCall('cardinality', [arrayArg(args[0]!)], 'int', name);
    }
    default:
      return undefined;
  }
}

/** The array type of an element type, or 0A000. */
export function arrayTypeOrFail(element: ColumnType, ctx: PlanContext, location: number | undefined): ColumnType {
  const t = arrayTypeOf(element);
  if (!t) throw ctx.unsupported(`arrays of ${element}`, location, 'definite has arrays of bool, smallint, int, bigint, float, numeric and text');
  return t;
}
