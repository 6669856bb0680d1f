/**
 * Postgres types of definite's column types (OID, size) and the encoding of values in the text and
 * binary formats. definite's `int` is reported as int4 (the type of an `int` column), `float` as
 * float8, `numeric` as numeric, `timestamp` (milliseconds since the epoch, UTC) as timestamp
 * without time zone, `date` as date (1082), `interval` as interval (1186; protocol/datetime.ts), `jsonb` as jsonb (3802; protocol/jsonb.ts). A type
 * this table does not know is reported as text.
 */
import type { Value } from '../../../protocol/types.js';
import { formatArray } from '../../../protocol/array.js';
import { isJsonbValue } from '../../../protocol/jsonb.js';
import { SqlError, SqlState } from '../../../protocol/control/errors.js';
import { decodeInterval, formatDate, formatInterval } from '../../../protocol/datetime.js';

export const Oid = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  float4: 700,
  float8: 701,
  unknown: 705,
  varchar: 1043,
  bpchar: 1042,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  jsonb: 3802,
} as const;

interface PgType {
  oid: number;
  size: number;
}

const TYPES: Record<string, PgType> = {
  bool: { oid: Oid.bool, size: 1 },
  smallint: { oid: Oid.int2, size: 2 },
  int: { oid: Oid.int4, size: 4 },
  bigint: { oid: Oid.int8, size: 8 },
  float: { oid: Oid.float8, size: 8 },
  real: { oid: Oid.float4, size: 4 },
  numeric: { oid: Oid.numeric, size: -1 },
  text: { oid: Oid.text, size: -1 },
  timestamp: { oid: Oid.timestamp, size: 8 },
  timestamptz: { oid: Oid.timestamptz, size: 8 },
  time: { oid: 1083, size: 8 },
  date: { oid: Oid.date, size: 4 },
  interval: { oid: Oid.interval, size: 16 },
  jsonb: { oid: Oid.jsonb, size: -1 },
  // One-dimensional arrays (Postgres' _bool, _int2, _int4, _int8, _float8, _numeric, _text).
  'bool[]': { oid: 1000, size: -1 },
  'smallint[]': { oid: 1005, size: -1 },
  'int[]': { oid: 1007, size: -1 },
  'bigint[]': { oid: 1016, size: -1 },
  'float[]': { oid: 1022, size: -1 },
  'numeric[]': { oid: 1231, size: -1 },
  'text[]': { oid: 1009, size: -1 },
};

export function pgTypeOf(columnType: string): PgType {
  return TYPES[columnType] ?? { oid: Oid.text, size: -1 };
}

/** The Postgres epoch (2000-01-01T00:00:00Z) in milliseconds since the Unix epoch. */
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

export { formatTimestamp } from '../../../protocol/timestamp-text.js';
import { decimalOfValue, isNumericString, numericText as numericValueText, type Decimal, type NumericValue } from '../../../protocol/numeric.js';
import { formatTimestamp, formatTimestamptz } from '../../../protocol/timestamp-text.js';
import { float4Text, float8Text } from '../../../protocol/float-text.js';
import { formatTime } from '../../../protocol/time-text.js';

/** A numeric as Postgres writes it: plain digits at its display scale, never an exponent (protocol/numeric.ts). */
export function numericText(v: NumericValue): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : String(v);
  return numericValueText(v);
}

export { float8Text } from '../../../protocol/float-text.js';

/** A value in the text format (null stays null). */
export function textValue(v: Value, columnType: string): Buffer | null {
  if (v === null) return null;
  if (Array.isArray(v)) {
    const element = columnType.slice(0, -2);
    return Buffer.from(formatArray(v.map((e) => (e === null ? null : textValue(e, element)!.toString('utf8')))), 'utf8');
  }
  if (typeof v === 'boolean') return Buffer.from(v ? 't' : 'f');
  // jsonb (protocol/jsonb.ts): the canonical text after the tag.
  if (columnType === 'jsonb' && isJsonbValue(v)) return Buffer.from(v.slice(1), 'utf8');
  if (typeof v === 'number' && columnType === 'timestamp') return Buffer.from(formatTimestamp(v));
  if (typeof v === 'number' && columnType === 'timestamptz') return Buffer.from(formatTimestamptz(v));
  if (typeof v === 'number' && columnType === 'real') return Buffer.from(float4Text(v));
  if (typeof v === 'number' && columnType === 'time') return Buffer.from(formatTime(v));
  if (columnType === 'numeric' && (typeof v === 'number' || isNumericString(v))) return Buffer.from(numericText(v as NumericValue));
  if (typeof v === 'string' && isNumericString(v)) return Buffer.from(columnType === 'float' ? float8Text(Number(v.slice(1))) : v.slice(1));
  if (typeof v === 'number' && columnType === 'date') return Buffer.from(formatDate(v));
  if (typeof v === 'number' && columnType === 'float') return Buffer.from(float8Text(v));
  if (typeof v === 'string' && columnType === 'interval') {
    const i = decodeInterval(v);
    if (i) return Buffer.from(formatInterval(i));
  }
  return Buffer.from(String(v), 'utf8');
}

