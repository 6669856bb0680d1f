/**
 * The collection actor: one per definite collection. It owns the collection's shard, runs its
 * source driver (generator, JetStream; tables are written only through Append), and serves
 * compare-and-append, snapshots and subscriptions. It reports every change of its own since or
 * upper to its host's HostFrontiers (one publication per host per second) and publishes
 * StatusUpdate on every status change, so nobody polls.
 *
 * A table sealed by its host's transaction log (`spec.txns`, CONTROL's tables) has a logical upper,
 * max(own upper, txns upper): an idle one is never written, and does nothing per commit or tick;
 * only while someone waits on it (a snapshot at a later time, a subscription) does it listen to
 * the txns frontier. Idle, a collection has no timer: the lease check runs only while it has
 * subscriptions, and since moves after writes (at most once per FRONTIER_REPEAT_MS).
 *
 * Read policy: since follows `upper - COMPACTION_WINDOW_MS` unless read holds (AllowCompaction,
 * one per holder, durable) or open subscriptions keep it lower.
 */
import { MessageSet } from '../../protocol/message.js';
import { COLLECTION_COMMANDS, type CollectionCommand } from '../../protocol/storage/command.js';
import type { CollectionStatus, CollectionSummary } from '../../protocol/storage/response.js';
import { collectionStatusSubject } from '../../protocol/storage/subjects.js';
import { hostFrontiersOf } from './host-frontiers.js';
import { localCollection, registerCollection, unregisterCollection, type LocalCollection } from './local-collections.js';
import { InvalidRequestError } from '../../protocol/errors.js';
import { InvalidBatchError, UnknownCollectionError } from '../../protocol/storage/errors.js';
import type { SourceSpec } from '../../protocol/storage/source.js';
import type { ActorBehavior, ActorContext, Incoming, Reply } from '../../runtime/actor.js';
import { later, type Later } from '../../runtime/actor.js';
import type { ActorKind } from '../../runtime/host.js';
import type { Typed } from '../../runtime/transport.js';
import { shardStoreOf } from './backend.js';
import { Shard, newIncarnation, type AppendBatch } from './shard.js';
import { binaryValue, checkEncodedBatch } from './encoded-batch.js';
import { Subscriptions } from './subscriptions.js';
import { txnsFrontierOf, type TxnsFrontier } from './txns-frontier.js';
import { txnsFollowersOf } from './txns-followers.js';
import { validateBatch } from './validate.js';
import type { SourceDriver } from './sources/driver.js';
import { GeneratorDriver } from './sources/generator.js';
import { JetStreamDriver } from './sources/jetstream.js';
import { PostgresDriver } from './sources/postgres.js';
import { leaseBookOf } from './lease-book.js';

export const COMPACTION_WINDOW_MS = 1000;
const FRONTIER_REPEAT_MS = 1000;
/** While subscriptions are open: how often leases are checked (a lease is 60 s) and since retried. */
const LEASE_CHECK_MS = 5000;

export interface CollectionConfig {
  spec: SourceSpec;
}

const commands = new MessageSet<CollectionCommand>(COLLECTION_COMMANDS);

export class Collection implements ActorBehavior<CollectionCommand>, LocalCollection {
  readonly commands = commands;
  private shard!: Shard;
  private subs!: Subscriptions;
  private driver: SourceDriver | undefined;
  private status: CollectionStatus = 'starting';
  private statusMessage: string | undefined;
  private readonly incarnation = newIncarnation();
  /** The lease check, running only while there are subscriptions. */
  private timer: NodeJS.Timeout | undefined;
  /** A since advance scheduled after a write (at most one per FRONTIER_REPEAT_MS). */
  private sinceTimer: NodeJS.Timeout | undefined;
  private sinceAdvancedAt = 0;
  /** The txns frontier sealing this table (spec.txns), and the listener while one is needed. */
  private txns: TxnsFrontier | undefined;
  private unlisten: (() => void) | undefined;
  private waiters: Array<{ asOf: number; resolve: () => void }> = [];
  /** The upper after the last write that stored updates. */
  private dataUpper = 0;
  private changeScheduled = false;
  private publishPending = false;
  /**
   * A view following its host's txns upper (`followTxns`): the frontier and the input tables,
   * each of which ends it when written. In memory only: after a restart the view's sink asks again.
   */
  private followingTxns: { frontier: TxnsFrontier; inputs: Collection[] } | undefined;
  /** For a txns table: the views following the txns upper while this table is unwritten. */
  private readonly dependents = new Set<Collection>();

