/**
 * A client of the STORAGE protocol, written against a minimal `Wire` (request/reply, publish,
 * subscribe) that runtime's Transport satisfies, so it depends on nothing outside protocol/. It is
 * the reference for clients in other languages: what it does with each message is what the
 * protocol expects of a subscriber.
 *
 * `subscribe` returns a resumable subscription: it grants credit as it consumes, renews its lease,
 * and when the collection restarts (a StatusUpdate with a new incarnation, a Credit answered
 * NotFound, a gap in `seq`) it subscribes again from its last progress with `snapshot: false`,
 * so the listener sees every update exactly once across restarts of either side.
 *
 * Its subscriptions share one progress inbox (`Subscribe.progressInbox`): progress without updates
 * for many of them arrives in one SubscribeProgress, applied to a subscription once it has
 * received the batch the item names (`seq`). A subscription that hears from STORAGE (a batch or a
 * progress item) needs no liveness probe; the client renews every subscription's lease at once,
 * with one RenewLeases (leases.ts) every LEASE_RENEW_MS.
 *
 * With `consolidated: false` it asks STORAGE for the stored bytes (SubscribeEncodedBatch), decodes
 * each message as it arrives (a snapshot's decoding overlaps its transfer) and hands the updates,
 * not consolidated, to the listener's `unconsolidated` (or as triples to `updates` when the
 * listener has no `unconsolidated`): for readers that consolidate themselves.
 */
import { randomUUID } from 'node:crypto';
import { decode, encode } from '../codec.js';
import { Header } from '../envelope.js';
import { DefiniteError, isErrorCode, isTransient } from '../errors.js';
import type { Frontier, Row, Update } from '../types.js';
import type { SourceSpec } from './source.js';
import type { SinkSpec } from './sink.js';
import { MalformedMessageError } from '../errors.js';
import { MessageSet } from '../message.js';
import { SubscribeEncodedBatch, type CollectionSummary, type CollectionList, type SinkInfo, type StatusUpdate, type SubscribeBatch } from './response.js';
import { DecodedUpdates } from './encoded-updates.js';
import { collectionStatusSubject, collectionSubject, leasesSubject, sinkSubject, storageControllerSubject, txnsSubject } from './subjects.js';
import { StorageErrorCode } from './errors.js';

type Typed = { type: string; [key: string]: unknown };

/** What the client needs from a NATS connection (runtime/transport.ts's Transport fits). */
export interface Wire {
  request<R extends Typed = Typed>(subject: string, message: Typed, options?: { timeoutMs?: number }): Promise<R>;
  publish(subject: string, message: Typed): void;
  subscribe(subject: string, callback: (msg: { data: Uint8Array; headers?: { get(key: string): string } | undefined }) => void): { unsubscribe(): void };
}

/** Receives a collection's updates (consolidated, in time order) and progress. */
export interface CollectionListener {
  /** Updates at times not yet covered by an earlier progress (the first call holds the snapshot). */
  updates(updates: Update[]): void;
  /**
   * Only for `consolidated: false`: the same, not consolidated (a row may appear several times;
   * its diffs sum to its change), the snapshot's updates at asOf. The listener may keep them. An
   * error thrown from it fails the subscription (`failed`), as does a malformed message
   * (MalformedMessageError).
   */
  unconsolidated?(updates: DecodedUpdates): void;
  /** Every update at a time before `upper` has been delivered. */
  progress(upper: Frontier): void;
  /** The subscription ended for good (the collection was dropped). */
  failed(error: Error): void;
}

export interface StorageSubscription {
  cancel(): void;
  /** Resubscriptions so far (after restarts of the collection). */
  readonly resumes: number;
}

export type AppendOutcome = { ok: true; upper: number; duplicate: boolean } | { ok: false; currentUpper: number };

