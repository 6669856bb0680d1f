/**
 * The `date` and `interval` values of every layer, and Postgres' text forms of them.
 *
 * - A `date` is an integer: days since 1970-01-01 (proleptic Gregorian, as Postgres), within
 *   Postgres' range 4713-11-24 BC .. 5874897-12-31. Printed `YYYY-MM-DD` (`0044-03-15 BC`).
 * - An `interval` is Postgres' triple (months, days, microseconds), carried as one string whose
 *   code-unit order is Postgres' interval order: a fixed-width key of the span
 *   `months * 30 days + days + microseconds` (Postgres' `interval_cmp_value`), then the three
 *   parts (`<23 digits>:<months>:<days>:<micros>`). Rows compare and hash values with `===` and
 *   sort strings by code units, so sorting, min/max and ORDER BY need nothing new; SQL's `=`,
 *   `<` ... compare only the key (`intervalKey`), so `'1 mon' = '30 days'` is true as in Postgres.
 *   Printed as Postgres' default IntervalStyle (`1 year 2 mons -3 days +04:05:06.5`).
 *
 * Pure functions; failures return undefined or a message, never throw (callers raise their own
 * typed errors).
 */

export const MS_PER_DAY = 86_400_000;
export const US_PER_DAY = 86_400_000_000;
export const US_PER_MS = 1000;

/** Postgres' first date, 4713-11-24 BC (julian day 0), and last, 5874897-12-31, as day numbers. */
export const MIN_DATE = -2_440_588;
export const MAX_DATE = 2_145_031_948;
/** The days JS' Date can compute with (±100,000,000 days around 1970). */
const JS_DAYS = 100_000_000;

export function dateInRange(days: number): boolean {
  return Number.isInteger(days) && days >= MIN_DATE && days <= MAX_DATE;
}

/** Year, month (1-12), day of a day number (civil-from-days; exact for every Postgres date). */
export function civilOfDays(days: number): { year: number; month: number; day: number } {
  // Howard Hinnant's algorithm, in integer arithmetic.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** The day number of a (proleptic Gregorian, astronomical-year) civil date. */
export function daysOfCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** A date as Postgres prints it (DateStyle ISO): `1998-12-01`, `0044-03-15 BC`. */
export function formatDate(days: number): string {
  const { year, month, day } = civilOfDays(days);
  const bc = year <= 0;
  return `${pad(bc ? 1 - year : year, 4)}-${pad(month)}-${pad(day)}${bc ? ' BC' : ''}`;
}

/** Why a date/time text was refused: its syntax (22007) or a field's range (22008). */
export type DateTextError = { code: '22007' | '22008'; message: string };

/**
 * Postgres' input forms of a date that definite reads: `YYYY-MM-DD` (any number of year digits),
 * optionally followed by a time (ignored, as Postgres does) and ` BC` / ` AD`; `YYYYMMDD`;
 * `MM/DD/YYYY` (DateStyle MDY). Returns the day number or the error Postgres gives.
 */
export function parseDate(text: string): number | DateTextError {
  const s = text.trim();
  const syntax: DateTextError = { code: '22007', message: `invalid input syntax for type date: "${text}"` };
  const field: DateTextError = { code: '22008', message: `date/time field value out of range: "${text}"` };
  let m = /^(\d+)-(\d{1,2})-(\d{1,2})(?:(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:\s+(BC|AD))?$/i.exec(s);
  let y: number, mo: number, d: number, era: string | undefined;
  if (m) [y, mo, d, era] = [Number(m[1]), Number(m[2]), Number(m[3]), m[4]];
  else if ((m = /^(\d{4})(\d{2})(\d{2})$/.exec(s))) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d+)(?:\s+(BC|AD))?$/i.exec(s))) [mo, d, y, era] = [Number(m[1]), Number(m[2]), Number(m[3]), m[4]];
  else return syntax;
  if (y === 0) return field;
  if (era?.toUpperCase() === 'BC') y = 1 - y;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return field;
  if (Math.abs(y) > 6_000_000) return { code: '22008', message: `date out of range: "${text}"` };
  if (d > daysInMonth(y, mo)) return field;
  const days = daysOfCivil(y, mo, d);
  if (!dateInRange(days)) return { code: '22008', message: `date out of range: "${text}"` };
  return days;
}

/** Whether a timestamp (ms) is one JS' Date (and so definite's timestamp text) can handle. */
export function timestampInRange(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= JS_DAYS * MS_PER_DAY && ms >= MIN_DATE * MS_PER_DAY;
}

// ---------------------------------------------------------------------------------------------
// Intervals

export interface Interval {
  months: number;
  days: number;
  /** Microseconds, a safe integer. */
  micros: number;
}

const KEY_WIDTH = 23;
const KEY_OFFSET = 10n ** 22n;
const US_PER_MONTH_BIG = 30n * 86_400_000_000n;
const US_PER_DAY_BIG = 86_400_000_000n;
const INT32_MAX = 2147483647;

