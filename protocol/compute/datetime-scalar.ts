/**
 * The scalar functions of dates, timestamps and intervals (protocol/datetime.ts holds the values
 * and their text forms), as Postgres 15 computes them. scalar.ts merges these into its tables;
 * the planner (actors/control/sql/datetime.ts) chooses them by the operands' SQL types, so each
 * function trusts its argument types and fails (an evaluation error) only on bad data: text that
 * is no date, a result out of range, an unknown unit.
 *
 * Values: a date is a day number, a timestamp milliseconds since the epoch (both numbers), an
 * interval the encoded string of datetime.ts. Microseconds of an interval added to a timestamp
 * are rounded to the millisecond, definite's timestamp precision.
 */
import type { Value } from '../types.js';
import {
  civilOfDays, dateInRange, daysInMonth, daysOfCivil, decodeInterval, encodeInterval, formatDate, formatInterval, intervalFits, intervalKey,
  MS_PER_DAY, parseDate, parseInterval, timestampInRange, US_PER_DAY, type Interval,
} from '../datetime.js';
import { addDecimal, divDecimal, isNumericString, numericToFloat, numericValue, type NumericValue } from '../numeric.js';
import { formatTimestamp, formatTimestamptz } from '../timestamp-text.js';

/** The functions, with their arities. */
export const DATETIME_ARITY = {
  // text forms [1]: date_text, timestamp_text, interval_text; text_to_date / text_to_timestamp /
  // text_to_interval [1] parse Postgres' input forms (22007 / 22008 messages on bad text)
  date_text: [1, 1], timestamp_text: [1, 1], interval_text: [1, 1], text_to_date: [1, 1], text_to_timestamp: [1, 1], text_to_interval: [1, 1],
  // timestamptz_text [1] (with the `+00` of the session's zone, UTC), text_to_timestamptz [1]
  // (a UTC offset in the text applied; text_to_timestamp reads and ignores it)
  timestamptz_text: [1, 1], text_to_timestamptz: [1, 1],
  // date_to_timestamp [1] (midnight), timestamp_to_date [1] (the day, rounding down)
  date_to_timestamp: [1, 1], timestamp_to_date: [1, 1],
  // date_add_days / date_sub_days [2] (date, int) -> date; date_diff [2] (date, date) -> int days
  date_add_days: [2, 2], date_sub_days: [2, 2], date_diff: [2, 2],
  // timestamp_add_interval / timestamp_sub_interval [2] (timestamp, interval) -> timestamp (months
  // first, clamped to the month's last day, then days, then time); timestamp_diff [2] -> interval
  // (days and time, as Postgres' justify_hours)
  timestamp_add_interval: [2, 2], timestamp_sub_interval: [2, 2], timestamp_diff: [2, 2],
  // interval_add / interval_sub [2], interval_neg [1], interval_mul / interval_div [2] (interval,
  // number: fractional months and days cascade down, as Postgres), interval_key [1]: the text
  // SQL's comparisons of intervals compare (datetime.ts)
  interval_add: [2, 2], interval_sub: [2, 2], interval_neg: [1, 1], interval_mul: [2, 2], interval_div: [2, 2], interval_key: [1, 1],
  // extract_date / extract_timestamp / extract_interval [2] (unit text, value) -> number;
  // date_trunc_timestamp [2] (unit text, timestamp) -> timestamp
  extract_date: [2, 2], extract_timestamp: [2, 2], extract_interval: [2, 2], date_trunc_timestamp: [2, 2],
  // date_part_timestamp / date_part_interval [2]: date_part's float8 results (seconds as
  // `whole + micros / 1e6` in floating point, as Postgres computes them)
  date_part_timestamp: [2, 2], date_part_interval: [2, 2],
} as const satisfies Record<string, readonly [number, number]>;

export type DatetimeFunction = keyof typeof DATETIME_ARITY;
export const DATETIME_FUNCTIONS = Object.keys(DATETIME_ARITY) as DatetimeFunction[];

type Fail = (message: string) => never;

const INT32_MAX = 2147483647;

/** Round half to even (C's rint). */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
const tsround = (x: number) => rint(x * 1e6) / 1e6;

