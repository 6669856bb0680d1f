/**
 * One pgwire client connection: a session of its own (settings, prepared statements, portals)
 * that runs its SQL through the same session logic as the NATS session actor (session-sql.ts).
 * It reads frames (frames.ts), answers the start-up (SSLRequest 'N', or 'S' and TLS when
 * configured, tls.ts; trust auth of `materialize` on loopback in the default account, SCRAM or
 * cleartext password auth of the account's other pg users, auth.ts; ParameterStatus,
 * BackendKeyData), the simple query protocol (several statements,
 * the rest skipped after an error; several writes and no block: one implicit transaction,
 * implicit.ts) and the extended one (Parse/Bind/Describe/Execute with
 * max_rows/Close/Flush/Sync, errors skipping to Sync). A protocol violation is a FATAL 08P01 and
 * the connection closes; a dropped connection forgets everything it held. While a message is
 * handled the socket is paused, and writes wait for 'drain', so neither side buffers without bound.
 */
import type { Socket } from 'node:net';
import type { SecureContext, TLSSocket } from 'node:tls';
import type { StatementResult } from '../../../protocol/control/response.js';
import { SqlError, SqlState } from '../../../protocol/control/errors.js';
import type { Settings } from '../deps.js';
import { DEFAULT_SETTINGS } from '../deps.js';
import { checkSqlSize } from '../session-sql.js';
import type { SessionBackend } from '../session-backend.js';
import type { StatementOptions } from '../executor.js';
import type { BoundParameters } from '../param-plan.js';
import { splitStatements, type SqlStatement } from '../sql/index.js';
import { decodedRows } from '../update-encoder.js';
import { copyData, copyDone, CopyIn, copyInResponse, copyOutResponse, isCopy, parseCopy, type CopyStatement } from './copy.js';
import { encodeCopyRow } from './copy-text.js';
import { parseCursorStatement } from './cursors.js';
import { PgSubscription } from './subscription.js';
import { classify, Transaction } from './transaction.js';
import { isImplicitWriteBatch } from './implicit.js';
import * as be from './backend.js';
import { compatStatement, defaultPgSettings, REPORTED, type CompatContext, type PgSettings } from './compat.js';
import { errorFields } from './errors.js';
import { FrameReader, type Frame } from './frames.js';
import { decodeFrontend, decodeStartup, type FrontendMessage } from './frontend.js';
import { binaryParamText, literalOf, parameterCount, substituteParameters } from './parameters.js';
import { binaryValue, Oid, pgTypeOf, textValue } from './pg-types.js';
import { ProtocolError } from './protocol-error.js';
import type { PgUsers } from './accounts.js';
import { PasswordAuth, type AuthMethod } from './auth.js';
import { upgradeToTls } from './tls.js';
import { tlsServerEndPoint } from './channel-binding.js';

/** What a connection needs from its server. */
export interface ConnectionHost {
  /** The coordinator, through the session interface (session-backend.ts). */
  readonly backend: SessionBackend;
  /** A name for a new connection, unique in this process (it names the session to the coordinator). */
  connectionId(): string;
  /** Registers the connection for CancelRequest; returns its BackendKeyData. */
  register(conn: PgConnection): { pid: number; secret: number };
  unregister(conn: PgConnection): void;
  cancel(pid: number, secret: number): void;
  /** The pg users of this process's account and the password method. */
  readonly auth: { users: PgUsers; method: AuthMethod };
  /** The TLS context when TLS is configured (SSLRequest answered 'S'), else undefined. */
  readonly tls: SecureContext | undefined;
}

/** The user and database of the default account (trust authentication on loopback). */
export const DEFAULT_USER = 'materialize';
export const DEFAULT_DATABASE = 'materialize';

const QueryCanceled = SqlState.QueryCanceled;
const InvalidAuthorization = '28000';
const InvalidCatalogName = '3D000';
const CannotConnectNow = '57P03';
const InvalidSqlStatementName = '26000';
const InvalidCursorName = '34000';
const DuplicatePreparedStatement = '42P05';

interface Prepared {
  sql: string;
  /** Declared parameter types (0: unspecified), one per parameter. */
  paramTypes: number[];
}

