/**
 * The internal session protocol: what a session in a front-end process asks the coordinator, on
 * `dfn.<region>.control.coordinator` (request/reply, msgpack, the usual envelope; README.md,
 * "Internal: sessions to the coordinator"). One request per method of the session interface
 * (actors/control/session-backend.ts). Every request names its front end (`frontend`: host id
 * and process incarnation) and its session, so the coordinator can release what a dead front
 * end's sessions held (non-resumable SUBSCRIBE read holds) once that front end's lease lapses;
 * `FrontendLease` renews the lease, any other request too. Failures are error replies (SqlError
 * with `details.sqlstate`), never a success body with an error in it, except the implicit
 * transaction's, whose earlier statements' tags come with the error of the one that failed.
 */
import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../message.js';
import { Column, ColumnType, Row, Timestamp } from '../types.js';
import { StatementResult } from './response.js';

/** A front end: `<host id>.<incarnation>`, so a restarted process is a new front end. */
const FrontendId = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,128}$' });
const SessionId = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,128}$' });
const SubscriptionId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const Settings = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 256 }));
const Who = { frontend: FrontendId, session: SessionId };
const Statement = Type.Object({ text: Type.String(), offset: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });
const Changes = Type.Array(Type.Tuple([Row, Type.Integer()]));

/** Statements of `sql` in order (the NATS session's Execute): → CoordResults. */
export const CoordExecuteSql = defineMessage('CoordExecuteSql', { ...Who, sql: Type.String(), settings: Settings });
/** One statement of a longer text (`offset`: where it starts), optionally read at `asOf`: → CoordResult. */
export const CoordExecute = defineMessage('CoordExecute', { ...Who, statement: Statement, settings: Settings, asOf: Type.Optional(Timestamp) });
/** A Query's writes as one implicit transaction: → CoordImplicit. */
export const CoordWriteImplicit = defineMessage('CoordWriteImplicit', { ...Who, statements: Type.Array(Statement, { maxItems: 10_000 }), settings: Settings });
/** One INSERT of a write block, evaluated, not written: → CoordInsert. */
export const CoordPlanInsert = defineMessage('CoordPlanInsert', { ...Who, statement: Statement, settings: Settings });
/** A block's or a COPY's rows in one commit (`dropped`: the 42P01 message when a table is gone): → CoordCommitted. */
export const CoordCommitWrites = defineMessage('CoordCommitWrites', { ...Who, writes: Type.Array(Type.Tuple([Type.String(), Changes])), dropped: Type.String({ maxLength: 512 }) });
/** A table by name: → CoordTable. */
export const CoordGetTable = defineMessage('CoordGetTable', { ...Who, name: Type.String({ maxLength: 256 }) });
/** A session setting's validated value: → CoordSetting. */
export const CoordValidateSetting = defineMessage('CoordValidateSetting', { ...Who, key: Type.String({ maxLength: 64 }), value: Type.String({ maxLength: 256 }) });
/** Resolves a SUBSCRIBE and takes its read hold: → CoordSubscribeTarget. */
export const CoordSubscribeStart = defineMessage('CoordSubscribeStart', {
  ...Who,
  sql: Type.String(),
  asOfDefault: Type.Optional(Timestamp),
  resumeFrom: Type.Optional(Timestamp),
  /** Resumable (a NATS session's): the hold outlives the session for the resume window; else released with the front end's lease. */
  resumable: Type.Boolean(),
});
/** A subscription reached progress `t` (its hold may move; renews the lease): → CoordAck. */
export const CoordSubscribeProgressed = defineMessage('CoordSubscribeProgressed', { ...Who, subscription: SubscriptionId, t: Timestamp });
/** A subscription ended: its hold is released: → CoordAck. */
export const CoordSubscribeRelease = defineMessage('CoordSubscribeRelease', { ...Who, subscription: SubscriptionId });
const ChunkedId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
/** Part `part` of a reply too large for one message (CoordChunked): → CoordChunk. */
export const CoordFetchChunk = defineMessage('CoordFetchChunk', { ...Who, id: ChunkedId, part: Type.Integer({ minimum: 0 }) });
/** The front end is alive (sent every lease/5): → CoordAck (`ready`: the coordinator runs). */
export const FrontendLease = defineMessage('FrontendLease', { frontend: FrontendId });
/** The front end stops cleanly: its non-resumable holds are released now: → CoordAck. */
export const FrontendClosed = defineMessage('FrontendClosed', { frontend: FrontendId });

