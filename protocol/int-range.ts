/**
 * The integer types' ranges and their out-of-range messages, shared by the planner (literals,
 * casts), COMPUTE (the `check_*` functions of compute/scalar.ts) and STORAGE (batch validation).
 * `smallint` and `int` are Postgres' int2 and int4. `bigint` is int8 limited to the integers a JS
 * number holds exactly, ±(2^53 - 1): a value past that is an error naming it, never a rounded
 * number (docs/sql.md, "Numbers").
 */

export type IntegerType = 'smallint' | 'int' | 'bigint';

/** Inclusive bounds of each integer type. */
export const INT_RANGE: Record<IntegerType, readonly [number, number]> = {
  smallint: [-32768, 32767],
  int: [-2147483648, 2147483647],
  bigint: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** Postgres' word for each integer type in its messages. */
export const INT_LABEL: Record<IntegerType, string> = { smallint: 'smallint', int: 'integer', bigint: 'bigint' };

/** Postgres' bigint bounds (int8), for telling "out of range" from "past definite's limit". */
const PG_INT8_MIN = -(2n ** 63n);
const PG_INT8_MAX = 2n ** 63n - 1n;

export function isIntegerType(t: string | null | undefined): t is IntegerType {
  return t === 'smallint' || t === 'int' || t === 'bigint';
}

/** True when `v` is an integer within `type`'s range. */
export function inIntRange(v: number, type: IntegerType): boolean {
  const [lo, hi] = INT_RANGE[type];
  return Number.isInteger(v) && v >= lo && v <= hi;
}

/**
 * The message for a computed value outside `type`: Postgres' "integer out of range", with
 * definite's bigint limit spelled out when the value would fit Postgres' int8.
 */
export function intOutOfRange(type: IntegerType, v?: number): string {
  if (type === 'bigint' && v !== undefined && Number.isFinite(v) && Math.abs(v) < 2 ** 63) {
    return `bigint out of range (definite's bigint holds ${INT_RANGE.bigint[0]} to ${INT_RANGE.bigint[1]})`;
  }
  return `${INT_LABEL[type]} out of range`;
}

/**
 * The message for the integer written `digits` (exactly as written) outside `type`: Postgres'
 * `value "..." is out of range for type integer`, with definite's bigint limit when Postgres'
 * int8 would hold it.
 */
export function intTextOutOfRange(type: IntegerType, digits: string): string {
  let big: bigint | undefined;
  try {
    big = BigInt(digits.trim());
  } catch {
    big = undefined;
  }
  const pgWouldHold = type === 'bigint' && big !== undefined && big >= PG_INT8_MIN && big <= PG_INT8_MAX;
  return `value "${digits}" is out of range for type ${INT_LABEL[type]}` + (pgWouldHold ? ` (definite's bigint holds ${INT_RANGE.bigint[0]} to ${INT_RANGE.bigint[1]})` : '');
}

/** Whether an evaluation error message is a numeric overflow (SQLSTATE 22003). */
export function isOutOfRangeMessage(message: string): boolean {
  return /^(smallint|integer|bigint|numeric value) out of range|^value ".*" is out of range for type|^numeric field overflow|^value overflows numeric format/i.test(message);
}
