/**
 * A collection's subscription streams. Each subscription remembers only how far it has delivered
 * (`through`: every update at a time <= through is delivered), its credit and its lease; what to
 * send next is always read back from the shard, so a slow subscriber costs no memory. Messages go
 * to the subscriber's inbox in order: the snapshot at `asOf` (when asked), then every update at
 * times > asOf, consolidated, in time order, each message ending with a progress statement
 * `upper`. One message spends one credit; a subscription without Credit for `LEASE_MS` expires.
 * While a subscription is open, `since` may not pass `through + 1` (an implicit read hold).
 */
import type { Transport } from '../../runtime/transport.js';
import type { Subscribe } from '../../protocol/storage/command.js';
import type { Update } from '../../protocol/types.js';
import { NotFoundError } from '../../protocol/errors.js';
import type { Shard } from './shard.js';

export const LEASE_MS = 60_000;
/** Updates per message (bounded further by the payload limit). */
const MAX_UPDATES_PER_MESSAGE = 20_000;

interface Sub {
  id: string;
  inbox: string;
  through: number;
  snapshotAt: number | undefined;
  credit: number;
  seq: number;
  renewedAt: number;
  pumping: boolean;
  again: boolean;
}

export class Subscriptions {
  private readonly subs = new Map<string, Sub>();

  constructor(
    private readonly collection: string,
    private readonly shard: Shard,
    private readonly transport: Transport,
    private readonly now: () => number,
    private readonly onError: (err: unknown) => void,
  ) {}

  get size(): number {
    return this.subs.size;
  }

  /** The lowest time an open subscription still needs distinguishable (for since), or Infinity. */
  lowestNeeded(): number {
    let low = Infinity;
    for (const s of this.subs.values()) low = Math.min(low, s.through + 1, s.snapshotAt ?? Infinity);
    return low;
  }

  add(cmd: Subscribe): void {
    this.end(cmd.subscribeId, 'canceled', 'replaced by a new Subscribe with the same id');
    const sub: Sub = {
      id: cmd.subscribeId,
      inbox: cmd.inbox,
      through: cmd.asOf,
      snapshotAt: cmd.snapshot ? cmd.asOf : undefined,
      credit: cmd.credit,
      seq: 0,
      renewedAt: this.now(),
      pumping: false,
      again: false,
    };
    this.subs.set(sub.id, sub);
    this.pump(sub);
  }

  credit(id: string, credit: number): void {
    const sub = this.subs.get(id);
    if (!sub) throw new NotFoundError(`collection ${this.collection} has no subscription ${id} (it may have restarted or expired): subscribe again from your last progress`);
    sub.credit += credit;
    sub.renewedAt = this.now();
    this.pump(sub);
  }

  /** Ends a subscription with a SubscribeEnd message (no-op when unknown). */
  end(id: string, reason: 'canceled' | 'dropped' | 'expired' | 'error', message?: string): void {
    const sub = this.subs.get(id);
    if (!sub) return;
    this.subs.delete(id);
    this.send(sub, { type: 'SubscribeEnd', subscribeId: id, reason, ...(message ? { message } : {}) });
  }

  endAll(reason: 'dropped' | 'canceled'): void {
    for (const id of [...this.subs.keys()]) this.end(id, reason);
  }

  /** New data or progress: every subscription with credit catches up. Also expires stale leases. */
  wake(): void {
    const now = this.now();
    for (const sub of [...this.subs.values()]) {
      if (now - sub.renewedAt > LEASE_MS) this.end(sub.id, 'expired', `no Credit for ${LEASE_MS} ms`);
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
    while (this.subs.get(sub.id) === sub && sub.credit > 0) {
      const upper = this.shard.upper;
      if (sub.snapshotAt !== undefined) {
        if (sub.snapshotAt >= upper) return; // waits until the snapshot time is sealed
        const asOf = sub.snapshotAt;
        const rows = await this.shard.snapshot(asOf, this.collection);
        const updates: Update[] = rows.map(([row, diff]) => [row, asOf, diff]);
        sub.snapshotAt = undefined;
        this.sendChunks(sub, updates, asOf + 1);
        continue;
      }
      if (sub.through >= upper - 1) return; // nothing new sealed
      const updates = await this.shard.readRange(sub.through, upper);
      this.sendChunks(sub, updates, upper);
      sub.through = upper - 1;
    }
  }

  /** Sends updates in messages of bounded size; only the last one states progress `upper`. */
  private sendChunks(sub: Sub, updates: Update[], upper: number): void {
    if (updates.length <= MAX_UPDATES_PER_MESSAGE) {
      this.batch(sub, updates, upper);
      return;
    }
    for (let i = 0; i < updates.length; i += MAX_UPDATES_PER_MESSAGE) {
      const chunk = updates.slice(i, i + MAX_UPDATES_PER_MESSAGE);
      const last = i + MAX_UPDATES_PER_MESSAGE >= updates.length;
      // Updates are in time order: after a chunk ending at time t, every time before t is done.
      this.batch(sub, chunk, last ? upper : chunk[chunk.length - 1]![1]);
    }
  }

  private batch(sub: Sub, updates: Update[], upper: number): void {
    sub.seq++;
    sub.credit--;
    this.send(sub, { type: 'SubscribeBatch', subscribeId: sub.id, seq: sub.seq, updates, upper: [upper] });
  }

  private send(sub: Sub, message: { type: string; [k: string]: unknown }): void {
    try {
      this.transport.publish(sub.inbox, message);
    } catch (err) {
      this.onError(err);
    }
  }
}
