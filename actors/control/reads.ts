/**
 * Reads for SELECT: chooses the timestamp (ARCHITECTURE.md section 6) and fetches every input
 * at it. An input with an index is peeked from its cluster (the fast path: the arrangement is
 * already there); any other input is a STORAGE snapshot (`wait`: the collection's upper must pass
 * the timestamp first). The caller evaluates the rest of the plan over the fetched inputs.
 *
 * Timestamp: strict serializable = max(AS OF, oracle readTs, every input's since, and, when every
 * input is a collection, the largest time complete in all of them, made the oracle's readTs
 * first); serializable = the largest time already complete in every input (no wait); AS OF below
 * an input's since is refused with 72000 (snapshot too old). It never reads below `since`.
 */
import { isRecursionLimitMessage } from '../../protocol/compute/fixpoint.js';
import { randomUUID } from 'node:crypto';
import { SqlError, SqlState } from '../../protocol/control/errors.js';
import type { PeekResponse } from '../../protocol/compute/response.js';
import type { Plan } from '../../protocol/compute/plan.js';
import { EVAL_ERROR } from '../../protocol/compute/scalar.js';
import { isOutOfRangeMessage } from '../../protocol/int-range.js';
import { CARDINALITY_VIOLATION, isSubqueryCardinalityMessage, SUBQUERY_TOO_MANY_ROWS } from './sql/subquery.js';
import { isErrorCode } from '../../protocol/errors.js';
import { SinceViolationError } from '../../protocol/storage/errors.js';
import { clusterSubject } from '../../protocol/compute/subjects.js';
import type { StorageClient } from '../../protocol/storage/client.js';
import type { ColumnType, Row } from '../../protocol/types.js';
import type { Transport } from '../../runtime/transport.js';
import { splitContents } from '../../protocol/error-column.js';
import type { TimelineClient } from './timestamps.js';
import type { PushedPeek } from './index-pushdown.js';

/** Where one input of a read comes from. */
/** Where a relation's data is read: a STORAGE collection, or an index (with its key columns and their types, if any). */
export type ReadSource = { collection: string; errors?: boolean } | { index: { cluster: string; dataflow: string; keys?: number[]; keyTypes?: ColumnType[] } };

export type Isolation = 'strict serializable' | 'serializable';

export interface ReadRequest {
  inputs: Map<string, ReadSource>;
  isolation: Isolation;
  asOf?: number;
}

/** Read timestamps tried before a read whose inputs keep compacting past them gives up. */
const MAX_SINCE_RETRIES = 5;

export class Reader {
  /** Peek ids: unique per Reader (a random prefix) and per peek (a counter). */
  private readonly peekPrefix = randomUUID().replace(/-/g, '').slice(0, 16);
  private peeks = 0;

  constructor(
    private readonly transport: Transport,
    private readonly region: string,
    private readonly storage: StorageClient,
    private readonly timeline: TimelineClient,
  ) {}

  /**
   * Chooses the read timestamp and fetches every input at it. With `peeks` (index-pushdown.ts),
   * the indexes are read by those peeks, each under its own name, instead of whole.
   */
  async read(req: ReadRequest, peeks?: PushedPeek[]): Promise<{ ts: number; data: Map<string, Array<[Row, number]>> }> {
    const { ts, value: data } = await this.atTimestamp(req, async (ts) => {
      const data = new Map<string, Array<[Row, number]>>();
      await Promise.all([
        ...[...req.inputs].map(async ([name, source]) => {
          if (!('collection' in source)) {
            if (!peeks) data.set(name, await this.peek(source.index, ts));
            return;
          }
          const contents = await this.storage.snapshotAll(source.collection, ts);
          data.set(name, source.errors ? viewContents(contents) : contents);
        }),
        ...(peeks ?? []).map(async (p) => data.set(p.name, await this.peek(p.index, ts, 0, p.mfp, p.lookup))),
      ]);
      return data;
    });
    return { ts, data };
  }

  /**
   * Runs `read` at the read timestamp for `req`. An input's since follows its upper (1 s behind
   * by default), so under load it can pass the chosen timestamp before the read reaches the
   * input (a SinceViolation from STORAGE, a peek or a transient dataflow's install): without an
   * AS OF, any later timestamp is as good, and the read runs again at a new one; with one, or
   * after MAX_SINCE_RETRIES, it is SnapshotTooOld.
   */
  atTimestamp<T>(req: ReadRequest, read: (ts: number) => Promise<T>): Promise<{ ts: number; value: T }> {
    return untilSinceHolds(() => this.timestamp(req), read, req.asOf !== undefined);
  }

