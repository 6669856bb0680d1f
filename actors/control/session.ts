/**
 * The session actor: one per client, at `dfn.<region>.control.session.<id>` (started by the
 * coordinator, ephemeral: not restarted after a host restart; the client opens a new one). It
 * holds the settings and the client's subscriptions, runs the client's requests one at a time
 * through the coordinator's handlers, and closes itself after `idle_timeout` seconds without a
 * message (its subscriptions end). Idle, it is a timer and a NATS subscription.
 */
import { MessageSet } from '../../protocol/message.js';
import { DefiniteError, UnavailableError } from '../../protocol/errors.js';
import { SESSION_COMMANDS, type SessionCommand, type TypedCommand } from '../../protocol/control/command.js';
import { SqlError, SqlState } from '../../protocol/control/errors.js';
import type { Results, StatementResult } from '../../protocol/control/response.js';
import type { ActorBehavior, ActorContext, Reply } from '../../runtime/actor.js';
import type { ActorKind } from '../../runtime/host.js';
import { sessionSubject } from '../../protocol/control/subjects.js';
import { DEFAULT_SETTINGS, type Settings } from './deps.js';
import { backendFor, type SessionBackend } from './session-backend.js';
import { SessionSubscriptions } from './session-subscribe.js';
import { isNumericString, numericText } from '../../protocol/numeric.js';
import { checkSqlSize } from './session-sql.js';

const commands = new MessageSet<SessionCommand>(SESSION_COMMANDS);

interface SessionConfig {
  settings?: Settings;
  client?: string;
}

class Session implements ActorBehavior<SessionCommand> {
  readonly commands = commands;
  private readonly settings: Settings;
  private timer: NodeJS.Timeout | undefined;
  private subscriptions: SessionSubscriptions | undefined;
  private closed = false;

  constructor(private readonly ctx: ActorContext) {
    const config = (ctx.config ?? {}) as SessionConfig;
    this.settings = { ...DEFAULT_SETTINGS, ...(config.settings ?? {}) };
  }

  async recover(): Promise<void> {
    this.touch();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    // Stopped with its process (not closed by the client or by idling): its subscriptions' read
    // holds stay, so their clients can resume on a new session after the restart.
    this.subscriptions?.closeAll('session closed', !this.closed);
  }

  info(): Record<string, unknown> {
    return { settings: this.settings, subscriptions: this.subscriptions?.count() ?? 0 };
  }

  async handle(cmd: SessionCommand): Promise<Reply> {
    // Only a request that was already on its way when the session closed gets here; later ones
    // get no responders (close() stopped listening before its SessionAck went out).
    if (this.closed) throw new SqlError(SqlState.InvalidSessionId, 'this session is closed; open a new session');
    this.touch();
    try {
      return await this.dispatch(cmd);
    } catch (err) {
      if (err instanceof DefiniteError) throw err;
      throw new SqlError(SqlState.InternalError, (err as Error)?.message ?? String(err), { determinacy: 'indeterminate' });
    }
  }

  private async dispatch(cmd: SessionCommand): Promise<Reply> {
    if (cmd.type === 'Subscribe') checkSqlSize(cmd.sql);
    switch (cmd.type) {
      case 'Execute':
        return this.results(await this.backend().executeSql(cmd.sql, this.settings));
      case 'Command':
        return this.results([await this.typed(cmd.command)]);
      case 'Subscribe':
        return this.subs().start(cmd, this.settings);
      case 'Credit':
        this.subs().credit(cmd.subscription, cmd.batches);
        return { type: 'SessionAck' };
      case 'Cancel':
        this.subs().cancel(cmd.subscription);
        return { type: 'SessionAck' };
      case 'KeepAlive':
        return { type: 'SessionAck', settings: { ...this.settings } };
      case 'CloseSession':
        this.close();
        return { type: 'SessionAck' };
      default:
        return assertNever(cmd);
    }
  }

  private results(results: StatementResult[]): Results {
    return { type: 'Results', results };
  }

  /** Typed commands run as the equivalent SQL, so both paths share validation and semantics. */
  private async typed(c: TypedCommand): Promise<StatementResult> {
    const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
    // A numeric carried as a string (protocol/numeric.ts) goes back as its digits.
    const literal = (v: unknown) => (v === null ? 'NULL' : isNumericString(v) ? `'${numericText(v as string)}'` : typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : typeof v === 'boolean' ? String(v) : String(v));
    const run = async (sql: string) => (await this.backend().executeSql(sql, this.settings))[0]!;
    switch (c.op) {
      case 'insert':
        if (c.rows.length === 0) return { tag: 'INSERT 0 0' };
        return run(`INSERT INTO ${ident(c.table)} VALUES ${c.rows.map((r) => `(${r.map(literal).join(', ')})`).join(', ')}`);
      case 'delete': {
        let deleted = 0;
        let ts: number | undefined;
        for (const r of c.rows) {
          const table = await this.backend().table(c.table);
          if (r.length !== table.columns.length) throw new SqlError(SqlState.DatatypeMismatch, `a row of ${c.table} has ${table.columns.length} columns, not ${r.length}`);
          const where = table.columns.map((col, i) => (r[i] === null ? `${ident(col.name)} IS NULL` : `${ident(col.name)} = ${literal(r[i])}`)).join(' AND ');
          const res = await run(`DELETE FROM ${ident(c.table)} WHERE ${where}`);
          deleted += Number(res.tag.split(' ')[1] ?? 0);
          ts = res.timestamp ?? ts;
        }
        return ts === undefined ? { tag: `DELETE ${deleted}` } : { tag: `DELETE ${deleted}`, timestamp: ts };
      }
      case 'read':
        return run(`SELECT * FROM ${ident(c.object)}${c.limit !== undefined ? ` LIMIT ${c.limit}` : ''}${c.asOf !== undefined ? ` AS OF ${c.asOf}` : ''}`);
      case 'list':
        return run(`SHOW ${(c.kind ?? 'objects').toUpperCase()}`);
      default:
        return assertNever(c);
    }
  }

  /** The coordinator, through the session interface (in this process, or over NATS in a front-end process). */
  private backend(): SessionBackend {
    const b = backendFor(this.ctx.region).forSession(this.ctx.id);
    if (!b.ready()) throw new UnavailableError('the coordinator is restarting; retry shortly');
    return b;
  }

  private subs(): SessionSubscriptions {
    this.subscriptions ??= new SessionSubscriptions(this.ctx, () => this.backend());
    return this.subscriptions;
  }

  private touch(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    const seconds = Number(this.settings['idle_timeout'] ?? 60);
    this.timer = setTimeout(() => this.close(), seconds * 1000);
    this.timer.unref?.();
  }

  /**
   * Ends the session: it stops listening at once (so nothing sent after the CloseSession reply,
   * or after the idle timeout, is executed), ends its subscriptions, and then stops its actor.
   */
  private close(): void {
    if (this.closed) return;
    this.closed = true;
    const unsubscribed = this.ctx.closeSubject();
    clearTimeout(this.timer);
    this.subscriptions?.closeAll('session closed');
    // Stop once the requests that were already on their way have arrived (they get 08003).
    void unsubscribed.then(() => this.ctx.stopActor(this.ctx.id)).catch(() => undefined);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}

export const sessionKind: ActorKind = {
  kind: 'session',
  layer: 'control',
  create: (ctx) => new Session(ctx),
  subject: (region, id) => sessionSubject(region, id),
};