/** A value in the binary format: bool, smallint (int2), int (int4), bigint (int8), float (float8), text, timestamp, date, interval; 0A000 for others. */
export function binaryValue(v: Value, columnType: string): Buffer | null {
  if (v === null) return null;
  switch (columnType) {
    case 'bool':
      return Buffer.from([v ? 1 : 0]);
    case 'int': {
      const n = Number(v);
      if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) throw new SqlError(SqlState.NumericValueOutOfRange, `integer ${n} is out of range for the binary int4 format`, { hint: 'request the text format for this column' });
      const b = Buffer.allocUnsafe(4);
      b.writeInt32BE(n, 0);
      return b;
    }
    case 'smallint': {
      const b = Buffer.allocUnsafe(2);
      b.writeInt16BE(Number(v), 0);
      return b;
    }
    case 'bigint': {
      const b = Buffer.allocUnsafe(8);
      // A bigint past ±(2^53 - 1) is a tagged string of its digits (protocol/int-range.ts).
      b.writeBigInt64BE(BigInt(typeof v === 'string' && isNumericString(v) ? v.slice(1) : (v as number)), 0);
      return b;
    }
    case 'float': {
      const b = Buffer.allocUnsafe(8);
      b.writeDoubleBE(Number(v), 0);
      return b;
    }
    case 'time': {
      const b = Buffer.allocUnsafe(8);
      b.writeBigInt64BE(BigInt(Number(v)), 0);
      return b;
    }
    case 'real': {
      const b = Buffer.allocUnsafe(4);
      b.writeFloatBE(Number(v), 0);
      return b;
    }
    case 'timestamp':
    case 'timestamptz': {
      const b = Buffer.allocUnsafe(8);
      b.writeBigInt64BE(BigInt(Math.round((Number(v) - PG_EPOCH_MS) * 1000)), 0);
      return b;
    }
    case 'date': {
      // Days since 2000-01-01.
      const b = Buffer.allocUnsafe(4);
      b.writeInt32BE(Number(v) - PG_EPOCH_MS / 86_400_000, 0);
      return b;
    }
    case 'interval': {
      const i = decodeInterval(String(v));
      if (!i) break;
      const b = Buffer.allocUnsafe(16);
      b.writeBigInt64BE(BigInt(i.micros), 0);
      b.writeInt32BE(i.days, 8);
      b.writeInt32BE(i.months, 12);
      return b;
    }
    case 'text':
      return Buffer.from(String(v), 'utf8');
    case 'jsonb':
      // jsonb_send: version 1, then the text.
      if (!isJsonbValue(v)) break;
      return Buffer.concat([Buffer.from([1]), Buffer.from(v.slice(1), 'utf8')]);
    case 'numeric':
      if (typeof v === 'number' && !Number.isFinite(v)) break;
      return numericBinary(decimalOfValue(v as NumericValue));
    default:
      break;
  }
  throw new SqlError(SqlState.FeatureNotSupported, `the binary format of ${columnType} is not supported`, { hint: 'request the text format for this column' });
}

/**
 * numeric_send: int16 ndigits, int16 weight (of the first base-10000 digit), int16 sign (0x0000,
 * 0x4000 negative), int16 dscale, then the base-10000 digits, with leading and trailing zero
 * digits dropped (zero has none). Exact: the digits of the decimal, at its display scale.
 */
export function numericBinary(d: Decimal): Buffer {
  const negative = d.mant < 0n;
  const abs = (negative ? -d.mant : d.mant).toString().padStart(d.scale + 1, '0');
  const int = abs.slice(0, abs.length - d.scale);
  const frac = abs.slice(abs.length - d.scale);
  const intPadded = int.padStart(Math.ceil(int.length / 4) * 4, '0');
  const fracPadded = frac.padEnd(Math.ceil(frac.length / 4) * 4, '0');
  const groups: number[] = [];
  for (let i = 0; i < intPadded.length; i += 4) groups.push(Number(intPadded.slice(i, i + 4)));
  for (let i = 0; i < fracPadded.length; i += 4) groups.push(Number(fracPadded.slice(i, i + 4)));
  let weight = intPadded.length / 4 - 1;
  let start = 0;
  while (start < groups.length && groups[start] === 0) {
    start++;
    weight--;
  }
  let end = groups.length;
  while (end > start && groups[end - 1] === 0) end--;
  const digits = groups.slice(start, end);
  const b = Buffer.allocUnsafe(8 + 2 * digits.length);
  b.writeInt16BE(digits.length, 0);
  b.writeInt16BE(digits.length === 0 ? 0 : weight, 2);
  b.writeUInt16BE(negative ? 0x4000 : 0, 4);
  b.writeInt16BE(d.scale, 6);
  digits.forEach((g, i) => b.writeInt16BE(g, 8 + 2 * i));
  return b;
}