  constructor(private readonly ctx: ActorContext) {}

  private get spec(): SourceSpec {
    return (this.ctx.config as CollectionConfig).spec;
  }

  async recover(): Promise<void> {
    const config = this.ctx.config as CollectionConfig | undefined;
    if (!config?.spec) throw new InvalidRequestError(`collection ${this.ctx.id} started without a source spec`);
    this.publishStatus('starting');
    this.shard = await Shard.open(await shardStoreOf(this.ctx), { schema: this.spec.schema, upper: this.ctx.clock.now() }, () => this.ctx.alive());
    if (this.shard.dropped) {
      this.publishStatus('dropped');
      this.ctx.exit();
      return;
    }
    if (this.spec.kind === 'table' && this.spec.txns) {
      this.txns = txnsFrontierOf(this.ctx.region, this.ctx.hostId);
      this.shard.sealedBy = this.txns;
    }
    const now = () => this.ctx.clock.now();
    const leases = leaseBookOf(this.ctx.transport, this.ctx.region, now);
    const followers = this.txns ? txnsFollowersOf(this.ctx.transport, this.ctx.hostId, this.txns) : undefined;
    this.subs = new Subscriptions(this.ctx.id, this.shard, this.ctx.transport, now, (err) => this.ctx.fail(err), (inbox) => leases.renewedAt(inbox), followers, () => this.syncWatching());
    this.dataUpper = this.shard.state.batches.at(-1)?.upper ?? 0;
    this.shard.onDataDecided = () => {
      // Again at the decision, not only when the Append arrived (append below): an append can
      // wait in the shard's queue (behind a write, a settle, a fresh shard's first commit), and a
      // subscription pumped meanwhile finds nothing in flight and starts following; left so, it
      // would never be pumped the append's data while its progress followed the txns upper past it.
      if (this.txns && this.subs.size > this.subs.pumped) {
        this.subs.unfollowAll();
        this.syncWatching();
      }
      for (const view of [...this.dependents]) view.stopFollowingTxns();
    };
    this.shard.onChange = (what) => {
      if (what === 'data') this.dataUpper = this.shard.state.upper;
      this.changed(true);
      // Since follows the upper. For a table or view, after empty appends only until it has
      // passed the last data: moving it further changes nothing a reader could see, and an idle
      // view's sink would otherwise have it written every tick. (An ingesting source's since
      // always follows: its driver writes every tick anyway.)
      const follows = what === 'data' || (what === 'empty' && (this.spec.kind !== 'table' || this.shard.since < this.dataUpper));
      if (follows) this.scheduleSinceAdvance();
    };
    registerCollection(this.ctx.region, this.ctx.id, this);
    this.driver = this.createDriver();
    this.driver?.start();
    this.publishStatus('running');
    this.publishFrontiers();
  }

  async stop(): Promise<void> {
    this.shutdown();
  }

  handle(cmd: CollectionCommand, incoming: Incoming): Reply | Promise<Reply> {
    switch (cmd.type) {
      case 'Append':
        return this.append(cmd);
      case 'StageBatch':
        return this.stageBatch(cmd);
      case 'Snapshot':
        return later(this.snapshot(cmd.asOf, cmd.wait ?? false));
      case 'Subscribe':
        return this.subscribe(cmd);
      case 'Credit':
        this.subs.credit(cmd.subscribeId, cmd.credit);
        return { type: 'Ok' };
      case 'CancelSubscribe':
        this.subs.end(cmd.subscribeId, 'canceled');
        this.syncWatching();
        return { type: 'Ok' };
      case 'Describe':
        return { type: 'CollectionInfo', collection: this.summary() };
      case 'AllowCompaction':
        return this.allowCompaction(cmd.holder, cmd.since);
      case 'Drop':
        return this.drop();
      default:
        void incoming;
        return assertNever(cmd);
    }
  }