const INITIAL_CREDIT = 64;
const encodedBatches = new MessageSet<SubscribeEncodedBatch>([SubscribeEncodedBatch]);
const LIVENESS_MS = 2000;
/** The client renews its subscriptions' leases (60 s at STORAGE) this often, in one RenewLeases. */
const LEASE_RENEW_MS = 20_000;
/**
 * How long one attempt of an append waits for its reply before it is sent again with the same
 * token (a duplicate of a committed append is answered as one). A reply lost while nats-server
 * restarts then costs this, not a long timeout: with 10 s, every INSERT in flight across a drill's
 * nats-server restart took 10 s. An append of 10,000 updates takes milliseconds.
 */
const APPEND_ATTEMPT_MS = 3_000;

export class StorageClient {
  /** Collections whose snapshot did not fit in one message (snapshotAll streams them). */
  private readonly streamedSnapshots = new Set<string>();
  /** Progress items from every storage host, for this client's subscriptions (by subscribeId). */
  private progress: ProgressRouter | undefined;

  constructor(
    private readonly wire: Wire,
    private readonly region: string,
    private readonly options: { inboxPrefix?: string; timeoutMs?: number } = {},
  ) {}

  // ---- controller ----
  createSource(id: string, spec: SourceSpec): Promise<Typed> {
    return this.wire.request(storageControllerSubject(this.region), { type: 'CreateSource', id, spec }, { timeoutMs: 30_000 });
  }
  dropSource(id: string): Promise<Typed> {
    return this.wire.request(storageControllerSubject(this.region), { type: 'DropSource', id }, { timeoutMs: 30_000 });
  }
  createSink(id: string, spec: SinkSpec): Promise<Typed> {
    return this.wire.request(storageControllerSubject(this.region), { type: 'CreateSink', id, spec }, { timeoutMs: 30_000 });
  }
  dropSink(id: string): Promise<Typed> {
    return this.wire.request(storageControllerSubject(this.region), { type: 'DropSink', id }, { timeoutMs: 30_000 });
  }
  /** A sink's state, from the sink itself. */
  async describeSink(id: string): Promise<SinkInfo['sink']> {
    const r = await this.wire.request<Typed>(sinkSubject(this.region, id), { type: 'Describe' });
    return r['sink'] as SinkInfo['sink'];
  }
  async list(): Promise<CollectionList['collections']> {
    const r = await this.wire.request<Typed>(storageControllerSubject(this.region), { type: 'ListCollections' }, { timeoutMs: 30_000 });
    return r['collections'] as CollectionList['collections'];
  }
  /** Sets (or with `[]` releases) `holder`'s read hold, directly at the collection. */
  allowCompaction(collection: string, holder: string, since: Frontier): Promise<Typed> {
    return this.wire.request(collectionSubject(this.region, collection), { type: 'AllowCompaction', collection, holder, since });
  }

  // ---- one collection ----
  async describe(collection: string, timeoutMs?: number): Promise<CollectionSummary> {
    const r = await this.wire.request<Typed>(collectionSubject(this.region, collection), { type: 'Describe' }, timeoutMs === undefined ? {} : { timeoutMs });
    return r['collection'] as CollectionSummary;
  }

  async snapshot(collection: string, asOf: number, wait = false): Promise<Array<[Row, number]>> {
    const r = await this.wire.request<Typed>(collectionSubject(this.region, collection), { type: 'Snapshot', asOf, wait }, { timeoutMs: this.options.timeoutMs ?? 30_000 });
    return r['rows'] as Array<[Row, number]>;
  }

  /**
   * The snapshot at `asOf` (waiting for it to be sealed) whatever its size: one Snapshot request,
   * or, when its answer would not fit in one message (PayloadTooLarge), a Subscribe that streams
   * the same consolidated snapshot in bounded messages and is cancelled once it is in. A
   * collection found too large once is streamed from then on (no failed request first).
   */
  async snapshotAll(collection: string, asOf: number): Promise<Array<[Row, number]>> {
    if (!this.streamedSnapshots.has(collection)) {
      try {
        return await this.snapshot(collection, asOf, true);
      } catch (err) {
        if (!isErrorCode(err, 'PayloadTooLarge')) throw err;
        this.streamedSnapshots.add(collection);
      }
    }
    const rows: Array<[Row, number]> = [];
    let sub: StorageSubscription | undefined;
    let finished = false;
    await new Promise<void>((resolve, reject) => {
      const end = (err?: Error) => {
        if (finished) return;
        finished = true;
        sub?.cancel();
        if (err) reject(err);
        else resolve();
      };
      this.subscribe(collection, asOf, {
        updates: (updates) => {
          for (const [row, time, diff] of updates) if (time <= asOf) rows.push([row, diff]);
        },
        progress: (upper) => {
          if ((upper[0] ?? Infinity) > asOf) end();
        },
        failed: (error) => end(error),
      }).then(
        (s) => {
          sub = s;
          if (finished) s.cancel();
        },
        (error: Error) => end(error),
      );
    });
    return rows;
  }

