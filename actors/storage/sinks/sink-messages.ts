/**
 * What a sink publishes for one time: the consolidated updates of a collection at time `t` turned
 * into messages, deterministically (the same updates always give the same messages in the same
 * order), so a restarted sink that finds the first `k` of a time's messages in its stream can
 * publish exactly the rest.
 *
 * - `upsert` (needs a key): per key changed at `t`, its new row as the payload, or, when the key's
 *   row was deleted, an empty payload (a tombstone). Every message carries its key in the
 *   `Dfn-Key` header (a JSON object of the key columns), the form definite's own upsert sources
 *   read (sources/envelope.ts). Two rows for one key at one time is a key violation: an error.
 * - `debezium`: `{"before": row | null, "after": row | null}`; with a key, one event per key changed
 *   (before = its old row, after = its new one); without a key, one event per retracted or inserted
 *   copy of a row.
 * Rows are JSON objects (or msgpack maps) by column name; timestamps, dates and intervals as the
 * text Postgres prints, other values as they are, except exact numbers (protocol/numeric.ts): a
 * numeric or bigint carried as a NUL-tagged string is, in JSON, a JSON number with exactly its
 * digits (`1.50`, `12345678901234567890.5`: no double is involved, so nothing is rounded), and in
 * msgpack its digits as a string (`"1.50"`: msgpack has no decimal type; a bigint beyond ±2^53 is
 * a msgpack int64). definite's JetStream sources read both forms back exactly.
 */
import type { Column, Row, Update, Value } from '../../../protocol/types.js';
import { formatTimestamp, formatTimestamptz } from '../../../protocol/timestamp-text.js';
import { formatTime } from '../../../protocol/time-text.js';
import { decodeInterval, formatDate, formatInterval } from '../../../protocol/datetime.js';
import { encode } from '../../../protocol/codec.js';
import { Accumulator } from '../consolidate.js';
import { isNumericString } from '../../../protocol/numeric.js';

/** A numeric's exact digits, written into JSON as a number token (`payload`). */
class ExactNumber {
  constructor(
    readonly digits: string,
    readonly int64: boolean,
  ) {}
}

export type SinkEnvelope = 'upsert' | 'debezium';

export interface SinkFormat {
  envelope: SinkEnvelope;
  format: 'json' | 'msgpack';
  schema: Column[];
  /** Indexes of the key columns in `schema`; required for `upsert`. */
  keyIndexes?: number[];
}

export interface SinkMessage {
  /** Empty for an upsert tombstone. */
  data: Uint8Array;
  /** The key columns as a JSON object (keyed envelopes). */
  key?: string;
}

export class SinkKeyViolation extends Error {
  override readonly name = 'SinkKeyViolation';
}

/** The messages for the updates of one time (all at the same timestamp, in any order). */
export function messagesAt(updates: readonly Update[], f: SinkFormat): SinkMessage[] {
  const rows = consolidated(updates);
  if (f.keyIndexes === undefined) {
    // Debezium without a key: one event per copy, retractions first.
    const out: SinkMessage[] = [];
    for (const [row, diff] of rows.filter(([, d]) => d < 0)) for (let i = 0; i < -diff; i++) out.push({ data: payload({ before: objectOf(row, f.schema), after: null }, f) });
    for (const [row, diff] of rows.filter(([, d]) => d > 0)) for (let i = 0; i < diff; i++) out.push({ data: payload({ before: null, after: objectOf(row, f.schema) }, f) });
    return out;
  }
  const keys = new Map<string, { before?: Row; after?: Row }>();
  for (const [row, diff] of rows) {
    const key = JSON.stringify(Object.fromEntries(f.keyIndexes.map((i) => [f.schema[i]!.name, jsonValue(row[i]!, f.schema[i]!)])));
    const entry = keys.get(key) ?? {};
    keys.set(key, entry);
    if (diff === -1 && entry.before === undefined) entry.before = row;
    else if (diff === 1 && entry.after === undefined) entry.after = row;
    else throw new SinkKeyViolation(`the sink's key is not unique: ${key} has ${Math.abs(diff) > 1 ? `${Math.abs(diff)} copies of a row` : 'two rows'} at one time`);
  }
  const out: SinkMessage[] = [];
  for (const [key, { before, after }] of keys) {
    if (f.envelope === 'upsert') out.push({ key, data: after ? payload(objectOf(after, f.schema), f) : new Uint8Array(0) });
    else out.push({ key, data: payload({ before: before ? objectOf(before, f.schema) : null, after: after ? objectOf(after, f.schema) : null }, f) });
  }
  return out;
}

/** Rows with their summed diffs, zeros dropped, in a canonical order (compareRows). */
function consolidated(updates: readonly Update[]): Array<[Row, number]> {
  const acc = new Accumulator();
  for (const [row, , diff] of updates) acc.add(row, diff);
  return acc.contents().sort((a, b) => compareRows(a[0], b[0]));
}

/** A total order of values: NULL, booleans, numbers (NaN last), strings, arrays; then by value. */
function compareValues(a: Value, b: Value): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (Array.isArray(a) && Array.isArray(b)) return compareRows(a, b);
  if (typeof a === 'number' && typeof b === 'number') return a !== a ? (b !== b ? 0 : 1) : b !== b ? -1 : a - b;
  return a! < b! ? -1 : a! > b! ? 1 : 0;
}

function rank(v: Value): number {
  return v === null ? 0 : typeof v === 'boolean' ? 1 : typeof v === 'number' ? 2 : typeof v === 'string' ? 3 : 4;
}

export function compareRows(a: readonly Value[], b: readonly Value[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareValues(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function objectOf(row: Row, schema: Column[]): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  schema.forEach((c, i) => (obj[c.name] = jsonValue(row[i]!, c)));
  return obj;
}

function jsonValue(v: Value, c: Column): unknown {
  if (v === null) return null;
  if (c.type === 'timestamp' && typeof v === 'number') return formatTimestamp(v);
  if (c.type === 'timestamptz' && typeof v === 'number') return formatTimestamptz(v);
  if (c.type === 'time' && typeof v === 'number') return formatTime(v);
  if (c.type === 'date' && typeof v === 'number') return formatDate(v);
  if (c.type === 'interval' && typeof v === 'string') {
    const i = decodeInterval(v);
    return i ? formatInterval(i) : v;
  }
  if (c.type.endsWith('[]') && Array.isArray(v)) {
    const element = { ...c, type: c.type.slice(0, -2) as Column['type'] };
    return v.map((e) => jsonValue(e, element));
  }
  if ((c.type === 'numeric' || c.type === 'bigint') && isNumericString(v)) return new ExactNumber((v as string).slice(1), c.type === 'bigint');
  return v;
}

function payload(obj: unknown, f: SinkFormat): Uint8Array {
  return f.format === 'json' ? new TextEncoder().encode(json(obj)) : encode(msgpackable(obj));
}

/** JSON.stringify, with an ExactNumber written as its digits (a JSON number token). */
function json(v: unknown): string {
  if (v instanceof ExactNumber) return v.digits;
  if (Array.isArray(v)) return `[${v.map(json).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, e]) => `${JSON.stringify(k)}:${json(e)}`).join(',')}}`;
  return JSON.stringify(v);
}

/** The value with each ExactNumber as msgpack carries it: a bigint as int64 (BigInt), a numeric as its digits (a string). */
function msgpackable(v: unknown): unknown {
  if (v instanceof ExactNumber) return v.int64 ? BigInt(v.digits) : v.digits;
  if (Array.isArray(v)) return v.map(msgpackable);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, msgpackable(e)]));
  return v;
}