/** Whether the parts fit Postgres' interval (int32 months and days) and definite's microseconds. */
export function intervalFits(i: Interval): boolean {
  return Number.isInteger(i.months) && Number.isInteger(i.days) && Number.isSafeInteger(i.micros) && Math.abs(i.months) <= INT32_MAX && Math.abs(i.days) <= INT32_MAX && (i.months !== -INT32_MAX - 1);
}

/** The interval as the string value rows carry (see the header). */
export function encodeInterval(i: Interval): string {
  const span = BigInt(i.months) * US_PER_MONTH_BIG + BigInt(i.days) * US_PER_DAY_BIG + BigInt(i.micros);
  return `${(span + KEY_OFFSET).toString().padStart(KEY_WIDTH, '0')}:${i.months + 0}:${i.days + 0}:${i.micros + 0}`;
}

/** The parts of an encoded interval, or undefined when `s` is not one. */
export function decodeInterval(s: string): Interval | undefined {
  if (s.length <= KEY_WIDTH || s[KEY_WIDTH] !== ':') return undefined;
  const parts = s.slice(KEY_WIDTH + 1).split(':');
  if (parts.length !== 3) return undefined;
  const [months, days, micros] = parts.map(Number) as [number, number, number];
  if (!Number.isSafeInteger(months) || !Number.isSafeInteger(days) || !Number.isSafeInteger(micros)) return undefined;
  return { months, days, micros };
}

/** Whether `s` is an encoded interval whose key matches its parts. */
export function isEncodedInterval(s: string): boolean {
  const i = decodeInterval(s);
  return i !== undefined && intervalFits(i) && encodeInterval(i) === s;
}

/** The part of an encoded interval that Postgres compares (equal spans are equal intervals). */
export function intervalKey(s: string): string {
  return s.slice(0, KEY_WIDTH);
}

/** Seconds and microseconds as `SS[.ffffff]`, trailing zeros dropped (Postgres' AppendSeconds). */
function seconds(us: number): string {
  const sec = Math.floor(us / 1_000_000);
  const frac = us % 1_000_000;
  return frac === 0 ? pad(sec) : `${pad(sec)}.${pad(frac, 6).replace(/0+$/, '')}`;
}

/** An interval as Postgres prints it with IntervalStyle postgres (its default). */
export function formatInterval(i: Interval): string {
  const parts: string[] = [];
  let isBefore = false;
  const add = (value: number, unit: string) => {
    if (value === 0) return;
    parts.push(`${isBefore && value > 0 ? '+' : ''}${value} ${unit}${value !== 1 ? 's' : ''}`);
    isBefore = value < 0;
  };
  add(Math.trunc(i.months / 12) + 0, 'year');
  add((i.months % 12) + 0, 'mon');
  add(i.days, 'day');
  if (i.micros !== 0 || parts.length === 0) {
    const minus = i.micros < 0;
    const us = Math.abs(i.micros);
    const hours = Math.floor(us / 3_600_000_000);
    const minutes = Math.floor((us % 3_600_000_000) / 60_000_000);
    parts.push(`${minus ? '-' : isBefore ? '+' : ''}${pad(hours)}:${pad(minutes)}:${seconds(us % 60_000_000)}`);
  }
  return parts.join(' ');
}

/** Postgres' interval field masks (INTERVAL_MASK in datetime.h), for `INTERVAL '1' DAY` etc. */
export const IntervalField = { MONTH: 1 << 1, YEAR: 1 << 2, DAY: 1 << 3, HOUR: 1 << 10, MINUTE: 1 << 11, SECOND: 1 << 12 } as const;
export const INTERVAL_FULL_RANGE = 0x7fff;

const UNITS: Record<string, { months?: number; days?: number; micros?: number }> = {};
function unit(names: string[], value: { months?: number; days?: number; micros?: number }) {
  for (const n of names) UNITS[n] = value;
}
unit(['microsecond', 'microseconds', 'us', 'usec', 'usecs', 'useconds', 'microsecon'], { micros: 1 });
unit(['millisecond', 'milliseconds', 'ms', 'msec', 'msecs', 'mseconds', 'millisecon'], { micros: 1000 });
unit(['second', 'seconds', 's', 'sec', 'secs'], { micros: 1_000_000 });
unit(['minute', 'minutes', 'm', 'min', 'mins'], { micros: 60_000_000 });
unit(['hour', 'hours', 'h', 'hr', 'hrs'], { micros: 3_600_000_000 });
unit(['day', 'days', 'd'], { days: 1 });
unit(['week', 'weeks', 'w'], { days: 7 });
unit(['month', 'months', 'mon', 'mons'], { months: 1 });
unit(['year', 'years', 'y', 'yr', 'yrs'], { months: 12 });
unit(['decade', 'decades', 'dec', 'decs'], { months: 120 });
unit(['century', 'centuries', 'c', 'cent'], { months: 1200 });
unit(['millennium', 'millennia', 'mil', 'mils', 'millenniums'], { months: 12000 });

