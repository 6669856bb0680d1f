/**
 * Evaluation of scalar expressions (`Expr`, plan.ts) over a row, with the SQL NULL semantics
 * documented there. `compileExpr` turns an expression into a closure once, so the per-row cost is
 * a few nested calls. Evaluation failures (a zero divisor, a failed cast, a type mismatch the
 * planner should have caught) throw `EvaluationError` (code `EvalError`); nothing else is thrown
 * for bad data. Compilation failures (a wrong number of arguments) throw `InvalidRequestError`.
 *
 * Evaluation order: strict functions evaluate all their arguments, left to right, then return
 * NULL if one is NULL; `and` / `or` stop at the first false / true argument, `coalesce` at the
 * first non-NULL one, `case` evaluates only the branch it takes.
 */
import { DefiniteError, InvalidRequestError, registerError, type Determinacy } from '../errors.js';
import type { Row, Value } from '../types.js';
import { bigOfInt, inIntRange, intOfText, intOutOfRange, intTextOutOfRange, intValue, type IntegerType } from '../int-range.js';
import type { Expr, ScalarFunction } from './plan.js';
import {
  addDecimal, compareNumeric, decimalFits, decimalOfValue, divDecimal, fitNumeric, floorDecimal, isNumericString, modDecimal, mulDecimal,
  numericOfFloat, numericOutOfRange, numericText, numericToFloat, numericValue, parseDecimal, roundDecimal, subDecimal, truncDecimal,
  type Decimal, type NumericValue,
} from '../numeric.js';
import { posixRegExp, RegexSyntaxError } from './posix-regex.js';
import { DATETIME_ARITY, datetimeFunctions } from './datetime-scalar.js';
import { TEXT_ARITY, textFunctions, type TextFunction } from './text-scalar.js';
import { NUMBER_ARITY, numberFunctions, type NumberFunction } from './number-scalar.js';
import { TIME_ARITY, timeFunctions, type TimeFunction } from './time-scalar.js';
import { ARRAY_ARITY, arrayFunctions, arrayToString, laxArrayFunctions, QUANTIFIED, quantified, type ArrayFunction } from './array-scalar.js';
import { compareValues } from './row.js';
import { compareJsonbValues, isJsonbValue } from '../jsonb.js';
import { JSONB_ARITY, JSONB_NOT_STRICT, jsonbFunctions, type JsonbFunction } from './jsonb-scalar.js';

/** The code of an expression evaluation failure. */
export const EVAL_ERROR = 'EvalError';

/** A scalar expression could not be evaluated on some row (e.g. division by zero). */
export class EvaluationError extends DefiniteError {
  override readonly name: string = 'EvaluationError';
  constructor(message: string, options: { determinacy?: Determinacy; details?: Record<string, unknown> } = {}) {
    super(EVAL_ERROR, message, options);
  }
}
registerError(EVAL_ERROR, (message, options) => new EvaluationError(message, options));

/** A compiled expression. */
export type CompiledExpr = (row: Row) => Value;

/** Evaluates `expr` over `row` (compiles it each time: prefer `compileExpr` in loops). */
export function evaluate(expr: Expr, row: Row): Value {
  return compileExpr(expr)(row);
}

const fail = (message: string): never => {
  throw new EvaluationError(message);
};

function typeName(v: Value): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'string' ? 'text' : typeof v === 'number' ? 'number' : 'bool';
}

/** A finite number, with -0 normalised to 0 (numeric has no -0); out-of-range results are errors, as in Postgres. */
function finite(r: number): number {
  if (r !== r || r === Infinity || r === -Infinity) fail('numeric value out of range');
  return r + 0;
}
/** A finite float8 result, -0 kept (IEEE arithmetic gives it, and Postgres prints it: `-0`). */
function finiteFloat(r: number): number {
  if (r !== r || r === Infinity || r === -Infinity) fail('numeric value out of range');
  return r;
}

