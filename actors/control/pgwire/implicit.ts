/**
 * A simple Query of several INSERT / UPDATE / DELETE statements and no open block, run as one
 * implicit transaction, as Postgres runs it: every statement is evaluated and checked in order
 * (each answers its CommandComplete), its changes buffered, and all of them committed together
 * in one group commit at the end; an error in any statement writes nothing and skips the rest.
 * The whole Query runs in the coordinator's serialized section (as a lone UPDATE / DELETE does),
 * so no DDL, UPDATE or DELETE interleaves. It owns only that decision and the buffering: the
 * connection sends the messages, the executor plans and evaluates, group commit writes.
 *
 * What it must not do: run a batch whose later statement reads what an earlier one wrote (an
 * UPDATE / DELETE / INSERT ... SELECT of a table written before it in the Query, or any read of
 * a view, source or materialized view after a write): buffered changes are not visible to reads,
 * so such a Query is refused here (`undefined`) and the connection runs it statement by statement.
 */
import { SqlError, SqlState } from '../../../protocol/control/errors.js';
import type { Row } from '../../../protocol/types.js';
import type { ControlDeps, Settings } from '../deps.js';
import { planWriteStatement, writeRows } from '../executor.js';
import { asSqlError } from '../session-sql.js';
import type { PlannedWrite, SqlStatement } from '../sql/index.js';
import { classify } from './transaction.js';

/** A Query's statements planned for one implicit transaction, up to the first that failed to plan. */
export interface ImplicitPlan {
  writes: PlannedWrite[];
  /** The planning error of statement `writes.length`, reported after the earlier ones' CommandCompletes. */
  error?: unknown;
}

/** Whether the Query's statements may run as one implicit write transaction (before planning). */
export function isImplicitWriteBatch(stmts: SqlStatement[]): boolean {
  return stmts.length > 1 && stmts.every((s) => {
    const cls = classify(s.text);
    return cls === 'insert' || cls === 'readwrite';
  });
}

/**
 * Plans every statement (parse and resolve: no reads). Undefined when the batch cannot be one
 * implicit transaction: a statement that is not a plain write, or one that reads what an earlier
 * statement of the Query wrote. Call it inside `deps.serialize`, so the catalog holds still.
 */
export function planImplicit(deps: ControlDeps, stmts: SqlStatement[]): ImplicitPlan | undefined {
  const writes: PlannedWrite[] = [];
  const written = new Set<string>();
  for (const stmt of stmts) {
    let planned: PlannedWrite | undefined;
    try {
      planned = planWriteStatement(deps, stmt.text, stmt.offset);
    } catch (err) {
      return { writes, error: err };
    }
    if (!planned) return undefined;
    for (const input of planned.inputs) {
      const item = deps.catalog.get(input.id);
      if (written.size > 0 && (item?.kind !== 'table' || written.has(input.id))) return undefined;
    }
    written.add(planned.table.id);
    writes.push(planned);
  }
  return { writes };
}

/**
 * Evaluates the planned writes in order, calling `completed` with each one's tag, then commits all
 * their changes in one commit; the first error (evaluation, the planning error, the commit) is
 * thrown and nothing is written. Returns the commit's timestamp (undefined: nothing to write).
 */
export async function runImplicit(deps: ControlDeps, plan: ImplicitPlan, settings: Settings, completed: (tag: string) => void): Promise<number | undefined> {
  const changes = new Map<string, Array<[Row, number]>>();
  for (const planned of plan.writes) {
    const w = await asSqlError(() => writeRows(deps, planned, settings));
    const rows = changes.get(w.collection) ?? [];
    for (const r of w.rows) rows.push(r);
    changes.set(w.collection, rows);
    completed(w.tag);
  }
  if (plan.error !== undefined) throw plan.error;
  const writes = new Map([...changes].filter(([, rows]) => rows.length > 0));
  if (writes.size === 0) return undefined;
  for (const collection of writes.keys()) {
    if (!deps.catalog.all().some((i) => i.collection === collection)) throw new SqlError(SqlState.UndefinedTable, 'a table this query wrote was dropped: nothing was written');
  }
  return deps.commits.write(writes);
}
