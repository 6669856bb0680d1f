/**
 * Planning of dates, timestamps and intervals: the arithmetic operators Postgres defines on them
 * (`date + int`, `date - date`, `date ± interval` and `timestamp ± interval` as timestamp,
 * `timestamp - timestamp` as interval, `interval ± interval`, `interval * number`), and the
 * functions `extract` / `date_part` / `date_trunc` / `now()` / `CURRENT_TIMESTAMP` /
 * `CURRENT_DATE`. The run time is protocol/compute/datetime-scalar.ts. Casts are in casts.ts.
 */
import type { SQLValueFunction } from 'libpg-query';
import { SqlState } from '../../../protocol/control/errors.js';
import { MS_PER_DAY } from '../../../protocol/datetime.js';
import { unitError } from '../../../protocol/compute/datetime-scalar.js';
import type { ColumnType } from '../../../protocol/types.js';
import type { PlanContext } from './context.js';
import { typedCall } from './typed-call.js';
import { coerce, isNumeric, lit, type Typed } from './typed.js';

const isDatetime = (t: ColumnType | null) => t === 'date' || t === 'timestamp' || t === 'timestamptz' || t === 'time' || t === 'interval';

/** A timestamptz operand as a timestamp (the same milliseconds: the session's zone is UTC). */
const asTimestamp = (t: Typed): Typed => (t.type === 'timestamptz' ? { ...t, type: 'timestamp' } : t);

/** `left op right` when an operand is a date, timestamp or interval; undefined otherwise. */
export function datetimeBinary(op: string, left: Typed, right: Typed, ctx: PlanContext, location: number | undefined): Typed | undefined {
  if (!isDatetime(left.type) && !isDatetime(right.type)) return undefined;
  // An unknown literal beside a date/time: an interval when added to or taken from a date or
  // timestamp, the other side's type when subtracted from it (Postgres' choice for `-`).
  const other = (a: Typed, b: Typed): Typed => {
    if (a.type !== null) return a;
    if (b.type === 'interval') return coerce(a, op === '*' || op === '/' ? 'float' : 'interval', ctx, location);
    if (op === '+' || (op === '-' && b === left)) return coerce(a, b.type === 'date' ? 'int' : 'interval', ctx, location);
    return coerce(a, b.type!, ctx, location);
  };
  // timestamptz: computed as timestamp, and a timestamp result is a timestamptz again.
  const tz = [left, right].some((t) => t.type === 'timestamptz');
  const l = asTimestamp(other(left, right));
  const r = asTimestamp(other(right, left));
  const call = (fn: Parameters<typeof typedCall>[0], args: Typed[], type: ColumnType) => typedCall(fn, args, tz && type === 'timestamp' ? 'timestamptz' : type, '?column?');
  const int = (t: Typed) => isNumeric(t.type) && t.type !== 'float' && t.type !== 'numeric';
  const [a, b] = [l.type, r.type];
  switch (op) {
    case '+':
      if (a === 'time' && b === 'interval') return call('time_add_interval', [l, r], 'time');
      if (a === 'interval' && b === 'time') return call('time_add_interval', [r, l], 'time');
      if (a === 'date' && b === 'time') return call('date_add_time', [l, r], 'timestamp');
      if (a === 'time' && b === 'date') return call('date_add_time', [r, l], 'timestamp');
      if (a === 'date' && int(r)) return call('date_add_days', [l, coerce(r, 'int', ctx, location)], 'date');
      if (int(l) && b === 'date') return call('date_add_days', [r, coerce(l, 'int', ctx, location)], 'date');
      if ((a === 'date' || a === 'timestamp') && b === 'interval') return call('timestamp_add_interval', [coerce(l, 'timestamp', ctx, location), r], 'timestamp');
      if (a === 'interval' && (b === 'date' || b === 'timestamp')) return call('timestamp_add_interval', [coerce(r, 'timestamp', ctx, location), l], 'timestamp');
      if (a === 'interval' && b === 'interval') return call('interval_add', [l, r], 'interval');
      break;
    case '-':
      if (a === 'time' && b === 'interval') return call('time_sub_interval', [l, r], 'time');
      if (a === 'time' && b === 'time') return call('time_diff', [l, r], 'interval');
      if (a === 'date' && int(r)) return call('date_sub_days', [l, coerce(r, 'int', ctx, location)], 'date');
      if (a === 'date' && b === 'date') return call('date_diff', [l, r], 'int');
      if ((a === 'date' || a === 'timestamp') && b === 'interval') return call('timestamp_sub_interval', [coerce(l, 'timestamp', ctx, location), r], 'timestamp');
      if ((a === 'date' || a === 'timestamp') && (b === 'date' || b === 'timestamp')) {
        return call('timestamp_diff', [coerce(l, 'timestamp', ctx, location), coerce(r, 'timestamp', ctx, location)], 'interval');
      }
      if (a === 'interval' && b === 'interval') return call('interval_sub', [l, r], 'interval');
      break;
    case '*':
      if (a === 'interval' && isNumeric(b)) return call('interval_mul', [l, r], 'interval');
      if (isNumeric(a) && b === 'interval') return call('interval_mul', [r, l], 'interval');
      break;
    case '/':
      if (a === 'interval' && isNumeric(b)) return call('interval_div', [l, r], 'interval');
      break;
    default:
      return undefined;
  }
  throw ctx.error(SqlState.UndefinedFunction, `operator does not exist: ${a ?? 'unknown'} ${op} ${b ?? 'unknown'}`, location, 'add explicit casts');
}

