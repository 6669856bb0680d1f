/**
 * The one interface between a session (a pgwire connection, pgwire/connection.ts, or the NATS
 * session actor, session.ts) and the coordinator. A session parses its protocol, keeps its
 * settings, transaction block, prepared statements and SUBSCRIBE queues, and asks the coordinator
 * only through these methods; the coordinator plans against the catalog, chooses timestamps,
 * commits writes, runs DDL and keeps SUBSCRIBE read holds. SUBSCRIBE data comes from STORAGE over
 * NATS (`storage`), which any process can open with its own storage client.
 *
 * Two implementations: `InProcessBackend` (below) calls the coordinator's ControlDeps in this
 * process; `NatsBackend` (session-backend-nats.ts) sends each call as a request to
 * `dfn.<region>.control.coordinator` (protocol/control/coordinator.ts), for sessions that run in a
 * front-end process of their own. Errors are SqlErrors with a SQLSTATE either way.
 */
import { randomBytes } from 'node:crypto';
import { SqlError, SqlState } from '../../protocol/control/errors.js';
import type { StatementResult } from '../../protocol/control/response.js';
import type { StorageClient } from '../../protocol/storage/client.js';
import type { Column, ColumnType, Row } from '../../protocol/types.js';
import { coordinatorOf } from './coordinator.js';
import type { EncodedChanges } from './group-commit.js';
import type { ControlDeps, Settings } from './deps.js';
import { planBufferedInsert, validateSetting, type StatementOptions } from './executor.js';
import { planImplicit, runImplicit } from './pgwire/implicit.js';
import { asSqlError, runSessionSql, runSessionStatement } from './session-sql.js';
import { preparse, type SqlStatement } from './sql/index.js';

/** Changes to tables: collection id → `[row, diff]`. */
export type Writes = Map<string, Array<[Row, number]>>;

/** A table's identity and columns (COPY FROM STDIN, the typed delete). */
export interface TableInfo {
  name: string;
  collection: string;
  columns: Column[];
}

/** A Query's writes run as one implicit transaction: each statement's tag, then the error if one failed. */
export interface ImplicitOutcome {
  tags: string[];
  error?: unknown;
}

/** A buffered INSERT of a transaction block. */
export interface BufferedInsert {
  collection: string;
  rows: Array<[Row, number]>;
  tag: string;
}

export interface SubscribeRequest {
  /** `SUBSCRIBE [TO] name [WITH (PROGRESS)] [AS OF t]`. */
  sql: string;
  /** The AS OF when the text has none (a read-only transaction's timestamp). */
  asOfDefault?: number;
  /** Resume: read from `resumeFrom - 1` without a snapshot (the NATS session's `asOf`). */
  resumeFrom?: number;
  /**
   * A resumable stream (the NATS session's) keeps its read hold for the resume window after its
   * session is gone; a pgwire one is released with its connection or its front end's lease.
   */
  resumable: boolean;
}

export interface SubscribeTarget {
  /** The subscription's id: its read hold's holder. */
  subscription: string;
  name: string;
  collection: string;
  /** The read timestamp: the snapshot is at it, updates follow. */
  asOf: number;
  columns: Array<{ name: string; type: ColumnType }>;
  /** A materialized view's collection: rows carry the error column. */
  errors: boolean;
  /** `WITH (PROGRESS)` was in the text. */
  progress: boolean;
}

export interface SessionBackend {
  /** This backend, naming `session` in what it sends (over NATS; in-process: itself). */
  forSession(session: string): SessionBackend;
  /** False while the coordinator (re)starts: new connections are refused (57P03). */
  ready(): boolean;
  /** Every statement of `sql` in order (the size limit checked; the first error stops the rest). */
  executeSql(sql: string, settings: Settings): Promise<StatementResult[]>;
  /** One statement (split from a longer text). */
  execute(stmt: SqlStatement, settings: Settings, options?: StatementOptions): Promise<StatementResult>;
  /** A Query of several writes as one implicit transaction; undefined: it cannot be one (run it statement by statement). */
  writeImplicit(stmts: SqlStatement[], settings: Settings): Promise<ImplicitOutcome | undefined>;
  /** Plans and evaluates one INSERT of a write block, without writing it. */
  planInsert(stmt: SqlStatement, settings: Settings): Promise<BufferedInsert>;
  /**
   * Commits a transaction's or a COPY's rows in one commit (`encoded`: rows already encoded as
   * updates, update-encoder.ts); 42P01 `dropped` when a table is gone. Returns the timestamp.
   */
  commitWrites(writes: Writes, dropped: string, encoded?: EncodedChanges): Promise<number>;
  /** A table by name (42P01 when there is none). */
  table(name: string): Promise<TableInfo>;
  /** The validated value of a session setting (42704 unknown, 22023 bad value). */
  validateSetting(key: string, value: string): Promise<string>;
  /** Resolves a SUBSCRIBE, chooses its AS OF and takes its read hold (before its STORAGE subscription opens). */
  subscribeStart(req: SubscribeRequest): Promise<SubscribeTarget>;
  /** The subscription reached progress `t`: its hold may move (throttled by the holds). */
  subscribeProgressed(subscription: string, t: number): void;
  /** The subscription ended: its hold is released. */
  subscribeRelease(subscription: string): Promise<void>;
  /** The STORAGE client SUBSCRIBE data is read with. */
  readonly storage: StorageClient;
}

/** The backend this process's sessions use, when it is not the coordinator's (a front-end process). */
const processBackends = new Map<string, SessionBackend>();