/** A number argument; a numeric carried as a string is read as the nearest double (float functions). */
function numArg(fn: string, v: Value): number {
  if (typeof v !== 'number') {
    if (isNumericString(v)) return numericToFloat(v as string);
    fail(`${fn} expects a number, got ${typeName(v)}`);
  }
  return v as number;
}
/** A numeric argument (a number or a tagged string: protocol/numeric.ts). */
function decArg(fn: string, v: Value): Decimal {
  if (typeof v !== 'number' && !isNumericString(v)) fail(`${fn} expects a number, got ${typeName(v)}`);
  if (typeof v === 'number' && !Number.isFinite(v)) fail('numeric value out of range');
  return decimalOfValue(v as NumericValue);
}
function textArg(fn: string, v: Value): string {
  if (typeof v !== 'string') fail(`${fn} expects text, got ${typeName(v)}`);
  return v as string;
}
function intArg(fn: string, v: Value): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${fn} expects an integer, got ${String(v)}`);
  return v as number;
}

/** Compares two non-NULL values of one type (numbers, strings by code unit, false < true). */
function compare(fn: string, a: Value, b: Value): number {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (typeof a === 'string' && (isNumericString(a) || isNumericString(b)))) {
    // A numeric carried as a string against a number or another one: by decimal value (1.5 = 1.50).
    if ((typeof a === 'number' || isNumericString(a)) && (typeof b === 'number' || isNumericString(b))) return compareNumeric(a as NumericValue, b as NumericValue);
    fail(`cannot compare ${typeName(a)} with ${typeName(b)} (${fn})`);
  }
  // Arrays: element by element, a NULL element after every value, then the shorter first (Postgres' btarraycmp).
  if (Array.isArray(a)) return compareValues(a, b);
  // jsonb (protocol/jsonb.ts): Postgres' jsonb order, numbers by value ('1.0' = '1').
  if (isJsonbValue(a) && isJsonbValue(b)) return compareJsonbValues(a, b);
  if (a === b) return 0;
  // float NaN: equal to itself and above every other number, as Postgres orders it (float8_cmp_internal)
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return (a as number) < (b as number) ? -1 : 1;
}

function hasSurrogates(s: string): boolean {
  return /[\uD800-\uDFFF]/.test(s);
}
function codePointLength(s: string): number {
  return hasSurrogates(s) ? [...s].length : s.length;
}

/**
 * Upper or lower case, character by character as Postgres does: a character whose case mapping
 * is several characters in JS (ß -> SS, İ -> i̇) stays as it is.
 */
function changeCase(s: string, upper: boolean): string {
  const whole = upper ? s.toUpperCase() : s.toLowerCase();
  if (whole.length === s.length && !/[^\x00-\x7f]/.test(s)) return whole;
  let out = '';
  for (const c of s) {
    const m = upper ? c.toUpperCase() : c.toLowerCase();
    out += [...m].length === 1 ? m : c;
  }
  return out;
}

function toText(v: Value): string {
  if (typeof v === 'string') return isNumericString(v) ? numericText(v) : v;
  if (typeof v === 'number') return String(v);
  return v ? 'true' : 'false';
}

/** Postgres' substr: 1-based start, optional count, in characters (code points). */
function substr(s: string, start: number, count: number | undefined): string {
  if (count !== undefined && count < 0) fail('negative substring length not allowed');
  const end = count === undefined ? Infinity : start + count; // exclusive, 1-based
  const from = Math.max(start, 1);
  if (!hasSurrogates(s)) {
    const to = Math.min(end, s.length + 1);
    return to <= from ? '' : s.slice(from - 1, to - 1);
  }
  const chars = [...s];
  const to = Math.min(end, chars.length + 1);
  return to <= from ? '' : chars.slice(from - 1, to - 1).join('');
}

function position(sub: string, s: string): number {
  const at = s.indexOf(sub);
  if (at < 0) return 0;
  return codePointLength(s.slice(0, at)) + 1;
}

function trimSpaces(s: string, left: boolean, right: boolean): string {
  let i = 0;
  let j = s.length;
  if (left) while (i < j && s.charCodeAt(i) === 32) i++;
  if (right) while (j > i && s.charCodeAt(j - 1) === 32) j--;
  return s.slice(i, j);
}

const likeCache = new Map<string, RegExp>();
/** A SQL LIKE pattern (`%`, `_`, backslash escape) as an anchored regular expression. */
export function likeRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const cacheKey = (caseInsensitive ? 'i' : 'c') + pattern;
  const hit = likeCache.get(cacheKey);
  if (hit) return hit;
  let src = '^';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\') {
      if (i + 1 >= chars.length) fail('LIKE pattern must not end with escape character');
      src += escapeRegExp(chars[++i]!);
    } else if (c === '%') src += '[^]*';
    else if (c === '_') src += '[^]';
    else src += escapeRegExp(c);
  }
  const re = new RegExp(src + '$', caseInsensitive ? 'iu' : 'u');
  if (likeCache.size >= 1024) likeCache.clear();
  likeCache.set(cacheKey, re);
  return re;
}
/** A Postgres regular expression as a RegExp; an invalid one is an evaluation error. */
function regex(pattern: string, caseInsensitive: boolean): RegExp {
  try {
    return posixRegExp(pattern, caseInsensitive);
  } catch (e) {
    if (e instanceof RegexSyntaxError) return fail(e.message);
    // JavaScript's message names the translated pattern ("Invalid regular expression: /(/u: ..."): keep the reason.
    if (e instanceof SyntaxError) return fail(`invalid regular expression: ${e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')}`);
    throw e;
  }
}
function escapeRegExp(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? '\\' + c : c;
}