  /**
   * Compare-and-append. A timeout (outcome unknown) is retried with the same token, which the
   * collection answers as a duplicate if the first attempt had committed.
   */
  compareAndAppend(args: { collection: string; writer: string; token?: string; expectedUpper: number; newUpper: number; updates: Update[] | Uint8Array | { staged: { stageId: string; parts: number } } }): Promise<AppendOutcome> {
    const token = args.token ?? randomUUID();
    // The updates travel as their msgpack bytes (given already encoded, or encoded here): the
    // collection validates and stores those bytes without decoding them into objects
    // (protocol/storage/README.md, Append).
    const u = args.updates;
    const body = u instanceof Uint8Array ? { encodedUpdates: u } : Array.isArray(u) ? { encodedUpdates: encode(u) } : { staged: u.staged };
    const msg = { type: 'Append', writer: args.writer, token, expectedUpper: args.expectedUpper, newUpper: args.newUpper, ...body };
    // Only the bytes are kept while the append is in flight (not `args`): the update objects can
    // be collected at once instead of being copied by every young-generation GC meanwhile.
    return this.sendAppend(collectionSubject(this.region, args.collection), msg);
  }

  /**
   * Stages one part of a large batch (StageBatch): `encodedUpdates` is the msgpack encoding of
   * update triples with times in `[lower, upper)`. Retried on transient errors (a part staged
   * twice is the same part). See `stagedAppend` for the whole protocol.
   */
  async stageBatch(args: { collection: string; writer: string; stageId: string; part: number; lower: number; upper: number; encodedUpdates: Uint8Array }): Promise<void> {
    const { collection, ...rest } = args;
    const msg = { type: 'StageBatch', ...rest };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.wire.request<Typed>(collectionSubject(this.region, collection), msg, { timeoutMs: this.options.timeoutMs ?? APPEND_ATTEMPT_MS });
        return;
      } catch (err) {
        if (!isTransient(err) || attempt >= 50) throw err;
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** Math.min(attempt, 5))));
      }
    }
  }

  private async sendAppend(subject: string, msg: Typed): Promise<AppendOutcome> {
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await this.wire.request<Typed>(subject, msg, { timeoutMs: this.options.timeoutMs ?? APPEND_ATTEMPT_MS });
        return { ok: true, upper: r['upper'] as number, duplicate: r['duplicate'] as boolean };
      } catch (err) {
        if (isErrorCode(err, StorageErrorCode.UpperMismatch)) return { ok: false, currentUpper: (err as DefiniteError).details['currentUpper'] as number };
        if (!isTransient(err) || attempt >= 50) throw err;
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** Math.min(attempt, 5))));
      }
    }
  }

  /**
   * Seals every table time below `upper` on storage host `host` (protocol/storage/txns.ts);
   * resolves with the host's txns upper once durable. Idempotent, so lost replies are asked again.
   */
  async advanceTxns(host: string, writer: string, upper: number): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await this.wire.request<Typed>(txnsSubject(this.region, host), { type: 'AdvanceTxns', writer, upper }, { timeoutMs: this.options.timeoutMs ?? APPEND_ATTEMPT_MS });
        return r['upper'] as number;
      } catch (err) {
        if (!isTransient(err) || attempt >= 50) throw err;
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** Math.min(attempt, 5))));
      }
    }
  }

  /**
   * Subscribes at `asOf` (snapshot then updates), resuming by itself across restarts. With
   * `consolidated: false` the updates come as STORAGE stored them (see `unconsolidated`).
   */
  async subscribe(collection: string, asOf: number, listener: CollectionListener, options: { snapshot?: boolean; consolidated?: boolean } = {}): Promise<StorageSubscription> {
    const prefix = this.options.inboxPrefix ?? '_INBOX';
    this.progress ??= new ProgressRouter(this.wire, this.region, `${prefix}.${randomUUID().replace(/-/g, '')}.progress`);
    const sub = new ResumableSubscription(this.wire, this.region, collection, asOf, options.snapshot ?? true, options.consolidated ?? true, listener, prefix, this.progress);
    await sub.start();
    return sub;
  }

  /** The inbox this client's subscriptions share for progress and bulk lease renewal (undefined before the first subscribe). */
  get progressInbox(): string | undefined {
    return this.progress?.inbox;
  }

  /** Renews the leases of all of this client's subscriptions now (done every LEASE_RENEW_MS by itself). */
  renewLeases(): void {
    this.progress?.renewLeases();
  }
}

