/**
 * The client API (see README.md in this folder): what a client sends, over plain NATS
 * request/reply. A client opens a session on `connectSubject`, then sends everything else to the
 * session's subject. Any message to the session keeps it alive; a session idle for longer than its
 * `idle_timeout` (default 60 s) is closed and its subscriptions end.
 */
import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../message.js';
import { Timestamp, Value } from '../types.js';

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

/**
 * Statement text limit, in UTF-8 bytes (as the text travels): the session refuses a longer `sql`
 * of Execute or Subscribe with SqlError ProgramLimitExceeded (54000). It is not a schema bound
 * (a schema's maxLength counts UTF-16 code units, not bytes); the body as a whole is bounded by
 * the payload limit (PayloadTooLarge).
 */
export const MAX_SQL_BYTES = 256 * 1024;

/** The SQLSTATE 54000 message for `sql` when it is over MAX_SQL_BYTES, else undefined. */
export function sqlTooLarge(sql: string): string | undefined {
  const bytes = new TextEncoder().encode(sql).length;
  return bytes > MAX_SQL_BYTES ? `statement of ${bytes} bytes exceeds the limit of ${MAX_SQL_BYTES} bytes (256 KiB)` : undefined;
}

/** Opens a session. Settings: cluster, timeline, transaction_isolation, idle_timeout (seconds). */
export const OpenSession = defineMessage('OpenSession', {
  settings: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 256 }))),
  /** A name for the client, shown in the inspector. */
  client: Type.Optional(Type.String({ maxLength: 128 })),
});

/** Executes one or more `;`-separated SQL statements, in order; stops at the first error. */
export const Execute = defineMessage('Execute', { sql: Type.String() });

/** Typed commands: the same operations as SQL, for programs that do not want SQL. */
export const TypedCommand = Type.Union([
  Type.Object({ op: Type.Literal('insert'), table: Type.String({ maxLength: 128 }), rows: Type.Array(Type.Array(Value), { maxItems: 100_000 }) }, { additionalProperties: false }),
  Type.Object(
    { op: Type.Literal('delete'), table: Type.String({ maxLength: 128 }), rows: Type.Array(Type.Array(Value), { maxItems: 100_000 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { op: Type.Literal('read'), object: Type.String({ maxLength: 128 }), asOf: Type.Optional(Timestamp), limit: Type.Optional(Type.Integer({ minimum: 0 })) },
    { additionalProperties: false },
  ),
  Type.Object({ op: Type.Literal('list'), kind: Type.Optional(Type.String({ maxLength: 32 })) }, { additionalProperties: false }),
]);
export type TypedCommand = Static<typeof TypedCommand>;
export const Command = defineMessage('Command', { command: TypedCommand });

/**
 * Starts a SUBSCRIBE: `sql` is `SUBSCRIBE ...` (or just an object name). Batches go to `inbox`
 * (a subject the client subscribed to). Flow control: the session sends at most `credit` batches
 * beyond the last `Credit` the client granted. Resume after a disconnect with `asOf` = the last
 * progress timestamp received: the stream continues with no gap and no duplicate.
 */
export const Subscribe = defineMessage('Subscribe', {
  sql: Type.String(),
  inbox: Type.String({ minLength: 1, maxLength: 256 }),
  asOf: Type.Optional(Timestamp),
  progress: Type.Optional(Type.Boolean()),
  credit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
});
/** Grants `batches` more batches to a subscription. */
export const Credit = defineMessage('Credit', { subscription: Id, batches: Type.Integer({ minimum: 1, maximum: 100_000 }) });
/** Cancels a subscription. */
export const Cancel = defineMessage('Cancel', { subscription: Id });
/** Keeps the session alive; answers with the session's settings. */
export const KeepAlive = defineMessage('KeepAlive', {});
/** Closes the session. */
export const CloseSession = defineMessage('CloseSession', {});

export const SESSION_COMMANDS = [Execute, Command, Subscribe, Credit, Cancel, KeepAlive, CloseSession] as const;
export type SessionCommand = Static<(typeof SESSION_COMMANDS)[number]>;
export const CONNECT_COMMANDS = [OpenSession] as const;
export type ConnectCommand = Static<(typeof CONNECT_COMMANDS)[number]>;

/** One realistic example per message (test/protocol/roundtrip.test.ts; README.md shows the same). */
export const MESSAGE_EXAMPLES: Record<string, unknown> = {
  OpenSession: { type: 'OpenSession', settings: { transaction_isolation: 'serializable', idle_timeout: '300' }, client: 'psql-like' },
  Execute: { type: 'Execute', sql: "CREATE TABLE t (a int, b text); INSERT INTO t VALUES (1, NULL); SELECT * FROM t" },
  KeepAlive: { type: 'KeepAlive' },
  CloseSession: { type: 'CloseSession' },
  Credit: { type: 'Credit', subscription: 's1', batches: 10 },
  Cancel: { type: 'Cancel', subscription: 's1' },
  Subscribe: { type: 'Subscribe', sql: 'SUBSCRIBE v WITH (PROGRESS)', inbox: '_INBOX.x', asOf: 5, progress: true, credit: 100 },
  Command: { type: 'Command', command: { op: 'insert', table: 't', rows: [[1, 'a', null]] } },
};