  info(): Record<string, unknown> {
    if (!this.shard) return { status: this.status };
    const s = this.shard.state;
    return {
      status: this.status,
      statusMessage: this.statusMessage,
      source: this.spec.kind,
      since: s.since,
      upper: this.shard.readUpper,
      ...(this.txns ? { writeUpper: s.upper, txnsListening: this.unlisten !== undefined } : {}),
      lagMs: this.ctx.clock.now() - this.shard.readUpper,
      updates: s.updates,
      batches: s.batches.length,
      upstreamPosition: s.position,
      badMessages: s.badMessages,
      upstreamRereads: s.upstreamRereads,
      subscriptions: this.subs?.size ?? 0,
      ...(this.txns ? { followingTxns: (this.subs?.size ?? 0) - (this.subs?.pumped ?? 0), followedBy: this.dependents.size } : {}),
      ...(this.followingTxns ? { followsTxns: true } : {}),
      ...(!this.txns && this.shard.readUpper !== s.upper ? { writeUpper: s.upper } : {}),
      ...(this.driver ? { driver: this.driver.info() } : {}),
    };
  }

  summary(): CollectionSummary {
    const s = this.shard.state;
    return {
      id: this.ctx.id,
      kind: this.spec.kind,
      schema: s.schema,
      since: s.since,
      upper: this.shard.readUpper,
      // Whenever the readable upper is not the collection's own (a txns table; a view that follows,
      // or followed, the txns upper): what a compare-and-append, and so a sink's reconcile, expects.
      ...(this.txns || this.shard.readUpper !== s.upper ? { writeUpper: s.upper } : {}),
      host: this.ctx.hostId,
      status: this.status,
      ...(this.statusMessage !== undefined ? { statusMessage: this.statusMessage.slice(0, 4096) } : {}),
      position: s.position,
      updates: s.updates,
      batches: s.batches.length,
      badMessages: s.badMessages,
      upstreamRereads: s.upstreamRereads,
      holds: { ...s.holds },
    };
  }

  private createDriver(): SourceDriver | undefined {
    const spec = this.spec;
    const ctx = {
      collection: this.ctx.id,
      shard: this.shard,
      transport: this.ctx.transport,
      clock: this.ctx.clock,
      alive: () => this.ctx.alive(),
      fail: (err: unknown) => this.ctx.fail(err),
      stalled: (reason: string | null) => this.publishStatus(reason ? 'stalled' : 'running', reason ?? undefined),
    };
    if (spec.kind === 'generator') return new GeneratorDriver(spec, ctx);
    if (spec.kind === 'jetstream') return new JetStreamDriver(spec, ctx);
    if (spec.kind === 'postgres') return new PostgresDriver(spec, ctx);
    return undefined;
  }