/**
 * Postgres' interval input (IntervalStyle postgres): `3 months`, `1 day 02:00:00`, `-1 day
 * +02:00:00`, `1.5 years`, `@ 1 hour ago`, `1:30`, a bare number (seconds, or the unit of the
 * field range: `INTERVAL '90' DAY`). `range` is the field mask of `INTERVAL '...' <fields>`,
 * which also drops the fields below its last one (`INTERVAL '1 day 02:00' DAY` is `1 day`).
 * ISO 8601 (`P1Y2M`) and SQL year-month (`1-2`) forms are not read (22007).
 */
export function parseInterval(text: string, range = INTERVAL_FULL_RANGE): Interval | DateTextError {
  const syntax: DateTextError = { code: '22007', message: `invalid input syntax for type interval: "${text}"` };
  const outOfRange: DateTextError = { code: '22008', message: `interval field value out of range: "${text}"` };
  let tokens = text.trim().toLowerCase().split(/\s+/).filter((t) => t !== '');
  if (tokens[0] === '@') tokens = tokens.slice(1);
  let ago = false;
  if (tokens[tokens.length - 1] === 'ago') {
    ago = true;
    tokens = tokens.slice(0, -1);
  }
  if (tokens.length === 0) return syntax;
  // Sum with fractional parts, in exact-ish arithmetic (fractions cascade down as Postgres does).
  let months = 0;
  let days = 0;
  let micros = 0;
  const seen = new Set<string>();
  const addFrac = (value: number, u: { months?: number; days?: number; micros?: number }) => {
    if (u.months) {
      const whole = Math.trunc(value * u.months);
      months += whole;
      const fracDays = (value * u.months - whole) * 30;
      const wd = Math.trunc(fracDays);
      days += wd;
      micros += Math.round((fracDays - wd) * US_PER_DAY);
    } else if (u.days) {
      const whole = Math.trunc(value * u.days);
      days += whole;
      micros += Math.round((value * u.days - whole) * US_PER_DAY);
    } else micros += Math.round(value * u.micros!);
  };
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k]!;
    const time = /^([+-])?(\d+):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6})\d*)?)?$/.exec(tok);
    if (time) {
      if (seen.has('time')) return syntax;
      seen.add('time');
      const [, sign, h, mi, sec, frac] = time;
      if (Number(mi) > 59 || Number(sec ?? 0) > 59) return outOfRange;
      let us = Number(h) * 3_600_000_000 + Number(mi) * 60_000_000 + Number(sec ?? 0) * 1_000_000 + (frac ? Number(frac.padEnd(6, '0')) : 0);
      if (sign === '-') us = -us;
      micros += us;
      continue;
    }
    // A number with its unit attached (`3days`) or in the next token; a bare number last.
    const num = /^([+-]?(?:\d+\.?\d*|\.\d+))([a-z]*)$/.exec(tok);
    if (!num) return syntax;
    const value = Number(num[1]);
    let unitName = num[2]!;
    if (unitName === '' && k + 1 < tokens.length && UNITS[tokens[k + 1]!]) unitName = tokens[++k]!;
    let u = UNITS[unitName];
    if (unitName === '') {
      if (k !== tokens.length - 1) return syntax;
      // A bare number: the unit of the range's last field, else seconds.
      u = range & IntervalField.SECOND || range === INTERVAL_FULL_RANGE ? UNITS['second'] : range & IntervalField.MINUTE ? UNITS['minute'] : range & IntervalField.HOUR ? UNITS['hour'] : range & IntervalField.DAY ? UNITS['day'] : range & IntervalField.MONTH ? UNITS['month'] : UNITS['year'];
    }
    if (!u) return syntax;
    const key = unitName === '' ? 'bare' : Object.keys(UNITS).find((n) => UNITS[n] === u)!;
    if (seen.has(key)) return syntax;
    seen.add(key);
    addFrac(value, u!);
  }
  let result: Interval = { months, days, micros };
  if (ago) result = { months: -months, days: -days, micros: -micros };
  result = truncateToRange(result, range);
  const normalised = { months: result.months + 0, days: result.days + 0, micros: result.micros + 0 };
  return intervalFits(normalised) ? normalised : outOfRange;
}

/** Drops the fields below a range's last field, as Postgres' interval typmod does. */
function truncateToRange(i: Interval, range: number): Interval {
  if (range === INTERVAL_FULL_RANGE || range & IntervalField.SECOND) return i;
  if (range & IntervalField.MINUTE) return { ...i, micros: i.micros - (i.micros % 60_000_000) };
  if (range & IntervalField.HOUR) return { ...i, micros: i.micros - (i.micros % 3_600_000_000) };
  if (range & IntervalField.DAY) return { ...i, micros: 0 };
  if (range & IntervalField.MONTH) return { months: i.months, days: 0, micros: 0 };
  return { months: i.months - (i.months % 12), days: 0, micros: 0 };
}