/** The client's progress inbox: SubscribeProgress items, each handed to its subscription. */
class ProgressRouter {
  private readonly subs = new Map<string, ResumableSubscription>();
  /** Subscriptions following a host's txns upper, by `<origin incarnation>/<host>`. */
  private readonly followers = new Map<string, Set<ResumableSubscription>>();
  /** The last message number seen of each origin (storage process). */
  private readonly originSeqs = new Map<string, number>();
  private sub: { unsubscribe(): void } | undefined;
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly wire: Wire,
    private readonly region: string,
    readonly inbox: string,
  ) {}

  register(id: string, s: ResumableSubscription): void {
    if (!this.sub) this.sub = this.wire.subscribe(this.inbox, (msg) => this.receive(msg.data));
    if (!this.renewTimer) {
      this.renewTimer = setInterval(() => this.renewLeases(), LEASE_RENEW_MS);
      this.renewTimer.unref();
    }
    this.subs.set(id, s);
  }

  /** One RenewLeases for every subscription opened with this inbox, on every storage host. */
  renewLeases(): void {
    if (this.subs.size === 0) return;
    try {
      this.wire.publish(leasesSubject(this.region), { type: 'RenewLeases', progressInbox: this.inbox });
    } catch {
      // a subscription not heard from probes (and renews) by itself
    }
  }

  unregister(id: string): void {
    this.subs.delete(id);
  }

  private receive(data: Uint8Array): void {
    let body: { type?: string; items?: unknown; origin?: unknown; follow?: unknown; unfollow?: unknown; txns?: unknown };
    try {
      body = decode(data) as typeof body;
    } catch {
      return; // not ours to fail on: progress is only an optimisation of SubscribeBatch
    }
    if (body.type !== 'SubscribeProgress' || !Array.isArray(body.items)) return;
    const origin = Array.isArray(body.origin) && typeof body.origin[0] === 'string' && typeof body.origin[1] === 'number' ? (body.origin as [string, number]) : undefined;
    if (origin) this.checkOrigin(origin);
    for (const item of body.items as unknown[]) {
      if (!Array.isArray(item) || item.length !== 3) continue;
      const [id, seq, upper] = item as [unknown, unknown, unknown];
      if (typeof id !== 'string' || typeof seq !== 'number' || typeof upper !== 'number') continue;
      this.subs.get(id)?.progressItem(id, seq, upper);
    }
    if (Array.isArray(body.unfollow)) {
      for (const id of body.unfollow as unknown[]) if (typeof id === 'string') this.subs.get(id)?.unfollow();
    }
    if (origin && Array.isArray(body.follow)) {
      for (const item of body.follow as unknown[]) {
        if (!Array.isArray(item) || item.length !== 3) continue;
        const [id, seq, host] = item as [unknown, unknown, unknown];
        if (typeof id !== 'string' || typeof seq !== 'number' || typeof host !== 'string') continue;
        const sub = this.subs.get(id);
        if (!sub) continue;
        sub.follow(id, seq, `${origin[0]}/${host}`);
        this.followerSet(`${origin[0]}/${host}`).add(sub);
      }
    }
    if (origin && Array.isArray(body.txns)) {
      for (const entry of body.txns as unknown[]) {
        if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') continue;
        const key = `${origin[0]}/${entry[0]}`;
        const set = this.followers.get(key);
        if (!set) continue;
        for (const sub of [...set]) if (!sub.txnsAdvanced(key, entry[1])) set.delete(sub);
        if (set.size === 0) this.followers.delete(key);
      }
    }
  }

  /**
   * Messages of one origin (a storage process) are numbered per inbox: after a gap (a message
   * NATS dropped), an unfollow may have been lost, so nothing of that origin follows any more and
   * its followers resubscribe from what they have.
   */
  private checkOrigin([incarnation, seq]: [string, number]): void {
    const last = this.originSeqs.get(incarnation);
    this.originSeqs.set(incarnation, seq);
    if (last === undefined || seq === last + 1) return;
    for (const [key, set] of this.followers) {
      if (!key.startsWith(`${incarnation}/`)) continue;
      this.followers.delete(key);
      for (const sub of set) sub.followingLost();
    }
  }

  private followerSet(key: string): Set<ResumableSubscription> {
    let set = this.followers.get(key);
    if (!set) this.followers.set(key, (set = new Set()));
    return set;
  }
}

