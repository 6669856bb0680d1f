/**
 * Array expressions while planning (one-dimensional arrays: protocol/array.ts, evaluated by
 * protocol/compute/array-scalar.ts): `ARRAY[a, b]` (the elements' common type), subscripts
 * `a[i]`, `x op ANY (array)` / `x op ALL (array)` (an untyped `'{...}'` literal takes the array
 * type of x), and the functions array_to_string, array_lower, array_upper, array_length, array_cat,
 * array_append, array_prepend, array_position and
 * cardinality. ARRAY (subquery) is subquery.ts', array_agg expr.ts', unnest from.ts'.
 */
import type { A_ArrayExpr } from 'libpg-query';
import type { ScalarFunction } from '../../../protocol/compute/plan.js';
import { SqlState } from '../../../protocol/control/errors.js';
import { arrayTypeOf, elementTypeOf } from '../../../protocol/array.js';
import type { ColumnType } from '../../../protocol/types.js';
import type { PlanContext } from './context.js';
import { typedCall } from './typed-call.js';
import { coerce, commonType, implicitlyConverts, unify, type Typed } from './typed.js';

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
    case 'array_cat': {
      if (args.length !== 2) fail();
      const [a, b] = args as [Typed, Typed];
      if ((a.type !== null && !elementTypeOf(a.type)) || (b.type !== null && !elementTypeOf(b.type))) fail();
      // The arrays' common type is that of their element types (int[] with bigint[] is bigint[]).
      const asElement = (t: Typed): Typed => ({ ...t, type: elementTypeOf(t.type) ?? null, unknownText: undefined });
      let type: ColumnType | undefined;
      try {
        type = arrayTypeOf(commonType([asElement(a), asElement(b)], 'array_cat', ctx, location));
      } catch {
        return fail();
      }
      if (!type || (a.type === null && b.type === null)) return fail();
      const widen = (t: Typed): Typed => (t.type === null ? coerce(t, type!, ctx, location) : { ...t, type: type! });
      return typedCall('array_cat', [widen(a), widen(b)], type, name, a.nullable && b.nullable);
    }
    case 'array_append':
    case 'array_prepend': {
      if (args.length !== 2) fail();
      const [arr, e] = (name === 'array_append' ? args : [args[1], args[0]]) as [Typed, Typed];
      let array = arr;
      if (array.type === null) {
        if (e.type === null || !arrayTypeOf(e.type)) fail();
        array = coerce(array, arrayTypeOf(e.type!)!, ctx, location);
      }
      let element = elementTypeOf(array.type);
      if (!element) fail();
      // anycompatiblearray / anycompatible (Postgres 14+): int[] with a numeric is numeric[].
      if (e.type !== null && !implicitlyConverts(e.type, element!)) {
        let common: ColumnType | undefined;
        try {
          common = commonType([{ ...array, type: element!, unknownText: undefined }, e], name, ctx, location);
        } catch {
          return fail();
        }
        const widened = common && arrayTypeOf(common);
        if (!widened) return fail();
        array = { ...array, type: widened };
        element = common;
      }
      const value = coerce(e, element!, ctx, location);
      return typedCall(name, name === 'array_append' ? [array, value] : [value, array], array.type!, name, false);
    }
    case 'array_position': {
      if (args.length < 2 || args.length > 3) fail();
      const arr = arrayArg(args[0]!);
      const element = elementTypeOf(arr.type)!;
      const e = args[1]!;
      if (e.type !== null && !implicitlyConverts(e.type, element)) fail();
      if (element === 'interval') throw ctx.unsupported('array_position over intervals', location);
      return typedCall('array_position', [arr, coerce(e, element, ctx, location), ...(args[2] ? [intArg(args[2])] : [])], 'int', name, true);
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