interface Portal {
  statement: Prepared;
  sql: string;
  resultFormats: number[];
  /** The statement's text with `$n` and the bound literals (a plan template may serve it, param-plan.ts). */
  bound?: BoundParameters;
  result?: StatementResult;
  sent: number;
  done: boolean;
}

/** Statements whose result has rows, so Describe runs them to learn their columns. */
const READS = /^\s*(\(\s*)*(SELECT|WITH|VALUES|TABLE|SHOW)\b/i;

export class PgConnection {
  private readonly reader = new FrameReader();
  private readonly out: Buffer[] = [];
  private outBytes = 0;
  private phase: 'startup' | 'auth' | 'ready' | 'closed' = 'startup';
  /** The password exchange under way, and the start-up parameters it authenticates. */
  private auth: { exchange: PasswordAuth; params: Record<string, string> } | undefined;
  private encrypted = false;
  private busy = false;
  private skipToSync = false;
  private readonly settings: Settings = { ...DEFAULT_SETTINGS };
  private pg: PgSettings = defaultPgSettings(DEFAULT_USER, '');
  private user = DEFAULT_USER;
  private database = DEFAULT_DATABASE;
  private readonly statements = new Map<string, Prepared>();
  private readonly portals = new Map<string, Portal>();
  private cancelRunning: ((err: Error) => void) | undefined;
  private readonly txn = new Transaction(() => this.backend, this.settings);
  /** The coordinator, naming this connection in what it asks (session-backend.ts). */
  private readonly backend: SessionBackend;
  /** A COPY FROM STDIN receiving CopyData, and the statements of its Query after it. */
  private copyIn: { copy: CopyIn; stmts: SqlStatement[]; next: number } | undefined;
  pid = 0;
  secret = 0;

  private readonly onData = (chunk: Buffer): void => {
    this.reader.push(chunk);
    void this.pump();
  };
  private readonly onGone = (): void => this.closed();

  constructor(private socket: Socket, private readonly host: ConnectionHost) {
    this.backend = host.backend.forSession(`pg-${host.connectionId()}`);
    socket.setNoDelay(true);
    this.listen(socket);
  }

  private listen(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('error', this.onGone);
    socket.on('close', this.onGone);
  }

  /** Answers SSLRequest with 'S' and carries on over TLS on the same TCP connection. */
  private async startTls(context: SecureContext): Promise<void> {
    if (this.reader.buffered > 0) throw new ProtocolError('received unencrypted data after SSL request');
    const raw = this.socket;
    await new Promise<void>((resolve, reject) => raw.write(be.sslAccepted(), (err) => (err ? reject(err) : resolve())));
    raw.off('data', this.onData);
    raw.off('error', this.onGone);
    raw.off('close', this.onGone);
    this.socket = upgradeToTls(raw, context);
    this.listen(this.socket);
    this.encrypted = true;
  }

  /** Cancels the statement running now, if any (CancelRequest). */
  cancel(): void {
    this.cancelRunning?.(new SqlError(QueryCanceled, 'canceling statement due to user request'));
  }

  /** Closes the connection (server stop). */
  terminate(message?: string): void {
    if (this.phase === 'closed') return;
    if (message && this.phase === 'ready') this.send(be.errorResponse({ severity: 'FATAL', code: '57P01', message }));
    this.flush();
    this.socket.end();
    this.closed();
  }

  private closed(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.cancel();
    this.statements.clear();
    this.portals.clear();
    this.copyIn = undefined;
    this.auth = undefined;
    this.txn.reset();
    this.host.unregister(this);
    this.socket.destroySoon?.();
  }

  private async pump(): Promise<void> {
    if (this.busy || this.phase === 'closed') return;
    this.busy = true;
    this.socket.pause();
    try {
      for (;;) {
        if (this.isClosed()) return;
        const frame = this.reader.next();
        if (!frame) break;
        await this.handleFrame(frame);
        await this.drained();
      }
      this.flush();
    } catch (err) {
      this.fatal(err);
    } finally {
      this.busy = false;
      if (!this.isClosed()) this.socket.resume();
    }
  }

  private isClosed(): boolean {
    return this.phase === 'closed';
  }

  private fatal(err: unknown): void {
    const fields = errorFields(err);
    this.send(be.errorResponse({ ...fields, severity: 'FATAL' }));
    this.flush();
    this.socket.end();
    this.closed();
  }

  private send(buf: Buffer): void {
    this.out.push(buf);
    this.outBytes += buf.length;
    if (this.outBytes >= 64 * 1024) this.flush();
  }

  /** Sends a DataRow; when the socket's buffer is full, waits for the client to read (back-pressure). */
  private async sendRow(buf: Buffer): Promise<void> {
    this.send(buf);
    if (this.outBytes === 0) await this.drained();
  }

  /** Resolves once the socket's write buffer is below its high-water mark (or the socket closed). */
  private async drained(): Promise<void> {
    if (this.socket.writableNeedDrain && !this.socket.destroyed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.on('drain', done);
        this.socket.on('close', done);
      });
    }
  }

  private flush(): void {
    if (this.out.length === 0 || this.socket.destroyed) {
      this.out.length = 0;
      this.outBytes = 0;
      return;
    }
    this.socket.write(this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out, this.outBytes));
    this.out.length = 0;
    this.outBytes = 0;
  }

  private async handleFrame(frame: Frame): Promise<void> {
    if (this.phase === 'startup') return this.startup(frame);
    if (this.phase === 'auth') return this.authenticate(frame);
    const msg = decodeFrontend(frame);
    if (this.copyIn) return this.copyInMessage(msg);
    if (this.skipToSync && msg.type !== 'Sync' && msg.type !== 'Terminate') return;
    switch (msg.type) {
      case 'Query':
        return this.simpleQuery(msg.sql);
      case 'Sync':
        this.skipToSync = false;
        if (!this.txn.inBlock) this.portals.clear();
        this.send(be.readyForQuery(this.txn.status));
        this.flush();
        return;
      case 'Flush':
        this.flush();
        return;
      case 'Terminate':
        this.flush();
        this.socket.end();
        this.closed();
        return;
      default:
        try {
          await this.extended(msg);
        } catch (err) {
          if (err instanceof ProtocolError) throw err;
          this.txn.failed();
          this.send(be.errorResponse(errorFields(err)));
          this.skipToSync = true;
        }
    }
  }

  private async startup(frame: Frame): Promise<void> {
    const packet = decodeStartup(frame);
    switch (packet.type) {
      case 'SSLRequest':
        if (this.encrypted) throw new ProtocolError('SSLRequest on an encrypted connection');
        if (this.host.tls) await this.startTls(this.host.tls);
        else this.socket.write(be.sslRefused());
        this.reader.expectStartup = true;
        return;
      case 'GSSENCRequest':
        this.socket.write(be.sslRefused());
        this.reader.expectStartup = true;
        return;
      case 'CancelRequest':
        this.host.cancel(packet.pid, packet.secret);
        this.socket.end();
        this.closed();
        return;
      case 'Startup':
        break;
    }
    const params = packet.params;
    const user = params['user'];
    if (!user) throw new ProtocolError('no PostgreSQL user name specified in startup packet', InvalidAuthorization);
    const { users, method } = this.host.auth;
    if (user === DEFAULT_USER && users.trustDefaultUser) {
      if (!isLoopback(this.socket.remoteAddress)) throw new ProtocolError(`no password authentication for "${user}" from ${this.socket.remoteAddress}: connect over loopback`, InvalidAuthorization);
      return this.accept(params);
    }
    // Any other name is a password user of the account; an unknown one fails the same way as a wrong password.
    const exchange = new PasswordAuth(method, user, users.users.get(user), this.channelBinding());
    this.auth = { exchange, params };
    this.phase = 'auth';
    this.send(exchange.start());
    this.flush();
  }

  /** tls-server-end-point data of this TLS connection's certificate (SCRAM-SHA-256-PLUS), undefined without TLS. */
  private channelBinding(): Buffer | undefined {
    if (!this.encrypted) return undefined;
    const raw = (this.socket as TLSSocket).getCertificate?.();
    return raw && 'raw' in raw && raw.raw ? tlsServerEndPoint(raw.raw) : undefined;
  }

  /** One message of the password exchange; AuthenticationOk and the rest of the start-up once it succeeds. */
  private async authenticate(frame: Frame): Promise<void> {
    const { exchange, params } = this.auth!;
    const { reply, done } = exchange.step(frame);
    if (reply) this.send(reply);
    if (!done) return this.flush();
    this.auth = undefined;
    await this.accept(params);
  }

  /** The user is authenticated: the database, the settings, AuthenticationOk, ReadyForQuery. */
  private async accept(params: Record<string, string>): Promise<void> {
    const user = params['user']!;
    const database = params['database'] || user;
    if (database !== DEFAULT_DATABASE) throw new ProtocolError(`database "${database}" does not exist`, InvalidCatalogName);
    if (!this.backend.ready()) throw new ProtocolError('the coordinator is starting up; retry shortly', CannotConnectNow);
    this.user = user;
    this.database = database;
    this.pg = defaultPgSettings(user, params['application_name'] ?? '');
    for (const [k, v] of Object.entries(params)) {
      if (k === 'user' || k === 'database' || k === 'application_name' || k === 'replication') continue;
      if (k === 'options') for (const [ok, ov] of parseOptions(v)) await this.applyStartupSetting(ok, ov);
      else await this.applyStartupSetting(k, v);
    }
    const { pid, secret } = this.host.register(this);
    this.pid = pid;
    this.secret = secret;
    this.phase = 'ready';
    this.send(be.authenticationOk());
    for (const name of REPORTED) this.send(be.parameterStatus(name, this.pg.get(name.toLowerCase())!.value));
    this.send(be.backendKeyData(pid, secret));
    this.send(be.readyForQuery('I'));
  }

  /** A start-up parameter or `options` setting: a Postgres setting, or one of definite's (cluster, ...). */
  private async applyStartupSetting(name: string, value: string): Promise<void> {
    const key = name.toLowerCase();
    try {
      if (this.pg.has(key)) {
        const answer = compatStatement(`SET ${key} = '${value.replace(/'/g, "''")}'`, this.compatContext());
        if (!answer) throw new SqlError(SqlState.InvalidParameterValue, `invalid start-up parameter ${name}`);
      } else if (key in DEFAULT_SETTINGS) {
        this.settings[key] = await this.backend.validateSetting(key, value);
      } else {
        throw new SqlError(SqlState.UndefinedObject, `unrecognized configuration parameter "${name}"`);
      }
    } catch (err) {
      const f = errorFields(err);
      throw new ProtocolError(f.message, f.code);
    }
  }

  private compatContext(): CompatContext {
    return { settings: this.pg, user: this.user, database: this.database, pid: this.pid };
  }

  /** Runs one statement under the transaction block's rules (transaction.ts); an error fails the block. */
  private async run(text: string, offset: number, bound?: BoundParameters): Promise<StatementResult> {
    const cls = classify(text);
    try {
      if (cls === 'cursor') {
        this.txn.checkNotFailed(cls);
        return await this.cursorStatement(text, offset);
      }
      if (/^\s*SUBSCRIBE\b/i.test(text)) {
        throw new SqlError(SqlState.FeatureNotSupported, 'SUBSCRIBE alone is not supported over pgwire', {
          hint: 'use COPY (SUBSCRIBE ...) TO STDOUT, or DECLARE c CURSOR FOR SUBSCRIBE ... and FETCH in a transaction block',
        });
      }
      const result = await this.txn.run(text, offset, cls, (t, o, options) => this.runOne(t, o, bound && t === text ? { ...options, bound } : options));
      // The block's end ends its portals, as Postgres' non-holdable portals.
      if (cls === 'commit' || cls === 'rollback') this.portals.clear();
      return result;
    } catch (err) {
      this.txn.failed();
      throw err;
    }
  }

  /** DECLARE / FETCH / CLOSE (cursors.ts), in a transaction block. */
  private async cursorStatement(text: string, offset: number): Promise<StatementResult> {
    const c = parseCursorStatement(text, offset);
    const cursors = this.txn.cursors;
    switch (c.op) {
      case 'declare': {
        if (!this.txn.inBlock) throw new SqlError('25P01', 'DECLARE CURSOR can only be used in transaction blocks');
        if (cursors.has(c.name)) throw new SqlError('42P03', `cursor "${c.name}" already exists`);
        const cls = classify(c.query);
        if (cls !== 'read') throw new SqlError(SqlState.FeatureNotSupported, 'DECLARE CURSOR takes a SELECT or a SUBSCRIBE');
        this.txn.beginRead();
        if (/^\s*SUBSCRIBE\b/i.test(c.query)) {
          const sub = await this.cancelable(PgSubscription.open(this.backend, c.query, this.txn.readTimestamp));
          cursors.declare(c.name, { columns: sub.columns, sub });
        } else {
          const result = await this.txn.run(c.query, c.offset, 'read', (t, o, options) => this.runOne(t, o, options));
          cursors.declare(c.name, { columns: result.columns ?? [], rows: result.rows ?? [], pos: 0 });
        }
        return { tag: 'DECLARE CURSOR' };
      }
      case 'fetch':
        return this.cancelable((abort) => cursors.fetch(c.name, c.count, c.timeoutMs, abort));
      case 'close':
        return cursors.close(c.name);
    }
  }

  /** Awaits `work`, or rejects with 57014 when a CancelRequest comes for this connection. */
  private async cancelable<T>(work: Promise<T> | ((abort: Promise<never>) => Promise<T>)): Promise<T> {
    const canceled = new Promise<never>((_, reject) => {
      this.cancelRunning = reject;
    });
    canceled.catch(() => undefined);
    const running = typeof work === 'function' ? work(canceled) : work;
    running.catch(() => undefined);
    try {
      return await Promise.race([running, canceled]);
    } finally {
      this.cancelRunning = undefined;
    }
  }

  /** Runs one statement: this module's compatibility statements, else the session's executor. */
  private async runOne(text: string, offset: number, options: StatementOptions = {}): Promise<StatementResult> {
    const compat = compatStatement(text, this.compatContext());
    if (compat) {
      if (compat.changed) this.send(be.parameterStatus(compat.changed.name, compat.changed.value));
      return compat.result;
    }
    return this.cancelable(this.backend.execute({ text, offset }, this.settings, options));
  }

  private async simpleQuery(sql: string): Promise<void> {
    this.portals.delete('');
    this.statements.delete('');
    let stmts: SqlStatement[];
    try {
      checkSqlSize(sql);
      stmts = splitStatements(sql).filter((s) => !onlyComments(s.text));
      if (stmts.length === 0) this.send(be.emptyQueryResponse());
    } catch (err) {
      this.send(be.errorResponse(errorFields(err)));
      return this.ready();
    }
    await this.queryStatements(stmts, 0);
  }

  private ready(): void {
    this.send(be.readyForQuery(this.txn.status));
    this.flush();
  }

  /** The statements of a Query from `from` on; stops at an error, or at a COPY FROM STDIN waiting for its data. */
  private async queryStatements(stmts: SqlStatement[], from: number): Promise<void> {
    if (from === 0 && !this.txn.inBlock && isImplicitWriteBatch(stmts) && (await this.implicitWrites(stmts))) return this.ready();
    try {
      for (let i = from; i < stmts.length; i++) {
        const stmt = stmts[i]!;
        if (isCopy(stmt.text)) {
          this.txn.checkNotFailed('other');
          const copy = parseCopy(stmt.text);
          if (copy.dir === 'from') return await this.startCopyIn(copy, stmts, i + 1);
          this.send(be.commandComplete(await this.copyOut(copy)));
          continue;
        }
        const result = await this.run(stmt.text, stmt.offset);
        this.sendNotices(result);
        if (result.columns) this.send(be.rowDescription(this.fields(result, [])));
        for (const row of result.rows ?? []) await this.sendRow(be.dataRow(this.encodeRow(result, row, [])));
        this.send(be.commandComplete(tagOf(stmt.text, result)));
      }
    } catch (err) {
      this.txn.failed();
      this.send(be.errorResponse(errorFields(err)));
    }
    this.ready();
  }

  /**
   * Several INSERT / UPDATE / DELETE and no block: one implicit transaction (implicit.ts), in the
   * coordinator's serialized section. False when the Query cannot be one (it then runs statement
   * by statement). Not cancelable: a CancelRequest must not report 57014 for a commit that lands.
   */
  private async implicitWrites(stmts: SqlStatement[]): Promise<boolean> {
    let outcome;
    try {
      outcome = await this.backend.writeImplicit(stmts, this.settings);
    } catch (err) {
      this.send(be.errorResponse(errorFields(err)));
      return true;
    }
    if (!outcome) return false;
    for (const tag of outcome.tags) this.send(be.commandComplete(tag));
    if (outcome.error !== undefined) this.send(be.errorResponse(errorFields(outcome.error)));
    return true;
  }

  /** COPY t FROM STDIN: CopyInResponse; CopyData follows (copyInMessage). */
  private async startCopyIn(copy: Extract<CopyStatement, { dir: 'from' }>, stmts: SqlStatement[], next: number): Promise<void> {
    const table = await this.backend.table(copy.table);
    if (this.txn.inBlock) this.txn.beginWrite();
    this.copyIn = { copy: new CopyIn(table.name, table.collection, table.columns, copy.format, copy.header), stmts, next };
    this.send(copyInResponse(table.columns.length));
    this.flush();
  }

  /** A message while COPY FROM STDIN receives: CopyData, then CopyDone (one commit) or CopyFail (nothing). */
  private async copyInMessage(msg: FrontendMessage): Promise<void> {
    const state = this.copyIn!;
    switch (msg.type) {
      case 'CopyData':
        state.copy.data(msg.data);
        return;
      case 'Flush':
      case 'Sync':
        return;
      case 'Terminate':
        this.copyIn = undefined;
        this.socket.end();
        this.closed();
        return;
      case 'CopyDone':
      case 'CopyFail':
        break;
      default:
        throw new ProtocolError(`unexpected message type '${msg.type}' during COPY from stdin`);
    }
    this.copyIn = undefined;
    try {
      if (msg.type === 'CopyFail') throw new SqlError(QueryCanceled, `COPY from stdin failed: ${msg.message}`);
      const count = state.copy.done();
      const { collection, encoder } = state.copy;
      if (this.txn.inBlock) this.txn.bufferRows(collection, decodedRows(encoder).map(([row]) => row));
      else if (count > 0) {
        await this.cancelable(this.backend.commitWrites(new Map(), `table "${state.copy.table}" was dropped`, new Map([[collection, encoder]])));
      }
      this.send(be.commandComplete(`COPY ${count}`));
    } catch (err) {
      this.txn.failed();
      this.send(be.errorResponse(errorFields(err)));
      return this.ready();
    }
    await this.queryStatements(state.stmts, state.next);
  }

  /** COPY ... TO STDOUT: a table's or a query's rows, or a SUBSCRIBE streamed until cancelled. */
  private async copyOut(copy: Extract<CopyStatement, { dir: 'to' }>): Promise<string> {
    const query = copy.query ?? `SELECT * FROM "${copy.table!.replace(/"/g, '""')}"`;
    if (/^\s*SUBSCRIBE\b/i.test(query)) return this.copySubscribe(query, copy);
    const result = await this.run(query, 0);
    if (!result.columns) throw new SqlError(SqlState.FeatureNotSupported, 'COPY (query) TO STDOUT takes a query that returns rows');
    const types = result.columns.map((c) => c.type);
    this.send(copyOutResponse(types.length));
    if (copy.header) this.send(copyData(`${result.columns.map((c) => c.name).join(copy.format === 'csv' ? ',' : '\t')}\n`));
    for (const row of result.rows ?? []) await this.sendRow(copyData(encodeCopyRow(row, types, copy.format)));
    this.send(copyDone());
    return `COPY ${result.rows?.length ?? 0}`;
  }

  /**
   * COPY (SUBSCRIBE ...) TO STDOUT: CopyData rows as updates come, until a CancelRequest (57014)
   * or the connection closes. Rows are taken from the subscription only as the socket drains.
   */
  private async copySubscribe(query: string, copy: Extract<CopyStatement, { dir: 'to' }>): Promise<string> {
    this.txn.beginRead();
    const sub = await this.cancelable(PgSubscription.open(this.backend, query, this.txn.readTimestamp));
    // Read while streaming, so a client that closes its end is noticed ('close' ends the COPY)
    // even when no row comes; what it sends meanwhile waits in the frame reader.
    this.socket.resume();
    try {
      const types = sub.columns.map((c) => c.type);
      this.send(copyOutResponse(types.length));
      if (copy.header) this.send(copyData(`${sub.columns.map((c) => c.name).join(copy.format === 'csv' ? ',' : '\t')}\n`));
      this.flush();
      let sent = 0;
      for (;;) {
        if (this.isClosed()) throw new SqlError(QueryCanceled, 'connection closed');
        await this.cancelable((abort) => sub.wait(undefined, abort));
        for (const row of sub.take(1000)) {
          this.send(copyData(encodeCopyRow(row, types, copy.format)));
          sent++;
        }
        const ended = sub.endedReason;
        this.flush();
        await this.cancelable(this.drained());
        if (ended) {
          if (ended !== 'dropped') throw new SqlError(SqlState.InternalError, `the subscription ${ended}`);
          this.send(copyDone());
          return `COPY ${sent}`;
        }
      }
    } finally {
      sub.close();
      if (!this.isClosed()) this.socket.pause();
    }
  }

  private async extended(msg: Exclude<FrontendMessage, { type: 'Query' | 'Sync' | 'Flush' | 'Terminate' }>): Promise<void> {
    switch (msg.type) {
      case 'Parse': {
        if (msg.name !== '' && this.statements.has(msg.name)) throw new SqlError(DuplicatePreparedStatement, `prepared statement "${msg.name}" already exists`);
        checkSqlSize(msg.sql);
        const stmts = splitStatements(msg.sql).filter((s) => !onlyComments(s.text));
        if (stmts.length > 1) throw new SqlError(SqlState.SyntaxError, 'cannot insert multiple commands into a prepared statement');
        const count = Math.max(parameterCount(msg.sql), msg.paramTypes.length);
        const paramTypes = Array.from({ length: count }, (_, i) => msg.paramTypes[i] ?? 0);
        this.statements.set(msg.name, { sql: stmts[0]?.text ?? '', paramTypes });
        this.send(be.parseComplete());
        return;
      }
      case 'Bind': {
        const statement = this.statement(msg.statement);
        const n = statement.paramTypes.length;
        if (msg.params.length !== n) throw new ProtocolError(`bind message supplies ${msg.params.length} parameters, but prepared statement "${msg.statement}" requires ${n}`);
        if (msg.paramFormats.length > 1 && msg.paramFormats.length !== n) throw new ProtocolError(`bind message has ${msg.paramFormats.length} parameter formats but ${n} parameters`);
        const literals = msg.params.map((value, i) => {
          const format = msg.paramFormats.length === 1 ? msg.paramFormats[0]! : (msg.paramFormats[i] ?? 0);
          const oid = statement.paramTypes[i]!;
          const text = value === null ? null : format === 1 ? binaryParamText(value, oid, i + 1) : value.toString('utf8');
          return literalOf(text, oid);
        });
        const sql = n === 0 ? statement.sql : substituteParameters(statement.sql, literals);
        if (msg.portal !== '' && this.portals.has(msg.portal)) throw new SqlError('42P03', `portal "${msg.portal}" already exists`);
        this.portals.set(msg.portal, { statement, sql, resultFormats: msg.resultFormats, sent: 0, done: false, ...(n === 0 ? {} : { bound: { template: statement.sql, literals } }) });
        this.send(be.bindComplete());
        return;
      }
      case 'Describe': {
        if (msg.kind === 'S') {
          const statement = this.statement(msg.name);
          this.send(be.parameterDescription(statement.paramTypes.map((t) => (t === 0 ? Oid.text : t))));
          if (!READS.test(statement.sql)) return this.send(be.noData());
          const nulls = statement.paramTypes.map(() => 'NULL');
          const result = await this.run(statement.paramTypes.length ? substituteParameters(statement.sql, nulls) : statement.sql, 0);
          this.send(result.columns ? be.rowDescription(this.fields(result, [])) : be.noData());
          return;
        }
        const portal = this.portal(msg.name);
        // Only reads run here (to learn their columns); a SET or a write runs at Execute, once.
        if (!READS.test(portal.sql)) return this.send(be.noData());
        portal.result ??= await this.run(portal.sql, 0, portal.bound);
        this.send(portal.result.columns ? be.rowDescription(this.fields(portal.result, portal.resultFormats)) : be.noData());
        return;
      }
      case 'Execute': {
        const portal = this.portal(msg.portal);
        if (portal.sql === '') return this.send(be.emptyQueryResponse());
        if (portal.done) return this.send(be.commandComplete(portal.result?.columns ? 'SELECT 0' : (portal.result?.tag ?? '')));
        portal.result ??= await this.run(portal.sql, 0, portal.bound);
        const result = portal.result;
        if (portal.sent === 0) this.sendNotices(result);
        const rows = result.rows ?? [];
        const end = msg.maxRows > 0 ? Math.min(rows.length, portal.sent + msg.maxRows) : rows.length;
        for (let i = portal.sent; i < end; i++) await this.sendRow(be.dataRow(this.encodeRow(result, rows[i]!, portal.resultFormats)));
        const count = end - portal.sent;
        portal.sent = end;
        if (result.columns && end < rows.length) return this.send(be.portalSuspended());
        portal.done = true;
        const tag = tagOf(portal.sql, result);
        this.send(be.commandComplete(tag.startsWith('SELECT') ? `SELECT ${count}` : tag));
        return;
      }
      case 'Close':
        if (msg.kind === 'S') this.statements.delete(msg.name);
        else this.portals.delete(msg.name);
        this.send(be.closeComplete());
        return;
    }
  }

  private statement(name: string): Prepared {
    const s = this.statements.get(name);
    if (!s) throw new SqlError(InvalidSqlStatementName, `prepared statement "${name}" does not exist`);
    return s;
  }

  private portal(name: string): Portal {
    const p = this.portals.get(name);
    if (!p) throw new SqlError(InvalidCursorName, `portal "${name}" does not exist`);
    return p;
  }

  private sendNotices(result: StatementResult): void {
    for (const n of result.notices ?? []) this.send(be.noticeResponse({ severity: 'NOTICE', code: '00000', message: n }));
  }

  private fields(result: StatementResult, formats: number[]): be.FieldDescription[] {
    return (result.columns ?? []).map((c, i) => {
      const t = pgTypeOf(c.type);
      return { name: c.name, typeOid: t.oid, typeSize: t.size, format: formatOf(formats, i) };
    });
  }

  private encodeRow(result: StatementResult, row: StatementResult['rows'] extends Array<infer R> | undefined ? R : never, formats: number[]): Array<Buffer | null> {
    const columns = result.columns ?? [];
    return row.map((v, i) => {
      const type = columns[i]?.type ?? 'text';
      return formatOf(formats, i) === 1 ? binaryValue(v, type) : textValue(v, type);
    });
  }
}

