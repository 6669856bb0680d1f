/**
 * Source definitions: what feeds a definite collection. One schema per kind, behind one
 * `SourceSpec` union, recorded durably by the storage controller and handed to the collection.
 *
 * - `table`: written only through `Append` (CONTROL is the writer); with `txns`, its upper also
 *   follows its host's transaction log (txns.ts), so idle tables are never written.
 * - `generator`: deterministic load generators keyed by offset. `counter`: one row `[offset]` per
 *   tick (offsets 1, 2, 3, ...). `auction`: Materialize's auction generator; `output` picks the
 *   relation: `auctions` (id, seller, item, end_time) or `bids` (id, buyer, auction_id, amount,
 *   bid_time); both are pure functions of the offset, so two sources with the same settings agree.
 *   `tpch`: the TPC-H tables at `scaleFactor`, one collection per table (`output`), each offset
 *   one row (lineitem: one order's lines), pure functions of (table, offset, scale factor).
 *   `nexmark`: the Nexmark benchmark's person / auction / bid (protocol/storage/nexmark.ts),
 *   offset n being event n - 1 of one sequence, kept by the collection of its kind.
 * - `jetstream`: ingests a NATS JetStream stream; each message's payload (JSON object or msgpack
 *   map, per `format`) is mapped to the declared columns by name; messages that do not fit are
 *   counted (`badMessages`) and reported, never silently dropped from the count. `envelope`
 *   (default `none`, append-only) may be `upsert` or `debezium`, keyed by the `key` columns: a
 *   message then replaces (or, null, deletes) its key's row (actors/storage/sources/envelope.ts).
 * - `postgres`: PostgreSQL change data capture through a logical replication slot (pgoutput):
 *   an initial snapshot, then every upstream transaction at one timestamp, with its commit LSN
 *   as the upstream position (docs/sources-postgres.md).
 */
import { Type, type Static } from '@sinclair/typebox';
import { ColumnType, Schema } from '../types.js';
import { TPCH_MAX_SCALE, TPCH_TABLES } from './tpch.js';
import { NEXMARK_TABLES } from './nexmark.js';

const Tick = Type.Integer({ minimum: 1, maximum: 3_600_000, description: 'milliseconds between ticks' });

export const TableSource = Type.Object(
  {
    kind: Type.Literal('table'),
    schema: Schema,
    /**
     * Sealed by its host's transaction log (txns.ts), as CONTROL's tables are: its upper is
     * max(its own upper, the txns upper), and no update may be appended below the txns upper.
     */
    txns: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const GeneratorSource = Type.Object(
  {
    kind: Type.Literal('generator'),
    generator: Type.Union([Type.Literal('counter'), Type.Literal('auction'), Type.Literal('tpch'), Type.Literal('nexmark')]),
    /** For `auction`, `tpch` and `nexmark`: which relation this collection holds. */
    output: Type.Optional(Type.Union([Type.Literal('auctions'), Type.Literal('bids'), ...TPCH_TABLES.map((t) => Type.Literal(t)), ...NEXMARK_TABLES.map((t) => Type.Literal(t))])),
    /** For `tpch`: the TPC-H scale factor (the rows are a function of it: protocol/storage/tpch.ts). */
    scaleFactor: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: TPCH_MAX_SCALE })),
    tickMs: Tick,
    /** Offsets produced per tick (default 1). */
    perTick: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    /** Stop after this many offsets (the collection's upper then stays where it is). */
    maxOffsets: Type.Optional(Type.Integer({ minimum: 1 })),
    schema: Schema,
  },
  { additionalProperties: false },
);

export const JetStreamSource = Type.Object(
  {
    kind: Type.Literal('jetstream'),
    stream: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    /** Only messages on subjects matching this filter (default: the whole stream). */
    filterSubject: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    format: Type.Union([Type.Literal('json'), Type.Literal('msgpack')]),
    schema: Schema,
    /** Most messages fetched per pull (default 1000). */
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    /**
     * `none` (default): each message one new row. `upsert`: a payload replaces its key's row, a
     * null payload (empty body or JSON null) deletes the key named by its `Dfn-Key` header (a JSON
     * object of the key columns). `debezium`: `{before, after, op}` events, bare or in `payload`.
     */
    envelope: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('upsert'), Type.Literal('debezium')])),
    /** The key columns (names in `schema`) of an `upsert` or `debezium` source. */
    key: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 63 }), { minItems: 1, maxItems: 32 })),
  },
  { additionalProperties: false },
);

