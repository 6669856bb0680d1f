/**
 * The cluster actor: hosts dataflows (COMPUTE's atom). It is stateless: everything it holds is
 * rebuilt from STORAGE plus the commands its controller replays. It fences off controllers of
 * older epochs (Hello), installs dataflows idempotently (so a controller restart that replays the
 * same history causes no rehydration), drops what the replay did not mention
 * (InitializationComplete), answers each Peek exactly once (rows, error or canceled) once the
 * output frontier passes its timestamp, streams index subscriptions, and publishes Frontiers and
 * Status on its responses subject. A dataflow that fails stops and restarts alone, with backoff.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { MessageSet } from '../../protocol/message.js';
import { InvalidRequestError, NotFoundError, DefiniteError, UnavailableError } from '../../protocol/errors.js';
import { COMPUTE_COMMANDS, type ComputeCommand, type DataflowDescription } from '../../protocol/compute/command.js';
import type { DataflowStatus, PeekResponse, Status, SubscribeResponse } from '../../protocol/compute/response.js';
import { applyPeekMfp, checkPeekMfp, type PeekMfp } from './peek-mfp.js';
import { clusterResponsesSubject } from '../../protocol/compute/subjects.js';
import type { ActorBehavior, ActorContext, Reply } from '../../runtime/actor.js';
import { later } from '../../runtime/actor.js';
import { InstalledDataflow, type OutputListener } from './installed-dataflow.js';
import type { EngineFactory, StoragePort } from './ports.js';
import type { Frontier, Row, Update } from '../../protocol/types.js';

const commands = new MessageSet<ComputeCommand>(COMPUTE_COMMANDS);
const STATUS_INTERVAL_MS = 1000;
/** Frontier changes of the cluster's dataflows are published together, at most this often. */
const FRONTIERS_FLUSH_MS = 100;
/** Dataflows per Frontiers message (bounded by the payload limit). */
const FRONTIERS_PER_MESSAGE = 1000;
/** A failed dataflow restarts after RESTART_BASE_MS, doubling per recent failure, at most RESTART_MAX_MS. */
const RESTART_BASE_MS = 100;
const RESTART_MAX_MS = 30_000;
/** A dataflow that ran this long since its last failure starts its backoff afresh. */
const RESTART_RESET_MS = 60_000;

/** A dataflow that failed and waits for its restart (or has restarted: `restarts` stays). */
interface Failure {
  restarts: number;
  /** Failures since the backoff last started afresh. */
  recent: number;
  failedAt: number;
  lastError: string;
  /** Set while the restart is pending: the description to start again, at the since it had. */
  pending?: { description: DataflowDescription; since: number; timer: NodeJS.Timeout };
}

interface PendingPeek {
  dataflow: string;
  timestamp: number;
  settle: (r: PeekResponse) => void;
}