/** Text that is only comments and white space (an empty query to Postgres). */
function onlyComments(text: string): boolean {
  return text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '').trim() === '';
}

/** SHOW of one setting: those Postgres tags `SHOW` (SHOW OBJECTS, TABLES, ... stay `SELECT n`). */
const SHOW_SETTING = /^\s*SHOW\s+(?!(?:ALL|OBJECTS|TABLES|SOURCES|VIEWS|MATERIALIZED|INDEXES|CLUSTERS|TIMELINES)\b)[A-Za-z_][\w.]*\s*;?\s*$/i;

/** The CommandComplete tag of a statement's result, as Postgres writes it. */
function tagOf(text: string, result: StatementResult): string {
  return SHOW_SETTING.test(text) ? 'SHOW' : result.tag;
}

function formatOf(formats: number[], i: number): 0 | 1 {
  const f = formats.length === 1 ? formats[0] : formats[i];
  return f === 1 ? 1 : 0;
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1' || (address?.startsWith('127.') ?? false);
}

/** The `options` start-up parameter: `-c name=value` and `--name=value`, space separated. */
function parseOptions(options: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const words = options.match(/(?:\\.|\S)+/g) ?? [];
  for (let i = 0; i < words.length; i++) {
    let w = words[i]!.replace(/\\(.)/g, '$1');
    if (w === '-c' && i + 1 < words.length) w = words[++i]!.replace(/\\(.)/g, '$1');
    else if (w.startsWith('-c')) w = w.slice(2);
    else if (w.startsWith('--')) w = w.slice(2);
    const eq = w.indexOf('=');
    if (eq <= 0) throw new ProtocolError(`invalid command-line argument in options: "${w}"`, '22023');
    out.push([w.slice(0, eq).replace(/-/g, '_'), w.slice(eq + 1)]);
  }
  return out;
}