  /**
   * Validates at once, then replies when the commit is durable (`later`): the mailbox goes on
   * meanwhile, so a writer may pipeline appends (each expecting the upper the previous one sets)
   * and the next batch is received and checked while this one is written. Commits still run one
   * at a time, in arrival order, in the shard's commit chain.
   */
  private append(cmd: Extract<CollectionCommand, { type: 'Append' }>, lazy = false): Reply {
    if (this.shard.dropped) throw new UnknownCollectionError(`collection ${this.ctx.id} was dropped`);
    if (this.spec.kind !== 'table') {
      throw new InvalidRequestError(`collection ${this.ctx.id} is fed by a ${this.spec.kind} source; only table collections take Append`);
    }
    const { updates, encodedUpdates, staged } = cmd;
    if ((updates !== undefined ? 1 : 0) + (encodedUpdates !== undefined ? 1 : 0) + (staged !== undefined ? 1 : 0) !== 1) {
      throw new InvalidBatchError(`collection ${this.ctx.id}: an Append carries exactly one of updates, encodedUpdates and staged`);
    }
    if (cmd.newUpper < cmd.expectedUpper) throw new InvalidBatchError(`collection ${this.ctx.id}: newUpper ${cmd.newUpper} is below expectedUpper ${cmd.expectedUpper}`);
    let batch: AppendBatch;
    let minTime = Infinity;
    if (staged !== undefined) {
      if (lazy) throw new InvalidBatchError(`collection ${this.ctx.id}: a staged batch is never a lazy append`);
      batch = { staged };
    } else if (encodedUpdates !== undefined) {
      // A copy (the decoded binary is a view into the message's bytes, which NATS may reuse),
      // made as the msgpack value the shard stores, so it is not copied again to be stored.
      const { value, bytes: encoded } = binaryValue(encodedUpdates);
      const { minTime: lowest, ...info } = checkEncodedBatch(this.ctx.id, this.shard.schema, encoded, cmd.expectedUpper, cmd.newUpper);
      batch = { encoded, stored: value, ...info };
      minTime = lowest;
    } else {
      validateBatch(this.ctx.id, this.shard.schema, updates!, cmd.expectedUpper, cmd.newUpper);
      batch = updates!;
      for (const u of batch) if (u[1] < minTime) minTime = u[1];
    }
    // Data on its way: no subscription may follow the txns upper past it (subscriptions.ts).
    if (this.txns && (staged !== undefined || encodedUpdates !== undefined || updates!.length > 0)) {
      this.subs.unfollowAll();
      this.syncWatching();
    }
    const { writer, token, expectedUpper, newUpper } = cmd;
    const append = { writer, token, expectedUpper, newUpper, updates: batch, ...(minTime < Infinity ? { minTime } : {}), ...(lazy ? { lazy } : {}) };
    return later(this.shard.compareAndAppend(append, this.ctx.id).then((r) => ({ type: 'Appended', upper: r.upper, duplicate: r.duplicate })));
  }

  /** One part of a large batch, checked and stored unlisted until its Append (shard.ts `stage`). */
  private stageBatch(cmd: Extract<CollectionCommand, { type: 'StageBatch' }>): Reply {
    if (this.shard.dropped) throw new UnknownCollectionError(`collection ${this.ctx.id} was dropped`);
    if (this.spec.kind !== 'table') {
      throw new InvalidRequestError(`collection ${this.ctx.id} is fed by a ${this.spec.kind} source; only table collections take StageBatch`);
    }
    const { value, bytes: encoded } = binaryValue(cmd.encodedUpdates);
    const { minTime: _lowest, ...info } = checkEncodedBatch(this.ctx.id, this.shard.schema, encoded, cmd.lower, cmd.upper);
    const updates = { encoded, stored: value, ...info };
    return later(this.shard.stage({ writer: cmd.writer, stageId: cmd.stageId, part: cmd.part, lower: cmd.lower, upper: cmd.upper, updates }).then(() => ({ type: 'Ok' })));
  }

  /** An Append with no updates, from the host's AdvanceUppers (local-collections.ts): written lazily (shard.ts). */
  async appendEmpty(args: { writer: string; token: string; expectedUpper: number; newUpper: number }): Promise<{ upper: number; duplicate: boolean }> {
    if (!this.ctx.alive()) throw new UnknownCollectionError(`collection ${this.ctx.id} is stopping`);
    const reply = this.append({ type: 'Append', ...args, updates: [] }, true);
    return (await (reply as Later).promise) as unknown as { upper: number; duplicate: boolean };
  }