/** One logical subscription; each (re)subscription has its own id and inbox. */
class ResumableSubscription implements StorageSubscription {
  resumes = 0;
  private id = '';
  private inboxSub: { unsubscribe(): void } | undefined;
  private readonly statusSub: { unsubscribe(): void };
  private incarnation = '';
  /** Every update at a time <= through has been delivered; undefined until the snapshot is in. */
  private through: number | undefined;
  private pendingSnapshot: Update[] = [];
  private pendingDecoded = new DecodedUpdates();
  private expectedSeq = 1;
  private received = 0;
  private granted = 0;
  private closed = false;
  private resubscribing = false;
  private timer: NodeJS.Timeout;
  /** A progress item that overtook the batch it names: applied once that batch is in. */
  private earlyProgress: { seq: number; upper: number } | undefined;
  /**
   * Its progress follows a host's txns upper (`key`) once batch `seq` is in (`active`), until an
   * unfollow, a later batch, or a resubscription.
   */
  private following: { key: string; seq: number; active: boolean } | undefined;
  private heardAt = 0;

  constructor(
    private readonly wire: Wire,
    private readonly region: string,
    private readonly collection: string,
    private readonly asOf: number,
    private readonly withSnapshot: boolean,
    private readonly consolidated: boolean,
    private readonly listener: CollectionListener,
    private readonly inboxPrefix: string,
    private readonly progress: ProgressRouter,
  ) {
    if (!withSnapshot) this.through = asOf;
    this.statusSub = wire.subscribe(collectionStatusSubject(region, collection), (msg) => this.onStatus(msg));
    this.timer = setInterval(() => void this.checkLiveness(), LIVENESS_MS);
    this.timer.unref();
  }

  async start(): Promise<void> {
    await this.open();
  }

  cancel(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.statusSub.unsubscribe();
    this.inboxSub?.unsubscribe();
    this.progress.unregister(this.id);
    this.wire.request(collectionSubject(this.region, this.collection), { type: 'CancelSubscribe', subscribeId: this.id }).catch(() => undefined);
  }

