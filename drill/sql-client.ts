/**
 * The drill's CONTROL client: one SQL session over plain NATS request/reply, reopened when it is
 * lost (a CONTROL restart ends every session: requests get "no responders"). `read` retries on a
 * new session until it answers (a read changes nothing, so retrying is safe); `write` retries only
 * when the error says the statement certainly did not run, and otherwise reports the outcome as
 * unknown, so the drill never counts a write it cannot vouch for. It also checks that the
 * timestamps one session hands back never go backwards.
 */
import { connectSubject } from '../protocol/control/subjects.js';
import type { Results, SessionOpened, StatementResult } from '../protocol/control/response.js';
import { SqlError } from '../protocol/control/errors.js';
import { DefiniteError } from '../protocol/errors.js';
import type { Transport } from '../runtime/transport.js';
import { Fatal, until } from './until.js';

export type WriteOutcome = { ok: true; result: StatementResult } | { ok: false; unknown: boolean; error: Error };

export class DrillSql {
  private session: SessionOpened | undefined;
  /** Highest timestamp handed back to this client, and complaints about it going back. */
  maxTs = 0;
  readonly problems: string[] = [];
  sessionsOpened = 0;

  constructor(
    private readonly transport: Transport,
    private readonly region: string,
    readonly name: string,
  ) {}

  /** The current session's subject, opening a session if there is none. */
  async subject(): Promise<string> {
    if (!this.session) {
      this.session = await this.transport.request<SessionOpened>(connectSubject(this.region), { type: 'OpenSession', client: this.name }, { timeoutMs: 5000 });
      this.sessionsOpened++;
    }
    return this.session.subject;
  }

  /** Forgets the session (it is gone); the next request opens a new one. */
  lost(): void {
    this.session = undefined;
  }

  /** Runs `sql` once on the current session; a lost session is forgotten before the error is rethrown. */
  async once(sql: string, timeoutMs = 30_000): Promise<StatementResult[]> {
    const subject = await this.subject();
    try {
      const r = await this.transport.request<Results>(subject, { type: 'Execute', sql }, { timeoutMs });
      for (const res of r.results) this.saw(res, sql);
      return r.results;
    } catch (err) {
      if (!(err instanceof SqlError)) this.lost();
      throw err;
    }
  }

  /** A read (or DDL that is idempotent with IF [NOT] EXISTS): retried until it answers. SQL errors are final. */
  async read(sql: string, what = sql): Promise<StatementResult[]> {
    return until(async () => {
      try {
        return await this.once(sql, 10_000);
      } catch (err) {
        if (err instanceof SqlError) throw new SqlFailure(err);
        throw err;
      }
    }, `${this.name}: ${what}`).catch((err: unknown) => {
      throw err instanceof SqlFailure ? err.cause : err;
    });
  }

  /** The rows of the last statement of a read. */
  async rows(sql: string): Promise<{ rows: unknown[][]; timestamp: number }> {
    const results = await this.read(sql);
    const last = results[results.length - 1]!;
    return { rows: (last.rows ?? []) as unknown[][], timestamp: last.timestamp ?? 0 };
  }

  /** A write: retried while it certainly did not run; otherwise its outcome is unknown. */
  async write(sql: string): Promise<WriteOutcome> {
    for (let attempt = 0; ; attempt++) {
      try {
        const results = await this.once(sql);
        return { ok: true, result: results[results.length - 1]! };
      } catch (err) {
        const e = err as Error;
        const definite = e instanceof DefiniteError && e.determinacy === 'definite';
        if (!definite || e instanceof SqlError || attempt >= 200) return { ok: false, unknown: !definite, error: e };
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private saw(r: StatementResult, sql: string): void {
    // AS OF reads go back on purpose; every other timestamp of a session moves forward only
    if (r.timestamp === undefined || /\bAS OF\b/i.test(sql)) return;
    if (r.timestamp < this.maxTs) this.problems.push(`${this.name}: timestamp went backwards ${this.maxTs} -> ${r.timestamp} (${sql.slice(0, 60)})`);
    this.maxTs = Math.max(this.maxTs, r.timestamp);
  }
}

/** Carries a SqlError out of `until` without retrying it. */
class SqlFailure extends Fatal {
  constructor(override readonly cause: SqlError) {
    super(cause.message);
  }
}
