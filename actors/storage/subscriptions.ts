/**
 * A collection's subscription streams. Each subscription remembers only how far it has delivered
 * (`through`: every update at a time <= through is delivered), its credit and its lease; what to
 * send next is always read back from the shard, so a slow subscriber costs no memory. Messages go
 * to the subscriber's inbox in order: the snapshot at `asOf` (when asked), then every update at
 * times > asOf, consolidated, in time order, each message ending with a progress statement
 * `upper`. One message spends one credit; a subscription without Credit for `LEASE_MS` expires.
 * Where the stored bytes already are the consolidated answer (as a rule: see
 * stored-consolidated.ts), they are sent as they are (a snapshot's with its time rewritten),
 * without decoding.
 * While a subscription is open, `since` may not pass `through` (an implicit read hold): were it
 * to reach `through + 1`, a consolidating merge would advance updates already delivered (times
 * <= through) to `through + 1`, and the next read would send them again.
 *
 * Progress with no updates, for a subscription opened with a `progressInbox`, goes out in one
 * SubscribeProgress per subscriber per turn (subscription-progress.ts), without credit or seq.
 * For a table sealed by txns, a subscription that has delivered everything up to the table's own
 * upper *follows* the txns upper instead (txns-followers.ts): it is not pumped again until the
 * table is written (`unfollowAll`, called when an append is decided).
 *
 * A subscription opened with `consolidated: false` gets the stored bytes instead
 * (SubscribeEncodedBatch, `Shard.encodedRange`): no decoding, consolidation or re-encoding here,
 * the snapshot's updates at their stored times <= asOf. Its messages are cut to at most
 * `MAX_ENCODED_BYTES` at update boundaries, and it waits for credit between them, so what it
 * holds while a subscriber is slow is the bytes of one read.
 */
import type { Transport } from '../../runtime/transport.js';
import type { Subscribe } from '../../protocol/storage/command.js';
import type { Update } from '../../protocol/types.js';
import { NotFoundError, isErrorCode } from '../../protocol/errors.js';
import type { Shard } from './shard.js';
import { encodeWithEncodedField } from '../../protocol/codec.js';
import { arrayHeaderSize, chunkBatches, writeArrayHeader } from './encoded-batch.js';
import { storedAsConsolidated, storedAsSnapshot, type StoredChunk } from './stored-consolidated.js';
import { nextTurn } from './slices.js';
import { progressOutboxOf } from './subscription-progress.js';
import type { TxnsFollowers } from './txns-followers.js';

export const LEASE_MS = 60_000;
/** Updates per message (bounded further by the payload limit). */
const MAX_UPDATES_PER_MESSAGE = 20_000;
/**
 * Bytes of encoded updates per SubscribeEncodedBatch (bounded further by the payload limit): with
 * the client's 64 credits that is at most 32 MB in flight, below nats-server's max_pending.
 */
export const MAX_ENCODED_BYTES = 512 * 1024;
/** Room left in a message for its other fields. */
const ENVELOPE_BYTES = 1024;

interface Sub {
  id: string;
  inbox: string;
  /** Where progress without updates goes, batched with other subscriptions' (optional). */
  progressInbox: string | undefined;
  asOf: number;
  consolidated: boolean;
  through: number;
  snapshotAt: number | undefined;
  /** Set while an unconsolidated send waits for credit; called by Credit and by end. */
  creditWaiter: (() => void) | undefined;
  credit: number;
  seq: number;
  renewedAt: number;
  pumping: boolean;
  again: boolean;
  /** Its progress follows the host's txns upper (told to the subscriber); not pumped meanwhile. */
  following: boolean;
}

/** The msgpack encoding of an empty array. */
const EMPTY_ARRAY = new Uint8Array([0x90]);

export class Subscriptions {
  private readonly subs = new Map<string, Sub>();