  /**
   * A view over `inputs` (its sink says so) follows the txns upper (docs/decoupling.md, "Views
   * that follow the transaction log"): granted when its own upper is `upper` and every input is a
   * txns table of this host with no append in flight and its own upper at most `upper`. Then no
   * input has data at or after `upper`, so the view's contents at every later time below the txns
   * upper are its contents at `upper - 1`: it reads as sealed through the txns upper, until an
   * input's next append is decided (`stopFollowingTxns`, before that append can be sealed).
   */
  followTxns(inputs: string[], upper: number): boolean {
    if (!this.shard || this.shard.dropped || this.spec.kind !== 'table' || this.txns || this.shard.upper !== upper || this.shard.appendInFlight) return false;
    const frontier = txnsFrontierOf(this.ctx.region, this.ctx.hostId);
    if (!frontier.known) return false;
    const tables: Collection[] = [];
    for (const id of inputs) {
      const c = localCollection(this.ctx.region, id);
      if (!(c instanceof Collection) || !c.followableThrough(upper, this.ctx.hostId)) return false;
      tables.push(c);
    }
    this.stopFollowingTxns();
    this.followingTxns = { frontier, inputs: tables };
    for (const t of tables) t.dependents.add(this);
    this.shard.sealedBy = frontier;
    this.changed();
    return true;
  }

  /** A txns table of `hostId` with nothing written or on its way at or after `upper`. */
  private followableThrough(upper: number, hostId: string): boolean {
    return this.txns !== undefined && this.ctx.hostId === hostId && this.ctx.alive() && !this.shard.dropped && !this.shard.appendInFlight && this.shard.upper <= upper;
  }

  /** Ends following: the view keeps the upper it gave (never back) and waits for its sink. */
  stopFollowingTxns(): void {
    const f = this.followingTxns;
    if (!f) return;
    void this.shard.readUpper; // remembered as the last given
    this.shard.sealedBy = undefined;
    for (const t of f.inputs) t.dependents.delete(this);
    this.followingTxns = undefined;
    this.syncWatching();
  }

  private async snapshot(asOf: number, wait: boolean): Promise<Typed> {
    if (wait && asOf >= this.shard.readUpper && asOf >= this.shard.since) {
      await new Promise<void>((resolve) => {
        this.waiters.push({ asOf, resolve });
        this.syncWatching();
      });
    }
    const rows = await this.shard.snapshot(asOf, this.ctx.id);
    return { type: 'SnapshotRows', asOf, rows };
  }

  private subscribe(cmd: Extract<CollectionCommand, { type: 'Subscribe' }>): Reply {
    if (cmd.asOf < this.shard.since) this.shard.checkReadable(cmd.asOf, this.ctx.id); // throws SinceViolation
    this.subs.add(cmd);
    this.syncWatching();
    return { type: 'SubscribeStarted', subscribeId: cmd.subscribeId, since: this.shard.since, upper: this.shard.readUpper, incarnation: this.incarnation };
  }

  private async allowCompaction(holder: string, since: number[]): Promise<Reply> {
    await this.shard.setHold(holder, since.length === 0 ? undefined : since[0], this.defaultSince());
    return { type: 'Ok' };
  }

  private async drop(): Promise<Reply> {
    const driver = this.driver;
    driver?.stop();
    this.driver = undefined;
    // A PostgreSQL source's replication slot goes with it. An unreachable upstream does not keep
    // the collection alive: the slot is left there, and the reply says so.
    let upstream = '';
    await driver?.dropUpstream?.().catch((err: unknown) => {
      upstream = `; its upstream could not be released: ${(err as Error).message}`;
    });
    this.subs.endAll('dropped');
    await this.shard.markDropped();
    this.publishStatus('dropped');
    hostFrontiersOf(this.ctx.transport, this.ctx.region, this.ctx.hostId).changed(this.ctx.id, [], []);
    return { type: 'Ok', detail: `collection ${this.ctx.id} dropped${upstream}` };
  }

  /** The since the read policy allows: upper minus the window, below every open subscription. */
  private defaultSince(): number {
    // Anything but a txns table: from what was written, not the readable upper, which for a view
    // that follows (or followed) the txns upper may be far ahead of it. Else a since past the
    // sink's upper would make its reconcile's read of the collection at `upper - 1` fail.
    const upper = this.txns ? this.shard.readUpper : this.shard.upper;
    return Math.min(upper - COMPACTION_WINDOW_MS, this.subs.lowestNeeded());
  }

