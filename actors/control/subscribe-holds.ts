/**
 * Read holds for SUBSCRIBE, so a client can resume from its last progress after losing its
 * session, even to a CONTROL restart. Each subscription holds its collection's `since` at (just
 * below) the last progress it sent, through STORAGE's durable `AllowCompaction`. The hold
 * outlives the subscription's session on purpose: it is released when the subscription ends
 * cleanly (cancel, drop, session close), and otherwise expires `RESUME_WINDOW_MS` after its last
 * renewal, which is how long a client has to resume. The holds are recorded in the coordinator's
 * store, so one left by a crashed process expires too (its window counts from the restart).
 */
import type { StorageClient } from '../../protocol/storage/client.js';
import type { ActorStore } from '../../runtime/store.js';

/** How long a subscription's client has to resume after its session is gone. */
export const RESUME_WINDOW_MS = 60_000;
/** Holds are moved at most this often per subscription (each move is a STORAGE request). */
const ADVANCE_EVERY_MS = 1_000;
const PREFIX = 'subhold/';

interface Held {
  collection: string;
  since: number;
  renewedAt: number;
  movedAt: number;
}

export class SubscribeHolds {
  private readonly held = new Map<string, Held>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: ActorStore,
    private readonly storage: StorageClient,
    private readonly now: () => number,
  ) {}

  /** Reloads the holds a previous incarnation left; their window starts now. Starts the sweeper. */
  async recover(): Promise<void> {
    for await (const [key, collection] of this.store.entries<string>({ gte: PREFIX, lt: PREFIX + '\xff' })) {
      this.held.set(key.slice(PREFIX.length), { collection, since: 0, renewedAt: this.now(), movedAt: 0 });
    }
    this.timer = setInterval(() => void this.sweep(), 5_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Holds `collection` at `since` for subscription `id` (before its STORAGE subscription starts). */
  async acquire(id: string, collection: string, since: number): Promise<void> {
    await this.store.batch([{ type: 'put', key: PREFIX + id, value: collection }]);
    await this.storage.allowCompaction(collection, holderOf(id), [since]);
    this.held.set(id, { collection, since, renewedAt: this.now(), movedAt: this.now() });
  }

  /** The subscription sent progress `p`: a resume would read from `p - 1`. Moves the hold (throttled). */
  progressed(id: string, p: number): void {
    const h = this.held.get(id);
    if (!h) return;
    h.renewedAt = this.now();
    if (p - 1 <= h.since || this.now() - h.movedAt < ADVANCE_EVERY_MS) return;
    h.since = p - 1;
    h.movedAt = this.now();
    this.storage.allowCompaction(h.collection, holderOf(id), [h.since]).catch(() => undefined);
  }

  /** The subscription ended and will not be resumed (canceled, dropped, session closed). */
  async release(id: string): Promise<void> {
    const h = this.held.get(id);
    if (!h) return;
    this.held.delete(id);
    await this.storage.allowCompaction(h.collection, holderOf(id), []).catch(() => undefined);
    await this.store.batch([{ type: 'del', key: PREFIX + id }]);
  }

  /** Releases holds whose subscription is gone and whose resume window has passed. */
  async sweep(): Promise<void> {
    const cutoff = this.now() - RESUME_WINDOW_MS;
    for (const [id, h] of [...this.held]) if (h.renewedAt < cutoff) await this.release(id);
  }

}

export function holderOf(subscription: string): string {
  return `control.subscribe.${subscription}`;
}
