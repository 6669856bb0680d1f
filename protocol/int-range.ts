/**
 * The integer types' ranges and their out-of-range messages, shared by the planner (literals,
 * casts), COMPUTE (the `check_*` and `*_int` functions of compute/scalar.ts) and STORAGE (batch
 * validation). `smallint`, `int` and `bigint` are Postgres' int2, int4 and int8, over their whole
 * ranges. An int8 value has the one form the same integer has as a numeric (protocol/numeric.ts):
 * a JS number when the double is exactly that integer and prints as it (every integer within
 * ±(2^53 - 1), and e.g. 9007199254740994 or 2^62), else a string of NUL then its digits
 * (`"\u00009007199254740993"`), so no value is ever a rounded double; arithmetic whose result is
 * past the safe range runs on BigInt (docs/sql.md, "Numbers").
 */
import { numericValue } from './numeric.js';

export type IntegerType = 'smallint' | 'int' | 'bigint';

/** Inclusive bounds of smallint and int, and of the integers a double holds exactly (bigint goes on past them). */
export const INT_RANGE: Record<IntegerType, readonly [number, number]> = {
  smallint: [-32768, 32767],
  int: [-2147483648, 2147483647],
  bigint: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** Postgres' word for each integer type in its messages. */
export const INT_LABEL: Record<IntegerType, string> = { smallint: 'smallint', int: 'integer', bigint: 'bigint' };

/** Postgres' bigint bounds (int8). */
export const INT8_MIN = -(2n ** 63n);
export const INT8_MAX = 2n ** 63n - 1n;
const SAFE = 9007199254740991n;

export function isIntegerType(t: string | null | undefined): t is IntegerType {
  return t === 'smallint' || t === 'int' || t === 'bigint';
}

/** The one value of the integer `n` (its numeric form): a number when a double is exactly it, else NUL and its digits. */
export function intValue(n: bigint): number | string {
  return n >= -SAFE && n <= SAFE ? Number(n) + 0 : numericValue({ mant: n, scale: 0 });
}

/** The integer an integer value holds (a number that is an integer, or a tagged string of digits), else undefined. */
export function bigOfInt(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'string' && v.charCodeAt(0) === 0 && /^\u0000-?\d+$/.test(v)) return BigInt(v.slice(1));
  return undefined;
}

/** True when `v` is an integer within `type`'s range, in its one form (`intValue`). */
export function inIntRange(v: unknown, type: IntegerType): boolean {
  if (typeof v === 'number') {
    if (type === 'bigint') return Number.isInteger(v) && v >= -9223372036854775808 && v < 9223372036854775808;
    const [lo, hi] = INT_RANGE[type];
    return Number.isInteger(v) && v >= lo && v <= hi;
  }
  if (type !== 'bigint' || typeof v !== 'string' || v.charCodeAt(0) !== 0 || !/^\u0000-?[1-9]\d*$/.test(v)) return false;
  const n = BigInt(v.slice(1));
  return n >= INT8_MIN && n <= INT8_MAX && intValue(n) === v;
}

/** The message for a computed value outside `type`: Postgres' "integer out of range". */
export function intOutOfRange(type: IntegerType, _v?: unknown): string {
  return `${INT_LABEL[type]} out of range`;
}

/** The message for the integer written `digits` (exactly as written) outside `type`, as Postgres': `value "..." is out of range for type integer`. */
export function intTextOutOfRange(type: IntegerType, digits: string): string {
  return `value "${digits}" is out of range for type ${INT_LABEL[type]}`;
}

/**
 * The integer text `s` (`[+-]digits`, trimmed) as a value of `type`, or undefined when it is past
 * the type's range. Exact: no double is involved past the safe range.
 */
export function intOfText(s: string, type: IntegerType): number | string | undefined {
  const n = BigInt(s);
  const [lo, hi] = type === 'bigint' ? [INT8_MIN, INT8_MAX] : [BigInt(INT_RANGE[type][0]), BigInt(INT_RANGE[type][1])];
  return n < lo || n > hi ? undefined : intValue(n);
}

/** Whether an evaluation error message is a numeric overflow (SQLSTATE 22003). */
export function isOutOfRangeMessage(message: string): boolean {
  return /^(smallint|integer|bigint|numeric value) out of range|^value ".*" is out of range for type|^numeric field overflow|^value overflows numeric format/i.test(message);
}