export const COORDINATOR_REQUESTS = [
  CoordExecuteSql,
  CoordExecute,
  CoordWriteImplicit,
  CoordPlanInsert,
  CoordCommitWrites,
  CoordGetTable,
  CoordValidateSetting,
  CoordSubscribeStart,
  CoordSubscribeProgressed,
  CoordSubscribeRelease,
  CoordFetchChunk,
  FrontendLease,
  FrontendClosed,
] as const;
export type CoordinatorRequest = Static<(typeof COORDINATOR_REQUESTS)[number]>;

const ErrorBody = Type.Object(
  {
    type: Type.Literal('Error'),
    code: Type.String(),
    message: Type.String(),
    determinacy: Type.Union([Type.Literal('definite'), Type.Literal('indeterminate')]),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

/** `settings`: the session's settings after the statements (SET changes them; the front end keeps them). */
export const CoordResults = defineMessage('CoordResults', { results: Type.Array(StatementResult), settings: Settings });
export const CoordResult = defineMessage('CoordResult', { result: StatementResult, settings: Settings });
/** `planned: false`: the Query cannot be one implicit transaction (run it statement by statement). */
export const CoordImplicit = defineMessage('CoordImplicit', { planned: Type.Boolean(), tags: Type.Array(Type.String()), error: Type.Optional(ErrorBody) });
export const CoordInsert = defineMessage('CoordInsert', { collection: Type.String(), rows: Changes, tag: Type.String() });
export const CoordCommitted = defineMessage('CoordCommitted', { timestamp: Timestamp });
export const CoordTable = defineMessage('CoordTable', { name: Type.String(), collection: Type.String(), columns: Type.Array(Column) });
export const CoordSetting = defineMessage('CoordSetting', { value: Type.String() });
export const CoordSubscribeTarget = defineMessage('CoordSubscribeTarget', {
  subscription: SubscriptionId,
  name: Type.String(),
  collection: Type.String(),
  asOf: Timestamp,
  columns: Type.Array(Type.Object({ name: Type.String(), type: ColumnType }, { additionalProperties: false })),
  errors: Type.Boolean(),
  progress: Type.Boolean(),
});
export const CoordAck = defineMessage('CoordAck', { ready: Type.Optional(Type.Boolean()) });

/** The coordinator asks a front-end process (queue group of frontend.sessions) to start a NATS session actor: → CoordAck. */
export const FrontendStartSession = defineMessage('FrontendStartSession', {
  session: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  settings: Settings,
  client: Type.Optional(Type.String({ maxLength: 128 })),
});
export type FrontendStartSession = Static<typeof FrontendStartSession>;

/** A pgwire CancelRequest for another front-end process's connection (published to all of them; no reply). */
export const FrontendCancel = defineMessage('FrontendCancel', { pid: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }), secret: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }) });
export type FrontendCancel = Static<typeof FrontendCancel>;

/**
 * A statement request (CoordExecuteSql, CoordExecute) that failed, with the session's settings
 * as the statements before the failing one left them (a SET before an error keeps its effect).
 */
export const CoordStatementFailed = defineMessage('CoordStatementFailed', { error: ErrorBody, settings: Settings });
/**
 * Instead of a reply whose body is over the payload limit (a large result): its msgpack body,
 * `bytes` long, is kept by the coordinator for CHUNK_TTL_MS in `parts` parts of at most
 * CHUNK_BYTES, fetched in order with CoordFetchChunk; the concatenation decodes as the reply.
 */
export const CoordChunked = defineMessage('CoordChunked', { id: ChunkedId, parts: Type.Integer({ minimum: 1 }), bytes: Type.Integer({ minimum: 0 }) });
/** One part of a chunked reply. */
export const CoordChunk = defineMessage('CoordChunk', { data: Type.Uint8Array() });
/** A chunked reply's parts: at most this many bytes each; kept this long after the last fetch. */
export const CHUNK_BYTES = 1024 * 1024;
export const CHUNK_TTL_MS = 60_000;

