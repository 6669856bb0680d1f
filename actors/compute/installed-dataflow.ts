/**
 * One dataflow installed on a cluster: its engine, its subscriptions to the input collections in
 * STORAGE (from `asOf`), its index (peeks and index subscriptions wait for the output frontier),
 * its optional materialized-view sink, and its hydration progress. Everything here is rebuilt
 * from STORAGE after a cluster restart; nothing is durable.
 *
 * A dataflow that reads no collection (`SELECT 1 AS x`) is complete at once: its engine reports
 * the empty frontier. Its output is then valid at every time from asOf on, so its frontier
 * follows the wall clock (the timeline's time base, as a generator source's does), ticking every
 * CONSTANT_TICK_MS: without that its sink never wrote and its index never answered (issue #18).
 */
import type { DataflowDescription } from '../../protocol/compute/command.js';
import type { DataflowStatus } from '../../protocol/compute/response.js';
import type { Frontier, Row, Update } from '../../protocol/types.js';
import type { CollectionSubscription, Engine, EngineFactory, StoragePort } from './ports.js';
import { Sink } from './sink.js';
import { planArity, type Plan } from '../../protocol/compute/plan.js';
import { splitColumns, splitUpdates } from '../../protocol/error-column.js';

/** How often the frontier of a dataflow with no inputs moves to the wall clock. */
export const CONSTANT_TICK_MS = 100;

/** Someone waiting for the output frontier to pass a time. */
interface Waiter {
  time: number;
  resolve: () => void;
}

/** A consumer of the output stream (an index subscription). */
export interface OutputListener {
  output(updates: Update[], upper: Frontier): void;
}