  private async open(): Promise<void> {
    this.inboxSub?.unsubscribe();
    this.progress.unregister(this.id);
    this.id = randomUUID().replace(/-/g, '');
    this.earlyProgress = undefined;
    this.following = undefined;
    const inbox = `${this.inboxPrefix}.${this.id}`;
    this.expectedSeq = 1;
    this.received = 0;
    this.granted = INITIAL_CREDIT;
    const id = this.id;
    this.inboxSub = this.wire.subscribe(inbox, (msg) => this.onMessage(id, msg));
    this.progress.register(id, this);
    const snapshot = this.through === undefined;
    this.pendingSnapshot = [];
    this.pendingDecoded = new DecodedUpdates();
    const r = await this.wire.request<Typed>(collectionSubject(this.region, this.collection), {
      type: 'Subscribe',
      subscribeId: id,
      inbox,
      asOf: snapshot ? this.asOf : this.through!,
      snapshot,
      credit: INITIAL_CREDIT,
      ...(this.consolidated ? {} : { consolidated: false }),
      progressInbox: this.progress.inbox,
    });
    this.incarnation = r['incarnation'] as string;
  }

  private async resubscribe(): Promise<void> {
    if (this.closed || this.resubscribing) return;
    this.resubscribing = true;
    try {
      for (let attempt = 0; !this.closed; attempt++) {
        try {
          await this.open();
          this.resumes++;
          return;
        } catch (err) {
          if (isErrorCode(err, StorageErrorCode.UnknownCollection) || isErrorCode(err, StorageErrorCode.SinceViolation)) {
            this.fail(err as Error);
            return;
          }
          await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** Math.min(attempt, 6))));
        }
      }
    } finally {
      this.resubscribing = false;
    }
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.cancel();
    this.listener.failed(err);
  }

  private onMessage(id: string, msg: { data: Uint8Array; headers?: { get(key: string): string } | undefined }): void {
    if (this.closed || id !== this.id) return;
    // A throw here would unwind into the NATS client: every failure ends the subscription instead.
    try {
      this.receive(msg);
    } catch (err) {
      this.fail(err instanceof DefiniteError ? err : new MalformedMessageError(`collection ${this.collection}: ${(err as Error).message}`));
    }
  }

  private receive(msg: { data: Uint8Array; headers?: { get(key: string): string } | undefined }): void {
    const type = msg.headers?.get(Header.Type);
    let body: Typed;
    try {
      body = decode(msg.data) as Typed;
    } catch (err) {
      throw new MalformedMessageError(`collection ${this.collection}: a subscription message is not valid msgpack: ${(err as Error).message}`);
    }
    if (type === 'SubscribeEnd' || body.type === 'SubscribeEnd') {
      const reason = body['reason'];
      if (reason === 'dropped') this.fail(new DefiniteError(StorageErrorCode.UnknownCollection, `collection ${this.collection} was dropped`));
      else if (reason !== 'canceled') void this.resubscribe();
      return;
    }
    const encoded = body.type === 'SubscribeEncodedBatch' ? encodedBatches.validate(body) : undefined;
    const batch = body as unknown as SubscribeBatch | SubscribeEncodedBatch;
    if (batch.seq !== this.expectedSeq) {
      void this.resubscribe(); // a lost message: resume from the last progress
      return;
    }
    this.expectedSeq++;
    this.heardAt = Date.now();
    if (this.following) {
      if (batch.seq === this.following.seq) this.following.active = true;
      else if (batch.seq > this.following.seq) this.following = undefined; // the table was written
    }
    const upper = batch.upper[0]!;
    if (this.through === undefined) {
      // The snapshot may come in several messages: deliver it whole, once it is complete.
      if (encoded) this.pendingDecoded.append(encoded.encodedUpdates, this.asOf);
      else for (const u of (batch as SubscribeBatch).updates) this.pendingSnapshot.push(u);
      if (upper > this.asOf) {
        const snapshot = this.pendingSnapshot;
        const decoded = this.pendingDecoded;
        this.pendingSnapshot = [];
        this.pendingDecoded = new DecodedUpdates();
        this.through = upper - 1;
        if (snapshot.length > 0) this.listener.updates(snapshot);
        if (decoded.length > 0) this.deliverUnconsolidated(decoded);
        this.listener.progress([upper]);
      }
    } else {
      const through = this.through;
      if (encoded) {
        const decoded = new DecodedUpdates().append(encoded.encodedUpdates, this.asOf, through);
        if (decoded.length > 0) this.deliverUnconsolidated(decoded);
      } else {
        const fresh = (batch as SubscribeBatch).updates.filter((u) => u[1] > through);
        if (fresh.length > 0) this.listener.updates(fresh);
      }
      if (upper - 1 > through) {
        this.through = upper - 1;
        this.listener.progress([upper]);
      }
    }
    this.received++;
    if (this.granted - this.received < INITIAL_CREDIT / 2) {
      this.granted += INITIAL_CREDIT;
        this.wire.publish(collectionSubject(this.region, this.collection), { type: 'Credit', subscribeId: this.id, credit: INITIAL_CREDIT });
    }
    const early = this.earlyProgress;
    if (early && early.seq < this.expectedSeq) {
      this.earlyProgress = undefined;
      this.progressItem(this.id, early.seq, early.upper);
    }
  }

  /**
   * A SubscribeProgress item: every update before `upper` is in the batches through `seq`. Applied
   * once those have arrived (it may overtake the last of them); older than what arrived since, it
   * says nothing new (a later batch carried a later upper).
   */
  progressItem(id: string, seq: number, upper: number): void {
    if (this.closed || id !== this.id) return;
    this.heardAt = Date.now();
    const last = this.expectedSeq - 1;
    if (seq > last) {
      if (!this.earlyProgress || upper > this.earlyProgress.upper) this.earlyProgress = { seq, upper };
      return;
    }
    if (seq < last || this.through === undefined) return;
    if (upper - 1 > this.through) {
      this.through = upper - 1;
      this.listener.progress([upper]);
    }
  }

  /** Follow `key`'s txns upper from batch `seq` on (at once when that batch is in). */
  follow(id: string, seq: number, key: string): void {
    if (this.closed || id !== this.id) return;
    this.heardAt = Date.now();
    this.following = { key, seq, active: seq <= this.expectedSeq - 1 && this.through !== undefined };
  }

  unfollow(): void {
    this.following = undefined;
  }

  /**
   * `key`'s txns upper is `upper`: progress, while following it. Returns false when this
   * subscription no longer follows `key` (the router forgets it).
   */
  txnsAdvanced(key: string, upper: number): boolean {
    const f = this.following;
    if (this.closed || !f || f.key !== key) return false;
    this.heardAt = Date.now();
    if (f.active && this.through !== undefined && upper - 1 > this.through) {
      this.through = upper - 1;
      this.listener.progress([upper]);
    }
    return true;
  }

  /** A message of the host that told it to follow was lost: subscribe again from what it has. */
  followingLost(): void {
    if (!this.following) return;
    this.following = undefined;
    const old = this.id;
    this.wire.request(collectionSubject(this.region, this.collection), { type: 'CancelSubscribe', subscribeId: old }).catch(() => undefined);
    void this.resubscribe();
  }

  private deliverUnconsolidated(updates: DecodedUpdates): void {
    if (this.listener.unconsolidated) this.listener.unconsolidated(updates);
    else this.listener.updates(updates.toArray());
  }

  private onStatus(msg: { data: Uint8Array }): void {
    if (this.closed) return;
    const s = decode(msg.data) as StatusUpdate;
    if (s.status === 'dropped') this.fail(new DefiniteError(StorageErrorCode.UnknownCollection, `collection ${this.collection} was dropped`));
    else if (s.status === 'running' && this.incarnation && s.incarnation !== this.incarnation) void this.resubscribe();
  }

  /**
   * A subscription not heard from for LIVENESS_MS probes with a Credit request, which also renews
   * its lease; one heard from leaves its lease to the router's RenewLeases.
   */
  private async checkLiveness(): Promise<void> {
    if (this.closed || this.resubscribing) return;
    const now = Date.now();
    if (now - this.heardAt < LIVENESS_MS) return;
    try {
      await this.wire.request(collectionSubject(this.region, this.collection), { type: 'Credit', subscribeId: this.id, credit: 0 }, { timeoutMs: 2000 });
    } catch (err) {
      if (isErrorCode(err, 'NotFound') || isErrorCode(err, 'NoResponders')) void this.resubscribe();
    }
  }
}