  /**
   * The readable upper (or since) moved: wake subscribers and snapshot waiters (coalesced).
   * `own`: the shard's own since or upper moved (not only the txns upper), which is published.
   */
  private changed(own = false): void {
    this.publishPending ||= own;
    if (this.changeScheduled) return;
    this.changeScheduled = true;
    setImmediate(() => {
      this.changeScheduled = false;
      if (!this.ctx.alive()) return;
      const upper = this.shard.readUpper;
      const ready = this.waiters.filter((w) => w.asOf < upper);
      this.waiters = this.waiters.filter((w) => w.asOf >= upper);
      for (const w of ready) w.resolve();
      this.subs.wake();
      this.syncWatching();
      if (this.publishPending) this.publishFrontiers();
      this.publishPending = false;
    });
  }

  /** After a write: since follows the read policy, at most once per FRONTIER_REPEAT_MS. */
  private scheduleSinceAdvance(): void {
    if (this.sinceTimer) return;
    const delay = Math.max(0, this.sinceAdvancedAt + FRONTIER_REPEAT_MS - Date.now());
    this.sinceTimer = setTimeout(() => {
      this.sinceTimer = undefined;
      if (!this.ctx.alive()) return this.shutdown();
      if (this.shard.dropped) return;
      this.sinceAdvancedAt = Date.now();
      void this.shard.advanceSinceTo(this.defaultSince()).catch((err) => this.ctx.fail(err));
    }, delay);
    this.sinceTimer.unref();
  }

  /**
   * Listens to the txns frontier only while a snapshot waits or a subscription is open, and runs
   * the lease check (which also retries since) only while a subscription is open.
   */
  private syncWatching(): void {
    const needed = this.waiters.length > 0 || this.subs.pumped > 0;
    const frontier = this.txns ?? this.followingTxns?.frontier;
    if (frontier && needed && !this.unlisten) this.unlisten = frontier.listen(() => this.changed());
    if ((!needed || !frontier) && this.unlisten) {
      this.unlisten();
      this.unlisten = undefined;
    }
    if (this.subs.size > 0 && !this.timer) {
      this.timer = setInterval(() => this.leaseCheck(), LEASE_CHECK_MS);
      this.timer.unref();
    } else if (this.subs.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private leaseCheck(): void {
    if (!this.ctx.alive()) return this.shutdown();
    if (this.shard.dropped) return;
    this.subs.wake();
    this.syncWatching();
    void this.shard.advanceSinceTo(this.defaultSince()).catch((err) => this.ctx.fail(err));
  }

  private publishFrontiers(): void {
    if (this.shard.dropped) return;
    hostFrontiersOf(this.ctx.transport, this.ctx.region, this.ctx.hostId).changed(this.ctx.id, [this.shard.since], [this.shard.readUpper]);
  }

  private publishStatus(status: CollectionStatus, message?: string): void {
    if (status === this.status && message === this.statusMessage && status !== 'starting') return;
    this.status = status;
    this.statusMessage = message;
    this.ctx.transport.publish(collectionStatusSubject(this.ctx.region, this.ctx.id), {
      type: 'StatusUpdate',
      collection: this.ctx.id,
      status,
      incarnation: this.incarnation,
      at: this.ctx.clock.now(),
      ...(message ? { message } : {}),
    });
  }

  private shutdown(): void {
    // Followers must not go on following a txns upper this collection no longer answers for.
    this.subs?.unfollowAll();
    this.stopFollowingTxns();
    for (const view of [...this.dependents]) view.stopFollowingTxns();
    unregisterCollection(this.ctx.region, this.ctx.id, this);
    this.driver?.stop();
    if (this.timer) clearInterval(this.timer);
    if (this.sinceTimer) clearTimeout(this.sinceTimer);
    this.unlisten?.();
    this.unlisten = undefined;
    this.shard?.close();
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}

export const collectionKind: ActorKind = {
  kind: 'collection',
  layer: 'storage',
  create: (ctx: ActorContext) => new Collection(ctx),
};
