/**
 * Scalar functions of one-dimensional arrays (protocol/array.ts; a value is a JS array of
 * scalars, lower bound 1), evaluated as Postgres 15 does:
 * - `array` [n >= 0]: ARRAY[a, b, ...] (NULL elements kept; never NULL).
 * - `array_subscript` [2] (array, i): the i-th element, 1-based; NULL out of range.
 * - `array_lower` / `array_upper` / `array_length` [2] (array, dimension): 1 / n / n for
 *   dimension 1 of a non-empty array, NULL otherwise; `cardinality` [1]: the element count.
 * - `array_to_string` [2 or 3] (array, separator [, null text]): the elements' texts joined;
 *   NULL elements skipped, or written as the third argument when it is not NULL.
 * - `array_out` [2] (array, element type): the text form (`{1,2}`, `{"a b",NULL}`);
 *   `text_to_array` [2] (text, element type) reads it (22P02 as Postgres on bad input).
 * - `<op>_any` / `<op>_all` [2] (x, array) for op in eq, ne, lt, le, gt, ge: `x op ANY (array)`
 *   is true if some comparison is true, else NULL if one is NULL, else false (false for an empty
 *   array); `ALL` is false if some comparison is false, else NULL if one is NULL, else true.
 *   Not strict in x: a NULL x with an empty array is false (ANY) / true (ALL), as Postgres.
 * - not strict, as Postgres (a NULL array is no elements): `array_cat` [2] (array, array),
 *   `array_append` [2] (array, element), `array_prepend` [2] (element, array);
 *   `array_position` [2 or 3] (array, element [, start]): the first 1-based position at or after
 *   start whose element is not distinct from the element (NULL finds NULL), else NULL.
 */
import { float8Text } from '../float-text.js';
import { compareValues } from './row.js';
import type { ScalarValue, Value } from '../types.js';
import { formatArray, parseArrayText } from '../array.js';
import { intOfText, type IntegerType } from '../int-range.js';
import { compareNumeric, decimalFits, isNumericString, numericText, numericValue, parseDecimal, type NumericValue } from '../numeric.js';

export const ARRAY_ARITY = {
  array: [0, Infinity], array_subscript: [2, 2], array_lower: [2, 2], array_upper: [2, 2], array_length: [2, 2], cardinality: [1, 1],
  array_to_string: [2, 3], array_out: [2, 2], text_to_array: [2, 2],
  array_cat: [2, 2], array_append: [2, 2], array_prepend: [2, 2], array_position: [2, 3],
  eq_any: [2, 2], ne_any: [2, 2], lt_any: [2, 2], le_any: [2, 2], gt_any: [2, 2], ge_any: [2, 2],
  eq_all: [2, 2], ne_all: [2, 2], lt_all: [2, 2], le_all: [2, 2], gt_all: [2, 2], ge_all: [2, 2],
} as const satisfies Record<string, readonly [number, number]>;

export type ArrayFunction = keyof typeof ARRAY_ARITY;
export const ARRAY_FUNCTIONS = Object.keys(ARRAY_ARITY) as ArrayFunction[];

/** The functions `array_any` compiles: `eq_any` -> ['=', 'any']. */
export const QUANTIFIED: Partial<Record<ArrayFunction, { op: '=' | '<>' | '<' | '<=' | '>' | '>='; all: boolean }>> = {
  eq_any: { op: '=', all: false }, ne_any: { op: '<>', all: false }, lt_any: { op: '<', all: false },
  le_any: { op: '<=', all: false }, gt_any: { op: '>', all: false }, ge_any: { op: '>=', all: false },
  eq_all: { op: '=', all: true }, ne_all: { op: '<>', all: true }, lt_all: { op: '<', all: true },
  le_all: { op: '<=', all: true }, gt_all: { op: '>', all: true }, ge_all: { op: '>=', all: true },
};

type Fail = (message: string) => never;

/** The text of one element of an array of `element` type, as Postgres' output function writes it. */
export function elementText(v: ScalarValue, element: string): string | null {
  if (v === null) return null;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (element === 'numeric' && (typeof v === 'number' || isNumericString(v))) return numericText(v as NumericValue);
  if (typeof v === 'number' && element === 'float') return float8Text(v);
  return String(v);
}


const LABEL: Record<string, string> = { smallint: 'smallint', int: 'integer', bigint: 'bigint', float: 'double precision', numeric: 'numeric', text: 'text', bool: 'boolean' };

/** One element's text read as `element` (text, integers, float, numeric, bool). */
function readElement(s: string, element: string, fail: Fail): ScalarValue {
  const bad = (): never => fail(`invalid input syntax for type ${LABEL[element] ?? element}: "${s}"`);
  switch (element) {
    case 'text':
      return s;
    case 'smallint':
    case 'int':
    case 'bigint': {
      const t = s.trim();
      if (!/^[+-]?\d+$/.test(t)) return bad();
      const n = intOfText(t, element as IntegerType);
      if (n === undefined) fail(`value "${t}" is out of range for type ${LABEL[element]}`);
      return n!;
    }
    case 'float': {
      const t = s.trim().toLowerCase();
      if (t === 'nan') return NaN;
      if (t === 'infinity' || t === '+infinity') return Infinity;
      if (t === '-infinity') return -Infinity;
      if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return bad();
      return Number(t);
    }
    case 'numeric': {
      const d = parseDecimal(s.trim());
      if (!d || !decimalFits(d)) return bad();
      return numericValue(d);
    }
    case 'bool': {
      const t = s.trim().toLowerCase();
      if (['t', 'true', 'y', 'yes', 'on', '1'].includes(t)) return true;
      if (['f', 'false', 'n', 'no', 'off', '0'].includes(t)) return false;
      return bad();
    }
    default:
      return fail(`arrays of ${element} are not supported`);
  }
}