  /** The read timestamp for `req` (see the header): never below a collection input's since. */
  async timestamp(req: ReadRequest): Promise<number> {
    const collections = [...req.inputs.values()].flatMap((s) => ('collection' in s ? [s.collection] : []));
    const frontiers = collections.length === 0 ? [] : await Promise.all(collections.map((c) => this.storage.describe(c, 30_000)));
    const since = Math.max(0, ...frontiers.map((f) => f.since));
    if (req.asOf !== undefined) {
      if (req.asOf < since) throw new SqlError(SqlState.SnapshotTooOld, `AS OF ${req.asOf} is before the inputs' since ${since}: that history has been compacted`);
      return req.asOf;
    }
    // Every input a collection: the largest time complete in all of them.
    const complete = frontiers.length > 0 && frontiers.length === req.inputs.size ? Math.min(...frontiers.map((f) => f.upper)) - 1 : undefined;
    if (req.isolation === 'serializable' && complete !== undefined) return Math.max(since, complete);
    const readTs = await this.timeline.readTs();
    // The complete time, if the oracle has not reached it (a source's timestamps follow the wall
    // clock, not the oracle: its newest data is complete there before any table write or tick
    // moves readTs past it).
    const ts = Math.max(since, complete ?? 0);
    if (ts <= readTs) return readTs;
    // Ahead of the oracle: read there, and make the oracle's readTs follow first, so no later read
    // in any session goes back (strict serializable: every acknowledged write is <= readTs <= ts).
    // The oracle refuses a time beyond its clock; a since is read anyway (nothing older is left),
    // a later complete time only when the oracle accepted it.
    const applied = await this.timeline.applyWrite(ts).then(() => true, () => false);
    if (applied) return ts;
    return since <= readTs ? readTs : since;
  }

  /**
   * Peeks a dataflow's index at `ts`; the cluster answers once its frontier passed `ts`. With
   * `awaitInstallMs`, a dataflow the cluster does not have yet (its install, acknowledged by the
   * compute controller, is still on its way to the cluster, or the cluster is restarting) is
   * asked for again until then. `mfp` (a map/filter/project over the index) is applied by the
   * cluster before it answers; `lookup` (key tuples, key-lookup.ts) limits what it reads.
   */
  async peek(index: { cluster: string; dataflow: string }, ts: number, awaitInstallMs = 0, mfp?: Plan, lookup?: Row[]): Promise<Array<[Row, number]>> {
    const until = Date.now() + awaitInstallMs;
    const ask = () =>
      this.transport.request<PeekResponse>(
        clusterSubject(this.region, index.cluster),
        { type: 'Peek', peekId: `${this.peekPrefix}${(this.peeks++).toString(36)}`, dataflow: index.dataflow, timestamp: ts, ...(mfp ? { mfp } : {}), ...(lookup ? { lookup } : {}) },
        { timeoutMs: 60_000 },
      );
    let r = await ask().catch((err: Error) => err);
    for (;;) {
      const missing = r instanceof Error ? isErrorCode(r, 'NoResponders') : r.outcome === 'error' && r.error?.code === 'NotFound';
      if (!missing || Date.now() >= until) break;
      await new Promise((res) => setTimeout(res, 50));
      r = await ask().catch((err: Error) => err);
    }
    if (r instanceof Error) throw r;
    if (r.outcome === 'rows') return r.rows as Array<[Row, number]>;
    if (r.error?.code === EVAL_ERROR) throw evaluationError(r.error.message);
    if (r.error?.code === 'SinceViolation') throw new SinceViolationError(`peek of index ${index.dataflow}: ${r.error.message}`);
    throw new SqlError(SqlState.InternalError, `peek of index ${index.dataflow} failed: ${r.error?.message ?? r.outcome}`, { determinacy: 'definite' });
  }
}

/**
 * Runs `run` at the timestamp `choose` picks; when an input's since passed it before `run` reached
 * the input (SinceViolation), picks again and runs again, up to MAX_SINCE_RETRIES times, unless
 * the timestamp is `fixed` (an AS OF): then, or when every try failed, it is SnapshotTooOld. For
 * reads (`Reader.atTimestamp`) and for the dataflows DDL installs at a chosen as-of.
 */