/** Makes `backend` the one sessions of `region` in this process use (a front-end process, frontend-process.ts). */
export function setProcessBackend(region: string, backend: SessionBackend | undefined): void {
  if (backend) processBackends.set(region, backend);
  else processBackends.delete(region);
}

/** The backend sessions of `region` in this process use: the front end's, else the coordinator's in this process. */
export function backendFor(region: string): SessionBackend {
  return processBackends.get(region) ?? InProcessBackend.of(region);
}

/** The backend over the coordinator in this process (`deps` undefined while it restarts). */
export class InProcessBackend implements SessionBackend {
  constructor(private readonly depsOf: () => ControlDeps | undefined) {}

  /** The backend of region `region`'s coordinator in this process. */
  static of(region: string): InProcessBackend {
    return new InProcessBackend(() => coordinatorOf(region)?.deps);
  }

  forSession(): InProcessBackend {
    return this;
  }

  ready(): boolean {
    return this.depsOf() !== undefined;
  }

  get storage(): StorageClient {
    return this.deps().storage;
  }

  private deps(): ControlDeps {
    const deps = this.depsOf();
    if (!deps) throw new SqlError('57P03', 'the coordinator is restarting; retry shortly');
    return deps;
  }

  executeSql(sql: string, settings: Settings): Promise<StatementResult[]> {
    return runSessionSql(this.deps(), sql, settings);
  }

  execute(stmt: SqlStatement, settings: Settings, options: StatementOptions = {}): Promise<StatementResult> {
    return runSessionStatement(this.deps(), stmt, settings, options);
  }

  async writeImplicit(stmts: SqlStatement[], settings: Settings): Promise<ImplicitOutcome | undefined> {
    const deps = this.deps();
    const tags: string[] = [];
    try {
      return await deps.serialize(async () => {
        const plan = planImplicit(deps, stmts);
        if (!plan) return undefined;
        await runImplicit(deps, plan, settings, (tag) => tags.push(tag));
        return { tags };
      });
    } catch (err) {
      return { tags, error: err };
    }
  }

  planInsert(stmt: SqlStatement, settings: Settings): Promise<BufferedInsert> {
    const deps = this.deps();
    return asSqlError(() => planBufferedInsert(deps, stmt.text, stmt.offset, settings));
  }

  async commitWrites(writes: Writes, dropped: string, encoded?: EncodedChanges): Promise<number> {
    const deps = this.deps();
    for (const collection of [...writes.keys(), ...(encoded?.keys() ?? [])]) {
      if (!deps.catalog.all().some((i) => i.collection === collection)) throw new SqlError(SqlState.UndefinedTable, dropped);
    }
    return deps.commits.write(writes, encoded);
  }

  async table(name: string): Promise<TableInfo> {
    const t = this.deps().catalog.resolve(name, 'table');
    if (!t.collection) throw new SqlError(SqlState.UndefinedTable, `table "${name}" has no collection`);
    return { name: t.name, collection: t.collection, columns: t.columns };
  }

  async validateSetting(key: string, value: string): Promise<string> {
    return validateSetting(this.deps(), key, value);
  }

  subscribeStart(req: SubscribeRequest): Promise<SubscribeTarget> {
    return startSubscribe(this.deps(), req);
  }

  subscribeProgressed(subscription: string, t: number): void {
    this.depsOf()?.holds.progressed(subscription, t);
  }

  async subscribeRelease(subscription: string): Promise<void> {
    await this.depsOf()?.holds.release(subscription);
  }
}

/** Resolves a SUBSCRIBE's target and AS OF, and takes its read hold. */
export async function startSubscribe(deps: ControlDeps, req: SubscribeRequest): Promise<SubscribeTarget> {
  const text = /^\s*SUBSCRIBE\b/i.test(req.sql) ? req.sql : `SUBSCRIBE ${req.sql}`;
  const ext = preparse(text);
  if (!ext || ext.kind !== 'subscribe') throw new SqlError(SqlState.SyntaxError, req.resumable ? 'expected SUBSCRIBE [TO] name [WITH (PROGRESS)] [AS OF t]' : 'expected SUBSCRIBE [TO] name [AS OF t]');
  if (!('name' in ext.target)) throw new SqlError(SqlState.FeatureNotSupported, 'SUBSCRIBE to a query is not supported', { hint: 'create a materialized view of the query and subscribe to it' });
  const item = deps.catalog.resolve(ext.target.name);
  if (!item.collection) {
    throw new SqlError(SqlState.FeatureNotSupported, `SUBSCRIBE to ${item.kind.replace('_', ' ')} "${item.name}" is not supported`, { hint: 'subscribe to a table, a source or a materialized view' });
  }
  const since = (await deps.storage.describe(item.collection, 30_000)).since;
  let asOf: number;
  if (req.resumeFrom !== undefined) asOf = req.resumeFrom - 1;
  else asOf = ext.asOf ?? req.asOfDefault ?? (await deps.reader.timestamp({ inputs: new Map([[item.name, { collection: item.collection }]]), isolation: 'strict serializable' }));
  if (asOf < since) throw new SqlError(SqlState.SnapshotTooOld, `AS OF ${asOf} is before "${item.name}"'s since ${since}: that history has been compacted`);
  const subscription = `${req.resumable ? '' : 'pg-'}${randomBytes(8).toString('hex')}`;
  // Held from asOf on (before the STORAGE subscription starts).
  await deps.holds.acquire(subscription, item.collection, asOf);
  return {
    subscription,
    name: item.name,
    collection: item.collection,
    asOf,
    columns: item.columns.map((c) => ({ name: c.name, type: c.type })),
    errors: item.kind === 'materialized_view',
    progress: ext.progress ?? false,
  };
}