function arrayArg(fn: string, v: Value, fail: Fail): ScalarValue[] {
  if (!Array.isArray(v)) fail(`${fn} expects an array, got ${v === null ? 'null' : typeof v}`);
  return v as ScalarValue[];
}

/** The binary functions (strict: NULL in, NULL out) and the text functions, over `fail`. */
export function arrayFunctions(fail: Fail): {
  unary: Partial<Record<ArrayFunction, (a: Value) => Value>>;
  binary: Partial<Record<ArrayFunction, (a: Value, b: Value) => Value>>;
} {
  const dimension = (fn: string, a: Value, d: Value, of: (n: number) => number): Value => {
    const arr = arrayArg(fn, a, fail);
    return arr.length === 0 || d !== 1 ? null : of(arr.length);
  };
  return {
    unary: {
      cardinality: (a) => arrayArg('cardinality', a, fail).length,
    },
    binary: {
      array_subscript: (a, i) => {
        const arr = arrayArg('array_subscript', a, fail);
        if (typeof i !== 'number' || !Number.isInteger(i)) return fail(`array subscript must be an integer, got ${String(i)}`);
        return i >= 1 && i <= arr.length ? arr[i - 1]! : null;
      },
      array_lower: (a, d) => dimension('array_lower', a, d, () => 1),
      array_upper: (a, d) => dimension('array_upper', a, d, (n) => n),
      array_length: (a, d) => dimension('array_length', a, d, (n) => n),
      array_out: (a, t) => formatArray(arrayArg('array_out', a, fail).map((e) => elementText(e, String(t)))),
      text_to_array: (s, t) => {
        const parsed = parseArrayText(String(s));
        if (!parsed.ok) return fail(`malformed array literal: "${String(s)}" (${parsed.detail})`);
        return parsed.elements.map((e) => (e === null ? null : readElement(e, String(t), fail)));
      },
    },
  };
}

/** The functions that take NULL arguments (evaluated arguments in, result out). */
export function laxArrayFunctions(fail: Fail): Partial<Record<ArrayFunction, (args: Value[]) => Value>> {
  const elements = (fn: string, v: Value | undefined): ScalarValue[] => (v === null || v === undefined ? [] : arrayArg(fn, v, fail));
  const element = (fn: string, v: Value | undefined): ScalarValue => (Array.isArray(v) ? fail(`${fn}: multidimensional arrays are not supported`) : (v ?? null));
  return {
    array_cat: ([a, b]) => (a === null && b === null ? null : [...elements('array_cat', a), ...elements('array_cat', b)]),
    array_append: ([a, e]) => [...elements('array_append', a), element('array_append', e)],
    array_prepend: ([e, a]) => [element('array_prepend', e), ...elements('array_prepend', a)],
    array_position: ([a, e, start]) => {
      if (a === null || start === null) return null;
      const arr = arrayArg('array_position', a!, fail);
      const from = start === undefined ? 1 : typeof start === 'number' ? start : fail('array_position expects an integer start');
      for (let i = Math.max(from, 1); i <= arr.length; i++) {
        const x = arr[i - 1]!;
        if (x === null ? e === null : e !== null && (isNumericString(x) || isNumericString(e) ? compareNumeric(x as NumericValue, e as NumericValue) : compareValues(x, e!)) === 0) return i;
      }
      return null;
    },
  };
}

/** array_to_string over its evaluated arguments (NULL array or separator: NULL). */
export function arrayToString(a: Value, sep: Value, nullText: Value | undefined, fail: Fail): Value {
  if (a === null || sep === null) return null;
  const parts: string[] = [];
  for (const e of arrayArg('array_to_string', a, fail)) {
    if (e === null) {
      if (nullText !== undefined && nullText !== null) parts.push(String(nullText));
    } else parts.push(elementText(e, '')!);
  }
  return parts.join(String(sep));
}

/** `x op ANY/ALL (array)` with Postgres' NULL semantics; `cmp` compares two non-NULL scalars. */
export function quantified(x: Value, a: Value, q: { op: string; all: boolean }, cmp: (p: Value, r: Value) => number, fail: Fail): Value {
  if (a === null) return null;
  const arr = arrayArg(q.all ? 'ALL' : 'ANY', a, fail);
  let sawNull = false;
  for (const e of arr) {
    if (x === null || e === null) {
      sawNull = true;
      continue;
    }
    const c = cmp(x, e);
    const r = q.op === '=' ? c === 0 : q.op === '<>' ? c !== 0 : q.op === '<' ? c < 0 : q.op === '<=' ? c <= 0 : q.op === '>' ? c > 0 : c >= 0;
    if (q.all ? !r : r) return !q.all;
  }
  return sawNull ? null : q.all;
}