export async function untilSinceHolds<T>(choose: () => Promise<number>, run: (ts: number) => Promise<T>, fixed = false): Promise<{ ts: number; value: T }> {
  for (let attempt = 1; ; attempt++) {
    const ts = await choose();
    try {
      return { ts, value: await run(ts) };
    } catch (err) {
      if (!isErrorCode(err, 'SinceViolation')) throw err;
      if (!fixed && attempt < MAX_SINCE_RETRIES) continue;
      throw new SqlError(SqlState.SnapshotTooOld, `at ${ts}: ${(err as Error).message}: that history has been compacted`);
    }
  }
}

/**
 * A materialized view's contents from its collection (protocol/error-column.ts): its rows, or
 * its first evaluation error (by message) while it has any, as a read of it in Materialize fails.
 */
function viewContents(contents: Array<[Row, number]>): Array<[Row, number]> {
  const { rows, errors } = splitContents(contents);
  const present = errors.filter(([, n]) => n > 0).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (present.length > 0) throw evaluationError(present[0]![0]);
  return rows;
}

/** A scalar evaluation error of a query (division by zero, a bad cast, ...) as its SQLSTATE. */
export function evaluationError(message: string): SqlError {
  // Evaluation errors cross the compute protocol as their message only (PeekResponse.error).
  if (/division by zero/i.test(message)) return new SqlError(SqlState.DivisionByZero, message);
  // protocol/compute/datetime-scalar.ts' messages, with Postgres' codes.
  if (/^invalid input syntax for type (date|timestamp|interval|time)/.test(message)) return new SqlError('22007', message);
  if (/^time zone displacement out of range/.test(message)) return new SqlError('22009', message);
  // protocol/compute/number-scalar.ts' float4 messages.
  if (/^value out of range: (overflow|underflow)|^".*" is out of range for type real$/.test(message)) return new SqlError(SqlState.NumericValueOutOfRange, message);
  if (/^invalid input syntax for type real:/.test(message)) return new SqlError('22P02', message);
  if (/^(date\/time field value out of range|interval field value out of range|(date|timestamp|interval) out of range)/.test(message)) return new SqlError('22008', message);
  if (/^unit ".*" not supported for type/.test(message)) return new SqlError(SqlState.FeatureNotSupported, message);
  if (/^unit ".*" not recognized for type/.test(message)) return new SqlError('22023', message);
  if (isOutOfRangeMessage(message)) return new SqlError(SqlState.NumericValueOutOfRange, message);
  if (/^value too long for type/.test(message)) return new SqlError('22001', message);
  // protocol/compute/posix-regex.ts' and scalar.ts' messages: Postgres' invalid_regular_expression.
  if (/regular expression/.test(message)) return new SqlError('2201B', message);
  if (isSubqueryCardinalityMessage(message)) return new SqlError(CARDINALITY_VIOLATION, SUBQUERY_TOO_MANY_ROWS);
  // protocol/compute/scalar.ts' and text-scalar.ts' messages, with Postgres' codes.
  if (/^cannot take (logarithm|square root) of/.test(message)) return new SqlError(/logarithm/.test(message) ? '2201E' : '2201F', message);
  if (/^(null character not permitted|requested length too large|requested character not valid)/.test(message)) return new SqlError('54000', message);
  if (/^(field position must not be zero|character number must be positive)/.test(message)) return new SqlError('22023', message);
  // protocol/compute/jsonb-scalar.ts' messages, with Postgres' codes.
  if (/^invalid input syntax for type json/.test(message)) return new SqlError('22P02', message);
  if (/^unsupported Unicode escape sequence/.test(message)) return new SqlError('22P05', message);
  if (/^(cannot cast jsonb|cannot get array length of|cannot delete from|cannot extract elements from|cannot call jsonb_|argument \d+: key must not be null|field name must not be null|argument list must have even)/.test(message)) {
    return new SqlError('22023', message);
  }
  // protocol/compute/table-function.ts' messages (flat_map: generate_series per row).
  if (/^step size cannot equal zero/.test(message)) return new SqlError('22023', message);
  if (/^generate_series would produce/.test(message)) return new SqlError('54000', message);
  // protocol/compute/fixpoint.ts: a WITH RECURSIVE past its recursion limit (PostgreSQL would not stop).
  if (isRecursionLimitMessage(message)) return new SqlError('54001', message, { hint: 'a recursive query that should end has a cycle: use UNION instead of UNION ALL, or a condition that ends it' });
  return new SqlError('22000', message);
}
