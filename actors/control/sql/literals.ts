/**
 * Literal values at plan time: the numeric constants of the grammar, and quoted strings read as
 * a type (`'5'` compared with an int, `TIMESTAMP '2024-01-01 10:00'`, `'t'::bool`). Parsing
 * follows Postgres' input syntax for each type; a bad literal is SQLSTATE 22P02. Timestamps are
 * read as UTC and become milliseconds since the epoch (a UTC offset in a timestamptz literal is
 * applied, in a timestamp literal ignored, as Postgres does).
 */
import { inIntRange, intOfText, intTextOutOfRange, type IntegerType } from '../../../protocol/int-range.js';
import { SqlState } from '../../../protocol/control/errors.js';
import { decimalFits, numericOutOfRange, numericValue, parseDecimal, type NumericValue } from '../../../protocol/numeric.js';
import type { ColumnType, Value } from '../../../protocol/types.js';
import { MoreSqlState, type PlanContext } from './context.js';
import { parseArrayText } from '../../../protocol/array.js';
import { JsonbInputError, jsonbValue, parseJsonb } from '../../../protocol/jsonb.js';
import { encodeInterval, INTERVAL_FULL_RANGE, parseDate, parseInterval } from '../../../protocol/datetime.js';
import { parseTimestampText } from '../../../protocol/compute/datetime-scalar.js';
import { parseTimeText } from '../../../protocol/time-text.js';

const TYPE_LABEL: Record<ColumnType, string> = {
  smallint: 'smallint', int: 'integer', bigint: 'bigint', float: 'double precision', numeric: 'numeric', text: 'text', bool: 'boolean', timestamp: 'timestamp without time zone', timestamptz: 'timestamp with time zone', time: 'time without time zone', date: 'date', interval: 'interval', real: 'real', jsonb: 'jsonb',
  'bool[]': 'boolean[]', 'smallint[]': 'smallint[]', 'int[]': 'integer[]', 'bigint[]': 'bigint[]', 'float[]': 'double precision[]', 'numeric[]': 'numeric[]', 'text[]': 'text[]',
};

/** Postgres' name of a type in messages (`integer`, `text[]`). */
export function typeLabel(type: ColumnType): string {
  return TYPE_LABEL[type];
}

const TRUE_WORDS = ['true', 'yes', 'on', '1'];
const FALSE_WORDS = ['false', 'no', 'off', '0'];