  constructor(
    private readonly collection: string,
    private readonly shard: Shard,
    private readonly transport: Transport,
    private readonly now: () => number,
    private readonly onError: (err: unknown) => void,
    /** When a progress inbox last renewed its subscriptions' leases in bulk (lease-book.ts). */
    private readonly bulkRenewedAt: (progressInbox: string) => number = () => 0,
    /** For a table sealed by txns: where caught-up subscriptions follow the txns upper. */
    private readonly followers?: TxnsFollowers,
    /** Called when a subscription starts following (the collection may stop listening to txns). */
    private readonly onFollow: () => void = () => undefined,
  ) {}

  get size(): number {
    return this.subs.size;
  }

  /** Open subscriptions that do not follow the txns upper (they need its advances pumped). */
  get pumped(): number {
    let n = 0;
    for (const s of this.subs.values()) if (!s.following) n++;
    return n;
  }

  /**
   * The table is being written: no subscription follows the txns upper any more (each is told
   * before any txns advance past the write can be sent), and each is pumped again once the
   * write is readable.
   */
  unfollowAll(): void {
    for (const sub of this.subs.values()) this.stopFollowing(sub);
  }

  private stopFollowing(sub: Sub): void {
    if (!sub.following) return;
    sub.following = false;
    this.followers!.unfollow(sub.progressInbox!, sub.id);
  }

  /** The lowest time an open subscription still reads from (since may not pass it), or Infinity. */
  lowestNeeded(): number {
    let low = Infinity;
    for (const s of this.subs.values()) low = Math.min(low, s.through, s.snapshotAt ?? Infinity);
    return low;
  }

  add(cmd: Subscribe): void {
    this.end(cmd.subscribeId, 'canceled', 'replaced by a new Subscribe with the same id');
    const sub: Sub = {
      id: cmd.subscribeId,
      inbox: cmd.inbox,
      progressInbox: cmd.progressInbox,
      asOf: cmd.asOf,
      consolidated: cmd.consolidated ?? true,
      through: cmd.asOf,
      snapshotAt: cmd.snapshot ? cmd.asOf : undefined,
      creditWaiter: undefined,
      credit: cmd.credit,
      seq: 0,
      renewedAt: this.now(),
      pumping: false,
      again: false,
      following: false,
    };
    this.subs.set(sub.id, sub);
    this.pump(sub);
  }

  credit(id: string, credit: number): void {
    const sub = this.subs.get(id);
    if (!sub) throw new NotFoundError(`collection ${this.collection} has no subscription ${id} (it may have restarted or expired): subscribe again from your last progress`);
    sub.credit += credit;
    sub.renewedAt = this.now();
    this.release(sub);
    this.pump(sub);
  }

  /** Ends a subscription with a SubscribeEnd message (no-op when unknown). */
  end(id: string, reason: 'canceled' | 'dropped' | 'expired' | 'error', message?: string): void {
    const sub = this.subs.get(id);
    if (!sub) return;
    this.subs.delete(id);
    this.stopFollowing(sub);
    this.release(sub);
    this.send(sub, { type: 'SubscribeEnd', subscribeId: id, reason, ...(message ? { message } : {}) });
  }

  endAll(reason: 'dropped' | 'canceled'): void {
    for (const id of [...this.subs.keys()]) this.end(id, reason);
  }

  /** New data or progress: every subscription with credit catches up. Also expires stale leases. */
  wake(): void {
    const now = this.now();
    for (const sub of [...this.subs.values()]) {
      const renewedAt = Math.max(sub.renewedAt, sub.progressInbox === undefined ? 0 : this.bulkRenewedAt(sub.progressInbox));
      if (now - renewedAt > LEASE_MS) this.end(sub.id, 'expired', `no Credit or RenewLeases for ${LEASE_MS} ms`);
      else this.pump(sub);
    }
  }

  private pump(sub: Sub): void {
    if (sub.pumping) {
      sub.again = true;
      return;
    }
    sub.pumping = true;
    void this.drain(sub)
      .catch((err) => this.onError(err))
      .finally(() => {
        sub.pumping = false;
        if (sub.again && this.subs.get(sub.id) === sub) {
          sub.again = false;
          this.pump(sub);
        }
      });
  }