/** Rounds half away from zero to `digits` decimal places, on the shortest decimal form of x (floats; numerics: roundNumeric). */
function round(x: number, digits: number): number {
  if (digits === 0) return finite(Math.sign(x) * Math.round(Math.abs(x)));
  const shift = (v: number, d: number): number => {
    const [m, e] = String(v).split('e');
    return Number(`${m}e${Number(e ?? 0) + d}`);
  };
  const r = Math.round(shift(Math.abs(x), digits));
  return finite(Math.sign(x) * shift(r, -digits));
}

/**
 * A number truncated toward zero, a bool as 1 / 0, or text parsed as an integer. Its range is
 * the caller's `check_*`; only text past every integer type fails here, with its digits.
 */
function toInt(v: Value): number | string {
  if (typeof v === 'number') {
    if (v !== v || v === Infinity || v === -Infinity) fail('integer out of range');
    const n = Math.trunc(v);
    // An integral double past 2^53 is an exact integer: BigInt keeps every bit of it.
    return Number.isSafeInteger(n) ? n + 0 : intValue(BigInt(n));
  }
  if (isNumericString(v)) return intValue(truncDecimal(decimalOfValue(v as string), 0).mant);
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = trimSpaces(v as string, true, true);
  if (!/^[+-]?\d+$/.test(s)) fail(`invalid input syntax for type integer: "${v}"`);
  const n = intOfText(s, 'bigint');
  if (n === undefined) fail(intTextOutOfRange('bigint', s));
  return n!;
}

/** The range check of an integer type: `v` itself, or an out-of-range error. */
const checkInt = (type: IntegerType) => (v: Value): Value => {
  if (typeof v !== 'number' && !isNumericString(v)) fail(`check_${type} expects a number, got ${typeName(v)}`);
  if (!inIntRange(v, type)) fail(intOutOfRange(type, v));
  return v;
};

/** An integer operand (a number, or a bigint past 2^53 as a tagged string) as a BigInt. */
function bigArg(fn: string, v: Value): bigint {
  const n = bigOfInt(v);
  if (n === undefined) fail(`${fn} expects an integer, got ${String(v)}`);
  return n!;
}

/**
 * Integer arithmetic, exact over int8: on numbers when the result is a safe integer (a double
 * holds it exactly, so the double result is the exact one), else on BigInt. The range of the
 * result's type is the planner's `check_*` around it.
 */
const intArithmetic = (fn: string, onNumbers: (a: number, b: number) => number, onBig: (a: bigint, b: bigint) => bigint) => (a: Value, b: Value): Value => {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = onNumbers(a, b);
    if (Number.isSafeInteger(r)) return r + 0;
  }
  return intValue(onBig(bigArg(fn, a), bigArg(fn, b)));
};