export const COORDINATOR_REPLIES = [CoordResults, CoordResult, CoordImplicit, CoordInsert, CoordCommitted, CoordTable, CoordSetting, CoordSubscribeTarget, CoordAck, CoordStatementFailed, CoordChunked, CoordChunk] as const;
export type CoordinatorReply = Static<(typeof COORDINATOR_REPLIES)[number]>;

const who = { frontend: 'frontend-0.1a2b', session: 'pg-7' };
/** Valid examples for the round-trip test (ids have patterns). */
export const MESSAGE_EXAMPLES: Record<string, unknown> = {
  CoordExecuteSql: { type: 'CoordExecuteSql', ...who, sql: 'SELECT 1', settings: { cluster: 'default' } },
  CoordExecute: { type: 'CoordExecute', ...who, statement: { text: 'SELECT * FROM t', offset: 0 }, settings: {}, asOf: 5 },
  CoordWriteImplicit: { type: 'CoordWriteImplicit', ...who, statements: [{ text: 'INSERT INTO t VALUES (1)', offset: 0 }, { text: 'DELETE FROM t', offset: 26 }], settings: {} },
  CoordPlanInsert: { type: 'CoordPlanInsert', ...who, statement: { text: 'INSERT INTO t VALUES (1)', offset: 0 }, settings: {} },
  CoordCommitWrites: { type: 'CoordCommitWrites', ...who, writes: [['u1', [[[1, 'a', null], 1]]]], dropped: 'a table this transaction wrote was dropped' },
  CoordGetTable: { type: 'CoordGetTable', ...who, name: 't' },
  CoordValidateSetting: { type: 'CoordValidateSetting', ...who, key: 'cluster', value: 'default' },
  CoordSubscribeStart: { type: 'CoordSubscribeStart', ...who, sql: 'SUBSCRIBE t', asOfDefault: 7, resumable: false },
  CoordSubscribeProgressed: { type: 'CoordSubscribeProgressed', ...who, subscription: 'pg-0011aabb', t: 9 },
  CoordSubscribeRelease: { type: 'CoordSubscribeRelease', ...who, subscription: 'pg-0011aabb' },
  FrontendStartSession: { type: 'FrontendStartSession', session: 'a1b2c3', settings: { cluster: 'default' }, client: 'psql' },
  FrontendLease: { type: 'FrontendLease', frontend: 'frontend-0.1a2b' },
  CoordFetchChunk: { type: 'CoordFetchChunk', ...who, id: 'c0011aabb', part: 1 },
  CoordStatementFailed: { type: 'CoordStatementFailed', error: { type: 'Error', code: 'SqlError', message: 'relation "nope" does not exist', determinacy: 'definite', details: { sqlstate: '42P01' } }, settings: { cluster: 'c2' } },
  CoordChunked: { type: 'CoordChunked', id: 'c0011aabb', parts: 5, bytes: 4_500_000 },
  CoordChunk: { type: 'CoordChunk', data: new Uint8Array([0x93, 1, 2, 3]) },
  FrontendClosed: { type: 'FrontendClosed', frontend: 'frontend-0.1a2b' },
  CoordImplicit: { type: 'CoordImplicit', planned: true, tags: ['INSERT 0 1'], error: { type: 'Error', code: 'SqlError', message: 'division by zero', determinacy: 'definite', details: { sqlstate: '22012' } } },
  CoordResults: { type: 'CoordResults', results: [{ tag: 'SELECT 1', columns: [{ name: 'a', type: 'int' }], rows: [[1]], timestamp: 5 }], settings: { cluster: 'default' } },
  CoordResult: { type: 'CoordResult', result: { tag: 'SET' }, settings: { cluster: 'c2' } },
  CoordSubscribeTarget: { type: 'CoordSubscribeTarget', subscription: 'pg-0011aabb', name: 't', collection: 'u1', asOf: 3, columns: [{ name: 'a', type: 'int' }], errors: false, progress: false },
  CoordTable: { type: 'CoordTable', name: 't', collection: 'u1', columns: [{ name: 'a', type: 'int', nullable: true }] },
};