/** Unit names as Postgres reads them (datetime.c's deltatktbl / datetktbl), to a canonical unit. */
const UNIT_ALIASES: Record<string, string> = {};
for (const [unit, aliases] of Object.entries({
  microseconds: ['microsecond', 'microseconds', 'us', 'usec', 'usecs', 'useconds', 'microsecon'],
  milliseconds: ['millisecond', 'milliseconds', 'ms', 'msec', 'msecs', 'mseconds', 'millisecon'],
  second: ['second', 'seconds', 's', 'sec', 'secs'],
  minute: ['minute', 'minutes', 'm', 'min', 'mins'],
  hour: ['hour', 'hours', 'h', 'hr', 'hrs'],
  day: ['day', 'days', 'd'],
  week: ['week', 'weeks', 'w'],
  month: ['month', 'months', 'mon', 'mons'],
  quarter: ['quarter', 'qtr'],
  year: ['year', 'years', 'y', 'yr', 'yrs'],
  decade: ['decade', 'decades', 'dec', 'decs'],
  century: ['century', 'centuries', 'c', 'cent'],
  millennium: ['millennium', 'millennia', 'mil', 'mils', 'millenniums'],
  epoch: ['epoch'], dow: ['dow'], isodow: ['isodow'], doy: ['doy'], isoyear: ['isoyear'], julian: ['julian', 'j'],
})) for (const a of aliases) UNIT_ALIASES[a] = unit;

/** The canonical unit of a unit name, or undefined. */
export function canonicalUnit(name: string): string | undefined {
  return UNIT_ALIASES[name.trim().toLowerCase()];
}