  private async drain(sub: Sub): Promise<void> {
    while (this.subs.get(sub.id) === sub && sub.credit > 0 && !sub.following) {
      const upper = this.shard.readUpper;
      if (sub.snapshotAt !== undefined) {
        if (sub.snapshotAt >= upper) return; // waits until the snapshot time is sealed
        const asOf = sub.snapshotAt;
        if (!sub.consolidated) {
          const parts = await this.shard.encodedRange(-1, asOf + 1);
          sub.snapshotAt = undefined;
          await this.sendEncoded(sub, parts, asOf, asOf + 1);
          continue;
        }
        // The stored bytes, times rewritten, when no row occurs twice; otherwise decoded and
        // accumulated.
        this.shard.checkReadable(asOf, this.collection);
        const parts = await this.shard.encodedRange(-1, asOf + 1);
        const stored = await storedAsSnapshot(parts, asOf, this.messageBytes(), MAX_UPDATES_PER_MESSAGE);
        const updates: Update[] = stored ? [] : (await this.shard.contentsOf(parts)).map(([row, diff]) => [row, asOf, diff]);
        sub.snapshotAt = undefined;
        if (!(stored ? await this.sendStored(sub, stored, asOf + 1) : await this.sendChunks(sub, updates, asOf + 1))) return;
        continue;
      }
      if (sub.through >= upper - 1) return; // nothing new sealed
      const parts = await this.shard.encodedRange(sub.through, upper);
      if (parts.length === 0 && sub.progressInbox !== undefined) {
        // Progress only: batched with the host's other subscriptions to the same subscriber.
        if (this.subs.get(sub.id) !== sub) return;
        sub.through = upper - 1;
        // Everything the table itself holds is delivered, and no append is on its way: from
        // here the subscription's progress is the txns upper, until the table is written.
        if (this.followers && !this.shard.appendInFlight && upper >= this.shard.upper) {
          sub.following = true;
          this.followers.follow(sub.progressInbox, sub.id, sub.seq);
          this.onFollow();
          return;
        }
        progressOutboxOf(this.transport).add(sub.progressInbox, [sub.id, sub.seq, upper]);
        continue;
      }
      if (!sub.consolidated) {
        if (!(await this.sendEncoded(sub, parts, sub.through + 1, upper))) return;
        sub.through = upper - 1;
        continue;
      }
      // The stored bytes as they are when they are consolidated already (an append's batch, as a
      // rule); otherwise decoded and consolidated.
      const stored = await storedAsConsolidated(parts, this.messageBytes(), MAX_UPDATES_PER_MESSAGE);
      const sent = stored ? await this.sendStored(sub, stored, upper) : await this.sendChunks(sub, await this.shard.consolidatedOf(parts), upper);
      if (!sent) return;
      sub.through = upper - 1;
    }
  }

  /**
   * Sends updates in messages of bounded size (at most MAX_UPDATES_PER_MESSAGE updates, and
   * within the payload limit); only the last one states progress `upper`. Each message waits for
   * credit, and the event loop runs between messages (a snapshot of millions of rows is hundreds
   * of messages). Returns false when the subscription ended meanwhile.
   */
  private async sendChunks(sub: Sub, updates: Update[], upper: number): Promise<boolean> {
    for (let i = 0; i === 0 || i < updates.length; i += MAX_UPDATES_PER_MESSAGE) {
      if (i > 0) await nextTurn();
      if (!(await this.creditLeft(sub))) return false;
      const chunk = updates.length <= MAX_UPDATES_PER_MESSAGE ? updates : updates.slice(i, i + MAX_UPDATES_PER_MESSAGE);
      const last = i + MAX_UPDATES_PER_MESSAGE >= updates.length;
      // Updates are in time order: after a chunk ending at time t, every time before t is done.
      this.sendBounded(sub, chunk, last ? upper : chunk[chunk.length - 1]![1]);
    }
    return true;
  }