type Builder = (args: Typed[], fail: () => never, ctx: PlanContext, location: number | undefined, name: string) => Typed;

/** The unit argument of extract / date_part / date_trunc, checked at plan time when constant. */
function unitArg(t: Typed, kind: Parameters<typeof unitError>[1], ctx: PlanContext, location: number | undefined, fail: () => never): Typed {
  if (t.type !== null && t.type !== 'text') fail();
  const unit = coerce(t, 'text', ctx, location);
  if (unit.expr.op === 'lit' && typeof unit.expr.value === 'string') {
    const err = unitError(unit.expr.value, kind);
    if (err) throw ctx.error(err.code, err.message, location);
  }
  return unit;
}

/** extract(unit FROM x) (numeric, as Postgres 15) and date_part(unit, x) (float). */
function extractBuilder(result: 'numeric' | 'float'): Builder {
  return (args, fail, ctx, loc, name) => {
    if (args.length !== 2) fail();
    let value = asTimestamp(args[1]!);
    if (value.type === null) value = coerce(value, 'timestamp', ctx, loc);
    // date_part has no date form in Postgres: the date becomes a timestamp.
    if (value.type === 'date' && result === 'float') value = coerce(value, 'timestamp', ctx, loc);
    const float = result === 'float';
    // time: its fields are checked at run time (time-scalar.ts).
    if (value.type === 'time') return typedCall(float ? 'date_part_time' : 'extract_time', [coerce(args[0]!, 'text', ctx, loc), value], result, name);
    const fn =
      value.type === 'date' ? 'extract_date'
      : value.type === 'timestamp' ? (float ? 'date_part_timestamp' : 'extract_timestamp')
      : value.type === 'interval' ? (float ? 'date_part_interval' : 'extract_interval')
      : fail();
    const unit = unitArg(args[0]!, value.type as 'date' | 'timestamp' | 'interval', ctx, loc, fail);
    return typedCall(fn, [unit, value], result, name);
  };
}

/** now() and CURRENT_TIMESTAMP: the time of planning, in a one-off query only. */
function now(ctx: PlanContext, location: number | undefined, what: string, type: 'timestamp' | 'timestamptz' | 'date', name: string): Typed {
  if (ctx.maintained) {
    throw ctx.error(SqlState.FeatureNotSupported, `${what} is not allowed in a view or other maintained query`, location, 'use mz_now() to filter by time; now() would be frozen at the time of creation');
  }
  const ms = Date.now();
  return { expr: lit(type === 'date' ? Math.floor(ms / MS_PER_DAY) : ms, type), type, nullable: false, name };
}

export const DATETIME_SQL_FUNCTIONS: Record<string, Builder> = {
  extract: extractBuilder('numeric'),
  date_part: extractBuilder('float'),
  date_trunc: (args, fail, ctx, loc, name) => {
    if (args.length !== 2) fail();
    let value = args[1]!;
    // Postgres truncates a date as a timestamptz (its implicit cast), so the result prints with +00.
    const tz = value.type === 'timestamptz' || value.type === 'date';
    value = asTimestamp(value);
    if (value.type === null || value.type === 'date') value = coerce(value, 'timestamp', ctx, loc);
    if (value.type !== 'timestamp') fail();
    return typedCall('date_trunc_timestamp', [unitArg(args[0]!, 'trunc', ctx, loc, fail), value], tz ? 'timestamptz' : 'timestamp', name);
  },
  now: (args, fail, ctx, loc, name) => (args.length !== 0 ? fail() : now(ctx, loc, 'now()', 'timestamptz', name)),
};

/** CURRENT_TIMESTAMP, CURRENT_DATE, LOCALTIMESTAMP; others 0A000. */
export function planSqlValueFunction(f: SQLValueFunction, ctx: PlanContext, location: number | undefined): Typed {
  switch (f.op) {
    case 'SVFOP_CURRENT_TIMESTAMP':
      return now(ctx, location, 'CURRENT_TIMESTAMP', 'timestamptz', 'current_timestamp');
    case 'SVFOP_LOCALTIMESTAMP':
      return now(ctx, location, 'LOCALTIMESTAMP', 'timestamp', 'localtimestamp');
    case 'SVFOP_CURRENT_DATE':
      return now(ctx, location, 'CURRENT_DATE', 'date', 'current_date');
    default:
      throw ctx.unsupported(`${String(f.op).replace(/^SVFOP_/, '')} and other SQL value functions`, location);
  }
}