/** The units each function accepts (others: 0A000 when Postgres knows the unit, 22023 when not). */
export const EXTRACT_UNITS = {
  date: ['day', 'month', 'year', 'decade', 'century', 'millennium', 'isoyear', 'week', 'dow', 'isodow', 'doy', 'quarter', 'epoch', 'julian'],
  timestamp: ['microseconds', 'milliseconds', 'second', 'minute', 'hour', 'day', 'month', 'year', 'decade', 'century', 'millennium', 'isoyear', 'week', 'dow', 'isodow', 'doy', 'quarter', 'epoch', 'julian'],
  interval: ['microseconds', 'milliseconds', 'second', 'minute', 'hour', 'day', 'month', 'quarter', 'year', 'decade', 'century', 'millennium', 'epoch'],
  trunc: ['microseconds', 'milliseconds', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year', 'decade', 'century', 'millennium'],
} as const;

export const PG_TYPE_LABEL = { date: 'date', timestamp: 'timestamp without time zone', interval: 'interval', trunc: 'timestamp without time zone' } as const;

/** Postgres' message for a unit `kind` does not take: undefined when it does. */
export function unitError(unitName: string, kind: keyof typeof EXTRACT_UNITS): { code: '0A000' | '22023'; message: string } | undefined {
  const unit = canonicalUnit(unitName);
  const label = PG_TYPE_LABEL[kind];
  if (unit === undefined) return { code: '22023', message: `unit "${unitName}" not recognized for type ${label}` };
  if (!(EXTRACT_UNITS[kind] as readonly string[]).includes(unit)) return { code: '0A000', message: `unit "${unitName}" not supported for type ${label}` };
  return undefined;
}

/** The ISO 8601 year and week of a day number. */
function isoWeek(days: number): { isoyear: number; week: number } {
  const isodow = ((((days + 3) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday (4)
  const thursday = days - isodow + 4;
  const { year } = civilOfDays(thursday);
  return { isoyear: year, week: Math.floor((thursday - daysOfCivil(year, 1, 1)) / 7) + 1 };
}

const div = (a: number, b: number) => Math.trunc(a / b);

/** The fields of a day number common to date and timestamp. */
function dayField(unit: string, days: number): number | undefined {
  const { year, month, day } = civilOfDays(days);
  switch (unit) {
    case 'day': return day;
    case 'month': return month;
    case 'year': return year > 0 ? year : year - 1;
    case 'quarter': return div(month - 1, 3) + 1;
    case 'decade': return year >= 0 ? div(year, 10) : -div(8 - (year - 1), 10);
    case 'century': return year > 0 ? div(year + 99, 100) : -div(99 - (year - 1), 100);
    case 'millennium': return year > 0 ? div(year + 999, 1000) : -div(999 - (year - 1), 1000);
    case 'dow': return (((days + 4) % 7) + 7) % 7;
    case 'isodow': return ((((days + 3) % 7) + 7) % 7) + 1;
    case 'doy': return days - daysOfCivil(year, 1, 1) + 1;
    case 'week': return isoWeek(days).week;
    case 'isoyear': { const y = isoWeek(days).isoyear; return y > 0 ? y : y - 1; }
    case 'julian': return days + 2440588;
    default: return undefined;
  }
}

/** The datetime functions, given scalar.ts' evaluation-error constructor. */
export function datetimeFunctions(fail: Fail): {
  unary: Partial<Record<DatetimeFunction, (a: Value) => Value>>;
  binary: Partial<Record<DatetimeFunction, (a: Value, b: Value) => Value>>;
} {
  const num = (fn: string, v: Value): number => (typeof v === 'number' ? v : isNumericString(v) ? numericToFloat(v as string) : fail(`${fn} expects a number, got ${typeof v}`));
  const text = (fn: string, v: Value): string => (typeof v === 'string' ? v : fail(`${fn} expects text, got ${typeof v}`));
  const iv = (fn: string, v: Value): Interval => decodeInterval(text(fn, v)) ?? fail(`${fn} expects an interval, got "${String(v)}"`);
  const date = (days: number): number => (dateInRange(days) ? days + 0 : fail('date out of range'));
  const ts = (ms: number): number => (timestampInRange(ms) ? ms + 0 : fail('timestamp out of range'));
  const interval = (i: Interval): string => {
    const n = { months: i.months + 0, days: i.days + 0, micros: i.micros + 0 };
    return intervalFits(n) ? encodeInterval(n) : fail('interval out of range');
  };

  const addInterval = (ms: number, i: Interval, sign: 1 | -1): number => {
    let t = ms;
    if (i.months !== 0) {
      const days = Math.floor(t / MS_PER_DAY);
      const tod = t - days * MS_PER_DAY;
      const { year, month, day } = civilOfDays(days);
      const total = year * 12 + (month - 1) + sign * i.months;
      const y = Math.floor(total / 12);
      const m = total - y * 12 + 1;
      t = daysOfCivil(y, m, Math.min(day, daysInMonth(y, m))) * MS_PER_DAY + tod;
    }
    t += sign * i.days * MS_PER_DAY;
    t += Math.round((sign * i.micros) / 1000);
    return ts(t);
  };

  const scale = (fn: string, i: Interval, factor: number, divide: boolean): string => {
    if (divide && factor === 0) fail('division by zero');
    if (!Number.isFinite(factor)) fail('interval out of range');
    const f = (x: number) => (divide ? x / factor : x * factor);
    const monthD = f(i.months);
    const dayD = f(i.days);
    if (monthD > INT32_MAX || monthD < -INT32_MAX - 1 || dayD > INT32_MAX || dayD < -INT32_MAX - 1) fail('interval out of range');
    const months = Math.trunc(monthD);
    let days = Math.trunc(dayD);
    const monthRemainderDays = tsround((monthD - months) * 30);
    let secRemainder = tsround((dayD - days + monthRemainderDays - Math.trunc(monthRemainderDays)) * 86400);
    if (Math.abs(secRemainder) >= 86400) {
      days += Math.trunc(secRemainder / 86400);
      secRemainder -= Math.trunc(secRemainder / 86400) * 86400;
    }
    days += Math.trunc(monthRemainderDays);
    const micros = rint(f(i.micros) + secRemainder * 1e6);
    if (!Number.isSafeInteger(micros)) fail('interval out of range');
    void fn;
    return interval({ months, days, micros });
  };

  const extractTimestamp = (unitName: string, ms: number): number => {
    const unit = canonicalUnit(unitName);
    const err = unitError(unitName, 'timestamp');
    if (err || unit === undefined) return fail(err!.message);
    const days = Math.floor(ms / MS_PER_DAY);
    const tod = ms - days * MS_PER_DAY; // milliseconds into the day
    switch (unit) {
      case 'hour': return Math.floor(tod / 3_600_000);
      case 'minute': return Math.floor(tod / 60_000) % 60;
      case 'second': return (tod % 60_000) / 1000;
      case 'milliseconds': return tod % 60_000;
      case 'microseconds': return (tod % 60_000) * 1000;
      case 'epoch': return ms / 1000;
      case 'julian': return days + 2440588 + tod / MS_PER_DAY;
      default: return dayField(unit, days)!;
    }
  };

  const extractInterval = (unitName: string, i: Interval): number => {
    const unit = canonicalUnit(unitName);
    const err = unitError(unitName, 'interval');
    if (err || unit === undefined) return fail(err!.message);
    const year = div(i.months, 12);
    switch (unit) {
      case 'microseconds': return (i.micros % 60_000_000) + 0;
      case 'milliseconds': return (i.micros % 60_000_000) / 1000 + 0;
      case 'second': return (i.micros % 60_000_000) / 1_000_000 + 0;
      case 'minute': return (div(i.micros, 60_000_000) % 60) + 0;
      case 'hour': return div(i.micros, 3_600_000_000) + 0;
      case 'day': return i.days;
      case 'month': return (i.months % 12) + 0;
      case 'quarter': return div(i.months % 12, 3) + 1;
      case 'year': return year + 0;
      case 'decade': return div(year, 10) + 0;
      case 'century': return div(year, 100) + 0;
      case 'millennium': return div(year, 1000) + 0;
      case 'epoch': {
        const secs = 31_557_600 * year + 2_592_000 * (i.months % 12) + 86_400 * i.days;
        return (secs * 1_000_000 + i.micros) / 1_000_000 + 0;
      }
      default: return fail(`unit "${unitName}" not supported for type interval`);
    }
  };

  const extractDate = (unitName: string, days: number): number => {
    const unit = canonicalUnit(unitName);
    const err = unitError(unitName, 'date');
    if (err || unit === undefined) return fail(err!.message);
    if (unit === 'epoch') return days * 86400;
    return dayField(unit, days)!;
  };

  const truncTimestamp = (unitName: string, ms: number): number => {
    const unit = canonicalUnit(unitName);
    const err = unitError(unitName, 'trunc');
    if (err || unit === undefined) return fail(err!.message);
    const days = Math.floor(ms / MS_PER_DAY);
    const tod = ms - days * MS_PER_DAY;
    const { year, month } = civilOfDays(days);
    const at = (y: number, m: number, d = 1) => ts(daysOfCivil(y, m, d) * MS_PER_DAY);
    switch (unit) {
      case 'microseconds':
      case 'milliseconds': return ms;
      case 'second': return days * MS_PER_DAY + tod - (tod % 1000);
      case 'minute': return days * MS_PER_DAY + tod - (tod % 60_000);
      case 'hour': return days * MS_PER_DAY + tod - (tod % 3_600_000);
      case 'day': return days * MS_PER_DAY;
      case 'week': return ts((days - (((((days + 3) % 7) + 7) % 7))) * MS_PER_DAY);
      case 'month': return at(year, month);
      case 'quarter': return at(year, 3 * div(month - 1, 3) + 1);
      case 'year': return at(year, 1);
      case 'decade': return at(year > 0 ? div(year, 10) * 10 : -div(8 - (year - 1), 10) * 10, 1);
      case 'century': return at(year > 0 ? div(year + 99, 100) * 100 - 99 : -div(99 - (year - 1), 100) * 100 + 1, 1);
      case 'millennium': return at(year > 0 ? div(year + 999, 1000) * 1000 - 999 : -div(999 - (year - 1), 1000) * 1000 + 1, 1);
      default: return fail(`unit "${unitName}" not supported for type timestamp without time zone`);
    }
  };

  /**
   * extract's numeric results at Postgres 15's scales: microseconds 0, milliseconds 3, second
   * and epoch 6 (int64_div_fast_to_numeric), julian the day plus the exact fraction of the day
   * (numeric division's scale); the integer fields as they are.
   */
  const scaled = (mant: bigint, scale: number): NumericValue => numericValue({ mant, scale });
  const extractTimestampNumeric = (unitName: string, ms: number): NumericValue => {
    const unit = canonicalUnit(unitName);
    const days = Math.floor(ms / MS_PER_DAY);
    const tod = ms - days * MS_PER_DAY;
    switch (unit) {
      case 'milliseconds': return scaled(BigInt(tod % 60_000) * 1000n, 3);
      case 'second': return scaled(BigInt(tod % 60_000) * 1000n, 6);
      case 'epoch': return scaled(BigInt(ms) * 1000n, 6);
      // Postgres' select_div_scale for 0 / 86400000000 is 28.
      case 'julian': return tod === 0 ? scaled(BigInt(days + 2440588) * 10n ** 28n, 28) : numericValue(addDecimal({ mant: BigInt(days + 2440588), scale: 0 }, divDecimal({ mant: BigInt(tod) * 1000n, scale: 0 }, { mant: 86_400_000_000n, scale: 0 })));
      default: return extractTimestamp(unitName, ms);
    }
  };
  const extractIntervalNumeric = (unitName: string, i: Interval): NumericValue => {
    const unit = canonicalUnit(unitName);
    switch (unit) {
      case 'milliseconds': return scaled(BigInt(i.micros % 60_000_000), 3);
      case 'second': return scaled(BigInt(i.micros % 60_000_000), 6);
      case 'epoch': {
        const year = BigInt(div(i.months, 12));
        const secs = 31_557_600n * year + 2_592_000n * BigInt(i.months % 12) + 86_400n * BigInt(i.days);
        return scaled(secs * 1_000_000n + BigInt(i.micros), 6);
      }
      default: return extractInterval(unitName, i);
    }
  };

  const parsedNum = (r: number | { code: string; message: string }): number => (typeof r === 'number' ? r : fail(r.message));
  const parsedIv = (r: Interval | { code: string; message: string }): Interval => ('code' in r ? fail(r.message) : r);

  return {
    unary: {
      date_text: (a) => formatDate(num('date_text', a)),
      timestamp_text: (a) => formatTimestamp(num('timestamp_text', a)),
      interval_text: (a) => formatInterval(iv('interval_text', a)),
      text_to_date: (a) => parsedNum(parseDate(text('text_to_date', a))),
      text_to_timestamp: (a) => parsedNum(parseTimestampText(text('text_to_timestamp', a))),
      text_to_timestamptz: (a) => parsedNum(parseTimestampText(text('text_to_timestamptz', a), true)),
      timestamptz_text: (a) => formatTimestamptz(num('timestamptz_text', a)),
      text_to_interval: (a) => encodeInterval(parsedIv(parseInterval(text('text_to_interval', a)))),
      date_to_timestamp: (a) => ts(num('date_to_timestamp', a) * MS_PER_DAY),
      timestamp_to_date: (a) => date(Math.floor(num('timestamp_to_date', a) / MS_PER_DAY)),
      interval_neg: (a) => {
        const i = iv('interval_neg', a);
        return interval({ months: -i.months, days: -i.days, micros: -i.micros });
      },
      interval_key: (a) => intervalKey(text('interval_key', a)),
    },
    binary: {
      date_add_days: (a, b) => date(num('date_add_days', a) + num('date_add_days', b)),
      date_sub_days: (a, b) => date(num('date_sub_days', a) - num('date_sub_days', b)),
      date_diff: (a, b) => num('date_diff', a) - num('date_diff', b),
      timestamp_add_interval: (a, b) => addInterval(num('timestamp_add_interval', a), iv('timestamp_add_interval', b), 1),
      timestamp_sub_interval: (a, b) => addInterval(num('timestamp_sub_interval', a), iv('timestamp_sub_interval', b), -1),
      timestamp_diff: (a, b) => {
        const us = (num('timestamp_diff', a) - num('timestamp_diff', b)) * 1000;
        const days = Math.trunc(us / US_PER_DAY);
        return interval({ months: 0, days, micros: us - days * US_PER_DAY });
      },
      interval_add: (a, b) => {
        const x = iv('interval_add', a);
        const y = iv('interval_add', b);
        return interval({ months: x.months + y.months, days: x.days + y.days, micros: x.micros + y.micros });
      },
      interval_sub: (a, b) => {
        const x = iv('interval_sub', a);
        const y = iv('interval_sub', b);
        return interval({ months: x.months - y.months, days: x.days - y.days, micros: x.micros - y.micros });
      },
      interval_mul: (a, b) => scale('interval_mul', iv('interval_mul', a), num('interval_mul', b), false),
      interval_div: (a, b) => scale('interval_div', iv('interval_div', a), num('interval_div', b), true),
      extract_date: (a, b) => extractDate(text('extract', a), num('extract', b)),
      extract_timestamp: (a, b) => extractTimestampNumeric(text('extract', a), num('extract', b)),
      extract_interval: (a, b) => extractIntervalNumeric(text('extract', a), iv('extract', b)),
      date_part_timestamp: (a, b) => {
        const unit = canonicalUnit(text('date_part', a));
        const ms = num('date_part', b);
        if (unit !== 'second') return extractTimestamp(text('date_part', a), ms);
        const tod = ms - Math.floor(ms / MS_PER_DAY) * MS_PER_DAY;
        return Math.floor((tod % 60_000) / 1000) + ((tod % 1000) * 1000) / 1_000_000;
      },
      date_part_interval: (a, b) => {
        const unit = canonicalUnit(text('date_part', a));
        const i = iv('date_part', b);
        if (unit !== 'second') return extractInterval(text('date_part', a), i);
        const us = i.micros % 60_000_000;
        return Math.trunc(us / 1_000_000) + (us % 1_000_000) / 1_000_000 + 0;
      },
      date_trunc_timestamp: (a, b) => truncTimestamp(text('date_trunc', a), num('date_trunc', b)),
    },
  };
}

/**
 * A timestamp's text as Postgres reads it (the forms of datetime.ts' parseDate, with an optional
 * `HH:MM[:SS[.ffffff]]` and an optional zone: `Z`, `UTC`, `GMT` or a UTC offset `±HH[:MM[:SS]]` /
 * `±HHMM`), to milliseconds, or its error. `withZone` (timestamptz) applies the offset, giving
 * the UTC instant; without it (timestamp) the offset is read and ignored, as Postgres does.
 */
export function parseTimestampText(text: string, withZone = false): number | { code: '22007' | '22008' | '22009'; message: string } {
  const s = text.trim();
  const m = /^(.*?)(?:(?:\s+|T)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:\s*([+-])(\d{1,2})(?::?(\d{2})(?::?(\d{2}))?)?)?)?(?:\s*(?:Z|UTC|GMT|\+00(?::?00)?))?(\s+(?:BC|AD))?$/i.exec(s);
  const label = withZone ? 'timestamp with time zone' : 'timestamp';
  const syntax = { code: '22007' as const, message: `invalid input syntax for type ${label}: "${text}"` };
  if (!m || m[1] === '') return syntax;
  const d = parseDate(m[1]! + (m[10] ?? ''));
  if (typeof d !== 'number') return d.code === '22007' ? syntax : { code: d.code, message: d.message.replace(/date out of range/, 'timestamp out of range') };
  const [h, mi, sec] = [Number(m[2] ?? 0), Number(m[3] ?? 0), Number(m[4] ?? 0)];
  if (h > 24 || mi > 59 || sec > 60 || (h === 24 && (mi > 0 || sec > 0 || Number(m[5] ?? 0) > 0))) return { code: '22008', message: `date/time field value out of range: "${text}"` };
  let offset = 0; // seconds east of UTC
  if (m[6]) {
    const [oh, om, os] = [Number(m[7]), Number(m[8] ?? 0), Number(m[9] ?? 0)];
    if (om > 59 || os > 59) return { code: '22008', message: `date/time field value out of range: "${text}"` };
    // Postgres' MAX_TZDISP_HOUR: offsets up to 15:59:59.
    if (oh > 15) return { code: '22009', message: `time zone displacement out of range: "${text}"` };
    offset = (m[6] === '-' ? -1 : 1) * ((oh * 60 + om) * 60 + os);
  }
  const us = m[5] ? Math.round(Number(`0.${m[5]}`) * 1e6) : 0;
  const ms = d * MS_PER_DAY + ((h * 60 + mi) * 60 + sec - (withZone ? offset : 0)) * 1000 + Math.round(us / 1000);
  return timestampInRange(ms) ? ms : { code: '22008', message: `timestamp out of range: "${text}"` };
}
