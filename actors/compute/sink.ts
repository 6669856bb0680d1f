/**
 * The materialized-view sink: appends a dataflow's output to a STORAGE collection with
 * compare-and-append, so a restarted or duplicated cluster never writes a time twice.
 *
 * It keeps the output updates not yet written. Whenever it does not know that the collection
 * holds exactly its output up to the collection's `upper` (at start, after an UpperMismatch), it
 * reconciles: once its output is complete through the collection's upper C, it writes at time C
 * the difference between its output at C and the collection's contents just before C, then keeps
 * appending its output for later times batch by batch. Another rendition's writes are thus never
 * duplicated and never contradicted.
 *
 * With `errorArity` (the view's column count), the dataflow's evaluation errors are written too,
 * as error rows of the collection's last column (protocol/error-column.ts), beside the data.
 *
 * With `followInputs` (the view's input collections; only for a view whose output changes only
 * when an input does), its empty appends ask STORAGE to let the collection follow its host's txns
 * upper (docs/decoupling.md). Once granted, it sends no empty append while its dataflow takes no
 * input data, but for one every FOLLOW_REFRESH_MS (a safety net: it asks again, so a view whose
 * following STORAGE ended without the dataflow seeing data is advanced all the same).
 */
import type { Row, Update } from '../../protocol/types.js';
import { dataRow, errorRow } from '../../protocol/error-column.js';
import type { Engine, StoragePort } from './ports.js';

/** While following the txns upper and idle: at most one empty append per this many ms. */
export const FOLLOW_REFRESH_MS = 5000;

export interface SinkStats {
  collection: string;
  upper: number;
  appends: number;
  conflicts: number;
}

export class Sink {
  private pending: Update[] = [];
  private upper = -1;
  private reconciled = false;
  private busy = false;
  /** The latest output frontier seen; a flush that was busy catches up to it afterwards. */
  private target = -1;
  appends = 0;
  conflicts = 0;
  /** Set by the owner when the dataflow is dropped. */
  closed = false;
  /** The upper at which STORAGE granted following the txns upper (while `upper` is still it). */
  private followingAt: number | undefined;
  /** The dataflow took input updates since the last append was sent. */
  private inputSeen = true;
  private lastAppendAt = 0;

  constructor(
    readonly collection: string,
    private readonly writer: string,
    private readonly asOf: number,
    private readonly engine: Engine,
    private readonly storage: StoragePort,
    private readonly onError: (err: unknown) => void,
    private readonly errorArity?: number,
    private readonly followInputs?: string[],
    private readonly now: () => number = Date.now,
  ) {}

  /** The dataflow took input updates (its output may change, and following may have ended). */
  inputData(): void {
    this.inputSeen = true;
  }

  /** Whether the collection, following the txns upper, needs no empty append to reach `goal`. */
  private idleFollowing(goal: number): boolean {
    if (this.followingAt !== this.upper || this.inputSeen) return false;
    if (this.now() - this.lastAppendAt >= FOLLOW_REFRESH_MS) return false;
    return !this.pending.some((u) => u[1] < goal);
  }

  stats(): SinkStats {
    return { collection: this.collection, upper: this.upper, appends: this.appends, conflicts: this.conflicts };
  }

  /** Takes the output of one engine step; writes when it can. */
  push(updates: Update[], errors: Update[], frontier: number | undefined): void {
    const arity = this.errorArity;
    if (arity === undefined) {
      for (const u of updates) this.pending.push(u);
    } else {
      for (const u of updates) this.pending.push([dataRow(u[0]), u[1], u[2]]);
      for (const e of errors) this.pending.push([errorRow(e[0][0] as string, arity), e[1], e[2]]);
    }
    if (frontier !== undefined) void this.flush(frontier);
  }

  /** The dataflow's output at `t` as rows of the collection. */
  private desiredAt(t: number): Array<[Row, number]> {
    const arity = this.errorArity;
    if (arity === undefined) return this.engine.peek(t);
    const { rows, errors } = this.engine.contentsAt(t);
    const out: Array<[Row, number]> = rows.map(([row, diff]) => [dataRow(row), diff]);
    for (const [message, diff] of errors) out.push([errorRow(message, arity), diff]);
    return out;
  }

  private async flush(frontier: number): Promise<void> {
    this.target = Math.max(this.target, frontier);
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      for (;;) {
        const goal = this.target;
        if (!this.reconciled) await this.reconcile(goal);
        if (this.closed) break;
        // Not reconciled yet (output not complete through the collection's upper) or nothing new:
        // go round again only if the output frontier moved while we were busy.
        if (!this.reconciled || goal <= this.upper) {
          if (this.target > goal) continue;
          break;
        }
        if (this.idleFollowing(goal)) break;
        await this.append(goal);
      }
    } catch (err) {
      this.onError(err);
    } finally {
      this.busy = false;
    }
  }

  private async reconcile(frontier: number): Promise<void> {
    let { upper } = await this.storage.frontiers(this.collection);
    if (upper < this.asOf) {
      // Nothing existed before the view did: seal the collection up to asOf, empty.
      const r = await this.storage.compareAndAppend(this.args(upper, this.asOf, []));
      upper = r.ok ? this.asOf : r.currentUpper;
      if (r.ok) this.appends++;
      else this.conflicts++;
    }
    if (frontier <= upper) return; // our output is not complete through the collection's upper yet
    const desired = this.desiredAt(upper);
    const persisted = upper > 0 ? await this.storage.snapshot(this.collection, upper - 1).catch(() => [] as Array<[Row, number]>) : [];
    const correction: Update[] = [];
    for (const [row, diff] of desired) correction.push([row, upper, diff]);
    for (const [row, diff] of persisted) correction.push([row, upper, -diff]);
    this.pending = [...correction, ...this.pending.filter((u) => u[1] > upper)];
    this.upper = upper;
    this.reconciled = true;
  }

  private async append(frontier: number): Promise<void> {
    const batch = consolidate(this.pending.filter((u) => u[1] < frontier));
    this.inputSeen = false;
    this.lastAppendAt = this.now();
    const follow = batch.length === 0 && this.followInputs ? { follow: this.followInputs } : {};
    const r = await this.storage.compareAndAppend({ ...this.args(this.upper, frontier, batch), ...follow });
    if (r.ok) {
      this.appends++;
      this.upper = frontier;
      this.followingAt = r.following ? frontier : undefined;
      // Output pushed while the append was in flight stays pending.
      this.pending = this.pending.filter((u) => u[1] >= frontier);
    } else {
      // Another rendition moved the collection: reconcile against what it wrote.
      this.conflicts++;
      this.reconciled = false;
      this.inputSeen = true;
      this.followingAt = undefined;
    }
  }

  private args(expectedUpper: number, newUpper: number, updates: Update[]) {
    return { collection: this.collection, writer: this.writer, token: `${expectedUpper}-${newUpper}`, expectedUpper, newUpper, updates };
  }
}

/** Sums diffs of equal (row, time) pairs and drops zeros. */
export function consolidate(updates: Update[]): Update[] {
  const acc = new Map<string, Update>();
  for (const [row, time, diff] of updates) {
    const key = `${time}\u0000${JSON.stringify(row)}`;
    const cur = acc.get(key);
    if (cur) cur[2] += diff;
    else acc.set(key, [row, time, diff]);
  }
  return [...acc.values()].filter((u) => u[2] !== 0).sort((a, b) => a[1] - b[1]);
}