function toFloat(v: Value): number {
  if (typeof v === 'number') return v;
  if (isNumericString(v)) return finite(numericToFloat(v as string));
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = trimSpaces(v as string, true, true);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) fail(`invalid input syntax for type float: "${v}"`);
  return finite(Number(s));
}

const TRUE_TEXT = new Set(['t', 'true', 'y', 'yes', 'on', '1']);
const FALSE_TEXT = new Set(['f', 'false', 'n', 'no', 'off', '0']);
function toBool(v: Value): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  const s = trimSpaces(v as string, true, true).toLowerCase();
  if (TRUE_TEXT.has(s)) return true;
  if (FALSE_TEXT.has(s)) return false;
  return fail(`invalid input syntax for type boolean: "${v}"`);
}

/** The arities each function accepts: [min, max]. */
const ARITY: Record<ScalarFunction, [number, number]> = {
  '+': [2, 2], '-': [2, 2], '*': [2, 2], '/': [2, 2], div_int: [2, 2], '%': [2, 2], neg: [1, 1],
  add_int: [2, 2], sub_int: [2, 2], mul_int: [2, 2], mod_int: [2, 2],
  '=': [2, 2], '<>': [2, 2], '<': [2, 2], '<=': [2, 2], '>': [2, 2], '>=': [2, 2],
  and: [2, Infinity], or: [2, Infinity], not: [1, 1],
  is_null: [1, 1], is_not_null: [1, 1], coalesce: [1, Infinity], nullif: [2, 2],
  lower: [1, 1], upper: [1, 1], length: [1, 1], trim: [1, 1], ltrim: [1, 1], rtrim: [1, 1],
  concat: [0, Infinity], '||': [2, 2], substr: [2, 3], replace: [3, 3], position: [2, 2],
  like: [2, 2], ilike: [2, 2], starts_with: [2, 2], regex_match: [2, 2], regex_imatch: [2, 2],
  abs: [1, 1], floor: [1, 1], ceil: [1, 1], round: [1, 2], sqrt: [1, 1], exp: [1, 1], ln: [1, 1],
  power: [2, 2], greatest: [1, Infinity], least: [1, Infinity],
  to_int: [1, 1], to_float: [1, 1], to_text: [1, 1], to_bool: [1, 1], numeric_text: [1, 1],
  check_smallint: [1, 1], check_int: [1, 1], check_bigint: [1, 1], round_even: [1, 1],
  add_numeric: [2, 2], sub_numeric: [2, 2], mul_numeric: [2, 2], div_numeric: [2, 2], mod_numeric: [2, 2],
  to_numeric: [1, 1], check_numeric: [1, 1], fit_numeric: [3, 3], check_varchar: [2, 2],
  round_numeric: [1, 2], trunc_numeric: [1, 2],
  ...(DATETIME_ARITY as Record<keyof typeof DATETIME_ARITY, [number, number]>),
  ...(TEXT_ARITY as Record<TextFunction, [number, number]>),
  ...(NUMBER_ARITY as Record<NumberFunction, [number, number]>),
  ...(TIME_ARITY as Record<TimeFunction, [number, number]>),
  ...(ARRAY_ARITY as Record<keyof typeof ARRAY_ARITY, [number, number]>),
  ...(JSONB_ARITY as Record<JsonbFunction, [number, number]>),
};

const DATETIME = datetimeFunctions(fail);
const TEXT = textFunctions(fail);
const NUMBER = numberFunctions(fail);
const TIME = timeFunctions(fail);
const LAX_ARRAYS = laxArrayFunctions(fail);
const ARRAYS = arrayFunctions(fail);
const JSONB = jsonbFunctions(fail);

/** varchar(n)'s assignment check, as Postgres: excess spaces are cut, other excess is 22001. */
export function checkVarchar(s: string, n: number): string {
  if (s.length <= n || codePointLength(s) <= n) return s;
  const chars = [...s];
  if (chars.slice(n).every((c) => c === ' ')) return chars.slice(0, n).join('');
  return fail(`value too long for type character varying(${n})`);
}