export class InstalledDataflow {
  readonly id: string;
  readonly description: DataflowDescription;
  /** The number of columns of the dataflow's output rows. */
  readonly arity: number;
  private readonly engine: Engine;
  private readonly subs: CollectionSubscription[] = [];
  private readonly inputUppers = new Map<string, number>();
  private readonly inputRows: Record<string, number> = {};
  private upperTs: number;
  private sinceTs: number;
  private hydratedAt: number | undefined;
  private readonly installedAt = Date.now();
  private waiters: Waiter[] = [];
  private readonly listeners = new Set<OutputListener>();
  /** Output updates at times after `since`, so a subscription can start at any time in [since, upper). */
  private history: Update[] = [];
  private stepScheduled = false;
  readonly sink: Sink | undefined;
  dropped = false;
  /** Called when the output frontier advances. */
  onFrontier: ((upper: number) => void) | undefined;
  /** The wall-clock ticker of a dataflow with no inputs. */
  private ticker: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    description: DataflowDescription,
    engineFactory: EngineFactory,
    private readonly storage: StoragePort,
    writerId: string,
    private readonly onError: (err: unknown) => void,
    now: () => number = Date.now,
  ) {
    this.id = description.id;
    this.description = description;
    this.now = now;
    this.upperTs = description.asOf;
    this.sinceTs = description.asOf;
    this.engine = engineFactory(description.plan, description.inputs.map((i) => i.name), description.asOf, description.exports.indexKeys);
    this.arity = planArity(description.plan as Plan); // checked by the engine factory
    if (description.exports.sink) {
      const { collection, errors } = description.exports.sink;
      // Only a view whose output changes only when an input does may follow txns: not one with a
      // temporal filter (mz_now()), whose output changes with time alone.
      const followInputs = hasTemporal(description.plan as Plan) ? undefined : description.inputs.map((i) => i.collection);
      this.sink = new Sink(collection, writerId, description.asOf, this.engine, storage, onError, errors ? this.arity : undefined, followInputs);
    }
  }

  /** Subscribes to every input at asOf. */
  async start(): Promise<void> {
    if (this.description.inputs.length === 0) {
      this.scheduleStep();
      this.ticker = setInterval(() => this.scheduleStep(), CONSTANT_TICK_MS);
      this.ticker.unref();
    }
    for (const input of this.description.inputs) {
      this.inputUppers.set(input.name, this.description.asOf);
      this.inputRows[input.name] = 0;
      const sub = await this.storage.subscribe(input.collection, this.description.asOf, {
        // A materialized view's collection carries its errors in a last column (error-column.ts).
        updates: (updates) => {
          if (this.dropped) return;
          this.inputRows[input.name]! += updates.length;
          if (updates.length > 0) this.sink?.inputData();
          if (!input.errors) return this.engine.pushInput(input.name, updates);
          const { data, errors } = splitUpdates(updates);
          this.engine.pushInput(input.name, data);
          if (errors.length > 0) this.engine.pushInputErrors(input.name, errors);
        },
        unconsolidated: (updates) => {
          if (this.dropped) return;
          this.inputRows[input.name]! += updates.rows.length;
          if (updates.rows.length > 0) this.sink?.inputData();
          if (!input.errors) return this.engine.pushInputColumns(input.name, updates);
          const { data, errors } = splitColumns(updates);
          this.engine.pushInputColumns(input.name, data);
          if (errors.length > 0) this.engine.pushInputErrors(input.name, errors);
        },
        progress: (upper) => {
          if (this.dropped) return;
          if (upper.length === 1) this.inputUppers.set(input.name, upper[0]!);
          this.engine.advanceInput(input.name, upper);
          this.scheduleStep();
        },
        failed: (err) => this.onError(err),
      });
      // Dropped while it subscribed (a replay does not wait for start): nothing may stay open.
      if (this.dropped) {
        sub.cancel();
        return;
      }
      this.subs.push(sub);
    }
  }

  since(): number {
    return this.sinceTs;
  }
  upper(): number {
    return this.upperTs;
  }

  /** Resolves once every output before `time + 1` is final (the frontier passed `time`). */
  waitFor(time: number): Promise<void> {
    if (this.upperTs > time) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ time, resolve }));
  }

  /** The index's key columns, when it was installed with them (`lookup` peeks use them). */
  get indexKeys(): readonly number[] | undefined {
    return this.description.exports.indexKeys;
  }

  peek(time: number, lookup?: readonly Row[]): Array<[Row, number]> {
    return this.engine.peek(time, lookup);
  }

  /** The output changes at times in (after, before). */
  changesBetween(after: number, before: number): Update[] {
    return this.history.filter((u) => u[1] > after && u[1] < before);
  }

  addListener(l: OutputListener): void {
    this.listeners.add(l);
  }
  removeListener(l: OutputListener): void {
    this.listeners.delete(l);
  }

  allowCompaction(since: number): void {
    if (since <= this.sinceTs) return;
    this.sinceTs = Math.min(since, this.upperTs);
    this.engine.allowCompaction(this.sinceTs);
    this.history = this.history.filter((u) => u[1] > this.sinceTs);
  }

  drop(): void {
    this.dropped = true;
    if (this.ticker) clearInterval(this.ticker);
    if (this.sink) this.sink.closed = true;
    for (const s of this.subs) s.cancel();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
    for (const l of this.listeners) l.output([], []);
    this.listeners.clear();
  }

  status(): DataflowStatus {
    const s: DataflowStatus = {
      id: this.id,
      asOf: this.description.asOf,
      since: [this.sinceTs],
      upper: [this.upperTs],
      hydrated: this.hydratedAt !== undefined,
      inputRows: { ...this.inputRows },
      arrangedRecords: this.engine.arrangedRecords(),
    };
    if (this.hydratedAt !== undefined) s.hydrationMs = this.hydratedAt - this.installedAt;
    if (this.sink) {
      const st = this.sink.stats();
      s.sink = { collection: st.collection, upper: [Math.max(0, st.upper)], appends: st.appends, conflicts: st.conflicts };
    }
    return s;
  }

  private scheduleStep(): void {
    if (this.stepScheduled) return;
    this.stepScheduled = true;
    setImmediate(() => {
      this.stepScheduled = false;
      if (!this.dropped) this.step();
    });
  }

  private step(): void {
    let out: { updates: Update[]; errors: Update[]; frontier: Frontier };
    try {
      // Output at or before since is kept for nobody but the listeners and the sink (history
      // holds only later times): without them, the engine need not build it (hydration).
      out = this.engine.step(this.listeners.size > 0 || this.sink ? undefined : this.sinceTs + 1);
    } catch (err) {
      this.onError(err);
      return;
    }
    // Complete (no inputs): valid at every time, so final through now (never behind asOf).
    const upper = out.frontier.length === 1 ? out.frontier[0]! : this.description.inputs.length === 0 ? Math.max(this.now(), this.upperTs) : undefined;
    for (const u of out.updates) if (u[1] > this.sinceTs) this.history.push(u);
    // An index subscription reads the empty frontier as "dropped": it gets the clock's instead.
    const frontier = out.frontier.length === 0 && upper !== undefined ? [upper] : out.frontier;
    for (const l of this.listeners) l.output(out.updates, frontier);
    this.sink?.push(out.updates, out.errors, upper);
    if (upper !== undefined && upper > this.upperTs) {
      this.upperTs = upper;
      if (this.hydratedAt === undefined && upper > this.description.asOf) this.hydratedAt = Date.now();
      const due = this.waiters.filter((w) => w.time < upper);
      this.waiters = this.waiters.filter((w) => w.time >= upper);
      for (const w of due) w.resolve();
      this.onFrontier?.(upper);
    }
  }
}

/** Whether a plan has a temporal filter anywhere (its output then changes with time, not only with its inputs). */
function hasTemporal(plan: Plan): boolean {
  if (plan.op === 'temporal') return true;
  if ('input' in plan && hasTemporal(plan.input)) return true;
  return 'inputs' in plan && plan.inputs.some(hasTemporal);
}
