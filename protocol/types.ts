/**
 * Shared data types of every layer: timestamps, row values, updates and frontiers, as TypeBox
 * schemas with their static types. See ARCHITECTURE.md section 1 for the vocabulary.
 */
import { Type, type Static } from '@sinclair/typebox';

/** Milliseconds since the epoch; totally ordered within a timeline. */
export const Timestamp = Type.Integer({ minimum: 0, description: 'milliseconds since the epoch' });
export type Timestamp = Static<typeof Timestamp>;

/** A value that is not an array: SQL NULL is msgpack nil; numbers, strings and booleans as themselves. */
export const ScalarValue = Type.Union([Type.Null(), Type.Boolean(), Type.Number(), Type.String()]);
export type ScalarValue = Static<typeof ScalarValue>;

/**
 * One column value: a scalar, or a one-dimensional SQL array as an array of scalars (its
 * elements, NULLs among them; lower bound 1, as every array definite makes).
 */
export const Value = Type.Union([ScalarValue, Type.Array(ScalarValue, { maxItems: 1_000_000 })]);
export type Value = Static<typeof Value>;

/** A row: an array of column values in the collection's column order. */
export const Row = Type.Array(Value);
export type Row = Static<typeof Row>;

/** `[row, time, diff]`: `diff` is a non-zero integer (positive inserts, negative retracts). */
export const Update = Type.Tuple([Row, Timestamp, Type.Integer()]);
export type Update = Static<typeof Update>;

/**
 * A frontier over totally ordered time: `[t]` means "every time before t is complete",
 * `[]` (the empty frontier) means "complete forever": the collection will never change again.
 */
export const Frontier = Type.Array(Timestamp, { maxItems: 1 });
export type Frontier = Static<typeof Frontier>;

/** The empty frontier. */
export const EMPTY_FRONTIER: Frontier = [];

/** True when `t` is not yet complete at `frontier` (i.e. t >= frontier[0]). */
export function frontierContains(frontier: Frontier, t: Timestamp): boolean {
  return frontier.length === 1 && t >= frontier[0]!;
}

/** Column types of definite rows. */
export const ColumnType = Type.Union([
  Type.Literal('bool'),
  /** int2, int4 and int8 (the last limited to ±(2^53 - 1): protocol/compute/int-range.ts). */
  Type.Literal('smallint'),
  Type.Literal('int'),
  Type.Literal('bigint'),
  Type.Literal('float'),
  /** float4: a number that is a single-precision value (Math.fround of itself). */
  Type.Literal('real'),
  Type.Literal('numeric'),
  Type.Literal('text'),
  Type.Literal('timestamp'),
  /** timestamp with time zone: milliseconds since the epoch, as timestamp; shown in the session's zone, UTC. */
  Type.Literal('timestamptz'),
  /** time of day: microseconds since midnight, 0 .. 86400000000 (protocol/compute/time-scalar.ts). */
  Type.Literal('time'),
  /** Days since 1970-01-01; `interval` is an encoded (months, days, microseconds) string: protocol/datetime.ts. */
  Type.Literal('date'),
  Type.Literal('interval'),
  /** A JSON document (protocol/jsonb.ts: a tagged string of Postgres' jsonb text). */
  Type.Literal('jsonb'),
  /** One-dimensional arrays of the element types above (the element type is the name without `[]`). */
  Type.Literal('bool[]'),
  Type.Literal('smallint[]'),
  Type.Literal('int[]'),
  Type.Literal('bigint[]'),
  Type.Literal('float[]'),
  Type.Literal('numeric[]'),
  Type.Literal('text[]'),
]);
export type ColumnType = Static<typeof ColumnType>;

/** A named, typed column. */
export const Column = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    type: ColumnType,
    nullable: Type.Boolean(),
    /** numeric(precision, scale): values are rounded to `scale` and must fit `precision` digits. */
    precision: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    scale: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
    /** varchar(length): at most `length` characters. */
    length: Type.Optional(Type.Integer({ minimum: 1, maximum: 10485760 })),
  },
  { additionalProperties: false },
);
export type Column = Static<typeof Column>;

/** A relation's schema: its columns in order. */
export const Schema = Type.Array(Column, { maxItems: 1024 });
export type Schema = Static<typeof Schema>;