/** One upstream table of a `postgres` source: its columns as CONTROL mapped them at CREATE time. */
export const PostgresTable = Type.Object(
  {
    schema: Type.String({ minLength: 1, maxLength: 128 }),
    name: Type.String({ minLength: 1, maxLength: 128 }),
    columns: Type.Array(Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }), typeOid: Type.Integer({ minimum: 0 }), type: ColumnType }, { additionalProperties: false }), { minItems: 1, maxItems: 1600 }),
  },
  { additionalProperties: false },
);

export const PostgresSource = Type.Object(
  {
    kind: Type.Literal('postgres'),
    /** Where the upstream is. The password is a secret's value: never printed (info() leaves it out). */
    connection: Type.Object(
      {
        host: Type.String({ minLength: 1, maxLength: 256 }),
        port: Type.Integer({ minimum: 1, maximum: 65535 }),
        user: Type.String({ minLength: 1, maxLength: 128 }),
        password: Type.Optional(Type.String({ maxLength: 4096 })),
        database: Type.String({ minLength: 1, maxLength: 128 }),
      },
      { additionalProperties: false },
    ),
    publication: Type.String({ minLength: 1, maxLength: 128 }),
    /** The logical replication slot this source owns (created at its first start, dropped with it). */
    slot: Type.String({ pattern: '^[a-z0-9_]{1,63}$' }),
    /** The upstream tables, in subsource order: row `[i, ...]` of the collection belongs to `tables[i]`. */
    tables: Type.Array(PostgresTable, { minItems: 1, maxItems: 1000 }),
    /** `_table` then every table's columns (nullable), as `postgresSchema(tables)` builds it. */
    schema: Schema,
  },
  { additionalProperties: false },
);

export const SourceSpec = Type.Union([TableSource, GeneratorSource, JetStreamSource, PostgresSource]);
export type PostgresSource = Static<typeof PostgresSource>;
export type PostgresTable = Static<typeof PostgresTable>;

/** The name of table `i`'s column `name` in a postgres source's collection. */
export function postgresColumnName(i: number, name: string): string {
  return `t${i}_${name}`.slice(0, 128);
}

/**
 * A postgres source's collection schema: column `_table` (which upstream table a row is from),
 * then each table's columns, nullable (a row of table i holds NULL in every other table's).
 * One collection for all tables, so an upstream transaction's rows, the new upper and the commit
 * LSN are one atomic commit; the subsources are CONTROL's projections of it.
 */
export function postgresSchema(tables: Array<{ columns: Array<{ name: string; type: Static<typeof ColumnType> }> }>): Static<typeof Schema> {
  return [{ name: '_table', type: 'int', nullable: false }, ...tables.flatMap((t, i) => t.columns.map((c) => ({ name: postgresColumnName(i, c.name), type: c.type, nullable: true })))];
}
export type SourceSpec = Static<typeof SourceSpec>;
export type TableSource = Static<typeof TableSource>;
export type GeneratorSource = Static<typeof GeneratorSource>;
export type JetStreamSource = Static<typeof JetStreamSource>;

/** Column layouts of the generators, so callers need not repeat them. */
export const GENERATOR_SCHEMAS = {
  counter: [{ name: 'counter', type: 'int', nullable: false }],
  auctions: [
    { name: 'id', type: 'int', nullable: false },
    { name: 'seller', type: 'int', nullable: false },
    { name: 'item', type: 'text', nullable: false },
    { name: 'end_time', type: 'timestamp', nullable: false },
  ],
  bids: [
    { name: 'id', type: 'int', nullable: false },
    { name: 'buyer', type: 'int', nullable: false },
    { name: 'auction_id', type: 'int', nullable: false },
    { name: 'amount', type: 'int', nullable: false },
    { name: 'bid_time', type: 'timestamp', nullable: false },
  ],
} as const satisfies Record<string, Schema>;
