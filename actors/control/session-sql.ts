/**
 * How a session runs SQL, shared by both front ends (the NATS session actor, session.ts, and the
 * pgwire connection, pgwire/connection.ts): the size limit, the statements run one at a time
 * through the executor with the session's settings, and any failure that is not a DefiniteError
 * turned into an indeterminate XX000 SqlError.
 */
import { DefiniteError } from '../../protocol/errors.js';
import { sqlTooLarge } from '../../protocol/control/command.js';
import { SqlError, SqlState } from '../../protocol/control/errors.js';
import type { StatementResult } from '../../protocol/control/response.js';
import type { ControlDeps, Settings } from './deps.js';
import { executeSql, executeStatement, type StatementOptions } from './executor.js';
import type { SqlStatement } from './sql/index.js';

/** 54000 when `sql` exceeds the statement size limit. */
export function checkSqlSize(sql: string): void {
  const tooLarge = sqlTooLarge(sql);
  if (tooLarge) throw new SqlError(SqlState.ProgramLimitExceeded, tooLarge, { hint: 'send fewer or smaller statements per request' });
}

/** Every statement of `sql`, in order; the first error stops the rest. */
export async function runSessionSql(deps: ControlDeps, sql: string, settings: Settings): Promise<StatementResult[]> {
  checkSqlSize(sql);
  return asSqlError(() => executeSql(deps, sql, settings));
}

/** One statement (split from a longer text by splitStatements). */
export async function runSessionStatement(deps: ControlDeps, stmt: SqlStatement, settings: Settings, options: StatementOptions = {}): Promise<StatementResult> {
  return asSqlError(() => executeStatement(deps, stmt.text, stmt.offset, settings, options));
}

/** Runs `fn`; a failure that is not a DefiniteError becomes an indeterminate XX000 SqlError. */
export async function asSqlError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DefiniteError) throw err;
    throw new SqlError(SqlState.InternalError, (err as Error)?.message ?? String(err), { determinacy: 'indeterminate' });
  }
}