/** A numeric result as its value, or 22003 past Postgres' numeric limits. */
function held(d: Decimal): NumericValue {
  if (!decimalFits(d)) fail(numericOutOfRange());
  return numericValue(d);
}

/** A float as numeric (15 significant digits, as Postgres), or text read exactly (at its scale). */
function toNumeric(v: Value): NumericValue {
  if (typeof v === 'number') return numericOfFloat(finite(v));
  if (typeof v !== 'string') fail(`to_numeric expects a number or text, got ${typeName(v)}`);
  if (isNumericString(v)) return v as string;
  const d = parseDecimal(v as string);
  if (!d) fail(`invalid input syntax for type numeric: "${v}"`);
  return held(d!);
}

/** round / trunc of a numeric to `digits` places (Postgres: display scale max(digits, 0)). */
function roundNumeric(v: Value, digits: Value, trunc: boolean): NumericValue {
  const n = intArg(trunc ? 'trunc' : 'round', digits);
  const d = decArg(trunc ? 'trunc' : 'round', v);
  const k = Math.max(-MAX_DIGITS_ARG, Math.min(MAX_DIGITS_ARG, n));
  return held(trunc ? truncDecimal(d, k) : roundDecimal(d, k));
}
const MAX_DIGITS_ARG = 16383;

/** `-v` (or `abs(v)`) of a numeric carried as a string, at its scale. */
function negated(v: string, abs: boolean): NumericValue {
  const d = decArg(abs ? 'abs' : 'neg', v);
  return numericValue({ mant: abs && d.mant < 0n ? -d.mant : abs ? d.mant : -d.mant, scale: d.scale });
}

/** Strict functions of one argument: NULL in, NULL out. */
const UNARY: Partial<Record<ScalarFunction, (a: Value) => Value>> = {
  ...DATETIME.unary,
  ...ARRAYS.unary,
  neg: (a) => (typeof a === 'string' ? negated(a, false) : finite(-numArg('neg', a))),
  not: (a) => {
    if (typeof a !== 'boolean') fail(`not expects a bool, got ${typeName(a)}`);
    return !a;
  },
  lower: (a) => changeCase(textArg('lower', a), false),
  upper: (a) => changeCase(textArg('upper', a), true),
  length: (a) => codePointLength(textArg('length', a)),
  trim: (a) => trimSpaces(textArg('trim', a), true, true),
  ltrim: (a) => trimSpaces(textArg('ltrim', a), true, false),
  rtrim: (a) => trimSpaces(textArg('rtrim', a), false, true),
  abs: (a) => (typeof a === 'string' ? negated(a, true) : Math.abs(numArg('abs', a))),
  floor: (a) => (typeof a === 'string' ? held(floorDecimal(decArg('floor', a), false)) : finite(Math.floor(numArg('floor', a)))),
  ceil: (a) => (typeof a === 'string' ? held(floorDecimal(decArg('ceil', a), true)) : finite(Math.ceil(numArg('ceil', a)))),
  round: (a) => (typeof a === 'string' ? held(roundDecimal(decArg('round', a), 0)) : round(numArg('round', a), 0)),
  round_numeric: (a) => roundNumeric(a, 0, false),
  trunc_numeric: (a) => roundNumeric(a, 0, true),
  sqrt: (a) => {
    const x = numArg('sqrt', a);
    if (x < 0) fail('cannot take square root of a negative number');
    return Math.sqrt(x);
  },
  exp: (a) => finite(Math.exp(numArg('exp', a))),
  ln: (a) => {
    const x = numArg('ln', a);
    if (x === 0) fail('cannot take logarithm of zero');
    if (x < 0) fail('cannot take logarithm of a negative number');
    return finite(Math.log(x));
  },
  to_int: toInt,
  to_float: toFloat,
  to_text: toText,
  numeric_text: (a) => (typeof a === 'number' || isNumericString(a) ? numericText(a as NumericValue) : toText(a)),
  to_bool: toBool,
  check_smallint: checkInt('smallint'),
  check_int: checkInt('int'),
  check_bigint: checkInt('bigint'),
  to_numeric: toNumeric,
  check_numeric: (a) => (isNumericString(a) ? a : numArg('check_numeric', a)),
  round_even: (a) => {
    const x = numArg('round_even', a);
    const r = Math.round(x);
    return finiteFloat(r - x === 0.5 && r % 2 !== 0 ? r - 1 : r);
  },
};

