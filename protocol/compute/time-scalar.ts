/**
 * The `time` type (time of day without time zone) as Postgres 15 computes it: a value is the
 * microseconds since midnight, 0 .. 86400000000 (24:00:00 included), a number. Text in and out
 * (protocol/time-text.ts),
 * arithmetic with intervals (wrapping at midnight; only an interval's time part counts),
 * differences, extract and the conversions from timestamp and to a timestamp with a date.
 * scalar.ts merges these into its tables (all strict); the planner (actors/control/sql/datetime.ts,
 * casts.ts) chooses them by type. Errors are Postgres' messages (22007 / 22008, 0A000 / 22023
 * for units, mapped in actors/control/reads.ts).
 */
import { decodeInterval, MS_PER_DAY, US_PER_DAY, encodeInterval } from '../datetime.js';
import { formatTime, parseTimeText } from '../time-text.js';
import { numericValue, type NumericValue } from '../numeric.js';
import type { Value } from '../types.js';

type Fail = (message: string) => never;

export const TIME_ARITY = {
  // time_text [1], text_to_time [1] (a date before it, and a zone after it, are read and ignored)
  time_text: [1, 1], text_to_time: [1, 1],
  // timestamp_to_time [1]; date_add_time [2] (date days, time) -> timestamp milliseconds
  timestamp_to_time: [1, 1], date_add_time: [2, 2],
  // time_add_interval / time_sub_interval [2] (time, interval) -> time; time_diff [2] -> interval
  time_add_interval: [2, 2], time_sub_interval: [2, 2], time_diff: [2, 2],
  // extract_time [2] (unit, time) -> numeric; date_part_time [2] -> float8
  extract_time: [2, 2], date_part_time: [2, 2],
} as const;
export type TimeFunction = keyof typeof TIME_ARITY;
export const TIME_FUNCTIONS = Object.keys(TIME_ARITY) as TimeFunction[];

/** The fields extract takes from a time (others: 0A000 when Postgres knows them). */
export const TIME_UNITS = ['microseconds', 'milliseconds', 'second', 'minute', 'hour', 'epoch'] as const;

export function timeFunctions(fail: Fail): Record<TimeFunction, (args: Value[]) => Value> {
  const num = (fn: string, v: Value): number => (typeof v === 'number' ? v : fail(`${fn} expects a number, got ${typeof v}`));
  const iv = (fn: string, v: Value) => (typeof v === 'string' ? decodeInterval(v) : undefined) ?? fail(`${fn} expects an interval, got "${String(v)}"`);
  const wrap = (us: number): number => ((us % US_PER_DAY) + US_PER_DAY) % US_PER_DAY;
  const unit = (fn: string, name: Value): string => {
    const u = String(name).trim().toLowerCase();
    const canonical = ({ us: 'microseconds', usec: 'microseconds', microsecond: 'microseconds', ms: 'milliseconds', msec: 'milliseconds', millisecond: 'milliseconds', s: 'second', sec: 'second', seconds: 'second', m: 'minute', min: 'minute', minutes: 'minute', h: 'hour', hr: 'hour', hours: 'hour' } as Record<string, string>)[u] ?? u;
    if ((TIME_UNITS as readonly string[]).includes(canonical)) return canonical;
    const known = /^(day|days|month|months|year|years|week|weeks|quarter|decade|century|millennium|dow|isodow|doy|isoyear|julian|timezone|timezone_hour|timezone_minute)$/.test(canonical);
    return fail(`unit "${String(name)}" ${known ? 'not supported' : 'not recognized'} for type time without time zone (${fn})`);
  };
  const extract = (u: string, us: number): NumericValue => {
    const inMinute = us % 60_000_000;
    switch (u) {
      case 'microseconds': return inMinute;
      case 'milliseconds': return numericValue({ mant: BigInt(inMinute), scale: 3 });
      case 'second': return numericValue({ mant: BigInt(inMinute), scale: 6 });
      case 'minute': return Math.floor(us / 60_000_000) % 60;
      case 'hour': return Math.floor(us / 3_600_000_000);
      default: return numericValue({ mant: BigInt(us), scale: 6 });
    }
  };
  return {
    time_text: ([a]) => formatTime(num('time_text', a!)),
    text_to_time: ([a]) => {
      const r = parseTimeText(String(a));
      return typeof r === 'number' ? r : fail(r.message);
    },
    timestamp_to_time: ([a]) => {
      const ms = num('timestamp_to_time', a!);
      return (ms - Math.floor(ms / MS_PER_DAY) * MS_PER_DAY) * 1000;
    },
    date_add_time: ([d, t]) => num('date_add_time', d!) * MS_PER_DAY + Math.round(num('date_add_time', t!) / 1000),
    time_add_interval: ([t, i]) => wrap(num('time_add_interval', t!) + (iv('time_add_interval', i!).micros % US_PER_DAY)),
    time_sub_interval: ([t, i]) => wrap(num('time_sub_interval', t!) - (iv('time_sub_interval', i!).micros % US_PER_DAY)),
    time_diff: ([a, b]) => encodeInterval({ months: 0, days: 0, micros: num('time_diff', a!) - num('time_diff', b!) + 0 }),
    extract_time: ([u, t]) => extract(unit('extract', u!), num('extract', t!)),
    date_part_time: ([u, t]) => {
      const us = num('date_part', t!);
      const f = unit('date_part', u!);
      if (f === 'second') return (us % 60_000_000) / 1e6;
      if (f === 'milliseconds') return (us % 60_000_000) / 1e3;
      if (f === 'epoch') return us / 1e6;
      return extract(f, us) as number;
    },
  };
}