export class Cluster implements ActorBehavior<ComputeCommand> {
  readonly commands = commands;
  private readonly incarnation = randomUUID();
  private epoch = 0;
  private initialized = false;
  private replayed = new Set<string>();
  private readonly dataflows = new Map<string, InstalledDataflow>();
  /** Dataflows that failed: restarting, or restarted (kept for their status). */
  private readonly failures = new Map<string, Failure>();
  private readonly peeks = new Map<string, PendingPeek>();
  /** Peeks answered by a key lookup (`Peek.lookup`). */
  private lookups = 0;
  private readonly subscriptions = new Map<string, { dataflow: string; listener: OutputListener }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly movedFrontiers = new Map<string, { dataflow: string; since: Frontier; upper: Frontier }>();
  private frontiersTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: ActorContext,
    private readonly engines: EngineFactory,
    private readonly storage: StoragePort,
  ) {}

  async recover(): Promise<void> {
    this.timer = setInterval(() => this.publishStatus(), STATUS_INTERVAL_MS);
    this.timer.unref();
    this.publishStatus();
  }

  async stop(): Promise<void> {
    this.shutdown();
  }

  handle(cmd: ComputeCommand): Reply | Promise<Reply> {
    switch (cmd.type) {
      case 'Hello':
        return this.hello(cmd.epoch);
      case 'CreateDataflow':
        return this.createDataflow(cmd.epoch, cmd.dataflow);
      case 'AllowCompaction':
        return this.allowCompaction(cmd.epoch, cmd.id, cmd.frontier);
      case 'Peek':
        return later(this.peek(cmd.peekId, cmd.dataflow, cmd.timestamp, cmd.limit, cmd.mfp, cmd.lookup));
      case 'CancelPeek':
        this.settlePeek(cmd.peekId, { outcome: 'canceled' });
        return { type: 'Ack' };
      case 'InitializationComplete':
        return this.initializationComplete(cmd.epoch);
      case 'SubscribeIndex':
        return this.subscribeIndex(cmd.subscribeId, cmd.dataflow, cmd.inbox, cmd.asOf);
      case 'CancelSubscribe':
        this.endSubscription(cmd.subscribeId, 'canceled');
        return { type: 'Ack' };
      case 'GetStatus':
        return this.status();
      default:
        return assertNever(cmd);
    }
  }

  info(): Record<string, unknown> {
    return {
      incarnation: this.incarnation,
      epoch: this.epoch,
      initialized: this.initialized,
      dataflows: [...this.dataflowStatuses()],
      pendingPeeks: this.peeks.size,
      lookupPeeks: this.lookups,
      subscriptions: this.subscriptions.size,
    };
  }

  private fence(epoch: number): void {
    if (epoch < this.epoch) throw new InvalidRequestError(`epoch ${epoch} is older than this cluster's epoch ${this.epoch}: a newer controller has taken over`);
  }

  private hello(epoch: number): Reply {
    this.fence(epoch);
    if (epoch > this.epoch) {
      this.epoch = epoch;
      this.initialized = false;
      this.replayed = new Set();
    }
    return { type: 'Ack', detail: `incarnation ${this.incarnation}` };
  }

  private async createDataflow(epoch: number, description: DataflowDescription): Promise<Reply> {
    this.fence(epoch);
    this.replayed.add(description.id);
    const restarting = this.failures.get(description.id)?.pending;
    if (restarting) {
      const { asOf: _a, ...want } = description;
      const { asOf: _b, ...have } = restarting.description;
      if (!isDeepStrictEqual(want, have)) throw new InvalidRequestError(`dataflow ${description.id} already exists with a different description`);
      return { type: 'Ack', detail: 'restarting after a failure' };
    }
    const existing = this.dataflows.get(description.id);
    if (existing) {
      const { asOf: _a, ...want } = description;
      const { asOf: _b, ...have } = existing.description;
      if (!isDeepStrictEqual(want, have)) throw new InvalidRequestError(`dataflow ${description.id} already exists with a different description`);
      return { type: 'Ack', detail: 'already installed' };
    }
    const df = this.newDataflow(description);
    if (!this.initialized) {
      // A replay (after Hello, before InitializationComplete): the controller's history says the
      // dataflow starts, so it need not hold the mailbox while it subscribes to its inputs. The
      // replayed dataflows subscribe concurrently, not one STORAGE round trip after another
      // (500 views took 30 s to rehydrate); one that cannot start fails alone and restarts, as
      // a dataflow failing later does (dataflowFailed).
      df.start().catch((err) => this.dataflowFailed(df, err));
      return { type: 'Ack', detail: 'installed' };
    }
    try {
      await df.start();
    } catch (err) {
      this.dataflows.delete(description.id);
      df.drop();
      throw err instanceof DefiniteError ? err : new InvalidRequestError(`dataflow ${description.id} could not start: ${(err as Error).message}`);
    }
    return { type: 'Ack', detail: 'installed' };
  }

  private newDataflow(description: DataflowDescription): InstalledDataflow {
    const df: InstalledDataflow = new InstalledDataflow(description, this.engines, this.storage, `${this.ctx.id}-${description.id}-${this.incarnation.slice(0, 8)}`, (err) =>
      this.dataflowFailed(df, err),
    );
    df.onFrontier = (upper) => this.publishFrontiers(df, upper);
    this.dataflows.set(description.id, df);
    return df;
  }

  private allowCompaction(epoch: number, id: string, frontier: Frontier): Reply {
    this.fence(epoch);
    const pending = this.failures.get(id)?.pending;
    if (pending) {
      if (frontier.length === 0) this.dropDataflow(id, 'dropped');
      else pending.since = Math.max(pending.since, frontier[0]!);
      return { type: 'Ack' };
    }
    const df = this.dataflows.get(id);
    if (!df) return { type: 'Ack', detail: 'no such dataflow' };
    if (frontier.length === 0) this.dropDataflow(id, 'dropped');
    else df.allowCompaction(frontier[0]!);
    return { type: 'Ack' };
  }

  private initializationComplete(epoch: number): Reply {
    this.fence(epoch);
    for (const id of [...this.dataflows.keys(), ...this.failures.keys()]) if (!this.replayed.has(id)) this.dropDataflow(id, 'not in the controller\'s history');
    this.initialized = true;
    this.publishStatus();
    return { type: 'Ack' };
  }

  private async peek(peekId: string, dataflow: string, timestamp: number, limit: number | undefined, mfp: unknown, lookup: Row[] | undefined): Promise<PeekResponse> {
    const base = { type: 'PeekResponse' as const, peekId, timestamp, rows: [] };
    const df = this.dataflows.get(dataflow);
    const failure = this.failures.get(dataflow);
    if (failure?.pending) return { ...base, outcome: 'error', error: { code: 'Unavailable', message: restartingMessage(dataflow, failure) } };
    if (!df) return { ...base, outcome: 'error', error: { code: 'NotFound', message: `no dataflow ${dataflow} on cluster ${this.ctx.id}` } };
    let steps: PeekMfp | undefined;
    try {
      if (mfp !== undefined) steps = checkPeekMfp(mfp, df.arity);
      if (lookup !== undefined) checkLookup(lookup, df.indexKeys);
    } catch (err) {
      return { ...base, outcome: 'error', error: { code: (err as DefiniteError).code, message: (err as Error).message } };
    }
    if (timestamp < df.since()) {
      return { ...base, outcome: 'error', error: { code: 'SinceViolation', message: `timestamp ${timestamp} is before the dataflow's since ${df.since()}` } };
    }
    if (this.peeks.has(peekId)) return { ...base, outcome: 'error', error: { code: 'InvalidRequest', message: `peek ${peekId} is already pending` } };
    const settled = new Promise<PeekResponse>((resolve) => this.peeks.set(peekId, { dataflow, timestamp, settle: resolve }));
    void df.waitFor(timestamp).then(() => {
      if (!this.peeks.has(peekId)) return;
      if (df.dropped) {
        const f = this.failures.get(dataflow);
        if (f?.pending) return this.settlePeek(peekId, { outcome: 'error', error: { code: 'Unavailable', message: restartingMessage(dataflow, f) } });
        return this.settlePeek(peekId, { outcome: 'error', error: { code: 'NotFound', message: `dataflow ${dataflow} was dropped` } });
      }
      try {
        // A dataflow installed without key columns answers a lookup by reading every row (the
        // mfp selects them); with them, only the rows with the tuples' key values are read.
        const byKey = lookup !== undefined && df.indexKeys !== undefined && df.indexKeys.length > 0;
        let rows = df.peek(timestamp, byKey ? lookup : undefined);
        if (byKey) this.lookups++;
        if (steps) rows = applyPeekMfp(steps, rows);
        if (limit !== undefined) rows = rows.slice(0, limit);
        this.settlePeek(peekId, { outcome: 'rows', rows });
      } catch (err) {
        const e = err as DefiniteError;
        this.settlePeek(peekId, { outcome: 'error', error: { code: e.code ?? 'Internal', message: e.message } });
      }
    });
    return settled;
  }

  private settlePeek(peekId: string, r: Partial<PeekResponse> & { outcome: PeekResponse['outcome'] }): void {
    const p = this.peeks.get(peekId);
    if (!p) return;
    this.peeks.delete(peekId);
    p.settle({ type: 'PeekResponse', peekId, timestamp: p.timestamp, rows: [], ...r });
  }

  private subscribeIndex(subscribeId: string, dataflow: string, inbox: string, asOf: number | undefined): Reply {
    const df = this.dataflows.get(dataflow);
    const failure = this.failures.get(dataflow);
    if (failure?.pending) throw new UnavailableError(restartingMessage(dataflow, failure));
    if (!df) throw new NotFoundError(`no dataflow ${dataflow} on cluster ${this.ctx.id}`);
    if (this.subscriptions.has(subscribeId)) throw new InvalidRequestError(`subscription ${subscribeId} exists`);
    const start = Math.max(asOf ?? df.since(), df.since());
    let snapshotSent = false;
    const send = (updates: Update[], progress: Frontier, ended?: string) => {
      const msg: SubscribeResponse = { type: 'SubscribeResponse', subscribeId, updates, progress };
      if (ended !== undefined) msg.ended = ended;
      this.ctx.transport.publish(inbox, msg);
    };
    const listener: OutputListener = {
      output: (updates, upper) => {
        if (upper.length === 0) return send([], [], 'dataflow dropped');
        if (!snapshotSent) {
          if (upper[0]! <= start) return;
          snapshotSent = true;
          const snap: Update[] = df.peek(start).map(([row, diff]) => [row, start, diff]);
          return send([...snap, ...df.changesBetween(start, upper[0]!)], upper);
        }
        send(updates, upper);
      },
    };
    this.subscriptions.set(subscribeId, { dataflow, listener });
    df.addListener(listener);
    if (df.upper() > start) {
      snapshotSent = true;
      const snap: Update[] = df.peek(start).map(([row, diff]) => [row, start, diff]);
      send([...snap, ...df.changesBetween(start, df.upper())], [df.upper()]);
    }
    return { type: 'Ack' };
  }

  private endSubscription(subscribeId: string, why: string): void {
    const s = this.subscriptions.get(subscribeId);
    if (!s) return;
    this.subscriptions.delete(subscribeId);
    this.dataflows.get(s.dataflow)?.removeListener(s.listener);
    void why;
  }

  private dropDataflow(id: string, why: string): void {
    const pending = this.failures.get(id)?.pending;
    if (pending) clearTimeout(pending.timer);
    this.failures.delete(id);
    const df = this.dataflows.get(id);
    if (!df) return;
    this.dataflows.delete(id);
    this.endDataflow(df, { code: 'NotFound', message: `dataflow ${id} was dropped (${why})` });
  }

  /** Stops one dataflow instance: its pending peeks get `error`, its subscriptions end. */
  private endDataflow(df: InstalledDataflow, error: { code: string; message: string }): void {
    df.drop();
    for (const [peekId, p] of this.peeks) if (p.dataflow === df.id) this.settlePeek(peekId, { outcome: 'error', error });
    for (const [sid, s] of this.subscriptions) if (s.dataflow === df.id) this.subscriptions.delete(sid);
  }

  /**
   * One dataflow cannot continue (its input vanished or failed to decode, an engine bug): only it
   * stops, and it restarts on its own after a backoff (doubling per recent failure, as a
   * supervisor's restart intensity would bound it), rehydrating from STORAGE at the since it had.
   * Meanwhile its peeks and subscriptions get `Unavailable` naming the failure; the cluster's
   * other dataflows go on (a failing dataflow used to take the whole cluster down with it, and a
   * deterministic failure crash-looped every view of the cluster).
   */
  private dataflowFailed(df: InstalledDataflow, err: unknown): void {
    if (this.dataflows.get(df.id) !== df || !this.ctx.alive()) return;
    const now = Date.now();
    const message = (err as Error)?.message ?? String(err);
    const previous = this.failures.get(df.id);
    const recent = previous && now - previous.failedAt < RESTART_RESET_MS ? previous.recent + 1 : 1;
    const f: Failure = { restarts: (previous?.restarts ?? 0) + 1, recent, failedAt: now, lastError: message };
    const delay = Math.min(RESTART_BASE_MS * 2 ** (recent - 1), RESTART_MAX_MS);
    const timer = setTimeout(() => this.restartDataflow(df.id), delay);
    timer.unref();
    f.pending = { description: df.description, since: df.since(), timer };
    this.failures.set(df.id, f);
    this.dataflows.delete(df.id);
    this.endDataflow(df, { code: 'Unavailable', message: restartingMessage(df.id, f) });
    console.error(`[cluster ${this.ctx.id}] dataflow ${df.id} failed (restart ${f.restarts} in ${delay} ms): ${message}`);
    this.publishStatus();
  }

  private restartDataflow(id: string): void {
    const f = this.failures.get(id);
    if (!f?.pending || !this.ctx.alive()) return;
    const { description, since } = f.pending;
    delete f.pending;
    const df = this.newDataflow({ ...description, asOf: Math.max(description.asOf, since) });
    df.start().catch((err) => this.dataflowFailed(df, err));
  }

  private status(): Status {
    return {
      type: 'Status',
      cluster: this.ctx.id,
      incarnation: this.incarnation,
      epoch: this.epoch,
      initialized: this.initialized,
      dataflows: [...this.dataflowStatuses()],
    };
  }

  /** Running dataflows, and those waiting to restart, with their failures. */
  private *dataflowStatuses(): Iterable<DataflowStatus> {
    for (const d of this.dataflows.values()) {
      const f = this.failures.get(d.id);
      yield f ? { ...d.status(), restarts: f.restarts, lastError: f.lastError } : d.status();
    }
    for (const [id, f] of this.failures) {
      if (!f.pending) continue;
      const { asOf } = f.pending.description;
      yield { id, asOf, since: [f.pending.since], upper: [f.pending.since], hydrated: false, inputRows: {}, arrangedRecords: 0, restarts: f.restarts, lastError: f.lastError };
    }
  }

  private publishStatus(): void {
    if (!this.ctx.alive()) return this.shutdown();
    try {
      this.ctx.transport.publish(clusterResponsesSubject(this.ctx.region, this.ctx.id), this.status());
    } catch {
      // best effort
    }
  }

  /**
   * A dataflow's output frontier moved. The changes are gathered and published together, at most
   * one Frontiers message per FRONTIERS_FLUSH_MS (listing only the dataflows that moved), so idle
   * views cost one message per cluster per tick, not one each.
   */
  private publishFrontiers(df: InstalledDataflow, upper: number): void {
    this.movedFrontiers.set(df.id, { dataflow: df.id, since: [df.since()], upper: [upper] });
    if (this.frontiersTimer) return;
    this.frontiersTimer = setTimeout(() => this.flushFrontiers(), FRONTIERS_FLUSH_MS);
    this.frontiersTimer.unref();
  }

  private flushFrontiers(): void {
    this.frontiersTimer = undefined;
    if (!this.ctx.alive()) return;
    const moved = [...this.movedFrontiers.values()];
    this.movedFrontiers.clear();
    for (let i = 0; i < moved.length; i += FRONTIERS_PER_MESSAGE) {
      try {
        this.ctx.transport.publish(clusterResponsesSubject(this.ctx.region, this.ctx.id), { type: 'Frontiers', cluster: this.ctx.id, frontiers: moved.slice(i, i + FRONTIERS_PER_MESSAGE) });
      } catch {
        // best effort
      }
    }
  }

  private shutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.frontiersTimer) clearTimeout(this.frontiersTimer);
    this.frontiersTimer = undefined;
    for (const id of [...this.dataflows.keys(), ...this.failures.keys()]) this.dropDataflow(id, 'cluster stopping');
  }
}

function restartingMessage(id: string, f: Failure): string {
  return `dataflow ${id} failed (${f.lastError}); it is restarting (restart ${f.restarts})`;
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}

/** A peek's lookup tuples must each hold one value per key column of the index. */
function checkLookup(lookup: Row[], keys: readonly number[] | undefined): void {
  if (keys === undefined) return; // read every row: the mfp still selects
  for (const k of lookup) {
    if (k.length !== keys.length) throw new InvalidRequestError(`invalid peek lookup: a tuple of ${k.length} values for an index of ${keys.length} key columns`);
  }
}
