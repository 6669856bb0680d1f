/**
 * Sink definitions: where a collection's changes leave definite. Recorded durably by the storage
 * controller (CreateSink) and run by a `sink` actor on a storage host (actors/storage/sinks/).
 *
 * - `jetstream`: every change of collection `from`, from `asOf` on (the contents at `asOf` first,
 *   as that time's changes), published to JetStream stream `stream` on `subject`, encoded per
 *   `format` and `envelope` (actors/storage/sinks/sink-messages.ts): exactly once across restarts
 *   of every process. Each message carries `Dfn-Sink-Time`, `Dfn-Sink-Index` and `Dfn-Sink-Count`
 *   headers (its time, its place among that time's messages, their number) and the message id
 *   `<sink>:<time>:<index>`; the last message on `subject` is the sink's durable progress, and every
 *   publish expects the subject's last sequence, so a second writer is fenced.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Schema, Timestamp } from '../types.js';

export const JetStreamSink = Type.Object(
  {
    kind: Type.Literal('jetstream'),
    /** The collection whose changes are published (a materialized view's, a table's, a source's). */
    from: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    /** The collection's schema; with `errors`, its last column is a view's error column (protocol/error-column.ts). */
    schema: Schema,
    errors: Type.Optional(Type.Boolean()),
    stream: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    /** A literal subject (no wildcards) of the stream; created with the stream when it does not exist. */
    subject: Type.String({ pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$', maxLength: 256 }),
    format: Type.Union([Type.Literal('json'), Type.Literal('msgpack')]),
    envelope: Type.Union([Type.Literal('upsert'), Type.Literal('debezium')]),
    /** Key column names (required for `upsert`; optional for `debezium`). */
    key: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 63 }), { minItems: 1, maxItems: 32 })),
    /** The first time published (its contents as a snapshot). */
    asOf: Timestamp,
  },
  { additionalProperties: false },
);

export const SinkSpec = Type.Union([JetStreamSink]);
export type SinkSpec = Static<typeof SinkSpec>;
export type JetStreamSink = Static<typeof JetStreamSink>;

/** The headers a sink's messages carry (see above). */
export const SINK_HEADERS = { time: 'Dfn-Sink-Time', index: 'Dfn-Sink-Index', count: 'Dfn-Sink-Count', key: 'Dfn-Key' } as const;