/** Strict functions of two arguments: NULL if either is NULL. */
const BINARY: Partial<Record<ScalarFunction, (a: Value, b: Value) => Value>> = {
  ...DATETIME.binary,
  ...ARRAYS.binary,
  // The float operators (the planner picks *_int / *_numeric for the other number types).
  '+': (a, b) => finiteFloat(numArg('+', a) + numArg('+', b)),
  '-': (a, b) => finiteFloat(numArg('-', a) - numArg('-', b)),
  '*': (a, b) => finiteFloat(numArg('*', a) * numArg('*', b)),
  '/': (a, b) => {
    const x = numArg('/', a);
    const y = numArg('/', b);
    if (y === 0) fail('division by zero');
    return finiteFloat(x / y);
  },
  add_int: intArithmetic('+', (x, y) => x + y, (x, y) => x + y),
  sub_int: intArithmetic('-', (x, y) => x - y, (x, y) => x - y),
  mul_int: intArithmetic('*', (x, y) => x * y, (x, y) => x * y),
  div_int: (a, b) => {
    if (typeof a === 'number' && typeof b === 'number' && Math.abs(a) <= 4294967296) {
      // |a| <= 2^32: the double quotient truncates to the exact one.
      if (b === 0) fail('division by zero');
      return finite(Math.trunc(a / b)) + 0;
    }
    const y = bigArg('/', b);
    if (y === 0n) fail('division by zero');
    return intValue(bigArg('/', a) / y);
  },
  mod_int: (a, b) => {
    const y = bigArg('%', b);
    if (y === 0n) fail('division by zero');
    if (typeof a === 'number' && typeof b === 'number') return (a % b) + 0;
    return intValue(bigArg('%', a) % y);
  },
  '%': (a, b) => {
    const x = numArg('%', a);
    const y = numArg('%', b);
    if (y === 0) fail('division by zero');
    return finite(x % y);
  },
  '=': (a, b) => compare('=', a, b) === 0,
  '<>': (a, b) => compare('<>', a, b) !== 0,
  '<': (a, b) => compare('<', a, b) < 0,
  '<=': (a, b) => compare('<=', a, b) <= 0,
  '>': (a, b) => compare('>', a, b) > 0,
  '>=': (a, b) => compare('>=', a, b) >= 0,
  '||': (a, b) => toText(a) + toText(b),
  position: (a, b) => position(textArg('position', a), textArg('position', b)),
  like: (a, b) => likeRegExp(textArg('like', b), false).test(textArg('like', a)),
  ilike: (a, b) => likeRegExp(textArg('ilike', b), true).test(textArg('ilike', a)),
  starts_with: (a, b) => textArg('starts_with', a).startsWith(textArg('starts_with', b)),
  regex_match: (a, b) => regex(textArg('regex_match', b), false).test(textArg('regex_match', a)),
  regex_imatch: (a, b) => regex(textArg('regex_imatch', b), true).test(textArg('regex_imatch', a)),
  power: (a, b) => {
    const x = numArg('power', a);
    const y = numArg('power', b);
    if (x === 0 && y < 0) fail('zero raised to a negative power is undefined');
    if (x < 0 && !Number.isInteger(y)) fail('a negative number raised to a non-integer power yields a complex result');
    return finite(Math.pow(x, y));
  },
  round: (a, b) => round(numArg('round', a), intArg('round', b)),
  round_numeric: (a, b) => roundNumeric(a, b, false),
  trunc_numeric: (a, b) => roundNumeric(a, b, true),
  add_numeric: (a, b) => {
    if (typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a) && Number.isSafeInteger(b)) {
      const r = a + b;
      if (Number.isSafeInteger(r)) return r + 0;
    }
    return held(addDecimal(decArg('+', a), decArg('+', b)));
  },
  sub_numeric: (a, b) => {
    if (typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a) && Number.isSafeInteger(b)) {
      const r = a - b;
      if (Number.isSafeInteger(r)) return r + 0;
    }
    return held(subDecimal(decArg('-', a), decArg('-', b)));
  },
  mul_numeric: (a, b) => {
    if (typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a) && Number.isSafeInteger(b)) {
      const r = a * b;
      if (Number.isSafeInteger(r)) return r + 0;
    }
    return held(mulDecimal(decArg('*', a), decArg('*', b)));
  },
  div_numeric: (a, b) => {
    const x = decArg('/', a);
    const y = decArg('/', b);
    if (y.mant === 0n) fail('division by zero');
    return held(divDecimal(x, y));
  },
  mod_numeric: (a, b) => {
    const x = decArg('%', a);
    const y = decArg('%', b);
    if (y.mant === 0n) fail('division by zero');
    return held(modDecimal(x, y));
  },
  substr: (a, b) => substr(textArg('substr', a), intArg('substr', b), undefined),
  check_varchar: (a, b) => checkVarchar(textArg('check_varchar', a), intArg('check_varchar', b)),
};