  /**
   * Sends stored bytes, cut into `chunks` (`storedAsConsolidated`), as SubscribeBatch messages
   * (the same bytes a SubscribeBatch of those updates encodes to), waiting for credit before each;
   * only the last states progress `upper`. Returns false when the subscription ended meanwhile.
   */
  private async sendStored(sub: Sub, chunks: StoredChunk[], upper: number): Promise<boolean> {
    for (let i = 0; i === 0 || i < chunks.length; i++) {
      if (i > 0) await nextTurn();
      if (!(await this.creditLeft(sub))) return false;
      const chunk = chunks[i] ?? { segments: [], count: 0, size: 0, lastTime: upper };
      const header = new Uint8Array(arrayHeaderSize(chunk.count));
      writeArrayHeader(header, chunk.count);
      const progress = i >= chunks.length - 1 ? upper : chunk.lastTime;
      const data = encodeWithEncodedField({ type: 'SubscribeBatch', subscribeId: sub.id, seq: sub.seq + 1, upper: [progress] }, 'updates', [header, ...chunk.segments]);
      try {
        this.transport.publishEncoded(sub.inbox, 'SubscribeBatch', data);
      } catch (err) {
        this.onError(err);
        return true;
      }
      sub.seq++;
      sub.credit--;
    }
    return true;
  }

  /** The most bytes of updates one message carries. */
  private messageBytes(): number {
    return Math.min(MAX_ENCODED_BYTES, this.transport.maxPayload - ENVELOPE_BYTES);
  }

  /** One SubscribeBatch, or, if it would exceed the payload limit (wide rows), its two halves. */
  private sendBounded(sub: Sub, updates: Update[], upper: number): void {
    try {
      // Refused before anything is sent when over the payload limit.
      this.transport.publish(sub.inbox, { type: 'SubscribeBatch', subscribeId: sub.id, seq: sub.seq + 1, updates, upper: [upper] });
    } catch (err) {
      if (!isErrorCode(err, 'PayloadTooLarge') || updates.length < 2) {
        this.onError(err);
        return;
      }
      const half = updates.slice(0, updates.length >> 1);
      this.sendBounded(sub, half, half[half.length - 1]![1]);
      this.sendBounded(sub, updates.slice(half.length), upper);
      return;
    }
    sub.seq++;
    sub.credit--;
  }

  /**
   * Sends encoded batches in messages of at most MAX_ENCODED_BYTES, one credit each, waiting for
   * credit between them; the last states progress `upper`, the others `progress` (what was already
   * stated). At least one message, so progress is stated even when nothing changed. Returns false
   * when the subscription ended meanwhile.
   */
  private async sendEncoded(sub: Sub, parts: Uint8Array[], progress: number, upper: number): Promise<boolean> {
    const chunks = chunkBatches(parts, this.messageBytes());
    if (chunks.length === 0) chunks.push({ bytes: EMPTY_ARRAY, count: 0 });
    for (let i = 0; i < chunks.length; i++) {
      if (!(await this.creditLeft(sub))) return false;
      sub.seq++;
      sub.credit--;
      const last = i === chunks.length - 1;
      this.send(sub, { type: 'SubscribeEncodedBatch', subscribeId: sub.id, seq: sub.seq, encodedUpdates: chunks[i]!.bytes, asOf: sub.asOf, upper: [last ? upper : progress] });
    }
    return true;
  }

  /** Resolves true once the subscription has credit, false if it ends first. */
  private creditLeft(sub: Sub): Promise<boolean> {
    if (this.subs.get(sub.id) !== sub) return Promise.resolve(false);
    if (sub.credit > 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      sub.creditWaiter = () => resolve(this.subs.get(sub.id) === sub && sub.credit > 0 ? true : this.creditLeft(sub));
    });
  }

  private release(sub: Sub): void {
    const waiter = sub.creditWaiter;
    sub.creditWaiter = undefined;
    waiter?.();
  }

  private send(sub: Sub, message: { type: string; [k: string]: unknown }): void {
    try {
      this.transport.publish(sub.inbox, message);
    } catch (err) {
      this.onError(err);
    }
  }
}
