/**
 * Envelopes of a JetStream source's messages (Materialize's `ENVELOPE NONE | UPSERT | DEBEZIUM`):
 * how one decoded payload becomes a change of the collection.
 *
 * - `none`: every message is one new row (append-only).
 * - `upsert`: the message's key columns name a row; a payload replaces that key's row, and a null
 *   payload (an empty body or JSON `null`) deletes it, its key then read from the `Dfn-Key` header
 *   (a JSON object of the key columns), as a Kafka tombstone carries its key beside the value.
 * - `debezium`: a Debezium change event `{before, after, op}` (bare or inside `payload`, as with
 *   Debezium's schemas on); `after` upserts its key, `after: null` deletes `before`'s key; Debezium's
 *   own tombstones (null payloads after a delete) change nothing.
 *
 * The state that turns keyed changes into retractions is `UpsertState` (upsert-state.ts).
 */
import type { Column, Row, Value } from '../../../protocol/types.js';
import { fits } from '../validate.js';
import { coerceField } from './coerce.js';
import { parseJsonExact, stringifyJsonExact } from '../../../protocol/exact-json.js';

export type Envelope = 'none' | 'upsert' | 'debezium';

/** What one message asks for: a row appended, a key's row set (or deleted, `row: null`), nothing, or a bad message's reason. */
export type Change =
  | { kind: 'append'; row: Row }
  | { kind: 'upsert'; key: string; row: Row | null }
  | { kind: 'skip' }
  | { kind: 'bad'; reason: string };

export interface EnvelopeSpec {
  envelope: Envelope;
  schema: Column[];
  /** Indexes of the key columns in `schema` (upsert, debezium). */
  keyIndexes: number[];
}

/** The payload's row, by column name, or the reason it does not fit. */
export function rowOf(obj: unknown, schema: Column[]): Row | string {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return 'payload is not an object';
  const rec = obj as Record<string, unknown>;
  const row: Value[] = [];
  for (const col of schema) {
    const v = rec[col.name] === undefined ? null : (coerceField(rec[col.name], col) as Value);
    if (v === undefined || !fits(v, col)) return `column "${col.name}" (${col.type}) cannot hold ${shown(rec[col.name])}`;
    row.push(v);
  }
  return row;
}

/** A field as the error message shows it (exact numbers with their digits). */
function shown(v: unknown): string {
  return typeof v === 'bigint' ? String(v) : stringifyJsonExact(v);
}

/** The key of a row (its key columns), as a string the state can be indexed by; undefined when a key column is NULL. */
export function keyOf(row: Row, keyIndexes: number[]): string | undefined {
  const key: Value[] = [];
  for (const i of keyIndexes) {
    if (row[i] === null) return undefined;
    key.push(row[i]!);
  }
  return JSON.stringify(key);
}

/** The key given by a `Dfn-Key` header: a JSON object of the key columns. */
function headerKey(header: string | undefined, spec: EnvelopeSpec): string | { bad: string } {
  if (header === undefined) return { bad: 'a null payload needs its key in the Dfn-Key header' };
  let obj: unknown;
  try {
    obj = parseJsonExact(header);
  } catch {
    return { bad: 'the Dfn-Key header is not JSON' };
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return { bad: 'the Dfn-Key header is not a JSON object' };
  const rec = obj as Record<string, unknown>;
  const key: Value[] = [];
  for (const i of spec.keyIndexes) {
    const col = spec.schema[i]!;
    const v = rec[col.name] === undefined ? null : (coerceField(rec[col.name], col) as Value);
    if (v === null) return { bad: `the Dfn-Key header lacks key column "${col.name}"` };
    if (v === undefined || !fits(v, col)) return { bad: `the Dfn-Key header's "${col.name}" (${col.type}) cannot hold ${shown(rec[col.name])}` };
    key.push(v);
  }
  return JSON.stringify(key);
}

/** The change one message asks for. `payload` is the decoded body, `null` for an empty body. */
export function changeOf(payload: unknown, keyHeader: string | undefined, spec: EnvelopeSpec): Change {
  if (spec.envelope === 'none') {
    const row = rowOf(payload, spec.schema);
    return typeof row === 'string' ? { kind: 'bad', reason: row } : { kind: 'append', row };
  }
  if (spec.envelope === 'upsert') {
    if (payload === null) {
      const key = headerKey(keyHeader, spec);
      return typeof key === 'string' ? { kind: 'upsert', key, row: null } : { kind: 'bad', reason: key.bad };
    }
    return keyed(rowOf(payload, spec.schema), spec);
  }
  // Debezium: a tombstone follows each delete; the delete itself carried the change.
  if (payload === null) return { kind: 'skip' };
  if (typeof payload !== 'object' || Array.isArray(payload)) return { kind: 'bad', reason: 'payload is not a Debezium change event' };
  const outer = payload as Record<string, unknown>;
  const event = (outer.payload !== undefined && outer.before === undefined && outer.after === undefined ? outer.payload : outer) as Record<string, unknown> | null;
  if (event === null || typeof event !== 'object' || !('after' in event || 'before' in event)) {
    return { kind: 'bad', reason: 'payload is not a Debezium change event (no before or after)' };
  }
  const after = event.after ?? null;
  if (after !== null) return keyed(rowOf(after, spec.schema), spec);
  const before = event.before ?? null;
  if (before === null) return { kind: 'bad', reason: 'a Debezium delete without before' };
  const row = rowOf(before, spec.schema);
  if (typeof row === 'string') return { kind: 'bad', reason: `before: ${row}` };
  const key = keyOf(row, spec.keyIndexes);
  return key === undefined ? { kind: 'bad', reason: 'a key column is NULL' } : { kind: 'upsert', key, row: null };
}

function keyed(row: Row | string, spec: EnvelopeSpec): Change {
  if (typeof row === 'string') return { kind: 'bad', reason: row };
  const key = keyOf(row, spec.keyIndexes);
  return key === undefined ? { kind: 'bad', reason: 'a key column is NULL' } : { kind: 'upsert', key, row };
}