/** Compiles `expr` to a closure over rows. Throws InvalidRequestError for a malformed call. */
export function compileExpr(expr: Expr): CompiledExpr {
  switch (expr.op) {
    case 'col': {
      const i = expr.index;
      return (row) => {
        const v = row[i];
        if (v === undefined) fail(`column ${i} out of range (row of ${row.length} columns)`);
        return v as Value;
      };
    }
    case 'lit': {
      const v = expr.value;
      return () => v;
    }
    case 'case': {
      const whens = expr.whens.map((w) => ({ when: compileExpr(w.when), then: compileExpr(w.then) }));
      const otherwise = compileExpr(expr.else);
      return (row) => {
        for (const w of whens) if (w.when(row) === true) return w.then(row);
        return otherwise(row);
      };
    }
    case 'call':
      return compileCall(expr.fn, expr.args);
  }
}

function compileCall(fn: ScalarFunction, argExprs: Expr[]): CompiledExpr {
  const arity = ARITY[fn];
  if (!arity) throw new InvalidRequestError(`unknown scalar function ${String(fn)}`);
  if (argExprs.length < arity[0] || argExprs.length > arity[1]) {
    const want = arity[0] === arity[1] ? `${arity[0]}` : arity[1] === Infinity ? `at least ${arity[0]}` : `${arity[0]} to ${arity[1]}`;
    throw new InvalidRequestError(`function ${fn} takes ${want} arguments, got ${argExprs.length}`);
  }
  const args = argExprs.map(compileExpr);
  const n = args.length;
  switch (fn) {
    case 'and':
      return (row) => {
        let sawNull = false;
        for (let i = 0; i < n; i++) {
          const v = args[i]!(row);
          if (v === false) return false;
          if (v === null) sawNull = true;
          else if (v !== true) fail(`and expects bools, got ${typeName(v)}`);
        }
        return sawNull ? null : true;
      };
    case 'or':
      return (row) => {
        let sawNull = false;
        for (let i = 0; i < n; i++) {
          const v = args[i]!(row);
          if (v === true) return true;
          if (v === null) sawNull = true;
          else if (v !== false) fail(`or expects bools, got ${typeName(v)}`);
        }
        return sawNull ? null : false;
      };
    case 'is_null': {
      const a = args[0]!;
      return (row) => a(row) === null;
    }
    case 'is_not_null': {
      const a = args[0]!;
      return (row) => a(row) !== null;
    }
    case 'coalesce':
      return (row) => {
        for (let i = 0; i < n; i++) {
          const v = args[i]!(row);
          if (v !== null) return v;
        }
        return null;
      };
    case 'nullif': {
      const [a, b] = args as [CompiledExpr, CompiledExpr];
      return (row) => {
        const x = a(row);
        const y = b(row);
        if (x === null || y === null) return x;
        return compare('nullif', x, y) === 0 ? null : x;
      };
    }
    case 'concat':
      return (row) => {
        let s = '';
        for (let i = 0; i < n; i++) {
          const v = args[i]!(row);
          if (v !== null) s += toText(v);
        }
        return s;
      };
    case 'greatest':
    case 'least': {
      const sign = fn === 'greatest' ? 1 : -1;
      return (row) => {
        let best: Value = null;
        for (let i = 0; i < n; i++) {
          const v = args[i]!(row);
          if (v !== null && (best === null || sign * compare(fn, v, best) > 0)) best = v;
        }
        return best;
      };
    }
    case 'substr':
      if (n === 3) {
        const [a, b, c] = args as [CompiledExpr, CompiledExpr, CompiledExpr];
        return (row) => {
          const s = a(row);
          const start = b(row);
          const count = c(row);
          if (s === null || start === null || count === null) return null;
          return substr(textArg('substr', s), intArg('substr', start), intArg('substr', count));
        };
      }
      break;
    case 'fit_numeric': {
      const [a, p, sc] = args as [CompiledExpr, CompiledExpr, CompiledExpr];
      return (row) => {
        const x = a(row);
        const precision = p(row);
        const scale = sc(row);
        if (x === null || precision === null || scale === null) return null;
        if (typeof x !== 'number' && !isNumericString(x)) fail(`fit_numeric expects a number, got ${typeName(x)}`);
        if (typeof x === 'number' && !Number.isFinite(x)) fail('numeric value out of range');
        const fitted = fitNumeric(x as NumericValue, intArg('fit_numeric', precision), intArg('fit_numeric', scale));
        if (!fitted.ok) fail(`${fitted.message}: ${fitted.detail}`);
        return (fitted as { value: NumericValue }).value;
      };
    }
    case 'replace': {
      const [a, b, c] = args as [CompiledExpr, CompiledExpr, CompiledExpr];
      return (row) => {
        const s = a(row);
        const from = b(row);
        const to = c(row);
        if (s === null || from === null || to === null) return null;
        const text = textArg('replace', s);
        const f = textArg('replace', from);
        return f === '' ? text : text.split(f).join(textArg('replace', to));
      };
    }
    case 'array':
      return (row) => args.map((a) => {
        const v = a(row);
        if (Array.isArray(v)) fail('multidimensional arrays are not supported');
        return v as Exclude<Value, unknown[]>;
      });
    case 'array_to_string': {
      const [a, b, c] = args as [CompiledExpr, CompiledExpr, CompiledExpr | undefined];
      return (row) => arrayToString(a(row), b(row), c?.(row), fail);
    }
    default:
      break;
  }
  const j = JSONB[fn as JsonbFunction];
  if (j && JSONB_NOT_STRICT.has(fn)) return (row) => j(args.map((a) => a(row)));
  const strict = TEXT[fn as TextFunction] ?? NUMBER[fn as NumberFunction] ?? TIME[fn as TimeFunction] ?? j;
  if (strict) {
    return (row) => {
      const values = new Array<Value>(n);
      for (let i = 0; i < n; i++) {
        const v = args[i]!(row);
        if (v === null) return null;
        values[i] = v;
      }
      return strict(values);
    };
  }
  const lax = LAX_ARRAYS[fn as ArrayFunction];
  if (lax) return (row) => lax(args.map((a) => a(row)));
  const q = QUANTIFIED[fn as keyof typeof QUANTIFIED];
  if (q) {
    const [a, b] = args as [CompiledExpr, CompiledExpr];
    return (row) => quantified(a(row), b(row), q, (x, y) => compare(fn, x, y), fail);
  }
  if (n === 1) {
    const f = UNARY[fn];
    if (f) {
      const a = args[0]!;
      return (row) => {
        const x = a(row);
        return x === null ? null : f(x);
      };
    }
  }
  if (n === 2) {
    const f = BINARY[fn];
    if (f) {
      const [a, b] = args as [CompiledExpr, CompiledExpr];
      return (row) => {
        const x = a(row);
        const y = b(row);
        return x === null || y === null ? null : f(x, y);
      };
    }
  }
  throw new InvalidRequestError(`function ${fn} cannot take ${n} arguments`);
}