/** Reads `text` as a value of `type`, or throws 22P02. */
export function parseLiteral(text: string, type: ColumnType, ctx: PlanContext, location?: number, intervalRange = INTERVAL_FULL_RANGE): Value {
  const bad = () => ctx.error(MoreSqlState.InvalidTextRepresentation, `invalid input syntax for type ${TYPE_LABEL[type]}: "${text}"`, location);
  const s = text.trim();
  switch (type) {
    case 'text':
      return text;
    case 'jsonb':
      try {
        return jsonbValue(parseJsonb(text));
      } catch (e) {
        if (e instanceof JsonbInputError) throw ctx.error(e.code, e.message, location, e.detail);
        throw e;
      }
    case 'smallint':
    case 'int':
    case 'bigint': {
      if (!/^[+-]?[0-9]+$/.test(s)) throw bad();
      const n = intOfText(s, type);
      if (n === undefined) throw ctx.error(SqlState.NumericValueOutOfRange, intTextOutOfRange(type, s), location);
      return n;
    }
    case 'float':
    case 'real':
    case 'numeric': {
      const lower = s.toLowerCase();
      if (type !== 'numeric' && (lower === 'nan' || lower === 'infinity' || lower === '+infinity' || lower === '-infinity')) {
        return lower === 'nan' ? NaN : lower.startsWith('-') ? -Infinity : Infinity;
      }
      if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$/i.test(s)) throw bad();
      if (type === 'numeric') return exactNumeric(s, ctx, location);
      const x = type === 'real' ? Math.fround(Number(s)) : Number(s);
      if (!Number.isFinite(x)) throw ctx.error(SqlState.NumericValueOutOfRange, `"${s}" is out of range for type ${TYPE_LABEL[type]}`, location);
      if (type === 'real' && x === 0 && /[1-9]/.test(s.replace(/e.*$/i, ''))) throw ctx.error(SqlState.NumericValueOutOfRange, `"${s}" is out of range for type real`, location);
      return x;
    }
    case 'bool': {
      const lower = s.toLowerCase();
      if (lower.length > 0 && TRUE_WORDS.some((w) => w.startsWith(lower) && (lower.length > 1 || w !== 'on'))) return true;
      if (lower.length > 0 && FALSE_WORDS.some((w) => w.startsWith(lower) && (lower.length > 1 || w !== 'off'))) return false;
      throw bad();
    }
    case 'timestamp':
    case 'timestamptz': {
      const t = parseTimestampText(text, type === 'timestamptz');
      if (typeof t !== 'number') throw ctx.error(t.code, t.message, location);
      return t;
    }
    case 'time': {
      const t = parseTimeText(text);
      if (typeof t !== 'number') throw ctx.error(t.code, t.message, location);
      return t;
    }
    case 'date': {
      const d = parseDate(text);
      if (typeof d !== 'number') throw ctx.error(d.code, d.message, location);
      return d;
    }
    case 'interval': {
      const i = parseInterval(text, intervalRange);
      if ('code' in i) throw ctx.error(i.code, i.message, location);
      return encodeInterval(i);
    }
    default: {
      // An array literal: '{1,2,NULL}', each element read as the element type.
      const element = type.slice(0, -2) as ColumnType;
      const parsed = parseArrayText(text);
      if (!parsed.ok && parsed.detail.startsWith('Multidimensional')) throw ctx.unsupported('multidimensional arrays', location, 'definite has one-dimensional arrays');
      if (!parsed.ok) throw ctx.error(MoreSqlState.InvalidTextRepresentation, `malformed array literal: "${text}"`, location, `${parsed.detail}`);
      return parsed.elements.map((e) => (e === null ? null : (parseLiteral(e, element, ctx, location) as Exclude<Value, unknown[]>)));
    }
  }
}

/** The type of an integer constant, as Postgres types it: int if it fits int4, else bigint. */
export function integerConstantType(value: number): IntegerType {
  return inIntRange(value, 'int') ? 'int' : 'bigint';
}

/**
 * A numeric constant of the grammar (`ival` or the text of an `fval`), typed as Postgres types
 * it: integers that fit int4 are int, those that fit int8 bigint (past ±(2^53 - 1) a tagged
 * string of its digits, protocol/int-range.ts); anything with a fraction or exponent, or past
 * int8, is numeric.
 */
export function numericConstant(text: string, ctx: PlanContext, location?: number): { value: NumericValue; type: 'int' | 'bigint' | 'numeric' } {
  const value = Number(text);
  if (/^[+-]?[0-9]+$/.test(text)) {
    if (Number.isSafeInteger(value)) return { value, type: inIntRange(value, 'int') ? 'int' : 'bigint' };
    const big = intOfText(text, 'bigint');
    if (big !== undefined) return { value: big, type: 'bigint' };
  }
  return { value: exactNumeric(text, ctx, location), type: 'numeric' };
}

/** Decimal text as a numeric value, exactly and at its scale, or 22003 past numeric's limits. */
export function exactNumeric(text: string, ctx: PlanContext, location?: number): NumericValue {
  const d = parseDecimal(text);
  if (!d) throw ctx.error(MoreSqlState.InvalidTextRepresentation, `invalid input syntax for type numeric: "${text}"`, location);
  if (!decimalFits(d)) throw ctx.error(SqlState.NumericValueOutOfRange, numericOutOfRange(), location);
  return numericValue(d);
}

