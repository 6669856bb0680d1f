/**
 * Client API replies and streamed messages. Every error is an error reply (`Dfn-Error: SqlError`,
 * details.sqlstate), see errors.ts.
 */
import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../message.js';
import { ColumnType, Timestamp, Update, Value } from '../types.js';

/** A result column: name and type (bool, int, float, numeric, text, timestamp). */
export const ResultColumn = Type.Object({ name: Type.String(), type: ColumnType }, { additionalProperties: false });
export type ResultColumn = Static<typeof ResultColumn>;

/** The result of one statement. */
export const StatementResult = Type.Object(
  {
    /** The command tag, as Postgres writes it: `SELECT 3`, `INSERT 0 2`, `CREATE TABLE`, `SET`, ... */
    tag: Type.String(),
    columns: Type.Optional(Type.Array(ResultColumn)),
    rows: Type.Optional(Type.Array(Type.Array(Value))),
    /** The timestamp a read was served at, or a write committed at. */
    timestamp: Type.Optional(Timestamp),
    notices: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);
export type StatementResult = Static<typeof StatementResult>;

/** Reply to OpenSession. */
export const SessionOpened = defineMessage('SessionOpened', {
  session: Type.String(),
  /** Where to send every further request of this session. */
  subject: Type.String(),
  settings: Type.Record(Type.String(), Type.String()),
});
export type SessionOpened = Static<typeof SessionOpened>;

/** Reply to Execute and Command: one result per statement, in order. */
export const Results = defineMessage('Results', { results: Type.Array(StatementResult) });
export type Results = Static<typeof Results>;

/** Reply to Subscribe: the subscription id and the columns of the rows that will stream. */
export const SubscribeStarted = defineMessage('SubscribeStarted', {
  subscription: Type.String(),
  columns: Type.Array(ResultColumn),
  asOf: Timestamp,
});
export type SubscribeStarted = Static<typeof SubscribeStarted>;

/**
 * Streamed to the subscription's inbox: consolidated updates `[row, time, diff]` in
 * non-decreasing time order, then (with PROGRESS) `progress`: every update before it was sent.
 * `ended` is set on the last message (canceled, the object was dropped, the session closed).
 */
export const SubscribeBatch = defineMessage('SubscribeBatch', {
  subscription: Type.String(),
  seq: Type.Integer({ minimum: 0 }),
  updates: Type.Array(Update),
  progress: Type.Optional(Timestamp),
  ended: Type.Optional(Type.String()),
});
export type SubscribeBatch = Static<typeof SubscribeBatch>;

/** Reply to Credit, Cancel, KeepAlive and CloseSession. */
export const SessionAck = defineMessage('SessionAck', { settings: Type.Optional(Type.Record(Type.String(), Type.String())) });

export const CONTROL_REPLIES = [SessionOpened, Results, SubscribeStarted, SubscribeBatch, SessionAck] as const;
export type ControlReply = Static<(typeof CONTROL_REPLIES)[number]>;

/** One realistic example per message (test/protocol/roundtrip.test.ts; README.md shows the same). */
export const MESSAGE_EXAMPLES: Record<string, unknown> = {
  SessionOpened: {
    type: 'SessionOpened',
    session: 'ab12',
    subject: 'dfn.local.control.session.ab12',
    settings: { cluster: 'default', timeline: 'main', transaction_isolation: 'strict serializable', idle_timeout: '60' },
  },
  Results: {
    type: 'Results',
    results: [
      { tag: 'CREATE TABLE' },
      { tag: 'INSERT 0 1', timestamp: 1764000000123 },
      { tag: 'SELECT 1', columns: [{ name: 'a', type: 'int' }, { name: 'b', type: 'text' }], rows: [[1, null]], timestamp: 1764000000123 },
      { tag: 'DROP TABLE', notices: ['table "x" does not exist, skipping'] },
    ],
  },
  SubscribeStarted: { type: 'SubscribeStarted', subscription: '9f1c', columns: [{ name: 'a', type: 'int' }], asOf: 1764000000123 },
  SubscribeBatch: { type: 'SubscribeBatch', subscription: '9f1c', seq: 3, updates: [[[1, 'x'], 1764000000200, 1], [[1, null], 1764000000200, -1]], progress: 1764000000201 },
  SessionAck: { type: 'SessionAck', settings: { cluster: 'default' } },
};
